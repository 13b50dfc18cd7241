/* The scheduler: round robin over runnable VCPUs with a time slice enforced by
 * the VMX-preemption timer (SDM 3C 26.5.1). Every deadline is an absolute TSC
 * value and the timer is recomputed from it at each VM entry, so time spent
 * in the host is never handed back to the guest. */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/power.h"
#include "kernel/serial.h"
#include "kernel/tsc.h"
#include "vmm/inject.h"
#include "vmm/mem/dirty.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmm.h"

#define PREEMPTION_TIMER_MAX 0xFFFFFFFFull
#define SCHED_ROUND_QUANTA 8 /* a round lasts at most this many quanta (sched_slice_length) */

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/*
 * Host console work is due: bytes from the host's UART or room on its wire
 * (serial_has_work, raised by its IRQ4 handler), or keystrokes queued for a
 * guest whose receive FIFO has room again. It first lets in an IRQ4 that
 * came while the host handled the exit: taken here it costs no exit of its
 * own, and Bochs 2.7 makes none for a guest that runs with RFLAGS.IF clear
 * (an external-interrupt exit comes only when its IF is set), so there an
 * exit of any kind is when the host hears its UART. A handful of
 * instructions when nothing is due: the scheduler asks after every exit
 * that reaches it and between slices.
 */
static inline bool sched_host_due(const struct vmm *vmm)
{
	cpu_interrupt_window();
	return serial_has_work() || (vmm->mon.cm.rxq_len && vmm_rx_room(vmm));
}

/* The host console: what the operator typed to the monitor, guests' console
 * output to the wire, the monitor's clock (queued keystrokes, partial lines
 * after 250 ms, top each second). Run when sched_host_due, between slices at
 * least every VMM_HOST_TICK_MS (and at once after a slice that left console
 * output), and while idle. */
static void sched_host_service(struct vmm *vmm)
{
	serial_work_done();
	uint8_t b;
	while (serial_getc(&b)) {
		if (vmm->monitor_on)
			monitor_input(&vmm->mon, b);
		vmm->wake_deadline = 0; /* a command may have paused, resumed or reset a VM: look again */
	}
	uint64_t now = rdtsc();
	for (unsigned i = 0; i < vmm->nvms; i++)
		if (vmm->vms[i].dirty.on)
			dirty_tick(&vmm->vms[i], now); /* a second ends for a VM off the CPU too */
	vmm_console_drain(vmm);
	uint64_t now_ns = tsc_to_ns(now - vmm->start_tsc);
	if (vmm->monitor_on)
		monitor_tick(&vmm->mon, now_ns);
	else
		conmux_tick(&vmm->mon.cm, now_ns); /* the plain line view (guest_console.c) */
}

/* After an exit: the host's work, if there is any. */
static void sched_poll_host(struct vmm *vmm)
{
	if (sched_host_due(vmm))
		sched_host_service(vmm);
}

/*
 * An interrupt storm: when the guest's handler has ended its line's service
 * with that line already requested again, the next interrupt would follow
 * its IRET at once, and so on, with no instruction of the guest's other work
 * in between (on a PC this takes a source faster than the handler; under a
 * hypervisor, whose exits are the guest's time, a fast one suffices: a
 * 30 kHz PIT beside an EOI and an interrupt window of about 800 host
 * instructions each). The guest then runs as long as that interrupt took,
 * from its injection to the point it could take the next, at most 1 ms,
 * before the next is delivered: at least half of its time goes to its other
 * work, and the edges of the wait coalesce as they would behind a slower
 * CPU. Returns true when the interrupt is held.
 */
static bool sched_hold_overrun(struct vmm *vmm, struct vm *vm, uint64_t now)
{
	if (!isa_take_overrun(&vm->isa))
		return false;
	vm->intr_held_until = now + min_u64(now - vm->last_inject, vmm->grace_ticks);
	return true;
}

/* Deliver the highest-priority pending interrupt if the guest can take it
 * now (RFLAGS.IF, no STI/MOV SS shadow, no event already queued: SDM 3C
 * 26.3.2.5, 27.6), or ask for an exit when it can (interrupt window). */
