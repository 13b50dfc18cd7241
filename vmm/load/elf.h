/* ELF executables as the System V ABI describes them (gABI "Program
 * Loading", with the i386 and x86-64 supplements): the header and program
 * header fields the loaders use, read from a buffer at any alignment. Shared
 * by the plain ELF loader (loader.c) and the Multiboot one (multiboot.c). */
#ifndef KESTREL_VMM_ELF_H
#define KESTREL_VMM_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_LOAD 1
#define PF_X    1
/* PT_LOAD segments Kestrel takes in one image: linkers emit a handful, and
 * the overlap check is quadratic in them. */
#define ELF_LOADS_MAX 64

/* A program header, whichever the class. */
struct elf_seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

/* The ELF header fields the loaders use. */
struct elf_image {
	int format; /* IMAGE_ELF32 or IMAGE_ELF64 */
	uint64_t entry, phoff;
	uint32_t phentsize, phnum;
};

/* Little-endian, any alignment. */
static inline uint64_t le_read(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static inline void le_write(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

bool elf_is_elf(const uint8_t *p, size_t len);
/* The header of an x86 ET_EXEC with a program header table inside the
 * image; NULL, or why not. */
const char *elf_parse_header(const uint8_t *p, size_t len, struct elf_image *e);
struct elf_seg elf_phdr(const uint8_t *p, const struct elf_image *e, uint32_t i);
/* Every PT_LOAD: p_filesz <= p_memsz, its file range inside the image, its
 * physical range below limit (exclusive) without wrapping and clear of the
 * others'; at least one, at most ELF_LOADS_MAX. */
const char *elf_check_segments(const uint8_t *p, size_t len, const struct elf_image *e, uint64_t limit);
/* Copy every PT_LOAD with p_memsz to ram + p_paddr + shift, zeroing its tail
 * (the caller checked that each lies inside ram). */
void elf_copy_segments(const uint8_t *p, const struct elf_image *e, uint8_t *ram, uint64_t shift);

#endif
