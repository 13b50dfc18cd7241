/* Guest images: recognise the format (flat real-mode binary, ELF32, ELF64),
 * validate everything, then copy into guest RAM and describe the initial CPU
 * state (docs/guests.md). Pure: works on buffers, no VMX, no allocation. */
#ifndef KESTREL_VMM_LOADER_H
#define KESTREL_VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

enum image_format {
	IMAGE_UNKNOWN = 0, /* empty, or starts with \x7fELF but is not one we run */
	IMAGE_FLAT,        /* real mode at 0000:7C00 */
	IMAGE_ELF32,       /* EM_386 ET_EXEC: protected mode, paging off */
	IMAGE_ELF64,       /* EM_X86_64 ET_EXEC: long mode, identity-mapped 0..4 GiB */
};

/* Guest-physical layout of what the loader writes below LOADER_MIN_PADDR. */
#define LOADER_GDT       0x1000
#define LOADER_PML4      0x2000
#define LOADER_PDPT      0x3000
#define LOADER_PD        0x4000 /* four page directories, 0x4000-0x7FFF */
#define LOADER_MIN_PADDR 0x8000 /* ELF segments load at or above this */
#define LOADER_FLAT_BASE 0x7C00
#define LOADER_FLAT_END  0xA0000 /* start of the legacy VGA hole */

/* GDT selectors (docs/guests.md). */
#define LOADER_SEL_CODE32 0x08
#define LOADER_SEL_DATA   0x10
#define LOADER_SEL_CODE64 0x18

struct guest_entry {
	int format;         /* IMAGE_* */
	uint64_t entry;     /* RIP (flat: 0x7C00 with CS = 0) */
	uint64_t stack;     /* RSP: top of RAM for ELF, 0x7C00 for flat */
	uint64_t gdt_base;  /* ELF: LOADER_GDT; flat: 0 */
	uint16_t gdt_limit;
	uint64_t cr3;       /* ELF64: LOADER_PML4; otherwise 0 */
};

/* The image's format, or IMAGE_UNKNOWN (empty or malformed ELF). */
int loader_detect(const void *img, size_t len);
/* As loader_detect, with *err (when err is not NULL) saying why on IMAGE_UNKNOWN. */
int loader_identify(const void *img, size_t len, const char **err);
/* Validate img against a guest RAM of ram_size bytes, then load it into ram
 * and fill out; 0, or -1 with *err and ram untouched. */
int loader_load(const void *img, size_t len, uint8_t *ram, uint64_t ram_size, struct guest_entry *out,
		const char **err);

#endif
