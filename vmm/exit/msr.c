/* RDMSR/WRMSR exits (SDM 3C 26.1.3; MSRs in SDM 4). The MSR bitmap lets the
 * harmless and VMCS- or lazily-switched MSRs run natively (vmm/vmx/msr_bitmap.c);
 * every MSR that exits is emulated here, and any other gets #GP, as an MSR
 * the CPU does not implement would. */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "vmm/exit/exit.h"
#include "vmm/inject.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vm.h"

#define IA32_TIME_STAMP_COUNTER 0x10
#define IA32_PLATFORM_ID 0x17
#define IA32_BIOS_SIGN_ID 0x8B
#define IA32_MISC_ENABLE 0x1A0
#define MISC_ENABLE_FAST_STRINGS (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAILABLE (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAILABLE (1ull << 12)
#define FEATURE_CONTROL_LOCKED 1ull /* locked, VMX off: what the guest sees */

static bool msr_read(struct vm *vm, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case IA32_FEATURE_CONTROL:
		*val = FEATURE_CONTROL_LOCKED;
		return true;
	case IA32_EFER:
		*val = vcpu_efer();
		return true;
	case IA32_PLATFORM_ID:
	case IA32_BIOS_SIGN_ID:
		*val = 0;
		return true;
	case IA32_MISC_ENABLE:
		*val = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAILABLE | MISC_ENABLE_PEBS_UNAVAILABLE;
		return true;
	}
	(void)vm;
	return false;
}

static bool msr_write(struct vm *vm, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case IA32_EFER:
		return vcpu_write_efer(&vm->vcpu, val);
	case IA32_TIME_STAMP_COUNTER:
		return vcpu_write_tsc(&vm->vcpu, val);
	case IA32_BIOS_SIGN_ID: /* microcode update trigger: nothing to load */
		return true;
	case IA32_MISC_ENABLE: /* accepted when it changes nothing we model */
		return val == (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAILABLE | MISC_ENABLE_PEBS_UNAVAILABLE);
	}
	/* IA32_FEATURE_CONTROL is locked: writing it faults, as on hardware. */
	return false;
}

enum exit_action exit_rdmsr(struct vm *vm, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)vm->vcpu.regs.rcx;
	uint64_t val;
	if (!msr_read(vm, msr, &val)) {
		klog(LOG_DEBUG, "[%s] RDMSR 0x%x: #GP\n", vm->opts.name, msr);
		vm_raise_gp(vm);
		return EXIT_RESUME;
	}
	vm->vcpu.regs.rax = (uint32_t)val;
	vm->vcpu.regs.rdx = val >> 32;
	vcpu_skip_instruction(&vm->vcpu, e->insn_len);
	return EXIT_RESUME;
}

enum exit_action exit_wrmsr(struct vm *vm, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)vm->vcpu.regs.rcx;
	uint64_t val = (vm->vcpu.regs.rdx << 32) | (uint32_t)vm->vcpu.regs.rax;
	if (!msr_write(vm, msr, val)) {
		klog(LOG_DEBUG, "[%s] WRMSR 0x%x = 0x%lx: #GP\n", vm->opts.name, msr, val);
		vm_raise_gp(vm);
		return EXIT_RESUME;
	}
	vcpu_skip_instruction(&vm->vcpu, e->insn_len);
	return EXIT_RESUME;
}
