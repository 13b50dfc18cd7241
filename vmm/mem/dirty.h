/* Dirty-page logging (docs/memory.md, "Dirty pages"): how many distinct
 * 4 KiB pages the guest writes in each second, the measure that decides
 * whether a pre-copy migration converges. With the page-modification log
 * where the CPU has it (SDM 3C 29.3.6): the CPU logs each page whose EPT
 * dirty flag it sets, and each second the flags are cleared. Else by write
 * protection: each second every page loses W, and the first write to each
 * page in that second faults once (vmm/mem/gram.c counts it). */
#ifndef KESTREL_VMM_MEM_DIRTY_H
#define KESTREL_VMM_MEM_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

#define DIRTY_SECONDS_MAX 60

struct vm;

/* NULL, or why not. The results are notes under the VM's name.
 * write_protect: by write protection even where the CPU has PML. */
const char *dirty_start(struct vm *vm, unsigned seconds, bool write_protect);
/* Ends the current second when due (a write fault, a slice's start). */
void dirty_tick(struct vm *vm, uint64_t now);
/* A PML-full exit: the log is read and emptied. */
void dirty_pml_full(struct vm *vm);
/* Logging ends now (a restart), with a note. */
void dirty_stop(struct vm *vm, const char *why);

#endif
