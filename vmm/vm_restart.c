/* VM restarts: a fresh board, its RAM cleared (in the VM's own time slices)
 * or renewed when its pages were shared or tracked, the image loaded again
 * (vm_restart_begin, vm_restart_step and vm_restart in vmm/vm.h). */
#include "vmm/vm.h"
#include "kernel/cmos.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/serial.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/load/loader.h"
#include "vmm/mem/dirty.h"
#include "vmm/mem/gram.h"
#include "vmm/mem/watch.h"

/* The guest's RTC: the host's clock at boot plus the TSC time since. */
static void vm_set_rtc(struct vm *vm)
{
	struct cmos_time h;
	uint64_t at;
	if (!cmos_boot_time(&h, &at))
		return; /* the board's default date */
	struct rtc_time t = { h.year, h.month, h.day, h.hour, h.minute, h.second, h.weekday };
	isa_set_rtc(&vm->isa, &t, at);
}

/* A fresh board (its devices as at power-on, the RTC at the host's time),
 * its UARTs told the console line's state. */
static void vm_reset_board(struct vm *vm)
{
	isa_init(&vm->isa, tsc_hz(), rdtsc(), vm->opts.com2, vm_isa_tx, vm);
	vm_set_rtc(vm);
	vm_console_reset_board(vm); /* output from before the reset may still wait */
	vm->dev_deadline = 0;
	vm->port_a = 0;
}

#define ZERO_CHUNK (256u << 10) /* under 1 ms of host input at 115200 baud */

/* Guest RAM as one run of host pages, no more than it needs: 2 MiB aligned
 * when it holds a whole 2 MiB, so that the EPT maps that with 2 MiB pages
 * (ept_map_range), else, or when no aligned run is free, wherever it fits. */
static uint64_t vm_alloc_ram(uint64_t bytes)
{
	size_t pages = bytes / PAGE_SIZE;
	uint64_t pa = bytes >= LARGE_PAGE_SIZE ? mm_alloc_contig(pages, LARGE_PAGE_SIZE / PAGE_SIZE) : 0;
	return pa ? pa : mm_alloc_contig(pages, 1);
}

const char *vm_ram_build(struct vm *vm, bool large_pages)
{
	vm->ram_pa = vm_alloc_ram(vm->opts.mem);
	if (!vm->ram_pa)
		return "not enough host memory for its RAM";
	vm->ram = phys_to_virt(vm->ram_pa);
	if (ept_init(&vm->ept, large_pages) && ept_map_range(&vm->ept, 0, vm->ram_pa, vm->opts.mem))
		return 0;
	ept_destroy(&vm->ept);
	mm_free_contig(vm->ram_pa, vm->opts.mem / PAGE_SIZE);
	vm->ram_pa = 0;
	vm->ram = 0;
	return "not enough host memory for its EPT";
}

/* A restart of a VM whose pages are shared, moved or tracked: they go
 * (its snapshots keep what they lack), and it gets one block of RAM of its
 * own again, on a new EPT. */
static const char *vm_ram_renew(struct vm *vm)
{
	bool large = vm->ept.large_pages;
	gram_release(vm);
	const char *err = vm_ram_build(vm, large);
	if (err)
		return err;
	vcpu_load(&vm->vcpu);
	vcpu_set_eptp(&vm->vcpu, vm->ept.pointer);
	for (unsigned i = 0; i < vm->watch.n; i++)
		watch_apply_range(vm, vm->watch.w[i].gpa, vm->watch.w[i].len);
	dirty_stop(vm, "the restart");
	return 0;
}

void vm_restart_begin(struct vm *vm)
{
	if (!vm->ram) {
		const char *err = vm_ram_renew(vm);
		if (err) {
			vm_end(vm, VM_CRASHED, "restart: %s", err);
			return;
		}
	}
	vm->restarting = true;
	vm->zeroed = 0;
	vm_reset_board(vm); /* no interrupt can be due while RAM is cleared */
	vm->state = VM_RUNNING;
	vm->reason[0] = 0;
	vm->has_exit_code = false;
	vm->exit_code = 0;
}

/* Reload the image into the cleared RAM and reset the VCPU and the board. */
static bool vm_restart_finish(struct vm *vm, const char **err)
{
	struct guest_entry entry;
	vm->restarting = false;
	if (loader_load(vm->image, vm->image_len, &vm->boot, vm->ram, vm->opts.mem, &entry, err) != 0)
		return false;
	vcpu_reset(&vm->vcpu, &entry);
	vm_reset_board(vm);
	return true;
}

bool vm_restart_step(struct vm *vm, uint64_t until, const char **err)
{
	if (!vm->ram) {
		*err = "it has no RAM of its own (the restart found no host memory for it)";
		return false;
	}
	while (vm->zeroed < vm->opts.mem) {
		uint64_t n = vm->opts.mem - vm->zeroed < ZERO_CHUNK ? vm->opts.mem - vm->zeroed : ZERO_CHUNK;
		memset(vm->ram + vm->zeroed, 0, n);
		vm->zeroed += n;
		serial_rx_poll();
		if (rdtsc() >= until)
			return true;
	}
	return vm_restart_finish(vm, err);
}

bool vm_restart(struct vm *vm, const char **err)
{
	vm_restart_begin(vm);
	return vm_restart_step(vm, UINT64_MAX, err);
}
