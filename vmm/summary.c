/* The end-of-run report: one line per VM with its state, reason, exit code,
 * share of the CPU and exits by reason (the SDM's names). */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/serial.h"
#include "kernel/tsc.h"
#include "vmm/vmm.h"

static void summary_exits(const struct vm *vm)
{
	const char *sep = ": ";
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
		if (!vm->exits[r])
			continue;
		const char *name = exit_reason_name(r);
		if (name)
			kprintf("%s%s %lu", sep, name, vm->exits[r]);
		else
			kprintf("%sreason-%u %lu", sep, r, vm->exits[r]);
		sep = ", ";
	}
}

/* Accesses to ports nothing emulates: what a guest probed for and found
 * missing (the empty ISA bus). */
static void summary_ports(const struct vm *vm)
{
	if (!vm->ports[0].count)
		return;
	kprintf("ports: %s unemulated", vm->opts.name);
	for (unsigned i = 0; i < VM_PORT_STATS && vm->ports[i].count; i++)
		kprintf(" 0x%x=%u", vm->ports[i].port, vm->ports[i].count);
	if (vm->ports_other)
		kprintf(" other=%lu", vm->ports_other);
	kprintf("\n");
}

/* What became of the OUT0 edges that did not raise an interrupt on time
 * (docs/devices.md, "The board (isa.c) and timer ticks"). */
static void summary_ticks(const struct vm *vm)
{
	const struct isa *isa = &vm->isa;
	if (!isa->irq0_late && !isa->irq0_dropped && !isa->irq0_coalesced && !isa->overruns)
		return;
	kprintf("ticks: %s late=%lu dropped=%lu coalesced=%lu overruns=%lu\n", vm->opts.name, isa->irq0_late,
		isa->irq0_dropped, isa->irq0_coalesced, isa->overruns);
}

/* What the guest's console line showed and what it had to drop (written
 * faster than the wire, to a full line: vmm/vm_console.c). */
static void summary_console(const struct vm *vm)
{
	if (!vm->console.shown && !vm->console.dropped)
		return;
	kprintf("console: %s shown=%lu dropped=%lu\n", vm->opts.name, vm->console.shown, vm->console.dropped);
}

/* TSC ticks a VM spent in VMX non-root operation: its CPU time less the
 * host's time on its exits. */
static uint64_t summary_guest_ticks(const struct vm *vm)
{
	uint64_t host = 0;
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
		host += vm->exit_ticks[r];
	return vm->cpu_ticks > host ? vm->cpu_ticks - host : 0;
}

/* How promptly the host served its console: the longest its wire sat idle
 * while output waited (kernel/serial.c), i.e. how late the host came for a
 * THRE interrupt while the guests ran. */
static void summary_host(void)
{
	uint64_t idle = serial_wire_idle_max();
	kprintf("kestrel: host wire idle with output waiting at most %lu TSC ticks (%lu us)\n", idle,
		tsc_to_ns(idle) / 1000);
}

void vmm_print_summary(struct vmm *vmm)
{
	uint64_t total = rdtsc() - vmm->start_tsc, guests = 0;
	for (unsigned i = 0; i < vmm->nvms; i++)
		guests += summary_guest_ticks(&vmm->vms[i]);
	if (vmm->first_entry_tsc)
		kprintf("kestrel: %lu TSC ticks from kernel entry to the first VM entry\n",
			vmm->first_entry_tsc - boot_entry_tsc);
	kprintf("kestrel: host time %lu of %lu TSC ticks (exits, scheduling, idle)\n", total > guests ? total - guests : 0,
		total);
	kprintf("kestrel: summary of %u VM%s over %lu TSC ticks\n", vmm->nvms, vmm->nvms == 1 ? "" : "s", total);
	for (unsigned i = 0; i < vmm->nvms; i++) {
		struct vm *vm = &vmm->vms[i];
		uint64_t bp = total ? mul_div_u64(vm->cpu_ticks, 10000, total) : 0; /* hundredths of a % */
		kprintf("summary: %s state=%s reason=\"%s\" exit_code=", vm->opts.name, vm_state_name(vm->state),
			vm->reason[0] ? vm->reason : "-");
		if (vm->has_exit_code)
			kprintf("%ld", (long)vm->exit_code);
		else
			kprintf("-");
		kprintf(" cpu=%lu.%02lu%% ticks=%lu slices=%lu wait_max=%lu exits=%lu", bp / 100, bp % 100,
			vm->cpu_ticks, vm->slices, vm->wait_max, vm->exits_total);
		summary_exits(vm);
		kprintf("\n");
		summary_ports(vm);
		summary_ticks(vm);
		summary_console(vm);
	}
	summary_host();
}