static void sched_inject(struct vmm *vmm, struct vm *vm, uint64_t now)
{
	/* A watch steps one instruction: an event delivered first would be
	 * what the step ran (SDM 3C 26.7.2). It waits one instruction. */
	if (vm->watch.step.on) {
		vcpu_set_interrupt_window(&vm->vcpu, false);
		return;
	}
	if (vm->intr && now < vm->intr_held_until) {
		vcpu_set_interrupt_window(&vm->vcpu, false);
		return;
	}
	if (!vm->intr)
		(void)isa_take_overrun(&vm->isa); /* nothing requested: the storm is over */
	if (!vm->intr || vcpu_event_pending()) {
		/* With an event queued, ask for the exit once it has been delivered
		 * and the guest accepts interrupts again. */
		vcpu_set_interrupt_window(&vm->vcpu, vm->intr);
		return;
	}
	if (!event_extint_open(vcpu_rflags() & RFLAGS_IF, vcpu_interruptibility())) {
		vcpu_set_interrupt_window(&vm->vcpu, true);
		return;
	}
	if (sched_hold_overrun(vmm, vm, now)) {
		vcpu_set_interrupt_window(&vm->vcpu, false);
		return;
	}
	vm->last_inject = now;
	vm->intr_seen = false; /* taken: the next request is another, worth its own boost */
	uint8_t vector = isa_intack(&vm->isa);
	/* The acknowledge may have raised a backlogged tick at once, and in
	 * auto-EOI mode (ICW4 AEOI) it ends the service itself, with no EOI
	 * exit to follow: the next edge is a deadline again. */
	vm->dev_deadline = isa_next_deadline(&vm->isa, now);
	vm->intr = isa_intr(&vm->isa);
	struct event ev = {.type = EVENT_EXTINT, .vector = vector};
	vm_inject(vm, &ev, EVENT_RAISED); /* the window is open: it cannot be refused */
	vcpu_set_interrupt_window(&vm->vcpu, false);
}

static uint32_t sched_timer_value(const struct vm *vm, uint64_t deadline, uint64_t now)
{
	if (deadline <= now)
		return 0;
	uint64_t ticks = (deadline - now) >> vm->vcpu.caps->preemption_rate;
	return (uint32_t)min_u64(ticks, PREEMPTION_TIMER_MAX);
}

