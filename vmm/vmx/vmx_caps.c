/* VMX discovery and VMXON by the book (Intel SDM Vol. 3C 24.6-24.8 "Discovering
 * Support for VMX", "Enabling and Entering VMX Operation", "Restrictions on VMX
 * Operation"; appendix A for the capability MSRs). Every control comes from
 * the capability MSRs; a control Kestrel needs and the CPU lacks is named. */
#include "vmm/vmx/vmx_caps.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/panic.h"
#include "kernel/string.h"
#include "vmm/vmx/vmx.h"

struct control_name {
	uint32_t bit;
	const char *name;
};

struct why {
	char *buf;
	unsigned len, used;
};

static void why_add(struct why *w, const char *what)
{
	int n = fmt_snprintf(w->buf + w->used, w->len - w->used, "%s%s", w->used ? ", " : "", what);
	if (n > 0 && w->used + (unsigned)n < w->len)
		w->used += n;
}

/*
 * SDM 3D A.3.1: bits 31:0 of a control capability MSR are the allowed
 * 0-settings (a 1 there means the control must be 1), bits 63:32 the allowed
 * 1-settings. Required controls the CPU cannot set are reported by name.
 */
static uint32_t fit_controls(uint32_t msr, uint32_t required, uint32_t optional, const struct control_name *names,
			     struct why *w)
{
	uint64_t cap = rdmsr(msr);
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);
	uint32_t missing = required & ~may;
	for (const struct control_name *n = names; n->name; n++)
		if (missing & n->bit)
			why_add(w, n->name);
	return ((required | optional) & may) | must;
}

static const struct control_name pin_names[] = {
	{PIN_EXTERNAL_INTERRUPT_EXITING, "external-interrupt exiting"},
	{PIN_NMI_EXITING, "NMI exiting"},
	{PIN_ACTIVATE_PREEMPTION_TIMER, "activate VMX-preemption timer"},
	{0, 0},
};
static const struct control_name proc_names[] = {
	{PROC_INTERRUPT_WINDOW_EXITING, "interrupt-window exiting"},
	{PROC_HLT_EXITING, "HLT exiting"},
	{PROC_MWAIT_EXITING, "MWAIT exiting"},
	{PROC_RDPMC_EXITING, "RDPMC exiting"},
	{PROC_USE_IO_BITMAPS, "use I/O bitmaps"},
	{PROC_USE_MSR_BITMAPS, "use MSR bitmaps"},
	{PROC_MONITOR_EXITING, "MONITOR exiting"},
	{PROC_ACTIVATE_SECONDARY_CONTROLS, "activate secondary controls"},
	{0, 0},
};
static const struct control_name proc2_names[] = {
	{PROC2_ENABLE_EPT, "enable EPT"},
	{PROC2_UNRESTRICTED_GUEST, "unrestricted guest"},
	{0, 0},
};
static const struct control_name exit_names[] = {
	{EXIT_HOST_ADDRESS_SPACE_SIZE, "host address-space size"},
	{EXIT_SAVE_IA32_PAT, "save IA32_PAT on VM exit"},
	{EXIT_LOAD_IA32_PAT, "load IA32_PAT on VM exit"},
	{EXIT_SAVE_IA32_EFER, "save IA32_EFER on VM exit"},
	{EXIT_LOAD_IA32_EFER, "load IA32_EFER on VM exit"},
	{0, 0},
};
static const struct control_name entry_names[] = {
	{ENTRY_LOAD_IA32_PAT, "load IA32_PAT on VM entry"},
	{ENTRY_LOAD_IA32_EFER, "load IA32_EFER on VM entry"},
	{0, 0},
};

static void probe_controls(struct vmx_caps *c, struct why *w)
{
	bool t = c->true_controls;
	c->pin = fit_controls(t ? IA32_VMX_TRUE_PINBASED_CTLS : IA32_VMX_PINBASED_CTLS,
			      PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_ACTIVATE_PREEMPTION_TIMER,
			      PIN_VIRTUAL_NMIS, pin_names, w);
	c->proc = fit_controls(t ? IA32_VMX_TRUE_PROCBASED_CTLS : IA32_VMX_PROCBASED_CTLS,
			       PROC_HLT_EXITING | PROC_MWAIT_EXITING | PROC_RDPMC_EXITING | PROC_USE_IO_BITMAPS |
				       PROC_USE_MSR_BITMAPS | PROC_MONITOR_EXITING | PROC_ACTIVATE_SECONDARY_CONTROLS |
				       PROC_INTERRUPT_WINDOW_EXITING,
			       PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_USE_TSC_OFFSETTING |
				       PROC_MONITOR_TRAP_FLAG,
			       proc_names, w);
	/* Interrupt-window exiting and the monitor trap flag (watches) are
	 * requested per entry, not always on. */
	c->mtf = c->proc & PROC_MONITOR_TRAP_FLAG;
	c->proc &= ~(PROC_INTERRUPT_WINDOW_EXITING | PROC_MONITOR_TRAP_FLAG);
	if (c->proc & PROC_ACTIVATE_SECONDARY_CONTROLS)
		c->proc2 = fit_controls(IA32_VMX_PROCBASED_CTLS2, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST,
					PROC2_ENABLE_VPID | PROC2_WBINVD_EXITING | PROC2_ENABLE_RDTSCP |
						PROC2_ENABLE_INVPCID,
					proc2_names, w);
	/* Page-modification logging (SDM 3C 29.3.6), for dirty logging; it
	 * also needs EPT accessed and dirty flags (probe_ept). */
	c->pml = (c->proc & PROC_ACTIVATE_SECONDARY_CONTROLS) &&
		 ((rdmsr(IA32_VMX_PROCBASED_CTLS2) >> 32) & PROC2_ENABLE_PML);
	c->exit = fit_controls(t ? IA32_VMX_TRUE_EXIT_CTLS : IA32_VMX_EXIT_CTLS,
			       EXIT_HOST_ADDRESS_SPACE_SIZE | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT |
				       EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER,
			       0, exit_names, w);
	c->entry = fit_controls(t ? IA32_VMX_TRUE_ENTRY_CTLS : IA32_VMX_ENTRY_CTLS,
				ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER, 0, entry_names, w);
	c->entry &= ~ENTRY_IA32E_MODE_GUEST; /* per guest, from its EFER.LMA */
}

