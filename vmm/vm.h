/* A virtual machine: one VCPU, its RAM and EPT, its ISA devices, its state
 * and statistics. The scheduler, the exit handlers and the monitor share it. */
#ifndef KESTREL_VMM_VM_H
#define KESTREL_VMM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/isa.h"
#include "vmm/vmx/ept.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/load/vmopts.h"
#include "vmm/vmx/vmx.h"

#define VM_MAX 16
#define VM_PORT_STATS 32 /* distinct unemulated ports counted per VM */

enum vm_state {
	VM_RUNNING, /* runnable: in the round robin */
	VM_BLOCKED, /* HLT with interrupts enabled: waits for an interrupt */
	VM_PAUSED,  /* by the operator */
	VM_HALTED,  /* HLT with nothing that can wake it: ended */
	VM_STOPPED, /* ended by itself (exit code) or by the operator */
	VM_CRASHED, /* triple fault, failed entry, a fault Kestrel cannot emulate */
};

struct port_stat {
	uint16_t port;
	uint32_t count;
};

struct vm;

/* What a VM tells the layer above it (the VMM), so that vm.c needs nothing
 * from vmm.h: its console bytes and the line that says how it ended. */
struct vm_host {
	void (*console)(void *ctx, struct vm *vm, uint8_t byte);
	void (*ended)(void *ctx, struct vm *vm, const char *line);
	void (*note)(void *ctx, struct vm *vm, const char *line); /* a line about it, under its name */
	void *ctx;
};

struct vm {
	unsigned id;
	const struct vm_host *host;
	struct vm_opts opts; /* name, mem, com2 */
	unsigned module; /* index of its Multiboot2 module */
	const void *image;
	size_t image_len;
	int format; /* IMAGE_* from vmm/load/loader.h */

	uint64_t ram_pa;
	uint8_t *ram;
	struct ept ept;
	struct vcpu vcpu;
	struct isa isa;

	enum vm_state state;
	enum vm_state paused_from; /* what resume returns to */
	char reason[128];
	int64_t exit_code;
	bool has_exit_code;
	unsigned resets;
	const char *reset_reason; /* with EXIT_RESET: how the guest asked */

	uint64_t slice_end;      /* TSC deadline of the current time slice */
	uint64_t slice_debt;     /* boosted time still to take off its next slices */
	bool intr_seen;          /* its pending interrupt was already seen off the CPU */
	bool blocked_since_slice; /* it blocked at the end of its last slice (HLT) */
	uint64_t dev_deadline;   /* devices need no advance before this; 0 = now */
	bool intr;               /* the PIC's INTR output when devices last changed */
	uint64_t last_inject;    /* TSC time of the last external interrupt injected */
	uint64_t intr_held_until; /* an overrun line's next interrupt waits until then (sched.c) */
	uint64_t cpu_ticks;      /* TSC ticks this VM held the CPU */
	uint64_t exits[EXIT_REASON_COUNT];
	uint64_t exits_total;
	struct port_stat ports[VM_PORT_STATS];
	uint64_t ports_other; /* unemulated accesses beyond the table */
};

static inline bool vm_ended(const struct vm *vm)
{
	return vm->state == VM_HALTED || vm->state == VM_STOPPED || vm->state == VM_CRASHED;
}

const char *vm_state_name(enum vm_state s);
/* End the VM: the state, a printf-style reason, and an exit code if any. */
void vm_end(struct vm *vm, enum vm_state state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vm_set_exit_code(struct vm *vm, int64_t code);
/* Guest-physical to host pointer for [gpa, gpa+len) inside RAM, else NULL. */
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len);
/* A byte of guest console output: to the monitor, prefixed per line. */
void vm_console_putc(struct vm *vm, uint8_t c);
/* A line of Kestrel's about the VM, shown under its name after whatever
 * partial line the guest had written (one line per call, no newline). */
void vm_note(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reload the image into zeroed RAM and restart the VCPU (reset button). */
bool vm_restart(struct vm *vm, const char **err);
/* The UART transmit callback: guest serial bytes go to its console. */
void vm_isa_tx(void *ctx, unsigned com, uint8_t byte);

#endif