/* The host's time on the last exit, from its landing to now. */
static void sched_account_exit(struct vm *vm, uint64_t now)
{
	vm->exit_ticks[vm->exit_reason] += now - vm->vcpu.regs.exit_tsc;
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

/* A VM off the CPU, its devices advanced to now: a blocked VM whose
 * interrupt is pending becomes runnable; a runnable one has an interrupt due
 * also when only its own handler, preempted before the EOI, holds the
 * request back (isa_intr_waiting). True when it is due and that interrupt
 * has not had its boost yet; otherwise its next event joins wake_deadline. */
/* A VM off the CPU with no interrupt due: its next request will be a new
 * one, worth a boost, and its next event, at deadline, may wake it. */
static void sched_not_due(struct vmm *vmm, struct vm *vm, uint64_t deadline)
{
	vm->intr_seen = false;
	vmm->wake_deadline = min_u64(vmm->wake_deadline, deadline);
}

static bool sched_look_at(struct vmm *vmm, struct vm *vm, uint64_t now)
{
	if (vm->state != VM_BLOCKED && vm->state != VM_RUNNING)
		return false;
	isa_advance(&vm->isa, now);
	vm->dev_deadline = 0;
	bool due = vm->state == VM_RUNNING ? isa_intr_waiting(&vm->isa) : isa_intr(&vm->isa);
	if (!due) {
		sched_not_due(vmm, vm, isa_next_deadline(&vm->isa, now));
		return false;
	}
	if (vm->state == VM_BLOCKED)
		vm->runnable_since = now;
	vm->state = VM_RUNNING;
	return !vm->intr_seen;
}

/* Every VM but cur looked at: returns the first whose interrupt is due and
 * has not had its boost (wake_deadline is then now), else leaves the
 * earliest event ahead in wake_deadline. */
static struct vm *sched_find_due(struct vmm *vmm, uint64_t now, const struct vm *cur)
{
	struct vm *first = 0;
	unsigned runnable = 0;
	vmm->wake_deadline = UINT64_MAX;
	for (unsigned i = 0; i < vmm->nvms; i++) {
		struct vm *vm = &vmm->vms[i];
		if (vm != cur && sched_look_at(vmm, vm, now) && !first)
			first = vm;
		runnable += vm->state == VM_RUNNING;
	}
	/* For the slices' length: counted when all are looked at, so a VM that
	 * blocked since counts until the next look (its slices are shorter). */
	vmm->runnable = runnable;
	if (first)
		vmm->wake_deadline = now;
	return first;
}

/* How a slice came about: its turn in the round, or a boost (sched_boost). */
enum slice_kind { SLICE_TURN, SLICE_WOKEN, SLICE_DUE };

static void sched_run_slice(struct vmm *vmm, struct vm *vm, uint64_t length, enum slice_kind kind);

/*
 * Wake-up preemption: a VM whose interrupt has just become due (a blocked
 * one, or one waiting for its turn while others spin) runs at once, so that
 * its timer ticks and input arrive on time instead of a whole round later.
 * A blocked VM runs until it blocks again or for one quantum; a runnable one
 * for boost_ticks, enough to take the interrupt and do what its handler and
 * main loop do after it (a guest returned to at its EOI, still inside its
 * handler with interrupts off, would need an interrupt-window exit at its
 * next boost). The time is charged to it: its next slice is that much
 * shorter. The interrupted VM continues afterwards, its slice extended by the
 * time it lost. Boosted slices are not boosted again.
 */
static void sched_boost(struct vmm *vmm, struct vm *cur)
{
	uint64_t t0 = rdtsc();
	struct vm *due = sched_find_due(vmm, t0, cur);
	if (!due)
		return;
	due->intr_seen = true; /* one boost per pending interrupt */
	if (due->blocked_since_slice)
		sched_run_slice(vmm, due, vmm->quantum_ticks, SLICE_WOKEN);
	else
		sched_run_slice(vmm, due, vmm->boost_ticks, SLICE_DUE);
	uint64_t spent = rdtsc() - t0;
	due->slice_debt = min_u64(due->slice_debt + spent, vmm->quantum_ticks);
	sched_find_due(vmm, rdtsc(), cur); /* the boosted VM may have blocked again */
	cur->slice_end += spent;
}

/* The VM is between taking an interrupt and its EOI: one is pending or in
 * service at the PIC. */
static bool sched_in_interrupt(const struct vm *vm)
{
	return vm->intr || vm->isa.pic.master.isr || vm->isa.pic.slave.isr;
}

/* Whether the slice is over at now. A slice that ends inside an interrupt
 * handler runs on to the EOI, for at most grace_ticks more (*overrun_end):
 * taken off the CPU there, the guest could take no further tick until its
 * next turn, a whole round later. */
static bool sched_slice_over(struct vmm *vmm, struct vm *vm, uint64_t now, uint64_t *overrun_end)
{
	if (now < vm->slice_end)
		return false;
	if (!sched_in_interrupt(vm) || now >= *overrun_end)
		return true;
	if (*overrun_end == UINT64_MAX)
		*overrun_end = now + vmm->grace_ticks;
	return false;
}

/* A restart in progress clears the VM's RAM in its slice, charged to it
 * (vm_restart_begin). Returns whether the VCPU can run now. */
static bool sched_restart(struct vm *vm)
{
	if (!vm->restarting)
		return true;
	uint64_t t = rdtsc();
	const char *err;
	if (!vm_restart_step(vm, vm->slice_end, &err))
		vm_end(vm, VM_CRASHED, "reset failed: %s", err);
	vm->cpu_ticks += rdtsc() - t;
	return !vm->restarting && vm->state == VM_RUNNING;
}

/* Run the VCPU until its slice ends, it blocks, yields or ends. The time
 * from each entry to the end of its exit's handling is that VM's CPU time;
 * while it runs, its PIT edges coalesce as on a PC (vmm/dev/isa.c). */
static void sched_run_vcpu(struct vmm *vmm, struct vm *vm, enum slice_kind kind, uint64_t now)
{
	uint64_t overrun_end = UINT64_MAX;
	for (;;) {
		/* The monitor may have looked at another VM's VMCS meanwhile. */
		vcpu_load(&vm->vcpu);
		if (now >= vm->dev_deadline) {
			isa_advance(&vm->isa, now);
			vm->dev_deadline = isa_next_deadline(&vm->isa, now);
			vm->intr = isa_intr(&vm->isa);
			/* Nothing requested: the next request is a new one, worth a
			 * boost. A request held back only by the guest's own handler
			 * (in service, no EOI yet) is not: it had its boost, and a
			 * guest that never sends the EOI would be boosted for good. */
			if (!vm->intr && !isa_intr_waiting(&vm->isa))
				vm->intr_seen = false;
		}
		sched_inject(vmm, vm, now);
		vm->intr_quiet = (vm->vcpu.proc & PROC_INTERRUPT_WINDOW_EXITING) || vm->intr_held_until > now;
		uint64_t deadline = overrun_end == UINT64_MAX ? vm->slice_end : overrun_end;
		/* A dirty-log second ends on time: with the page-modification log
		 * no write faults, and nothing else need come back here. */
		if (vm->dirty.on) {
			dirty_tick(vm, now);
			deadline = min_u64(deadline, vm->dirty.second_start + tsc_hz());
		}
		/* Output waits on the host's wire: come back when its FIFO has
		 * drained, for a guest that runs with interrupts off takes no
		 * external-interrupt exit in Bochs 2.7 (sched_host_due); one with
		 * them on exits for the host's IRQ4. */
		if (serial_tx_pending() && !(vcpu_rflags() & RFLAGS_IF))
			deadline = min_u64(deadline, now + vmm->wire_fifo_ticks);
		if (vm->intr_held_until > now)
			deadline = min_u64(deadline, vm->intr_held_until);
		if (kind == SLICE_TURN)
			deadline = min_u64(deadline, vmm->wake_deadline);
		/* Within the timer's reach: the exit path sets it from here unchecked. */
		deadline = min_u64(deadline, now + (PREEMPTION_TIMER_MAX << vm->timer_rate));
		vm->run_deadline = min_u64(deadline, vm->dev_deadline);
		uint64_t t = rdtsc();
		if (!vmm->first_entry_tsc)
			vmm->first_entry_tsc = t;
		int rc = vcpu_run(&vm->vcpu, sched_timer_value(vm, vm->run_deadline, t), exit_handle,
				  vm);
		enum exit_action act = sched_entry_failed(vm, rc) ? EXIT_STOPPED : vm->action;
		if (act == EXIT_RESET)
			act = vmm_guest_reset(vmm, vm, vm->reset_reason);
		t = rdtsc();
		vm->cpu_ticks += t - now;
		if (rc == 0)
			sched_account_exit(vm, t);
		sched_poll_host(vmm);
		if (act == EXIT_LOOK)
			act = EXIT_RESUME;
		if (act != EXIT_RESUME || vm->state != VM_RUNNING || sched_slice_over(vmm, vm, t, &overrun_end))
			break;
		if (kind == SLICE_TURN && t >= vmm->wake_deadline)
			sched_boost(vmm, vm);
		now = rdtsc();
	}
}

static void sched_run_slice(struct vmm *vmm, struct vm *vm, uint64_t length, enum slice_kind kind)
{
	uint64_t start = rdtsc();
	if (vm->slices++ && start - vm->runnable_since > vm->wait_max)
		vm->wait_max = start - vm->runnable_since;
	vm->slice_end = start + length;
	vm->blocked_since_slice = false;
	/* Its board is current at start (or quiet until its deadline): the
	 * first entry needs no more. */
	if (!isa_handover(&vm->isa, start, true, vm->dev_deadline))
		vm->dev_deadline = 0; /* ask its board again at the first entry */
	if (!vm->restarting)
		sched_run_vcpu(vmm, vm, kind, start);
	else if (sched_restart(vm))
		sched_run_vcpu(vmm, vm, kind, rdtsc());
	uint64_t end = rdtsc();
	if (kind == SLICE_TURN && end > vm->slice_end) /* boosts charge their own time */
		vm->slice_debt = min_u64(vm->slice_debt + (end - vm->slice_end), vmm->quantum_ticks);
	if (vm->state == VM_BLOCKED)
		vm->blocked_since_slice = true;
	vm->runnable_since = end;
	if (vm->console.len)
		vmm->next_host_tick = 0; /* what it wrote goes to the wire now, not at the next tick */
	/* Off the CPU now: its next event joins the others' (sched_find_due). */
	if (isa_handover(&vm->isa, end, false, vm->dev_deadline)) {
		if (vm->state == VM_RUNNING || vm->state == VM_BLOCKED) /* quiet: not due */
			sched_not_due(vmm, vm, vm->dev_deadline);
	} else if (sched_look_at(vmm, vm, end)) {
		vmm->wake_deadline = end;
	}
}

/*
 * A regular slice: one quantum, or with more than SCHED_ROUND_QUANTA VMs
 * runnable an equal share of that many quanta (a round then lasts as long
 * as with SCHED_ROUND_QUANTA, as Linux's CFS shares out its target latency),
 * so that over seconds every VM has had as many slices as any other, give
 * or take one slice of a short one: at a 10 ms quantum, 64 busy VMs get
 * 1.25 ms each and 125 rounds in 10 s. Less what the VM's boosts took since
 * its last one, but never under a tenth of it.
 */
static uint64_t sched_slice_length(struct vmm *vmm, struct vm *vm)
{
	uint64_t q = vmm->quantum_ticks;
	if (vmm->runnable > SCHED_ROUND_QUANTA)
		q = q * SCHED_ROUND_QUANTA / vmm->runnable;
	uint64_t debt = min_u64(vm->slice_debt, q - q / 10);
	vm->slice_debt -= debt;
	return q - debt;
}

static struct vm *sched_pick(struct vmm *vmm)
{
	for (unsigned n = 0; n < vmm->nvms; n++) {
		struct vm *vm = &vmm->vms[(vmm->next + n) % vmm->nvms];
		if (vm->state == VM_RUNNING && !vm_console_stalled(vm)) {
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
		/* Between slices: the host's work if there is any, and the monitor's
		 * clock (and so guests' console output) at least every tick. */
		if (now >= vmm->next_host_tick || sched_host_due(vmm)) {
			sched_host_service(vmm);
			vmm->next_host_tick = now + vmm->host_tick_ticks;
		}
		/* The others' devices are looked at only when one of them has an
		 * event due (or something else may have changed: wake_deadline 0);
		 * each VM's own joined wake_deadline at the end of its slice. */
		if (now >= vmm->wake_deadline)
			sched_find_due(vmm, now, 0);
		struct vm *vm = sched_pick(vmm);
		if (vm) {
			sched_run_slice(vmm, vm, sched_slice_length(vmm, vm), SLICE_TURN);
			continue;
		}
		if (sched_all_ended(vmm) && !vmm->ended_notice) {
			vmm->ended_notice = true;
			kprintf("kestrel: all guests have ended\n");
			/* With the monitor the operator decides: reset NAME, or poweroff. */
			if (!vmm->monitor_on)
				break;
		}
		/* Idle: interrupts on (IRQ4, the host's only one) until the
		 * earliest device deadline, host work, the monitor's next tick or
		 * the timeout. */
		uint64_t until = min_u64(vmm->wake_deadline, now + vmm->host_tick_ticks);
		if (vmm->deadline_tsc)
			until = min_u64(until, vmm->deadline_tsc);
		while (rdtsc() < until && !sched_host_due(vmm))
			cpu_pause();
	}
	vmm_console_drain_all(vmm);
	conmux_flush(&vmm->mon.cm); /* partial lines of the last 250 ms */
	console_set_sink(0, 0); /* the summary goes out plain, no prompt between lines */
	vmm_print_summary(vmm);
	power_off(0);
}
