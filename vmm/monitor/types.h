/* The monitor's data: what it asks of the VMM (struct monitor_ops) and its
 * own state. Every monitor file includes this; only the VMM and monitor.c
 * include monitor.h, the entry points. */
#ifndef VMM_MONITOR_TYPES_H
#define VMM_MONITOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/event.h"

#include "vmm/monitor/conmux.h"
#include "vmm/monitor/lineedit.h"

#define MONITOR_MAX_VMS  CONMUX_MAX_GUESTS /* VM ids the monitor buffers: 0..63 */
#define MONITOR_PROMPT   "kestrel> "
#define MONITOR_MEM_MAX  4096 /* longest `mem` dump */
#define MONITOR_LOG_ERROR 0   /* log levels, in the order of kernel/console.h */
#define MONITOR_LOG_WARN  1
#define MONITOR_LOG_INFO  2
#define MONITOR_LOG_DEBUG 3
#define MONITOR_EXIT_REASONS 128 /* basic exit reasons `exits` sums over every VM (the VMM has 70) */
#define MONITOR_TAG_MAX 16 /* a snapshot tag: 1..15 characters of [A-Za-z0-9_.-] */
#define MONITOR_SNAPSHOTS_MAX 4
#define MONITOR_WATCHES_MAX 16
#define MONITOR_WATCH_R 1u
#define MONITOR_WATCH_W 2u
#define MONITOR_WATCH_X 4u

/* A snapshot of one VM, filled by ops->vm_info. Strings stay valid until the
 * VMM runs again (the monitor uses them at once and keeps none). */
struct monitor_vm_info {
	unsigned id;          /* the number the operator types; equals the vm argument */
	const char *name;     /* the module's NAME */
	const char *state;    /* "running", "paused", "stopped", ... */
	const char *reason;   /* why it is in that state ("" if nothing to say) */
	const char *image;    /* e.g. "hello64.elf (ELF64)" */
	const char *cpu_mode; /* e.g. "real", "protected", "long" */
	uint64_t mem_bytes;   /* guest-physical RAM */
	uint64_t host_bytes;  /* host memory it costs beyond its RAM: the next, and its static share */
	uint64_t host_page_bytes; /* pages it took from the host's allocator besides its RAM */
	/* Guest pages mapped to a host page of its own / shared copy-on-write
	 * with a clone or a snapshot. */
	uint64_t private_pages, shared_pages;
	uint64_t exits;       /* all VM exits since the VM (re)started */
	uint64_t run_ns;      /* time spent in VMX non-root operation since boot */
	int64_t exit_code;    /* the guest's exit code (port 0xF4 or HC_SHUTDOWN) */
	bool exit_code_valid; /* false until the guest ended with a code */
	const uint64_t *exit_counts; /* [basic exit reason] -> count, or NULL */
	const uint64_t *exit_ticks;  /* [basic exit reason] -> host TSC ticks in those exits, or NULL */
	unsigned nr_exit_counts;     /* entries in exit_counts and exit_ticks */
	uint64_t console_shown;      /* console bytes shown on the host's console */
	uint64_t console_dropped;    /* console bytes written to a full line, lost */
};

/* One snapshot of a VM's RAM, from ops->snapshot (just taken) or
 * ops->snapshots (the list). */
struct monitor_snapshot_info {
	char tag[MONITOR_TAG_MAX];
	uint64_t age_ns;        /* since it was taken */
	uint64_t entries;       /* EPT entries write-protected when it was taken (snapshot's answer only) */
	uint64_t ticks;         /* host TSC ticks taking it took (snapshot's answer only) */
	uint64_t saved_pages;   /* guest pages whose content at the snapshot it holds aside (written since) */
	uint64_t differs_pages; /* pages that may differ now: what a rewind restores */
	uint64_t bytes;         /* host memory it holds: saved pages and bookkeeping */
	uint64_t rewinds;       /* times the VM was rewound to it */
};

/* One watched guest-physical range, from ops->watches. */
struct monitor_watch_info {
	uint64_t gpa, len;
	unsigned kinds;   /* MONITOR_WATCH_* */
	uint64_t hits;    /* matching accesses */
	uint64_t shown;   /* of which reported on the console (the rest over the rate limit) */
};

/* One guest segment register as the VMCS holds it (SDM 3C 24.4.1). */
struct monitor_seg {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t access; /* access-rights format: type, S, DPL, P, AVL, L, D/B, G, unusable (bit 16) */
};

enum monitor_seg_index { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

struct monitor_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
	struct monitor_seg seg[SEG_COUNT];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
};


/*
 * What the VMM gives the monitor. A VM is named by its id, 0..vm_count()-1.
 * Calls that can fail return NULL on success or a short message ("already
 * paused"). Every pointer must be set; the monitor calls them only from
 * monitor_input/monitor_tick/monitor_guest_output, never re-entrantly.
 */
