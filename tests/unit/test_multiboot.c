/* Host tests for vmm/load/multiboot.c and multiboot_info.c: Multiboot and
 * Multiboot2 kernels (ELF and a.out kludge) crafted here, loaded with
 * modules and a command line into a fake guest RAM; the registers, every
 * information field and tag byte; then one test per refusal. */
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
#define LOADER   "Kestrel " KESTREL_VERSION

static uint8_t img[65536];
static size_t img_len;
static uint8_t *ram;

/* A field of guest RAM at a guest-physical address. */
static uint64_t ram_get(uint64_t gpa, unsigned bytes) { return get(ram + gpa, bytes); }

/* Multiboot header at off: magic, flags, checksum, then the a.out fields. */
static void mb1_header(size_t off, uint32_t flags)
{
	put(img + off, 0x1BADB002, 4);
	put(img + off + 4, flags, 4);
	put(img + off + 8, -(0x1BADB002u + flags), 4);
}

static void mb1_aout(size_t off, uint32_t header_addr, uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
		     uint32_t entry)
{
	put(img + off + 12, header_addr, 4);
	put(img + off + 16, load_addr, 4);
	put(img + off + 20, load_end, 4);
	put(img + off + 24, bss_end, 4);
	put(img + off + 28, entry, 4);
}

/* An ELF with code at 1 MiB (0x300 bytes, file offset 0x1000) linked at
 * virtual 0xC0100000, data at 1 MiB + 4 KiB with bss to 0x103000. */
static void elf(bool is64, uint64_t entry)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = is64 ? 2 : 1;
	img[5] = img[6] = 1;
	put(img + 16, 2, 2);
	put(img + 18, is64 ? 62 : 3, 2);
	put(img + 24, entry, is64 ? 8 : 4);
	put(img + (is64 ? 32 : 28), 0x40, is64 ? 8 : 4);
	put(img + (is64 ? 54 : 42), is64 ? 56 : 32, 2);
	put(img + (is64 ? 56 : 44), 2, 2);
	static const uint64_t seg[2][6] = {{5, 0x1000, 0xC0100000, 0x100000, 0x300, 0x300},
					   {6, 0x1300, 0xC0101000, 0x101000, 0x100, 0x2000}};
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *h = img + 0x40 + i * (is64 ? 56 : 32);
		put(h, 1, 4);
		if (is64) {
			put(h + 4, seg[i][0], 4);
			put(h + 8, seg[i][1], 8);
			put(h + 16, seg[i][2], 8);
			put(h + 24, seg[i][3], 8);
			put(h + 32, seg[i][4], 8);
			put(h + 40, seg[i][5], 8);
		} else {
			put(h + 4, seg[i][1], 4);
			put(h + 8, seg[i][2], 4);
			put(h + 12, seg[i][3], 4);
			put(h + 16, seg[i][4], 4);
			put(h + 20, seg[i][5], 4);
			put(h + 24, seg[i][0], 4);
		}
	}
	for (unsigned i = 0x1040; i < 0x1400; i++)
		img[i] = (uint8_t)(i * 7 + 1);
	img_len = 0x1400;
}

static void v1_elf(void)
{
	elf(false, 0xC0100040);
	mb1_header(0x1000, 3);
}

/* a.out kludge: header at file offset 0x40, the file loaded at 0x200000,
 * 0x800 bytes of it, bss to 0x203000, entry 0x200080. */
static void v1_aout(uint32_t load_end)
{
	memset(img, 0, sizeof(img));
	for (unsigned i = 0; i < 0x1000; i++)
		img[i] = (uint8_t)(i * 13 + 5);
	mb1_header(0x40, 1u << 16 | 1);
	mb1_aout(0x40, 0x200040, 0x200000, load_end, 0x203000, 0x200080);
	img_len = 0x1000;
}

/* Multiboot2 header at off with the tags given (each a whole tag, 8-aligned
 * sizes), then the end tag. */
static size_t v2_header(size_t off, const uint32_t *tags, size_t ntag_words)
{
	uint32_t len = 16 + 4 * ntag_words + 8;
	put(img + off, 0xE85250D6, 4);
	put(img + off + 4, 0, 4);
	put(img + off + 8, len, 4);
	put(img + off + 12, -(0xE85250D6u + len), 4);
	for (size_t i = 0; i < ntag_words; i++)
		put(img + off + 16 + 4 * i, tags[i], 4);
	put(img + off + len - 8, 0, 4);
	put(img + off + len - 4, 8, 4);
	return len;
}

