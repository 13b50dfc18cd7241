/* Guest memory as the guest's own paging sees it (for string I/O and reports). */
#ifndef KESTREL_VMM_GUEST_MEM_H
#define KESTREL_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Translate a guest linear address through the guest's current paging mode
 * (none, 32-bit, PAE or 4-level). False: not mapped, or not writable when
 * write is set; the caller injects the fault or stops the guest. */
bool guest_linear_to_phys(struct vm *vm, uint64_t gla, bool write, uint64_t *gpa);

#endif
