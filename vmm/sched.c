/* The scheduler: round robin over runnable VCPUs with a time slice enforced by
 * the VMX-preemption timer (SDM 3C 26.5.1). Every deadline is an absolute TSC
 * value and the timer is recomputed from it at each VM entry, so time spent
 * in the host is never handed back to the guest. */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/power.h"
#include "kernel/serial.h"
#include "kernel/tsc.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmm.h"

#define PREEMPTION_TIMER_MAX 0xFFFFFFFFull

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Host console input, polled on exits and while idle (no host interrupts). */
static void sched_poll_host(struct vmm *vmm)
{
	uint8_t b;
	for (unsigned i = 0; i < 16 && serial_getc(&b); i++) {
		if (vmm->monitor_on)
			monitor_input(&vmm->mon, b);
		vmm->wake_deadline = 0; /* a guest may have input now: look */
	}
	if (vmm->monitor_on)
		monitor_tick(&vmm->mon, tsc_to_ns(rdtsc() - vmm->start_tsc));
	serial_tx_poll();
}

/* Deliver the highest-priority pending interrupt if the guest can take it
 * now (RFLAGS.IF, no STI/MOV SS shadow, no event already queued: SDM 3C
 * 26.3.2.5, 27.6), or ask for an exit when it can (interrupt window). */
