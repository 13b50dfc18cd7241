/* Host tests for kernel/pmm.c: "physical addresses" are plain numbers here
 * (the allocator never touches the pages), checked page by page against a
 * brute-force model of which pages may be handed out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/pmm.c"

#define MiB (1ULL << 20)
#define PG  PMM_PAGE_SIZE
#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t bitmap[1 << 16];

static void init_ok(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *res,
		    size_t nres)
{
	size_t need = pmm_bitmap_bytes(map, n);
	assert_true(need <= sizeof(bitmap));
	assert_int_equal(pmm_init_bitmap(p, map, n, res, nres, bitmap, need), PMM_OK);
}

/* The model: may page pa be handed out? */
static bool model_usable(const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *res, size_t nres,
			 uint64_t pa)
{
	if (pa < MiB)
		return false;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = map[i].base, e = b + map[i].length; /* test maps do not overflow */
		bool whole = b <= pa && pa + PG <= e, touch = b < pa + PG && pa < e;
		if (map[i].type == 1 && whole)
			in = true;
		if (map[i].type != 1 && touch)
			return false;
	}
	for (size_t i = 0; i < nres; i++)
		if (res[i].base < pa + PG && pa < res[i].end)
			return false;
	return in;
}

/* Allocate every page; each must be usable, unique; the count must match the model. */
static void drain_and_check(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *res,
			    size_t nres, uint64_t limit)
{
	uint64_t expect = 0;
	for (uint64_t pa = 0; pa < limit; pa += PG)
		expect += model_usable(map, n, res, nres, pa);
	assert_int_equal(pmm_total_count(p), expect);
	assert_int_equal(pmm_free_count(p), expect);
	uint8_t *seen = calloc(limit / PG, 1);
	uint64_t got = 0, pa;
	while ((pa = pmm_alloc(p)) != 0) {
		assert_int_equal(pa % PG, 0);
		assert_true(pa < limit);
		assert_true(model_usable(map, n, res, nres, pa));
		assert_false(seen[pa / PG]);
		seen[pa / PG] = 1;
		got++;
	}
	assert_int_equal(got, expect);
	assert_int_equal(pmm_free_count(p), 0);
	assert_int_equal(pmm_alloc_contig(p, 1, 1), 0);
	free(seen);
}

static void test_simple_map(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {
		{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2}, {MiB, 31 * MiB, 1},
	};
	struct pmm p;
	init_ok(&p, map, N(map), NULL, 0);
	assert_int_equal(pmm_total_count(&p), 31 * MiB / PG);
	drain_and_check(&p, map, N(map), NULL, 0, 64 * MiB);
}

static void test_reserved_ranges_never_returned(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{0, 640 * 1024, 1}, {MiB, 63 * MiB, 1}};
	static const struct pmm_range res[] = {
		{MiB, MiB + 0x23456},           /* the kernel image: partial last page */
		{0x800010, 0x800020},           /* the mbi: 16 bytes inside one page */
		{0x1000fff, 0x1001001},         /* a module straddling two page boundaries */
		{0x2000000, 0x2000000},         /* an empty module: nothing */
		{0x3000000, 0x3100000},
	};
	struct pmm p;
	init_ok(&p, map, N(map), res, N(res));
	drain_and_check(&p, map, N(map), res, N(res), 64 * MiB);
}

static void test_unsorted_overlapping_map(void **state)
{
	(void)state;
	/* Unsorted; two available entries overlap; a reserved entry inside an
	 * available one wins; unaligned edges are rounded inward. */
	static const struct mb2_mmap_entry map[] = {
		{8 * MiB + 0x800, 8 * MiB, 1},
		{MiB, 4 * MiB, 1},
		{3 * MiB, 4 * MiB, 1},
		{5 * MiB + 0x10, 0x20, 2},
		{0, 0xA0000, 1},
		{20 * MiB, 0, 1},      /* empty */
		{30 * MiB, 2 * MiB, 3}, /* ACPI reclaimable: not ours either */
		{28 * MiB, 8 * MiB, 1},
	};
	struct pmm p;
	init_ok(&p, map, N(map), NULL, 0);
	assert_false(model_usable(map, N(map), NULL, 0, 5 * MiB));
	assert_false(model_usable(map, N(map), NULL, 0, 8 * MiB));
	assert_true(model_usable(map, N(map), NULL, 0, 8 * MiB + PG));
	drain_and_check(&p, map, N(map), NULL, 0, 64 * MiB);
}

