/* Physical page allocator: two bitmaps (free, managed) and a reference count
 * per page over the span of available RAM, filled from the Multiboot2 memory
 * map. A managed page is free exactly when its count is 0. Conservative where the
 * map is odd: a page is ours only if a type-1 entry covers all of it and no
 * other entry or reserved range touches any of it. */
#include <stdbool.h>

#include "kernel/pmm.h"

#define PMM_PAGE_SHIFT 12

static uint64_t pmm_align_up(uint64_t v) { return (v + PMM_PAGE_SIZE - 1) & ~(PMM_PAGE_SIZE - 1); }
static uint64_t pmm_align_down(uint64_t v) { return v & ~(PMM_PAGE_SIZE - 1); }

/* End of [base, base + length), saturated at PMM_MAX_ADDR. */
static uint64_t pmm_end(uint64_t base, uint64_t length)
{
	if (base >= PMM_MAX_ADDR || length >= PMM_MAX_ADDR - base)
		return PMM_MAX_ADDR;
	return base + length;
}

/* The whole pages of a type-1 entry at or above 1 MiB; false if none. */
static bool pmm_usable_bounds(const struct mb2_mmap_entry *e, uint64_t *lo, uint64_t *hi)
{
	if (e->type != MB2_MEMORY_AVAILABLE)
		return false;
	uint64_t end = pmm_end(e->base, e->length);
	uint64_t start = e->base < PMM_LOW_LIMIT ? PMM_LOW_LIMIT : e->base;
	if (start >= end)
		return false;
	*lo = pmm_align_up(start);
	*hi = pmm_align_down(end);
	return *lo < *hi;
}

/* The pages a range touches, rounded outward: [lo, hi). */
static void pmm_touched_bounds(uint64_t start, uint64_t end, uint64_t *lo, uint64_t *hi)
{
	if (end > PMM_MAX_ADDR)
		end = PMM_MAX_ADDR;
	*lo = pmm_align_down(start < PMM_MAX_ADDR ? start : PMM_MAX_ADDR);
	*hi = pmm_align_up(end);
}

/* Span of usable RAM: [lo, hi) page-aligned; false if there is none. */
static bool pmm_span(const struct mb2_mmap_entry *map, size_t n, uint64_t *lo, uint64_t *hi)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		uint64_t a, b;
		if (!pmm_usable_bounds(&map[i], &a, &b))
			continue;
		*lo = any && *lo < a ? *lo : a;
		*hi = any && *hi > b ? *hi : b;
		any = true;
	}
	return any;
}

static uint64_t pmm_words(uint64_t npages) { return (npages + 63) / 64; }

size_t pmm_bitmap_bytes(const struct mb2_mmap_entry *map, size_t n)
{
	uint64_t lo, hi;
	if (!pmm_span(map, n, &lo, &hi))
		return 0;
	uint64_t npages = (hi - lo) >> PMM_PAGE_SHIFT;
	uint64_t refs = (npages * sizeof(uint16_t) + 7) & ~7ULL; /* keeps the total 8-byte aligned */
	return (size_t)(2 * 8 * pmm_words(npages) + refs);
}

/* Does [a, b) avoid every non-available entry and every reserved range? */
static bool pmm_clear_of(const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *res, size_t nres,
			 uint64_t a, uint64_t b)
{
	uint64_t lo, hi;
	for (size_t i = 0; i < n; i++) {
		if (map[i].type == MB2_MEMORY_AVAILABLE || !map[i].length)
			continue;
		pmm_touched_bounds(map[i].base, pmm_end(map[i].base, map[i].length), &lo, &hi);
		if (lo < b && a < hi)
			return false;
	}
	for (size_t i = 0; i < nres; i++) {
		if (res[i].end <= res[i].base)
			continue;
		pmm_touched_bounds(res[i].base, res[i].end, &lo, &hi);
		if (lo < b && a < hi)
			return false;
	}
	return true;
}

