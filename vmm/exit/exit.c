/* Exit decoding, accounting and the dispatch table (SDM 3C 28.2, appendix C).
 * A reason with no handler stops that guest with a full report. */
#include "vmm/exit/exit.h"
#include "vmm/inject.h"
#include "vmm/mem/dirty.h"
#include "vmm/mem/gram.h"
#include "vmm/mem/watch.h"
#include <stddef.h>
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vm.h"
#include "vmm/vmx/vmx.h"

/*
 * An exit in the middle of delivering an event (an EPT violation on the IDT,
 * say) leaves the event in the IDT-vectoring field: deliver it again at the
 * next entry (SDM 3C 28.2.4, 29.2.4 "Reflecting Exceptions to Guest Software").
 */
static void exit_requeue_vectoring(struct vm *vm, const struct vm_exit *e)
{
	if (!(e->vectoring_info & INTR_INFO_VALID))
		return;
	struct event ev = {
		.type = (uint8_t)INTR_INFO_TYPE(e->vectoring_info),
		.vector = (uint8_t)INTR_INFO_VECTOR(e->vectoring_info),
		.error = e->vectoring_error,
		.insn_len = (uint8_t)e->insn_len,
	};
	const char *why = vm_inject(vm, &ev, EVENT_RAISED);
	if (why)
		vm_end(vm, VM_CRASHED, "cannot deliver again the event an exit interrupted: %s", why);
}

static enum exit_action exit_resume(struct vm *vm, const struct vm_exit *e)
{
	(void)vm;
	(void)e;
	return EXIT_RESUME;
}

static enum exit_action exit_external_interrupt(struct vm *vm, const struct vm_exit *e)
{
	(void)vm;
	(void)e;
	/* Let the host IDT take it: a short window with interrupts on. */
	cpu_interrupt_window();
	return EXIT_LOOK;
}

static enum exit_action exit_exception_or_nmi(struct vm *vm, const struct vm_exit *e)
{
	if (INTR_INFO_TYPE(e->intr_info) == INTR_TYPE_NMI) {
		klog(LOG_WARN, "host NMI while running %s\n", vm->opts.name);
		return EXIT_RESUME;
	}
	if (INTR_INFO_VECTOR(e->intr_info) == 1 && vm->watch.step.on) {
		watch_step_done(vm); /* the single step of a watch (vmm/mem/watch.c) */
		return EXIT_RESUME;
	}
	return exit_unhandled(vm, e, "unexpected exception exit");
}

/* A triple fault is a shutdown cycle, which a PC's chipset turns into a
 * reset (SDM 3A 6.15, "Interrupt 8"; Linux's reboot=t relies on it). */
static enum exit_action exit_triple_fault(struct vm *vm, const struct vm_exit *e)
{
	vm_reset_request(vm, "triple fault at RIP 0x%lx", e->rip);
	return EXIT_RESET;
}

/* VMX, SMX and other instructions Kestrel does not offer: #UD as on a CPU
 * without them (CPUID hides VMX, SMX, MONITOR/MWAIT). */
static enum exit_action exit_inject_ud(struct vm *vm, const struct vm_exit *e)
{
	(void)vm;
	(void)e;
	vm_raise_ud(vm);
	return EXIT_RESUME;
}

static enum exit_action exit_inject_gp(struct vm *vm, const struct vm_exit *e)
{
	(void)vm;
	(void)e;
	vm_raise_gp(vm);
	return EXIT_RESUME;
}

/* INVD would drop dirty lines the host owns; WBINVD is harmless to skip. */
static enum exit_action exit_skip(struct vm *vm, const struct vm_exit *e)
{
	(void)vm;
	vcpu_skip_instruction(e);
	return EXIT_RESUME;
}

/* The guest can take the interrupt it waits for: the scheduler injects it. */
static enum exit_action exit_interrupt_window(struct vm *vm, const struct vm_exit *e)
{
	(void)e;
	vcpu_set_interrupt_window(&vm->vcpu, false);
	return EXIT_LOOK;
}