static void test_nothing_below_1mib(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry low[] = {{0, 0xA0000, 1}};
	struct pmm p;
	assert_int_equal(pmm_init_bitmap(&p, low, 1, NULL, 0, bitmap, sizeof(bitmap)), PMM_ERR_NO_MEMORY);
	assert_int_equal(pmm_bitmap_bytes(low, 1), 0);
	static const struct mb2_mmap_entry cross[] = {{0x80000, MiB, 1}};
	init_ok(&p, cross, 1, NULL, 0);
	assert_int_equal(pmm_total_count(&p), 0x80000 / PG);
	assert_int_equal(pmm_alloc(&p), MiB);
}

static void test_bitmap_too_small(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB, 64 * MiB, 1}};
	struct pmm p;
	size_t need = pmm_bitmap_bytes(map, 1);
	assert_int_equal(need, 2 * 8 * (64 * MiB / PG / 64) + 2 * (64 * MiB / PG));
	assert_int_equal(pmm_init_bitmap(&p, map, 1, NULL, 0, bitmap, need - 8), PMM_ERR_BITMAP_SIZE);
	assert_int_equal(pmm_init_bitmap(&p, map, 1, NULL, 0, NULL, need), PMM_ERR_BITMAP_SIZE);
}

static void test_alloc_contig_alignment(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB + 3 * PG, 16 * MiB, 1}};
	struct pmm p;
	init_ok(&p, map, 1, NULL, 0);
	uint64_t total = pmm_total_count(&p);
	uint64_t a = pmm_alloc_contig(&p, 512, 512); /* one 2 MiB page */
	assert_int_equal(a, 2 * MiB);
	uint64_t b = pmm_alloc_contig(&p, 3, 4);
	assert_int_equal(b % (4 * PG), 0);
	assert_true(b < 2 * MiB); /* the gap below the first 2 MiB run is used */
	uint64_t c = pmm_alloc_contig(&p, 512, 512);
	assert_int_equal(c, 4 * MiB);
	assert_int_equal(pmm_free_count(&p), total - 1027);
	/* A run larger than memory, or zero pages: refused. */
	assert_int_equal(pmm_alloc_contig(&p, total, 1), 0);
	assert_int_equal(pmm_alloc_contig(&p, 0, 1), 0);
	assert_int_equal(pmm_free_contig(&p, a, 512), PMM_OK);
	assert_int_equal(pmm_alloc_contig(&p, 512, 512), a);
	/* One page still taken in the middle of a free 2 MiB run: skipped. */
	for (uint64_t pa = a; pa < a + 2 * MiB; pa += PG)
		if (pa != a + 100 * PG)
			assert_int_equal(pmm_free(&p, pa), PMM_OK);
	assert_int_equal(pmm_alloc_contig(&p, 512, 512), 6 * MiB);
	assert_int_equal(pmm_alloc_contig(&p, 100, 512), a); /* the 100 pages below it fit */
}

static void test_exhaustion_and_reuse(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB, 64 * PG, 1}};
	struct pmm p;
	init_ok(&p, map, 1, NULL, 0);
	uint64_t pages[64];
	for (int i = 0; i < 64; i++)
		assert_true((pages[i] = pmm_alloc(&p)) != 0);
	assert_int_equal(pmm_alloc(&p), 0);
	assert_int_equal(pmm_free(&p, pages[17]), PMM_OK);
	assert_int_equal(pmm_free_count(&p), 1);
	assert_int_equal(pmm_alloc(&p), pages[17]);
	assert_int_equal(pmm_alloc(&p), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(pmm_free(&p, pages[i]), PMM_OK);
	assert_int_equal(pmm_free_count(&p), 64);
	assert_int_equal(pmm_alloc_contig(&p, 64, 1), MiB);
}

