/*
 * pae: PAE paging outside long mode, whose PDPTEs Kestrel must load into the
 * VMCS itself (SDM 3C 27.3.2.4, EPT). First a PDPTE with a reserved bit:
 * MOV to CR0 must raise #GP, as on hardware (SDM 3A 4.4.1), and paging stay
 * off. Then a valid identity map of the first 1 GiB in 2 MiB pages: paging
 * comes on and memory reads back through it. Exits with 0 when both hold.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/idt.h"
#include "guests/lib/io.h"

#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_PS (1ull << 7)
#define PDPTE_RESERVED_BIT1 2ull
#define MOV_CR_LENGTH 3 /* 0F 22 /r */

static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static volatile unsigned faults;

static void on_gp(struct trap_frame *f)
{
	faults++;
	f->ip += MOV_CR_LENGTH;
}

static void paging_on(void)
{
	unsigned long cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | CR0_PG) : "memory");
}

static int paging_is_on(void) { return (read_cr0() & CR0_PG) != 0; }

int main(void)
{
	com1_init();
	idt_init();
	idt_set_handler(VEC_GP, on_gp);
	for (unsigned i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
	unsigned long cr4 = read_cr4();
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_PAE));
	__asm__ volatile("mov %0, %%cr3" ::"r"((unsigned long)(uintptr_t)pdpt));

	pdpt[0] = (uint64_t)(uintptr_t)pd | PTE_P | PDPTE_RESERVED_BIT1;
	paging_on();
	int bad_refused = faults == 1 && !paging_is_on();
	printf("reserved PDPTE bit: %s\n", bad_refused ? "#GP, paging off" : "NOT refused");

	pdpt[0] = (uint64_t)(uintptr_t)pd | PTE_P;
	paging_on();
	static volatile uint32_t probe = 0x5AE5AE;
	int good = paging_is_on() && probe == 0x5AE5AE && faults == 1;
	printf("valid PDPTEs: %s\n", good ? "paging on, memory reads back" : "FAILED");
	return bad_refused && good ? 0 : 1;
}
