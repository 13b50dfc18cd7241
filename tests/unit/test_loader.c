/* Host tests for vmm/load/loader.c: ELF32/ELF64/flat images crafted here, loaded
 * into a fake guest RAM; then one test per rejection reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/le_bytes.h"
#include "vmm/load/bzimage.c"
#include "vmm/load/elf.c"
#include "vmm/load/loader.c"
#include "vmm/load/multiboot.c"
#include "vmm/load/multiboot_info.c"
#include "vmm/load/pc.c"

#define RAM_SIZE (8u << 20)

static uint8_t img[16384];
static uint8_t *ram;

/* Field offsets per class: {ELF32, ELF64}. */
static const unsigned PH[2] = {32, 56};

static void ehdr(bool is64, uint64_t entry, unsigned phnum)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = is64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	put(img + 16, 2, 2);
	put(img + 18, is64 ? 62 : 3, 2);
	put(img + 20, 1, 4);
	put(img + 24, entry, is64 ? 8 : 4);
	put(img + (is64 ? 32 : 28), 0x40, is64 ? 8 : 4); /* phoff */
	put(img + (is64 ? 52 : 40), is64 ? 64 : 52, 2);
	put(img + (is64 ? 54 : 42), PH[is64], 2);
	put(img + (is64 ? 56 : 44), phnum, 2);
}

static uint8_t *phdr_at(bool is64, unsigned i) { return img + 0x40 + i * PH[is64]; }

static void phdr(bool is64, unsigned i, uint32_t type, uint32_t flags, uint64_t off, uint64_t paddr, uint64_t filesz,
		 uint64_t memsz)
{
	uint8_t *h = phdr_at(is64, i);
	put(h, type, 4);
	if (is64) {
		put(h + 4, flags, 4);
		put(h + 8, off, 8);
		put(h + 16, paddr, 8); /* vaddr = paddr */
		put(h + 24, paddr, 8);
		put(h + 32, filesz, 8);
		put(h + 40, memsz, 8);
	} else {
		put(h + 4, off, 4);
		put(h + 8, paddr, 4);
		put(h + 12, paddr, 4);
		put(h + 16, filesz, 4);
		put(h + 20, memsz, 4);
		put(h + 24, flags, 4);
	}
}

/* A good image: code at 1 MiB (R-X, 0x300 bytes), data at 1 MiB + 4 KiB with a
 * .bss tail (RW-, 0x100 bytes in the file, 0x2000 in memory), a PT_NOTE. */
#define IMG_LEN 0x1400
static void good(bool is64)
{
	ehdr(is64, 0x100010, 3);
	phdr(is64, 0, PT_LOAD, 5, 0x1000, 0x100000, 0x300, 0x300);
	phdr(is64, 1, 4 /* PT_NOTE */, 4, 0x200, 0, 0x10, 0x10);
	phdr(is64, 2, PT_LOAD, 6, 0x1300, 0x101000, 0x100, 0x2000);
	for (unsigned i = 0; i < 0x400; i++)
		img[0x1000 + i] = (uint8_t)(i * 7 + 1);
}

static const char *load(size_t len, struct guest_entry *e)
{
	const char *err = NULL;
	int rc = loader_load(img, len, NULL, ram, RAM_SIZE, e, &err);
	assert_int_equal(rc, err ? -1 : 0);
	return err;
}

static void expect_reject(size_t len, const char *what)
{
	struct guest_entry e;
	memset(ram, 0xEE, RAM_SIZE);
	const char *err = load(len, &e);
	if (!err || !strstr(err, what))
		fail_msg("expected '%s', got '%s'", what, err ? err : "success");
	for (size_t i = 0; i < RAM_SIZE; i++)
		if (ram[i] != 0xEE)
			fail_msg("RAM written at 0x%zx by a refused image", i);
	assert_int_equal(e.format, IMAGE_UNKNOWN);
}

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void check_segments_loaded(void)
{
	assert_memory_equal(ram + 0x100000, img + 0x1000, 0x300);
	assert_memory_equal(ram + 0x101000, img + 0x1300, 0x100);
	for (unsigned i = 0x100; i < 0x2000; i++)
		assert_int_equal(ram[0x101000 + i], 0); /* .bss zeroed */
	assert_int_equal(ram[0x100300], 0xAA);      /* nothing past p_memsz */
	assert_int_equal(ram[0x103000], 0xAA);
}

