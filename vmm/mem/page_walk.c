/* The page walk of a data access: 32-bit paging with 4 MiB pages (SDM 3A
 * 4.3), PAE from the PDPTE registers (4.4), 4-level (4.5); access rights
 * with CR0.WP and CR4.SMAP (4.6), the page-fault error code (4.7), accessed
 * and dirty bits (4.8). No TLB: every call walks from CR3. */
#include "vmm/mem/page_walk.h"

#define CR0_WP   (1ull << 16)
#define CR0_PG   (1ull << 31)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_SMAP (1ull << 21)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A  (1ull << 5)
#define PTE_D  (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)

#define ADDR32_TABLE 0xFFFFF000ull /* 32-bit paging: CR3 and non-leaf entries */
#define ADDR32_4M    0xFFC00000ull

/* One walk in progress: what it has used so far. */
struct walk {
	const struct page_walk_regs *r;
	const struct page_walk_mem *m;
	uint64_t gla;
	unsigned access;
	unsigned size;   /* bytes per entry: 4 (32-bit paging) or 8 */
	bool four_level; /* 51:M reserved, not 62:M as in PAE (SDM 3A 4.4.2, 4.5.4) */
	uint64_t entry_gpa[4], entry[4];
	unsigned used;
	bool writable, user; /* R/W and U/S are 1 in every entry used */
};

static uint64_t bits(unsigned hi, unsigned lo)
{
	return ((hi >= 63 ? 0 : 1ull << (hi + 1)) - (1ull << lo));
}

static bool user_access(const struct walk *w)
{
	return w->r->cpl == 3 && !(w->access & PAGE_WALK_IMPLICIT);
}

static enum page_walk_status fault(const struct walk *w, uint32_t why, struct page_walk_result *out)
{
	out->error = why | (w->access & PAGE_WALK_WRITE ? PF_W : 0) | (user_access(w) ? PF_U : 0);
	return PAGE_WALK_FAULT;
}

/* A large page at this level: 4 MiB with CR4.PSE (32-bit), 2 MiB, or 1 GiB
 * in 4-level paging; PS in a PML4E is reserved instead. */
static bool is_large(const struct walk *w, unsigned shift, uint64_t e)
{
	if (!(e & PTE_PS))
		return false;
	if (w->size == 4)
		return shift == 22 && (w->r->cr4 & CR4_PSE);
	return shift == 21 || shift == 30;
}

/* Reserved bits of a present entry (the entry formats of SDM 3A 4.3, 4.4.2
 * and 4.5.4): physical-address bits at or above MAXPHYADDR, XD without
 * EFER.NXE, PS in a PML4E, the low address bits of a large page. */
static uint64_t reserved(const struct walk *w, unsigned shift, uint64_t e)
{
	unsigned m = w->r->maxphyaddr;
	if (w->size == 4) {
		if (!is_large(w, shift, e))
			return 0;
		/* PDE bits 20:13 hold physical-address bits 39:32 (PSE-36) */
		unsigned high = m > 40 ? 40 : (m < 32 ? 32 : m);
		return (1ull << 21) | (high < 40 ? bits(20, 13 + high - 32) : 0);
	}
	uint64_t rsv = bits(w->four_level ? 51 : 62, m);
	if (!(w->r->efer & EFER_NXE))
		rsv |= PTE_XD;
	if (shift == 39)
		rsv |= PTE_PS;
	else if (is_large(w, shift, e))
		rsv |= bits(shift - 1, 13);
	return rsv;
}

static uint64_t page_base(const struct walk *w, unsigned shift, uint64_t e)
{
	if (w->size == 4 && shift == 22)
		return (e & ADDR32_4M) | (((e >> 13) & 0xFF) << 32);
	if (w->size == 4)
		return e & ADDR32_TABLE;
	return e & bits(w->r->maxphyaddr - 1, shift);
}

/* SDM 3A 4.6.1: user-mode accesses need U/S everywhere, and R/W for a write;
 * supervisor writes need R/W only with CR0.WP; with CR4.SMAP a supervisor
 * access to a user-mode page faults unless explicit with RFLAGS.AC = 1. */
