/*
 * Snapshots (docs/memory.md, "Snapshots"). Taking one copies no RAM: it
 * write-protects every EPT leaf (2 MiB leaves whole), and each page's first
 * write afterwards leaves the old frame to the snapshot and gives the guest
 * a copy (vmm/mem/gram.c). A rewind maps the snapshot's frames back into
 * the pages written since, read-only again, and copies nothing either; the
 * VCPU and the devices come back from the snapshot's copy of them.
 *
 * Time: the guest's TSC offset is not rewound. A rewound guest finds its
 * TSC, its RTC and its timers where the host's time is, as a guest does
 * that was paused from the snapshot until the rewind; its clock never runs
 * backwards against the host's.
 */
#include "vmm/snapshot.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/mem/gram.h"
#include "vmm/mem/watch.h"
#include "vmm/vm.h"

int snapshot_find(const struct vm *vm, const char *tag)
{
	for (int i = 0; i < SNAP_MAX; i++)
		if (vm->snap[i] && !strcmp(vm->snap[i]->tag, tag))
			return i;
	return -1;
}

static size_t snapshot_pages(const struct vm *vm)
{
	size_t bytes = sizeof(struct snapshot) + snapbook_bytes(vm->snaps.npages);
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Host memory a snapshot may come to need: its bookkeeping now, and up to
 * a copy of every page the guest writes while it is kept. Refused when
 * the host has not even the RAM of the guest left, so that writes do not
 * find the host out of pages soon after. */
static bool snapshot_room(const struct vm *vm)
{
	return mm_free_pages() >= snapshot_pages(vm) + vm->opts.mem / PAGE_SIZE;
}

static void snapshot_state_save(struct vm *vm, struct snapshot *s)
{
	vcpu_save(&vm->vcpu, &s->cpu);
	isa_advance(&vm->isa, rdtsc());
	isa_copy(&s->isa, &vm->isa, vm);
	s->state = vm->state == VM_PAUSED ? vm->paused_from : vm->state;
	s->intr = vm->intr;
	s->intr_held_until = vm->intr_held_until;
	s->last_inject = vm->last_inject;
}

const char *snapshot_take(struct vm *vm, const char *tag, const struct snapshot **out)
{
	if (vm_ended(vm) || vm->restarting)
		return vm->restarting ? "it is restarting" : "it has ended";
	if (vm->watch.step.on)
		return "it is stepping over a watch; try again";
	int slot = snapshot_find(vm, tag);
	if (slot >= 0)
		return "that tag is taken (forget it first)";
	for (int i = 0; i < SNAP_MAX && slot < 0; i++)
		if (!vm->snap[i])
			slot = i;
	if (slot < 0)
		return "it has 4 snapshots already (forget one)";
	if (!snapshot_room(vm))
		return "not enough host memory (a snapshot keeps up to a copy of the guest's RAM)";
	size_t pages = snapshot_pages(vm);
	uint64_t pa = mm_alloc_contig(pages, 1);
	if (!pa)
		return "not enough contiguous host memory for its bookkeeping";
	struct snapshot *s = phys_to_virt(pa);
	s->pages = pages;
	fmt_snprintf(s->tag, sizeof(s->tag), "%s", tag);
	snapshot_state_save(vm, s);
	snapbook_take(&vm->snaps, (unsigned)slot, (uint8_t *)s + sizeof(*s));
	vm->snap[slot] = s;
	s->entries = gram_protect_all(vm);
	s->taken_tsc = rdtsc();
	*out = s;
	return 0;
}

/* The snapshot's devices, with the host's time: what was pending then is
 * late now, as after a pause (the missed-tick policy of docs/devices.md). */
static void snapshot_state_restore(struct vm *vm, const struct snapshot *s)
{
	vcpu_load(&vm->vcpu);
	uint64_t tsc_offset = vcpu_tsc_offset();
	vcpu_restore(&vm->vcpu, &s->cpu);
	vcpu_set_tsc_offset(&vm->vcpu, tsc_offset);
	isa_copy(&vm->isa, &s->isa, vm);
	vm_console_reset_board(vm);
	vm->state = (enum vm_state)s->state;
	vm->intr = s->intr;
	vm->intr_held_until = s->intr_held_until;
	vm->last_inject = s->last_inject;
	vm->dev_deadline = 0;
	vm->intr_seen = false;
}

/* Page p back to the snapshot's frame g, read-only: the others that lack
 * p keep the frame it leaves. */
static bool snapshot_map_back(struct vm *vm, int slot, uint32_t p)
{
	uint64_t gpa = (uint64_t)p * PAGE_SIZE, g = (uint64_t)vm->snaps.s[slot].saved[p] * PAGE_SIZE;
	struct ept_leaf leaf;
	bool lost;
	if (!ept_lookup(&vm->ept, gpa, &leaf))
		return false;
	uint64_t f = leaf.hpa & ~(uint64_t)(PAGE_SIZE - 1);
	unsigned granted = EPT_PAGE_R | EPT_PAGE_X;
	if (f != g) {
		unsigned took = snapbook_preserve(&vm->snaps, p, (uint32_t)(f / PAGE_SIZE), slot);
		while (took--)
			mm_ref_page(f);
	}
	if (!ept_set_page(&vm->ept, gpa, g, granted, granted & ~watch_hidden(vm, gpa), &lost))
		return false;
	if (f != g) {
		mm_ref_page(g);
		mm_unref_page(f);
	}
	return true;
}

const char *snapshot_rewind(struct vm *vm, const char *tag, uint64_t *pages)
{
	int slot = snapshot_find(vm, tag);
	if (slot < 0)
		return "no snapshot with that tag";
	if (vm->restarting)
		return "it is restarting";
	if (vm->watch.step.on)
		return "it is stepping over a watch; try again";
	struct snap_pages *sp = &vm->snaps.s[slot];
	*pages = sp->ndiffers;
	for (uint32_t k = 0; k < sp->ndiffers; k++)
		if (!snapshot_map_back(vm, slot, sp->differs[k]))
			return "an EPT page could not be split: the guest is only partly rewound";
	snapbook_rewound(&vm->snaps, (unsigned)slot);
	if (*pages)
		ept_invalidate(vm->vcpu.caps, &vm->ept);
	vm->ram = 0;
	struct snapshot *s = vm->snap[slot];
	if (vm->state == VM_PAUSED) {
		vm->paused_from = (enum vm_state)s->state;
		enum vm_state keep = vm->state;
		snapshot_state_restore(vm, s);
		vm->paused_from = vm->state;
		vm->state = keep;
	} else {
		snapshot_state_restore(vm, s);
	}
	vm->reason[0] = 0;
	vm->has_exit_code = false;
	s->rewinds++;
	return 0;
}

static void release_frame(void *ctx, uint32_t frame)
{
	(void)ctx;
	mm_unref_page((uint64_t)frame * PAGE_SIZE);
}

static void snapshot_drop(struct vm *vm, int slot)
{
	snapbook_drop(&vm->snaps, (unsigned)slot, release_frame, 0);
	struct snapshot *s = vm->snap[slot];
	mm_free_contig((uint64_t)(uintptr_t)s, s->pages);
	vm->snap[slot] = 0;
}

const char *snapshot_forget(struct vm *vm, const char *tag)
{
	int slot = snapshot_find(vm, tag);
	if (slot < 0)
		return "no snapshot with that tag";
	snapshot_drop(vm, slot);
	return 0;
}

void snapshot_forget_all(struct vm *vm)
{
	for (int i = 0; i < SNAP_MAX; i++)
		if (vm->snap[i])
			snapshot_drop(vm, i);
}
