/* Host tests for vmm/load/bzimage.c: a bzImage crafted here (a setup header
 * as Documentation/arch/x86/boot.rst lays it out, then a "kernel" of known
 * bytes) loaded into a fake guest RAM; then one test per refusal. */
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

#define RAM_SIZE (32u << 20)
#define SETUP_SECTS 2
#define KERNEL_OFF ((SETUP_SECTS + 1) * 512)
#define KERNEL_LEN 0x3000
#define IMG_LEN (KERNEL_OFF + KERNEL_LEN)

static uint8_t img[IMG_LEN];
static uint8_t *ram;

/* Protocol 2.15, relocatable, preferred at 2 MiB, 1 MiB of init_size. */
static void bzimage(void)
{
	memset(img, 0, sizeof(img));
	img[0x1F1] = SETUP_SECTS;
	put(img + 0x1FE, 0xAA55, 2);
	img[0x200] = 0xEB;
	img[0x201] = 0x6A; /* the header ends at 0x26C */
	memcpy(img + 0x202, "HdrS", 4);
	put(img + 0x206, 0x020F, 2);
	img[0x211] = 0x01;                 /* LOADED_HIGH */
	put(img + 0x214, 0x100000, 4);     /* code32_start */
	put(img + 0x22C, 0x7FFFFFFF, 4);   /* initrd_addr_max */
	put(img + 0x230, 0x200000, 4);     /* kernel_alignment */
	img[0x234] = 1;                    /* relocatable_kernel */
	put(img + 0x238, 255, 4);          /* cmdline_size */
	put(img + 0x258, 0x200000, 8);     /* pref_address */
	put(img + 0x260, 0x100000, 4);     /* init_size */
	put(img + 0x264, 0x12345678, 4);   /* handover_offset: copied as is */
	for (unsigned i = 0; i < KERNEL_LEN; i++)
		img[KERNEL_OFF + i] = (uint8_t)(i * 7 + 1);
}

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	memset(ram, 0xCC, RAM_SIZE);
	bzimage();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static const uint8_t rd1[5] = {1, 2, 3, 4, 5}, rd2[3] = {6, 7, 8};
static const struct boot_file files[2] = {{rd1, sizeof(rd1), ""}, {rd2, sizeof(rd2), "second"}};

static int load(const char *cmdline, unsigned nfiles, uint64_t ram_size, struct guest_entry *e, const char **err)
{
	struct guest_boot boot = {cmdline, files, nfiles, false};
	*err = NULL;
	return loader_load(img, IMG_LEN, &boot, ram, ram_size, e, err);
}

static void refused(const char *cmdline, unsigned nfiles, uint64_t ram_size, const char *msg)
{
	struct guest_entry e;
	const char *err;
	assert_int_equal(load(cmdline, nfiles, ram_size, &e, &err), -1);
	if (!err || !strstr(err, msg))
		fail_msg("got '%s', expected it to contain '%s'", err ? err : "(none)", msg);
}

static void test_loads_as_the_boot_protocol_says(void **state)
{
	(void)state;
	struct guest_entry e;
	const char *err;
	assert_int_equal(loader_detect(img, IMG_LEN), IMAGE_BZIMAGE);
	assert_int_equal(load("console=ttyS0 quiet", 2, RAM_SIZE, &e, &err), 0);
	assert_int_equal(e.format, IMAGE_BZIMAGE);
	assert_int_equal(e.mode, GUEST_PROT32);
	assert_int_equal(e.entry, 0x200000); /* the 32-bit entry at the load address */
	assert_int_equal(e.cs, 0x10);        /* __BOOT_CS */
	assert_int_equal(e.ds, 0x18);        /* __BOOT_DS */
	assert_int_equal(e.rsi, 0x10000);    /* the zero page */
	assert_int_equal(e.rax | e.rbx, 0);
	assert_int_equal(e.gdt_base, 0x1000);
	assert_int_equal(e.gdt_limit, 0x1F);
	assert_int_equal(get(ram + 0x1010, 8), 0x00CF9B000000FFFFULL);
	assert_int_equal(get(ram + 0x1018, 8), 0x00CF93000000FFFFULL);
	assert_memory_equal(ram + 0x200000, img + KERNEL_OFF, KERNEL_LEN);
}

