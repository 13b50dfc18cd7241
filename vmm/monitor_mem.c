/* The VMM's side of the monitor's memory commands: snapshots, clones,
 * watches and dirty logging (vmm/monitor/cmd_mem.c asks, docs/memory.md
 * explains). */
#include "vmm/monitor_mem.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/mem/dirty.h"
#include "vmm/mem/gram.h"
#include "vmm/mem/watch.h"
#include "vmm/snapshot.h"
#include "vmm/vmm.h"

static struct vm *vm_of(void *ctx, unsigned id)
{
	return &((struct vmm *)ctx)->vms[id];
}

static void snapshot_info(const struct vm *vm, int slot, struct monitor_snapshot_info *out)
{
	const struct snapshot *s = vm->snap[slot];
	const struct snap_pages *p = &vm->snaps.s[slot];
	*out = (struct monitor_snapshot_info){
	    .age_ns = tsc_to_ns(rdtsc() - s->taken_tsc),
	    .entries = s->entries,
	    .saved_pages = p->nsaved,
	    .differs_pages = p->ndiffers,
	    .bytes = (s->pages + p->nsaved) * PAGE_SIZE,
	    .rewinds = s->rewinds,
	};
	memcpy(out->tag, s->tag, sizeof(out->tag));
}

const char *op_snapshot(void *ctx, unsigned id, const char *tag, struct monitor_snapshot_info *out)
{
	struct vm *vm = vm_of(ctx, id);
	const struct snapshot *s;
	uint64_t t = rdtsc();
	const char *why = snapshot_take(vm, tag, &s);
	t = rdtsc() - t;
	if (!why) {
		snapshot_info(vm, snapshot_find(vm, tag), out);
		out->ticks = t;
	}
	return why;
}

const char *op_rewind(void *ctx, unsigned id, const char *tag, uint64_t *pages, uint64_t *ticks)
{
	struct vmm *vmm = ctx;
	uint64_t t = rdtsc();
	const char *why = snapshot_rewind(vm_of(ctx, id), tag, pages);
	*ticks = rdtsc() - t;
	vmm->wake_deadline = 0; /* it may be runnable again */
	return why;
}

unsigned op_snapshots(void *ctx, unsigned id, struct monitor_snapshot_info *out, unsigned max)
{
	struct vm *vm = vm_of(ctx, id);
	unsigned n = 0;
	for (int i = 0; i < SNAP_MAX && n < max; i++)
		if (vm->snap[i])
			snapshot_info(vm, i, &out[n++]);
	return n;
}

const char *op_forget(void *ctx, unsigned id, const char *tag)
{
	return snapshot_forget(vm_of(ctx, id), tag);
}

const char *op_clone(void *ctx, unsigned id, const char *name, unsigned *new_id)
{
	return vmm_clone_vm(ctx, vm_of(ctx, id), name, new_id);
}

const char *op_watch(void *ctx, unsigned id, uint64_t gpa, uint64_t len, unsigned kinds)
{
	struct vm *vm = vm_of(ctx, id);
	unsigned k = (kinds & MONITOR_WATCH_R ? WATCH_R : 0) | (kinds & MONITOR_WATCH_W ? WATCH_W : 0) |
	             (kinds & MONITOR_WATCH_X ? WATCH_X : 0);
	return watch_add(vm, gpa, len, k);
}

const char *op_unwatch(void *ctx, unsigned id, bool all, uint64_t gpa)
{
	return watch_remove(vm_of(ctx, id), all, gpa);
}

unsigned op_watches(void *ctx, unsigned id, struct monitor_watch_info *out, unsigned max)
{
	const struct watch_set *s = &vm_of(ctx, id)->watch;
	unsigned n = 0;
	for (; n < s->n && n < max; n++) {
		const struct watch *w = &s->w[n];
		out[n] = (struct monitor_watch_info){
		    .gpa = w->gpa,
		    .len = w->len,
		    .kinds = (w->kinds & WATCH_R ? MONITOR_WATCH_R : 0) | (w->kinds & WATCH_W ? MONITOR_WATCH_W : 0) |
		             (w->kinds & WATCH_X ? MONITOR_WATCH_X : 0),
		    .hits = w->hits,
		    .shown = w->shown,
		};
	}
	return n;
}

const char *op_dirty(void *ctx, unsigned id, unsigned seconds, bool write_protect)
{
	return dirty_start(vm_of(ctx, id), seconds, write_protect);
}

void op_mem_pages(void *ctx, unsigned id, uint64_t *private_pages, uint64_t *shared_pages)
{
	struct vm *vm = vm_of(ctx, id);
	if (vm->ram) {
		*private_pages = vm->opts.mem / PAGE_SIZE;
		*shared_pages = 0;
		return;
	}
	gram_count(vm, private_pages, shared_pages);
}
