/* Guest image loading (System V ABI: ELF header and program headers, the
 * Intel386 and x86-64 supplements). Validate first (every segment inside the
 * image and inside guest RAM, no arithmetic overflow), then act. */
#include "vmm/loader.h"
#include <stdbool.h>

#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1

/* The fields Kestrel needs from either ELF class. */
struct elf_info {
	bool is64;
	uint64_t entry, phoff;
	unsigned phentsize, phnum;
};

struct segment {
	uint64_t offset, filesz, paddr, memsz;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static bool is_elf(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == 0x7F && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

static const char *elf_header(const uint8_t *p, size_t len, struct elf_info *e)
{
	if (len < 52)
		return "ELF header truncated";
	e->is64 = p[EI_CLASS] == ELFCLASS64;
	if ((p[EI_CLASS] != ELFCLASS32 && !e->is64) || p[EI_DATA] != ELFDATA2LSB)
		return "not a little-endian ELF32 or ELF64 file";
	if (e->is64 && len < 64)
		return "ELF header truncated";
	if (rd16(p + 16) != ET_EXEC)
		return "ELF file is not an executable (ET_EXEC)";
	if (rd16(p + 18) != (e->is64 ? EM_X86_64 : EM_386))
		return e->is64 ? "ELF64 file is not for x86-64" : "ELF32 file is not for i386";
	e->entry = e->is64 ? rd64(p + 24) : rd32(p + 24);
	e->phoff = e->is64 ? rd64(p + 32) : rd32(p + 28);
	e->phentsize = rd16(p + (e->is64 ? 54 : 42));
	e->phnum = rd16(p + (e->is64 ? 56 : 44));
	if (e->phentsize < (e->is64 ? 56u : 32u) || e->phnum == 0)
		return "ELF file has no usable program headers";
	if (e->phoff > len || (uint64_t)e->phentsize * e->phnum > len - e->phoff)
		return "ELF program headers run past the end of the file";
	return 0;
}

static bool elf_segment(const uint8_t *p, const struct elf_info *e, unsigned i, struct segment *s)
{
	const uint8_t *ph = p + e->phoff + (uint64_t)i * e->phentsize;
	if (rd32(ph) != PT_LOAD)
		return false;
	if (e->is64)
		*s = (struct segment){rd64(ph + 8), rd64(ph + 32), rd64(ph + 24), rd64(ph + 40)};
	else
		*s = (struct segment){rd32(ph + 4), rd32(ph + 16), rd32(ph + 12), rd32(ph + 20)};
	return true;
}

static const char *check_segment(const struct segment *s, size_t len, uint64_t ram_size)
{
	if (s->filesz > s->memsz)
		return "ELF segment's file size exceeds its memory size";
	if (s->offset > len || s->filesz > len - s->offset)
		return "ELF segment runs past the end of the file";
	if (s->paddr < ELF_LOAD_MIN)
		return "ELF segment below 0x8000 (reserved for Kestrel's structures)";
	if (s->paddr >= ram_size || s->memsz > ram_size - s->paddr)
		return "ELF segment outside guest memory";
	return 0;
}

static const char *elf_validate(const uint8_t *p, size_t len, uint64_t ram_size, struct elf_info *e)
{
	const char *err = elf_header(p, len, e);
	if (err)
		return err;
	bool entry_ok = false;
	unsigned loads = 0;
	for (unsigned i = 0; i < e->phnum; i++) {
		struct segment s;
		if (!elf_segment(p, e, i, &s))
			continue;
		loads++;
		if ((err = check_segment(&s, len, ram_size)))
			return err;
		entry_ok = entry_ok || (e->entry >= s.paddr && e->entry - s.paddr < s.memsz);
	}
	if (!loads)
		return "ELF file has no loadable segment";
	if (!entry_ok)
		return "ELF entry point is not inside a loaded segment";
	return 0;
}

int loader_detect(const void *img, size_t len)
{
	const uint8_t *p = img;
	struct elf_info e;
	if (!len)
		return IMAGE_UNKNOWN;
	if (!is_elf(p, len))
		return IMAGE_FLAT;
	if (elf_header(p, len, &e))
		return IMAGE_UNKNOWN;
	return e.is64 ? IMAGE_ELF64 : IMAGE_ELF32;
}

static void write_gdt(uint8_t *ram, struct guest_entry *out)
{
	static const uint64_t gdt[4] = {
		0,
		0x00CF9B000000FFFFull, /* 0x08: 32-bit code, flat */
		0x00CF93000000FFFFull, /* 0x10: data, flat */
		0x00AF9B000000FFFFull, /* 0x18: 64-bit code */
	};
	__builtin_memcpy(ram + GUEST_GDT, gdt, sizeof(gdt));
	out->gdt_base = GUEST_GDT;
	out->gdt_limit = sizeof(gdt) - 1;
}

/* Identity map of 0..4 GiB with 2 MiB pages (SDM 3A 4.5). */
static void write_page_tables(uint8_t *ram, struct guest_entry *out)
{
	uint64_t *pml4 = (uint64_t *)(ram + GUEST_PML4), *pdpt = (uint64_t *)(ram + GUEST_PDPT);
	uint64_t *pd = (uint64_t *)(ram + GUEST_PD);
	pml4[0] = GUEST_PDPT | 3; /* present, writable */
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (GUEST_PD + i * 4096u) | 3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */
	out->cr3 = GUEST_PML4;
}

static void elf_copy(const uint8_t *p, const struct elf_info *e, uint8_t *ram)
{
	for (unsigned i = 0; i < e->phnum; i++) {
		struct segment s;
		if (!elf_segment(p, e, i, &s))
			continue;
		__builtin_memcpy(ram + s.paddr, p + s.offset, s.filesz);
		__builtin_memset(ram + s.paddr + s.filesz, 0, s.memsz - s.filesz);
	}
}

int loader_load(const void *img, size_t len, uint8_t *ram, uint64_t ram_size, struct guest_entry *out,
		const char **err)
{
	const uint8_t *p = img;
	*out = (struct guest_entry){0};
	if (!len) {
		*err = "empty image";
		return -1;
	}
	if (len > ram_size) {
		*err = "image larger than guest memory";
		return -1;
	}
	if (!is_elf(p, len)) {
		if (len > FLAT_LOAD_END - FLAT_LOAD_ADDR || FLAT_LOAD_ADDR + len > ram_size) {
			*err = "flat image does not fit between 0x7C00 and 0xA0000";
			return -1;
		}
		__builtin_memcpy(ram + FLAT_LOAD_ADDR, p, len);
		*out = (struct guest_entry){.format = IMAGE_FLAT, .entry = FLAT_LOAD_ADDR, .stack = FLAT_LOAD_ADDR};
		return 0;
	}
	struct elf_info e;
	if ((*err = elf_validate(p, len, ram_size, &e)))
		return -1;
	elf_copy(p, &e, ram);
	write_gdt(ram, out);
	out->format = e.is64 ? IMAGE_ELF64 : IMAGE_ELF32;
	out->entry = e.entry;
	out->stack = ram_size;
	if (e.is64)
		write_page_tables(ram, out);
	return 0;
}
