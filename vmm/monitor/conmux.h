/* Guest-console multiplexing for the monitor: per-guest output rings, the
 * "[NAME] " line view that keeps the operator's prompt intact, one attached
 * guest that gets the terminal raw, and the bounded queue of keystrokes for it.
 * Without the monitor (nomonitor) the same line view, never given a prompt,
 * is the plain console (vmm/guest_console.c). */
#ifndef VMM_MONITOR_CONMUX_H
#define VMM_MONITOR_CONMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONMUX_MAX_GUESTS 64   /* VM ids 0..63 are buffered; output of others is dropped */
#define CONMUX_RING_SIZE  4096 /* bytes of output kept per guest, oldest dropped first */
#define CONMUX_LINE_MAX   160  /* a partial line is shown once it is this long */
#define CONMUX_RXQ_SIZE   8192 /* keystrokes waiting for a full guest receive FIFO: a 4 KiB paste, twice */
#define CONMUX_FLUSH_NS   250000000ull /* a partial line is shown after 250 ms of silence */
#define CONMUX_HOST       CONMUX_MAX_GUESTS /* line owner for host messages */
#define CONMUX_OWNER_WORDS (CONMUX_HOST / 64 + 1) /* 64-bit words of one bit per line owner */

struct conmux_io {
	void (*put)(void *ctx, char c);             /* to the terminal, unchanged */
	void (*prompt)(void *ctx);                  /* draw the prompt and typed text */
	const char *(*name)(void *ctx, unsigned vm); /* never NULL */
	bool (*rx)(void *ctx, unsigned vm, uint8_t byte); /* false: receive FIFO full */
	void *ctx;
};

struct conmux_ring {
	uint8_t buf[CONMUX_RING_SIZE];
	uint64_t total;  /* bytes ever written; buf holds the last min(total, size) */
	uint64_t unseen; /* bytes written while the operator could not see them */
};

/* The line one owner (a VM id or CONMUX_HOST) is writing, not yet shown. */
struct conmux_partial {
	char buf[CONMUX_LINE_MAX];
	unsigned len;
	uint64_t last; /* conmux time of the owner's last byte */
	bool shown;    /* a flush already printed this line's start: a lone '\n' only ends it */
};

enum conmux_view {
	CONMUX_SHELL,    /* every guest's lines with "[NAME] ", around the prompt */
	CONMUX_ATTACHED, /* one guest raw; the others only into their rings */
	CONMUX_QUIET,    /* a full-screen view (top): guests only into their rings */
};

struct conmux {
	struct conmux_io io;
	struct conmux_ring ring[CONMUX_MAX_GUESTS];
	uint64_t foreign; /* bytes from VM ids >= CONMUX_MAX_GUESTS, dropped */
	enum conmux_view view;
	unsigned attached;
	bool prompt_visible; /* the prompt line is on the screen (erase before printing) */
	uint64_t now;
	/* Each talker's line waits in its own buffer, so that lines from guests
	 * printing at once come out whole; waiting has bit OWNER set while
	 * part[OWNER].len > 0. */
	struct conmux_partial part[CONMUX_HOST + 1];
	uint64_t waiting[CONMUX_OWNER_WORDS];
	/* Keystrokes for rxq_vm that its receive FIFO did not take yet. */
	uint8_t rxq[CONMUX_RXQ_SIZE];
	unsigned rxq_head, rxq_len, rxq_vm;
	uint64_t rx_dropped; /* in the current overflow episode */
};

void conmux_init(struct conmux *cm, const struct conmux_io *io);
void conmux_guest_output(struct conmux *cm, unsigned vm, uint8_t byte);
void conmux_host_output(struct conmux *cm, char c);
/* A whole line from owner (a VM id or CONMUX_HOST), e.g. "*** stopped: ...";
 * owner's own partial line is shown first. */
void conmux_line(struct conmux *cm, unsigned owner, const char *text);
/* Shows every waiting partial line now. */
void conmux_flush(struct conmux *cm);
void conmux_show_prompt(struct conmux *cm);
/* The clock (ns, monotonic): shows partial lines whose owner has been silent
 * for CONMUX_FLUSH_NS and retries queued keystrokes. Call at least every 10 ms. */
void conmux_tick(struct conmux *cm, uint64_t now_ns);

void conmux_attach(struct conmux *cm, unsigned vm);
/* Prints, raw, the guest's output after its last newline (its current line). */
void conmux_replay_tail(struct conmux *cm, unsigned vm);
void conmux_detach(struct conmux *cm);
void conmux_set_quiet(struct conmux *cm, bool quiet);

/* Keystroke for a guest: delivered, queued, or (queue full) dropped with a
 * notice to the operator. Order is kept: nothing overtakes queued bytes. */
void conmux_send(struct conmux *cm, unsigned vm, uint8_t byte);
/* Forgets queued keystrokes for vm (it stopped or was reset). */
void conmux_drop_input(struct conmux *cm, unsigned vm);
/* Prints a guest's ring (control bytes other than TAB and LF filtered). */
void conmux_log(struct conmux *cm, unsigned vm);
uint64_t conmux_lost(const struct conmux *cm, unsigned vm);

#endif
