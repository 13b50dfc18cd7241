/* libFuzzer harness for the Multiboot loader: random bytes, a Multiboot or
 * Multiboot2 header planted at the front or not, identified and loaded with
 * two modules into a 2 MiB guest RAM. A refusal leaves RAM untouched; a
 * success leaves EBX's information inside RAM and the entry inside it too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/load/bzimage.c"
#include "vmm/load/elf.c"
#include "vmm/load/loader.c"
#include "vmm/load/multiboot.c"
#include "vmm/load/multiboot_info.c"
#include "vmm/load/pc.c"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)
#define RAM (2u << 20)

static uint8_t ram[RAM];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The first byte picks a header to plant (its checksum fixed up) so that
	 * the parsers past the checksum get exercised. */
	size_t len = size - 1;
	uint8_t *img = malloc(len ? len : 1);
	memcpy(img, data + 1, len);
	if ((data[0] & 3) == 1 && len >= 12) {
		le_write(img, 0x1BADB002, 4);
		le_write(img + 8, -(0x1BADB002u + (uint32_t)le_read(img + 4, 4)), 4);
	} else if ((data[0] & 3) == 2 && len >= 16) {
		le_write(img, 0xE85250D6, 4);
		le_write(img + 4, 0, 4);
		le_write(img + 12, -(0xE85250D6u + (uint32_t)le_read(img + 8, 4)), 4);
	}
	static const uint8_t mod[300] = {1, 2, 3};
	struct boot_file files[2] = {{mod, sizeof(mod), "one"}, {mod, data[0] & 0x80 ? 70000 % sizeof(mod) : 0, ""}};
	struct guest_boot boot = {"cmdline", files, 2, false};
	const char *err = NULL;
	int f = multiboot_identify(img, len, &err);
	CHECK(f == IMAGE_UNKNOWN || f == IMAGE_MULTIBOOT1 || f == IMAGE_MULTIBOOT2);
	struct guest_entry e;
	memset(ram, 0xAA, 64);
	err = NULL;
	int rc = loader_load(img, len, &boot, ram, RAM, &e, &err);
	if (rc == 0 && (e.format == IMAGE_MULTIBOOT1 || e.format == IMAGE_MULTIBOOT2)) {
		CHECK(e.format == f);
		CHECK(e.rbx >= LOADER_MIN_PADDR && e.rbx < RAM);
		CHECK(e.entry >= LOADER_MIN_PADDR && e.entry < RAM);
	} else if (rc != 0) {
		CHECK(err != NULL);
		CHECK(ram[0] == 0xAA); /* nothing written */
	}
	free(img);
	return 0;
}