static void sched_inject(struct vm *vm)
{
	if (!vm->intr || vcpu_event_pending()) {
		vcpu_set_interrupt_window(&vm->vcpu, false);
		return;
	}
	bool open = (vcpu_rflags() & RFLAGS_IF) &&
		    !(vcpu_interruptibility() & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	if (!open) {
		vcpu_set_interrupt_window(&vm->vcpu, true);
		return;
	}
	uint8_t vector = isa_intack(&vm->isa);
	vm->dev_deadline = 0; /* the acknowledge may release a backlogged tick */
	vcpu_inject(INTR_TYPE_EXTERNAL_INTERRUPT, vector, false, 0, 0);
	vcpu_set_interrupt_window(&vm->vcpu, false);
}

static uint32_t sched_timer_value(struct vmm *vmm, uint64_t deadline, uint64_t now)
{
	if (deadline <= now)
		return 0;
	uint64_t ticks = (deadline - now) >> vmm->caps.preemption_rate;
	return (uint32_t)min_u64(ticks, PREEMPTION_TIMER_MAX);
}

static bool sched_entry_failed(struct vm *vm, int rc)
{
	if (rc == 0)
		return false;
	if (rc == 1) {
		vm_end(vm, VM_CRASHED, "VM entry failed: VMfailInvalid (no current VMCS)");
		return true;
	}
	unsigned err = vcpu_instruction_error();
	vm_end(vm, VM_CRASHED, "VM entry failed: VMfailValid, VM-instruction error %u (%s)", err,
	       vcpu_instruction_error_name(err));
	return true;
}

/* Blocked VMs whose interrupt is now pending become runnable. Returns the
 * first one woken, and leaves the earliest deadline still ahead in
 * vmm->wake_deadline. */
static struct vm *sched_wake_blocked(struct vmm *vmm, uint64_t now)
{
	struct vm *woken = 0;
	vmm->wake_deadline = UINT64_MAX;
	for (unsigned i = 0; i < vmm->nvms; i++) {
		struct vm *vm = &vmm->vms[i];
		if (vm->state != VM_BLOCKED)
			continue;
		isa_advance(&vm->isa, now);
		vm->dev_deadline = 0;
		if (isa_intr(&vm->isa)) {
			vm->state = VM_RUNNING;
			woken = woken ? woken : vm;
		} else {
			vmm->wake_deadline = min_u64(vmm->wake_deadline, isa_next_deadline(&vm->isa, now));
		}
	}
	return woken;
}

static void sched_run_slice(struct vmm *vmm, struct vm *vm, bool boosted);

/*
 * Wake-up preemption: a blocked VM whose interrupt has just become due runs
 * at once, for one slice of its own, so that its timer ticks and input
 * arrive on time instead of a whole round later; then the interrupted VM
 * continues, its slice extended by the time it lost. Boosted slices are not
 * boosted again.
 */
static void sched_boost(struct vmm *vmm, struct vm *cur)
{
	uint64_t t0 = rdtsc();
	struct vm *woken = sched_wake_blocked(vmm, t0);
	if (!woken)
		return;
	sched_run_slice(vmm, woken, true);
	sched_wake_blocked(vmm, rdtsc()); /* the woken VM may have blocked again */
	cur->slice_end += rdtsc() - t0;
}

/* Run one VM until its slice ends, it blocks, yields or ends. The time from
 * each entry to the end of its exit's handling is that VM's CPU time. */
static void sched_run_slice(struct vmm *vmm, struct vm *vm, bool boosted)
{
	vm->slice_end = rdtsc() + vmm->quantum_ticks;
	for (;;) {
		/* The monitor may have looked at another VM's VMCS meanwhile. */
		vcpu_load(&vm->vcpu);
		uint64_t now = rdtsc();
		if (now >= vm->dev_deadline) {
			isa_advance(&vm->isa, now);
			vm->dev_deadline = isa_next_deadline(&vm->isa, now);
			vm->intr = isa_intr(&vm->isa);
		}
		sched_inject(vm);
		uint64_t deadline = min_u64(vm->slice_end, now + vmm->poll_ticks);
		deadline = min_u64(deadline, vm->dev_deadline);
		if (!boosted)
			deadline = min_u64(deadline, vmm->wake_deadline);
		int rc = vcpu_run(&vm->vcpu, sched_timer_value(vmm, deadline, rdtsc()));
		enum exit_action act = sched_entry_failed(vm, rc) ? EXIT_STOPPED : exit_dispatch(vm);
		if (act == EXIT_RESET)
			act = vmm_guest_reset(vmm, vm, vm->reset_reason);
		vm->cpu_ticks += rdtsc() - now;
		sched_poll_host(vmm);
		if (act != EXIT_RESUME || vm->state != VM_RUNNING || rdtsc() >= vm->slice_end)
			break;
		if (!boosted && rdtsc() >= vmm->wake_deadline)
			sched_boost(vmm, vm);
	}
}

static struct vm *sched_pick(struct vmm *vmm)
{
	for (unsigned n = 0; n < vmm->nvms; n++) {
		struct vm *vm = &vmm->vms[(vmm->next + n) % vmm->nvms];
		if (vm->state == VM_RUNNING) {
			vmm->next = (vm->id + 1) % vmm->nvms;
			return vm;
		}
	}
	return 0;
}

static bool sched_all_ended(struct vmm *vmm)
{
	for (unsigned i = 0; i < vmm->nvms; i++)
		if (!vm_ended(&vmm->vms[i]))
			return false;
	return true;
}

void vmm_run(struct vmm *vmm)
{
	for (;;) {
		uint64_t now = rdtsc();
		if (vmm->deadline_tsc && now >= vmm->deadline_tsc) {
			kprintf("kestrel: timeout reached after %lu ms\n", tsc_to_ms(now - vmm->start_tsc));
			break;
		}
		if (sched_all_ended(vmm) && !vmm->ended_notice) {
			vmm->ended_notice = true;
			kprintf("kestrel: all guests have ended\n");
			/* With the monitor the operator decides: reset NAME, or poweroff. */
			if (!vmm->monitor_on)
				break;
		}
		sched_poll_host(vmm);
		sched_wake_blocked(vmm, now);
		struct vm *vm = sched_pick(vmm);
		if (vm) {
			sched_run_slice(vmm, vm, false);
			continue;
		}
		/* Idle: wait for the earliest device deadline or host input. */
		uint64_t until = min_u64(vmm->wake_deadline, now + vmm->poll_ticks);
		while (rdtsc() < until)
			cpu_pause();
	}
	console_set_sink(0, 0); /* the summary goes out plain, no prompt between lines */
	vmm_print_summary(vmm);
	power_off(0);
}
