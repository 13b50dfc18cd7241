/* Host page tables (Intel SDM Vol. 3A 4.5, 4-level paging): every byte of RAM
 * and the low 4 GiB (for MMIO) identity-mapped with 2 MiB pages, so physical
 * addresses can be used as pointers. */
#include "kernel/paging.h"
#include "kernel/cpu.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define ENTRIES 512

static uint64_t *table_next(uint64_t *table, unsigned idx, uint64_t (*alloc_page)(void *), void *ctx)
{
	if (!(table[idx] & PTE_P)) {
		uint64_t pa = alloc_page(ctx);
		if (!pa)
			return 0;
		table[idx] = pa | PTE_P | PTE_W;
	}
	return phys_to_virt(table[idx] & PTE_ADDR);
}

uint64_t paging_init(uint64_t top, uint64_t (*alloc_page)(void *), void *ctx)
{
	if (top < (4ull << 30))
		top = 4ull << 30;
	uint64_t pml4_pa = alloc_page(ctx);
	if (!pml4_pa)
		return 0;
	uint64_t *pml4 = phys_to_virt(pml4_pa);
	for (uint64_t pa = 0; pa < top; pa += LARGE_PAGE_SIZE) {
		uint64_t *pdpt = table_next(pml4, (pa >> 39) & 511, alloc_page, ctx);
		uint64_t *pd = pdpt ? table_next(pdpt, (pa >> 30) & 511, alloc_page, ctx) : 0;
		if (!pd)
			return 0;
		pd[(pa >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS;
	}
	write_cr3(pml4_pa);
	return pml4_pa;
}
