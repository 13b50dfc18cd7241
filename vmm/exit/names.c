/* Basic exit reasons (SDM 3D appendix C, table C-1): the SDM's name of each,
 * and what makes it happen in a Kestrel guest. One table behind the exit
 * reports, the summary, the monitor's `exits` and the exit-statistics CPUID
 * leaves, so that all of them agree on which reasons exist. */
#include "vmm/exit/exit.h"
#include "vmm/vmx/vmx.h"
#include "vmm/vmx/vmx_caps.h"

struct exit_reason_row {
	const char *name; /* 0: the SDM defines no such reason */
	bool always; /* unconditional (SDM 3C 26.1.2, 26.2), or set up by Kestrel itself */
	/* Otherwise the VM-execution controls that must all be 1 for it to
	 * happen (SDM 3C 25.6.1, 25.6.2); none at all: it never happens. */
	uint32_t pin, proc, proc2;
};

#define ALWAYS(n) {n, true, 0, 0, 0}
#define NEVER(n) {n, false, 0, 0, 0}
#define PIN(n, c) {n, false, c, 0, 0}
#define PROC(n, c) {n, false, 0, c, 0}
#define PROC2(n, c) {n, false, 0, 0, c}

static const struct exit_reason_row rows[EXIT_REASON_COUNT] = {
	/* The exception bitmap is 0 (vcpu.c): only host NMIs exit with 0. */
	[EXIT_REASON_EXCEPTION_OR_NMI] = PIN("EXCEPTION_OR_NMI", PIN_NMI_EXITING),
	[EXIT_REASON_EXTERNAL_INTERRUPT] = PIN("EXTERNAL_INTERRUPT", PIN_EXTERNAL_INTERRUPT_EXITING),
	[EXIT_REASON_TRIPLE_FAULT] = ALWAYS("TRIPLE_FAULT"),
	[EXIT_REASON_INIT_SIGNAL] = ALWAYS("INIT_SIGNAL"),
	/* Only in the wait-for-SIPI state, which a guest never reaches: an INIT
	 * exits instead of leading there (SDM 3C 26.2). */
	[EXIT_REASON_SIPI] = NEVER("SIPI"),
	/* SMM VM exits need the dual-monitor treatment (SDM 3C 32.15). */
	[EXIT_REASON_IO_SMI] = NEVER("IO_SMI"),
	[EXIT_REASON_OTHER_SMI] = NEVER("OTHER_SMI"),
	/* Requested per entry while an interrupt waits (sched.c). */
	[EXIT_REASON_INTERRUPT_WINDOW] = ALWAYS("INTERRUPT_WINDOW"),
	[EXIT_REASON_NMI_WINDOW] = PROC("NMI_WINDOW", PROC_NMI_WINDOW_EXITING),
	[EXIT_REASON_TASK_SWITCH] = ALWAYS("TASK_SWITCH"),
	[EXIT_REASON_CPUID] = ALWAYS("CPUID"),
	/* #UD before any exit while CR4.SMXE is 0 (SDM 2 GETSEC), and a guest
	 * cannot set it: SMX is hidden (cpuid.c, features.c). */
	[EXIT_REASON_GETSEC] = NEVER("GETSEC"),
	[EXIT_REASON_HLT] = PROC("HLT", PROC_HLT_EXITING),
	[EXIT_REASON_INVD] = ALWAYS("INVD"),
	[EXIT_REASON_INVLPG] = PROC("INVLPG", PROC_INVLPG_EXITING),
	[EXIT_REASON_RDPMC] = PROC("RDPMC", PROC_RDPMC_EXITING),
	[EXIT_REASON_RDTSC] = PROC("RDTSC", PROC_RDTSC_EXITING),
	[EXIT_REASON_RSM] = NEVER("RSM"), /* RSM exits only in SMM under the dual-monitor treatment */
	[EXIT_REASON_VMCALL] = ALWAYS("VMCALL"),
	/* The VMX instructions: CR4.VMXE is 1 in every guest (CR4_FIXED0). */
	[EXIT_REASON_VMCLEAR] = ALWAYS("VMCLEAR"),
	[EXIT_REASON_VMLAUNCH] = ALWAYS("VMLAUNCH"),
	[EXIT_REASON_VMPTRLD] = ALWAYS("VMPTRLD"),
	[EXIT_REASON_VMPTRST] = ALWAYS("VMPTRST"),
	[EXIT_REASON_VMREAD] = ALWAYS("VMREAD"),
	[EXIT_REASON_VMRESUME] = ALWAYS("VMRESUME"),
	[EXIT_REASON_VMWRITE] = ALWAYS("VMWRITE"),
	[EXIT_REASON_VMXOFF] = ALWAYS("VMXOFF"),
	[EXIT_REASON_VMXON] = ALWAYS("VMXON"),
	/* The CR0 and CR4 guest/host masks own bits (vcpu.c). */
	[EXIT_REASON_CR_ACCESS] = ALWAYS("CR_ACCESS"),
	[EXIT_REASON_DR_ACCESS] = PROC("DR_ACCESS", PROC_MOV_DR_EXITING),
	[EXIT_REASON_IO_INSTRUCTION] = PROC("IO_INSTRUCTION", PROC_USE_IO_BITMAPS),
	/* With or without MSR bitmaps, some MSRs exit (vmm/exit/msr.c). */
	[EXIT_REASON_RDMSR] = ALWAYS("RDMSR"),
	[EXIT_REASON_WRMSR] = ALWAYS("WRMSR"),
	[EXIT_REASON_ENTRY_FAILURE_GUEST_STATE] = ALWAYS("ENTRY_FAILURE_GUEST_STATE"),
	/* The VM-entry MSR-load count is 0 (vcpu.c): nothing to fail. */
	[EXIT_REASON_ENTRY_FAILURE_MSR_LOADING] = NEVER("ENTRY_FAILURE_MSR_LOADING"),
	[EXIT_REASON_MWAIT] = PROC("MWAIT", PROC_MWAIT_EXITING),
	[EXIT_REASON_MONITOR_TRAP_FLAG] = PROC("MONITOR_TRAP_FLAG", PROC_MONITOR_TRAP_FLAG),
	[EXIT_REASON_MONITOR] = PROC("MONITOR", PROC_MONITOR_EXITING),
	/* PAUSE-loop exiting, the other way to it, is never requested. */
	[EXIT_REASON_PAUSE] = PROC("PAUSE", PROC_PAUSE_EXITING),
	[EXIT_REASON_ENTRY_FAILURE_MACHINE_CHECK] = ALWAYS("ENTRY_FAILURE_MACHINE_CHECK"),
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = PROC("TPR_BELOW_THRESHOLD", PROC_USE_TPR_SHADOW),
	[EXIT_REASON_APIC_ACCESS] = PROC2("APIC_ACCESS", PROC2_VIRTUALIZE_APIC_ACCESSES),
	[EXIT_REASON_VIRTUALIZED_EOI] = PROC2("VIRTUALIZED_EOI", PROC2_VIRTUAL_INTERRUPT_DELIVERY),
	[EXIT_REASON_GDTR_IDTR_ACCESS] = PROC2("GDTR_IDTR_ACCESS", PROC2_DESCRIPTOR_TABLE_EXITING),
	[EXIT_REASON_LDTR_TR_ACCESS] = PROC2("LDTR_TR_ACCESS", PROC2_DESCRIPTOR_TABLE_EXITING),
	[EXIT_REASON_EPT_VIOLATION] = PROC2("EPT_VIOLATION", PROC2_ENABLE_EPT),
	[EXIT_REASON_EPT_MISCONFIGURATION] = PROC2("EPT_MISCONFIGURATION", PROC2_ENABLE_EPT),
	[EXIT_REASON_INVEPT] = ALWAYS("INVEPT"),
	[EXIT_REASON_RDTSCP] = {"RDTSCP", false, 0, PROC_RDTSC_EXITING, PROC2_ENABLE_RDTSCP},
	[EXIT_REASON_PREEMPTION_TIMER] = PIN("PREEMPTION_TIMER", PIN_ACTIVATE_PREEMPTION_TIMER),
	[EXIT_REASON_INVVPID] = ALWAYS("INVVPID"),
	[EXIT_REASON_WBINVD] = PROC2("WBINVD", PROC2_WBINVD_EXITING),
	[EXIT_REASON_XSETBV] = ALWAYS("XSETBV"),
	[EXIT_REASON_APIC_WRITE] = PROC2("APIC_WRITE", PROC2_APIC_REGISTER_VIRTUALIZATION),
	[EXIT_REASON_RDRAND] = PROC2("RDRAND", PROC2_RDRAND_EXITING),
	[EXIT_REASON_INVPCID] = {"INVPCID", false, 0, PROC_INVLPG_EXITING, PROC2_ENABLE_INVPCID},
	/* Without "enable VM functions" VMFUNC is #UD (SDM 2 VMFUNC). */
	[EXIT_REASON_VMFUNC] = PROC2("VMFUNC", PROC2_ENABLE_VM_FUNCTIONS),
	[EXIT_REASON_ENCLS] = PROC2("ENCLS", PROC2_ENABLE_ENCLS_EXITING),
	[EXIT_REASON_RDSEED] = PROC2("RDSEED", PROC2_RDSEED_EXITING),
	[EXIT_REASON_PML_FULL] = PROC2("PML_FULL", PROC2_ENABLE_PML),
	[EXIT_REASON_XSAVES] = PROC2("XSAVES", PROC2_ENABLE_XSAVES_XRSTORS),
	[EXIT_REASON_XRSTORS] = PROC2("XRSTORS", PROC2_ENABLE_XSAVES_XRSTORS),
	[EXIT_REASON_PCONFIG] = PROC2("PCONFIG", PROC2_ENABLE_PCONFIG),
	[EXIT_REASON_SPP_RELATED_EVENT] = PROC2("SPP_RELATED_EVENT", PROC2_SUB_PAGE_WRITE_PERMISSIONS),
	[EXIT_REASON_UMWAIT] = {"UMWAIT", false, 0, PROC_RDTSC_EXITING, PROC2_ENABLE_USER_WAIT_AND_PAUSE},
	[EXIT_REASON_TPAUSE] = {"TPAUSE", false, 0, PROC_RDTSC_EXITING, PROC2_ENABLE_USER_WAIT_AND_PAUSE},
	/* "LOADIWKEY exiting" is a tertiary control, never activated. */
	[EXIT_REASON_LOADIWKEY] = NEVER("LOADIWKEY"),
};

const char *exit_reason_name(unsigned reason) { return reason < EXIT_REASON_COUNT ? rows[reason].name : 0; }

bool exit_reason_enabled(const struct vmx_caps *c, unsigned reason)
{
	if (!exit_reason_name(reason))
		return false;
	const struct exit_reason_row *r = &rows[reason];
	if (r->always)
		return true;
	return (r->pin | r->proc | r->proc2) && (c->pin & r->pin) == r->pin && (c->proc & r->proc) == r->proc &&
	       (c->proc2 & r->proc2) == r->proc2;
}
