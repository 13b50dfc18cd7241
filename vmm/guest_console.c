/* Where a guest's console bytes and its end-of-life line go: to the monitor,
 * or (nomonitor) to the plain host console. Both show them through conmux's
 * line view, so one set of rules (docs/monitor.md, "Partial lines") keeps
 * the lines of guests that talk at once whole. */
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "vmm/vmm.h"

/* Without the monitor its conmux is unused: vmm->mon.cm serves as the plain
 * line view, with no prompt and no input. vmm_monitor_start re-initialises it
 * for the monitor. sched_poll_host gives it the clock. */
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

static void guest_console_byte(void *ctx, struct vm *vm, uint8_t c)
{
	struct vmm *vmm = ctx;
	if (vmm->monitor_on)
		monitor_guest_output(&vmm->mon, vm->id, c);
	else
		conmux_guest_output(&vmm->mon.cm, vm->id, c);
}

static void guest_console_ended(void *ctx, struct vm *vm, const char *line)
{
	struct vmm *vmm = ctx;
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
	conmux_line(&vmm->mon.cm, vm->id, line);
}

void vmm_guest_console_init(struct vmm *vmm)
{
	vmm->vm_host = (struct vm_host){guest_console_byte, guest_console_ended, guest_console_note, vmm};
	const struct conmux_io plain = {
		.put = plain_put, .prompt = plain_prompt, .name = plain_name, .rx = plain_rx, .ctx = vmm,
	};
	conmux_init(&vmm->mon.cm, &plain);
}
