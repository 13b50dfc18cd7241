/* Inside the monitor: the command table and the command handlers. Not for
 * the VMM (it uses monitor.h). */
#ifndef VMM_MONITOR_SHELL_H
#define VMM_MONITOR_SHELL_H

#include "vmm/monitor/types.h"
#include "vmm/monitor/print.h"

#define SHELL_MAX_ARGS 8 /* words in one command line, the command included */

struct shell_cmd {
	const char *name;
	const char *args; /* usage after the name, e.g. "NAME GPA [LEN]" */
	const char *help;
	void (*run)(struct monitor *mon, int argc, char **argv);
	unsigned min_args, max_args; /* words after the name */
};

void shell_execute(struct monitor *mon, const char *line);
const struct shell_cmd *shell_find(const char *name);
/* "usage: NAME ARGS" of cmd, or of the command being executed. */
void shell_usage(struct monitor *mon, const struct shell_cmd *cmd);
void mon_usage(struct monitor *mon);
/* Command handlers: cmd_vm.c (VMs as a whole), cmd_debug.c (their insides),
 * cmd_mem.c (snapshots, clones, watches, dirty pages: the VMM's EPT). */
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
void cmd_snapshot(struct monitor *mon, int argc, char **argv);
void cmd_rewind(struct monitor *mon, int argc, char **argv);
void cmd_snapshots(struct monitor *mon, int argc, char **argv);
void cmd_forget(struct monitor *mon, int argc, char **argv);
void cmd_clone(struct monitor *mon, int argc, char **argv);
void cmd_watch(struct monitor *mon, int argc, char **argv);
void cmd_unwatch(struct monitor *mon, int argc, char **argv);
void cmd_dirty(struct monitor *mon, int argc, char **argv);

#endif
