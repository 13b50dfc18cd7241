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
#define EPT_RAM (1ull << 11)   /* ignored by the CPU (SDM 3C table 29-6): "this leaf maps guest RAM" */
/* Bits 54:52 are ignored by the CPU too (SDM 3C tables 29-4 and 29-6, with
 * no sub-page permissions, shadow stacks or #VE in use): they hold the
 * rights the guest's memory layer grants, of which bits 2:0 are what the
 * CPU enforces now (less while a watch hides some). */
#define EPT_GRANTED_SHIFT 52
#define EPT_GRANTED (7ull << EPT_GRANTED_SHIFT)
/* What a split 2 MiB leaf passes on to its 4 KiB leaves: R, W, X, memory
 * type, IPAT, the granted rights. */
#define EPT_LEAF_BITS (0x7Full | EPT_GRANTED)
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
		*pde = hpa | EPT_RWX | EPT_MEMTYPE_WB | EPT_LARGE | EPT_RAM | EPT_GRANTED;
		return true;
	}
	uint64_t *pt = ept_table(ept, pde);
	if (!pt)
		return false;
	pt[(gpa >> 12) & 511] = hpa | EPT_RWX | EPT_MEMTYPE_WB | EPT_RAM | EPT_GRANTED;
	return true;
}

bool ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	if (gpa + size > ept->span)
		ept->span = gpa + size;
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

/* The PDE that covers gpa, or NULL where no page directory does. */
static uint64_t *ept_pde(const struct ept *ept, uint64_t gpa)
{
	const uint64_t *pml4 = phys_to_virt(ept->pml4_pa);
	uint64_t e = pml4[(gpa >> 39) & 511];
	if (!(e & EPT_RWX))
		return 0;
	const uint64_t *pdpt = phys_to_virt(e & EPT_ADDR);
	e = pdpt[(gpa >> 30) & 511];
	if (!(e & EPT_RWX))
		return 0;
	uint64_t *pd = phys_to_virt(e & EPT_ADDR);
	return &pd[(gpa >> 21) & 511];
}

/* The 4 KiB leaf for gpa under a PDE that points to a page table. */
static uint64_t *ept_pte(uint64_t pde, uint64_t gpa)
{
	uint64_t *pt = phys_to_virt(pde & EPT_ADDR);
	return &pt[(gpa >> 12) & 511];
}

bool ept_lookup(const struct ept *ept, uint64_t gpa, struct ept_leaf *out)
{
	const uint64_t *pde = ept_pde(ept, gpa);
	if (!pde || !(*pde & (EPT_RWX | EPT_RAM)))
		return false;
	uint64_t leaf = *pde, size = LARGE_PAGE_SIZE;
	if (!(leaf & EPT_LARGE)) {
		leaf = *ept_pte(leaf, gpa);
		size = PAGE_SIZE;
	}
	if (!(leaf & EPT_RAM))
		return false;
	out->hpa = (leaf & EPT_ADDR & ~(size - 1)) | (gpa & (size - 1));
	out->size = size;
	out->rights = (unsigned)(leaf & EPT_RWX);
	out->granted = (unsigned)((leaf & EPT_GRANTED) >> EPT_GRANTED_SHIFT);
	return true;
}

/* A 2 MiB leaf into a table of 512 4 KiB leaves with the same frames and
 * bits: the same translation, finer grained. */
static bool ept_split(struct ept *ept, uint64_t *pde)
{
	uint64_t pa = mm_alloc_page();
	if (!pa)
		return false;
	uint64_t *pt = phys_to_virt(pa);
	uint64_t frame = *pde & EPT_ADDR & ~(LARGE_PAGE_SIZE - 1), bits = (*pde & EPT_LEAF_BITS) | EPT_RAM;
	for (unsigned i = 0; i < 512; i++)
		pt[i] = (frame + i * PAGE_SIZE) | bits;
	ept->tables++;
	*pde = pa | EPT_RWX;
	return true;
}

