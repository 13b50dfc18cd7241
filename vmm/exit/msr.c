/* RDMSR/WRMSR exits (SDM 3C 26.1.3; MSRs in SDM 4). One table says what
 * every MSR a guest may try does: native (exit_msr_bitmap opens the MSR
 * bitmap, vmm/vmx/msr_bitmap.c, for it: the VMCS or vmm/vmx/vcpu_state.c
 * switches it), emulated here, or #GP, as an MSR the CPU does not implement would
 * (SDM 2B RDMSR/WRMSR: "reserved or unimplemented MSR address"). */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "vmm/exit/exit.h"
#include "vmm/inject.h"
#include "vmm/vmx/msr_bitmap.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vm.h"

#define MISC_ENABLE_FAST_STRINGS (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAILABLE (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAILABLE (1ull << 12)
/* What a guest reads: fast strings on; no BTS, no PEBS (DS hidden); 0 in
 * bit 7 (no performance monitoring), bit 16 (no EIST), bit 18 (MONITOR FSM
 * off, which SDM 4 ties to CPUID.01H:ECX.MONITOR = 0), bit 22 (CPUID not
 * limited) and bit 34 (execute-disable not disabled). */
#define MISC_ENABLE_VALUE (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAILABLE | MISC_ENABLE_PEBS_UNAVAILABLE)

enum msr_read {
	RD_GP,          /* #GP: no such MSR on a CPU that CPUID describes so */
	RD_NATIVE,      /* no exit: the CPU reads the guest's value */
	RD_CONST,       /* the row's value */
	RD_EFER,        /* the VMCS guest field */
	RD_DEBUGCTL,    /* the VMCS guest field */
	RD_MISC_ENABLE, /* MISC_ENABLE_VALUE less the bits the guest cleared */
};

enum msr_write {
	WR_GP,          /* #GP: read-only, locked, or no such MSR */
	WR_NATIVE,      /* no exit: the CPU checks and takes the value */
	WR_IGNORE,      /* accepted, changes nothing */
	WR_TSC,         /* the guest's TSC becomes the value (TSC offset) */
	WR_EFER,        /* checked, then the VMCS guest field (vcpu_write_efer) */
	WR_DEBUGCTL,    /* 0 only */
	WR_MISC_ENABLE, /* the same value, but for fast strings (kept per VCPU) */
};

struct msr_rule {
	uint32_t first, last;
	const char *name; /* the SDM's */
	uint8_t read, write;
	uint64_t value; /* for RD_CONST */
};

/*
 * The one table: every MSR not in it is #GP for reads and writes. Rows of
 * #GP are the MSRs of features CPUID hides (vmm/exit/cpuid.c), listed for
 * the reason: SDM 4 chapter 2 ties each to its CPUID bit, and a CPU
 * without the feature has no such MSR.
 *   APIC_BASE: CPUID.01H:EDX.APIC = 0 (SDM 3A "Local APIC Status and
 *     Location": the MSR belongs to the local APIC).
 *   MTRRs: CPUID.01H:EDX.MTRR = 0 (SDM 3A "MTRR Feature Identification":
 *     software finds MTRRs by that flag); memory types come from PAT and EPT.
 *   MCG_* and the MC banks: CPUID.01H:EDX.MCE = MCA = 0 (SDM 3B
 *     "Machine-Check MSRs"): a guest that reads them anyway gets #GP, as
 *     Linux, which does not read them then, would on such a CPU.
 *   TSC_ADJUST, SPEC_CTRL, PRED_CMD, ARCH_CAPABILITIES: CPUID.07H:EBX[1]
 *     and EDX[26,27,29] = 0. TSC_DEADLINE: CPUID.01H:ECX[24] = 0.
 *   MPERF/APERF: CPUID.06H:ECX[0] = 0 (leaf 6 is zero). Performance
 *     counters and PERF_CAPABILITIES: leaf 0xA is zero, PDCM = 0.
 *   VMX capability MSRs: CPUID.01H:ECX.VMX = 0. x2APIC: CPUID.01H:ECX[21] = 0.
 * FEATURE_CONTROL stays readable (locked, VMX off), as Linux reads it to
 * learn VMX is off; BIOS_UPDT_TRIG and BIOS_SIGN_ID take the microcode
 * update dance (SDM 3A "Microcode Update Facilities": WRMSR 0 to
 * BIOS_SIGN_ID, CPUID(1), RDMSR) and always say revision 0: no update
 * loaded, and an update written to the trigger is not loaded either.
 */