static void test_zero_page(void **state)
{
	(void)state;
	struct guest_entry e;
	const char *err;
	assert_int_equal(load("console=ttyS0 quiet", 2, RAM_SIZE, &e, &err), 0);
	const uint8_t *zp = ram + 0x10000;
	/* The setup header as the image has it, but for what the loader fills. */
	for (unsigned off = 0x1F1; off < 0x26C; off++) {
		bool filled = off == 0x210 || (off >= 0x214 && off < 0x220) || (off >= 0x228 && off < 0x22C);
		if (!filled && zp[off] != img[off])
			fail_msg("zero page byte 0x%x is 0x%02x, the image has 0x%02x", off, zp[off], img[off]);
	}
	for (unsigned off = 0x26C; off < 0x1000; off++)
		if (zp[off] && !(off >= 0x2D0 && off < 0x2D0 + 60))
			fail_msg("zero page byte 0x%x is 0x%02x beyond the header and e820", off, zp[off]);
	assert_int_equal(zp[0x210], 0xFF);                /* type_of_loader */
	assert_int_equal(get(zp + 0x214, 4), 0x200000);   /* code32_start: where it was loaded */
	assert_int_equal(get(zp + 0x228, 4), 0x11000);    /* cmd_line_ptr */
	assert_string_equal((const char *)ram + 0x11000, "console=ttyS0 quiet");
	/* The initrd: both files, the second 4-aligned, ending below RAM's end. */
	uint64_t rd = get(zp + 0x218, 4), size = get(zp + 0x21C, 4);
	assert_int_equal(size, 8 + 3);
	assert_int_equal(rd, RAM_SIZE - 0x1000);
	assert_memory_equal(ram + rd, rd1, 5);
	assert_memory_equal(ram + rd + 5, "\0\0\0", 3);
	assert_memory_equal(ram + rd + 8, rd2, 3);
	/* e820: RAM to the EBDA, reserved to 1 MiB, RAM to the end. */
	assert_int_equal(zp[0x1E8], 3);
	const uint64_t want[3][3] = {{0, 0x9FC00, 1}, {0x9FC00, 0x60400, 2}, {0x100000, RAM_SIZE - 0x100000, 1}};
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(get(zp + 0x2D0 + 20 * i, 8), want[i][0]);
		assert_int_equal(get(zp + 0x2D0 + 20 * i + 8, 8), want[i][1]);
		assert_int_equal(get(zp + 0x2D0 + 20 * i + 16, 4), want[i][2]);
	}
	/* The BIOS data area every guest gets (vmm/load/loader.c). */
	assert_int_equal(get(ram + 0x400, 2), 0x3F8);
	assert_int_equal(get(ram + 0x40E, 2), 0x9FC0);
	assert_int_equal(get(ram + 0x413, 2), 639);
	assert_int_equal(ram[0x9FC00], 1);
}

static void test_no_initrd_no_cmdline(void **state)
{
	(void)state;
	struct guest_entry e;
	const char *err;
	assert_int_equal(loader_load(img, IMG_LEN, NULL, ram, RAM_SIZE, &e, &err), 0);
	assert_int_equal(get(ram + 0x10000 + 0x218, 8), 0); /* ramdisk_image and ramdisk_size */
	assert_int_equal(ram[0x11000], 0);
}

static void test_initrd_below_initrd_addr_max(void **state)
{
	(void)state;
	struct guest_entry e;
	const char *err;
	put(img + 0x22C, 0x7FFFFF, 4); /* 8 MiB - 1 */
	assert_int_equal(load("", 2, RAM_SIZE, &e, &err), 0);
	assert_int_equal(get(ram + 0x10000 + 0x218, 4), 0x7FF000);
	/* Below init_size's end there is no room: refused. */
	put(img + 0x22C, 0x2FFFFF, 4);
	refused("", 2, RAM_SIZE, "initrd does not fit");
}

