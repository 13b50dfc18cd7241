/* Linux bzImage kernels by the x86 boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst, "The 32-bit boot protocol"): the
 * protected-mode kernel at its preferred address, a zero page (struct
 * boot_params) with the image's setup header and an e820 table, the command
 * line and the initrd, a GDT with __BOOT_CS and __BOOT_DS, and the 32-bit
 * entry with ESI pointing at the zero page. Real-mode setup code is not run:
 * the e820 table it would have asked the BIOS for is given here. */
#include <stdbool.h>

#include "kernel/string.h"
#include "vmm/load/bzimage.h"
#include "vmm/load/elf.h"
#include "vmm/load/pc.h"

/* Setup header fields, at their offsets in the image and in the zero page. */
#define HDR_SETUP_SECTS      0x1F1
#define HDR_SYSSIZE          0x1F4 /* the protected-mode code, in 16-byte paragraphs (2.04+) */
#define HDR_BOOT_FLAG        0x1FE /* 0xAA55 */
#define HDR_JUMP_LEN         0x201 /* the header ends at 0x202 + this byte */
#define HDR_MAGIC            0x202 /* "HdrS" */
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21C
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22C
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
#define HDR_END_MAX          0x280 /* the zero page's setup header is at most this long */

#define LOADFLAGS_LOADED_HIGH 0x01 /* a bzImage: the kernel runs at 1 MiB or above */
#define TYPE_OF_LOADER_OTHER  0xFF /* "undefined": a loader without an assigned ID */
#define PROTOCOL_MIN          0x0206 /* cmdline_size; initrd_addr_max; relocatable */

/* The zero page beyond the setup header (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_E820_ENTRIES 0x1E8
#define BP_SENTINEL     0x1EF /* a loader that copies the whole header leaves 0 here */
#define BP_E820_TABLE   0x2D0

/* Guest-physical layout: all below the 640 KiB the e820 table gives as RAM
 * and above the real-mode IVT and BIOS data area. The GDT is Linux's own
 * layout (boot.rst), not Kestrel's flat one (vmm/load/pc.c). */
#define BZ_GDT       LOADER_GDT
#define BZ_ZERO_PAGE 0x10000
#define BZ_CMDLINE   0x11000
#define BZ_CMDLINE_MAX 0x1000 /* bytes, with its NUL */
#define BZ_HIGH_RAM    LOADER_HIGH_BASE
#define BZ_BOOT_CS   0x10
#define BZ_BOOT_DS   0x18
#define BZ_PAGE      0x1000ULL

struct bz_header {
	uint16_t version;
	uint8_t loadflags;
	uint64_t setup_len;    /* bytes of real-mode code before the kernel */
	uint64_t header_end;   /* end of the setup header in the image */
	uint64_t load_addr;    /* where the protected-mode kernel goes */
	uint64_t init_size;    /* what it needs from there to decompress and run */
	uint64_t initrd_max;   /* highest address the initrd may touch */
	uint64_t cmdline_size; /* longest command line, without its NUL */
};

static uint64_t bz_get(const uint8_t *p, unsigned off, unsigned bytes) { return le_read(p + off, bytes); }
static void bz_put(uint8_t *p, uint64_t off, uint64_t v, unsigned bytes) { le_write(p + off, v, bytes); }

static bool bz_is_linux(const uint8_t *p, size_t len)
{
	return len >= HDR_MAGIC + 4 && !memcmp(p + HDR_MAGIC, "HdrS", 4) && bz_get(p, HDR_BOOT_FLAG, 2) == 0xAA55;
}

