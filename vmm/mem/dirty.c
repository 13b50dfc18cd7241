/* Dirty-page logging (vmm/mem/dirty.h). The page-modification log (SDM 3C
 * 29.3.6) would save the faults; Bochs 2.7 offers it on none of the models
 * Kestrel is tested on (the boot line "pml" says where it is), so write
 * protection it is, on every CPU. */
#include "vmm/mem/dirty.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"
#include "vmm/mem/gram.h"
#include "vmm/vm.h"

static void dirty_protect(struct vm *vm)
{
	uint64_t t = rdtsc();
	gram_protect_all(vm);
	vm->dirty.protect_ticks += rdtsc() - t;
	vm->dirty.pages_at_second = vm->mem.dirty_pages;
}

const char *dirty_start(struct vm *vm, unsigned seconds)
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
		.fault_ticks_at_start = vm->exit_ticks[EXIT_REASON_EPT_VIOLATION],
	};
	dirty_protect(vm);
	d->start = d->second_start = rdtsc();
	return 0;
}

/* Hundredths of a percent of a in b. */
static uint64_t dirty_share(uint64_t a, uint64_t b) { return b ? a * 10000 / b : 0; }

static void dirty_end(struct vm *vm)
{
	struct dirty_log *d = &vm->dirty;
	d->on = false;
	uint64_t cpu = vm->cpu_ticks - d->cpu_at_start;
	uint64_t cost = vm->exit_ticks[EXIT_REASON_EPT_VIOLATION] - d->fault_ticks_at_start + d->protect_ticks;
	uint64_t slow = dirty_share(cost, cpu > cost ? cpu - cost : 0);
	uint64_t per = d->total * 10 / d->seconds;
	vm_note(vm, "dirty: %u s, %lu pages, %lu.%lu a second; slowdown %lu.%02lu%% (%lu of its %lu CPU ticks)",
		d->seconds, d->total, per / 10, per % 10, slow / 100, slow % 100, cost, cpu);
}

void dirty_tick(struct vm *vm, uint64_t now)
{
	struct dirty_log *d = &vm->dirty;
	if (!d->on || now - d->second_start < tsc_hz())
		return;
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
