/* Host GDT (flat 64-bit code and data) and a 64-bit TSS whose IST stacks catch
 * double faults, NMIs and machine checks on a known-good stack. */
#include "kernel/gdt.h"
#include <stddef.h>

#define IST_STACK_SIZE 8192

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes (SDM 3A 8.7)");

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct {
	uint64_t gdt[5]; /* null, code, data, TSS (two slots) */
	struct tss64 tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
} host __attribute__((aligned(16)));

#define SEG_CODE64 0x00AF9A000000FFFFull /* P, DPL0, code exec/read, L */
#define SEG_DATA 0x00CF92000000FFFFull   /* P, DPL0, data read/write */
#define SEG_TSS_AVAIL 0x89ull            /* P, type 9: available 64-bit TSS */

static void gdt_set_tss(uint64_t *slot, uint64_t base, uint32_t limit)
{
	slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (SEG_TSS_AVAIL << 40) |
		  ((uint64_t)((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	slot[1] = base >> 32;
}

void gdt_init(void)
{
	host.gdt[0] = 0;
	host.gdt[1] = SEG_CODE64;
	host.gdt[2] = SEG_DATA;
	for (int i = 0; i < 3; i++)
		host.tss.ist[i] = (uint64_t)(uintptr_t)&host.ist_stacks[i][IST_STACK_SIZE];
	host.tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap */
	gdt_set_tss(&host.gdt[3], (uint64_t)(uintptr_t)&host.tss, sizeof(struct tss64) - 1);

	struct gdt_ptr p = {sizeof(host.gdt) - 1, (uint64_t)(uintptr_t)host.gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
			 : "rax", "memory");
}

uint64_t gdt_base(void) { return (uint64_t)(uintptr_t)host.gdt; }
uint64_t tss_base(void) { return (uint64_t)(uintptr_t)&host.tss; }
