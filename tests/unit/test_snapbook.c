/* Host tests for vmm/mem/snapbook.c: a VM's pages driven through writes,
 * snapshots, rewinds and drops the way vmm/mem/gram.c and vmm/snapshot.c
 * drive them (preserve before a write, copy a shared frame, map a
 * snapshot's frames back on rewind), against a model that keeps a full copy
 * of RAM per snapshot. Frames are slots of an array here, with reference
 * counts, so that leaks and double frees show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/mem/snapbook.c"

#define PAGES 64
#define FRAMES 2048

static uint32_t content[FRAMES]; /* a frame's whole "page": one number */
static unsigned refs[FRAMES];
static uint32_t vm_frame[PAGES]; /* the VM's EPT: page -> frame */
static uint32_t model[SNAP_MAX][PAGES];
static struct snap_book book;
static void *storage[SNAP_MAX];
static unsigned copies;

static uint32_t frame_alloc(void)
{
	for (uint32_t f = 1; f < FRAMES; f++)
		if (!refs[f]) {
			refs[f] = 1;
			return f;
		}
	fail_msg("out of frames");
	return 0;
}

static void frame_unref(void *ctx, uint32_t f)
{
	(void)ctx;
	assert_true(refs[f] > 0);
	refs[f]--;
}

/* A guest write, as the EPT violation handler does it. */
static void vm_write(uint32_t page, uint32_t value)
{
	uint32_t f = vm_frame[page];
	refs[f] += snapbook_preserve(&book, page, f, -1);
	if (refs[f] > 1) {
		uint32_t n = frame_alloc();
		content[n] = content[f];
		frame_unref(0, f);
		vm_frame[page] = n;
		copies++;
	}
	content[vm_frame[page]] = value;
}

static void take(unsigned i)
{
	storage[i] = calloc(1, snapbook_bytes(PAGES));
	snapbook_take(&book, i, storage[i]);
	for (uint32_t p = 0; p < PAGES; p++)
		model[i][p] = content[vm_frame[p]];
}

/* Each page that may differ gets the snapshot's frame back; snapshots that
 * do not hold the VM's frame yet keep it first. Returns the pages mapped. */
static uint32_t rewind_to(unsigned i)
{
	struct snap_pages *s = &book.s[i];
	uint32_t n = s->ndiffers;
	for (uint32_t k = 0; k < s->ndiffers; k++) {
		uint32_t p = s->differs[k], f = vm_frame[p], g = s->saved[p];
		assert_int_not_equal(g, 0); /* what differs was held aside first */
		refs[f] += snapbook_preserve(&book, p, f, (int)i);
		refs[g]++;
		frame_unref(0, f);
		vm_frame[p] = g;
	}
	snapbook_rewound(&book, i);
	return n;
}

static void drop(unsigned i)
{
	snapbook_drop(&book, i, frame_unref, 0);
	free(storage[i]);
}

static void expect_ram(unsigned i)
{
	for (uint32_t p = 0; p < PAGES; p++)
		assert_int_equal(content[vm_frame[p]], model[i][p]);
}

/* Frames in use are exactly the VM's and the snapshots' references. */
static void expect_refs(void)
{
	unsigned want[FRAMES] = {0};
	for (uint32_t p = 0; p < PAGES; p++) {
		want[vm_frame[p]]++;
		for (unsigned i = 0; i < SNAP_MAX; i++)
			if ((book.used >> i) & 1 && book.s[i].saved[p])
				want[book.s[i].saved[p]]++;
	}
	for (uint32_t f = 1; f < FRAMES; f++)
		assert_int_equal(refs[f], want[f]);
}

static int fresh(void **state)
{
	(void)state;
	memset(refs, 0, sizeof(refs));
	snapbook_init(&book, PAGES);
	for (uint32_t p = 0; p < PAGES; p++) {
		vm_frame[p] = frame_alloc();
		content[vm_frame[p]] = 1000 + p;
	}
	copies = 0;
	return 0;
}