/*
 * An access the EPT refused. Inside RAM it is one the memory layer held
 * back: a write to a page that is shared or that a snapshot or the dirty
 * log watches (vmm/mem/gram.c), or an access to a watched page (watch.c);
 * the instruction runs again once that is dealt with. Beyond RAM there is
 * nothing to access: the guest is stopped.
 */
static enum exit_action exit_ept_violation(struct vm *vm, const struct vm_exit *e)
{
	struct ept_leaf leaf;
	if (!ept_lookup(&vm->ept, e->gpa, &leaf)) {
		vm_end(vm, VM_CRASHED,
		       "EPT violation: %s%s%s guest-physical 0x%lx (outside its %lu KiB of RAM) at RIP 0x%lx",
		       e->ept.read ? "read" : "", e->ept.write ? "write" : "", e->ept.fetch ? "fetch" : "", e->gpa,
		       vm->opts.mem >> 10, e->rip);
		return EXIT_STOPPED;
	}
	/* The fault may have ended a blocking-by-NMI an IRET had lifted: the
	 * IRET runs again and must find it in place (SDM 3C 28.2.3). */
	if (e->qualification & (1u << 12))
		vcpu_set_interruptibility(vcpu_interruptibility() | INTERRUPTIBILITY_NMI);
	uint64_t last_spurious = vm->mem.spurious_gpa;
	vm->mem.spurious_gpa = ~0ull;
	if (e->ept.write && !(leaf.granted & EPT_PAGE_W)) {
		void *p;
		if (vm->dirty.on)
			dirty_tick(vm, rdtsc()); /* a write after the second's end counts in the next */
		if (gram_make_writable(vm, e->gpa, &p) == GRAM_NO_MEMORY) {
			vm->paused_from = vm->state;
			vm->state = VM_PAUSED;
			vm_note(vm, "*** no host memory for a copy of page 0x%lx: paused (forget a snapshot or "
				    "stop a VM, then resume it)", e->gpa & ~(uint64_t)0xFFF);
			return EXIT_RESCHEDULE;
		}
		if (!watch_hidden(vm, e->gpa & ~(uint64_t)0xFFF))
			return EXIT_RESUME;
	}
	if (watch_violation(vm, e))
		return EXIT_RESUME;
	/* The leaf allows the access now: a translation cached from before
	 * its rights were given back. Once: INVEPT and again; twice in a row
	 * for the same address is a fault Kestrel cannot explain. */
	if (last_spurious != e->gpa) {
		vm->mem.spurious_gpa = e->gpa;
		ept_invalidate(vm->vcpu.caps, &vm->ept);
		return EXIT_RESUME;
	}
	return exit_unhandled(vm, e, "EPT violation on guest RAM with no reason to fault");
}

/* The page-modification log is full (SDM 3C 29.3.6): read and empty it. */
static enum exit_action exit_pml_full(struct vm *vm, const struct vm_exit *e)
{
	(void)e;
	dirty_pml_full(vm);
	return EXIT_RESUME;
}

/* The instruction a watch let through has retired (SDM 3C 26.7.2). */
static enum exit_action exit_monitor_trap(struct vm *vm, const struct vm_exit *e)
{
	(void)e;
	watch_step_done(vm);
	return EXIT_RESUME;
}

/* VM-entry failures after the guest state was checked (SDM 3C 27.8, exit
 * qualification of reason 33 in 28.2.1, table 28-1 in older editions). */
static enum exit_action exit_entry_failure(struct vm *vm, const struct vm_exit *e)
{
	static const char *const guest_state_detail[] = {
		[0] = "a guest-state field is invalid",
		[2] = "loading the PDPTEs failed",
		[3] = "an NMI was injected while NMIs are blocked",
		[4] = "the VMCS link pointer is invalid",
	};
	const char *detail = "";
	if (e->reason == EXIT_REASON_ENTRY_FAILURE_GUEST_STATE && e->qualification < 5 &&
	    guest_state_detail[e->qualification])
		detail = guest_state_detail[e->qualification];
	const char *what = e->reason == EXIT_REASON_ENTRY_FAILURE_GUEST_STATE ? "invalid guest state"
			   : e->reason == EXIT_REASON_ENTRY_FAILURE_MSR_LOADING ? "MSR loading"
									       : "machine-check event";
	vm_end(vm, VM_CRASHED, "VM entry failed: %s%s%s (exit reason %u, qualification %lu) at RIP 0x%lx", what,
	       *detail ? ": " : "", detail, e->reason, e->qualification, e->rip);
	return EXIT_STOPPED;
}