static void test_bad_frees_detected(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB, 4 * MiB, 1}, {6 * MiB, MiB, 1}};
	static const struct pmm_range res[] = {{2 * MiB, 2 * MiB + PG}};
	struct pmm p;
	init_ok(&p, map, N(map), res, N(res));
	uint64_t a = pmm_alloc(&p), free_before = pmm_free_count(&p);
	assert_int_equal(pmm_free(&p, a + 1), PMM_ERR_MISALIGNED);
	assert_int_equal(pmm_free(&p, 0), PMM_ERR_UNMANAGED);
	assert_int_equal(pmm_free(&p, 0x7000), PMM_ERR_UNMANAGED);
	assert_int_equal(pmm_free(&p, 2 * MiB), PMM_ERR_UNMANAGED);  /* reserved */
	assert_int_equal(pmm_free(&p, 5 * MiB), PMM_ERR_UNMANAGED);  /* the hole */
	assert_int_equal(pmm_free(&p, 7 * MiB), PMM_ERR_UNMANAGED);  /* past the end */
	assert_int_equal(pmm_free(&p, UINT64_MAX & ~(PG - 1)), PMM_ERR_UNMANAGED);
	assert_int_equal(pmm_free(&p, a + PG), PMM_ERR_NOT_ALLOCATED); /* never allocated */
	assert_int_equal(pmm_free_count(&p), free_before);
	assert_int_equal(pmm_free(&p, a), PMM_OK);
	assert_int_equal(pmm_free(&p, a), PMM_ERR_NOT_ALLOCATED); /* double free */
	assert_int_equal(pmm_free_count(&p), free_before + 1);
	/* A contiguous free that is partly wrong changes nothing. */
	uint64_t run = pmm_alloc_contig(&p, 8, 1);
	assert_int_equal(pmm_free(&p, run + 3 * PG), PMM_OK);
	uint64_t now = pmm_free_count(&p);
	assert_int_equal(pmm_free_contig(&p, run, 8), PMM_ERR_NOT_ALLOCATED);
	assert_int_equal(pmm_free_count(&p), now);
	assert_int_equal(pmm_free_contig(&p, 5 * MiB - 2 * PG, 4), PMM_ERR_UNMANAGED);
	assert_int_equal(pmm_free_contig(&p, run, SIZE_MAX), PMM_ERR_UNMANAGED);
}

static void test_huge_and_overflowing_entries(void **state)
{
	(void)state;
	/* length overflowing base + length is clamped, not wrapped. */
	static const struct mb2_mmap_entry map[] = {{MiB, 2 * MiB, 1}, {UINT64_MAX - PG, 2 * PG, 1}};
	struct pmm p;
	assert_int_equal(pmm_bitmap_bytes(map, 1), 2 * 8 * 8 + 2 * 512);
	assert_int_equal(pmm_init_bitmap(&p, map, 1, NULL, 0, bitmap, sizeof(bitmap)), PMM_OK);
	/* An entry above MAXPHYADDR adds nothing. */
	assert_int_equal(pmm_bitmap_bytes(map, 2), 2 * 8 * 8 + 2 * 512);
	static const struct mb2_mmap_entry wrap[] = {{MiB, UINT64_MAX, 2}, {MiB, 2 * MiB, 1}};
	assert_int_equal(pmm_init_bitmap(&p, wrap, 2, NULL, 0, bitmap, sizeof(bitmap)), PMM_OK);
	assert_int_equal(pmm_total_count(&p), 0);
}

static void test_find_region_for_bitmap(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {
		{0, 0x9fc00, 1}, {MiB, 8 * MiB, 1}, {16 * MiB, 16 * MiB, 1}, {4 * MiB, PG, 2},
	};
	static const struct pmm_range res[] = {{MiB, 2 * MiB + 5}, {3 * MiB, 3 * MiB + 1}};
	assert_int_equal(pmm_find_region(map, N(map), res, N(res), PG), 2 * MiB + PG);
	assert_int_equal(pmm_find_region(map, N(map), res, N(res), 200 * PG), 2 * MiB + PG);
	assert_int_equal(pmm_find_region(map, N(map), res, N(res), 256 * PG), 4 * MiB + PG); /* not across 3 MiB */
	assert_int_equal(pmm_find_region(map, N(map), res, N(res), 2 * MiB), 4 * MiB + PG);
	assert_int_equal(pmm_find_region(map, N(map), res, N(res), 6 * MiB), 16 * MiB);
	assert_int_equal(pmm_find_region(map, N(map), res, N(res), 17 * MiB), 0);
	/* Put the bitmap where it says, reserve it, and it is never handed out. */
	size_t need = pmm_bitmap_bytes(map, N(map));
	uint64_t at = pmm_find_region(map, N(map), res, N(res), need);
	struct pmm_range all[] = {res[0], res[1], {at, at + need}};
	struct pmm p;
	init_ok(&p, map, N(map), all, N(all));
	drain_and_check(&p, map, N(map), all, N(all), 64 * MiB);
}

