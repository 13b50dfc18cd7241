/* Dirty-page logging (vmm/mem/dirty.h). */
#include "vmm/mem/dirty.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/mem/gram.h"
#include "vmm/vm.h"
#include "vmm/vmx/vmx_caps.h"

/* The log's entries into the count, each guest page once a second: a
 * page moved to another frame meanwhile (copy-on-write, a rewind) has a
 * clear dirty flag again and is logged twice, which the bitmap absorbs. */
static void dirty_pml_drain(struct vm *vm)
{
	struct dirty_log *d = &vm->dirty;
	unsigned n = vcpu_pml_logged();
	const uint64_t *log = phys_to_virt(d->pml_pa);
	uint8_t *seen = phys_to_virt(d->seen_pa);
	/* The CPU fills the log from entry 511 down. */
	for (unsigned i = VCPU_PML_ENTRIES - n; i < VCPU_PML_ENTRIES; i++) {
		uint64_t page = log[i] / PAGE_SIZE;
		if (page >= vm->opts.mem / PAGE_SIZE || (seen[page / 8] & (1u << (page % 8))))
			continue;
		seen[page / 8] |= (uint8_t)(1u << (page % 8));
		vm->mem.dirty_pages++;
	}
	vcpu_pml_reset();
}

/* A new second: every page clean, with W (write protection) or its dirty
 * flag (PML) taken back. */
static void dirty_protect(struct vm *vm)
{
	struct dirty_log *d = &vm->dirty;
	uint64_t t = rdtsc();
	if (d->pml) {
		ept_clear_dirty_all(&vm->ept);
		ept_invalidate(vm->vcpu.caps, &vm->ept);
		memset(phys_to_virt(d->seen_pa), 0, d->seen_pages * PAGE_SIZE);
	} else {
		gram_protect_all(vm);
	}
	d->protect_ticks += rdtsc() - t;
	d->pages_at_second = vm->mem.dirty_pages;
}

/* PML needs 4 KiB leaves (a 2 MiB leaf's dirty flag covers 512 pages), a
 * page for the log and a bitmap; without them, write protection. */
static bool dirty_pml_on(struct vm *vm)
{
	struct dirty_log *d = &vm->dirty;
	d->seen_pages = (vm->opts.mem / PAGE_SIZE / 8 + PAGE_SIZE - 1) / PAGE_SIZE;
	if (!vm->vcpu.caps->pml || !ept_split_all(&vm->ept))
		return false;
	d->pml_pa = mm_alloc_page();
	d->seen_pa = d->pml_pa ? mm_alloc_contig(d->seen_pages, 1) : 0;
	if (!d->seen_pa) {
		if (d->pml_pa)
			mm_unref_page(d->pml_pa);
		return false;
	}
	vcpu_load(&vm->vcpu);
	ept_set_dirty_flags(&vm->ept, true);
	vcpu_set_eptp(&vm->vcpu, vm->ept.pointer);
	vcpu_set_pml(&vm->vcpu, d->pml_pa, true);
	return true;
}

static void dirty_pml_off(struct vm *vm)
{
	struct dirty_log *d = &vm->dirty;
	vcpu_load(&vm->vcpu);
	vcpu_set_pml(&vm->vcpu, 0, false);
	ept_set_dirty_flags(&vm->ept, false);
	vcpu_set_eptp(&vm->vcpu, vm->ept.pointer);
	ept_invalidate(vm->vcpu.caps, &vm->ept);
	mm_unref_page(d->pml_pa);
	mm_free_contig(d->seen_pa, d->seen_pages);
	d->pml = false;
}

const char *dirty_start(struct vm *vm, unsigned seconds, bool write_protect)
{
	if (vm_ended(vm) || vm->restarting)
		return vm->restarting ? "it is restarting" : "it has ended";
	if (vm->dirty.on)
		return "already logging";
	if (!seconds || seconds > DIRTY_SECONDS_MAX)
		return "1 to 60 seconds";
	struct dirty_log *d = &vm->dirty;
	*d = (struct dirty_log){
	    .on = true,
	    .seconds = seconds,
	    .second = 1,
	    .cpu_at_start = vm->cpu_ticks,
	    .fault_ticks_at_start = vm->exit_ticks[EXIT_REASON_EPT_VIOLATION] + vm->exit_ticks[EXIT_REASON_PML_FULL],
	};
	d->pml = !write_protect && dirty_pml_on(vm);
	dirty_protect(vm);
	d->start = d->second_start = rdtsc();
	return 0;
}

/* Hundredths of a percent of a in b. */
static uint64_t dirty_share(uint64_t a, uint64_t b)
{
	return b ? a * 10000 / b : 0;
}

static void dirty_end(struct vm *vm)
{
	struct dirty_log *d = &vm->dirty;
	uint64_t cpu = vm->cpu_ticks - d->cpu_at_start;
	uint64_t cost = vm->exit_ticks[EXIT_REASON_EPT_VIOLATION] + vm->exit_ticks[EXIT_REASON_PML_FULL] -
	                d->fault_ticks_at_start + d->protect_ticks;
	uint64_t slow = dirty_share(cost, cpu > cost ? cpu - cost : 0);
	uint64_t per = d->total * 10 / d->seconds;
	vm_note(vm, "dirty: %u s, %lu pages, %lu.%lu a second, by %s; slowdown %lu.%02lu%% (%lu of its %lu CPU ticks)",
	        d->seconds, d->total, per / 10, per % 10, d->pml ? "the page-modification log" : "write protection",
	        slow / 100, slow % 100, cost, cpu);
	if (d->pml)
		dirty_pml_off(vm);
	d->on = false;
}

void dirty_tick(struct vm *vm, uint64_t now)
{
	struct dirty_log *d = &vm->dirty;
	if (!d->on || now - d->second_start < tsc_hz())
		return;
	if (d->pml) {
		vcpu_load(&vm->vcpu);
		dirty_pml_drain(vm);
	}
	uint64_t n = vm->mem.dirty_pages - d->pages_at_second;
	d->total += n;
	vm_note(vm, "dirty: second %u: %lu pages", d->second, n);
	if (d->second++ == d->seconds) {
		dirty_end(vm);
		return;
	}
	d->second_start += tsc_hz();
	if (now - d->second_start >= tsc_hz())
		d->second_start = now; /* it was off the CPU past a whole second */
	dirty_protect(vm);
}

void dirty_pml_full(struct vm *vm)
{
	vm->dirty.pml_full++;
	if (vm->dirty.pml)
		dirty_pml_drain(vm);
	else
		vcpu_pml_reset();
}

void dirty_stop(struct vm *vm, const char *why)
{
	if (!vm->dirty.on)
		return;
	if (vm->dirty.pml)
		dirty_pml_off(vm);
	vm->dirty.on = false;
	vm_note(vm, "dirty: logging ended by %s", why);
}