/* Rights the CPU can be given: none, or R with W or X or both; write-only
 * is a misconfiguration (SDM 3C 29.3.3.1) and execute-only is not offered. */
static bool ept_rights_valid(unsigned rights)
{
	return !(rights & ~EPT_PAGE_RWX) && (!rights || (rights & EPT_PAGE_R));
}

/* The 4 KiB leaf for gpa, its 2 MiB leaf split first; NULL where gpa is
 * not RAM or the split finds no page. */
static uint64_t *ept_leaf_4k(struct ept *ept, uint64_t gpa)
{
	uint64_t *pde = ept_pde(ept, gpa);
	if (!pde || !(*pde & (EPT_RWX | EPT_RAM)))
		return 0;
	if ((*pde & EPT_LARGE) && !ept_split(ept, pde))
		return 0;
	uint64_t *pte = ept_pte(*pde, gpa);
	return (*pte & EPT_RAM) ? pte : 0;
}

bool ept_protect(struct ept *ept, uint64_t gpa, unsigned rights, bool *lost)
{
	*lost = false;
	uint64_t *pte = ept_rights_valid(rights) ? ept_leaf_4k(ept, gpa) : 0;
	if (!pte)
		return false;
	uint64_t granted = (*pte & EPT_GRANTED) >> EPT_GRANTED_SHIFT;
	if (rights & ~granted)
		return false;
	*lost = (*pte & EPT_RWX & ~(uint64_t)rights) != 0;
	*pte = (*pte & ~EPT_RWX) | rights;
	return true;
}

bool ept_set_page(struct ept *ept, uint64_t gpa, uint64_t hpa, unsigned granted, unsigned rights, bool *lost)
{
	*lost = false;
	if (!ept_rights_valid(granted) || !ept_rights_valid(rights) || (rights & ~granted) || (hpa & ~EPT_ADDR))
		return false;
	uint64_t *pte = ept_leaf_4k(ept, gpa);
	if (!pte)
		return false;
	/* A new frame takes away every right the old one had (SDM 3C 29.4.3.4:
	 * a cached translation to the old frame must go). */
	bool moved = (*pte & EPT_ADDR) != hpa;
	*lost = (*pte & EPT_RWX & (moved ? EPT_RWX : ~(uint64_t)rights)) != 0;
	*pte = (*pte & ~(EPT_ADDR | EPT_RWX | EPT_GRANTED)) | hpa | rights | ((uint64_t)granted << EPT_GRANTED_SHIFT);
	return true;
}

/* The last index a walk of the tables at this level (shift: 39, 30, 21)
 * needs, under the entry whose range starts at base: the span of RAM ends
 * the walk, so that it costs what the mappings take, not 512 entries a
 * table. */
static uint64_t ept_last(const struct ept *ept, uint64_t base, unsigned shift)
{
	uint64_t last = (ept->span - 1 - base) >> shift;
	return last > 511 ? 511 : last;
}

/* Every leaf entry that maps RAM, 2 MiB or 4 KiB, with its address and size. */
typedef void (*ept_entry_fn)(void *ctx, uint64_t gpa, uint64_t *entry, uint64_t size);

static void ept_walk(const struct ept *ept, ept_entry_fn fn, void *ctx)
{
	const uint64_t *pml4 = phys_to_virt(ept->pml4_pa);
	for (uint64_t i = 0; ept->span && i <= ept_last(ept, 0, 39); i++) {
		if (!(pml4[i] & EPT_RWX))
			continue;
		const uint64_t *pdpt = phys_to_virt(pml4[i] & EPT_ADDR);
		for (uint64_t j = 0; j <= ept_last(ept, i << 39, 30); j++) {
			if (!(pdpt[j] & EPT_RWX))
				continue;
			uint64_t *pd = phys_to_virt(pdpt[j] & EPT_ADDR);
			for (uint64_t k = 0; k <= ept_last(ept, i << 39 | j << 30, 21); k++) {
				uint64_t gpa = i << 39 | j << 30 | k << 21;
				if (!(pd[k] & (EPT_RWX | EPT_RAM)))
					continue;
				if (pd[k] & EPT_LARGE) {
					if (pd[k] & EPT_RAM)
						fn(ctx, gpa, &pd[k], LARGE_PAGE_SIZE);
					continue;
				}
				uint64_t *pt = phys_to_virt(pd[k] & EPT_ADDR);
				for (uint64_t l = 0; l < 512; l++)
					if (pt[l] & EPT_RAM)
						fn(ctx, gpa | l << 12, &pt[l], PAGE_SIZE);
			}
		}
	}
}