static const struct msr_rule msr_rules[] = {
	{0x10, 0x10, "IA32_TIME_STAMP_COUNTER", RD_NATIVE, WR_TSC, 0},
	{0x17, 0x17, "IA32_PLATFORM_ID", RD_CONST, WR_GP, 0}, /* read-only; platform 0 */
	{0x1B, 0x1B, "IA32_APIC_BASE", RD_GP, WR_GP, 0},
	{0x3A, 0x3A, "IA32_FEATURE_CONTROL", RD_CONST, WR_GP, 1}, /* locked, VMX off */
	{0x3B, 0x3B, "IA32_TSC_ADJUST", RD_GP, WR_GP, 0},
	{0x48, 0x49, "IA32_SPEC_CTRL, IA32_PRED_CMD", RD_GP, WR_GP, 0},
	{0x79, 0x79, "IA32_BIOS_UPDT_TRIG", RD_GP, WR_IGNORE, 0}, /* write-only */
	{0x8B, 0x8B, "IA32_BIOS_SIGN_ID", RD_CONST, WR_IGNORE, 0},
	{0xC1, 0xC8, "IA32_PMC0-7", RD_GP, WR_GP, 0},
	{0xE7, 0xE8, "IA32_MPERF, IA32_APERF", RD_GP, WR_GP, 0},
	{0xFE, 0xFE, "IA32_MTRRCAP", RD_GP, WR_GP, 0},
	{0x10A, 0x10A, "IA32_ARCH_CAPABILITIES", RD_GP, WR_GP, 0},
	{0x174, 0x176, "IA32_SYSENTER_CS/ESP/EIP", RD_NATIVE, WR_NATIVE, 0}, /* VMCS guest state */
	{0x179, 0x17B, "IA32_MCG_CAP/STATUS/CTL", RD_GP, WR_GP, 0},
	{0x186, 0x18D, "IA32_PERFEVTSEL0-7", RD_GP, WR_GP, 0},
	{0x1A0, 0x1A0, "IA32_MISC_ENABLE", RD_MISC_ENABLE, WR_MISC_ENABLE, 0},
	{0x1D9, 0x1D9, "IA32_DEBUGCTL", RD_DEBUGCTL, WR_DEBUGCTL, 0},
	{0x200, 0x213, "IA32_MTRR_PHYSBASE0-PHYSMASK9", RD_GP, WR_GP, 0},
	{0x250, 0x250, "IA32_MTRR_FIX64K_00000", RD_GP, WR_GP, 0},
	{0x258, 0x259, "IA32_MTRR_FIX16K_80000/A0000", RD_GP, WR_GP, 0},
	{0x268, 0x26F, "IA32_MTRR_FIX4K_C0000-F8000", RD_GP, WR_GP, 0},
	{0x277, 0x277, "IA32_PAT", RD_NATIVE, WR_NATIVE, 0}, /* VMCS; the CPU #GPs reserved types */
	{0x2FF, 0x2FF, "IA32_MTRR_DEF_TYPE", RD_GP, WR_GP, 0},
	{0x345, 0x345, "IA32_PERF_CAPABILITIES", RD_GP, WR_GP, 0},
	{0x38D, 0x390, "IA32_FIXED_CTR_CTRL, IA32_PERF_GLOBAL_*", RD_GP, WR_GP, 0},
	{0x400, 0x47F, "IA32_MC0-31_CTL/STATUS/ADDR/MISC", RD_GP, WR_GP, 0},
	{0x480, 0x493, "IA32_VMX_*", RD_GP, WR_GP, 0},
	{0x6E0, 0x6E0, "IA32_TSC_DEADLINE", RD_GP, WR_GP, 0},
	{0x800, 0x8FF, "x2APIC", RD_GP, WR_GP, 0},
	{IA32_EFER, IA32_EFER, "IA32_EFER", RD_EFER, WR_EFER, 0},
	{0xC0000081, 0xC0000084, "IA32_STAR/LSTAR/CSTAR/FMASK", RD_NATIVE, WR_NATIVE, 0}, /* vcpu_state.c */
	{IA32_FS_BASE, 0xC0000102, "IA32_FS_BASE/GS_BASE/KERNEL_GS_BASE", RD_NATIVE, WR_NATIVE, 0},
	{0xC0000103, 0xC0000103, "IA32_TSC_AUX", RD_NATIVE, WR_NATIVE, 0}, /* #GP natively without RDTSCP/RDPID */
};
#define NRULES (sizeof(msr_rules) / sizeof(msr_rules[0]))

