/* Guest RAM through the EPT (vmm/mem/gram.h, docs/memory.md). */
#include "vmm/mem/gram.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/string.h"
#include "vmm/mem/watch.h"
#include "vmm/vm.h"

#define PAGE_MASK (~(uint64_t)(PAGE_SIZE - 1))

/* The rights the CPU may enforce on a page its memory layer grants these:
 * less where a watch hides some (vmm/mem/watch.c). */
static unsigned gram_enforced(struct vm *vm, uint64_t page_gpa, unsigned granted)
{
	return granted & ~watch_hidden(vm, page_gpa);
}

/* The guest page leaves frame_pa: every snapshot lacking it keeps it. */
static void gram_preserve(struct vm *vm, uint64_t page_gpa, uint64_t frame_pa)
{
	unsigned took =
	    snapbook_preserve(&vm->snaps, (uint32_t)(page_gpa / PAGE_SIZE), (uint32_t)(frame_pa / PAGE_SIZE), -1);
	while (took--)
		mm_ref_page(frame_pa);
}

enum gram_status gram_make_writable(struct vm *vm, uint64_t gpa, void **p)
{
	struct ept_leaf leaf;
	if (!ept_lookup(&vm->ept, gpa, &leaf))
		return GRAM_NOT_RAM;
	if (leaf.granted & EPT_PAGE_W) {
		*p = phys_to_virt(leaf.hpa);
		return GRAM_OK;
	}
	uint64_t page = gpa & PAGE_MASK, frame = leaf.hpa & PAGE_MASK, own = frame;
	gram_preserve(vm, page, frame);
	if (mm_page_refs(frame) > 1) {
		own = mm_alloc_page_uninit();
		if (!own)
			return GRAM_NO_MEMORY;
		memcpy(phys_to_virt(own), phys_to_virt(frame), PAGE_SIZE);
	}
	bool lost;
	if (!ept_set_page(&vm->ept, page, own, EPT_PAGE_RWX, gram_enforced(vm, page, EPT_PAGE_RWX), &lost)) {
		if (own != frame)
			mm_unref_page(own);
		return GRAM_NO_MEMORY; /* the 2 MiB leaf's split found no page */
	}
	if (own != frame) {
		mm_unref_page(frame);
		vm->mem.copies++;
	}
	vm->mem.write_faults++;
	if (vm->dirty.on && !vm->dirty.pml)
		vm->mem.dirty_pages++;
	if (lost)
		ept_invalidate(vm->vcpu.caps, &vm->ept);
	*p = (uint8_t *)phys_to_virt(own) + (gpa & (PAGE_SIZE - 1));
	return GRAM_OK;
}

/* Inside RAM, and inside one page unless RAM is one block. */
static bool vm_span_ok(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->opts.mem || len > vm->opts.mem - gpa)
		return false;
	return vm->ram || !len || !((gpa ^ (gpa + len - 1)) >> 12);
}

const void *vm_gpa_read(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!vm_span_ok(vm, gpa, len))
		return 0;
	return vm->ram ? vm->ram + gpa : gram_read_ptr(vm, gpa);
}

void *vm_gpa_write(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!vm_span_ok(vm, gpa, len))
		return 0;
	if (vm->ram)
		return vm->ram + gpa;
	void *p;
	enum gram_status st = gram_make_writable(vm, gpa, &p);
	if (st == GRAM_OK)
		return p;
	if (st == GRAM_NO_MEMORY && !vm_ended(vm))
		vm_end(vm, VM_CRASHED, "no host memory for a copy of guest page 0x%lx that Kestrel writes for it",
		       gpa & ~(uint64_t)0xFFF);
	return 0;
}

const void *gram_read_ptr(struct vm *vm, uint64_t gpa)
{
	struct ept_leaf leaf;
	return ept_lookup(&vm->ept, gpa, &leaf) ? phys_to_virt(leaf.hpa) : 0;
}

bool gram_read(struct vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t n = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		n = n < len ? n : len;
		const void *p = vm->ram ? vm_gpa_read(vm, gpa, n) : gram_read_ptr(vm, gpa);
		if (!p)
			return false;
		memcpy(out, p, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return true;
}

uint64_t gram_protect_all(struct vm *vm)
{
	vm->ram = 0; /* writes are tracked from now on */
	uint64_t n = ept_write_protect_all(&vm->ept);
	if (n)
		ept_invalidate(vm->vcpu.caps, &vm->ept);
	return n;
}

struct share {
	struct vm *dst;
	bool ok;
};

static void share_leaf(void *ctx, uint64_t gpa, const struct ept_leaf *leaf)
{
	struct share *s = ctx;
	if (!s->ok)
		return;
	if (!ept_map_range(&s->dst->ept, gpa, leaf->hpa, leaf->size)) {
		s->ok = false;
		return;
	}
	for (uint64_t off = 0; off < leaf->size; off += PAGE_SIZE)
		mm_ref_page(leaf->hpa + off);
}

bool gram_share(struct vm *dst, struct vm *src)
{
	struct share s = {dst, true};
	ept_for_each_leaf(&src->ept, share_leaf, &s);
	if (!s.ok)
		return false;
	gram_protect_all(src);
	dst->ram = 0;
	ept_write_protect_all(&dst->ept); /* a new EPT, never used: nothing cached to invalidate */
	return true;
}

static void release_leaf(void *ctx, uint64_t gpa, const struct ept_leaf *leaf)
{
	struct vm *vm = ctx;
	for (uint64_t off = 0; off < leaf->size; off += PAGE_SIZE) {
		gram_preserve(vm, gpa + off, leaf->hpa + off);
		mm_unref_page(leaf->hpa + off);
	}
}

void gram_release(struct vm *vm)
{
	if (vm->ept.pml4_pa) {
		ept_for_each_leaf(&vm->ept, release_leaf, vm);
		/* Its tables may come back as another EPT's: nothing cached may
		 * outlive them (SDM 3C 29.4.3.4). */
		if (vm->vcpu.caps)
			ept_invalidate(vm->vcpu.caps, &vm->ept);
	}
	ept_destroy(&vm->ept);
	vm->ram = 0;
}

struct count {
	uint64_t own, shared;
};

static void count_leaf(void *ctx, uint64_t gpa, const struct ept_leaf *leaf)
{
	(void)gpa;
	struct count *c = ctx;
	for (uint64_t off = 0; off < leaf->size; off += PAGE_SIZE) {
		if (mm_page_refs(leaf->hpa + off) > 1)
			c->shared++;
		else
			c->own++;
	}
}

void gram_count(struct vm *vm, uint64_t *private_pages, uint64_t *shared_pages)
{
	struct count c = {0, 0};
	ept_for_each_leaf(&vm->ept, count_leaf, &c);
	*private_pages = c.own;
	*shared_pages = c.shared;
}