static void check_gdt(const struct guest_entry *e)
{
	assert_int_equal(e->gdt_base, 0x1000);
	assert_int_equal(e->gdt_limit, 31);
	assert_int_equal(get(ram + 0x1000, 8), 0);
	assert_int_equal(get(ram + 0x1008, 8), 0x00CF9B000000FFFFULL);
	assert_int_equal(get(ram + 0x1010, 8), 0x00CF93000000FFFFULL);
	assert_int_equal(get(ram + 0x1018, 8), 0x00AF9B000000FFFFULL);
}

static void test_elf32_good(void **state)
{
	(void)state;
	good(false);
	memset(ram, 0xAA, RAM_SIZE);
	assert_int_equal(loader_detect(img, IMG_LEN), IMAGE_ELF32);
	struct guest_entry e;
	assert_null(load(IMG_LEN, &e));
	assert_int_equal(e.format, IMAGE_ELF32);
	assert_int_equal(e.entry, 0x100010);
	assert_int_equal(e.stack, RAM_SIZE);
	assert_int_equal(e.cr3, 0);
	check_segments_loaded();
	check_gdt(&e);
	assert_int_equal(ram[0x2000], 0xAA); /* no page tables for ELF32 */
}

static void test_elf64_good(void **state)
{
	(void)state;
	good(true);
	memset(ram, 0xAA, RAM_SIZE);
	assert_int_equal(loader_detect(img, IMG_LEN), IMAGE_ELF64);
	struct guest_entry e;
	assert_null(load(IMG_LEN, &e));
	assert_int_equal(e.format, IMAGE_ELF64);
	assert_int_equal(e.entry, 0x100010);
	assert_int_equal(e.stack, RAM_SIZE);
	assert_int_equal(e.cr3, 0x2000);
	check_segments_loaded();
	check_gdt(&e);
	assert_int_equal(get(ram + 0x2000, 8), 0x3003);
	for (unsigned i = 1; i < 512; i++)
		assert_int_equal(get(ram + 0x2000 + 8 * i, 8), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(get(ram + 0x3000 + 8 * i, 8), 0x4003 + 0x1000 * i);
	for (unsigned i = 4; i < 512; i++)
		assert_int_equal(get(ram + 0x3000 + 8 * i, 8), 0);
	for (uint64_t i = 0; i < 2048; i++)
		assert_int_equal(get(ram + 0x4000 + 8 * i, 8), (i << 21) | 0x83);
	assert_int_equal(ram[0x8000], 0xAA);
}

static void test_flat(void **state)
{
	(void)state;
	memset(img, 0x90, sizeof(img));
	img[0] = 0xFA;
	memset(ram, 0xAA, RAM_SIZE);
	assert_int_equal(loader_detect(img, 512), IMAGE_FLAT);
	struct guest_entry e;
	assert_null(load(512, &e));
	assert_int_equal(e.format, IMAGE_FLAT);
	assert_int_equal(e.entry, 0x7C00);
	assert_int_equal(e.stack, 0x7C00);
	assert_int_equal(e.cr3, 0);
	assert_memory_equal(ram + 0x7C00, img, 512);
	assert_int_equal(ram[0x7C00 + 512], 0xAA);
	assert_int_equal(ram[0x1000], 0xAA); /* no GDT for real mode */
	/* Short things that are not ELF are flat too: "\x7fEL" alone. */
	assert_int_equal(loader_detect("\x7f" "EL", 3), IMAGE_FLAT);
	assert_int_equal(loader_detect("x", 1), IMAGE_FLAT);
}

static void test_flat_limits(void **state)
{
	(void)state;
	static uint8_t big[0x98000 + 1];
	struct guest_entry e;
	const char *err = NULL;
	/* The image ends at the EBDA (0x9FC00), which the loader clears after it. */
	memset(big, 0x90, sizeof(big));
	assert_int_equal(loader_load(big, 0x98000, NULL, ram, RAM_SIZE, &e, &err), 0);
	assert_int_equal(ram[0x9FBFF], 0x90);
	assert_int_equal(loader_load(big, sizeof(big), NULL, ram, RAM_SIZE, &e, &err), -1);
	assert_non_null(strstr(err, "flat image larger"));
	/* The smallest RAM (mem=64K) has no EBDA: the image may fill it. */
	assert_int_equal(loader_load(big, 0x10000 - 0x7C00, NULL, ram, 0x10000, &e, &err), 0);
	assert_int_equal(loader_load(big, 0x10000 - 0x7C00 + 1, NULL, ram, 0x10000, &e, &err), -1);
	assert_non_null(strstr(err, "does not fit in guest RAM"));
	/* Image larger than (a tiny) guest RAM. */
	assert_int_equal(loader_load(big, 0x1000, NULL, ram, 0x8000, &e, &err), -1);
	assert_non_null(strstr(err, "does not fit in guest RAM"));
	assert_int_equal(loader_load(big, 0x400, NULL, ram, 0x8000, &e, &err), 0);
}

static void load_flat(uint64_t ram_size, bool com2)
{
	const struct guest_boot boot = {"", NULL, 0, com2};
	struct guest_entry e;
	const char *err = NULL;
	memset(img, 0x90, 512);
	memset(ram, 0xAA, RAM_SIZE);
	assert_int_equal(loader_load(img, 512, &boot, ram, ram_size, &e, &err), 0);
}

/* The BIOS data area says how much conventional memory there is, and the
 * EBDA is where it says, or (under 640 KiB of RAM) there is none. */
static void test_bios_data_area(void **state)
{
	(void)state;
	load_flat(RAM_SIZE, true);
	assert_int_equal(get(ram + 0x400, 2), 0x3F8);
	assert_int_equal(get(ram + 0x402, 2), 0x2F8);
	assert_int_equal(get(ram + 0x410, 2), 2 << 9);
	assert_int_equal(get(ram + 0x40E, 2), 0x9FC0);
	assert_int_equal(get(ram + 0x413, 2), 639);
	assert_int_equal(ram[0x9FC00], 1);
	assert_int_equal(ram[0x9FC01], 0);
	assert_int_equal(ram[0xA0000], 0xAA);
	load_flat(100 << 10, false);
	assert_int_equal(get(ram + 0x400, 2), 0x3F8);
	assert_int_equal(get(ram + 0x402, 2), 0);
	assert_int_equal(get(ram + 0x410, 2), 1 << 9);
	assert_int_equal(get(ram + 0x40E, 2), 0); /* no EBDA */
	assert_int_equal(get(ram + 0x413, 2), 100);
	for (size_t i = 100 << 10; i < 0xA0000; i++)
		if (ram[i] != 0xAA)
			fail_msg("a 100 KiB guest's loader wrote at 0x%zx, beyond its RAM", i);
	load_flat(0xA0000, false); /* 640 KiB: room for the EBDA below the VGA window */
	assert_int_equal(get(ram + 0x40E, 2), 0x9FC0);
	assert_int_equal(get(ram + 0x413, 2), 639);
}

static void expect_map(uint64_t ram_size, unsigned n, const uint64_t want[][3])
{
	struct loader_range map[LOADER_MAP_MAX];
	assert_int_equal(loader_memory_map(ram_size, map), n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(map[i].base, want[i][0]);
		assert_int_equal(map[i].len, want[i][1]);
		assert_int_equal(map[i].type, want[i][2]);
	}
}

static void test_memory_map(void **state)
{
	(void)state;
	static const uint64_t big[][3] = {{0, 0x9FC00, 1}, {0x9FC00, 0x60400, 2}, {0x100000, RAM_SIZE - 0x100000, 1}};
	static const uint64_t mib[][3] = {{0, 0x9FC00, 1}, {0x9FC00, 0x60400, 2}};
	static const uint64_t small[][3] = {{0, 100 << 10, 1}};
	expect_map(RAM_SIZE, 3, big);
	expect_map(1 << 20, 2, mib);
	expect_map(700 << 10, 2, mib);
	expect_map(100 << 10, 1, small);
	assert_int_equal(loader_base_memory(64 << 10), 64 << 10);
	assert_int_equal(loader_base_memory(RAM_SIZE), 0x9FC00);
}

static void test_empty(void **state)
{
	(void)state;
	const char *err = NULL;
	assert_int_equal(loader_detect(img, 0), IMAGE_UNKNOWN);
	assert_int_equal(loader_identify(NULL, 10, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "empty"));
	expect_reject(0, "empty");
}

static void test_segment_outside_ram(void **state)
{
	(void)state;
	good(false);
	phdr(false, 2, PT_LOAD, 6, 0x1300, 0x40000000, 0x100, 0x2000); /* elfhigh: 1 GiB */
	assert_int_equal(loader_detect(img, IMG_LEN), IMAGE_ELF32); /* RAM decides, not the image */
	expect_reject(IMG_LEN, "outside guest RAM");
	phdr(false, 2, PT_LOAD, 6, 0x1300, RAM_SIZE - 0x1000, 0x100, 0x1001); /* one byte over */
	expect_reject(IMG_LEN, "outside guest RAM");
	phdr(false, 2, PT_LOAD, 6, 0x1300, RAM_SIZE - 0x1000, 0x100, 0x1000); /* exactly fits */
	struct guest_entry e;
	assert_null(load(IMG_LEN, &e));
	good(true);
	phdr(true, 2, PT_LOAD, 6, 0x1300, 0x101000, 0x100, RAM_SIZE); /* image bigger than memory */
	expect_reject(IMG_LEN, "outside guest RAM");
}

static void test_segment_below_0x8000(void **state)
{
	(void)state;
	good(true);
	phdr(true, 2, PT_LOAD, 6, 0x1300, 0x7FFF, 0x1, 0x1);
	expect_reject(IMG_LEN, "below 0x8000");
	phdr(true, 2, PT_LOAD, 6, 0x1300, 0x7000, 0x100, 0x100);
	expect_reject(IMG_LEN, "below 0x8000");
	phdr(true, 2, PT_LOAD, 6, 0x1300, 0x8000, 0x100, 0x100);
	struct guest_entry e;
	assert_null(load(IMG_LEN, &e));
}

static void test_filesz_above_memsz(void **state)
{
	(void)state;
	good(false);
	phdr(false, 2, PT_LOAD, 6, 0x1300, 0x101000, 0x100, 0xFF);
	assert_int_equal(loader_detect(img, IMG_LEN), IMAGE_UNKNOWN);
	expect_reject(IMG_LEN, "p_filesz > p_memsz");
}

static void test_file_range_outside_image(void **state)
{
	(void)state;
	good(true);
	phdr(true, 2, PT_LOAD, 6, 0x1300, 0x101000, 0x101, 0x2000); /* one byte past IMG_LEN */
	expect_reject(IMG_LEN, "file data (p_offset + p_filesz) runs past");
	phdr(true, 2, PT_LOAD, 6, UINT64_MAX - 0x10, 0x101000, 0x100, 0x2000); /* offset + filesz wraps */
	expect_reject(IMG_LEN, "file data (p_offset + p_filesz) runs past");
}

/* Two PT_LOADs sharing bytes of guest memory: the later copy would
 * overwrite the earlier, so neither loads; touching ends is fine. */
static void test_overlapping_segments(void **state)
{
	(void)state;
	good(false);
	phdr(false, 2, PT_LOAD, 6, 0x1300, 0x1002FF, 0x100, 0x2000); /* its first byte is code's last */
	expect_reject(IMG_LEN, "PT_LOAD segments overlap");
	good(true);
	phdr(true, 0, PT_LOAD, 5, 0x1000, 0x100000, 0x300, 0x300);
	phdr(true, 2, PT_LOAD, 6, 0x1300, 0x0FF000, 0x100, 0x2000); /* below it, running into it */
	expect_reject(IMG_LEN, "PT_LOAD segments overlap");
	good(true);
	phdr(true, 2, PT_LOAD, 6, 0x1300, 0x100300, 0x100, 0x2000); /* starts where code ends */
	struct guest_entry e;
	assert_null(load(IMG_LEN, &e));
	good(false);
	phdr(false, 1, PT_LOAD, 6, 0x1300, 0x100100, 0, 0); /* no memory: nothing to overlap */
	assert_null(load(IMG_LEN, &e));
}

/* More PT_LOADs than ELF_LOADS_MAX: refused before the quadratic check. */
static void test_too_many_segments(void **state)
{
	(void)state;
	for (unsigned n = ELF_LOADS_MAX + 1; n >= ELF_LOADS_MAX; n--) {
		ehdr(false, 0x100000, n);
		for (unsigned i = 0; i < n; i++)
			phdr(false, i, PT_LOAD, 5, 0x1000, 0x100000 + 0x10 * i, 0x10, 0x10);
		if (n > ELF_LOADS_MAX)
			expect_reject(IMG_LEN + 0x800, "more than 64 PT_LOAD segments");
	}
	struct guest_entry e;
	const char *err = load(IMG_LEN + 0x800, &e);
	if (err)
		fail_msg("64 PT_LOAD segments refused: %s", err);
}

static void test_truncated_phdr_table(void **state)
{
	(void)state;
	good(true);
	expect_reject(0x40 + 3 * 56 - 1, "program header table");
	good(false);
	put(img + 28, 0xFFFFFFF0, 4); /* phoff far past the end */
	expect_reject(IMG_LEN, "program header table");
	good(true);
	put(img + 32, UINT64_MAX - 8, 8); /* phoff + size wraps */
	expect_reject(IMG_LEN, "program header table");
	good(true);
	put(img + 56, 0, 2);
	expect_reject(IMG_LEN, "no program headers");
	good(false);
	put(img + 42, 56, 2); /* ELF64-sized entries in an ELF32 */
	expect_reject(IMG_LEN, "program header size");
	good(true);
	expect_reject(40, "header truncated");
	expect_reject(8, "header truncated");
}

static void test_paddr_overflow(void **state)
{
	(void)state;
	good(true);
	phdr(true, 2, PT_LOAD, 6, 0x1300, UINT64_MAX - 0xFF, 0x100, 0x2000);
	expect_reject(IMG_LEN, "overflows");
	good(false);
	phdr(false, 2, PT_LOAD, 6, 0x1300, 0xFFFFF000, 0x100, 0x2000); /* past 4 GiB */
	expect_reject(IMG_LEN, "overflows");
}

static void test_wrong_machine_type_class(void **state)
{
	(void)state;
	good(true);
	put(img + 18, 3, 2); /* EM_386 in an ELF64 */
	expect_reject(IMG_LEN, "not x86-64");
	good(false);
	put(img + 18, 62, 2); /* EM_X86_64 in an ELF32 */
	expect_reject(IMG_LEN, "not i386");
	good(false);
	put(img + 18, 40, 2); /* EM_ARM */
	expect_reject(IMG_LEN, "not i386");
	good(true);
	img[4] = 3;
	expect_reject(IMG_LEN, "class");
	good(true);
	img[5] = 2; /* big-endian */
	expect_reject(IMG_LEN, "little-endian");
	good(true);
	put(img + 16, 3, 2); /* ET_DYN */
	expect_reject(IMG_LEN, "ET_EXEC");
	good(true);
	img[6] = 0;
	expect_reject(IMG_LEN, "version");
	/* An ELF32 header claiming class 64 reads its fields as ELF64: garbage, refused. */
	good(false);
	img[4] = 2;
	assert_int_equal(loader_detect(img, IMG_LEN), IMAGE_UNKNOWN);
}

static void test_entry_point(void **state)
{
	(void)state;
	good(true);
	put(img + 24, 0x101010, 8); /* inside the RW- data segment */
	expect_reject(IMG_LEN, "entry point");
	put(img + 24, 0x100300, 8); /* one past the code */
	expect_reject(IMG_LEN, "entry point");
	put(img + 24, 0x1002FF, 8);
	struct guest_entry e;
	assert_null(load(IMG_LEN, &e));
	assert_int_equal(e.entry, 0x1002FF);
	good(false);
	put(img + 0x40 + 4 * 0, 4, 4); /* first PT_LOAD becomes PT_NOTE: no code at all */
	put(img + 0x40 + 2 * 32, 4, 4);
	expect_reject(IMG_LEN, "no PT_LOAD");
}

static void test_malformed_elf_is_never_flat(void **state)
{
	(void)state;
	/* Every prefix of a good ELF that is refused is IMAGE_UNKNOWN, never flat,
	 * and ASan sees no read past the buffer. */
	for (int is64 = 0; is64 < 2; is64++) {
		good(is64);
		for (size_t n = 4; n < IMG_LEN; n++) {
			uint8_t *copy = malloc(n);
			memcpy(copy, img, n);
			int f = loader_detect(copy, n);
			assert_true(f == IMAGE_UNKNOWN);
			free(copy);
		}
		assert_int_equal(loader_detect(img, IMG_LEN), is64 ? IMAGE_ELF64 : IMAGE_ELF32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf32_good),
		cmocka_unit_test(test_elf64_good),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_flat_limits),
		cmocka_unit_test(test_bios_data_area),
		cmocka_unit_test(test_memory_map),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_segment_outside_ram),
		cmocka_unit_test(test_segment_below_0x8000),
		cmocka_unit_test(test_filesz_above_memsz),
		cmocka_unit_test(test_file_range_outside_image),
		cmocka_unit_test(test_truncated_phdr_table),
		cmocka_unit_test(test_paddr_overflow),
		cmocka_unit_test(test_wrong_machine_type_class),
		cmocka_unit_test(test_entry_point),
		cmocka_unit_test(test_overlapping_segments),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_malformed_elf_is_never_flat),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
