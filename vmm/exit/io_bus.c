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
#define PORT_SYSTEM_CONTROL_A 0x92
#define PORT_A_INIT_NOW 0x01
#define PORT_A_A20 0x02

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

/* System Control Port A of the PC chipset (PIIX4 datasheet, port 92h):
 * bit 0 going from 0 to 1 resets the CPU (the "fast reset"; the reset
 * clears the register, so every write of 1 is such an edge), bit 1 is the
 * fast A20 gate. Kestrel keeps A20 on, as a CPU with no A20M# input does;
 * bit 1 reads back as written, so a guest's read-modify-write sees its own
 * value. */
static bool io_port_a(struct vm *vm, const struct vm_exit *e, uint32_t *val, enum exit_action *act)
{
	if (e->io.in) {
		*val = vm->port_a;
		return true;
	}
	vm->port_a = (uint8_t)(*val & PORT_A_A20);
	if (*val & PORT_A_INIT_NOW) {
		vm_reset_request(vm, "reset through System Control Port A (port 0x92)");
		*act = EXIT_RESET;
	}
	return true;
}

/* Kestrel's ports; returns true when the port was one of them. */
static bool io_kestrel(struct vm *vm, const struct vm_exit *e, uint32_t *valp, enum exit_action *act)
{
	if (e->io.port == PORT_SYSTEM_CONTROL_A && exit_io_size(e) == 1)
		return io_port_a(vm, e, valp, act);
	if (e->io.in)
		return false;
	uint32_t val = *valp;
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
		if (io_kestrel(vm, e, val, &act)) /* none of them an ISA device's */
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
