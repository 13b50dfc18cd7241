/* Host tests for vmm/vmx/ept.c, which builds tables but executes no VMX
 * instruction: guest RAM of sizes that are not 2 MiB multiples, mapped and
 * then walked here the way the CPU walks them (SDM 3C 29.3.2), with the
 * host's page allocator replaced by aligned_alloc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmx/ept.c"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define HPA_2M 0x40000000ull /* a 2 MiB-aligned host address for the RAM (never dereferenced) */

static unsigned pages_live, pages_left;

uint64_t mm_alloc_page(void)
{
	if (!pages_left)
		return 0;
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0, PAGE_SIZE);
	pages_left--;
	pages_live++;
	return (uint64_t)(uintptr_t)p;
}

void mm_free_contig(uint64_t pa, size_t npages)
{
	assert_int_equal(npages, 1);
	assert_int_equal(pa % PAGE_SIZE, 0);
	free((void *)(uintptr_t)pa);
	pages_live--;
}

/* ept_lookup's leaf as the separate values these tests compare. */
static bool look(const struct ept *ept, uint64_t gpa, uint64_t *hpa, unsigned *rights, uint64_t *size)
{
	struct ept_leaf leaf;
	if (!ept_lookup(ept, gpa, &leaf))
		return false;
	*hpa = leaf.hpa;
	*rights = leaf.rights;
	*size = leaf.size;
	return true;
}

static int fresh(void **state)
{
	(void)state;
	pages_live = 0;
	pages_left = 1000;
	return 0;
}

/* The walk, written from the SDM rather than from ept.c: a present entry
 * has any of R, W, X (bits 2:0); bit 7 in a PDE makes it a 2 MiB leaf;
 * leaves carry the memory type in bits 5:3. Returns the leaf's page size,
 * 0 when gpa is not mapped (the access would be an EPT violation). */
static uint64_t walk(const struct ept *ept, uint64_t gpa, uint64_t *hpa)
{
	const uint64_t *t = (const uint64_t *)(uintptr_t)ept->pml4_pa;
	for (unsigned level = 4;; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e = t[(gpa >> shift) & 511];
		if (!(e & 7))
			return 0;
		bool leaf = level == 1 || (level == 2 && (e & (1ull << 7)));
		assert_false(level > 2 && (e & (1ull << 7))); /* no 1 GiB pages */
		if (leaf) {
			assert_int_equal(e & 7, 7);                /* read, write, execute */
			assert_int_equal((e >> 3) & 7, 6);         /* write-back */
			uint64_t size = 1ull << shift;
			uint64_t frame = e & 0x000FFFFFFFFFF000ull & ~(size - 1);
			*hpa = frame | (gpa & (size - 1));
			return size;
		}
		assert_int_equal(e & 0xF8, 0); /* non-leaf: no memory type, no page size */
		t = (const uint64_t *)(uintptr_t)(e & 0x000FFFFFFFFFF000ull);
	}
}

/* Every 4 KiB of [0, ram) maps to hpa + gpa with a page of the expected
 * size (2 MiB where large says so), and the first page above it does not. */
static void expect_ram(const struct ept *ept, uint64_t ram, uint64_t hpa, uint64_t large_end)
{
	for (uint64_t gpa = 0; gpa < ram; gpa += PAGE_SIZE) {
		uint64_t got = 0, size = walk(ept, gpa + 0x123, &got);
		if (size != (gpa < large_end ? LARGE_PAGE_SIZE : PAGE_SIZE))
			fail_msg("GPA 0x%llx: page size 0x%llx", (unsigned long long)gpa, (unsigned long long)size);
		assert_int_equal(got, hpa + gpa + 0x123);
	}
	uint64_t got;
	for (uint64_t gpa = ram; gpa < ram + 4 * MIB; gpa += PAGE_SIZE)
		if (walk(ept, gpa, &got))
			fail_msg("GPA 0x%llx, beyond 0x%llx of RAM, is mapped", (unsigned long long)gpa,
				 (unsigned long long)ram);
	assert_int_equal(walk(ept, 1ull << 30, &got), 0);
	assert_int_equal(walk(ept, 1ull << 39, &got), 0);
}

