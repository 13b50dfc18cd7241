/* Access watches: EPT hooking for the operator (docs/memory.md,
 * "Watches"). A watched page has rights hidden from the CPU; an access it
 * makes fault on is let through for one instruction with the monitor trap
 * flag (SDM 3C 26.7.2, 27.5.2) and reported when it touched the watched
 * bytes, then the rights are hidden again. Where the CPU has no monitor
 * trap flag (Bochs 2.7's corei7_skylake_x) the step is RFLAGS.TF's. */
#ifndef KESTREL_VMM_MEM_WATCH_H
#define KESTREL_VMM_MEM_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/mem/watch_set.h"

struct vm;
struct vm_exit;

/* The rights watches hide on the 4 KiB page at page_gpa (EPT_PAGE_*). */
unsigned watch_hidden(const struct vm *vm, uint64_t page_gpa);
/* Hide the watches' rights again on the pages of [gpa, gpa+len) (after
 * their EPT was rebuilt); false when a split found no host page. */
bool watch_apply_range(struct vm *vm, uint64_t gpa, uint64_t len);
/* NULL, or why not (beyond RAM, too many, no host page for a split). */
const char *watch_add(struct vm *vm, uint64_t gpa, uint64_t len, unsigned kinds);
const char *watch_remove(struct vm *vm, bool all, uint64_t gpa);
/* An EPT violation the memory layer's own rights allow: a watched page.
 * Starts the step (true), or false when no watch hides rights there. */
bool watch_violation(struct vm *vm, const struct vm_exit *e);
/* The stepped instruction retired (a monitor trap flag exit, or the #DB
 * of RFLAGS.TF): report it and hide the rights again. */
void watch_step_done(struct vm *vm);

#endif
