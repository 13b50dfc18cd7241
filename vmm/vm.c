/* VM lifecycle: ending a VM with a reason, restarting it from its image, its
 * guest-physical memory (its console line is vm_console.c). */
#include "vmm/vm.h"
#include "kernel/cmos.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"
#include "kernel/fmt.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/serial.h"
#include "kernel/string.h"
#include "vmm/load/loader.h"
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