static struct ept map(uint64_t ram, uint64_t hpa, bool large)
{
	struct ept ept;
	assert_true(ept_init(&ept, large));
	assert_true(ept_map_range(&ept, 0, hpa, ram));
	assert_int_equal(ept.tables, pages_live);
	return ept;
}

static void done(struct ept *ept)
{
	ept_destroy(ept);
	assert_int_equal(pages_live, 0);
	assert_int_equal(ept->pml4_pa, 0);
}

static void test_64k_takes_four_tables(void **state)
{
	(void)state;
	struct ept ept = map(64 * KIB, HPA_2M, true);
	expect_ram(&ept, 64 * KIB, HPA_2M, 0);
	assert_int_equal(ept.tables, 4); /* PML4, PDPT, PD, one page table */
	assert_int_equal(ept.pointer, ept.pml4_pa | 0x1E); /* walk length 4, write-back (SDM 3C 25.6.11) */
	done(&ept);
}

static void test_100k_maps_no_further(void **state)
{
	(void)state;
	struct ept ept = map(100 * KIB, 0x12345000, true); /* a host address with no 2 MiB alignment */
	expect_ram(&ept, 100 * KIB, 0x12345000, 0);
	assert_int_equal(ept.tables, 4);
	done(&ept);
}

static void test_large_pages_where_a_whole_2m_is_ram(void **state)
{
	(void)state;
	uint64_t ram = 5 * MIB + 12 * KIB;
	struct ept ept = map(ram, HPA_2M, true);
	expect_ram(&ept, ram, HPA_2M, 4 * MIB);
	assert_int_equal(ept.tables, 4); /* one page table, for 4 MiB .. 5 MiB + 12 KiB */
	done(&ept);
}

static void test_no_large_pages_without_2m_aligned_host_memory(void **state)
{
	(void)state;
	uint64_t ram = 2 * MIB + 4 * KIB, hpa = HPA_2M + PAGE_SIZE;
	struct ept ept = map(ram, hpa, true);
	expect_ram(&ept, ram, hpa, 0);
	assert_int_equal(ept.tables, 5); /* two page tables */
	done(&ept);
}

static void test_no_large_pages_when_the_cpu_has_none(void **state)
{
	(void)state;
	struct ept ept = map(4 * MIB, HPA_2M, false);
	expect_ram(&ept, 4 * MIB, HPA_2M, 0);
	assert_int_equal(ept.tables, 5);
	done(&ept);
}

static void test_a_whole_gib_of_large_pages(void **state)
{
	(void)state;
	struct ept ept = map(1ull << 30, HPA_2M, true);
	uint64_t got;
	assert_int_equal(walk(&ept, 0, &got), LARGE_PAGE_SIZE);
	assert_int_equal(walk(&ept, (1ull << 30) - 1, &got), LARGE_PAGE_SIZE);
	assert_int_equal(got, HPA_2M + (1ull << 30) - 1);
	assert_int_equal(walk(&ept, 1ull << 30, &got), 0);
	assert_int_equal(ept.tables, 3); /* no page table at all */
	done(&ept);
}

/* Out of host pages part-way: false, and ept_destroy gives back what was taken. */
static void test_out_of_pages(void **state)
{
	(void)state;
	for (unsigned n = 1; n < 4; n++) {
		pages_left = n;
		struct ept ept;
		assert_true(ept_init(&ept, true));
		assert_false(ept_map_range(&ept, 0, HPA_2M, 100 * KIB));
		assert_int_equal(ept.tables, n);
		done(&ept);
	}
	pages_left = 0;
	struct ept ept;
	assert_false(ept_init(&ept, true));
	done(&ept);
}

