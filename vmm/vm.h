/* A virtual machine: one VCPU, its RAM and EPT, its ISA devices, its state
 * and statistics. The scheduler, the exit handlers and the monitor share it. */
#ifndef KESTREL_VMM_VM_H
#define KESTREL_VMM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/isa.h"
#include "vmm/exit/action.h"
#include "vmm/load/loader.h"
#include "vmm/mem/snapbook.h"
#include "vmm/mem/watch_set.h"
#include "vmm/vmx/ept.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/load/vmopts.h"
#include "vmm/vmx/vmx.h"

#define VM_MAX 64
#define VM_PORT_STATS 32 /* distinct unemulated ports counted per VM */
#define VM_RESET_LOOP 5  /* more guest resets than this in VM_RESET_LOOP_MS: a reset loop */
#define VM_RESET_LOOP_MS 10000
#define VM_FILES_MAX 8 /* "+NAME" modules per VM: Multiboot modules, initrd parts */

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
struct cpuid_table;
struct snapshot;

/* What the memory layer did for the guest's writes (vmm/mem/gram.c). */
struct vm_mem_stats {
	uint64_t write_faults; /* writes made the page writable again */
	uint64_t copies;       /* of which copied a shared page */
	uint64_t dirty_pages;  /* write faults counted for the dirty log (vmm/mem/dirty.c) */
	uint64_t spurious_gpa; /* the last EPT violation the leaf allowed (exit.c) */
};

/* Dirty-page logging (vmm/mem/dirty.c). */
struct dirty_log {
	bool on;
	unsigned seconds, second; /* asked for, and the one being counted (1-based) */
	uint64_t second_start, start;
	uint64_t pages_at_second;  /* mem.dirty_pages when the second began */
	uint64_t total;
	uint64_t cpu_at_start, fault_ticks_at_start, protect_ticks;
	bool pml;                  /* by the page-modification log, not by write faults */
	uint64_t pml_pa;           /* the log: 512 guest-physical addresses */
	uint64_t seen_pa, seen_pages; /* a bit per guest page: logged this second */
	uint64_t pml_full;         /* PML-full exits */
};

/* What a VM tells the layer above it (the VMM), so that vm.c needs nothing
 * from vmm.h: the line that says how it ended, and lines about it. Its
 * console bytes wait in its struct vm_console, which the VMM drains. */
struct vm_host {
	void (*ended)(void *ctx, struct vm *vm, const char *line);
	void (*note)(void *ctx, struct vm *vm, const char *line); /* a line about it, under its name */
	void *ctx;
};

#define VM_CONSOLE_LINE 1024 /* bytes of console output waiting for the host's wire */

/* The guest's console line (vmm/vm_console.c). */
struct vm_console {
	uint8_t buf[VM_CONSOLE_LINE];
	unsigned head, len;
	uint64_t shown;   /* bytes taken to the host's console */
	uint64_t dropped; /* bytes written while the line was full */
	uint64_t uart_end; /* shown + len after the UARTs' last byte: TEMT once shown reaches it */
	bool room, idle;  /* what the UARTs were told: THRE, TEMT */
	bool stalled;     /* an instruction waits for room (port 0xE9) */
};

struct vm {
	unsigned id;
	const struct vm_host *host;
	struct vm_opts opts; /* name, mem, com2 */
	unsigned module; /* index of its Multiboot2 module */
	const void *image;
	size_t image_len;
	int format; /* IMAGE_* from vmm/load/loader.h */
	struct boot_file files[VM_FILES_MAX]; /* its "+NAME" modules, in order */
	struct guest_boot boot;               /* command line and files, for the loader */

	uint64_t ram_pa;
	/* Its RAM as one block of host memory it alone maps, with no write
	 * tracked: the host reads and writes it directly. NULL once pages are
	 * shared (a clone, a snapshot), moved or logged: then through the EPT
	 * (vmm/mem/gram.h). A restart gives a VM such a block again. */
	uint8_t *ram;
	struct snap_book snaps;              /* its snapshots' pages (vmm/mem/snapbook.h) */
	struct snapshot *snap[SNAP_MAX];     /* and the rest of each (vmm/snapshot.c) */
	struct watch_set watch;
	struct vm_mem_stats mem;
	struct dirty_log dirty;
	uint64_t host_pages; /* host pages it took besides its RAM: EPT tables, VMCS, FPU area */
	struct ept ept;
	struct vcpu vcpu;
	const struct cpuid_table *cpuid; /* the CPU its CPUID shows (vmm/exit/cpuid.h) */
	struct isa isa;
	struct vm_console console;

