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
	mon_printf(mon, "image:     %s\nmemory:    %s (%llu bytes)\n", info.image, mem,
		   (unsigned long long)info.mem_bytes);
	mon_printf(mon, "pages:     %llu private, %llu shared copy-on-write\ncpu mode:  %s\n",
		   (unsigned long long)info.private_pages, (unsigned long long)info.shared_pages, info.cpu_mode);
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

/* The reason after *r in "most first" order (the first one if first), into
 * *r; false when none is left. */
static bool exit_next(const uint64_t *count, unsigned nr, bool first, unsigned *r)
{
	unsigned last_r = *r, next = 0;
	bool found = false;
	for (unsigned i = 0; i < nr; i++) {
		if (count[i] == 0 || (!first && !exit_before(count[last_r], last_r, count[i], i)))
			continue;
		if (!found || exit_before(count[i], i, count[next], next)) {
			next = i;
			found = true;
		}
	}
	*r = next;
	return found;
}

static void exit_row(struct monitor *mon, const char *name, const char *nr, uint64_t count, uint64_t ticks,
		     uint64_t total)
{
	unsigned share = shell_share(count, total);
	mon_printf(mon, "  %-26s %4s %12llu %3u.%02u %16llu %10llu\n", name, nr, (unsigned long long)count,
		   share / 100, share % 100, (unsigned long long)ticks, (unsigned long long)(ticks / count));
}

/* Per reason, most frequent first like kvm_stat: count, share, host ticks
 * and ticks per exit; then the total. */
static void exit_table(struct monitor *mon, const uint64_t *count, const uint64_t *ticks, unsigned nr)
{
	uint64_t total = 0, total_ticks = 0;
	for (unsigned r = 0; r < nr; r++) {
		total += count[r];
		total_ticks += ticks ? ticks[r] : 0;
	}
	if (total == 0)
		return;
	mon_puts(mon, "  REASON                       NR        COUNT      %            TICKS   PER EXIT\n");
	unsigned r = 0;
	for (bool first = true; exit_next(count, nr, first, &r); first = false) {
		char unknown[16], number[8];
		const char *name = mon->ops->exit_name(r);
		if (!name) {
			fmt_snprintf(unknown, sizeof(unknown), "REASON_%u", r);
			name = unknown;
		}
		fmt_snprintf(number, sizeof(number), "%u", r);
		exit_row(mon, name, number, count[r], ticks ? ticks[r] : 0, total);
	}
	exit_row(mon, "total", "", total, total_ticks, total);
}

/* Every VM's counters added up, in mon->exit_sum. */
static void exit_sum_all(struct monitor *mon, uint64_t *exits, unsigned *nr)
{
	struct monitor_exit_sum *sum = &mon->exit_sum;
	*sum = (struct monitor_exit_sum){0};
	*exits = 0;
	*nr = 0;
	unsigned n = mon->ops->vm_count(mon->ctx);
	for (unsigned vm = 0; vm < n; vm++) {
		struct monitor_vm_info info;
		if (!mon->ops->vm_info(mon->ctx, vm, &info))
			continue;
		*exits += info.exits;
		unsigned reasons = info.exit_counts ? info.nr_exit_counts : 0;
		if (reasons > MONITOR_EXIT_REASONS)
			reasons = MONITOR_EXIT_REASONS;
		for (unsigned r = 0; r < reasons; r++) {
			sum->count[r] += info.exit_counts[r];
			sum->ticks[r] += info.exit_ticks ? info.exit_ticks[r] : 0;
		}
		*nr = reasons > *nr ? reasons : *nr;
	}
}

static void exits_reset(struct monitor *mon, unsigned vm, const char *name)
{
	const char *err = mon->ops->exits_reset(mon->ctx, vm);
	if (err)
		mon_printf(mon, "exits: %s: %s\n", name, err);
	else
		mon_printf(mon, "%s: exit counters cleared\n", name);
}

void cmd_exits(struct monitor *mon, int argc, char **argv)
{
	if (argc == 1) {
		uint64_t exits;
		unsigned nr;
		exit_sum_all(mon, &exits, &nr);
		unsigned n = mon->ops->vm_count(mon->ctx);
		mon_printf(mon, "all %u VM%s: %llu exits\n", n, n == 1 ? "" : "s", (unsigned long long)exits);
		exit_table(mon, mon->exit_sum.count, mon->exit_sum.ticks, nr);
		return;
	}
	unsigned vm;
	struct monitor_vm_info info;
	if (argc == 3 && strcmp(argv[2], "reset") != 0) {
		mon_usage(mon);
		return;
	}
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (argc == 3) {
		exits_reset(mon, vm, info.name);
		return;
	}
	mon_printf(mon, "%s: %llu exits\n", info.name, (unsigned long long)info.exits);
	if (info.exit_counts)
		exit_table(mon, info.exit_counts, info.exit_ticks, info.nr_exit_counts);
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