/* A 2 MiB leaf split for one page's rights: that page alone loses them,
 * its 511 neighbours and the rest of RAM translate as before, and one table
 * more is in use; giving the rights back and merging restores the 2 MiB leaf
 * and frees the table. */
static void test_protect_splits_and_merge_restores(void **state)
{
	(void)state;
	struct ept ept;
	assert_true(ept_init(&ept, true));
	assert_true(ept_map_range(&ept, 0, HPA_2M, 4 * MIB));
	unsigned tables = ept.tables, live = pages_live;
	uint64_t gpa = 2 * MIB + 5 * PAGE_SIZE, hpa, size;
	unsigned rights;
	bool lost;
	assert_true(ept_protect(&ept, gpa, EPT_PAGE_R, &lost));
	assert_true(lost); /* W and X went: INVEPT */
	assert_int_equal(ept.tables, tables + 1);
	assert_int_equal(pages_live, live + 1);
	assert_true(look(&ept, gpa + 123, &hpa, &rights, &size));
	assert_int_equal(hpa, HPA_2M + gpa + 123);
	assert_int_equal(rights, EPT_PAGE_R);
	assert_int_equal(size, PAGE_SIZE);
	for (uint64_t g = 2 * MIB; g < 4 * MIB; g += PAGE_SIZE) {
		if (g == gpa)
			continue;
		assert_true(look(&ept, g, &hpa, &rights, &size));
		assert_int_equal(hpa, HPA_2M + g);
		assert_int_equal(rights, EPT_PAGE_RWX);
		assert_int_equal(size, PAGE_SIZE);
	}
	assert_true(look(&ept, MIB, &hpa, &rights, &size));
	assert_int_equal(size, LARGE_PAGE_SIZE); /* the other 2 MiB is untouched */
	assert_false(ept_merge(&ept, gpa)); /* not uniform yet */
	assert_true(ept_protect(&ept, gpa, EPT_PAGE_RWX, &lost));
	assert_false(lost); /* rights only given back: no INVEPT needed */
	assert_true(ept_merge(&ept, gpa));
	assert_int_equal(ept.tables, tables);
	assert_int_equal(pages_live, live);
	assert_true(look(&ept, gpa, &hpa, &rights, &size));
	assert_int_equal(size, LARGE_PAGE_SIZE);
	assert_int_equal(hpa, HPA_2M + gpa);
	assert_int_equal(rights, EPT_PAGE_RWX);
	expect_ram(&ept, 4 * MIB, HPA_2M, 4 * MIB); /* the CPU's walk sees what it saw first */
	ept_destroy(&ept);
	assert_int_equal(pages_live, 0);
}

/* A page with no rights at all is still RAM to Kestrel: its rights come
 * back, and uniform no-access pages merge like any others. */
static void test_no_access_pages_stay_ram(void **state)
{
	(void)state;
	struct ept ept;
	assert_true(ept_init(&ept, true));
	assert_true(ept_map_range(&ept, 0, HPA_2M, 2 * MIB));
	bool lost;
	for (uint64_t g = 0; g < 2 * MIB; g += PAGE_SIZE)
		assert_true(ept_protect(&ept, g, 0, &lost));
	uint64_t hpa, size;
	unsigned rights;
	assert_true(look(&ept, 4096, &hpa, &rights, &size));
	assert_int_equal(rights, 0);
	assert_true(ept_merge(&ept, 0));
	assert_true(look(&ept, 4096, &hpa, &rights, &size));
	assert_int_equal(size, LARGE_PAGE_SIZE);
	assert_int_equal(rights, 0);
	assert_true(ept_protect(&ept, 4096, EPT_PAGE_RWX, &lost)); /* splits the no-access leaf */
	assert_false(lost);
	assert_true(look(&ept, 4096, &hpa, &rights, &size));
	assert_int_equal(rights, EPT_PAGE_RWX);
	assert_int_equal(hpa, HPA_2M + 4096);
	ept_destroy(&ept);
	assert_int_equal(pages_live, 0);
}

