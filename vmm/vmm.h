/* The hypervisor on this CPU: VMX state, the VMs, the scheduler's settings. */
#ifndef KESTREL_VMM_VMM_H
#define KESTREL_VMM_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/exit/cpuid.h"
#include "vmm/exit/exit.h"
#include "vmm/monitor/monitor.h"
#include "vmm/vm.h"
#include "vmm/vmx/vmx_caps.h"

_Static_assert(VM_MAX <= MONITOR_MAX_VMS, "every VM gets a console ring and an attachable console");

struct boot_module {
	const char *string; /* "NAME [key=value ...]" */
	unsigned index;     /* its place among the modules, for reports */
	const void *data;
	uint64_t size;
};

#define MODULE_SHOW 80 /* characters of a module's string quoted in a message, "..." included */

/* A module's string as every message quotes it, into buf (MODULE_SHOW + 1
 * bytes): it comes from the boot loader's configuration and may hold any
 * byte and any length, so it is escaped and shortened (fmt_quote). */
const char *vmm_module_shown(const struct boot_module *m, char *buf);

struct vmm_options {
	uint64_t quantum_ms; /* scheduler time slice */
	uint64_t timeout_ms; /* power off after this long; 0 = never */
	bool monitor;        /* interactive monitor on the host console */
	bool debug_pagefault; /* take a host page fault at boot (tests the report) */
};

/* Per-CPU hypervisor state: nothing in the exit path is a hidden global. */
/* A runnable VM whose interrupt falls due while others hold the CPU runs
 * this long at once (sched.c, sched_boost): at 1 kHz ticks, a tenth of the
 * CPU at most, and charged to its next slice. */
#define VMM_BOOST_US 100
/* The monitor's clock runs at least this often, idle or not (sched.c,
 * sched_host_service): partial lines show after 250 ms, top redraws each
 * second, guests' console output moves to the host's wire. More often when
 * there is work: the host's UART interrupts when it has input, and when its
 * ring runs low (SERIAL_TX_LOW, 44 ms of output ahead). */
#define VMM_HOST_TICK_MS 25
/* An interrupt handler runs this long past its slice's end to reach its EOI,
 * and a storm's next interrupt is held at most this long (sched.c). */
#define VMM_GRACE_MS 1
/* One 16-byte FIFO load on the host's wire at 115200 baud (16 x 86.8 us):
 * while output waits, the host comes back at least this often. */
#define VMM_WIRE_FIFO_US 1389

struct vmm {
	struct vmx_caps caps;
	struct cpuid_table cpuid; /* what every guest's CPUID answers, from caps */
	struct vmx_bitmaps bitmaps;
	struct vm vms[VM_MAX];
	unsigned nvms;
	unsigned next; /* round-robin position */
	uint64_t quantum_ticks;
	uint64_t quantum_ms;
	uint64_t start_tsc, deadline_tsc; /* deadline 0: no timeout */
	uint64_t first_entry_tsc;         /* TSC at the first VM entry (the boot's length, make bench) */
	uint64_t grace_ticks;             /* VMM_GRACE_MS */
	uint64_t wire_fifo_ticks;         /* VMM_WIRE_FIFO_US */
	uint64_t boost_ticks;             /* a runnable VM's boost (sched.c) */
	uint64_t host_tick_ticks;         /* the longest idle wait between host services */
	uint64_t next_host_tick;          /* the monitor's clock is due then (vmm_run) */
	uint64_t wake_deadline;           /* earliest device event of a blocked VM */
	unsigned runnable;                /* VMs in the round robin at the last sched_find_due */
	unsigned console_next;            /* whose console line drains first (guest_console.c) */
	bool monitor_on;
	bool ended_notice; /* "all guests have ended" was said */
	struct monitor mon;
	struct vm_host vm_host; /* what every VM reports to (vmm/guest_console.c) */
};

/* Probe VMX; false (after printing why) when guests cannot run here. */
bool vmm_probe(struct vmm *vmm);
/* VMXON, then one VM per module; bad modules are reported and skipped. */
void vmm_init(struct vmm *vmm, const struct vmm_options *opt, const struct boot_module *mods, unsigned nmods);
/* Run the guests until all have ended or the timeout; then the summary. */
void vmm_run(struct vmm *vmm);
/* The operator's reset: the VM clears its RAM in its own time slices, then
 * starts its image again (vm_restart_begin). */
void vmm_reset_vm(struct vmm *vmm, struct vm *vm);
/* A guest asked for a reset (port 0xCF9, keyboard controller): a reset as
 * the operator's, unless it is a reset loop (the VM is then stopped). */
enum exit_action vmm_guest_reset(struct vmm *vmm, struct vm *vm, const char *why);
void vmm_print_summary(struct vmm *vmm);
/* A new VM from src's state, sharing its RAM copy-on-write (the monitor's
 * clone): NULL with *id its id, or why not. */
const char *vmm_clone_vm(struct vmm *vmm, struct vm *src, const char *name, unsigned *id);
/* Host memory a VM costs beyond its RAM: the pages it took (host_pages) and
 * its share of the static memory (its struct vm, its monitor state). */
uint64_t vmm_vm_static_bytes(const struct vmm *vmm);
uint64_t vmm_vm_host_bytes(const struct vmm *vmm, const struct vm *vm);
/* Hand the host console to the monitor (vmm/monitor_ops.c). */
void vmm_monitor_start(struct vmm *vmm);
/* Point vmm->vm_host at the monitor or the plain console. */
void vmm_guest_console_init(struct vmm *vmm);
/* Move guests' console output to the host's console, as much as the wire
 * takes without waiting, a line per guest in turn. */
void vmm_console_drain(struct vmm *vmm);
/* Everything still on every guest's line (before the summary). */
void vmm_console_drain_all(struct vmm *vmm);
/* Keystrokes wait for a guest (conmux's queue) whose COM1 receive FIFO has
 * room now (vmm/monitor_ops.c). */
bool vmm_rx_room(const struct vmm *vmm);

#endif
