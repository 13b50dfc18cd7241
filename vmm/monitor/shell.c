/* The monitor's command line: the command table, word splitting, and the
 * commands that are not about one VM's insides. */
#include "vmm/monitor/shell.h"
#include "vmm/monitor/view.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

static void cmd_help(struct monitor *mon, int argc, char **argv);

static void cmd_version(struct monitor *mon, int argc, char **argv)
{
	(void)argc, (void)argv;
	mon_printf(mon, "%s\n", mon->ops->version(mon->ctx));
}

static void cmd_uptime(struct monitor *mon, int argc, char **argv)
{
	(void)argc, (void)argv;
	uint64_t ns = mon->ops->uptime_ns(mon->ctx);
	uint64_t s = ns / 1000000000ull;
	mon_printf(mon, "up %llud %02u:%02u:%02u (%llu.%03u s)\n", (unsigned long long)(s / 86400),
		   (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60), (unsigned)(s % 60),
		   (unsigned long long)s, (unsigned)(ns / 1000000 % 1000));
}

/* Host memory in 4 KiB pages: what a leak would show, a page at a time. */
static void cmd_host(struct monitor *mon, int argc, char **argv)
{
	(void)argc, (void)argv;
	uint64_t total, free;
	mon->ops->host_pages(mon->ctx, &total, &free);
	mon_printf(mon, "host memory: %llu pages (%llu KiB), %llu in use, %llu free\n", (unsigned long long)total,
		   (unsigned long long)(total * 4), (unsigned long long)(total - free), (unsigned long long)free);
}

static void cmd_quantum(struct monitor *mon, int argc, char **argv)
{
	uint64_t ms;
	if (argc == 2) {
		if (!shell_parse_u64(argv[1], &ms) || ms < 1 || ms > 1000) {
			mon_puts(mon, "quantum: MS must be 1..1000\n");
			mon_usage(mon);
			return;
		}
		const char *err = mon->ops->quantum_set(mon->ctx, (unsigned)ms);
		if (err) {
			mon_printf(mon, "quantum: %s\n", err);
			return;
		}
	}
	mon_printf(mon, "quantum: %u ms\n", mon->ops->quantum_get(mon->ctx));
}

static const char *const level_names[] = {
	[MONITOR_LOG_ERROR] = "error",
	[MONITOR_LOG_WARN] = "warn",
	[MONITOR_LOG_INFO] = "info",
	[MONITOR_LOG_DEBUG] = "debug",
};

static void cmd_loglevel(struct monitor *mon, int argc, char **argv)
{
	if (argc == 2) {
		int level = -1;
		for (int i = 0; i <= MONITOR_LOG_DEBUG; i++)
			if (strcmp(argv[1], level_names[i]) == 0)
				level = i;
		if (level < 0) {
			mon_usage(mon);
			return;
		}
		mon->ops->loglevel_set(mon->ctx, level);
	}
	int level = mon->ops->loglevel_get(mon->ctx);
	const char *name = level >= 0 && level <= MONITOR_LOG_DEBUG ? level_names[level] : "?";
	mon_printf(mon, "loglevel: %s\n", name);
}

static void cmd_poweroff(struct monitor *mon, int argc, char **argv)
{
	(void)argc, (void)argv;
	mon_puts(mon, "powering off\n");
	mon->ops->poweroff(mon->ctx);
}

static void cmd_reboot(struct monitor *mon, int argc, char **argv)
{
	(void)argc, (void)argv;
	mon_puts(mon, "rebooting\n");
	mon->ops->reboot(mon->ctx);
}

static void cmd_console(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (vm >= MONITOR_MAX_VMS) {
		mon_printf(mon, "console: only VMs 0..%u have a console here\n", MONITOR_MAX_VMS - 1);
		return;
	}
	monitor_attach(mon, vm);
}

