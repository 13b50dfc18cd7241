/* VMCALL: Kestrel's hypercall ABI (vmm/exit/hypercall.h, docs/hypercalls.md).
 * Only CPL 0 may call; elsewhere VMCALL raises #UD, as on a CPU with no
 * hypervisor to answer it. */
#include "kernel/paging.h"
#include "kernel/tsc.h"
#include "vmm/exit/exit.h"
#include "vmm/inject.h"
#include "vmm/exit/hypercall.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/mem/gram.h"
#include "vmm/vm.h"

/*
 * Writes what the guest's console line takes now (vmm/vm_console.c), so that
 * one call never waits for the wire; the guest calls again with the rest,
 * after the others have run while its line drains.
 */
static int64_t hc_console_write(struct vm *vm, uint64_t gpa, uint64_t len, enum exit_action *act)
{
	if (len > HC_CONSOLE_MAX)
		return HC_EINVAL;
	if (len && (gpa >= vm->opts.mem || len > vm->opts.mem - gpa))
		return HC_EINVAL;
	uint64_t room = vm_console_room(vm);
	uint64_t n = len < room ? len : room;
	for (uint64_t i = 0; i < n;) {
		uint64_t chunk = PAGE_SIZE - ((gpa + i) & (PAGE_SIZE - 1));
		chunk = chunk < n - i ? chunk : n - i;
		const uint8_t *p = vm_gpa_read(vm, gpa + i, chunk);
		for (uint64_t k = 0; k < chunk; k++)
			vm_console_putc(vm, p[k]);
		i += chunk;
	}
	if (n < len)
		*act = EXIT_RESCHEDULE; /* let the line drain while others run */
	return (int64_t)n;
}

/* The calls other than HC_VERSION, the one the benchmark times. */
static enum exit_action __attribute__((noinline)) hc_call(struct vm *vm, uint64_t mask, bool wide)
{
	struct guest_regs *g = &vm->vcpu.regs;
	uint64_t nr = g->rax & mask, a0 = g->rbx & mask, a1 = g->rcx & mask;
	int64_t ret = 0;
	enum exit_action act = EXIT_RESUME;
	switch (nr) {
	case HC_CONSOLE_WRITE:
		ret = hc_console_write(vm, a0, a1, &act);
		break;
	case HC_YIELD:
		act = EXIT_RESCHEDULE;
		break;
	case HC_SHUTDOWN:
		vm_set_exit_code(vm, wide ? (int64_t)a0 : (int32_t)a0);
		vm_end(vm, VM_STOPPED, "shutdown hypercall");
		return EXIT_STOPPED;
	case HC_TSC_HZ:
		ret = (int64_t)tsc_hz();
		break;
	case HC_BENCH_FLOOR:
		/* Leaving is the floor handler's own: reached here, it was off. */
		if (a0 == 1)
			vcpu_bench_floor(&vm->vcpu);
		break;
	default:
		ret = HC_ENOSYS;
	}
	g->rax = (uint64_t)ret & mask;
	return act;
}

enum exit_action exit_vmcall(struct vm *vm, const struct vm_exit *e)
{
	if (vcpu_cpl() != 0) {
		vm_raise_ud(vm);
		return EXIT_RESUME;
	}
	bool wide = vcpu_code_bits() == 64;
	uint64_t mask = wide ? ~0ull : 0xFFFFFFFFull;
	vcpu_skip_instruction(e);
	if ((vm->vcpu.regs.rax & mask) != HC_VERSION)
		return hc_call(vm, mask, wide);
	vm->vcpu.regs.rax = KESTREL_HC_ABI_VERSION;
	return EXIT_RESUME;
}