/* Refused, with nothing changed: rights the EPT cannot hold (write-only,
 * execute-only, bits beyond RWX), a page beyond RAM, a split without a
 * free page; and a merge of pages that do not map contiguous memory. */
static void test_protect_refuses(void **state)
{
	(void)state;
	struct ept ept;
	assert_true(ept_init(&ept, true));
	assert_true(ept_map_range(&ept, 0, HPA_2M, 2 * MIB + 8 * KIB));
	bool lost;
	unsigned tables = ept.tables;
	assert_false(ept_protect(&ept, 0, EPT_PAGE_W, &lost));
	assert_false(ept_protect(&ept, 0, EPT_PAGE_X, &lost));
	assert_false(ept_protect(&ept, 0, 8, &lost));
	assert_false(ept_protect(&ept, 2 * MIB + 8 * KIB, EPT_PAGE_R, &lost)); /* past RAM, same table */
	assert_false(ept_protect(&ept, 64 * MIB, EPT_PAGE_R, &lost));          /* no table at all */
	pages_left = 0;
	assert_false(ept_protect(&ept, 0, EPT_PAGE_R, &lost)); /* the split needs a page */
	assert_false(lost);
	assert_int_equal(ept.tables, tables);
	uint64_t hpa, size;
	unsigned rights;
	assert_true(look(&ept, 0, &hpa, &rights, &size));
	assert_int_equal(size, LARGE_PAGE_SIZE);
	assert_int_equal(rights, EPT_PAGE_RWX);
	assert_false(ept_merge(&ept, 2 * MIB)); /* 8 KiB of RAM in that 2 MiB: not a whole one */
	assert_false(look(&ept, 2 * MIB + 8 * KIB, &hpa, &rights, &size));
	ept_destroy(&ept);
	assert_int_equal(pages_live, 0);
}

/* A page moved to another frame (copy-on-write) with fewer granted rights:
 * that page alone translates to the new frame; the move counts as a loss
 * (INVEPT); enforced rights beyond the granted ones are refused. */
static void test_set_page_moves_one_page(void **state)
{
	(void)state;
	struct ept ept;
	assert_true(ept_init(&ept, true));
	assert_true(ept_map_range(&ept, 0, HPA_2M, 2 * MIB));
	bool lost;
	uint64_t other = 0x7654000;
	assert_false(ept_set_page(&ept, 8 * KIB, other, EPT_PAGE_R | EPT_PAGE_X, EPT_PAGE_RWX, &lost));
	assert_true(ept_set_page(&ept, 8 * KIB, other, EPT_PAGE_RWX, EPT_PAGE_RWX, &lost));
	assert_true(lost); /* the old frame's translation must go */
	struct ept_leaf leaf;
	assert_true(ept_lookup(&ept, 8 * KIB + 5, &leaf));
	assert_int_equal(leaf.hpa, other + 5);
	assert_int_equal(leaf.size, PAGE_SIZE);
	assert_true(ept_lookup(&ept, 12 * KIB, &leaf));
	assert_int_equal(leaf.hpa, HPA_2M + 12 * KIB);
	/* Same frame, a right given: nothing lost. */
	assert_true(ept_set_page(&ept, 12 * KIB, HPA_2M + 12 * KIB, EPT_PAGE_RWX, EPT_PAGE_RWX, &lost));
	assert_false(lost);
	/* A watch hides W: granted stays RWX, the CPU sees R X. */
	assert_true(ept_protect(&ept, 12 * KIB, EPT_PAGE_R | EPT_PAGE_X, &lost));
	assert_true(lost);
	assert_true(ept_lookup(&ept, 12 * KIB, &leaf));
	assert_int_equal(leaf.rights, EPT_PAGE_R | EPT_PAGE_X);
	assert_int_equal(leaf.granted, EPT_PAGE_RWX);
	ept_destroy(&ept);
	assert_int_equal(pages_live, 0);
}