static const exit_handler exit_handlers[EXIT_REASON_COUNT] = {
	[EXIT_REASON_EXCEPTION_OR_NMI] = exit_exception_or_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = exit_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = exit_triple_fault,
	[EXIT_REASON_INIT_SIGNAL] = exit_resume,
	[EXIT_REASON_SIPI] = exit_resume,
	[EXIT_REASON_INTERRUPT_WINDOW] = exit_interrupt_window,
	[EXIT_REASON_CPUID] = exit_cpuid,
	[EXIT_REASON_GETSEC] = exit_inject_ud,
	[EXIT_REASON_HLT] = exit_hlt,
	[EXIT_REASON_INVD] = exit_skip,
	[EXIT_REASON_RDPMC] = exit_inject_gp,
	[EXIT_REASON_VMCALL] = exit_vmcall,
	[EXIT_REASON_VMCLEAR] = exit_inject_ud,
	[EXIT_REASON_VMLAUNCH] = exit_inject_ud,
	[EXIT_REASON_VMPTRLD] = exit_inject_ud,
	[EXIT_REASON_VMPTRST] = exit_inject_ud,
	[EXIT_REASON_VMREAD] = exit_inject_ud,
	[EXIT_REASON_VMRESUME] = exit_inject_ud,
	[EXIT_REASON_VMWRITE] = exit_inject_ud,
	[EXIT_REASON_VMXOFF] = exit_inject_ud,
	[EXIT_REASON_VMXON] = exit_inject_ud,
	[EXIT_REASON_CR_ACCESS] = exit_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = exit_io,
	[EXIT_REASON_RDMSR] = exit_rdmsr,
	[EXIT_REASON_WRMSR] = exit_wrmsr,
	[EXIT_REASON_MWAIT] = exit_inject_ud,
	[EXIT_REASON_MONITOR] = exit_inject_ud,
	[EXIT_REASON_EPT_VIOLATION] = exit_ept_violation,
	[EXIT_REASON_MONITOR_TRAP_FLAG] = exit_monitor_trap,
	[EXIT_REASON_PML_FULL] = exit_pml_full,
	[EXIT_REASON_INVEPT] = exit_inject_ud,
	[EXIT_REASON_PREEMPTION_TIMER] = exit_resume,
	[EXIT_REASON_INVVPID] = exit_inject_ud,
	[EXIT_REASON_WBINVD] = exit_skip,
	[EXIT_REASON_XSETBV] = exit_xsetbv,
	[EXIT_REASON_VMFUNC] = exit_inject_ud,
};

/* The exits vcpu_read_exit does not call plain: string I/O, exceptions,
 * EPT violations, entry failures, an event interrupted, an unknown reason. */
static enum exit_action __attribute__((noinline)) exit_dispatch_rest(struct vm *vm, const struct vm_exit *e)
{
	if (e->reason < EXIT_REASON_COUNT) {
		vm->exits[e->reason]++;
		vm->exit_reason = e->reason;
	}
	if (e->entry_failure)
		return exit_entry_failure(vm, e);
	if (e->vectoring_info) {
		exit_requeue_vectoring(vm, e);
		if (vm->state != VM_RUNNING)
			return EXIT_STOPPED;
	}
	exit_handler h = e->reason < EXIT_REASON_COUNT ? exit_handlers[e->reason] : 0;
	if (!h)
		return exit_unhandled(vm, e, "no handler for this exit");
	return h(vm, e);
}

