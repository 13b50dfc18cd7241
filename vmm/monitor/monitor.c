/* The monitor's entry points and modes: the shell (line editor + commands
 * around guest output), a guest console attached raw, and the `top` screen. */
#include "vmm/monitor/monitor.h"
#include "vmm/monitor/shell.h"
#include "kernel/string.h"

#define KEY_DETACH 0x1D /* Ctrl-]: leaves an attached console (virsh, telnet) */
#define NS_PER_S   1000000000ull

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

/* After a console or top: say which guests talked meanwhile, then the prompt. */
static void back_to_shell(struct monitor *mon)
{
	mon->mode = MONITOR_SHELL;
	for (unsigned vm = 0; vm < MONITOR_MAX_VMS; vm++) {
		uint64_t n = mon->cm.ring[vm].unseen;
		if (n == 0 || (mon->cm.view == CONMUX_ATTACHED && mon->cm.attached == vm))
			continue;
		const char *name = monitor_vm_name(mon, vm);
		mon_printf(mon, "(%s wrote %llu bytes meanwhile: 'log %s' shows them)\n", name,
			   (unsigned long long)n, name);
	}
	conmux_detach(&mon->cm);
	lineedit_reset(&mon->le);
	conmux_show_prompt(&mon->cm);
}

void monitor_attach(struct monitor *mon, unsigned vm)
{
	conmux_attach(&mon->cm, vm);
	mon->mode = MONITOR_ATTACHED;
	mon_printf(mon, "attached to %s: Ctrl-] returns to the monitor\n", monitor_vm_name(mon, vm));
	conmux_replay_tail(&mon->cm, vm);
}

static void detach(struct monitor *mon)
{
	mon_printf(mon, "\ndetached from %s\n", monitor_vm_name(mon, mon->cm.attached));
	back_to_shell(mon);
}

/* top: one screen, redrawn each second from the counters' growth since the
 * previous screen (the first screen shows averages since boot). */
static void top_draw(struct monitor *mon, uint64_t now)
{
	struct monitor_top *t = &mon->top;
	unsigned n = mon->ops->vm_count(mon->ctx);
	uint64_t dt = now > t->prev_ns ? now - t->prev_ns : 0;
	uint64_t s = now / NS_PER_S;
	mon_printf(mon, "\x1b[H\x1b[2Jkestrel top - up %llud %02u:%02u:%02u, %u VMs, quantum %u ms"
			"  (any key: back to the prompt)\n\n",
		   (unsigned long long)(s / 86400), (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60),
		   (unsigned)(s % 60), n, mon->ops->quantum_get(mon->ctx));
	mon_puts(mon, " ID  NAME             STATE        CPU%     EXITS/s        EXITS\n");
	for (unsigned vm = 0; vm < n; vm++) {
		struct monitor_vm_info info;
		if (!mon->ops->vm_info(mon->ctx, vm, &info))
			continue;
		uint64_t exits = 0, run = 0;
		if (vm < MONITOR_MAX_VMS) {
			/* A reset VM's counters start again: count from zero then. */
			exits = info.exits >= t->prev_exits[vm] ? info.exits - t->prev_exits[vm] : info.exits;
			run = info.run_ns >= t->prev_run_ns[vm] ? info.run_ns - t->prev_run_ns[vm] : 0;
			t->prev_exits[vm] = info.exits;
			t->prev_run_ns[vm] = info.run_ns;
		}
		unsigned share = shell_share(run, dt);
		uint64_t rate = dt ? exits * NS_PER_S / dt : 0;
		if (dt && exits > UINT64_MAX / NS_PER_S)
			rate = exits / (dt / NS_PER_S ? dt / NS_PER_S : 1);
		mon_printf(mon, "%3u  %-16s %-10s %3u.%02u%% %11llu %12llu\n", vm, info.name, info.state,
			   share / 100, share % 100, (unsigned long long)rate,
			   (unsigned long long)info.exits);
	}
	t->prev_ns = now;
	t->next_ns = now + NS_PER_S;
}

void monitor_top_start(struct monitor *mon)
{
	memset(&mon->top, 0, sizeof(mon->top));
	conmux_set_quiet(&mon->cm, true);
	mon->mode = MONITOR_TOP;
	top_draw(mon, mon->ops->uptime_ns(mon->ctx));
}

void monitor_input(struct monitor *mon, uint8_t byte)
{
	switch (mon->mode) {
	case MONITOR_ATTACHED:
		if (byte == KEY_DETACH)
			detach(mon);
		else
			conmux_send(&mon->cm, mon->cm.attached, byte);
		return;
	case MONITOR_TOP:
		mon_puts(mon, "\n");
		back_to_shell(mon);
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
		top_draw(mon, now_ns);
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
		detach(mon);
}
