/* Guest state accessors and emulated writes for the exit handlers: control
 * registers with hardware's checks (SDM 3A 2.5, 4.1.1; 3C 26.3.1.1), event
 * injection (3C 27.6), and lazily switched state (FPU, XCR0, SYSCALL MSRs)
 * that VMX leaves to the VMM. */
#include "kernel/cpu.h"
#include "kernel/fpu.h"
#include "kernel/panic.h"
#include "kernel/string.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmx/vmcs.h"
#include "vmm/vmx/vmx_caps.h"

int vmx_enter(struct guest_regs *regs, int launched, vcpu_exit_fn on_exit, void *ctx);

#define IA32_STAR 0xC0000081
#define IA32_LSTAR 0xC0000082
#define IA32_CSTAR 0xC0000083
#define IA32_FMASK 0xC0000084
#define IA32_KERNEL_GS_BASE 0xC0000102
#define IA32_TSC_AUX 0xC0000103

/* The VCPU whose VMCS, FPU and MSR state the CPU holds (one CPU for now). */
static struct vcpu *current;

/*
 * XSAVE saves only what XCR0 enables, but a guest that never touched XCR0
 * (XCR0 = 1) still uses SSE registers. So switch with every component Kestrel
 * manages enabled, then put the guest's own XCR0 back.
 */
static void fpu_save(struct vcpu *v)
{
	void *area = (void *)(uintptr_t)v->fpu_pa;
	if (!fpu_has_xsave()) {
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
		return;
	}
	write_xcr0(fpu_xcr0_mask());
	__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
}

/* mask_set: XCR0 holds every component already (fpu_save just ran). */
static void fpu_restore(struct vcpu *v, bool mask_set)
{
	void *area = (void *)(uintptr_t)v->fpu_pa;
	if (!fpu_has_xsave()) {
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
		return;
	}
	if (!mask_set)
		write_xcr0(fpu_xcr0_mask());
	__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
	write_xcr0(v->xcr0);
}

static void msrs_save(const struct vmx_caps *c, struct guest_msrs *m)
{
	if (c->tsc_aux)
		m->tsc_aux = rdmsr(IA32_TSC_AUX);
	m->star = rdmsr(IA32_STAR);
	m->lstar = rdmsr(IA32_LSTAR);
	m->cstar = rdmsr(IA32_CSTAR);
	m->sfmask = rdmsr(IA32_FMASK);
	m->kernel_gs_base = rdmsr(IA32_KERNEL_GS_BASE);
	m->cr2 = read_cr2();
	__asm__ volatile("mov %%dr0, %0; mov %%dr1, %1; mov %%dr2, %2; mov %%dr3, %3; mov %%dr6, %4"
			 : "=r"(m->dr0), "=r"(m->dr1), "=r"(m->dr2), "=r"(m->dr3), "=r"(m->dr6));
}

/* WRMSR only what differs from the values the CPU holds (was, or all with
 * was NULL): most guests leave most of them at 0, and a WRMSR is costly. */
static void msr_switch(uint32_t msr, const uint64_t *was, uint64_t now)
{
	if (!was || *was != now)
		wrmsr(msr, now);
}

static void msrs_restore(const struct vmx_caps *c, const struct guest_msrs *was, const struct guest_msrs *m)
{
	if (c->tsc_aux)
		msr_switch(IA32_TSC_AUX, was ? &was->tsc_aux : 0, m->tsc_aux);
	msr_switch(IA32_STAR, was ? &was->star : 0, m->star);
	msr_switch(IA32_LSTAR, was ? &was->lstar : 0, m->lstar);
	msr_switch(IA32_CSTAR, was ? &was->cstar : 0, m->cstar);
	msr_switch(IA32_FMASK, was ? &was->sfmask : 0, m->sfmask);
	msr_switch(IA32_KERNEL_GS_BASE, was ? &was->kernel_gs_base : 0, m->kernel_gs_base);
	write_cr2(m->cr2);
	__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3; mov %4, %%dr6" ::"r"(m->dr0),
			 "r"(m->dr1), "r"(m->dr2), "r"(m->dr3), "r"(m->dr6));
}

void vcpu_load(struct vcpu *v)
{
	if (current == v)
		return;
	if (current) {
		fpu_save(current);
		msrs_save(current->caps, &current->msrs);
	}
	if (vmptrld(v->vmcs_pa))
		panic("VMPTRLD of VMCS 0x%lx failed", v->vmcs_pa);
	fpu_restore(v, current != 0);
	msrs_restore(v->caps, current ? &current->msrs : 0, &v->msrs);
	current = v;
}