static void test_non_relocatable_kernel_loads_where_linked(void **state)
{
	(void)state;
	struct guest_entry e;
	const char *err;
	img[0x234] = 0;
	put(img + 0x258, 0x1000000, 8);
	assert_int_equal(load("", 0, RAM_SIZE, &e, &err), 0);
	assert_int_equal(e.entry, 0x1000000);
	/* A relocatable kernel's preferred address is aligned up. */
	img[0x234] = 1;
	put(img + 0x258, 0x100000, 8);
	assert_int_equal(load("", 0, RAM_SIZE, &e, &err), 0);
	assert_int_equal(e.entry, 0x200000);
}

static void test_refusals_name_the_problem(void **state)
{
	(void)state;
	const char *err = NULL;
	put(img + 0x206, 0x0205, 2);
	assert_int_equal(loader_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "older than 2.06"));
	bzimage();
	img[0x211] = 0;
	assert_int_equal(loader_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "zImage"));
	bzimage();
	put(img + 0x230, 0x300000, 4);
	assert_int_equal(loader_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "kernel_alignment"));
	bzimage();
	img[0x201] = 0x7F; /* a header beyond 0x280 */
	assert_int_equal(loader_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "longer than the boot protocol allows"));
	bzimage();
	put(img + 0x258, 0x80000, 8);
	img[0x234] = 0;
	assert_int_equal(loader_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "below 1 MiB"));
	bzimage();
	assert_int_equal(loader_identify(img, KERNEL_OFF, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "setup_sects says more setup code than the file holds"));
	bzimage();
	put(img + 0x1F4, (IMG_LEN - KERNEL_OFF) / 16 + 1, 4); /* syssize: one paragraph past the end */
	assert_int_equal(loader_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_non_null(strstr(err, "syssize says more protected-mode code than the file holds"));
	bzimage();
	put(img + 0x1F4, (IMG_LEN - KERNEL_OFF) / 16, 4); /* exactly the file, as the kernel's build makes it */
	assert_int_equal(loader_identify(img, IMG_LEN, &err), IMAGE_BZIMAGE);
	/* RAM and command line: only at load. */
	refused("", 0, 0x280000, "needs more RAM");
	char longline[300];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	refused(longline, 0, RAM_SIZE, "longer than the kernel's cmdline_size");
}

static void test_refusal_leaves_ram_untouched(void **state)
{
	(void)state;
	memset(ram, 0xCC, RAM_SIZE);
	refused("", 0, 0x280000, "needs more RAM");
	for (unsigned i = 0; i < 0x280000; i++)
		if (ram[i] != 0xCC)
			fail_msg("RAM byte 0x%x changed by a refused load", i);
}

static void test_every_prefix(void **state)
{
	(void)state;
	/* Each prefix is refused or taken for what it is, never read past its end
	 * (ASan watches the copy). Shorter than the header's magic, it is not
	 * recognisably Linux and runs as a flat binary. */
	for (size_t n = 1; n < IMG_LEN; n += n < 0x300 ? 1 : 97) {
		uint8_t *copy = malloc(n);
		memcpy(copy, img, n);
		int f = loader_detect(copy, n);
		if (n < 0x206)
			assert_int_equal(f, IMAGE_FLAT);
		else if (n <= KERNEL_OFF)
			assert_int_equal(f, IMAGE_UNKNOWN);
		else
			assert_int_equal(f, IMAGE_BZIMAGE);
		free(copy);
	}
}

static void test_not_linux(void **state)
{
	(void)state;
	const char *err = "untouched";
	img[0x202] = 'X';
	assert_int_equal(bzimage_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_string_equal(err, "untouched");
	bzimage();
	img[0x1FE] = 0;
	assert_int_equal(bzimage_identify(img, IMG_LEN, &err), IMAGE_UNKNOWN);
	assert_string_equal(err, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loads_as_the_boot_protocol_says, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_initrd_no_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_below_initrd_addr_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_relocatable_kernel_loads_where_linked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_name_the_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_leaves_ram_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_linux, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
