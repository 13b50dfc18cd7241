/* Guest image loader. ELF as in the System V ABI (gABI "Program Loading") with
 * the i386 and x86-64 supplements; every field is checked against the image
 * and guest RAM before a single byte is copied (validate, then act). */
#include <stdbool.h>

#include "kernel/string.h"
#include "vmm/load/bzimage.h"
#include "vmm/load/loader.h"
#include "vmm/load/multiboot.h"

#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC     2
#define EM_386      3
#define EM_X86_64   62
#define PT_LOAD     1
#define PF_X        1

#define PTE_P  0x1  /* present */
#define PTE_RW 0x2  /* writable */
#define PTE_PS 0x80 /* page size: a 2 MiB page in a PDE (SDM 3A 4.5) */

/* A program header, whichever the class. */
struct loader_seg {
	uint32_t type, flags;
	uint64_t offset, paddr, filesz, memsz;
};

/* The ELF header fields the loader uses. */
struct loader_elf {
	int format;
	uint64_t entry, phoff;
	uint32_t phentsize, phnum;
};

static uint64_t loader_read(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i]; /* little-endian, any alignment */
	return v;
}

static void loader_write64(uint8_t *ram, uint64_t gpa, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

static bool loader_is_elf(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == 0x7F && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

static const char *loader_parse_ehdr(const uint8_t *p, size_t len, struct loader_elf *e)
{
	if (len < 16)
		return "ELF header truncated";
	bool is64 = p[EI_CLASS] == ELFCLASS64;
	if (p[EI_CLASS] != ELFCLASS32 && !is64)
		return "ELF class neither 32- nor 64-bit";
	if (p[EI_DATA] != ELFDATA2LSB)
		return "ELF not little-endian";
	if (p[EI_VERSION] != EV_CURRENT)
		return "unknown ELF version";
	if (len < (is64 ? 64u : 52u))
		return "ELF header truncated";
	if (loader_read(p + 16, 2) != ET_EXEC)
		return "ELF is not an executable (ET_EXEC)";
	uint64_t machine = loader_read(p + 18, 2);
	if (machine != (is64 ? EM_X86_64 : EM_386))
		return is64 ? "ELF64 machine is not x86-64" : "ELF32 machine is not i386";
	e->format = is64 ? IMAGE_ELF64 : IMAGE_ELF32;
	e->entry = loader_read(p + 24, is64 ? 8 : 4);
	e->phoff = loader_read(p + (is64 ? 32 : 28), is64 ? 8 : 4);
	e->phentsize = (uint32_t)loader_read(p + (is64 ? 54 : 42), 2);
	e->phnum = (uint32_t)loader_read(p + (is64 ? 56 : 44), 2);
	if (e->phentsize != (is64 ? 56u : 32u))
		return "ELF program header size is wrong for its class";
	if (!e->phnum)
		return "ELF has no program headers";
	if (e->phoff > len || (uint64_t)e->phnum * e->phentsize > len - e->phoff)
		return "ELF program header table runs past the image";
	return NULL;
}

static struct loader_seg loader_phdr(const uint8_t *p, const struct loader_elf *e, uint32_t i)
{
	const uint8_t *h = p + e->phoff + (uint64_t)i * e->phentsize;
	if (e->format == IMAGE_ELF64)
		return (struct loader_seg){(uint32_t)loader_read(h, 4), (uint32_t)loader_read(h + 4, 4),
					   loader_read(h + 8, 8), loader_read(h + 24, 8), loader_read(h + 32, 8),
					   loader_read(h + 40, 8)};
	return (struct loader_seg){(uint32_t)loader_read(h, 4), (uint32_t)loader_read(h + 24, 4), loader_read(h + 4, 4),
				   loader_read(h + 12, 4), loader_read(h + 16, 4), loader_read(h + 20, 4)};
}

/* What can be checked from the image alone: segments, their file ranges and
 * physical ranges (no wrap; ELF32 below 4 GiB), the entry point. */
static const char *loader_check_image(const uint8_t *p, size_t len, const struct loader_elf *e)
{
	uint64_t limit = e->format == IMAGE_ELF32 ? 1ULL << 32 : UINT64_MAX;
	bool loads = false, entry_ok = false;
	for (uint32_t i = 0; i < e->phnum; i++) {
		struct loader_seg s = loader_phdr(p, e, i);
		if (s.type != PT_LOAD)
			continue;
		loads = true;
		if (s.filesz > s.memsz)
			return "ELF segment has p_filesz > p_memsz";
		if (s.offset > len || s.filesz > len - s.offset)
			return "ELF segment's file range runs past the image";
		if (s.memsz > limit - s.paddr)
			return "ELF segment's p_paddr + p_memsz overflows the address space";
		if ((s.flags & PF_X) && e->entry >= s.paddr && e->entry - s.paddr < s.memsz)
			entry_ok = true;
	}
	if (!loads)
		return "ELF has no PT_LOAD segment";
	if (!entry_ok)
		return "ELF entry point is not inside an executable PT_LOAD segment";
	return NULL;
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
	struct loader_elf e = {0};
	int format = IMAGE_FLAT;
	if (!p || !len) {
		why = "empty image";
	} else {
		format = loader_identify_kernel(p, len, &why);
		if (format != IMAGE_UNKNOWN)
			return format;
		format = IMAGE_FLAT;
		if (!why && loader_is_elf(p, len) && !(why = loader_parse_ehdr(p, len, &e)))
			why = loader_check_image(p, len, &e);
		if (!why && loader_is_elf(p, len))
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

static const char *loader_check_ram(const uint8_t *p, const struct loader_elf *e, uint64_t ram_size)
{
	if (ram_size < LOADER_MIN_PADDR)
		return "guest RAM too small for the GDT and page tables";
	for (uint32_t i = 0; i < e->phnum; i++) {
		struct loader_seg s = loader_phdr(p, e, i);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		if (s.paddr < LOADER_MIN_PADDR)
			return "ELF segment below 0x8000 (the low 32 KiB hold Kestrel's GDT and page tables)";
		if (s.paddr >= ram_size || s.memsz > ram_size - s.paddr)
			return "ELF segment outside guest RAM (raise mem=, or link it lower)";
	}
	return NULL;
}

/* Null, 32-bit code, data, 64-bit code: flat 4 GiB, accessed bits preset so
 * the CPU never writes them (SDM 3A 3.4.5). */
static void loader_write_gdt(uint8_t *ram, struct guest_entry *out)
{
	static const uint64_t gdt[] = {0, 0x00CF9B000000FFFFULL, 0x00CF93000000FFFFULL, 0x00AF9B000000FFFFULL};
	for (unsigned i = 0; i < 4; i++)
		loader_write64(ram, LOADER_GDT + 8 * i, gdt[i]);
	out->gdt_base = LOADER_GDT;
	out->gdt_limit = sizeof(gdt) - 1;
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

static void loader_copy_elf(const uint8_t *p, const struct loader_elf *e, uint8_t *ram, uint64_t ram_size,
			    struct guest_entry *out)
{
	for (uint32_t i = 0; i < e->phnum; i++) {
		struct loader_seg s = loader_phdr(p, e, i);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		memcpy(ram + s.paddr, p + s.offset, s.filesz);
		memset(ram + s.paddr + s.filesz, 0, s.memsz - s.filesz);
	}
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

#define BDA_COM1        0x400 /* I/O base of COM1..COM4, words */
#define BDA_EBDA        0x40E /* segment of the extended BIOS data area */
#define BDA_EQUIPMENT   0x410 /* bits 11-9: number of serial ports */
#define BDA_BASE_MEMORY 0x413 /* KiB of conventional memory, below the EBDA */
#define LOADER_EBDA     0x9FC00
#define LOADER_EBDA_KIB 1

/* What a PC BIOS leaves for the kernel it boots (the BIOS data area and an
 * empty EBDA; nothing at 0xE0000-0xFFFFF, so no MP table and no ACPI RSDP).
 * Linux reads the base memory size at 0x413 to place its real-mode
 * trampoline below the EBDA; 0 there would put it at address 0. */
static void loader_write_bda(uint8_t *ram, uint64_t ram_size, bool com2)
{
	if (ram_size < LOADER_FLAT_END)
		return;
	memset(ram + 0x400, 0, 0x100);
	ram[BDA_COM1] = 0xF8;
	ram[BDA_COM1 + 1] = 0x03;
	if (com2) {
		ram[BDA_COM1 + 2] = 0xF8;
		ram[BDA_COM1 + 3] = 0x02;
	}
	unsigned ports = com2 ? 2 : 1;
	ram[BDA_EQUIPMENT + 1] = (uint8_t)(ports << 1);
	ram[BDA_EBDA] = (uint8_t)(LOADER_EBDA >> 4);
	ram[BDA_EBDA + 1] = (uint8_t)(LOADER_EBDA >> 12);
	ram[BDA_BASE_MEMORY] = (uint8_t)(LOADER_EBDA >> 10);
	ram[BDA_BASE_MEMORY + 1] = (uint8_t)(LOADER_EBDA >> 18);
	memset(ram + LOADER_EBDA, 0, LOADER_EBDA_KIB << 10);
	ram[LOADER_EBDA] = LOADER_EBDA_KIB; /* its first byte: its size in KiB */
}

int loader_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		struct guest_entry *out, const char **err)
{
	static const struct guest_boot none = {"", 0, 0, false};
	const uint8_t *p = img;
	const char *why = NULL;
	struct loader_elf e = {0};
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
		loader_parse_ehdr(p, len, &e); /* checked by loader_identify */
		why = loader_check_ram(p, &e, ram_size);
	} else if (out->format == IMAGE_FLAT) {
		if (len > LOADER_FLAT_END - LOADER_FLAT_BASE)
			why = "flat image larger than 0x98400 bytes (0x7C00 up to 0xA0000)";
		else if (ram_size < LOADER_FLAT_BASE || len > ram_size - LOADER_FLAT_BASE)
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
