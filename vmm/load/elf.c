/* ELF headers and segments (vmm/load/elf.h). */
#include "vmm/load/elf.h"
#include "kernel/string.h"
#include "vmm/load/boot.h"

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

bool elf_is_elf(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == 0x7F && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

const char *elf_parse_header(const uint8_t *p, size_t len, struct elf_image *e)
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
	if (le_read(p + 16, 2) != ET_EXEC)
		return "ELF is not an executable (ET_EXEC)";
	uint64_t machine = le_read(p + 18, 2);
	if (machine != (is64 ? EM_X86_64 : EM_386))
		return is64 ? "ELF64 machine is not x86-64" : "ELF32 machine is not i386";
	e->format = is64 ? IMAGE_ELF64 : IMAGE_ELF32;
	e->entry = le_read(p + 24, is64 ? 8 : 4);
	e->phoff = le_read(p + (is64 ? 32 : 28), is64 ? 8 : 4);
	e->phentsize = (uint32_t)le_read(p + (is64 ? 54 : 42), 2);
	e->phnum = (uint32_t)le_read(p + (is64 ? 56 : 44), 2);
	if (e->phentsize != (is64 ? 56u : 32u))
		return "ELF program header size is wrong for its class";
	if (!e->phnum)
		return "ELF has no program headers";
	if (e->phoff > len || (uint64_t)e->phnum * e->phentsize > len - e->phoff)
		return "ELF program header table runs past the image";
	return NULL;
}

struct elf_seg elf_phdr(const uint8_t *p, const struct elf_image *e, uint32_t i)
{
	const uint8_t *h = p + e->phoff + (uint64_t)i * e->phentsize;
	if (e->format == IMAGE_ELF64)
		return (struct elf_seg){(uint32_t)le_read(h, 4), (uint32_t)le_read(h + 4, 4), le_read(h + 8, 8),
		                        le_read(h + 16, 8),      le_read(h + 24, 8),          le_read(h + 32, 8),
		                        le_read(h + 40, 8)};
	return (struct elf_seg){(uint32_t)le_read(h, 4), (uint32_t)le_read(h + 24, 4), le_read(h + 4, 4),
	                        le_read(h + 8, 4),       le_read(h + 12, 4),           le_read(h + 16, 4),
	                        le_read(h + 20, 4)};
}

/* Whether PT_LOAD segment i's memory image [p_paddr, p_paddr + p_memsz)
 * meets that of an earlier one: the gABI ("Program Header") gives each
 * loadable segment its own memory image and says nothing of sharing bytes,
 * so the later copy would silently overwrite the earlier one. */
static bool elf_overlaps_earlier(const uint8_t *p, const struct elf_image *e, uint32_t i, struct elf_seg s)
{
	for (uint32_t j = 0; j < i; j++) {
		struct elf_seg t = elf_phdr(p, e, j);
		if (t.type == PT_LOAD && t.memsz && s.paddr < t.paddr + t.memsz && t.paddr < s.paddr + s.memsz)
			return true;
	}
	return false;
}

const char *elf_check_segments(const uint8_t *p, size_t len, const struct elf_image *e, uint64_t limit)
{
	uint32_t loads = 0;
	for (uint32_t i = 0; i < e->phnum; i++) {
		struct elf_seg s = elf_phdr(p, e, i);
		if (s.type != PT_LOAD)
			continue;
		if (++loads > ELF_LOADS_MAX)
			return "ELF has more than 64 PT_LOAD segments";
		if (s.filesz > s.memsz)
			return "ELF segment has p_filesz > p_memsz";
		if (s.offset > len || s.filesz > len - s.offset)
			return "ELF image truncated: a segment's file data (p_offset + p_filesz) runs past its end";
		if (s.paddr > limit || s.memsz > limit - s.paddr)
			return "ELF segment's p_paddr + p_memsz overflows the address space";
		if (s.memsz && elf_overlaps_earlier(p, e, i, s))
			return "ELF PT_LOAD segments overlap (p_paddr + p_memsz): one would overwrite the other";
	}
	_Static_assert(ELF_LOADS_MAX == 64, "the message names the limit");
	return loads ? NULL : "ELF has no PT_LOAD segment";
}

void elf_copy_segments(const uint8_t *p, const struct elf_image *e, uint8_t *ram, uint64_t shift)
{
	for (uint32_t i = 0; i < e->phnum; i++) {
		struct elf_seg s = elf_phdr(p, e, i);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		memcpy(ram + s.paddr + shift, p + s.offset, s.filesz);
		memset(ram + s.paddr + shift + s.filesz, 0, s.memsz - s.filesz);
	}
}