/* W out of a leaf's rights and its granted rights, counting those that had it. */
static void ept_leaf_drop_write(void *ctx, uint64_t gpa, uint64_t *e, uint64_t size)
{
	(void)gpa, (void)size;
	uint64_t *changed = ctx;
	*changed += (*e & EPT_W) != 0;
	*e &= ~(EPT_W | (EPT_W << EPT_GRANTED_SHIFT));
}

#define EPT_ACCESSED (1ull << 8)
#define EPT_DIRTY (1ull << 9)
#define EPTP_ACCESSED_DIRTY (1ull << 6)

static void ept_leaf_clear_dirty(void *ctx, uint64_t gpa, uint64_t *e, uint64_t size)
{
	(void)ctx, (void)gpa, (void)size;
	*e &= ~(EPT_ACCESSED | EPT_DIRTY);
}

void ept_clear_dirty_all(struct ept *ept) { ept_walk(ept, ept_leaf_clear_dirty, 0); }

void ept_set_dirty_flags(struct ept *ept, bool on)
{
	ept->pointer = on ? ept->pointer | EPTP_ACCESSED_DIRTY : ept->pointer & ~EPTP_ACCESSED_DIRTY;
}

bool ept_split_all(struct ept *ept)
{
	for (uint64_t gpa = 0; gpa < ept->span; gpa += LARGE_PAGE_SIZE) {
		uint64_t *pde = ept_pde(ept, gpa);
		if (pde && (*pde & EPT_LARGE) && (*pde & EPT_RAM) && !ept_split(ept, pde))
			return false;
	}
	return true;
}

uint64_t ept_write_protect_all(struct ept *ept)
{
	uint64_t changed = 0;
	ept_walk(ept, ept_leaf_drop_write, &changed);
	return changed;
}

struct leaf_visit {
	ept_leaf_fn fn;
	void *ctx;
};

static void ept_leaf_visit(void *ctx, uint64_t gpa, uint64_t *e, uint64_t size)
{
	const struct leaf_visit *v = ctx;
	struct ept_leaf leaf = {
		.hpa = *e & EPT_ADDR & ~(size - 1),
		.size = size,
		.rights = (unsigned)(*e & EPT_RWX),
		.granted = (unsigned)((*e & EPT_GRANTED) >> EPT_GRANTED_SHIFT),
	};
	v->fn(v->ctx, gpa, &leaf);
}

void ept_for_each_leaf(const struct ept *ept, ept_leaf_fn fn, void *ctx)
{
	struct leaf_visit v = {fn, ctx};
	ept_walk(ept, ept_leaf_visit, &v);
}

bool ept_merge(struct ept *ept, uint64_t gpa)
{
	uint64_t *pde = ept_pde(ept, gpa);
	if (!ept->large_pages || !pde || !(*pde & EPT_RWX) || (*pde & EPT_LARGE))
		return false;
	const uint64_t *pt = phys_to_virt(*pde & EPT_ADDR);
	uint64_t first = pt[0];
	if (!(first & EPT_RAM) || (first & EPT_ADDR & (LARGE_PAGE_SIZE - 1)))
		return false;
	for (unsigned i = 1; i < 512; i++)
		if (pt[i] != first + i * PAGE_SIZE)
			return false;
	uint64_t table = *pde & EPT_ADDR;
	*pde = first | EPT_LARGE;
	mm_free_contig(table, 1);
	ept->tables--;
	return true;
}