/* "Physical memory" for pmm_init: 64 MiB of host memory, pa = offset. */
static uint8_t *phys;
static void *test_to_virt(uint64_t pa)
{
	assert_true(pa < 64 * MiB);
	return phys + pa;
}

static void test_init_places_its_bitmap(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{0, 0x9fc00, 1}, {MiB, 63 * MiB, 1}};
	static const struct pmm_range res[] = {{0, MiB}, {MiB, MiB + 0x5123}, {0x800000, 0x900000}};
	phys = calloc(64 * MiB, 1);
	struct pmm p;
	const char *err = NULL;
	assert_int_equal(pmm_init(&p, map, N(map), res, N(res), test_to_virt, &err), 0);
	uint64_t at = MiB + 0x6000; /* right after the kernel image */
	assert_ptr_equal(p.free_map, phys + at);
	size_t need = pmm_bitmap_bytes(map, N(map));
	struct pmm_range all[] = {res[0], res[1], res[2], {at, at + need}};
	drain_and_check(&p, map, N(map), all, N(all), 64 * MiB);
	free(phys);
	/* Nothing to manage, or nowhere to put the bitmap: an error, not a crash. */
	static const struct mb2_mmap_entry low[] = {{0, 0x9fc00, 1}};
	assert_int_equal(pmm_init(&p, low, 1, NULL, 0, test_to_virt, &err), -1);
	assert_non_null(strstr(err, "no available RAM"));
	static const struct pmm_range everything[] = {{MiB, 64 * MiB}};
	assert_int_equal(pmm_init(&p, map, N(map), everything, 1, test_to_virt, &err), -1);
	assert_non_null(strstr(err, "bitmap"));
}

static void test_ref_keeps_page_until_last_unref(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB, 64 * PG, 1}};
	struct pmm p;
	init_ok(&p, map, 1, NULL, 0);
	uint64_t a = pmm_alloc(&p);
	assert_int_equal(a, MiB);
	assert_int_equal(pmm_refs(&p, a), 1);
	assert_int_equal(pmm_free_count(&p), 63);
	assert_int_equal(pmm_ref(&p, a), PMM_OK);
	assert_int_equal(pmm_ref(&p, a), PMM_OK);
	assert_int_equal(pmm_refs(&p, a), 3);
	assert_int_equal(pmm_free_count(&p), 63); /* a reference allocates nothing */
	unsigned left = 99;
	assert_int_equal(pmm_unref(&p, a, &left), PMM_OK);
	assert_int_equal(left, 2);
	assert_int_equal(pmm_unref(&p, a, &left), PMM_OK);
	assert_int_equal(left, 1);
	assert_int_equal(pmm_refs(&p, a), 1);
	assert_int_equal(pmm_free_count(&p), 63);
	assert_int_equal(pmm_unref(&p, a, &left), PMM_OK); /* the last: free again */
	assert_int_equal(left, 0);
	assert_int_equal(pmm_refs(&p, a), 0);
	assert_int_equal(pmm_free_count(&p), 64);
	left = 99;
	assert_int_equal(pmm_unref(&p, a, &left), PMM_ERR_NOT_ALLOCATED);
	assert_int_equal(left, 99);
	assert_int_equal(pmm_ref(&p, a), PMM_ERR_NOT_ALLOCATED);
	assert_int_equal(pmm_free(&p, a), PMM_ERR_NOT_ALLOCATED);
	assert_int_equal(pmm_free_count(&p), 64);
	/* Handed out again, with one reference. */
	assert_int_equal(pmm_alloc(&p), a);
	assert_int_equal(pmm_refs(&p, a), 1);
	assert_int_equal(pmm_free_count(&p), 63);
	assert_int_equal(pmm_ref(&p, a), PMM_OK);
	assert_int_equal(pmm_unref(&p, a, NULL), PMM_OK);
	assert_int_equal(pmm_refs(&p, a), 1);
	/* Contiguous pages are counted one by one. */
	uint64_t run = pmm_alloc_contig(&p, 4, 4);
	assert_int_equal(run, MiB + 4 * PG);
	for (uint64_t k = 0; k < 4; k++)
		assert_int_equal(pmm_refs(&p, run + k * PG), 1);
	assert_int_equal(pmm_ref(&p, run + PG), PMM_OK);
	assert_int_equal(pmm_refs(&p, run), 1);
	assert_int_equal(pmm_refs(&p, run + PG), 2);
	assert_int_equal(pmm_refs(&p, run + 2 * PG), 1);
}

