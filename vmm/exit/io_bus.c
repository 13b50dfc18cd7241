/* The guest's port bus (SDM 3C 28.1.3, table 28-5): Kestrel's own ports,
 * then the guest's ISA devices, then the empty bus (reads all ones, writes
 * dropped, each access counted per port). */
#include "kernel/cpu.h"
#include "vmm/exit/hypercall.h"
#include "vmm/exit/io_bus.h"
#include "vmm/vm.h"

#define PORT_KBC_COMMAND 0x64
#define KBC_PULSE_RESET 0xFE
#define PORT_RESET_CONTROL 0xCF9
#define RESET_CONTROL_RST_CPU 0x04

/* In the order first seen; a guest probing a port does so over and over,
 * so the last one counted is looked at first. */
static void port_count(struct vm *vm, uint16_t port)
{
	struct port_stat *last = &vm->ports[vm->port_last];
	if (last->count && last->port == port) {
		last->count++;
		return;
	}
	for (unsigned i = 0; i < VM_PORT_STATS; i++) {
		struct port_stat *p = &vm->ports[i];
		if (p->count && p->port == port) {
			p->count++;
			vm->port_last = i;
			return;
		}
		if (!p->count) {
			*p = (struct port_stat){port, 1};
			vm->port_last = i;
			return;
		}
	}
	vm->ports_other++;
}

/* Kestrel's ports; returns true when the port was one of them. */
static bool io_kestrel(struct vm *vm, const struct vm_exit *e, uint32_t val, enum exit_action *act)
{
	if (e->io.in)
		return false;
	switch (e->io.port) {
	case KESTREL_PORT_DEBUGCON:
		/* No flow control to pace it: while the line is full the OUT
		 * waits, as on an emulator whose debug console blocks the CPU,
		 * but off the CPU: the scheduler passes the guest over until its
		 * line has room, and the others run meanwhile. */
		if (!vm_console_room(vm)) {
			vm->console.stalled = true;
			*act = EXIT_RETRY;
		} else {
			vm_console_putc(vm, (uint8_t)val);
		}
		return true;
	case KESTREL_PORT_EXIT:
		vm_set_exit_code(vm, val);
		vm_end(vm, VM_STOPPED, "guest wrote %u to port 0xF4", val);
		*act = EXIT_STOPPED;
		return true;
	case PORT_RESET_CONTROL:
		if (!(val & RESET_CONTROL_RST_CPU))
			return true;
		vm_reset_request(vm, "reset through port 0xCF9");
		*act = EXIT_RESET;
		return true;
	case PORT_KBC_COMMAND:
		if (val != KBC_PULSE_RESET)
			return false;
		vm_reset_request(vm, "reset through the keyboard controller (port 0x64)");
		*act = EXIT_RESET;
		return true;
	}
	return false;
}

/* One port access, as the guest's bus answers it. */
enum exit_action io_bus_access(struct vm *vm, const struct vm_exit *e, uint32_t *val)
{
	if (!isa_decodes(&vm->isa, e->io.port)) {
		enum exit_action act = EXIT_RESUME;
		if (io_kestrel(vm, e, *val, &act)) /* none of them an ISA device's */
			return act;
		port_count(vm, e->io.port);
		*val = io_size_mask(exit_io_size(e));
		return EXIT_RESUME;
	}
	uint64_t now = rdtsc();
	unsigned size = exit_io_size(e);
	/* What advancing the board brings that can interrupt is due at a
	 * deadline already passed: the exit path hands over to the scheduler. */
	isa_advance(&vm->isa, now);
	bool effect = isa_io(&vm->isa, e->io.in, e->io.port, size, val);
	*val &= io_size_mask(size);
	if (!effect)
		return EXIT_RESUME;
	/* The access may have reprogrammed a device or ended an interrupt: the
	 * board is current at now, so the next entry need not advance it again. */
	vm->dev_deadline = isa_next_deadline(&vm->isa, now);
	if (vm->dev_deadline < vm->run_deadline)
		vm->run_deadline = vm->dev_deadline;
	vm->intr = isa_intr(&vm->isa);
	return vm->intr && !vm->intr_quiet ? EXIT_LOOK : EXIT_RESUME;
}
