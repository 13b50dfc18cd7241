/* The monitor's views other than the shell: a guest console attached raw,
 * the `top` screen, and the way back to the prompt from either. */
#include "vmm/monitor/view.h"
#include "vmm/monitor/print.h"
#include "kernel/string.h"

#define NS_PER_S 1000000000ull

/* After a console or top: say which guests talked meanwhile, then the prompt. */
void monitor_back_to_shell(struct monitor *mon)
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

void monitor_detach(struct monitor *mon)
{
	mon_printf(mon, "\ndetached from %s\n", monitor_vm_name(mon, mon->cm.attached));
	monitor_back_to_shell(mon);
}

/* top: one screen, redrawn each second from the counters' growth since the
 * previous screen (the first screen shows averages since boot). */
void monitor_top_draw(struct monitor *mon, uint64_t now)
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
	monitor_top_draw(mon, mon->ops->uptime_ns(mon->ctx));
}
