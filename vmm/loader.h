/* Guest images: recognised from their content, validated, then loaded into
 * the guest's RAM (docs/guests.md gives the resulting CPU state). */
#ifndef KESTREL_VMM_LOADER_H
#define KESTREL_VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

enum image_format { IMAGE_UNKNOWN, IMAGE_FLAT, IMAGE_ELF32, IMAGE_ELF64 };

#define FLAT_LOAD_ADDR 0x7C00u
#define FLAT_LOAD_END 0xA0000u  /* conventional memory ends at the VGA window */
#define ELF_LOAD_MIN 0x8000u    /* below: Kestrel's GDT and page tables */
#define GUEST_GDT 0x1000u
#define GUEST_PML4 0x2000u
#define GUEST_PDPT 0x3000u
#define GUEST_PD 0x4000u        /* four page directories: 0-4 GiB */

struct guest_entry {
	int format;
	uint64_t entry;
	uint64_t stack;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint64_t cr3;
};

/* IMAGE_UNKNOWN for an empty image or one that starts like ELF but is not
 * a valid ELF32/ELF64 executable for x86. */
int loader_detect(const void *img, size_t len);
/* Validate everything, then copy (which cannot fail). 0, or -1 with *err. */
int loader_load(const void *img, size_t len, uint8_t *ram, uint64_t ram_size, struct guest_entry *out,
		const char **err);

#endif
