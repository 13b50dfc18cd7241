/* libFuzzer harness for the bzImage loader: identify and load random images
 * (a valid setup header's offsets seeded by the fuzzer's own mutations) into
 * a small RAM with an initrd and a command line; a load either fails with a
 * reason or leaves the entry state the boot protocol asks for. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/load/bzimage.c"
#include "vmm/load/pc.c"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)
#define RAM_SIZE (4u << 20)

static uint8_t ram[RAM_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t rd[64];
	struct boot_file files[2] = {{rd, sizeof(rd), ""}, {rd, 3, "x"}};
	struct guest_boot boot = {"console=ttyS0", files, 2, false};
	const char *err = NULL;
	uint8_t *img = malloc(size ? size : 1);
	memcpy(img, data, size);
	/* Half the inputs get the magic, so that the header's fields are what
	 * the fuzzer explores, not the search for "HdrS". */
	if (size > 0x210 && (data[0] & 1)) {
		memcpy(img + 0x202, "HdrS", 4);
		img[0x1FE] = 0x55;
		img[0x1FF] = 0xAA;
	}
	int f = bzimage_identify(img, size, &err);
	CHECK(f == IMAGE_BZIMAGE || f == IMAGE_UNKNOWN);
	CHECK(f == IMAGE_BZIMAGE || err || size < 0x206 || memcmp(img + 0x202, "HdrS", 4) ||
	      img[0x1FE] != 0x55 || img[0x1FF] != 0xAA);
	if (f == IMAGE_BZIMAGE) {
		struct guest_entry e = {0};
		err = NULL;
		if (bzimage_load(img, size, &boot, ram, RAM_SIZE, &e, &err) == 0) {
			CHECK(e.mode == GUEST_PROT32 && e.cs == 0x10 && e.ds == 0x18 && e.rsi == 0x10000);
			CHECK(e.entry >= 0x100000 && e.entry < RAM_SIZE);
		} else {
			CHECK(err != NULL);
		}
	}
	free(img);
	return 0;
}