static unsigned frames_used(void)
{
	unsigned n = 0;
	for (uint32_t f = 1; f < FRAMES; f++)
		n += refs[f] != 0;
	return n;
}

/* One snapshot: the first write to a page copies it once, a second write
 * to it copies nothing; a rewind maps back exactly the pages written and
 * costs no copy; after it, the same pages copy again on their next write. */
static void test_first_write_copies_once(void **state)
{
	(void)state;
	take(0);
	vm_write(3, 7);
	vm_write(3, 8);
	vm_write(9, 1);
	assert_int_equal(copies, 2);
	assert_int_equal(book.s[0].nsaved, 2);
	assert_int_equal(book.s[0].ndiffers, 2);
	assert_int_equal(frames_used(), PAGES + 2);
	assert_int_equal(rewind_to(0), 2);
	expect_ram(0);
	expect_refs();
	assert_int_equal(frames_used(), PAGES); /* the copies went back */
	assert_int_equal(book.s[0].ndiffers, 0);
	assert_int_equal(rewind_to(0), 0); /* nothing written since: nothing to do */
	vm_write(3, 5);
	assert_int_equal(copies, 3);
	assert_int_equal(rewind_to(0), 1);
	expect_ram(0);
	drop(0);
	expect_refs();
	assert_int_equal(frames_used(), PAGES);
}

/* Two snapshots: a page unchanged since the first is kept once for both
 * (one frame, two references); rewinding to the older keeps the newer
 * valid, and the newer can be rewound to afterwards. */
static void test_two_snapshots_share_and_stay_valid(void **state)
{
	(void)state;
	take(0);
	vm_write(1, 11);
	take(1);
	vm_write(2, 22); /* unchanged since both: one frame kept for both */
	assert_int_equal(book.s[0].saved[2], book.s[1].saved[2]);
	vm_write(1, 12);
	assert_int_equal(rewind_to(0), 2);
	expect_ram(0);
	expect_refs();
	assert_int_equal(rewind_to(1), 2);
	expect_ram(1);
	expect_refs();
	assert_int_equal(rewind_to(0), 2);
	expect_ram(0);
	drop(0);
	drop(1);
	expect_refs();
	assert_int_equal(frames_used(), PAGES);
}

/* Random writes, snapshots, rewinds and drops over all slots: RAM equals
 * the model after every rewind, references always add up, and when all
 * is dropped only the VM's own frames are left. */
static void test_random_against_model(void **state)
{
	(void)state;
	srand(12);
	unsigned used = 0;
	for (unsigned step = 0; step < 20000; step++) {
		unsigned op = (unsigned)rand() % 100, i = (unsigned)rand() % SNAP_MAX;
		if (op < 80) {
			vm_write((uint32_t)rand() % PAGES, (uint32_t)rand());
		} else if (op < 85 && !(used & (1u << i))) {
			take(i);
			used |= 1u << i;
		} else if (op < 97 && (used & (1u << i))) {
			rewind_to(i);
			expect_ram(i);
		} else if (used & (1u << i)) {
			drop(i);
			used &= ~(1u << i);
		}
		if (step % 97 == 0)
			expect_refs();
	}
	for (unsigned i = 0; i < SNAP_MAX; i++)
		if (used & (1u << i))
			drop(i);
	expect_refs();
	assert_int_equal(frames_used(), PAGES);
}

/* The storage size: two lists of 4-byte entries, each 8-aligned, and a
 * bitmap of whole 64-bit words. */
static void test_bytes(void **state)
{
	(void)state;
	assert_int_equal(snapbook_bytes(1), 8 + 8 + 8);
	assert_int_equal(snapbook_bytes(64), 256 + 256 + 8);
	assert_int_equal(snapbook_bytes(32768), 131072 + 131072 + 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_write_copies_once, fresh),
		cmocka_unit_test_setup(test_two_snapshots_share_and_stay_valid, fresh),
		cmocka_unit_test_setup(test_random_against_model, fresh),
		cmocka_unit_test(test_bytes),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
