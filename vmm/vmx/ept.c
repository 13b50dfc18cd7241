/* EPT construction (Intel SDM Vol. 3C 29.3 "The Extended Page Table
 * Mechanism"): 4-level tables, write-back leaves, 2 MiB pages where the guest-
 * and host-physical addresses are both 2 MiB aligned. */
#include "vmm/vmx/ept.h"
#include "kernel/mm.h"
#include "kernel/paging.h"

#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MEMTYPE_WB (6ull << 3) /* leaf memory type, bits 5:3 */
#define EPT_LARGE (1ull << 7)
#define EPT_ADDR 0x000FFFFFFFFFF000ull
#define EPTP_MEMTYPE_WB 6ull
#define EPTP_WALK_LENGTH_4 (3ull << 3) /* page-walk length minus one */

static uint64_t *ept_table(struct ept *ept, uint64_t *entry)
{
	if (!(*entry & EPT_RWX)) {
		uint64_t pa = mm_alloc_page();
		if (!pa)
			return 0;
		ept->tables++;
		*entry = pa | EPT_RWX;
	}
	return phys_to_virt(*entry & EPT_ADDR);
}

bool ept_init(struct ept *ept, bool large_pages)
{
	*ept = (struct ept){.large_pages = large_pages};
	ept->pml4_pa = mm_alloc_page();
	if (!ept->pml4_pa)
		return false;
	ept->tables = 1;
	ept->pointer = ept->pml4_pa | EPTP_WALK_LENGTH_4 | EPTP_MEMTYPE_WB;
	return true;
}

static bool ept_map_one(struct ept *ept, uint64_t gpa, uint64_t hpa, bool large)
{
	uint64_t *pml4 = phys_to_virt(ept->pml4_pa);
	uint64_t *pdpt = ept_table(ept, &pml4[(gpa >> 39) & 511]);
	uint64_t *pd = pdpt ? ept_table(ept, &pdpt[(gpa >> 30) & 511]) : 0;
	if (!pd)
		return false;
	uint64_t *pde = &pd[(gpa >> 21) & 511];
	if (large) {
		*pde = hpa | EPT_RWX | EPT_MEMTYPE_WB | EPT_LARGE;
		return true;
	}
	uint64_t *pt = ept_table(ept, pde);
	if (!pt)
		return false;
	pt[(gpa >> 12) & 511] = hpa | EPT_RWX | EPT_MEMTYPE_WB;
	return true;
}

bool ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	while (size) {
		bool large = ept->large_pages && size >= LARGE_PAGE_SIZE && !(gpa & (LARGE_PAGE_SIZE - 1)) &&
			     !(hpa & (LARGE_PAGE_SIZE - 1));
		uint64_t step = large ? LARGE_PAGE_SIZE : PAGE_SIZE;
		if (!ept_map_one(ept, gpa, hpa, large))
			return false;
		gpa += step;
		hpa += step;
		size -= step;
	}
	return true;
}

/* Free every table below `table` (level 4 = PML4), then the table itself. */
static void ept_free_table(uint64_t pa, unsigned level)
{
	uint64_t *t = phys_to_virt(pa);
	for (unsigned i = 0; level > 1 && i < 512; i++)
		if ((t[i] & EPT_RWX) && !(t[i] & EPT_LARGE))
			ept_free_table(t[i] & EPT_ADDR, level - 1);
	mm_free_contig(pa, 1);
}

void ept_destroy(struct ept *ept)
{
	if (ept->pml4_pa)
		ept_free_table(ept->pml4_pa, 4);
	*ept = (struct ept){0};
}