/* What the image says, checked against itself (not yet against RAM). */
static const char *bz_parse(const uint8_t *p, size_t len, struct bz_header *h)
{
	if (len < HDR_VERSION + 2)
		return "Linux setup header truncated";
	h->version = (uint16_t)bz_get(p, HDR_VERSION, 2);
	if (h->version < PROTOCOL_MIN)
		return "Linux boot protocol older than 2.06 (no cmdline_size, no initrd_addr_max)";
	if (len < HDR_INIT_SIZE + 4)
		return "Linux setup header truncated";
	h->loadflags = p[HDR_LOADFLAGS];
	if (!(h->loadflags & LOADFLAGS_LOADED_HIGH))
		return "Linux zImage (loadflags LOADED_HIGH clear): only bzImage kernels are booted";
	unsigned sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4; /* 0 means 4 (boot.rst) */
	h->setup_len = (uint64_t)(sects + 1) * 512;
	h->header_end = HDR_MAGIC + p[HDR_JUMP_LEN];
	if (h->header_end > HDR_END_MAX || h->header_end > h->setup_len)
		return "Linux setup header is longer than the boot protocol allows";
	if (h->setup_len >= len)
		return "Linux image truncated: setup_sects says more setup code than the file holds";
	/* boot.rst: syssize is reliable from 2.04 on; the kernel's build pads
	 * the file to exactly setup + syssize * 16 (arch/x86/boot/tools/build.c). */
	if (bz_get(p, HDR_SYSSIZE, 4) * 16 > len - h->setup_len)
		return "Linux image truncated: syssize says more protected-mode code than the file holds";
	h->init_size = bz_get(p, HDR_INIT_SIZE, 4);
	if (h->init_size < len - h->setup_len)
		h->init_size = len - h->setup_len;
	uint64_t align = bz_get(p, HDR_KERNEL_ALIGNMENT, 4);
	bool relocatable = p[HDR_RELOCATABLE] != 0;
	/* 2.10 has pref_address; before it, a kernel runs where it was linked:
	 * code32_start, 1 MiB by default. */
	h->load_addr = h->version >= 0x020A ? bz_get(p, HDR_PREF_ADDRESS, 8) : bz_get(p, HDR_CODE32_START, 4);
	if (relocatable && align && (align & (align - 1)))
		return "Linux kernel_alignment is not a power of two";
	if (relocatable && align && h->load_addr % align)
		h->load_addr = (h->load_addr + align - 1) & ~(align - 1);
	if (h->load_addr < BZ_HIGH_RAM || h->load_addr >= 1ULL << 32)
		return "Linux kernel's load address is below 1 MiB or above 4 GiB";
	h->initrd_max = bz_get(p, HDR_INITRD_ADDR_MAX, 4);
	h->cmdline_size = bz_get(p, HDR_CMDLINE_SIZE, 4);
	return NULL;
}

int bzimage_identify(const void *img, size_t len, const char **err)
{
	struct bz_header h;
	if (!img || !bz_is_linux(img, len))
		return IMAGE_UNKNOWN;
	const char *why = bz_parse(img, len, &h);
	if (why) {
		*err = why;
		return IMAGE_UNKNOWN;
	}
	return IMAGE_BZIMAGE;
}

/* Where a file goes in the initrd after off bytes: cpio archives start
 * 4-aligned. */
static uint64_t bz_file_start(uint64_t off) { return (off + 3) & ~3ULL; }

static uint64_t bz_files_size(const struct guest_boot *boot)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < boot->nfiles; i++)
		n = bz_file_start(n) + boot->files[i].size;
	return n;
}

/* The initrd as high as it may go: below initrd_addr_max and the end of RAM,
 * clear of the kernel's [load_addr, load_addr + init_size). 0 when none. */
static const char *bz_place_initrd(const struct bz_header *h, uint64_t size, uint64_t ram_size, uint64_t *at)
{
	*at = 0;
	if (!size)
		return NULL;
	uint64_t top = h->initrd_max + 1 < ram_size ? h->initrd_max + 1 : ram_size;
	uint64_t kernel_end = h->load_addr + h->init_size;
	if (size > top || ((top - size) & ~(BZ_PAGE - 1)) < kernel_end)
		return "Linux initrd does not fit between the kernel's init_size and initrd_addr_max (raise mem=)";
	*at = (top - size) & ~(BZ_PAGE - 1);
	return NULL;
}