static void test_free_of_shared_page_refused(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB, 64 * PG, 1}};
	struct pmm p;
	init_ok(&p, map, 1, NULL, 0);
	uint64_t a = pmm_alloc(&p);
	assert_int_equal(pmm_ref(&p, a), PMM_OK);
	uint64_t f = pmm_free_count(&p);
	assert_int_equal(pmm_free(&p, a), PMM_ERR_SHARED);
	assert_int_equal(pmm_refs(&p, a), 2);
	assert_int_equal(pmm_free_count(&p), f);
	assert_int_equal(pmm_unref(&p, a, NULL), PMM_OK);
	assert_int_equal(pmm_free(&p, a), PMM_OK); /* the sole owner may */
	assert_int_equal(pmm_refs(&p, a), 0);
	assert_int_equal(pmm_free_count(&p), f + 1);
	/* One shared page in the middle refuses the whole range. */
	uint64_t run = pmm_alloc_contig(&p, 8, 1);
	assert_int_equal(pmm_ref(&p, run + 3 * PG), PMM_OK);
	f = pmm_free_count(&p);
	assert_int_equal(pmm_free_contig(&p, run, 8), PMM_ERR_SHARED);
	assert_int_equal(pmm_free_count(&p), f);
	for (uint64_t k = 0; k < 8; k++)
		assert_int_equal(pmm_refs(&p, run + k * PG), k == 3 ? 2 : 1);
	assert_int_equal(pmm_alloc_contig(&p, 8, 8), run + 8 * PG); /* none of the run went free */
	assert_int_equal(pmm_free_contig(&p, run + 8 * PG, 8), PMM_OK);
	assert_int_equal(pmm_free_contig(&p, run, 3), PMM_OK); /* the pages below it are sole-owned */
	assert_int_equal(pmm_free_count(&p), f + 3);
	assert_int_equal(pmm_free_contig(&p, run + 3 * PG, 5), PMM_ERR_SHARED);
	assert_int_equal(pmm_unref(&p, run + 3 * PG, NULL), PMM_OK);
	assert_int_equal(pmm_free_contig(&p, run + 3 * PG, 5), PMM_OK);
	assert_int_equal(pmm_free_count(&p), f + 8);
}

static void test_ref_refused_for_bad_addresses(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB, 4 * MiB, 1}, {6 * MiB, MiB, 1}};
	static const struct pmm_range res[] = {{2 * MiB, 2 * MiB + PG}};
	struct pmm p;
	init_ok(&p, map, N(map), res, N(res));
	uint64_t a = pmm_alloc(&p), f = pmm_free_count(&p);
	const struct {
		uint64_t pa;
		int rc;
	} bad[] = {
		{a + 1, PMM_ERR_MISALIGNED},
		{a + PG - 1, PMM_ERR_MISALIGNED},
		{0, PMM_ERR_UNMANAGED},
		{0x7000, PMM_ERR_UNMANAGED},
		{2 * MiB, PMM_ERR_UNMANAGED}, /* reserved */
		{5 * MiB, PMM_ERR_UNMANAGED}, /* the hole */
		{7 * MiB, PMM_ERR_UNMANAGED}, /* past the end */
		{UINT64_MAX & ~(PG - 1), PMM_ERR_UNMANAGED},
		{a + PG, PMM_ERR_NOT_ALLOCATED}, /* free */
	};
	for (size_t k = 0; k < N(bad); k++) {
		unsigned left = 99;
		assert_int_equal(pmm_ref(&p, bad[k].pa), bad[k].rc);
		assert_int_equal(pmm_unref(&p, bad[k].pa, &left), bad[k].rc);
		assert_int_equal(left, 99);
		assert_int_equal(pmm_refs(&p, bad[k].pa), 0);
	}
	assert_int_equal(pmm_refs(&p, a), 1);
	assert_int_equal(pmm_free_count(&p), f);
	/* An allocator that manages nothing refuses too. */
	struct pmm none = {0};
	assert_int_equal(pmm_ref(&none, a), PMM_ERR_UNMANAGED);
	assert_int_equal(pmm_refs(&none, a), 0);
}

