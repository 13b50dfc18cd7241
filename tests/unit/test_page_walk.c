/* Host tests for the guest page walk (vmm/mem/page_walk.c): the three paging
 * modes, access rights with CR0.WP, U/S and CR4.SMAP, reserved bits, the #PF
 * error code and the accessed/dirty bits, over a fake guest RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/mem/page_walk.c"

#define RAM_SIZE 0x100000
#define RW       (PTE_P | PTE_RW)
#define URW      (PTE_P | PTE_RW | PTE_US)

static uint8_t ram[RAM_SIZE];
static unsigned writes;

static bool fake_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)ctx;
	if (gpa + size > RAM_SIZE)
		return false;
	*val = 0;
	memcpy(val, ram + gpa, size);
	return true;
}

static bool fake_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)ctx;
	if (gpa + size > RAM_SIZE)
		return false;
	memcpy(ram + gpa, &val, size);
	writes++;
	return true;
}

static const struct page_walk_mem mem = {.read = fake_read, .write = fake_write};

static void put(uint64_t gpa, unsigned size, uint64_t v)
{
	memcpy(ram + gpa, &v, size);
}
static uint64_t get(uint64_t gpa, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, ram + gpa, size);
	return v;
}

static int reset(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	writes = 0;
	return 0;
}

/* 32-bit paging: CR3 0x1000, one page table at 0x2000 for 0x00400000-0x007FFFFF. */
static struct page_walk_regs regs32(void)
{
	return (struct page_walk_regs){.cr0 = CR0_PG | 1, .cr3 = 0x1000, .maxphyaddr = 39};
}

static void map32(uint64_t pde_flags, uint64_t gla, uint64_t gpa, uint64_t pte_flags)
{
	put(0x1000 + (gla >> 22) * 4, 4, 0x2000 | pde_flags);
	put(0x2000 + ((gla >> 12) & 1023) * 4, 4, gpa | pte_flags);
}

static enum page_walk_status walk(const struct page_walk_regs *r, uint64_t gla, unsigned access,
                                  struct page_walk_result *out)
{
	return page_walk(r, &mem, gla, access, out);
}

