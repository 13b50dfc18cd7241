/* What a PC and its BIOS leave in a guest's low memory for the kernel a
 * loader starts: the flat GDT, the BIOS data area with an EBDA, and the
 * memory map the boot loader reports (vmm/load/pc.c). */
#ifndef KESTREL_VMM_PC_H
#define KESTREL_VMM_PC_H

#include "vmm/load/boot.h"

/* The guest-physical memory map a guest's boot loader reports (Multiboot,
 * e820): RAM up to the EBDA, reserved to 1 MiB, RAM above up to ram_size;
 * under 640 KiB of RAM, no EBDA: one range of RAM. */
#define LOADER_MAP_MAX  3
#define LOADER_RAM      1 /* usable (e820 and Multiboot type 1) */
#define LOADER_RESERVED 2
struct loader_range {
	uint64_t base, len;
	uint32_t type;
};
unsigned loader_memory_map(uint64_t ram_size, struct loader_range map[LOADER_MAP_MAX]);
/* The flat GDT at LOADER_GDT (null, 32-bit code, data, 64-bit code), and
 * out->gdt_base/gdt_limit. */
void loader_write_gdt(uint8_t *ram, struct guest_entry *out);
/* Bytes of conventional memory from 0, as the BDA's base memory size and
 * the first map entry say: up to the EBDA, or all of a RAM under 640 KiB. */
uint64_t loader_base_memory(uint64_t ram_size);
/* The BIOS data area (0x400-0x4FF), and an empty 1 KiB EBDA at LOADER_EBDA
 * when ram_size reaches 0xA0000. */
void loader_write_bda(uint8_t *ram, uint64_t ram_size, bool com2);

#endif
