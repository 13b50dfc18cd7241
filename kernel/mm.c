/* The host's memory: the page allocator over the boot memory map, with the
 * kernel image, the boot information and every module reserved, and the
 * kernel's own page tables built on top of it. */
#include "kernel/mm.h"
#include "kernel/console.h"
#include "kernel/paging.h"
#include "kernel/panic.h"
#include "kernel/pmm.h"
#include "kernel/string.h"

extern char __kernel_start[], __kernel_end[];

#define LOW_MEMORY_END 0x100000ull /* BIOS data, EBDA, ROMs: never allocated */

static struct pmm pmm;

static void *identity(uint64_t pa) { return (void *)(uintptr_t)pa; }

uint64_t mm_alloc_page(void)
{
	uint64_t pa = pmm_alloc(&pmm);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

uint64_t mm_alloc_page_uninit(void) { return pmm_alloc(&pmm); }

uint64_t mm_alloc_contig(size_t npages, size_t align_pages)
{
	uint64_t pa = pmm_alloc_contig(&pmm, npages, align_pages);
	if (pa)
		memset(phys_to_virt(pa), 0, npages * PAGE_SIZE);
	return pa;
}

/* Why pmm refused: each failure here is a host bookkeeping bug, so the
 * panic names it. */
static const char *const pmm_why[] = {
	[-PMM_ERR_MISALIGNED] = "not page-aligned",
	[-PMM_ERR_UNMANAGED] = "not managed by the allocator",
	[-PMM_ERR_NOT_ALLOCATED] = "not allocated",
	[-PMM_ERR_REF_OVERFLOW] = "at PMM_REF_MAX references",
	[-PMM_ERR_SHARED] = "still shared",
};

static const char *pmm_status_name(int rc)
{
	if (rc < 0 && (size_t)-rc < sizeof(pmm_why) / sizeof(pmm_why[0]) && pmm_why[-rc])
		return pmm_why[-rc];
	return "unknown pmm error";
}

void mm_free_contig(uint64_t pa, size_t npages)
{
	int rc = pmm_free_contig(&pmm, pa, npages);
	if (rc != PMM_OK)
		panic("freeing pages 0x%lx+%zu: %s", pa, npages, pmm_status_name(rc));
}

void mm_ref_page(uint64_t pa)
{
	int rc = pmm_ref(&pmm, pa);
	if (rc != PMM_OK)
		panic("another reference to page 0x%lx: %s", pa, pmm_status_name(rc));
}

unsigned mm_unref_page(uint64_t pa)
{
	unsigned left;
	int rc = pmm_unref(&pmm, pa, &left);
	if (rc != PMM_OK)
		panic("dropping a reference to page 0x%lx: %s", pa, pmm_status_name(rc));
	return left;
}

unsigned mm_page_refs(uint64_t pa) { return pmm_refs(&pmm, pa); }

uint64_t mm_free_pages(void) { return pmm.free; }

uint64_t mm_total_pages(void) { return pmm.total; }

static uint64_t alloc_table(void *ctx)
{
	(void)ctx;
	return mm_alloc_page();
}

void mm_init(const struct mb2_info *info)
{
	struct pmm_range res[MB2_MAX_MODULES + 3];
	size_t n = 0;
	res[n++] = (struct pmm_range){0, LOW_MEMORY_END};
	res[n++] = (struct pmm_range){(uint64_t)(uintptr_t)__kernel_start, (uint64_t)(uintptr_t)__kernel_end};
	res[n++] = (struct pmm_range){info->addr, info->addr + info->size};
	for (unsigned i = 0; i < info->nmods; i++)
		res[n++] = (struct pmm_range){info->mods[i].start, info->mods[i].end};
	const char *err;
	if (pmm_init(&pmm, info->mmap, info->nmmap, res, n, identity, &err))
		panic("no memory to run in: %s", err);
	uint64_t top = 0, usable = 0;
	unsigned regions = 0;
	for (unsigned i = 0; i < info->nmmap; i++) {
		const struct mb2_mmap_entry *e = &info->mmap[i];
		if (e->type != MB2_MEMORY_AVAILABLE)
			continue;
		regions++;
		usable += e->length;
		if (e->base + e->length > top)
			top = e->base + e->length;
	}
	if (!paging_init(top, alloc_table, 0))
		panic("out of memory for the kernel's page tables");
	kprintf("memory: %lu MiB usable in %u regions (%lu pages free)\n", usable >> 20, regions, pmm.free);
}