static bool allowed(const struct walk *w)
{
	bool write = w->access & PAGE_WALK_WRITE;
	if (user_access(w))
		return w->user && (!write || w->writable);
	if (w->user && (w->r->cr4 & CR4_SMAP) && ((w->access & PAGE_WALK_IMPLICIT) || !w->r->ac))
		return false;
	return !write || w->writable || !(w->r->cr0 & CR0_WP);
}

/* Accessed in every entry used, dirty in the last one for a write (SDM 3A
 * 4.8), and only once the access is allowed, as Bochs does. SDM 3A 6.15
 * (interrupt 14, a footnote) has a protection fault set the PDE's accessed
 * flag and leaves the PTE's model specific: a fault here sets none. */
static bool mark_used(const struct walk *w)
{
	for (unsigned i = 0; i < w->used; i++) {
		uint64_t e = w->entry[i] | PTE_A;
		if (i == w->used - 1 && (w->access & PAGE_WALK_WRITE))
			e |= PTE_D;
		if (e != w->entry[i] && !w->m->write(w->m->ctx, w->entry_gpa[i], w->size, e))
			return false;
	}
	return true;
}

static enum page_walk_status walk_from(struct walk *w, uint64_t table, unsigned shift, struct page_walk_result *out)
{
	unsigned index_bits = w->size == 4 ? 10 : 9;
	for (;; shift -= index_bits) {
		uint64_t gpa = table + ((w->gla >> shift) & ((1u << index_bits) - 1)) * w->size, e;
		if (!w->m->read(w->m->ctx, gpa, w->size, &e)) {
			out->gpa = gpa;
			return PAGE_WALK_NO_RAM;
		}
		if (!(e & PTE_P))
			return fault(w, 0, out);
		if (e & reserved(w, shift, e))
			return fault(w, PF_P | PF_RSVD, out);
		w->entry_gpa[w->used] = gpa;
		w->entry[w->used++] = e;
		w->writable = w->writable && (e & PTE_RW);
		w->user = w->user && (e & PTE_US);
		if (shift == 12 || is_large(w, shift, e)) {
			if (!allowed(w))
				return fault(w, PF_P, out);
			out->gpa = page_base(w, shift, e) + (w->gla & ((1ull << shift) - 1));
			if (!mark_used(w)) {
				out->gpa = w->entry_gpa[0];
				return PAGE_WALK_NO_RAM;
			}
			return PAGE_WALK_OK;
		}
		table = w->size == 4 ? e & ADDR32_TABLE : e & bits(w->r->maxphyaddr - 1, 12);
	}
}

enum page_walk_status page_walk(const struct page_walk_regs *r, const struct page_walk_mem *m, uint64_t gla,
                                unsigned access, struct page_walk_result *out)
{
	struct walk w = {.r = r, .m = m, .gla = gla, .access = access, .size = 8, .writable = true, .user = true};
	out->error = 0;
	if (!(r->cr0 & CR0_PG)) {
		out->gpa = gla & 0xFFFFFFFF;
		return PAGE_WALK_OK;
	}
	if (r->efer & EFER_LMA) {
		w.four_level = true;
		return walk_from(&w, r->cr3 & bits(r->maxphyaddr - 1, 12), 39, out);
	}
	w.gla = gla & 0xFFFFFFFF;
	if (!(r->cr4 & CR4_PAE)) {
		w.size = 4;
		return walk_from(&w, r->cr3 & ADDR32_TABLE, 22, out);
	}
	/* PDPTEs carry no R/W, U/S or accessed bit; their reserved bits were
	 * checked when they were loaded (SDM 3A 4.4.1). */
	uint64_t pdpte = r->pdpte[(w.gla >> 30) & 3];
	if (!(pdpte & PTE_P))
		return fault(&w, 0, out);
	return walk_from(&w, pdpte & bits(r->maxphyaddr - 1, 12), 21, out);
}
