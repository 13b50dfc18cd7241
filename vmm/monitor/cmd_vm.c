/* Monitor commands about VMs as a whole: list, info, exits, the life-cycle
 * commands (pause, resume, reset, stop) and the device views. */
#include "vmm/monitor/shell.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

void cmd_list(struct monitor *mon, int argc, char **argv)
{
	(void)argc, (void)argv;
	unsigned n = mon->ops->vm_count(mon->ctx);
	uint64_t up = mon->ops->uptime_ns(mon->ctx);
	if (n == 0) {
		mon_puts(mon, "no VMs\n");
		return;
	}
	mon_puts(mon, " ID  NAME             STATE      MEMORY       CPU%        EXITS\n");
	for (unsigned vm = 0; vm < n; vm++) {
		struct monitor_vm_info info;
		if (!mon->ops->vm_info(mon->ctx, vm, &info))
			continue;
		char mem[24];
		shell_format_size(mem, sizeof(mem), info.mem_bytes);
		unsigned share = shell_share(info.run_ns, up);
		mon_printf(mon, "%3u  %-16s %-10s %-10s %3u.%02u%% %12llu\n", vm, info.name, info.state,
			   mem, share / 100, share % 100, (unsigned long long)info.exits);
	}
}

void cmd_info(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	char mem[24];
	shell_format_size(mem, sizeof(mem), info.mem_bytes);
	unsigned share = shell_share(info.run_ns, mon->ops->uptime_ns(mon->ctx));
	mon_printf(mon, "id:        %u\nname:      %s\nstate:     %s\nreason:    %s\n", vm, info.name,
		   info.state, info.reason && info.reason[0] ? info.reason : "-");
	if (info.exit_code_valid)
		mon_printf(mon, "exit code: %ld\n", (long)info.exit_code);
	else
		mon_puts(mon, "exit code: -\n");
	mon_printf(mon, "image:     %s\nmemory:    %s (%llu bytes)\ncpu mode:  %s\n", info.image, mem,
		   (unsigned long long)info.mem_bytes, info.cpu_mode);
	mon_printf(mon, "host:      %llu bytes beyond its RAM (%llu in pages: EPT, VMCS, FPU area; %llu static)\n",
		   (unsigned long long)info.host_bytes, (unsigned long long)info.host_page_bytes,
		   (unsigned long long)(info.host_bytes - info.host_page_bytes));
	mon_printf(mon, "exits:     %llu\ncpu time:  %llu.%03u s (%u.%02u%% since boot)\n",
		   (unsigned long long)info.exits, (unsigned long long)(info.run_ns / 1000000000ull),
		   (unsigned)(info.run_ns / 1000000 % 1000), share / 100, share % 100);
	mon_printf(mon, "console:   %llu bytes shown, %llu dropped (written faster than the line)\n",
		   (unsigned long long)info.console_shown, (unsigned long long)info.console_dropped);
}

/* Is (count a, reason i) before (count b, reason j) in "most first" order? */
static bool exit_before(uint64_t a, unsigned i, uint64_t b, unsigned j)
{
	return a > b || (a == b && i < j);
}

void cmd_exits(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	const uint64_t *count = info.exit_counts;
	unsigned nr = count ? info.nr_exit_counts : 0;
	uint64_t total = 0;
	for (unsigned r = 0; r < nr; r++)
		total += count[r];
	mon_printf(mon, "%s: %llu exits\n", info.name, (unsigned long long)info.exits);
	if (total == 0)
		return;
	mon_puts(mon, "  REASON                       NR        COUNT       %\n");
	/* Most frequent first, like kvm_stat: pick the next one down each time. */
	uint64_t last = UINT64_MAX;
	unsigned last_r = 0;
	bool first = true;
	for (;;) {
		bool found = false;
		unsigned best = 0;
		for (unsigned r = 0; r < nr; r++) {
			if (count[r] == 0 || (!first && !exit_before(last, last_r, count[r], r)))
				continue;
			if (!found || exit_before(count[r], r, count[best], best)) {
				best = r;
				found = true;
			}
		}
		if (!found)
			break;
		char unknown[16];
		const char *name = mon->ops->exit_name(best);
		if (!name) {
			fmt_snprintf(unknown, sizeof(unknown), "REASON_%u", best);
			name = unknown;
		}
		unsigned share = shell_share(count[best], total);
		mon_printf(mon, "  %-26s %4u %12llu %3u.%02u\n", name, best,
			   (unsigned long long)count[best], share / 100, share % 100);
		last = count[best];
		last_r = best;
		first = false;
	}
}

static void lifecycle(struct monitor *mon, char **argv, const char *(*op)(void *, unsigned),
		      const char *done)
{
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	const char *err = op(mon->ctx, vm);
	if (err)
		mon_printf(mon, "%s: %s: %s\n", argv[0], info.name, err);
	else
		mon_printf(mon, "%s: %s\n", info.name, done);
}

void cmd_pause(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	lifecycle(mon, argv, mon->ops->pause, "paused");
}

void cmd_resume(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	lifecycle(mon, argv, mon->ops->resume, "resumed");
}

void cmd_reset(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	lifecycle(mon, argv, mon->ops->reset, "reset, starting again");
}

void cmd_stop(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	const char *err = mon->ops->stop(mon->ctx, vm);
	if (err) {
		mon_printf(mon, "stop: %s: %s\n", info.name, err);
		return;
	}
	conmux_drop_input(&mon->cm, vm);
	mon_printf(mon, "%s: stopped\n", info.name);
}

/* pic, pit, uart: the command's name is the device's. */
void cmd_dev(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	const char *err = mon->ops->dev_show(mon->ctx, vm, argv[0], mon_putc, mon);
	if (err)
		mon_printf(mon, "%s: %s: %s\n", argv[0], info.name, err);
}
