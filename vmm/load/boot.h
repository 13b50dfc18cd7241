/* What every guest loader shares: the image formats, the CPU modes, what a
 * boot loader hands a kernel (struct guest_boot) and the initial CPU state
 * a loader describes (struct guest_entry), and the guest-physical layout of
 * what the loaders write below LOADER_MIN_PADDR (docs/guests.md). */
#ifndef KESTREL_VMM_BOOT_H
#define KESTREL_VMM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum image_format {
	IMAGE_UNKNOWN = 0, /* empty, or starts with \x7fELF but is not one we run */
	IMAGE_FLAT,        /* real mode at 0000:7C00 */
	IMAGE_ELF32,       /* EM_386 ET_EXEC: protected mode, paging off */
	IMAGE_ELF64,       /* EM_X86_64 ET_EXEC: long mode, identity-mapped 0..4 GiB */
	IMAGE_MULTIBOOT1,  /* a Multiboot header in the first 8 KiB (vmm/load/multiboot.c) */
	IMAGE_MULTIBOOT2,  /* a Multiboot2 header in the first 32 KiB */
	IMAGE_BZIMAGE,     /* a Linux bzImage, boot protocol 2.06+ (vmm/load/bzimage.c) */
};

/* The CPU mode a guest starts in. */
enum guest_mode {
	GUEST_REAL,   /* real mode, CS = 0 */
	GUEST_PROT32, /* 32-bit protected mode, flat segments, paging off */
	GUEST_LONG,   /* IA-32e mode, 64-bit code, paging with entry->cr3 */
};

/* A file handed to a guest besides its image: a Multiboot module or a Linux
 * initrd (a "+NAME" module line), with the rest of its line as its string. */
struct boot_file {
	const void *data;
	size_t size;
	const char *string;
};

/* What a boot loader hands a kernel besides the image. */
struct guest_boot {
	const char *cmdline; /* after " -- " on the module line; "" when none */
	const struct boot_file *files;
	unsigned nfiles;
	bool com2; /* the BIOS data area lists a second serial port */
};

/* Guest-physical layout of what the loader writes below LOADER_MIN_PADDR. */
#define LOADER_GDT       0x1000
#define LOADER_PML4      0x2000
#define LOADER_PDPT      0x3000
#define LOADER_PD        0x4000 /* four page directories, 0x4000-0x7FFF */
#define LOADER_MIN_PADDR 0x8000 /* ELF segments load at or above this */
#define LOADER_FLAT_BASE 0x7C00
#define LOADER_FLAT_END  0xA0000 /* start of the legacy VGA hole */
#define LOADER_EBDA      0x9FC00 /* the EBDA (1 KiB), then VGA and BIOS to 1 MiB */
#define LOADER_HIGH_BASE 0x100000

/* GDT selectors (docs/guests.md). */
#define LOADER_SEL_CODE32 0x08
#define LOADER_SEL_DATA   0x10
#define LOADER_SEL_CODE64 0x18

struct guest_entry {
	int format;        /* IMAGE_* */
	int mode;          /* GUEST_* */
	uint64_t entry;    /* RIP (flat: 0x7C00 with CS = 0) */
	uint64_t stack;    /* RSP: top of RAM for ELF, 0x7C00 for flat, 0x8000 for Multiboot; 0 for Linux */
	uint64_t gdt_base; /* protected and long mode: LOADER_GDT; real mode: 0 */
	uint16_t gdt_limit;
	uint16_t cs, ds;        /* selectors in the GDT (all data segments get ds); 0 in real mode */
	uint64_t cr3;           /* long mode: LOADER_PML4; otherwise 0 */
	uint64_t rax, rbx, rsi; /* Multiboot: magic and information; Linux: RSI = zero page */
};

#endif
