/* Guest memory as the guest's own paging sees it (for string I/O and reports). */
#ifndef KESTREL_VMM_GUEST_MEM_H
#define KESTREL_VMM_GUEST_MEM_H

#include <stdint.h>

#include "vmm/mem/page_walk.h"

struct vm;

/* Translate a guest linear address for one access (PAGE_WALK_* flags) as
 * the guest's CPU would now: its paging mode, CPL and RFLAGS.AC. Sets the
 * accessed and dirty bits it uses; a fault is the caller's to inject. */
enum page_walk_status guest_translate(struct vm *vm, uint64_t gla, unsigned access, struct page_walk_result *out);

#endif