#define TAG(type, flags, size) ((uint32_t)(type) | (uint32_t)(flags) << 16), (size)

static void v2_elf(const uint32_t *tags, size_t n)
{
	elf(true, 0xC0100040);
	v2_header(0x1000, tags, n);
}

static const uint32_t module_align[] = {TAG(6, 0, 8)};

/* Address and entry tags: the file from offset 0 loaded at 0x300000. */
static void v2_aout(void)
{
	memset(img, 0, sizeof(img));
	for (unsigned i = 0; i < 0x2000; i++)
		img[i] = (uint8_t)(i * 3 + 11);
	const uint32_t tags[] = {TAG(2, 0, 24), 0x300100, 0x300000, 0x301800, 0x304000,
				 TAG(3, 0, 12), 0x300200, 0};
	v2_header(0x100, tags, sizeof(tags) / 4);
	img_len = 0x2000;
}

static uint8_t mod_a[100], mod_b[5000];
static const struct boot_file files[2] = {{mod_a, sizeof(mod_a), "alpha one=1"}, {mod_b, sizeof(mod_b), ""}};
static const struct guest_boot two_mods = {"console=ttyS0 quiet", files, 2, false};

static const char *load_with(const struct guest_boot *b, uint64_t ram_size, struct guest_entry *e)
{
	const char *err = NULL;
	memset(ram, 0xAA, RAM_SIZE);
	int rc = loader_load(img, img_len, b, ram, ram_size, e, &err);
	assert_int_equal(rc, err ? -1 : 0);
	return err;
}

static void expect_refused(const struct guest_boot *b, uint64_t ram_size, const char *what)
{
	struct guest_entry e;
	const char *err = load_with(b, ram_size, &e);
	if (!err || !strstr(err, what))
		fail_msg("expected '%s', got '%s'", what, err ? err : "success");
	for (size_t i = 0; i < RAM_SIZE; i++)
		if (ram[i] != 0xAA)
			fail_msg("RAM written at 0x%zx by a refused image", i);
}