static void cmd_log(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (vm >= MONITOR_MAX_VMS) {
		mon_printf(mon, "log: only VMs 0..%u are buffered\n", MONITOR_MAX_VMS - 1);
		return;
	}
	const struct conmux_ring *r = &mon->cm.ring[vm];
	uint64_t lost = conmux_lost(&mon->cm, vm);
	mon_printf(mon, "--- %s: last %llu of %llu bytes", info.name,
		   (unsigned long long)(r->total - lost), (unsigned long long)r->total);
	if (lost)
		mon_printf(mon, ", %llu older bytes lost", (unsigned long long)lost);
	mon_puts(mon, " ---\n");
	conmux_log(&mon->cm, vm);
	mon_printf(mon, "--- end of %s ---\n", info.name);
}

static void cmd_top(struct monitor *mon, int argc, char **argv)
{
	(void)argc, (void)argv;
	monitor_top_start(mon);
}

static const struct shell_cmd commands[] = {
	{"help", "[COMMAND]", "list the commands, or show one command's usage", cmd_help, 0, 1},
	{"version", "", "show the hypervisor version", cmd_version, 0, 0},
	{"uptime", "", "time since boot", cmd_uptime, 0, 0},
	{"host", "", "the host's memory: 4 KiB pages in use and free", cmd_host, 0, 0},
	{"list", "", "every VM: id, name, state, memory, CPU share, exits", cmd_list, 0, 0},
	{"info", "VM", "state, reason, exit code, image, memory, CPU mode", cmd_info, 1, 1},
	{"regs", "VM", "guest registers, control registers, segments (VMCS)", cmd_regs, 1, 1},
	{"exits", "[VM [reset]]", "VM exits per reason: count, host ticks, ticks per exit (no VM: all VMs; reset clears)", cmd_exits, 0, 2},
	{"top", "", "CPU share and exits/s per VM, each second, until a key", cmd_top, 0, 0},
	{"console", "VM", "attach to the VM's COM1; Ctrl-] detaches", cmd_console, 1, 1},
	{"log", "VM", "the VM's buffered console output (last 4 KiB)", cmd_log, 1, 1},
	{"pause", "VM", "stop scheduling the VM", cmd_pause, 1, 1},
	{"resume", "VM", "schedule a paused VM again", cmd_resume, 1, 1},
	{"reset", "VM", "reload the VM's image and start it again", cmd_reset, 1, 1},
	{"stop", "VM", "stop the VM for good (reset starts it again)", cmd_stop, 1, 1},
	{"mem", "VM GPA [LEN]", "hexdump guest-physical memory (LEN <= 4096, default 128)", cmd_mem, 2, 2 + 1},
	{"pic", "VM", "the VM's 8259A pair", cmd_dev, 1, 1},
	{"pit", "VM", "the VM's 8254 timer", cmd_dev, 1, 1},
	{"uart", "VM", "the VM's 16550A (COM1)", cmd_dev, 1, 1},
	{"rtc", "VM", "the VM's MC146818A clock", cmd_dev, 1, 1},
	{"inject", "VM VECTOR [TYPE] [ERRCODE] [len=N]",
	 "inject an event; TYPE extint|nmi|hwexc|swint|privswexc|swexc", cmd_inject, 2, 5},
	{"snapshot", "VM [TAG]", "snapshot the VM as TAG (default 'default'); pages are saved as they are written",
	 cmd_snapshot, 1, 2},
	{"rewind", "VM [TAG]", "put the VM back to snapshot TAG (default 'default')", cmd_rewind, 1, 2},
	{"snapshots", "VM", "the VM's snapshots: age, pages saved and differing, host bytes, rewinds", cmd_snapshots,
	 1, 1},
	{"forget", "VM TAG", "drop snapshot TAG and the pages it holds", cmd_forget, 2, 2},
	{"clone", "VM NEWNAME", "a new VM from the VM's current state, its RAM shared copy-on-write", cmd_clone, 2, 2},
	{"watch", "VM [GPA [LEN] [KIND]]",
	 "list the watches, or report accesses to GPA..GPA+LEN-1 (LEN 1..4096, default 1; KIND r w x, default w)",
	 cmd_watch, 1, 4},
	{"unwatch", "VM [GPA]", "remove the watch at GPA, or every watch of the VM", cmd_unwatch, 1, 2},
	{"dirty", "VM [SECONDS [wp]]", "each second, the pages the VM wrote (1..60 s, default 5; wp: by write protection)", cmd_dirty, 1, 3},
	{"quantum", "[MS]", "show or set the scheduler time slice (1..1000 ms)", cmd_quantum, 0, 1},
	{"loglevel", "[error|warn|info|debug]", "show or set the host log level", cmd_loglevel, 0, 1},
	{"poweroff", "", "stop every VM and power the machine off", cmd_poweroff, 0, 0},
	{"reboot", "", "reboot the machine", cmd_reboot, 0, 0},
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct shell_cmd *shell_find(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void shell_usage(struct monitor *mon, const struct shell_cmd *cmd)
{
	mon_printf(mon, "usage: %s%s%s\n", cmd->name, cmd->args[0] ? " " : "", cmd->args);
}

void mon_usage(struct monitor *mon)
{
	if (mon->running)
		shell_usage(mon, mon->running);
}

static void cmd_help(struct monitor *mon, int argc, char **argv)
{
	if (argc == 2) {
		const struct shell_cmd *cmd = shell_find(argv[1]);
		if (!cmd) {
			mon_printf(mon, "help: no command '%s'\n", argv[1]);
			return;
		}
		shell_usage(mon, cmd);
		mon_printf(mon, "  %s\n", cmd->help);
		return;
	}
	mon_puts(mon, "commands (VM is a name or an id; numbers are decimal or 0x hex):\n");
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		char usage[48];
		fmt_snprintf(usage, sizeof(usage), "%s %s", commands[i].name, commands[i].args);
		mon_printf(mon, "  %-26s %s\n", usage, commands[i].help);
	}
	mon_puts(mon, "keys: Up/Down history, Backspace, Ctrl-U erase line, Ctrl-C cancel,\n"
		      "      Ctrl-L redraw, Ctrl-] leave an attached console\n");
}

/* Levenshtein distance, for "did you mean"; words longer than 15 get 99. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[16];
	if (la > 15 || lb > 15)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_command(struct monitor *mon, const char *word)
{
	const char *best = NULL;
	unsigned best_d = 3; /* suggest only within two edits, or a prefix */
	size_t n = strlen(word);
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		unsigned d = edit_distance(word, commands[i].name);
		if (n >= 2 && strncmp(word, commands[i].name, n) == 0)
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = commands[i].name;
		}
	}
	mon_printf(mon, "unknown command '%.*s'", 32, word);
	if (best)
		mon_printf(mon, " - did you mean '%s'?", best);
	mon_puts(mon, " type 'help'\n");
}

void shell_execute(struct monitor *mon, const char *line)
{
	char buf[LINEEDIT_MAX + 1];
	char *argv[SHELL_MAX_ARGS];
	int argc = 0;
	size_t n = 0;
	while (line[n] && n < LINEEDIT_MAX) {
		buf[n] = line[n];
		n++;
	}
	buf[n] = '\0';
	for (char *p = buf; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == SHELL_MAX_ARGS) {
			argc++; /* too many: the usage line follows */
			break;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (argc == 0)
		return;
	const struct shell_cmd *cmd = shell_find(argv[0]);
	if (!cmd) {
		unknown_command(mon, argv[0]);
		return;
	}
	unsigned args = (unsigned)argc - 1;
	mon->running = cmd;
	if (args < cmd->min_args || args > cmd->max_args)
		shell_usage(mon, cmd);
	else
		cmd->run(mon, argc, argv);
	mon->running = 0;
}