static unsigned leaves_seen, leaves_writable;
static uint64_t leaf_bytes;

static void count_leaf(void *ctx, uint64_t gpa, const struct ept_leaf *leaf)
{
	uint64_t *next = ctx;
	assert_int_equal(gpa, *next); /* address order, no gaps */
	*next = gpa + leaf->size;
	leaves_seen++;
	leaf_bytes += leaf->size;
	leaves_writable += (leaf->rights & EPT_PAGE_W) || (leaf->granted & EPT_PAGE_W);
}

/* Write protection of all RAM touches each leaf once, 2 MiB leaves whole
 * (a snapshot's cost is its EPT entries, not its pages), and the walk of
 * every leaf sees all RAM with W gone, granted and enforced. */
static void test_write_protect_all(void **state)
{
	(void)state;
	struct ept ept;
	assert_true(ept_init(&ept, true));
	assert_true(ept_map_range(&ept, 0, HPA_2M, 4 * MIB + 12 * KIB));
	bool lost;
	assert_true(ept_protect(&ept, 16 * KIB, EPT_PAGE_R, &lost)); /* splits the first 2 MiB */
	/* 512 4 KiB leaves, one 2 MiB leaf, 3 4 KiB leaves; one had no W. */
	assert_int_equal(ept_write_protect_all(&ept), 512 + 1 + 3 - 1);
	assert_int_equal(ept_write_protect_all(&ept), 0);
	uint64_t next = 0;
	leaves_seen = leaves_writable = 0;
	leaf_bytes = 0;
	ept_for_each_leaf(&ept, count_leaf, &next);
	assert_int_equal(leaves_seen, 516);
	assert_int_equal(leaf_bytes, 4 * MIB + 12 * KIB);
	assert_int_equal(leaves_writable, 0);
	struct ept_leaf leaf;
	assert_true(ept_lookup(&ept, 3 * MIB, &leaf));
	assert_int_equal(leaf.size, LARGE_PAGE_SIZE);
	assert_int_equal(leaf.rights, EPT_PAGE_R | EPT_PAGE_X);
	/* A split of a protected 2 MiB leaf passes its rights on. */
	assert_true(ept_set_page(&ept, 3 * MIB, HPA_2M + 3 * MIB, EPT_PAGE_RWX, EPT_PAGE_RWX, &lost));
	assert_true(ept_lookup(&ept, 3 * MIB + PAGE_SIZE, &leaf));
	assert_int_equal(leaf.size, PAGE_SIZE);
	assert_int_equal(leaf.granted, EPT_PAGE_R | EPT_PAGE_X);
	assert_true(ept_lookup(&ept, 3 * MIB, &leaf));
	assert_int_equal(leaf.granted, EPT_PAGE_RWX);
	ept_destroy(&ept);
	assert_int_equal(pages_live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_set_page_moves_one_page, fresh),
		cmocka_unit_test_setup(test_write_protect_all, fresh),
		cmocka_unit_test_setup(test_64k_takes_four_tables, fresh),
		cmocka_unit_test_setup(test_100k_maps_no_further, fresh),
		cmocka_unit_test_setup(test_large_pages_where_a_whole_2m_is_ram, fresh),
		cmocka_unit_test_setup(test_no_large_pages_without_2m_aligned_host_memory, fresh),
		cmocka_unit_test_setup(test_no_large_pages_when_the_cpu_has_none, fresh),
		cmocka_unit_test_setup(test_a_whole_gib_of_large_pages, fresh),
		cmocka_unit_test_setup(test_out_of_pages, fresh),
		cmocka_unit_test_setup(test_protect_splits_and_merge_restores, fresh),
		cmocka_unit_test_setup(test_no_access_pages_stay_ram, fresh),
		cmocka_unit_test_setup(test_protect_refuses, fresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