/* Refused by the image alone: multiboot_identify says why. */
static void expect_unknown(const char *what)
{
	const char *err = NULL;
	assert_int_equal(multiboot_identify(img, img_len, &err), IMAGE_UNKNOWN);
	if (!err || !strstr(err, what))
		fail_msg("identify: expected '%s', got '%s'", what, err ? err : "nothing");
	assert_int_equal(loader_identify(img, img_len, NULL), IMAGE_UNKNOWN);
	expect_refused(&two_mods, RAM_SIZE, what);
}

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(mod_a); i++)
		mod_a[i] = (uint8_t)(0x40 + i);
	for (unsigned i = 0; i < sizeof(mod_b); i++)
		mod_b[i] = (uint8_t)(i ^ 0x5A);
	ram = malloc(RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void check_cpu(const struct guest_entry *e, int format, uint64_t entry)
{
	assert_int_equal(e->format, format);
	assert_int_equal(e->mode, GUEST_PROT32);
	assert_int_equal(e->entry, entry);
	assert_int_equal(e->cs, 0x08);
	assert_int_equal(e->ds, 0x10);
	assert_int_equal(e->cr3, 0);
	assert_int_equal(e->gdt_base, 0x1000);
	assert_int_equal(e->gdt_limit, 31);
	assert_int_equal(ram_get(0x1008, 8), 0x00CF9B000000FFFFULL); /* flat 4 GiB code, 32-bit */
	assert_int_equal(ram_get(0x1010, 8), 0x00CF93000000FFFFULL); /* flat 4 GiB data */
	assert_int_equal(e->rax, format == IMAGE_MULTIBOOT1 ? 0x2BADB002 : 0x36D76289);
	assert_int_equal(e->stack, 0x8000);
}

static void check_string(uint64_t gpa, const char *s)
{
	assert_true(gpa + strlen(s) < RAM_SIZE);
	assert_memory_equal(ram + gpa, s, strlen(s) + 1);
}

/* The modules: page-aligned from the first page past the kernel (bss
 * included), in order, copied whole. */
static void check_modules(uint64_t kernel_end, uint64_t *a, uint64_t *b)
{
	*a = (kernel_end + 4095) & ~4095ull;
	*b = (*a + sizeof(mod_a) + 4095) & ~4095ull;
	assert_memory_equal(ram + *a, mod_a, sizeof(mod_a));
	assert_memory_equal(ram + *b, mod_b, sizeof(mod_b));
}

static void check_mb1_info(uint64_t mbi, uint64_t kernel_end, uint64_t ram_size)
{
	uint64_t ma, mb;
	check_modules(kernel_end, &ma, &mb);
	assert_int_equal(mbi, (mb + sizeof(mod_b) + 7) & ~7ull); /* right after the modules */
	assert_int_equal(ram_get(mbi, 4), 0x24D);                    /* mem, cmdline, mods, mmap, loader name */
	assert_int_equal(ram_get(mbi + 4, 4), 639);
	assert_int_equal(ram_get(mbi + 8, 4), (ram_size >> 10) - 1024);
	assert_int_equal(ram_get(mbi + 12, 4), 0); /* no boot device */
	check_string(ram_get(mbi + 16, 4), "console=ttyS0 quiet");
	assert_int_equal(ram_get(mbi + 20, 4), 2);
	uint64_t mods = ram_get(mbi + 24, 4);
	assert_int_equal(mods, mbi + 116);
	assert_int_equal(ram_get(mods, 4), ma);
	assert_int_equal(ram_get(mods + 4, 4), ma + sizeof(mod_a));
	check_string(ram_get(mods + 8, 4), "alpha one=1");
	assert_int_equal(ram_get(mods + 12, 4), 0);
	assert_int_equal(ram_get(mods + 16, 4), mb);
	assert_int_equal(ram_get(mods + 20, 4), mb + sizeof(mod_b));
	check_string(ram_get(mods + 24, 4), "");
	for (uint64_t o = 28; o < 44; o++) /* syms: none */
		assert_int_equal(ram[mbi + o], 0);
	assert_int_equal(ram_get(mbi + 44, 4), 72);
	uint64_t mmap = ram_get(mbi + 48, 4);
	static const uint64_t map[3][3] = {{0, 0x9FC00, 1}, {0x9FC00, 0x60400, 2}, {0x100000, 0, 1}};
	for (unsigned i = 0; i < 3; i++) {
		uint64_t m = mmap + 24 * i;
		assert_int_equal(ram_get(m, 4), 20);
		assert_int_equal(ram_get(m + 4, 8), map[i][0]);
		assert_int_equal(ram_get(m + 12, 8), i == 2 ? ram_size - 0x100000 : map[i][1]);
		assert_int_equal(ram_get(m + 20, 4), map[i][2]);
	}
	for (uint64_t o = 52; o < 64; o++) /* drives, config table: none */
		assert_int_equal(ram[mbi + o], 0);
	check_string(ram_get(mbi + 64, 4), LOADER);
	for (uint64_t o = 68; o < 116; o++) /* APM, VBE, framebuffer: none */
		assert_int_equal(ram[mbi + o], 0);
	/* Every structure and string lies inside the information area. */
	assert_true(ram_get(mbi + 16, 4) > mmap && ram_get(mods + 24, 4) < mbi + 1024);
}

static void test_v1_elf(void **state)
{
	(void)state;
	v1_elf();
	assert_int_equal(loader_identify(img, img_len, NULL), IMAGE_MULTIBOOT1);
	assert_true(loader_takes_files(IMAGE_MULTIBOOT1));
	struct guest_entry e;
	assert_null(load_with(&two_mods, RAM_SIZE, &e));
	check_cpu(&e, IMAGE_MULTIBOOT1, 0x100040); /* e_entry 0xC0100040 through p_vaddr -> p_paddr */
	assert_memory_equal(ram + 0x100000, img + 0x1000, 0x300);
	assert_memory_equal(ram + 0x101000, img + 0x1300, 0x100);
	for (unsigned i = 0x101100; i < 0x103000; i++)
		assert_int_equal(ram[i], 0);
	assert_int_equal(ram[0x100300], 0xAA);
	check_mb1_info(e.rbx, 0x103000, RAM_SIZE);
	assert_int_equal(ram[0x410 + 1], 2); /* loader_load's BIOS data area: one COM port */
}

static void test_v1_elf64_and_no_files(void **state)
{
	(void)state;
	elf(true, 0xC0100040);
	mb1_header(0x1000, 0);
	struct guest_entry e;
	assert_null(load_with(NULL, RAM_SIZE, &e));
	check_cpu(&e, IMAGE_MULTIBOOT1, 0x100040);
	assert_int_equal(e.rbx, 0x103000);
	assert_int_equal(ram_get(e.rbx + 20, 4), 0);
	check_string(ram_get(e.rbx + 16, 4), "");
	/* An entry point given physically (outside every p_vaddr range) is kept. */
	put(img + 24, 0x100044, 8);
	assert_null(load_with(NULL, RAM_SIZE, &e));
	assert_int_equal(e.entry, 0x100044);
}

static void test_v1_aout(void **state)
{
	(void)state;
	v1_aout(0x200800);
	assert_int_equal(multiboot_identify(img, img_len, NULL), IMAGE_MULTIBOOT1);
	struct guest_entry e;
	assert_null(load_with(&two_mods, RAM_SIZE, &e));
	check_cpu(&e, IMAGE_MULTIBOOT1, 0x200080);
	assert_memory_equal(ram + 0x200000, img, 0x800);
	for (unsigned i = 0x200800; i < 0x203000; i++)
		assert_int_equal(ram[i], 0); /* bss */
	check_mb1_info(e.rbx, 0x203000, RAM_SIZE);
	/* load_end_addr 0: the whole file; bss_end_addr 0: no bss. */
	v1_aout(0);
	put(img + 0x40 + 24, 0, 4);
	assert_null(load_with(NULL, RAM_SIZE, &e));
	assert_memory_equal(ram + 0x200000, img, 0x1000);
	assert_int_equal(e.rbx, 0x201000);
}

static void check_v2_tags(uint64_t mbi, uint64_t kernel_end, bool base_tag)
{
	uint64_t ma, mb;
	check_modules(kernel_end, &ma, &mb);
	assert_int_equal(mbi, (mb + sizeof(mod_b) + 7) & ~7ull);
	uint8_t want[512] = {0};
	size_t n = 8;
#define TAGHDR(type, size) (put(want + n, type, 4), put(want + n + 4, size, 4), n += 8)
#define ALIGN8() (n = (n + 7) & ~(size_t)7)
	TAGHDR(1, 8 + 20);
	memcpy(want + n, "console=ttyS0 quiet", 20);
	n += 20;
	ALIGN8();
	TAGHDR(2, 8 + sizeof(LOADER));
	memcpy(want + n, LOADER, sizeof(LOADER));
	n += sizeof(LOADER);
	ALIGN8();
	TAGHDR(3, 16 + 12);
	put(want + n, ma, 4);
	put(want + n + 4, ma + sizeof(mod_a), 4);
	memcpy(want + n + 8, "alpha one=1", 12);
	n += 20;
	ALIGN8();
	TAGHDR(3, 16 + 1);
	put(want + n, mb, 4);
	put(want + n + 4, mb + sizeof(mod_b), 4);
	n += 9;
	ALIGN8();
	TAGHDR(4, 16);
	put(want + n, 639, 4);
	put(want + n + 4, (RAM_SIZE >> 10) - 1024, 4);
	n += 8;
	TAGHDR(6, 16 + 3 * 24);
	put(want + n, 24, 4);
	put(want + n + 4, 0, 4);
	n += 8;
	static const uint64_t map[3][3] = {{0, 0x9FC00, 1}, {0x9FC00, 0x60400, 2}, {0x100000, RAM_SIZE - 0x100000, 1}};
	for (unsigned i = 0; i < 3; i++, n += 24) {
		put(want + n, map[i][0], 8);
		put(want + n + 8, map[i][1], 8);
		put(want + n + 16, map[i][2], 4);
	}
	if (base_tag) {
		TAGHDR(21, 12);
		put(want + n, 0x100000, 4);
		n += 8;
	}
	TAGHDR(0, 8);
	put(want, n, 4);
	assert_int_equal(ram_get(mbi, 4), n);
	assert_memory_equal(ram + mbi, want, n);
#undef TAGHDR
#undef ALIGN8
}

static void test_v2_elf(void **state)
{
	(void)state;
	v2_elf(module_align, 2);
	assert_int_equal(loader_identify(img, img_len, NULL), IMAGE_MULTIBOOT2);
	struct guest_entry e;
	assert_null(load_with(&two_mods, RAM_SIZE, &e));
	check_cpu(&e, IMAGE_MULTIBOOT2, 0x100040);
	assert_memory_equal(ram + 0x100000, img + 0x1000, 0x300);
	check_v2_tags(e.rbx, 0x103000, false);
	/* An information request for what Kestrel gives, and the load base. */
	const uint32_t req[] = {TAG(1, 0, 8 + 4 * 6), 1, 2, 3, 4, 6, 21};
	v2_elf(req, sizeof(req) / 4);
	assert_null(load_with(&two_mods, RAM_SIZE, &e));
	check_v2_tags(e.rbx, 0x103000, true);
	/* The entry address tag wins over e_entry. */
	const uint32_t ent[] = {TAG(3, 0, 12), 0x100100, 0};
	v2_elf(ent, 4);
	assert_null(load_with(NULL, RAM_SIZE, &e));
	assert_int_equal(e.entry, 0x100100);
}

static void test_v2_address_tags(void **state)
{
	(void)state;
	v2_aout();
	assert_int_equal(loader_identify(img, img_len, NULL), IMAGE_MULTIBOOT2);
	struct guest_entry e;
	assert_null(load_with(&two_mods, RAM_SIZE, &e));
	check_cpu(&e, IMAGE_MULTIBOOT2, 0x300200);
	assert_memory_equal(ram + 0x300000, img, 0x1800);
	for (unsigned i = 0x301800; i < 0x304000; i++)
		assert_int_equal(ram[i], 0);
	uint64_t ma, mb;
	check_modules(0x304000, &ma, &mb);
	assert_int_equal(ram_get(e.rbx + 8, 4), 1);
	/* load_addr -1: from the file's start, header_addr fixing the address. */
	put(img + 0x100 + 16 + 12, 0xFFFFFFFF, 4);
	assert_null(load_with(NULL, RAM_SIZE, &e));
	assert_memory_equal(ram + 0x300000, img, 0x1800);
}

static void test_v1_refusals(void **state)
{
	(void)state;
	v1_aout(0x200800);
	img[0x48] ^= 1;
	expect_unknown("checksum is wrong");
	v1_aout(0x200800);
	mb1_header(0x40, 1u << 16 | 1u << 2);
	expect_unknown("requires a video mode");
	mb1_header(0x40, 1u << 16 | 1u << 5);
	expect_unknown("a header flag in bits 3-15");
	mb1_header(0x40, 1u << 16 | 1u << 20); /* bits 16-31 other than 16 are optional */
	assert_int_equal(multiboot_identify(img, img_len, NULL), IMAGE_MULTIBOOT1);
	mb1_header(0x40, 0); /* no address fields, not ELF */
	expect_unknown("not ELF");
	v1_aout(0x200800);
	mb1_aout(0x40, 0x200040, 0x200041, 0x200800, 0, 0x200080);
	expect_unknown("load_addr is above header_addr");
	mb1_aout(0x40, 0x200040, 0x1FF000, 0x200800, 0, 0x200080);
	expect_unknown("more than the header's offset");
	mb1_aout(0x40, 0x200040, 0x200000, 0x201001, 0, 0x200080);
	expect_unknown("past the end of the image");
	mb1_aout(0x40, 0x200040, 0x200000, 0x1FFFFF, 0, 0x200080);
	expect_unknown("below load_addr");
	mb1_aout(0x40, 0x200040, 0x200000, 0x200800, 0x200700, 0x200080);
	expect_unknown("bss_end_addr is below");
	mb1_aout(0x40, 0x200040, 0x200000, 0x200800, 0, 0x200800);
	expect_unknown("entry_addr is not inside");
	mb1_aout(0x40, 0xFFFFFF40, 0xFFFFFF00, 0, 0, 0xFFFFFF00);
	expect_unknown("past 4 GiB");
}

static void test_v1_header_past_8k(void **state)
{
	(void)state;
	v1_aout(0);
	memset(img + 0x40, 0, 32);
	mb1_header(8192 - 8, 1u << 16); /* straddles the limit */
	mb1_aout(8192 - 8, 0x202000 - 8, 0x200000, 0, 0, 0x200080);
	img_len = 0x4000;
	expect_unknown("past the first 8192 bytes");
	memset(img + 8192 - 8, 0, 32);
	mb1_header(8192 - 32, 1u << 16); /* ends at the limit exactly */
	mb1_aout(8192 - 32, 0x202000 - 32, 0x200000, 0, 0, 0x200080);
	assert_int_equal(multiboot_identify(img, img_len, NULL), IMAGE_MULTIBOOT1);
}

static void test_ram_refusals(void **state)
{
	(void)state;
	struct guest_entry e;
	v1_aout(0x200800);
	assert_null(load_with(NULL, 0x203000 + 0x1000, &e)); /* kernel + one page of information */
	expect_refused(NULL, 0x203000, "do not fit in guest RAM");
	expect_refused(&two_mods, 0x205000, "do not fit in guest RAM");
	expect_refused(NULL, 0x202000, "outside guest RAM");
	expect_refused(NULL, 0x80000, "at least 1 MiB");
	mb1_aout(0x40, 0x7040, 0x7000, 0x7800, 0, 0x7080);
	expect_refused(NULL, RAM_SIZE, "below 0x8000");
	mb1_aout(0x40, 0x8040, 0x8000, 0x8800, 0, 0x8080);
	assert_null(load_with(&two_mods, RAM_SIZE, &e)); /* low kernel: 0x8000 is allowed */
	assert_int_equal(mb_module_addr(&(struct mb_info_args){IMAGE_MULTIBOOT1, &two_mods, RAM_SIZE, 0x8800, 0, 0}, 1),
			 0xA000);
	mb1_aout(0x40, 0x9F840, 0x9F800, 0x9FC01, 0, 0x9F880);
	expect_refused(NULL, RAM_SIZE, "0x9FC00-0x100000");
	mb1_aout(0x40, 0xFFFC0, 0xFFF80, 0x100000, 0, 0xFFF90);
	expect_refused(NULL, RAM_SIZE, "0x9FC00-0x100000");
	/* A low kernel's modules and information skip 0x9FC00-0x100000. */
	mb1_aout(0x40, 0x9E040, 0x9E000, 0x9E800, 0, 0x9E080);
	assert_null(load_with(&two_mods, RAM_SIZE, &e));
	assert_int_equal(ram_get(e.rbx + 24, 4) - e.rbx, 116);
	assert_int_equal(ram_get(ram_get(e.rbx + 24, 4), 4), 0x9F000);
	assert_int_equal(ram_get(ram_get(e.rbx + 24, 4) + 16, 4), 0x100000);
	assert_int_equal(e.rbx, 0x100000 + sizeof(mod_b));
	/* An ELF segment far above RAM. */
	v1_elf();
	put(img + 0x40 + 32 + 12, 0x4000000, 4);
	expect_refused(NULL, RAM_SIZE, "outside guest RAM");
}

static void test_v2_refusals(void **state)
{
	(void)state;
	const uint32_t fb[] = {TAG(5, 0, 20), 1024, 768, 32, 0};
	v2_elf(fb, 6);
	expect_unknown("requires a framebuffer");
	const uint32_t fb_opt[] = {TAG(5, 1, 20), 1024, 768, 32, 0};
	v2_elf(fb_opt, 6);
	assert_int_equal(multiboot_identify(img, img_len, NULL), IMAGE_MULTIBOOT2);
	const uint32_t req[] = {TAG(1, 0, 16), 1, 9};
	v2_elf(req, 4);
	expect_unknown("ELF section headers (information tag 9)");
	const uint32_t req_opt[] = {TAG(1, 1, 16), 1, 9};
	v2_elf(req_opt, 4);
	assert_int_equal(multiboot_identify(img, img_len, NULL), IMAGE_MULTIBOOT2);
	const uint32_t req_odd[] = {TAG(1, 0, 12), 99, 0};
	v2_elf(req_odd, 4);
	expect_unknown("a type Kestrel does not know");
	const uint32_t console[] = {TAG(4, 0, 12), 3, 0};
	v2_elf(console, 4);
	expect_unknown("requires a console");
	const uint32_t unknown[] = {TAG(42, 0, 8)};
	v2_elf(unknown, 2);
	expect_unknown("header tag Kestrel does not know");
	const uint32_t efi[] = {TAG(7, 0, 8), TAG(8, 0, 12), 0x100000, 0};
	v2_elf(efi, 6); /* EFI-only tags: ignored on a BIOS, as GRUB does */
	assert_int_equal(multiboot_identify(img, img_len, NULL), IMAGE_MULTIBOOT2);
	const uint32_t shorttag[] = {TAG(2, 0, 16), 0, 0};
	v2_elf(shorttag, 4);
	expect_unknown("too small for its type");
	v2_elf(module_align, 2);
	put(img + 0x1000 + 16 + 4, 0x1000, 4); /* tag size past header_length */
	expect_unknown("runs past header_length");
	v2_elf(module_align, 2);
	put(img + 0x1000 + 4, 4, 4); /* MIPS */
	put(img + 0x1000 + 12, -(0xE85250D6u + 4 + 32), 4);
	expect_unknown("architecture other than i386");
	v2_elf(module_align, 2);
	img[0x1000 + 12] ^= 1;
	expect_unknown("Multiboot2 header checksum is wrong");
	v2_aout();
	put(img + 0x100 + 16 + 24, 0, 4); /* the entry tag becomes an end tag */
	put(img + 0x100 + 16 + 28, 8, 4);
	expect_unknown("without an entry address tag");
}

static void test_v2_relocatable(void **state)
{
	(void)state;
	struct guest_entry e;
	const uint32_t ok[] = {TAG(10, 0, 24), 0x100000, 0x400000, 0x1000, 0};
	v2_elf(ok, 6);
	assert_null(load_with(NULL, RAM_SIZE, &e));
	assert_int_equal(e.entry, 0x100040); /* the linked address is allowed */
	const uint32_t up[] = {TAG(10, 0, 24), 0x280000, 0x400000, 0x200000, 0};
	v2_elf(up, 6);
	assert_null(load_with(NULL, RAM_SIZE, &e));
	assert_int_equal(e.entry, 0x400040); /* moved to the first 2 MiB boundary past min_addr */
	assert_memory_equal(ram + 0x400000, img + 0x1000, 0x300);
	assert_int_equal(e.rbx, 0x403000);
	const uint32_t high[] = {TAG(10, 0, 24), 0x200000, 0x7FF000, 0x1000, 2};
	v2_elf(high, 6);
	assert_null(load_with(NULL, RAM_SIZE, &e));
	assert_int_equal(e.entry, 0x7FB040); /* highest base with the information still below 8 MiB */
	assert_int_equal(e.rbx, 0x7FE000);
	assert_null(load_with(&two_mods, RAM_SIZE, &e)); /* and room left for the modules */
	assert_int_equal(e.entry, 0x7F8040);
	uint64_t ma, mb;
	check_modules(0x7FB000, &ma, &mb);
	check_v2_tags(e.rbx, 0x7FB000, false);
	const uint32_t bad[] = {TAG(10, 0, 24), 0x400000, 0x100000, 0x1000, 0};
	v2_elf(bad, 6);
	expect_unknown("min_addr above max_addr");
}

/* Every prefix of every good image: accepted and loadable, or refused
 * (never loaded as Multiboot after an identify refusal); no read past the
 * buffer under ASan. */
static void check_prefixes(void)
{
	size_t full = img_len;
	static uint8_t saved[65536];
	memcpy(saved, img, full);
	for (size_t n = 0; n <= full; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, saved, n);
		const char *err = NULL;
		int f = multiboot_identify(copy, n, &err);
		if (f != IMAGE_UNKNOWN) {
			struct guest_entry e;
			assert_int_equal(loader_load(copy, n, &two_mods, ram, RAM_SIZE, &e, &err), 0);
			assert_int_equal(e.format, f);
		} else {
			int g = loader_identify(copy, n, NULL);
			assert_true(g != IMAGE_MULTIBOOT1 && g != IMAGE_MULTIBOOT2);
			if (err)
				assert_int_equal(g, IMAGE_UNKNOWN);
		}
		free(copy);
	}
	assert_true(multiboot_identify(saved, full, NULL) != IMAGE_UNKNOWN);
}

static void test_truncated(void **state)
{
	(void)state;
	v1_elf();
	check_prefixes();
	v1_aout(0x200800);
	check_prefixes();
	v1_aout(0);
	check_prefixes();
	v2_elf(module_align, 2);
	check_prefixes();
	v2_aout();
	check_prefixes();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_elf),
		cmocka_unit_test(test_v1_elf64_and_no_files),
		cmocka_unit_test(test_v1_aout),
		cmocka_unit_test(test_v2_elf),
		cmocka_unit_test(test_v2_address_tags),
		cmocka_unit_test(test_v1_refusals),
		cmocka_unit_test(test_v1_header_past_8k),
		cmocka_unit_test(test_ram_refusals),
		cmocka_unit_test(test_v2_refusals),
		cmocka_unit_test(test_v2_relocatable),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
