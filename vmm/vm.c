/* VM lifecycle: ending a VM with a reason, restarting it from its image, its
 * guest-physical memory (its console line is vm_console.c). */
#include "vmm/vm.h"
#include "kernel/cmos.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"
#include "kernel/fmt.h"
#include "kernel/serial.h"
#include "kernel/string.h"
#include "vmm/load/loader.h"
#include "vmm/mem/gram.h"
#include <stdarg.h>

const char *vm_state_name(enum vm_state s)
{
	static const char *const names[] = {
		[VM_RUNNING] = "running", [VM_BLOCKED] = "blocked", [VM_PAUSED] = "paused",
		[VM_HALTED] = "halted",   [VM_STOPPED] = "stopped", [VM_CRASHED] = "crashed",
	};
	return s <= VM_CRASHED ? names[s] : "?";
}

void vm_set_exit_code(struct vm *vm, int64_t code)
{
	vm->exit_code = code;
	vm->has_exit_code = true;
}

void vm_end(struct vm *vm, enum vm_state state, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(vm->reason, sizeof(vm->reason), fmt, ap);
	va_end(ap);
	vm->state = state;
	char line[192];
	if (vm->has_exit_code)
		fmt_snprintf(line, sizeof(line), "%s: %s, exit code %ld", vm_state_name(state), vm->reason,
			     (long)vm->exit_code);
	else
		fmt_snprintf(line, sizeof(line), "%s: %s", vm_state_name(state), vm->reason);
	vm->host->ended(vm->host->ctx, vm, line);
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
	enum gram_status st = gram_make_writable(vm, gpa, false, &p);
	if (st == GRAM_OK)
		return p;
	if (st == GRAM_NO_MEMORY && !vm_ended(vm))
		vm_end(vm, VM_CRASHED, "no host memory for a copy of guest page 0x%lx that Kestrel writes for it",
		       gpa & ~0xFFFull);
	return 0;
}

void vm_note(struct vm *vm, const char *fmt, ...)
{
	char line[192];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vm->host->note(vm->host->ctx, vm, line);
}

void vm_reset_request(struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(vm->reset_reason, sizeof(vm->reset_reason), fmt, ap);
	va_end(ap);
}

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
}

#define ZERO_CHUNK (256u << 10) /* under 1 ms of host input at 115200 baud */

void vm_restart_begin(struct vm *vm)
{
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
