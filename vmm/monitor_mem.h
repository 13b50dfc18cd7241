/* The monitor's memory operations (vmm/monitor_mem.c), for the ops table
 * in vmm/monitor_ops.c. */
#ifndef KESTREL_VMM_MONITOR_MEM_H
#define KESTREL_VMM_MONITOR_MEM_H

#include "vmm/monitor/types.h"

const char *op_snapshot(void *ctx, unsigned id, const char *tag, struct monitor_snapshot_info *out);
const char *op_rewind(void *ctx, unsigned id, const char *tag, uint64_t *pages, uint64_t *ticks);
unsigned op_snapshots(void *ctx, unsigned id, struct monitor_snapshot_info *out, unsigned max);
const char *op_forget(void *ctx, unsigned id, const char *tag);
const char *op_clone(void *ctx, unsigned id, const char *name, unsigned *new_id);
const char *op_watch(void *ctx, unsigned id, uint64_t gpa, uint64_t len, unsigned kinds);
const char *op_unwatch(void *ctx, unsigned id, bool all, uint64_t gpa);
unsigned op_watches(void *ctx, unsigned id, struct monitor_watch_info *out, unsigned max);
const char *op_dirty(void *ctx, unsigned id, unsigned seconds, bool write_protect);
/* For `info`: the pages the VM alone maps, and those it shares. */
void op_mem_pages(void *ctx, unsigned id, uint64_t *private_pages, uint64_t *shared_pages);

#endif