void vcpu_sync_lazy(struct vcpu *v)
{
	fpu_save(v);
	if (fpu_has_xsave())
		write_xcr0(v->xcr0); /* fpu_save left every component enabled */
	msrs_save(v->caps, &v->msrs);
}

void vcpu_reload_lazy(struct vcpu *v)
{
	fpu_restore(v, false);
	msrs_restore(v->caps, 0, &v->msrs);
}

/* VMX does not switch CR2 (the VMCS guest-state area has none, SDM 3C
 * "Guest Register State"): a loaded VCPU's CR2 is the CPU's own register,
 * the others' wait in msrs. */
void vcpu_set_cr2(struct vcpu *v, uint64_t cr2)
{
	if (current == v)
		write_cr2(cr2);
	else
		v->msrs.cr2 = cr2;
}

/* Forget v as the current VCPU, so that its VMCS can be cleared and freed. */
void vcpu_unload(struct vcpu *v)
{
	if (current == v)
		current = 0;
}

/* A fresh FPU area: FCW 0x37F and MXCSR 0x1F80, their values after FNINIT
 * and reset (SDM 1 8.1.5, 10.2.3); XSTATE_BV says x87 and SSE are valid. */
void vcpu_fpu_init(struct vcpu *v)
{
	uint8_t *a = (uint8_t *)(uintptr_t)v->fpu_pa;
	memset(a, 0, FPU_AREA_SIZE);
	*(uint16_t *)(a + 0) = 0x37F;
	*(uint32_t *)(a + 24) = 0x1F80;
	*(uint64_t *)(a + 512) = 3;
	v->xcr0 = 1;
	if (current == v)
		fpu_restore(v, false);
}

int vcpu_run(struct vcpu *v, uint32_t preemption_timer, vcpu_exit_fn on_exit, void *ctx)
{
	vcpu_load(v);
	vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, preemption_timer);
	int rc = vmx_enter(&v->regs, v->launched, on_exit, ctx);
	if (rc == 0)
		v->launched = true;
	return rc;
}

void vmx_floor_exit_point(void); /* vmm/vmx/vmx_floor.asm */

void vcpu_bench_floor(struct vcpu *v)
{
	v->regs.floor_left = VCPU_FLOOR_EXITS;
	vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_floor_exit_point);
}

unsigned vcpu_instruction_error(void) { return (unsigned)vmcs_read(VMCS_VM_INSTRUCTION_ERROR); }
const char *vcpu_instruction_error_name(unsigned error) { return vmcs_instruction_error_name(error); }

/* WRMSR to IA32_TIME_STAMP_COUNTER: the guest's TSC becomes val from now on,
 * through the VMCS TSC offset (SDM 3C 26.6.5); the host clock is untouched. */
bool vcpu_write_tsc(struct vcpu *v, uint64_t val)
{
	if (!(v->proc & PROC_USE_TSC_OFFSETTING))
		return false;
	vmcs_write(VMCS_TSC_OFFSET, val - rdtsc());
	return true;
}

uint64_t vcpu_rflags(void) { return vmcs_read(VMCS_GUEST_RFLAGS); }
uint64_t vcpu_rsp(void) { return vmcs_read(VMCS_GUEST_RSP); }
void vcpu_set_rsp(uint64_t rsp) { vmcs_write(VMCS_GUEST_RSP, rsp); }

void vcpu_tr(uint64_t *base, uint32_t *limit)
{
	*base = vmcs_read(VMCS_GUEST_TR_BASE);
	*limit = (uint32_t)vmcs_read(VMCS_GUEST_TR_LIMIT);
}
uint64_t vcpu_cr3(void) { return vmcs_read(VMCS_GUEST_CR3); }
/* IA32_DEBUGCTL is guest state in the VMCS, loaded at every VM entry. */
uint64_t vcpu_debugctl(void) { return vmcs_read(VMCS_GUEST_IA32_DEBUGCTL); }
void vcpu_write_debugctl(uint64_t val) { vmcs_write(VMCS_GUEST_IA32_DEBUGCTL, val); }

static uint64_t shadowed(enum vmcs_field real, enum vmcs_field mask, enum vmcs_field shadow)
{
	uint64_t m = vmcs_read(mask);
	return (vmcs_read(real) & ~m) | (vmcs_read(shadow) & m);
}