/* Is [a, a + bytes) inside one usable entry and clear of everything else? */
static bool pmm_region_fits(const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *res, size_t nres,
			    uint64_t a, uint64_t bytes)
{
	if (a < PMM_LOW_LIMIT || a >= PMM_MAX_ADDR || bytes > PMM_MAX_ADDR - a)
		return false;
	uint64_t b = a + bytes;
	for (size_t i = 0; i < n; i++) {
		uint64_t lo, hi;
		if (pmm_usable_bounds(&map[i], &lo, &hi) && lo <= a && b <= hi)
			return pmm_clear_of(map, n, res, nres, a, b);
	}
	return false;
}

uint64_t pmm_find_region(const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
			 size_t nres, uint64_t bytes)
{
	/* The lowest fit starts where a usable entry starts or an obstacle ends. */
	uint64_t best = 0, lo, hi;
	bytes = pmm_align_up(bytes ? bytes : 1);
	for (size_t i = 0; i < n + n + nres; i++) {
		uint64_t c;
		if (i < n) {
			if (!pmm_usable_bounds(&map[i], &lo, &hi))
				continue;
			c = lo;
		} else if (i < n + n) {
			const struct mb2_mmap_entry *e = &map[i - n];
			pmm_touched_bounds(e->base, pmm_end(e->base, e->length), &lo, &c);
		} else {
			pmm_touched_bounds(reserved[i - 2 * n].base, reserved[i - 2 * n].end, &lo, &c);
		}
		if ((!best || c < best) && pmm_region_fits(map, n, reserved, nres, c, bytes))
			best = c;
	}
	return best;
}

