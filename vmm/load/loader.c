/* Guest image loader. ELF as in the System V ABI (gABI "Program Loading") with
 * the i386 and x86-64 supplements; every field is checked against the image
 * and guest RAM before a single byte is copied (validate, then act). */
#include <stdbool.h>

#include "kernel/string.h"
#include "vmm/load/bzimage.h"
#include "vmm/load/elf.h"
#include "vmm/load/loader.h"
#include "vmm/load/multiboot.h"
#include "vmm/load/pc.h"

#define PTE_P  0x1  /* present */
#define PTE_RW 0x2  /* writable */
#define PTE_PS 0x80 /* page size: a 2 MiB page in a PDE (SDM 3A 4.5) */

static void loader_write64(uint8_t *ram, uint64_t gpa, uint64_t v) { le_write(ram + gpa, v, 8); }

/* What can be checked from the image alone: segments, their file ranges and
 * physical ranges (no wrap; ELF32 below 4 GiB), the entry point. */
static const char *loader_check_image(const uint8_t *p, size_t len, const struct elf_image *e)
{
	const char *why = elf_check_segments(p, len, e, e->format == IMAGE_ELF32 ? 1ULL << 32 : UINT64_MAX);
	if (why)
		return why;
	for (uint32_t i = 0; i < e->phnum; i++) {
		struct elf_seg s = elf_phdr(p, e, i);
		if (s.type == PT_LOAD && (s.flags & PF_X) && e->entry >= s.paddr && e->entry - s.paddr < s.memsz)
			return NULL;
	}
	return "ELF entry point is not inside an executable PT_LOAD segment";
}

/* A boot loader's formats are recognised before ELF and flat: a Multiboot
 * kernel is often an ELF file too, and a bzImage starts with a boot sector. */
static int loader_identify_kernel(const void *img, size_t len, const char **why)
{
	int format = bzimage_identify(img, len, why);
	if (format == IMAGE_UNKNOWN && !*why)
		format = multiboot_identify(img, len, why);
	return format;
}

int loader_identify(const void *img, size_t len, const char **err)
{
	const uint8_t *p = img;
	const char *why = NULL;
	struct elf_image e = {0};
	int format = IMAGE_FLAT;
	if (!p || !len) {
		why = "empty image";
	} else {
		format = loader_identify_kernel(p, len, &why);
		if (format != IMAGE_UNKNOWN)
			return format;
		format = IMAGE_FLAT;
		if (!why && elf_is_elf(p, len) && !(why = elf_parse_header(p, len, &e)))
			why = loader_check_image(p, len, &e);
		if (!why && elf_is_elf(p, len))
			format = e.format;
	}
	if (why) {
		format = IMAGE_UNKNOWN;
		if (err)
			*err = why;
	}
	return format;
}

int loader_detect(const void *img, size_t len) { return loader_identify(img, len, NULL); }

static const char *loader_check_ram(const uint8_t *p, const struct elf_image *e, uint64_t ram_size)
{
	if (ram_size < LOADER_MIN_PADDR)
		return "guest RAM too small for the GDT and page tables";
	for (uint32_t i = 0; i < e->phnum; i++) {
		struct elf_seg s = elf_phdr(p, e, i);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		if (s.paddr < LOADER_MIN_PADDR)
			return "ELF segment below 0x8000 (the low 32 KiB hold Kestrel's GDT and page tables)";
		if (s.paddr >= ram_size || s.memsz > ram_size - s.paddr)
			return "ELF segment outside guest RAM (raise mem=, or link it lower)";
	}
	return NULL;
}

/* Identity map of 0..4 GiB with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs. */
static void loader_write_page_tables(uint8_t *ram, struct guest_entry *out)
{
	memset(ram + LOADER_PML4, 0, 2 * 4096);
	loader_write64(ram, LOADER_PML4, LOADER_PDPT | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < 4; i++)
		loader_write64(ram, LOADER_PDPT + 8 * i, (LOADER_PD + 4096 * i) | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < 4 * 512; i++)
		loader_write64(ram, LOADER_PD + 8 * i, (i << 21) | PTE_P | PTE_RW | PTE_PS);
	out->cr3 = LOADER_PML4;
}

static void loader_copy_elf(const uint8_t *p, const struct elf_image *e, uint8_t *ram, uint64_t ram_size,
			    struct guest_entry *out)
{
	elf_copy_segments(p, e, ram, 0);
	loader_write_gdt(ram, out);
	out->mode = GUEST_PROT32;
	out->cs = LOADER_SEL_CODE32;
	out->ds = LOADER_SEL_DATA;
	if (e->format == IMAGE_ELF64) {
		loader_write_page_tables(ram, out);
		out->mode = GUEST_LONG;
		out->cs = LOADER_SEL_CODE64;
	}
	out->entry = e->entry;
	out->stack = ram_size;
}

bool loader_takes_files(int format)
{
	return format == IMAGE_MULTIBOOT1 || format == IMAGE_MULTIBOOT2 || format == IMAGE_BZIMAGE;
}

const char *loader_format_name(int format)
{
	static const char *const names[] = {
		[IMAGE_FLAT] = "flat binary, real mode",
		[IMAGE_ELF32] = "ELF32, protected mode",
		[IMAGE_ELF64] = "ELF64, long mode",
		[IMAGE_MULTIBOOT1] = "Multiboot kernel",
		[IMAGE_MULTIBOOT2] = "Multiboot2 kernel",
		[IMAGE_BZIMAGE] = "Linux bzImage",
	};
	if (format <= IMAGE_UNKNOWN || format > IMAGE_BZIMAGE)
		return "unknown format";
	return names[format];
}

int loader_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		struct guest_entry *out, const char **err)
{
	static const struct guest_boot none = {"", 0, 0, false};
	const uint8_t *p = img;
	const char *why = NULL;
	struct elf_image e = {0};
	if (!boot)
		boot = &none;
	*out = (struct guest_entry){.format = loader_identify(img, len, &why)};
	if (out->format == IMAGE_MULTIBOOT1 || out->format == IMAGE_MULTIBOOT2 || out->format == IMAGE_BZIMAGE) {
		int rc = out->format == IMAGE_BZIMAGE ? bzimage_load(img, len, boot, ram, ram_size, out, err)
						      : multiboot_load(img, len, boot, ram, ram_size, out, err);
		if (rc == 0)
			loader_write_bda(ram, ram_size, boot->com2);
		return rc;
	}
	if (out->format == IMAGE_ELF64 || out->format == IMAGE_ELF32) {
		elf_parse_header(p, len, &e); /* checked by loader_identify */
		why = loader_check_ram(p, &e, ram_size);
	} else if (out->format == IMAGE_FLAT) {
		/* It ends below the EBDA, which loader_write_bda then clears. */
		uint64_t top = loader_base_memory(ram_size);
		if (len > LOADER_EBDA - LOADER_FLAT_BASE)
			why = "flat image larger than 0x98000 bytes (0x7C00 up to the EBDA at 0x9FC00)";
		else if (top < LOADER_FLAT_BASE || len > top - LOADER_FLAT_BASE)
			why = "flat image does not fit in guest RAM";
	}
	if (why) {
		*out = (struct guest_entry){0};
		if (err)
			*err = why;
		return -1;
	}
	if (out->format == IMAGE_FLAT) {
		memcpy(ram + LOADER_FLAT_BASE, p, len);
		out->entry = out->stack = LOADER_FLAT_BASE;
		out->mode = GUEST_REAL;
	} else {
		loader_copy_elf(p, &e, ram, ram_size, out);
	}
	loader_write_bda(ram, ram_size, boot->com2);
	return 0;
}