uint64_t vcpu_cr0(void) { return shadowed(VMCS_GUEST_CR0, VMCS_CR0_GUEST_HOST_MASK, VMCS_CR0_READ_SHADOW); }
uint64_t vcpu_cr4(void) { return shadowed(VMCS_GUEST_CR4, VMCS_CR4_GUEST_HOST_MASK, VMCS_CR4_READ_SHADOW); }

void vcpu_inject(unsigned type, unsigned vector, bool has_error, uint32_t error, unsigned insn_len)
{
	uint32_t info = INTR_INFO_VALID | (type << 8) | (vector & 0xFF);
	if (has_error) {
		info |= INTR_INFO_DELIVER_ERROR_CODE;
		vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	if (type == INTR_TYPE_SOFTWARE_INTERRUPT || type == INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION ||
	    type == INTR_TYPE_SOFTWARE_EXCEPTION)
		vmcs_write(VMCS_VM_ENTRY_INSTRUCTION_LENGTH, insn_len);
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFO, info);
}

bool vcpu_event_pending(void) { return vmcs_read(VMCS_VM_ENTRY_INTERRUPTION_INFO) & INTR_INFO_VALID; }

/* A primary control requested per entry, written only when it changes. */
static void vcpu_set_proc(struct vcpu *v, uint32_t bit, bool on)
{
	uint32_t proc = on ? v->proc | bit : v->proc & ~bit;
	if (proc != v->proc) {
		v->proc = proc;
		vmcs_write(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
	}
}

void vcpu_set_interrupt_window(struct vcpu *v, bool on) { vcpu_set_proc(v, PROC_INTERRUPT_WINDOW_EXITING, on); }

void vcpu_set_monitor_trap(struct vcpu *v, bool on) { vcpu_set_proc(v, PROC_MONITOR_TRAP_FLAG, on); }

uint64_t vcpu_tsc_offset(void) { return vmcs_read(VMCS_TSC_OFFSET); }
void vcpu_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	if (v->proc & PROC_USE_TSC_OFFSETTING)
		vmcs_write(VMCS_TSC_OFFSET, offset);
}

void vcpu_set_eptp(struct vcpu *v, uint64_t eptp)
{
	(void)v;
	vmcs_write(VMCS_EPT_POINTER, eptp);
}

#define RFLAGS_TF (1ull << 8)
#define EXCEPTION_DB (1u << 1)

bool vcpu_trap_flag_step(struct vcpu *v, bool on, bool guest_tf)
{
	(void)v;
	uint64_t rf = vmcs_read(VMCS_GUEST_RFLAGS);
	uint32_t bitmap = (uint32_t)vmcs_read(VMCS_EXCEPTION_BITMAP);
	bool was = rf & RFLAGS_TF;
	if (on) {
		rf |= RFLAGS_TF;
		bitmap |= EXCEPTION_DB;
	} else {
		rf = guest_tf ? rf | RFLAGS_TF : rf & ~RFLAGS_TF;
		bitmap &= ~EXCEPTION_DB;
	}
	vmcs_write(VMCS_GUEST_RFLAGS, rf);
	vmcs_write(VMCS_EXCEPTION_BITMAP, bitmap);
	return was;
}

void vcpu_set_pml(struct vcpu *v, uint64_t pml_pa, bool on)
{
	(void)v;
	uint32_t proc2 = (uint32_t)vmcs_read(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL);
	if (on) {
		vmcs_write(VMCS_PML_ADDRESS, pml_pa);
		vcpu_pml_reset();
	}
	proc2 = on ? proc2 | PROC2_ENABLE_PML : proc2 & ~PROC2_ENABLE_PML;
	vmcs_write(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, proc2);
}

/* The index counts down from 511; past 0 it wraps to 0xFFFF: the log is
 * full (SDM 3C 29.3.6). */
unsigned vcpu_pml_logged(void)
{
	unsigned index = (unsigned)vmcs_read(VMCS_GUEST_PML_INDEX);
	return index >= VCPU_PML_ENTRIES ? VCPU_PML_ENTRIES : VCPU_PML_ENTRIES - 1 - index;
}

void vcpu_pml_reset(void) { vmcs_write(VMCS_GUEST_PML_INDEX, VCPU_PML_ENTRIES - 1); }
