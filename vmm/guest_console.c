/* Where a guest's console bytes and its end-of-life line go: to the monitor,
 * or (nomonitor) to the plain host console. Both show them through conmux's
 * line view, so one set of rules (docs/monitor.md, "Partial lines") keeps
 * the lines of guests that talk at once whole. Guest bytes come off each
 * guest's line (vmm/vm_console.c) only as fast as the host's wire sends
 * them, so no guest's output ever makes the host wait. */
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/serial.h"
#include "vmm/vmm.h"

/* Guest output the host's serial ring may hold ahead of the wire: 90 ms at
 * 115200 baud, so the operator's own output and prompt are never far
 * behind, and room for the longest line the view prints at once. */
#define CONSOLE_WIRE_AHEAD 1024u
/* The ring falling below SERIAL_TX_LOW calls the scheduler back to drain more. */
_Static_assert(CONSOLE_WIRE_AHEAD > SERIAL_TX_LOW, "a full drain leaves the ring above its low mark");
#define CONSOLE_TAKE       64u /* bytes per guest per turn */

/* Without the monitor its conmux is unused: vmm->mon.cm serves as the plain
 * line view, with no prompt and no input. vmm_monitor_start re-initialises it
 * for the monitor. sched_host_service gives it the clock. */
static void plain_put(void *ctx, char c)
{
	(void)ctx;
	char s[2] = {c, '\0'};
	if (c != '\r') /* conmux ends lines with CR LF; the console adds the CR */
		kputs(s);
}

static void plain_prompt(void *ctx) { (void)ctx; }

static const char *plain_name(void *ctx, unsigned vm)
{
	struct vmm *vmm = ctx;
	return vm < vmm->nvms ? vmm->vms[vm].opts.name : "?";
}

static bool plain_rx(void *ctx, unsigned vm, uint8_t byte)
{
	(void)ctx;
	(void)vm;
	(void)byte;
	return false; /* nothing types to a guest without the monitor */
}

static void guest_console_byte(struct vmm *vmm, struct vm *vm, uint8_t c)
{
	if (vmm->monitor_on)
		monitor_guest_output(&vmm->mon, vm->id, c);
	else
		conmux_guest_output(&vmm->mon.cm, vm->id, c);
}

/* Up to max bytes of vm's line to the view; returns how many. Taking bytes
 * may give its UARTs THRE back, and with it an interrupt: look again. */
static unsigned guest_console_take(struct vmm *vmm, struct vm *vm, unsigned max)
{
	if (!vm->console.len)
		return 0;
	uint8_t buf[CONSOLE_TAKE];
	bool intr = isa_intr(&vm->isa);
	unsigned n = vm_console_take(vm, buf, max < CONSOLE_TAKE ? max : CONSOLE_TAKE);
	for (unsigned i = 0; i < n; i++)
		guest_console_byte(vmm, vm, buf[i]);
	if (!intr && isa_intr(&vm->isa)) {
		vm->dev_deadline = 0;
		vmm->wake_deadline = 0;
	}
	return n;
}

void vmm_console_drain(struct vmm *vmm)
{
	for (unsigned idle = 0; idle < vmm->nvms && serial_tx_pending() < CONSOLE_WIRE_AHEAD;) {
		struct vm *vm = &vmm->vms[vmm->console_next];
		vmm->console_next = (vmm->console_next + 1) % vmm->nvms;
		idle = guest_console_take(vmm, vm, CONSOLE_TAKE) ? 0 : idle + 1;
	}
}

/* All of vm's line, whatever the wire: before a line about it (its end, a
 * reset), which must come after what it wrote. At most VM_CONSOLE_LINE
 * bytes, so this waits for the wire only briefly if at all. */
static void guest_console_drain_vm(struct vmm *vmm, struct vm *vm)
{
	while (guest_console_take(vmm, vm, CONSOLE_TAKE))
		;
}

void vmm_console_drain_all(struct vmm *vmm)
{
	for (unsigned i = 0; i < vmm->nvms; i++)
		guest_console_drain_vm(vmm, &vmm->vms[i]);
}

static void guest_console_ended(void *ctx, struct vm *vm, const char *line)
{
	struct vmm *vmm = ctx;
	guest_console_drain_vm(vmm, vm);
	if (vmm->monitor_on) {
		monitor_vm_stopped(&vmm->mon, vm->id, line);
		return;
	}
	char text[200];
	fmt_snprintf(text, sizeof(text), "*** %s", line);
	conmux_line(&vmm->mon.cm, vm->id, text);
}

/* With or without the monitor, vmm->mon.cm is the line view in use. */
static void guest_console_note(void *ctx, struct vm *vm, const char *line)
{
	struct vmm *vmm = ctx;
	guest_console_drain_vm(vmm, vm);
	conmux_line(&vmm->mon.cm, vm->id, line);
}

void vmm_guest_console_init(struct vmm *vmm)
{
	vmm->vm_host = (struct vm_host){guest_console_ended, guest_console_note, vmm};
	const struct conmux_io plain = {
		.put = plain_put, .prompt = plain_prompt, .name = plain_name, .rx = plain_rx, .ctx = vmm,
	};
	conmux_init(&vmm->mon.cm, &plain);
}
