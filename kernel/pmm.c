/* A bitmap page allocator over the Multiboot2 memory map. Only type-1
 * (available) RAM is managed, trimmed inward to whole pages; reserved ranges
 * and the bitmap's own pages are never free. */
#include "kernel/pmm.h"

static bool overlaps(uint64_t a, uint64_t b, const struct pmm_range *r) { return a < r->end && r->base < b; }

static bool is_free(const struct pmm *p, uint64_t i) { return p->bitmap[i / 8] & (1u << (i % 8)); }
static void set_free(struct pmm *p, uint64_t i) { p->bitmap[i / 8] |= (uint8_t)(1u << (i % 8)); }
static void set_used(struct pmm *p, uint64_t i) { p->bitmap[i / 8] &= (uint8_t) ~(1u << (i % 8)); }
static bool is_managed(const struct pmm *p, uint64_t i) { return p->managed[i / 8] & (1u << (i % 8)); }

static bool page_reserved(uint64_t pa, const struct pmm_range *res, size_t nres)
{
	for (size_t i = 0; i < nres; i++)
		if (overlaps(pa, pa + PMM_PAGE, &res[i]))
			return true;
	return false;
}

/* The span of usable RAM, to size the bitmap. */
static bool usable_span(const struct mb2_mmap_entry *map, size_t n, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (map[i].type != MB2_MEMORY_AVAILABLE || map[i].length < PMM_PAGE)
			continue;
		uint64_t b = (map[i].base + PMM_PAGE - 1) & ~(PMM_PAGE - 1);
		uint64_t e = (map[i].base + map[i].length) & ~(PMM_PAGE - 1);
		if (e < map[i].base || b >= e) /* wrapped, or less than a page */
			continue;
		*lo = b < *lo ? b : *lo;
		*hi = e > *hi ? e : *hi;
	}
	return *lo < *hi;
}

/* First run of `len` bytes of usable, unreserved RAM for the bitmap. */
static uint64_t place_bitmap(const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *res, size_t nres,
			     uint64_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (map[i].type != MB2_MEMORY_AVAILABLE)
			continue;
		uint64_t b = (map[i].base + PMM_PAGE - 1) & ~(PMM_PAGE - 1);
		uint64_t e = (map[i].base + map[i].length) & ~(PMM_PAGE - 1);
		for (uint64_t pa = b; pa + len <= e && pa + len > pa; pa += PMM_PAGE) {
			struct pmm_range want = {pa, pa + len};
			bool clash = false;
			for (size_t r = 0; r < nres && !clash; r++)
				clash = overlaps(want.base, want.end, &res[r]);
			if (!clash)
				return pa;
		}
	}
	return 0;
}

int pmm_init(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
	     size_t nres, void *(*to_virt)(uint64_t pa), const char **err)
{
	uint64_t lo, hi;
	*p = (struct pmm){0};
	if (!usable_span(map, n, &lo, &hi)) {
		*err = "the memory map has no usable RAM";
		return -1;
	}
	p->base = lo;
	p->pages = (hi - lo) / PMM_PAGE;
	uint64_t half = (p->pages + 7) / 8;
	uint64_t bytes = (2 * half + PMM_PAGE - 1) & ~(PMM_PAGE - 1);
	uint64_t at = place_bitmap(map, n, reserved, nres, bytes);
	if (!at) {
		*err = "no room for the page bitmap";
		return -1;
	}
	p->bitmap = to_virt(at);
	p->managed = p->bitmap + half;
	for (uint64_t i = 0; i < bytes; i++)
		p->bitmap[i] = 0;
	struct pmm_range self = {at, at + bytes};
	for (size_t i = 0; i < n; i++) {
		if (map[i].type != MB2_MEMORY_AVAILABLE)
			continue;
		uint64_t b = (map[i].base + PMM_PAGE - 1) & ~(PMM_PAGE - 1);
		uint64_t e = (map[i].base + map[i].length) & ~(PMM_PAGE - 1);
		for (uint64_t pa = b; pa < e && pa >= b; pa += PMM_PAGE) {
			uint64_t idx = (pa - p->base) / PMM_PAGE;
			if (is_free(p, idx) || page_reserved(pa, reserved, nres) || overlaps(pa, pa + PMM_PAGE, &self))
				continue;
			set_free(p, idx);
			p->managed[idx / 8] |= (uint8_t)(1u << (idx % 8));
			p->free++;
		}
	}
	p->total = p->free;
	return 0;
}

uint64_t pmm_alloc_contig(struct pmm *p, size_t npages, size_t align_pages)
{
	if (!npages || npages > p->free)
		return 0;
	if (!align_pages)
		align_pages = 1;
	/* Alignment is of the physical address, not of the bitmap index. */
	uint64_t base_page = p->base / PMM_PAGE;
	uint64_t first = (base_page + align_pages - 1) / align_pages * align_pages - base_page;
	for (uint64_t i = first; i + npages <= p->pages; i += align_pages) {
		uint64_t run = 0;
		while (run < npages && is_free(p, i + run))
			run++;
		if (run < npages)
			continue;
		for (uint64_t k = 0; k < npages; k++)
			set_used(p, i + k);
		p->free -= npages;
		return p->base + i * PMM_PAGE;
	}
	return 0;
}

uint64_t pmm_alloc(struct pmm *p)
{
	for (uint64_t n = 0; n < p->pages; n++) {
		uint64_t i = (p->hint + n) % p->pages;
		if (is_free(p, i)) {
			set_used(p, i);
			p->free--;
			p->hint = i + 1;
			return p->base + i * PMM_PAGE;
		}
	}
	return 0;
}

int pmm_free(struct pmm *p, uint64_t pa)
{
	if (pa < p->base || (pa & (PMM_PAGE - 1)) || (pa - p->base) / PMM_PAGE >= p->pages)
		return -1;
	uint64_t i = (pa - p->base) / PMM_PAGE;
	if (!is_managed(p, i) || is_free(p, i))
		return -1;
	set_free(p, i);
	p->free++;
	return 0;
}

int pmm_free_contig(struct pmm *p, uint64_t pa, size_t npages)
{
	int rc = 0;
	for (size_t k = 0; k < npages; k++)
		rc |= pmm_free(p, pa + k * PMM_PAGE);
	return rc;
}
