/* Inside the monitor: the command table, argument helpers and the output
 * functions the command files share. Not for the VMM (it uses monitor.h). */
#ifndef VMM_MONITOR_SHELL_H
#define VMM_MONITOR_SHELL_H

#include "vmm/monitor/monitor.h"

#define SHELL_MAX_ARGS 8 /* words in one command line, the command included */

struct shell_cmd {
	const char *name;
	const char *args; /* usage after the name, e.g. "NAME GPA [LEN]" */
	const char *help;
	void (*run)(struct monitor *mon, int argc, char **argv);
	unsigned min_args, max_args; /* words after the name */
};

/* Output: '\n' becomes CR LF. */
void mon_putc(void *mon, char c);
void mon_puts(struct monitor *mon, const char *s);
void mon_printf(struct monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void shell_execute(struct monitor *mon, const char *line);
const struct shell_cmd *shell_find(const char *name);
void shell_usage(struct monitor *mon, const struct shell_cmd *cmd);
/* Looks a VM up by name, then by id; prints "no such VM 'x'" when neither fits. */
bool shell_vm_arg(struct monitor *mon, const char *arg, unsigned *vm, struct monitor_vm_info *info);
/* "0x1f" (hex) or "31" (decimal); false on junk or overflow. */
bool shell_parse_u64(const char *s, uint64_t *val);
/* "16 MiB", "640 KiB", "1000 bytes": the largest unit that is exact. */
void shell_format_size(char *buf, size_t n, uint64_t bytes);
/* Basis points of CPU time: run_ns out of total_ns, 0..10000. */
unsigned shell_share(uint64_t run_ns, uint64_t total_ns);
const char *monitor_vm_name(struct monitor *mon, unsigned vm);

/* Mode changes (monitor.c). */
void monitor_attach(struct monitor *mon, unsigned vm);
void monitor_top_start(struct monitor *mon);

/* Command handlers: cmd_vm.c (VMs as a whole), cmd_debug.c (their insides). */
void cmd_list(struct monitor *mon, int argc, char **argv);
void cmd_info(struct monitor *mon, int argc, char **argv);
void cmd_regs(struct monitor *mon, int argc, char **argv);
void cmd_exits(struct monitor *mon, int argc, char **argv);
void cmd_pause(struct monitor *mon, int argc, char **argv);
void cmd_resume(struct monitor *mon, int argc, char **argv);
void cmd_reset(struct monitor *mon, int argc, char **argv);
void cmd_stop(struct monitor *mon, int argc, char **argv);
void cmd_mem(struct monitor *mon, int argc, char **argv);
void cmd_dev(struct monitor *mon, int argc, char **argv);
void cmd_inject(struct monitor *mon, int argc, char **argv);

#endif