static const char *bz_check(const struct bz_header *h, const struct guest_boot *boot, uint64_t ram_size)
{
	if (ram_size < BZ_HIGH_RAM || h->load_addr >= ram_size || h->init_size > ram_size - h->load_addr)
		return "Linux kernel needs more RAM than it has: pref_address + init_size (raise mem=)";
	size_t cl = strlen(boot->cmdline);
	if (cl > h->cmdline_size || cl >= BZ_CMDLINE_MAX)
		return "Linux command line longer than the kernel's cmdline_size";
	return NULL;
}

static void bz_write_gdt(uint8_t *ram, struct guest_entry *out)
{
	memset(ram + BZ_GDT, 0, BZ_BOOT_DS + 8);
	bz_put(ram, BZ_GDT + BZ_BOOT_CS, 0x00CF9B000000FFFFULL, 8); /* 4 GiB flat code, execute/read */
	bz_put(ram, BZ_GDT + BZ_BOOT_DS, 0x00CF93000000FFFFULL, 8); /* 4 GiB flat data, read/write */
	out->gdt_base = BZ_GDT;
	out->gdt_limit = BZ_BOOT_DS + 7;
}

/* The memory map every loader reports (vmm/load/pc.c); e820 types are
 * the same numbers (1 RAM, 2 reserved). */
static void bz_write_e820(uint8_t *zp, uint64_t ram_size)
{
	struct loader_range map[LOADER_MAP_MAX];
	unsigned n = loader_memory_map(ram_size, map);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = BP_E820_TABLE + 20 * i;
		bz_put(zp, e, map[i].base, 8);
		bz_put(zp, e + 8, map[i].len, 8);
		bz_put(zp, e + 16, map[i].type, 4);
	}
	zp[BP_E820_ENTRIES] = (uint8_t)n;
}

static void bz_write_zero_page(const uint8_t *p, const struct bz_header *h, uint8_t *ram, uint64_t ram_size,
			       uint64_t initrd, uint64_t initrd_size)
{
	uint8_t *zp = ram + BZ_ZERO_PAGE;
	memset(zp, 0, BZ_PAGE);
	memcpy(zp + HDR_SETUP_SECTS, p + HDR_SETUP_SECTS, h->header_end - HDR_SETUP_SECTS);
	zp[BP_SENTINEL] = 0;
	zp[HDR_TYPE_OF_LOADER] = TYPE_OF_LOADER_OTHER;
	bz_put(zp, HDR_CODE32_START, h->load_addr, 4);
	bz_put(zp, HDR_RAMDISK_IMAGE, initrd, 4);
	bz_put(zp, HDR_RAMDISK_SIZE, initrd_size, 4);
	bz_put(zp, HDR_CMD_LINE_PTR, BZ_CMDLINE, 4);
	bz_write_e820(zp, ram_size);
}

int bzimage_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		 struct guest_entry *out, const char **err)
{
	const uint8_t *p = img;
	struct bz_header h;
	uint64_t initrd, initrd_size = bz_files_size(boot);
	const char *why = bz_is_linux(p, len) ? bz_parse(p, len, &h) : "not a Linux kernel";
	if (!why)
		why = bz_check(&h, boot, ram_size);
	if (!why)
		why = bz_place_initrd(&h, initrd_size, ram_size, &initrd);
	if (why) {
		*err = why;
		return -1;
	}
	memcpy(ram + h.load_addr, p + h.setup_len, len - h.setup_len);
	for (uint64_t i = 0, off = 0; i < boot->nfiles; i++) {
		uint64_t start = bz_file_start(off);
		memset(ram + initrd + off, 0, start - off);
		memcpy(ram + initrd + start, boot->files[i].data, boot->files[i].size);
		off = start + boot->files[i].size;
	}
	size_t cl = strlen(boot->cmdline);
	memcpy(ram + BZ_CMDLINE, boot->cmdline, cl + 1);
	bz_write_zero_page(p, &h, ram, ram_size, initrd, initrd_size);
	bz_write_gdt(ram, out);
	out->mode = GUEST_PROT32;
	out->cs = BZ_BOOT_CS;
	out->ds = BZ_BOOT_DS;
	out->entry = h.load_addr;
	out->rsi = BZ_ZERO_PAGE; /* EBP, EDI and EBX stay 0, as boot.rst asks */
	return 0;
}