static void test_ref_overflow_refused(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry map[] = {{MiB, 64 * PG, 1}};
	struct pmm p;
	init_ok(&p, map, 1, NULL, 0);
	uint64_t a = pmm_alloc(&p), f = pmm_free_count(&p);
	for (unsigned k = 1; k < PMM_REF_MAX; k++)
		assert_int_equal(pmm_ref(&p, a), PMM_OK);
	assert_int_equal(pmm_refs(&p, a), 65535);
	assert_int_equal(pmm_ref(&p, a), PMM_ERR_REF_OVERFLOW);
	assert_int_equal(pmm_refs(&p, a), 65535);
	unsigned left = 0, drops = 1;
	assert_int_equal(pmm_unref(&p, a, &left), PMM_OK);
	assert_int_equal(left, 65534);
	assert_int_equal(pmm_ref(&p, a), PMM_OK);
	assert_int_equal(pmm_refs(&p, a), 65535);
	for (left = 1; left; drops++)
		assert_int_equal(pmm_unref(&p, a, &left), PMM_OK);
	assert_int_equal(drops, 65536); /* the one before the re-ref, and 65535 */
	assert_int_equal(pmm_free_count(&p), f + 1);
}

/* The counts live after the bitmaps: exactly pmm_bitmap_bytes() of heap, so
 * that ASan catches a count stored past the end. */
static void check_refs_storage(uint64_t npages, size_t want)
{
	const struct mb2_mmap_entry map[] = {{MiB, npages * PG, 1}};
	size_t need = pmm_bitmap_bytes(map, 1);
	assert_int_equal(need, want);
	assert_int_equal(need % 8, 0);
	struct pmm p;
	void *store = malloc(need);
	memset(store, 0xA5, need); /* storage is not handed over zeroed */
	assert_int_equal(pmm_init_bitmap(&p, map, 1, NULL, 0, store, need - 8), PMM_ERR_BITMAP_SIZE);
	assert_int_equal(pmm_init_bitmap(&p, map, 1, NULL, 0, store, need), PMM_OK);
	for (uint64_t k = 0; k < npages; k++)
		assert_int_equal(p.refs[k], 0); /* free: count 0 */
	assert_int_equal(pmm_alloc_contig(&p, npages, 1), MiB);
	for (uint64_t k = 0; k < npages; k++) {
		assert_int_equal(pmm_ref(&p, MiB + k * PG), PMM_OK);
		assert_int_equal(pmm_refs(&p, MiB + k * PG), 2);
	}
	free(store);
}

static void test_bitmap_bytes_holds_refs(void **state)
{
	(void)state;
	/* 2 * 8 bytes per 64 pages of bitmap, then 2 bytes per page rounded to 8. */
	check_refs_storage(1, 16 + 8);
	check_refs_storage(3, 16 + 8);
	check_refs_storage(4, 16 + 8);
	check_refs_storage(5, 16 + 16);
	check_refs_storage(64, 16 + 128);
	check_refs_storage(65, 32 + 136);
}

/* The property test: random alloc / ref / unref / free against a model that
 * keeps one count per page of the span, compared after every step. */
#define PROP_PAGES 80
static const struct mb2_mmap_entry prop_map[] = {{MiB, 32 * PG, 1}, {MiB + 40 * PG, 40 * PG, 1}};
static const struct pmm_range prop_res[] = {{MiB + 50 * PG, MiB + 51 * PG}};