	enum vm_state state;
	enum vm_state paused_from; /* what resume returns to */
	char reason[128];
	int64_t exit_code;
	bool has_exit_code;
	unsigned resets;
	char reset_reason[80];    /* with EXIT_RESET: how the guest asked (vm_reset_request) */
	uint64_t reset_tsc[VM_RESET_LOOP]; /* the guest's last resets, a ring (vmm.c) */
	unsigned reset_next;
	bool restarting;          /* RAM is being cleared for a restart (vm_restart_step) */
	uint64_t zeroed;          /* ... up to here */

	uint64_t slice_end;      /* TSC deadline of the current time slice */
	uint64_t slice_debt;     /* boosted time still to take off its next slices */
	bool intr_seen;          /* its pending interrupt was already seen off the CPU */
	bool blocked_since_slice; /* it blocked at the end of its last slice (HLT) */
	uint64_t dev_deadline;   /* devices need no advance before this; 0 = now */
	uint64_t run_deadline;   /* the exit path enters the guest again at once only before this */
	unsigned timer_rate;     /* the VMX-preemption timer counts every 2^timer_rate TSC ticks */
	bool intr_quiet;         /* a pending INTR needs no look at each exit (window armed, or held) */
	enum exit_action action; /* what the handler of the last exit decided */
	unsigned exit_reason;    /* the last exit's basic reason, for exit_ticks */
	bool intr;               /* the PIC's INTR output when devices last changed */
	uint64_t last_inject;    /* TSC time of the last external interrupt injected */
	uint64_t intr_held_until; /* an overrun line's next interrupt waits until then (sched.c) */
	uint64_t cpu_ticks;      /* TSC ticks this VM held the CPU */
	uint64_t exits[EXIT_REASON_COUNT];
	uint64_t exit_ticks[EXIT_REASON_COUNT]; /* host TSC ticks from each exit to the next entry, by reason */
	uint64_t exits_total;
	uint64_t slices;          /* times it was given the CPU */
	uint64_t runnable_since;  /* TSC time it became runnable and off the CPU */
	uint64_t wait_max;        /* longest wait, runnable, between two of its slices */
	struct port_stat ports[VM_PORT_STATS];
	uint64_t ports_other; /* unemulated accesses beyond the table */
	unsigned port_last;   /* the entry of ports counted last */
	uint8_t port_a;       /* System Control Port A (0x92): bit 1 A20 as written (io_bus.c) */
};

static inline bool vm_ended(const struct vm *vm)
{
	return vm->state == VM_HALTED || vm->state == VM_STOPPED || vm->state == VM_CRASHED;
}

const char *vm_state_name(enum vm_state s);
/* End the VM: the state, a printf-style reason, and an exit code if any. */
void vm_end(struct vm *vm, enum vm_state state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vm_set_exit_code(struct vm *vm, int64_t code);
/* A byte of guest console output onto its line; dropped (and counted) when
 * the line is full. */
void vm_console_putc(struct vm *vm, uint8_t c);
/* How many bytes the line takes now. */
unsigned vm_console_room(const struct vm *vm);
/* The guest waits for room on its line (console.stalled) and there is none
 * yet: the scheduler passes it over. */
bool vm_console_stalled(struct vm *vm);
/* Up to max waiting bytes, to the end of a line at most, for the host's
 * console; the UARTs' THRE and TEMT follow what is left. */
unsigned vm_console_take(struct vm *vm, uint8_t *out, unsigned max);
/* The board was reset (isa_init): tell its UARTs the line's state again. */
void vm_console_reset_board(struct vm *vm);
/* A line of Kestrel's about the VM, shown under its name after whatever
 * partial line the guest had written (one line per call, no newline). */
void vm_note(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The guest resets its machine (a triple fault, port 0xCF9 or 0x64): the
 * reason, printf-style, for the VMM's notice; the exit handler then returns
 * EXIT_RESET. */
void vm_reset_request(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One block of host RAM for the VM and the EPT that maps it (ram_pa, ram,
 * ept); NULL, or what it could not allocate. */
const char *vm_ram_build(struct vm *vm, bool large_pages);
/* The reset button: the VM is runnable at once, but first clears its RAM,
 * in its own time slices (vm_restart_step), and then reloads its image and
 * restarts the VCPU. Zeroing a large guest's RAM takes long; in slices it is
 * the guest's own time, not the other guests'. */
void vm_restart_begin(struct vm *vm);
/* Clears RAM until the TSC reaches until (a whole chunk at least), and when
 * all is clear finishes the restart (restarting becomes false). False, with
 * err, if the image no longer loads. */
bool vm_restart_step(struct vm *vm, uint64_t until, const char **err);
/* Both at once (a VM's first start). */
bool vm_restart(struct vm *vm, const char **err);
/* The UART transmit callback: guest serial bytes go onto its console line. */
void vm_isa_tx(void *ctx, unsigned com, uint8_t byte);

#endif