/* Set (or clear) bits [from, to) of a bitmap, a word at a time in the middle. */
static void pmm_bits(uint64_t *map, uint64_t from, uint64_t to, bool set)
{
	while (from < to) {
		uint64_t w = from / 64, b = from % 64;
		uint64_t n = to - from < 64 - b ? to - from : 64 - b;
		uint64_t mask = (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << b;
		map[w] = set ? map[w] | mask : map[w] & ~mask;
		from += n;
	}
}

/* Without -mpopcnt, __builtin_popcountll calls libgcc, which we do not link. */
static uint64_t pmm_popcount(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
	return (v * 0x0101010101010101ULL) >> 56;
}

static bool pmm_bit(const uint64_t *map, uint64_t i) { return map[i / 64] >> (i % 64) & 1; }

/* Apply [a, b) in bytes to the managed map, clipped to the span. */
static void pmm_mark(struct pmm *p, uint64_t a, uint64_t b, bool set)
{
	uint64_t base = p->base_pfn << PMM_PAGE_SHIFT, top = base + (p->npages << PMM_PAGE_SHIFT);
	a = a < base ? base : a;
	b = b > top ? top : b;
	if (a < b)
		pmm_bits(p->managed_map, (a - base) >> PMM_PAGE_SHIFT, (b - base) >> PMM_PAGE_SHIFT, set);
}

static void pmm_reserve(struct pmm *p, const struct pmm_range *r)
{
	uint64_t lo, hi;
	if (r->end <= r->base)
		return;
	pmm_touched_bounds(r->base, r->end, &lo, &hi);
	pmm_mark(p, lo, hi, false);
}

/* pmm_init_bitmap with one more reserved range: where the bitmap lives. */
static int pmm_build(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
		     size_t nres, void *bitmap, size_t bitmap_bytes, const struct pmm_range *self)
{
	uint64_t lo, hi;
	*p = (struct pmm){0};
	if (!pmm_span(map, n, &lo, &hi))
		return PMM_ERR_NO_MEMORY;
	if (!bitmap || bitmap_bytes < pmm_bitmap_bytes(map, n) || (uintptr_t)bitmap % 8)
		return PMM_ERR_BITMAP_SIZE;
	p->base_pfn = lo >> PMM_PAGE_SHIFT;
	p->npages = (hi - lo) >> PMM_PAGE_SHIFT;
	uint64_t words = pmm_words(p->npages);
	p->free_map = bitmap;
	p->managed_map = p->free_map + words;
	p->refs = (uint16_t *)(p->managed_map + words);
	for (uint64_t i = 0; i < 2 * words; i++)
		p->free_map[i] = 0;
	for (uint64_t i = 0; i < p->npages; i++)
		p->refs[i] = 0;
	for (size_t i = 0; i < n; i++)
		if (pmm_usable_bounds(&map[i], &lo, &hi))
			pmm_mark(p, lo, hi, true);
	for (size_t i = 0; i < n; i++) {
		if (map[i].type == MB2_MEMORY_AVAILABLE || !map[i].length)
			continue;
		pmm_touched_bounds(map[i].base, pmm_end(map[i].base, map[i].length), &lo, &hi);
		pmm_mark(p, lo, hi, false);
	}
	for (size_t i = 0; i < nres; i++)
		pmm_reserve(p, &reserved[i]);
	pmm_reserve(p, self);
	for (uint64_t i = 0; i < words; i++) {
		p->free_map[i] = p->managed_map[i];
		p->total += pmm_popcount(p->managed_map[i]);
	}
	p->free = p->total;
	return PMM_OK;
}

int pmm_init_bitmap(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
		    size_t nres, void *bitmap, size_t bitmap_bytes)
{
	const struct pmm_range none = {0, 0};
	return pmm_build(p, map, n, reserved, nres, bitmap, bitmap_bytes, &none);
}

int pmm_init(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
	     size_t nres, void *(*to_virt)(uint64_t pa), const char **err)
{
	size_t bytes = pmm_bitmap_bytes(map, n);
	uint64_t at = bytes ? pmm_find_region(map, n, reserved, nres, bytes) : 0;
	const char *why = !bytes ? "no available RAM above 1 MiB in the memory map"
		       : !at	 ? "no free stretch of RAM large enough for the page bitmap"
				 : NULL;
	const struct pmm_range self = {at, at + bytes};
	if (!why && pmm_build(p, map, n, reserved, nres, to_virt(at), bytes, &self) != PMM_OK)
		why = "page bitmap storage unusable";
	if (why) {
		*p = (struct pmm){0};
		if (err)
			*err = why;
		return -1;
	}
	return 0;
}

static uint64_t pmm_addr(const struct pmm *p, uint64_t i) { return (p->base_pfn + i) << PMM_PAGE_SHIFT; }
static uint64_t pmm_index(const struct pmm *p, uint64_t pa) { return (pa >> PMM_PAGE_SHIFT) - p->base_pfn; }

static void pmm_set_refs(struct pmm *p, uint64_t i, uint64_t npages, uint16_t refs)
{
	for (uint64_t k = 0; k < npages; k++)
		p->refs[i + k] = refs;
}

uint64_t pmm_alloc(struct pmm *p)
{
	uint64_t words = pmm_words(p->npages);
	for (uint64_t k = 0; k < words && p->free; k++) {
		uint64_t w = (p->hint + k) % words;
		if (!p->free_map[w])
			continue;
		uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(p->free_map[w]);
		p->free_map[w] &= p->free_map[w] - 1; /* clear the lowest set bit: i */
		p->refs[i] = 1;
		p->free--;
		p->hint = w;
		return pmm_addr(p, i);
	}
	return 0;
}

/* First index >= i whose absolute page number is a multiple of align. */
static uint64_t pmm_align_index(const struct pmm *p, uint64_t i, uint64_t align)
{
	uint64_t pfn = p->base_pfn + i;
	return (pfn + align - 1) / align * align - p->base_pfn;
}

uint64_t pmm_alloc_contig(struct pmm *p, size_t npages, size_t align_pages)
{
	uint64_t align = align_pages ? align_pages : 1;
	if (!npages || npages > p->free)
		return 0;
	uint64_t i = pmm_align_index(p, 0, align);
	while (i < p->npages && npages <= p->npages - i) {
		uint64_t k = 0;
		while (k < npages && pmm_bit(p->free_map, i + k))
			k++;
		if (k == npages) {
			pmm_bits(p->free_map, i, i + npages, false);
			pmm_set_refs(p, i, npages, 1);
			p->free -= npages;
			return pmm_addr(p, i);
		}
		i = pmm_align_index(p, i + k + 1, align); /* past the page that is taken */
	}
	return 0;
}

/* Check that every page of [pa, pa + npages pages) is ours and allocated. */
static int pmm_check_allocated(const struct pmm *p, uint64_t pa, size_t npages)
{
	if (pa % PMM_PAGE_SIZE)
		return PMM_ERR_MISALIGNED;
	uint64_t pfn = pa >> PMM_PAGE_SHIFT;
	if (pfn < p->base_pfn || pfn - p->base_pfn > p->npages || npages > p->npages - (pfn - p->base_pfn))
		return PMM_ERR_UNMANAGED;
	uint64_t i = pfn - p->base_pfn;
	for (uint64_t k = 0; k < npages; k++)
		if (!pmm_bit(p->managed_map, i + k))
			return PMM_ERR_UNMANAGED;
	for (uint64_t k = 0; k < npages; k++)
		if (pmm_bit(p->free_map, i + k))
			return PMM_ERR_NOT_ALLOCATED;
	return PMM_OK;
}

/* Check that [pa, pa + npages pages) may be freed: allocated, sole owner. */
static int pmm_check_free(const struct pmm *p, uint64_t pa, size_t npages)
{
	int rc = pmm_check_allocated(p, pa, npages);
	if (rc != PMM_OK)
		return rc;
	uint64_t i = pmm_index(p, pa);
	for (uint64_t k = 0; k < npages; k++)
		if (p->refs[i + k] > 1)
			return PMM_ERR_SHARED;
	return PMM_OK;
}

/* Hand [i, i + npages) back: the caller has checked that it may. */
static void pmm_release(struct pmm *p, uint64_t i, uint64_t npages)
{
	pmm_bits(p->free_map, i, i + npages, true);
	pmm_set_refs(p, i, npages, 0);
	p->free += npages;
}

int pmm_free_contig(struct pmm *p, uint64_t pa, size_t npages)
{
	int rc = pmm_check_free(p, pa, npages);
	if (rc != PMM_OK)
		return rc;
	pmm_release(p, pmm_index(p, pa), npages);
	return PMM_OK;
}

int pmm_free(struct pmm *p, uint64_t pa) { return pmm_free_contig(p, pa, 1); }

int pmm_ref(struct pmm *p, uint64_t pa)
{
	int rc = pmm_check_allocated(p, pa, 1);
	if (rc != PMM_OK)
		return rc;
	uint64_t i = pmm_index(p, pa);
	if (p->refs[i] == PMM_REF_MAX)
		return PMM_ERR_REF_OVERFLOW;
	p->refs[i]++;
	return PMM_OK;
}

int pmm_unref(struct pmm *p, uint64_t pa, unsigned *left)
{
	int rc = pmm_check_allocated(p, pa, 1);
	if (rc != PMM_OK)
		return rc;
	uint64_t i = pmm_index(p, pa);
	if (p->refs[i] == 1)
		pmm_release(p, i, 1); /* the last reference: free, and counted free, only now */
	else
		p->refs[i]--;
	if (left)
		*left = p->refs[i];
	return PMM_OK;
}

unsigned pmm_refs(const struct pmm *p, uint64_t pa)
{
	if (pmm_check_allocated(p, pa, 1) != PMM_OK)
		return 0; /* misaligned, unmanaged or free: the count of a free page is 0 anyway */
	return p->refs[pmm_index(p, pa)];
}

uint64_t pmm_free_count(const struct pmm *p) { return p->free; }
uint64_t pmm_total_count(const struct pmm *p) { return p->total; }
