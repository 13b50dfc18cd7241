/* Snapshots of a VM: taken, rewound to, listed and dropped from the monitor
 * (docs/memory.md, "Snapshots"). */
#ifndef KESTREL_VMM_SNAPSHOT_H
#define KESTREL_VMM_SNAPSHOT_H

#include <stdint.h>

#include "vmm/dev/isa.h"
#include "vmm/vmx/vcpu.h"

#define SNAP_TAG_MAX 16

/* All that makes the guest what it is besides its pages. */
struct snapshot {
	char tag[SNAP_TAG_MAX];
	uint64_t taken_tsc;
	uint64_t entries; /* EPT entries write-protected when it was taken */
	uint64_t rewinds;
	uint64_t pages; /* host pages this struct and its bookkeeping take */
	struct vcpu_image cpu;
	struct isa isa;
	int state; /* enum vm_state: running or blocked */
	bool intr;
	uint64_t intr_held_until, last_inject;
};

struct vm;

/* NULL, or why not (nothing is taken then). *s: the snapshot taken. */
const char *snapshot_take(struct vm *vm, const char *tag, const struct snapshot **s);
/* NULL, or why not. *pages: guest pages mapped back. */
const char *snapshot_rewind(struct vm *vm, const char *tag, uint64_t *pages);
const char *snapshot_forget(struct vm *vm, const char *tag);
/* Every snapshot dropped (the VM is destroyed). */
void snapshot_forget_all(struct vm *vm);
/* The slot of tag, or -1. */
int snapshot_find(const struct vm *vm, const char *tag);

#endif
