/* The low memory of a PC for the kernels the loaders start (vmm/load/pc.h). */
#include "vmm/load/pc.h"
#include "kernel/string.h"
#include "vmm/load/elf.h"

/* Null, 32-bit code, data, 64-bit code: flat 4 GiB, accessed bits preset so
 * the CPU never writes them (SDM 3A 3.4.5). */
void loader_write_gdt(uint8_t *ram, struct guest_entry *out)
{
	static const uint64_t gdt[] = {0, 0x00CF9B000000FFFFULL, 0x00CF93000000FFFFULL, 0x00AF9B000000FFFFULL};
	for (unsigned i = 0; i < 4; i++)
		le_write(ram + LOADER_GDT + 8 * i, gdt[i], 8);
	out->gdt_base = LOADER_GDT;
	out->gdt_limit = sizeof(gdt) - 1;
}

#define BDA_COM1        0x400 /* I/O base of COM1..COM4, words */
#define BDA_EBDA        0x40E /* segment of the extended BIOS data area */
#define BDA_EQUIPMENT   0x410 /* bits 11-9: number of serial ports */
#define BDA_BASE_MEMORY 0x413 /* KiB of conventional memory, below the EBDA */
#define BDA_END         0x500
#define LOADER_EBDA_KIB 1

/* A PC BIOS puts its EBDA at the top of conventional memory; below 640 KiB
 * of RAM there is none here, so that a small guest keeps all of its RAM. */
static bool loader_has_ebda(uint64_t ram_size) { return ram_size >= LOADER_FLAT_END; }

uint64_t loader_base_memory(uint64_t ram_size) { return loader_has_ebda(ram_size) ? LOADER_EBDA : ram_size; }

unsigned loader_memory_map(uint64_t ram_size, struct loader_range map[LOADER_MAP_MAX])
{
	unsigned n = 0;
	map[n++] = (struct loader_range){0, loader_base_memory(ram_size), LOADER_RAM};
	if (loader_has_ebda(ram_size))
		map[n++] = (struct loader_range){LOADER_EBDA, LOADER_HIGH_BASE - LOADER_EBDA, LOADER_RESERVED};
	if (ram_size > LOADER_HIGH_BASE)
		map[n++] = (struct loader_range){LOADER_HIGH_BASE, ram_size - LOADER_HIGH_BASE, LOADER_RAM};
	return n;
}

/* What a PC BIOS leaves for the kernel it boots (the BIOS data area and an
 * empty EBDA; nothing at 0xE0000-0xFFFFF, so no MP table and no ACPI RSDP).
 * Linux reads the base memory size at 0x413 to place its real-mode
 * trampoline below the EBDA; 0 there would put it at address 0. Without an
 * EBDA its segment at 0x40E is 0, and 0x413 counts all of RAM. */
void loader_write_bda(uint8_t *ram, uint64_t ram_size, bool com2)
{
	if (ram_size < BDA_END)
		return;
	memset(ram + 0x400, 0, BDA_END - 0x400);
	le_write(ram + BDA_COM1, 0x3F8, 2);
	if (com2)
		le_write(ram + BDA_COM1 + 2, 0x2F8, 2);
	unsigned ports = com2 ? 2 : 1;
	ram[BDA_EQUIPMENT + 1] = (uint8_t)(ports << 1);
	le_write(ram + BDA_BASE_MEMORY, loader_base_memory(ram_size) >> 10, 2);
	if (!loader_has_ebda(ram_size))
		return;
	le_write(ram + BDA_EBDA, LOADER_EBDA >> 4, 2);
	memset(ram + LOADER_EBDA, 0, LOADER_EBDA_KIB << 10);
	ram[LOADER_EBDA] = LOADER_EBDA_KIB; /* its first byte: its size in KiB */
}