static const struct msr_rule msr_unknown = {0, 0, "unknown", RD_GP, WR_GP, 0};

void exit_msr_bitmap(uint8_t *bitmap)
{
	for (const struct msr_rule *r = msr_rules; r < msr_rules + NRULES; r++)
		for (uint64_t m = r->first; m <= r->last; m++) {
			if (r->read == RD_NATIVE)
				msr_bitmap_pass(bitmap, (uint32_t)m, false);
			if (r->write == WR_NATIVE)
				msr_bitmap_pass(bitmap, (uint32_t)m, true);
		}
}

static const struct msr_rule *msr_rule(uint32_t msr)
{
	for (const struct msr_rule *r = msr_rules; r < msr_rules + NRULES; r++)
		if (msr >= r->first && msr <= r->last)
			return r;
	return &msr_unknown;
}

/* False: #GP. RD_NATIVE never exits while the bitmap agrees with the table
 * (tests/unit/test_msr.c checks that it does); should one exit, #GP. */
static bool msr_read(struct vcpu *v, const struct msr_rule *r, uint64_t *val)
{
	switch ((enum msr_read)r->read) {
	case RD_CONST:
		*val = r->value;
		return true;
	case RD_EFER:
		*val = vcpu_efer();
		return true;
	case RD_DEBUGCTL:
		*val = vcpu_debugctl();
		return true;
	case RD_MISC_ENABLE:
		*val = MISC_ENABLE_VALUE & ~v->misc_enable_cleared;
		return true;
	case RD_GP:
	case RD_NATIVE:
		break;
	}
	return false;
}

static bool msr_write(struct vcpu *v, const struct msr_rule *r, uint64_t val)
{
	switch ((enum msr_write)r->write) {
	case WR_IGNORE:
		return true;
	case WR_TSC:
		return vcpu_write_tsc(v, val);
	case WR_EFER:
		return vcpu_write_efer(v, val);
	case WR_DEBUGCTL:
		/* No LBR stack, BTS or performance monitoring to enable, and
		 * BTF is not offered: 0 is the one value (SDM 3B "IA32_DEBUGCTL
		 * MSR"). */
		if (val)
			return false;
		vcpu_write_debugctl(0);
		return true;
	case WR_MISC_ENABLE: {
		/* Fast strings may be turned off and on (REP MOVS/STOS mean the
		 * same either way; only their speed would differ); any other
		 * change would need CPUID or a feature to change with it. */
		uint64_t now = MISC_ENABLE_VALUE & ~v->misc_enable_cleared;
		if ((val ^ now) & ~MISC_ENABLE_FAST_STRINGS)
			return false;
		v->misc_enable_cleared = ~val & MISC_ENABLE_FAST_STRINGS;
		return true;
	}
	case WR_GP:
	case WR_NATIVE:
		break;
	}
	return false;
}

enum exit_action exit_rdmsr(struct vm *vm, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)vm->vcpu.regs.rcx;
	const struct msr_rule *r = msr_rule(msr);
	uint64_t val;
	if (!msr_read(&vm->vcpu, r, &val)) {
		klog(LOG_DEBUG, "[%s] RDMSR 0x%x (%s): #GP\n", vm->opts.name, msr, r->name);
		vm_raise_gp(vm);
		return EXIT_RESUME;
	}
	vm->vcpu.regs.rax = (uint32_t)val;
	vm->vcpu.regs.rdx = val >> 32;
	vcpu_skip_instruction(e);
	return EXIT_RESUME;
}

enum exit_action exit_wrmsr(struct vm *vm, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)vm->vcpu.regs.rcx;
	const struct msr_rule *r = msr_rule(msr);
	uint64_t val = (vm->vcpu.regs.rdx << 32) | (uint32_t)vm->vcpu.regs.rax;
	if (!msr_write(&vm->vcpu, r, val)) {
		klog(LOG_DEBUG, "[%s] WRMSR 0x%x (%s) = 0x%lx: #GP\n", vm->opts.name, msr, r->name, val);
		vm_raise_gp(vm);
		return EXIT_RESUME;
	}
	vcpu_skip_instruction(e);
	return EXIT_RESUME;
}
