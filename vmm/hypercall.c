/* VMCALL: Kestrel's hypercall ABI (vmm/hypercall.h, docs/hypercalls.md).
 * Only CPL 0 may call; elsewhere VMCALL raises #UD, as on a CPU with no
 * hypervisor to answer it. */
#include "kernel/tsc.h"
#include "vmm/exit.h"
#include "vmm/hypercall.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

static int64_t hc_console_write(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (len > HC_CONSOLE_MAX)
		return HC_EINVAL;
	const uint8_t *p = vm_gpa(vm, gpa, len);
	if (!p && len)
		return HC_EINVAL;
	for (uint64_t i = 0; i < len; i++)
		vm_console_putc(vm, p[i]);
	return (int64_t)len;
}

enum exit_action exit_vmcall(struct vm *vm, const struct vm_exit *e)
{
	if (vcpu_cpl() != 0) {
		vcpu_inject_ud();
		return EXIT_RESUME;
	}
	struct guest_regs *g = &vm->vcpu.regs;
	bool wide = vcpu_code_bits() == 64;
	uint64_t mask = wide ? ~0ull : 0xFFFFFFFFull;
	uint64_t nr = g->rax & mask, a0 = g->rbx & mask, a1 = g->rcx & mask;
	int64_t ret = 0;
	enum exit_action act = EXIT_RESUME;
	vcpu_skip_instruction(&vm->vcpu, e->insn_len);
	switch (nr) {
	case HC_VERSION:
		ret = KESTREL_HC_ABI_VERSION;
		break;
	case HC_CONSOLE_WRITE:
		ret = hc_console_write(vm, a0, a1);
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
	default:
		ret = HC_ENOSYS;
	}
	g->rax = (uint64_t)ret & mask;
	return act;
}