struct monitor_ops {
	/* One byte to the host serial line, unchanged (the monitor sends its own
	 * CR LF). It must not go back through the console sink. */
	void (*out)(void *ctx, char c);
	const char *(*version)(void *ctx); /* "Kestrel 0.1.0", printed as is */
	uint64_t (*uptime_ns)(void *ctx); /* same clock as monitor_tick's now_ns */
	/* The host's page allocator: pages it manages, and those free now. */
	void (*host_pages)(void *ctx, uint64_t *total, uint64_t *free);
	unsigned (*vm_count)(void *ctx);
	bool (*vm_info)(void *ctx, unsigned vm, struct monitor_vm_info *out);
	/* SDM appendix C name of a basic exit reason ("IO_INSTRUCTION"), or NULL. */
	const char *(*exit_name)(unsigned reason);
	const char *(*pause)(void *ctx, unsigned vm);
	const char *(*resume)(void *ctx, unsigned vm);
	const char *(*reset)(void *ctx, unsigned vm); /* reload the image, start again */
	const char *(*stop)(void *ctx, unsigned vm);
	const char *(*exits_reset)(void *ctx, unsigned vm); /* exit counts and ticks back to 0 */
	const char *(*regs)(void *ctx, unsigned vm, struct monitor_regs *out);
	/* Copies guest-physical memory; returns the bytes copied (fewer at the end
	 * of RAM) or a negative value when gpa is outside the guest's RAM. */
	long (*mem_read)(void *ctx, unsigned vm, uint64_t gpa, void *buf, size_t len);
	/* Prints a device's state ("pic", "pit", "uart", "rtc") through put. */
	const char *(*dev_show)(void *ctx, unsigned vm, const char *dev,
				void (*put)(void *putctx, char c), void *putctx);
	/* ev is what the operator asked for; the VMM fits it to the guest's mode
	 * (vmm/event.c) and writes back what it queued, or returns the rule
	 * that forbids it. */
	const char *(*inject)(void *ctx, unsigned vm, struct event *ev);
	unsigned (*quantum_get)(void *ctx); /* scheduler time slice in ms */
	const char *(*quantum_set)(void *ctx, unsigned ms);
	int (*loglevel_get)(void *ctx); /* MONITOR_LOG_* */
	void (*loglevel_set)(void *ctx, int level);
	void (*poweroff)(void *ctx);
	void (*reboot)(void *ctx);
	/* One byte into the guest's COM1 receive FIFO; false when it is full. */
	bool (*rx)(void *ctx, unsigned vm, uint8_t byte);
	/* Snapshots (docs/memory.md). */
	const char *(*snapshot)(void *ctx, unsigned vm, const char *tag, struct monitor_snapshot_info *out);
	const char *(*rewind)(void *ctx, unsigned vm, const char *tag, uint64_t *pages_restored, uint64_t *ticks);
	unsigned (*snapshots)(void *ctx, unsigned vm, struct monitor_snapshot_info *out, unsigned max);
	const char *(*forget)(void *ctx, unsigned vm, const char *tag);
	/* A new VM from vm's current state, sharing its RAM copy-on-write. */
	const char *(*clone)(void *ctx, unsigned vm, const char *name, unsigned *new_vm);
	const char *(*watch)(void *ctx, unsigned vm, uint64_t gpa, uint64_t len, unsigned kinds);
	const char *(*unwatch)(void *ctx, unsigned vm, bool all, uint64_t gpa); /* all: every watch of vm */
	unsigned (*watches)(void *ctx, unsigned vm, struct monitor_watch_info *out, unsigned max);
	/* Start logging dirty pages for `seconds`; the VMM reports each second
	 * under the VM's name itself (asynchronously). */
	const char *(*dirty)(void *ctx, unsigned vm, unsigned seconds, bool write_protect);
};

enum monitor_mode { MONITOR_SHELL, MONITOR_ATTACHED, MONITOR_TOP };

struct monitor_top {
	uint64_t next_ns, prev_ns;
	uint64_t prev_exits[MONITOR_MAX_VMS], prev_run_ns[MONITOR_MAX_VMS];
};

/* Exit counters summed over every VM, for `exits` without a VM. */
struct monitor_exit_sum {
	uint64_t count[MONITOR_EXIT_REASONS], ticks[MONITOR_EXIT_REASONS];
};

struct shell_cmd;

/* All the monitor's state; the VMM owns one (static, about 275 KiB: a 4 KiB
 * ring for each of 64 VMs). */
struct monitor {
	const struct monitor_ops *ops;
	void *ctx;
	enum monitor_mode mode;
	struct lineedit le;
	struct conmux cm;
	struct monitor_top top;
	struct monitor_exit_sum exit_sum;
	char name_buf[24]; /* "vm7" for a VM whose info cannot be read */
	const struct shell_cmd *running; /* the command being executed, for mon_usage */
};

#endif