/* Read the exit from the current VMCS, count it and run its handler. Every
 * reason exit_decode calls plain has a handler in the table. */
static enum exit_action exit_dispatch(struct vm *vm)
{
	struct vm_exit e;
	vm->exits_total++;
	if (!vcpu_read_exit(&e))
		return exit_dispatch_rest(vm, &e);
	vm->exits[e.reason]++;
	vm->exit_reason = e.reason;
	return exit_handlers[e.reason](vm, &e);
}

/*
 * Every exit's path (vcpu_run calls it at each exit): the handler, then
 * straight back into the guest with the timer set for the deadline ahead,
 * unless the scheduler has something to do: the handler asks for it (a
 * block, a yield, a host interrupt, an interrupt request that no armed
 * interrupt window will report, the end), or the deadline the scheduler
 * left in run_deadline has come (the slice's end, the devices' next event,
 * which a port access may bring forward). Devices advance, interrupts are
 * injected and the host is served only then, when something changed; here
 * only the exit is counted and its host time added up.
 */
int64_t exit_handle(void *ctx)
{
	struct vm *vm = ctx;
	enum exit_action act = vm->action = exit_dispatch(vm);
	uint64_t now = rdtsc();
	if (act != EXIT_RESUME || now >= vm->run_deadline)
		return -1;
	vm->exit_ticks[vm->exit_reason] += now - vm->vcpu.regs.exit_tsc;
	/* The scheduler keeps run_deadline within the timer's reach. */
	return (int64_t)((vm->run_deadline - now) >> vm->timer_rate);
}

enum exit_action exit_unhandled(struct vm *vm, const struct vm_exit *e, const char *why)
{
	struct vcpu_state s;
	vcpu_snapshot(&vm->vcpu, &s);
	const char *name = exit_reason_name(e->reason);
	vm_note(vm, "*** %s: exit reason %u (%s), qualification 0x%lx, RIP 0x%lx", why, e->reason, name ? name : "?",
		e->qualification, e->rip);
	vm_note(vm, "    RAX %016lx RBX %016lx RCX %016lx RDX %016lx", s.regs.rax, s.regs.rbx, s.regs.rcx, s.regs.rdx);
	vm_note(vm, "    RSI %016lx RDI %016lx RBP %016lx RSP %016lx", s.regs.rsi, s.regs.rdi, s.regs.rbp, s.rsp);
	vm_note(vm, "    RFLAGS %08lx CR0 %08lx CR3 %08lx CR4 %08lx EFER %lx CS %04x", s.rflags, s.cr0, s.cr3, s.cr4,
		s.efer, s.seg[1].sel);
	vm_end(vm, VM_CRASHED, "%s: exit reason %u (%s), qualification 0x%lx, RIP 0x%lx", why, e->reason,
	       name ? name : "?", e->qualification, e->rip);
	return EXIT_STOPPED;
}

static const unsigned gpr_offset[16] = {
	offsetof(struct guest_regs, rax), offsetof(struct guest_regs, rcx), offsetof(struct guest_regs, rdx),
	offsetof(struct guest_regs, rbx), 0, offsetof(struct guest_regs, rbp),
	offsetof(struct guest_regs, rsi), offsetof(struct guest_regs, rdi), offsetof(struct guest_regs, r8),
	offsetof(struct guest_regs, r9), offsetof(struct guest_regs, r10), offsetof(struct guest_regs, r11),
	offsetof(struct guest_regs, r12), offsetof(struct guest_regs, r13), offsetof(struct guest_regs, r14),
	offsetof(struct guest_regs, r15),
};

uint64_t exit_gpr(struct vm *vm, unsigned n)
{
	if (n == 4)
		return vcpu_rsp();
	return *(uint64_t *)((char *)&vm->vcpu.regs + gpr_offset[n & 15]);
}

void exit_set_gpr(struct vm *vm, unsigned n, uint64_t v)
{
	if (n == 4) {
		vcpu_set_rsp(v);
		return;
	}
	*(uint64_t *)((char *)&vm->vcpu.regs + gpr_offset[n & 15]) = v;
}