struct model {
	bool managed[PROP_PAGES];
	unsigned refs[PROP_PAGES];
	uint64_t free;
	unsigned seen[8][8]; /* op x -status: each outcome the run reached */
};

static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13; /* xorshift64 */
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Mostly an allocated page, else any page of the span or next to it, some misaligned. */
static uint64_t prop_pick(const struct model *m)
{
	uint64_t i = rng() % PROP_PAGES;
	for (unsigned tries = 0; rng() % 4 && tries < PROP_PAGES && !m->refs[i]; tries++)
		i = (i + 1) % PROP_PAGES;
	uint64_t pa = MiB + i * PG;
	if (rng() % 8 == 0)
		pa = MiB - 2 * PG + rng() % (PROP_PAGES + 4) * PG;
	if (rng() % 16 == 0)
		pa += 1 + rng() % (PG - 1);
	return pa;
}

/* What pmm_free_contig (sole) or pmm_ref / pmm_unref should answer. */
static int model_check(const struct model *m, uint64_t pa, uint64_t n, bool sole)
{
	if (pa % PG)
		return PMM_ERR_MISALIGNED;
	uint64_t i = (pa - MiB) / PG;
	if (pa < MiB || i > PROP_PAGES || n > PROP_PAGES - i)
		return PMM_ERR_UNMANAGED;
	for (uint64_t k = 0; k < n; k++)
		if (!m->managed[i + k])
			return PMM_ERR_UNMANAGED;
	for (uint64_t k = 0; k < n; k++)
		if (!m->refs[i + k])
			return PMM_ERR_NOT_ALLOCATED;
	for (uint64_t k = 0; sole && k < n; k++)
		if (m->refs[i + k] > 1)
			return PMM_ERR_SHARED;
	return PMM_OK;
}

/* The lowest run pmm_alloc_contig must return (first fit), or 0. */
static uint64_t model_first_fit(const struct model *m, uint64_t n, uint64_t align)
{
	for (uint64_t i = 0; i + n <= PROP_PAGES; i++) {
		uint64_t k = 0;
		while (k < n && m->managed[i + k] && !m->refs[i + k])
			k++;
		if (k == n && (MiB / PG + i) % align == 0)
			return MiB + i * PG;
	}
	return 0;
}

static void model_take(struct model *m, uint64_t pa, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = (pa - MiB) / PG + k;
		assert_true(m->managed[i]);
		assert_int_equal(m->refs[i], 0);
		m->refs[i] = 1;
	}
	m->free -= n;
}

static void model_compare(const struct pmm *p, const struct model *m)
{
	assert_int_equal(pmm_free_count(p), m->free);
	for (int i = -2; i < PROP_PAGES + 2; i++) {
		uint64_t pa = MiB + (uint64_t)(int64_t)i * PG;
		bool in = i >= 0 && i < PROP_PAGES;
		assert_int_equal(pmm_refs(p, pa), in ? m->refs[i] : 0);
		assert_int_equal(pmm_refs(p, pa + 8), 0);
		if (in && m->managed[i]) { /* inside: free exactly when the count is 0 */
			assert_int_equal(pmm_bit(p->free_map, (uint64_t)i), m->refs[i] == 0);
			assert_int_equal(p->refs[i], m->refs[i]);
		}
	}
}

