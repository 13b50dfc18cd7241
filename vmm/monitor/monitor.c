/* The monitor's entry points: host input to the mode it is in (the shell,
 * an attached console, `top`), guest output, the clock. */
#include "vmm/monitor/monitor.h"
#include "vmm/monitor/shell.h"
#include "vmm/monitor/view.h"
#include "kernel/string.h"

#define KEY_DETACH 0x1D /* Ctrl-]: leaves an attached console (virsh, telnet) */

static void out_raw(void *ctx, char c)
{
	struct monitor *mon = ctx;
	mon->ops->out(mon->ctx, c);
}

static void draw_prompt(void *ctx)
{
	struct monitor *mon = ctx;
	lineedit_draw(&mon->le);
}

static const char *guest_name(void *ctx, unsigned vm) { return monitor_vm_name(ctx, vm); }

static bool guest_rx(void *ctx, unsigned vm, uint8_t byte)
{
	struct monitor *mon = ctx;
	return mon->ops->rx(mon->ctx, vm, byte);
}

size_t monitor_vm_bytes(const struct monitor *mon)
{
	return sizeof(mon->cm.ring[0]) + sizeof(mon->cm.part[0]) + sizeof(mon->top.prev_exits[0]) +
	       sizeof(mon->top.prev_run_ns[0]);
}

void monitor_init(struct monitor *mon, const struct monitor_ops *ops, void *ctx)
{
	memset(mon, 0, sizeof(*mon));
	mon->ops = ops;
	mon->ctx = ctx;
	mon->mode = MONITOR_SHELL;
	lineedit_init(&mon->le, MONITOR_PROMPT, out_raw, mon);
	const struct conmux_io io = {
		.put = out_raw, .prompt = draw_prompt, .name = guest_name, .rx = guest_rx, .ctx = mon,
	};
	conmux_init(&mon->cm, &io);
	mon_printf(mon, "%s monitor: 'help' lists the commands\n", ops->version(ctx));
	conmux_show_prompt(&mon->cm);
}

void monitor_input(struct monitor *mon, uint8_t byte)
{
	switch (mon->mode) {
	case MONITOR_ATTACHED:
		if (byte == KEY_DETACH)
			monitor_detach(mon);
		else
			conmux_send(&mon->cm, mon->cm.attached, byte);
		return;
	case MONITOR_TOP:
		mon_puts(mon, "\n");
		monitor_back_to_shell(mon);
		/* An arrow key left top: the editor swallows the rest of it. */
		if (byte == KEY_ESC)
			lineedit_swallow_escape(&mon->le);
		return;
	case MONITOR_SHELL:
		break;
	}
	switch (lineedit_feed(&mon->le, byte)) {
	case LINEEDIT_LINE:
		mon->cm.prompt_visible = false;
		shell_execute(mon, mon->le.result);
		if (mon->mode == MONITOR_SHELL)
			conmux_show_prompt(&mon->cm);
		break;
	case LINEEDIT_CANCEL:
		mon->cm.prompt_visible = false;
		conmux_show_prompt(&mon->cm);
		break;
	case LINEEDIT_NONE:
		break;
	}
}

void monitor_guest_output(struct monitor *mon, unsigned vm, uint8_t byte)
{
	conmux_guest_output(&mon->cm, vm, byte);
}

void monitor_host_output(void *ctx, char c)
{
	struct monitor *mon = ctx;
	conmux_host_output(&mon->cm, c);
}

void monitor_tick(struct monitor *mon, uint64_t now_ns)
{
	conmux_tick(&mon->cm, now_ns);
	if (mon->mode == MONITOR_TOP && now_ns >= mon->top.next_ns)
		monitor_top_draw(mon, now_ns);
}

void monitor_vm_stopped(struct monitor *mon, unsigned vm, const char *what)
{
	char text[200];
	size_t n = 0;
	for (const char *s = "*** "; *s; s++)
		text[n++] = *s;
	for (const char *s = what ? what : "stopped"; *s && n < sizeof(text) - 1; s++)
		text[n++] = *s;
	text[n] = '\0';
	conmux_drop_input(&mon->cm, vm);
	conmux_line(&mon->cm, vm, text);
	if (mon->mode == MONITOR_ATTACHED && mon->cm.attached == vm)
		monitor_detach(mon);
}