static void test_no_paging_is_identity(void **state)
{
	(void)state;
	struct page_walk_regs r = {.cr0 = 1};
	struct page_walk_result w;
	assert_int_equal(walk(&r, 0x123456789ull, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0x23456789);
	assert_int_equal(writes, 0);
}

/* SDM 3A 4.7: P = 0 for a not-present page; W/R and U/S say the access. */
static void test_not_present_error_codes(void **state)
{
	(void)state;
	struct page_walk_regs r = regs32();
	struct page_walk_result w;
	assert_int_equal(walk(&r, 0x400000, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, 0);
	map32(URW, 0x400000, 0x5000, 0);
	assert_int_equal(walk(&r, 0x400123, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_W);
	r.cpl = 3;
	assert_int_equal(walk(&r, 0x400123, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_W | PF_U);
	assert_int_equal(writes, 0);
}

/* SDM 3A 4.8: accessed at every level used, dirty in the PTE for a write. */
static void test_accessed_and_dirty(void **state)
{
	(void)state;
	struct page_walk_regs r = regs32();
	struct page_walk_result w;
	map32(RW, 0x400000, 0x5000, RW);
	assert_int_equal(walk(&r, 0x400ABC, 0, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0x5ABC);
	assert_int_equal(get(0x1004, 4), 0x2000 | RW | PTE_A);
	assert_int_equal(get(0x2000, 4), 0x5000 | RW | PTE_A);
	assert_int_equal(walk(&r, 0x400ABC, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
	assert_int_equal(get(0x1004, 4), 0x2000 | RW | PTE_A);
	assert_int_equal(get(0x2000, 4), 0x5000 | RW | PTE_A | PTE_D);
	writes = 0;
	assert_int_equal(walk(&r, 0x400ABC, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
	assert_int_equal(writes, 0); /* already set: nothing written */
}

/* SDM 3A 4.6.1: a supervisor write to a read-only page succeeds with
 * CR0.WP = 0; a user write never does. */
static void test_write_protect(void **state)
{
	(void)state;
	struct page_walk_regs r = regs32();
	struct page_walk_result w;
	map32(URW, 0x400000, 0x5000, PTE_P | PTE_US);
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
	assert_int_equal(get(0x2000, 4), 0x5000 | PTE_P | PTE_US | PTE_A | PTE_D);
	r.cr0 |= CR0_WP;
	put(0x2000, 4, 0x5000 | PTE_P | PTE_US);
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_W);
	assert_int_equal(get(0x2000, 4), 0x5000 | PTE_P | PTE_US); /* a fault sets no bit */
	r.cr0 &= ~CR0_WP;
	r.cpl = 3;
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_W | PF_U);
	assert_int_equal(walk(&r, 0x400000, 0, &w), PAGE_WALK_OK);
	/* R/W counts at every level: a read-only PDE makes the page read-only */
	map32(PTE_P | PTE_US, 0x400000, 0x5000, URW);
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_W | PF_U);
}

/* U/S must be 1 at every level for CPL 3; implicit accesses are supervisor. */
static void test_user_supervisor(void **state)
{
	(void)state;
	struct page_walk_regs r = regs32();
	struct page_walk_result w;
	r.cpl = 3;
	map32(URW, 0x400000, 0x5000, RW);
	assert_int_equal(walk(&r, 0x400000, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_U);
	map32(RW, 0x400000, 0x5000, URW);
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_W | PF_U);
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_IMPLICIT, &w), PAGE_WALK_OK);
	r.cpl = 0;
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
}

/* SDM 3A 4.6.1: with CR4.SMAP a supervisor access to a user page faults
 * unless RFLAGS.AC = 1 and the access is explicit. */
static void test_smap(void **state)
{
	(void)state;
	struct page_walk_regs r = regs32();
	struct page_walk_result w;
	map32(URW, 0x400000, 0x5000, URW);
	assert_int_equal(walk(&r, 0x400000, 0, &w), PAGE_WALK_OK);
	r.cr4 |= CR4_SMAP;
	assert_int_equal(walk(&r, 0x400000, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P);
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_W);
	r.ac = true;
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_IMPLICIT, &w), PAGE_WALK_FAULT);
	r.cpl = 3; /* user accesses are not SMAP's business */
	assert_int_equal(walk(&r, 0x400000, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
}

/* SDM 3A 4.3: PS in a PDE maps 4 MiB only with CR4.PSE; bit 21 is reserved,
 * bits 20:13 are physical-address bits 39:32 (below MAXPHYADDR). */
static void test_pse_4m_pages(void **state)
{
	(void)state;
	struct page_walk_regs r = regs32();
	struct page_walk_result w;
	put(0x1000 + 2 * 4, 4, 0x00C00000 | RW | PTE_PS);
	assert_int_equal(walk(&r, 0x812345, 0, &w), PAGE_WALK_NO_RAM); /* no PSE: a table at 0xC00000 */
	r.cr4 |= CR4_PSE;
	assert_int_equal(walk(&r, 0x812345, 0, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0xC12345);
	put(0x1000 + 2 * 4, 4, 0x00C00000 | RW | PTE_PS | (1u << 13));
	assert_int_equal(walk(&r, 0x812345, 0, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0x100C12345ull);
	put(0x1000 + 2 * 4, 4, 0x00C00000 | RW | PTE_PS | (1u << 21));
	assert_int_equal(walk(&r, 0x812345, PAGE_WALK_WRITE, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_W | PF_RSVD);
	put(0x1000 + 2 * 4, 4, 0x00C00000 | RW | PTE_PS | (1u << 20)); /* address bit 39 >= MAXPHYADDR 39 */
	assert_int_equal(walk(&r, 0x812345, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_RSVD);
}

/* SDM 3A 4.4: PAE translates through the PDPTE registers, not memory. */
static void test_pae(void **state)
{
	(void)state;
	struct page_walk_regs r = {.cr0 = CR0_PG | 1, .cr4 = CR4_PAE, .cr3 = 0xF000, .maxphyaddr = 39};
	struct page_walk_result w;
	put(0xF000 + 8, 8, 0x3000 | PTE_P); /* in memory, but not in the registers */
	assert_int_equal(walk(&r, 0x40000000, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, 0);
	r.pdpte[1] = 0x3000 | PTE_P;
	put(0x3000 + 1 * 8, 8, 0x4000 | URW);
	put(0x4000 + 5 * 8, 8, 0x7000 | URW);
	assert_int_equal(walk(&r, 0x40205ABC, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0x7ABC);
	assert_int_equal(get(0x3008, 8), 0x4000 | URW | PTE_A);
	assert_int_equal(get(0x4028, 8), 0x7000 | URW | PTE_A | PTE_D);
	put(0x3000 + 2 * 8, 8, 0x00A00000 | URW | PTE_PS); /* 2 MiB */
	assert_int_equal(walk(&r, 0x40512345, 0, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0xB12345);
	put(0x3000 + 2 * 8, 8, 0x00A00000 | URW | PTE_PS | (1u << 13));
	assert_int_equal(walk(&r, 0x40512345, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_RSVD);
	put(0x4000 + 5 * 8, 8, 0x7000 | URW | PTE_XD); /* XD without EFER.NXE */
	assert_int_equal(walk(&r, 0x40205ABC, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_RSVD);
	r.efer = EFER_NXE;
	assert_int_equal(walk(&r, 0x40205ABC, 0, &w), PAGE_WALK_OK);
	put(0x4000 + 5 * 8, 8, 0x7000 | URW | (1ull << 60)); /* PAE: 62:M reserved */
	assert_int_equal(walk(&r, 0x40205ABC, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_RSVD);
}

/* SDM 3A 4.5: four levels from CR3, 1 GiB and 2 MiB pages, PS reserved in
 * a PML4E, 51:M reserved and 62:52 ignored. */
static void test_four_level(void **state)
{
	(void)state;
	struct page_walk_regs r = {
	    .cr0 = CR0_PG | 1, .cr4 = CR4_PAE, .efer = EFER_LMA, .cr3 = 0x1000, .maxphyaddr = 40};
	struct page_walk_result w;
	uint64_t gla = 0x0000008040201ABCull; /* PML4 1, PDPT 1, PD 1, PT 1 */
	put(0x1000 + 8, 8, 0x2000 | URW);
	put(0x2000 + 8, 8, 0x3000 | URW);
	put(0x3000 + 8, 8, 0x4000 | URW);
	put(0x4000 + 8, 8, 0x9000 | URW | (1ull << 55));
	assert_int_equal(walk(&r, gla, PAGE_WALK_WRITE, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0x9ABC);
	for (unsigned t = 1; t <= 3; t++)
		assert_true(get(t * 0x1000 + 8, 8) & PTE_A);
	assert_int_equal(get(0x4008, 8), 0x9000 | URW | (1ull << 55) | PTE_A | PTE_D);
	put(0x4000 + 8, 8, 0x9000 | URW | (1ull << 40));
	assert_int_equal(walk(&r, gla, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_RSVD);
	put(0x2000 + 8, 8, 0x40000000 | URW | PTE_PS); /* 1 GiB */
	assert_int_equal(walk(&r, gla, 0, &w), PAGE_WALK_OK);
	assert_int_equal(w.gpa, 0x40201ABC);
	put(0x1000 + 8, 8, 0x2000 | URW | PTE_PS);
	assert_int_equal(walk(&r, gla, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_P | PF_RSVD);
	put(0x1000 + 8, 8, 0);
	r.cpl = 3;
	assert_int_equal(walk(&r, gla, 0, &w), PAGE_WALK_FAULT);
	assert_int_equal(w.error, PF_U);
}

/* A paging-structure entry outside guest RAM is not a #PF. */
static void test_entry_outside_ram(void **state)
{
	(void)state;
	struct page_walk_regs r = regs32();
	struct page_walk_result w;
	put(0x1000 + 4, 4, 0x00200000 | RW);
	assert_int_equal(walk(&r, 0x400000, 0, &w), PAGE_WALK_NO_RAM);
	assert_int_equal(w.gpa, 0x200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_no_paging_is_identity, reset),
	    cmocka_unit_test_setup(test_not_present_error_codes, reset),
	    cmocka_unit_test_setup(test_accessed_and_dirty, reset),
	    cmocka_unit_test_setup(test_write_protect, reset),
	    cmocka_unit_test_setup(test_user_supervisor, reset),
	    cmocka_unit_test_setup(test_smap, reset),
	    cmocka_unit_test_setup(test_pse_4m_pages, reset),
	    cmocka_unit_test_setup(test_pae, reset),
	    cmocka_unit_test_setup(test_four_level, reset),
	    cmocka_unit_test_setup(test_entry_outside_ram, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
