/* Events into a VM, all through the rules of vmm/event.c. */
#ifndef KESTREL_VMM_INJECT_H
#define KESTREL_VMM_INJECT_H

#include "vmm/event.h"

struct vm;

/* Fit *ev to the guest's current mode (it then holds what is delivered) and
 * queue it for the next VM entry. Returns 0, or the rule that forbids it
 * (nothing is queued then). */
const char *vm_inject(struct vm *vm, struct event *ev, enum event_origin origin);
/* A fault Kestrel raises for an instruction it emulates or refuses; the
 * error code is pushed only where the guest's mode pushes one. */
void vm_raise(struct vm *vm, unsigned vector, uint32_t error);
static inline void vm_raise_gp(struct vm *vm) { vm_raise(vm, 13, 0); }
static inline void vm_raise_ud(struct vm *vm) { vm_raise(vm, 6, 0); }

#endif