/* One random operation on both; op is its row in m->seen. */
static void prop_step(struct pmm *p, struct model *m)
{
	unsigned op = rng() % 6, left = 99;
	uint64_t pa = prop_pick(m), n = 1 + rng() % 4, got;
	int rc = PMM_OK, want = PMM_OK;
	switch (op) {
	case 0:
		got = pmm_alloc(p);
		assert_int_equal(got == 0, m->free == 0);
		if (got)
			model_take(m, got, 1);
		rc = got ? PMM_OK : PMM_ERR_NO_MEMORY;
		break;
	case 1:
		got = pmm_alloc_contig(p, n, n == 3 ? 1 : n);
		assert_int_equal(got, model_first_fit(m, n, n == 3 ? 1 : n));
		if (got)
			model_take(m, got, n);
		rc = got ? PMM_OK : PMM_ERR_NO_MEMORY;
		break;
	case 2:
		want = model_check(m, pa, 1, false);
		if (want == PMM_OK && m->refs[(pa - MiB) / PG] == PMM_REF_MAX)
			want = PMM_ERR_REF_OVERFLOW;
		assert_int_equal(rc = pmm_ref(p, pa), want);
		if (rc == PMM_OK)
			m->refs[(pa - MiB) / PG]++;
		break;
	case 3:
		assert_int_equal(rc = pmm_unref(p, pa, &left), want = model_check(m, pa, 1, false));
		if (rc == PMM_OK) {
			unsigned *r = &m->refs[(pa - MiB) / PG];
			m->free += --*r == 0;
			assert_int_equal(left, *r);
			rc = *r ? PMM_OK : 1; /* row 3, column 1: a page freed by its last reference */
		} else {
			assert_int_equal(left, 99);
		}
		break;
	default:
		n = op == 4 ? 1 : n;
		want = model_check(m, pa, n, true);
		assert_int_equal(rc = op == 4 ? pmm_free(p, pa) : pmm_free_contig(p, pa, n), want);
		for (uint64_t k = 0; rc == PMM_OK && k < n; k++)
			m->refs[(pa - MiB) / PG + k] = 0;
		m->free += rc == PMM_OK ? n : 0;
		break;
	}
	m->seen[op][rc < 0 ? -rc : rc]++;
}

static void test_refs_match_model(void **state)
{
	(void)state;
	static const uint64_t seeds[] = {1, 0x9E3779B97F4A7C15ULL, 0xDEADBEEF, 42};
	struct model m;
	for (size_t s = 0; s < N(seeds); s++) {
		struct pmm p;
		memset(&m, 0, sizeof(m));
		init_ok(&p, prop_map, N(prop_map), prop_res, N(prop_res));
		for (int i = 0; i < PROP_PAGES; i++) {
			m.managed[i] = model_usable(prop_map, N(prop_map), prop_res, N(prop_res), MiB + i * PG);
			m.free += m.managed[i];
		}
		assert_int_equal(m.free, 71);
		rng_state = seeds[s];
		model_compare(&p, &m);
		for (int step = 0; step < 5000; step++) {
			prop_step(&p, &m);
			model_compare(&p, &m);
		}
		/* Not vacuous: the interesting outcomes all happened. */
		assert_true(m.seen[0][-PMM_ERR_NO_MEMORY] && m.seen[1][-PMM_ERR_NO_MEMORY]);
		assert_true(m.seen[2][0] && m.seen[2][-PMM_ERR_NOT_ALLOCATED] && m.seen[2][-PMM_ERR_UNMANAGED]);
		assert_true(m.seen[2][-PMM_ERR_MISALIGNED] && m.seen[3][0] && m.seen[3][1]);
		assert_true(m.seen[4][0] && m.seen[4][-PMM_ERR_SHARED] && m.seen[5][0] && m.seen[5][-PMM_ERR_SHARED]);
		assert_true(m.seen[5][-PMM_ERR_NOT_ALLOCATED] && m.seen[5][-PMM_ERR_UNMANAGED]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_map),
		cmocka_unit_test(test_reserved_ranges_never_returned),
		cmocka_unit_test(test_unsorted_overlapping_map),
		cmocka_unit_test(test_nothing_below_1mib),
		cmocka_unit_test(test_bitmap_too_small),
		cmocka_unit_test(test_alloc_contig_alignment),
		cmocka_unit_test(test_exhaustion_and_reuse),
		cmocka_unit_test(test_bad_frees_detected),
		cmocka_unit_test(test_huge_and_overflowing_entries),
		cmocka_unit_test(test_find_region_for_bitmap),
		cmocka_unit_test(test_init_places_its_bitmap),
		cmocka_unit_test(test_ref_keeps_page_until_last_unref),
		cmocka_unit_test(test_free_of_shared_page_refused),
		cmocka_unit_test(test_ref_refused_for_bad_addresses),
		cmocka_unit_test(test_ref_overflow_refused),
		cmocka_unit_test(test_bitmap_bytes_holds_refs),
		cmocka_unit_test(test_refs_match_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