static void probe_ept(struct vmx_caps *c, struct why *w)
{
	if (!(c->proc2 & PROC2_ENABLE_EPT))
		return;
	c->ept_vpid_cap = rdmsr(IA32_VMX_EPT_VPID_CAP);
	if (!(c->ept_vpid_cap & EPT_CAP_PAGE_WALK_4))
		why_add(w, "EPT page-walk length 4");
	if (!(c->ept_vpid_cap & EPT_CAP_MEMTYPE_WB))
		why_add(w, "EPT write-back memory type");
	if (!(c->ept_vpid_cap & EPT_CAP_INVEPT) ||
	    !(c->ept_vpid_cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)))
		why_add(w, "INVEPT");
	c->ept_2mb = c->ept_vpid_cap & EPT_CAP_2MB_PAGES;
	c->pml = c->pml && (c->ept_vpid_cap & EPT_CAP_ACCESSED_DIRTY);
	c->vpid = (c->proc2 & PROC2_ENABLE_VPID) && (c->ept_vpid_cap & VPID_CAP_INVVPID);
	if (!c->vpid)
		c->proc2 &= ~PROC2_ENABLE_VPID;
	c->unrestricted_guest = c->proc2 & PROC2_UNRESTRICTED_GUEST;
}

bool vmx_probe(struct vmx_caps *c, char *buf, unsigned len)
{
	struct why w = {buf, len, 0};
	buf[0] = 0;
	memset(c, 0, sizeof(*c));
	if (!(cpuid(1, 0).ecx & (1u << 5))) {
		why_add(&w, "VMX (CPUID.1:ECX.VMX[bit 5] is 0)");
		return false;
	}
	uint64_t fc = rdmsr(IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
		why_add(&w, "VMXON outside SMX (IA32_FEATURE_CONTROL is locked with it disabled by the firmware)");
		return false;
	}
	c->basic = rdmsr(IA32_VMX_BASIC);
	c->revision = c->basic & 0x7FFFFFFF;
	c->true_controls = c->basic & VMX_BASIC_TRUE_CTLS;
	uint64_t misc = rdmsr(IA32_VMX_MISC);
	c->preemption_rate = VMX_MISC_PREEMPTION_RATE(misc);
	c->cr0_fixed0 = rdmsr(IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(IA32_VMX_CR4_FIXED1);
	if (((c->basic >> 32) & 0x1FFF) > 4096)
		why_add(&w, "a VMCS of at most 4 KiB");
	probe_controls(c, &w);
	c->cpuid_max_basic = cpuid(0, 0).eax;
	c->cpuid_max_extended = cpuid(0x80000000, 0).eax;
	/* IA32_TSC_AUX exists with RDTSCP or RDPID (SDM 4 table 2-2). */
	c->tsc_aux = (cpuid(0x80000001, 0).edx & (1u << 27)) ||
		     (c->cpuid_max_basic >= 7 && (cpuid(7, 0).ecx & (1u << 22)));
	c->maxphyaddr = c->cpuid_max_extended >= 0x80000008 ? cpuid(0x80000008, 0).eax & 0xFF : 36;
	probe_ept(c, &w);
	return w.used == 0;
}

void vmx_init_region(const struct vmx_caps *c, void *region)
{
	memset(region, 0, 4096);
	*(uint32_t *)region = c->revision;
}

void vmx_enable(const struct vmx_caps *c, uint64_t vmxon_pa)
{
	uint64_t fc = rdmsr(IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
	/* SDM 3C 24.8: CR0 and CR4 must honour the fixed bits in VMX operation. */
	write_cr0((read_cr0() | c->cr0_fixed0) & c->cr0_fixed1);
	write_cr4(((read_cr4() | CR4_VMXE) | c->cr4_fixed0) & c->cr4_fixed1);
	int rc = vmxon(vmxon_pa);
	if (rc)
		panic("VMXON failed (%s)", rc == 1 ? "VMfailInvalid" : "VMfailValid");
}
