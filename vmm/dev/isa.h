/* The PC ISA "board": an 8259A pair, an 8254, COM1 and optional COM2, the
 * MC146818A RTC, wired as on a PC/AT (OUT0 -> IRQ0, COM1 -> IRQ4, COM2 ->
 * IRQ3, RTC -> IRQ8 on the slave's IR0), plus the
 * missed-tick policy for IRQ0 (docs/devices.md, "Timer ticks"). */
#ifndef VMM_DEV_ISA_H
#define VMM_DEV_ISA_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/dev/pic.h"
#include "vmm/dev/pit.h"
#include "vmm/dev/rtc.h"
#include "vmm/dev/uart.h"

#define ISA_IRQ_PIT          0
#define ISA_IRQ_RTC          RTC_IRQ /* slave IR0 */
#define ISA_IRQ0_BACKLOG_MAX 1000u /* and never more than 1 s of ticks */

struct isa {
	struct pic pic;
	struct pit pit;
	struct uart com1, com2;
	struct rtc rtc;
	bool has_com2;
	uint64_t tsc_hz;
	bool on_cpu;              /* the guest holds the CPU: its edges coalesce as on a PC */
	uint64_t now;             /* time of the last isa_advance */
	uint64_t edge_tsc;        /* OUT0's next rising edge after now (0: not known yet) */
	uint32_t irq0_backlog;    /* OUT0 edges owed to the guest */
	uint32_t c0_generation;   /* counter 0 programming last seen */
	uint64_t irq0_late;       /* edges delivered from the backlog */
	uint64_t irq0_dropped;    /* owed edges lost to the backlog cap or a reprogramming */
	uint64_t irq0_coalesced;  /* edges that met IRR0 set or IRQ0 masked, as on a PC */
	bool overrun;             /* an EOI found its own line requested again */
	uint64_t overruns;        /* how often */
	void (*tx)(void *ctx, unsigned com, uint8_t byte);
	void *tx_ctx;
};

/* tx receives every byte the guest writes to COM1 (com = 1) or COM2 (2). */
void isa_init(struct isa *isa, uint64_t tsc_hz, uint64_t now, bool com2,
	      void (*tx)(void *ctx, unsigned com, uint8_t byte), void *tx_ctx);
/* The board src, state and all, as dst (a snapshot, a rewind, a clone):
 * its devices call back into dst, its console bytes go to tx_ctx. */
void isa_copy(struct isa *dst, const struct isa *src, void *tx_ctx);
/* The RTC shows t at TSC time `at` and has counted since (isa_init leaves
 * it at 2000-01-01 00:00:00, counted from now). */
void isa_set_rtc(struct isa *isa, const struct rtc_time *t, uint64_t at);
/* Guest port access at the time of the last isa_advance (call it first).
 * Returns whether it can have changed the board's interrupt state or its
 * next deadline (isa_intr, isa_next_deadline), so that they need asking
 * again: any write but a PIT latch, and reads that change a device (a
 * UART's receive buffer or sticky bits, RTC register C, a PIC poll); reads
 * that only look, the bulk of a guest's polling, cannot. False for a port
 * none of the devices decodes (isa_decodes). */
bool isa_io(struct isa *isa, bool in, uint16_t port, unsigned size, uint32_t *val);
/* Whether port belongs to one of the board's devices (isa_io would take it). */
bool isa_decodes(const struct isa *isa, uint16_t port);
void isa_advance(struct isa *isa, uint64_t now);
/* The PIT's counters, which isa_advance only moves at OUT0 edges, brought to
 * the time of the last isa_advance: for a display of their values. */
void isa_sync(struct isa *isa);
/* The guest gets or loses the CPU at now. Edges of OUT0 while it is off the
 * CPU (another VM runs) are owed and delivered late; edges while it runs
 * coalesce as on a PC. */
void isa_set_on_cpu(struct isa *isa, uint64_t now, bool on);
/* isa_set_on_cpu at a slice's end or start, deadline the board's next event
 * as isa_next_deadline last gave it. With nothing in service or requested
 * and that event still ahead, on and off the CPU are the same until then:
 * nothing needs advancing (an edge before deadline could not interrupt, so
 * it is coalesced or masked either way), and true says the deadline stands
 * as it is. */
bool isa_handover(struct isa *isa, uint64_t now, bool on, uint64_t deadline);
/* After isa_advance(now): TSC time of the next device event that can raise
 * the PIC's INTR (an OUT0 edge that would, a UART event, an RTC flag whose
 * enable is set while IRQ8 could interrupt), or UINT64_MAX.
 * Edges that cannot (IRQ0 masked or already requested) need no exit: the
 * next access or entry accounts for them. On the CPU neither does an edge
 * behind an interrupt in service (the EOI that ends it is an exit); off the
 * CPU it does, because the guest must run to reach that EOI
 * (isa_intr_waiting). */
uint64_t isa_next_deadline(struct isa *isa, uint64_t now);
/* The console line both UARTs transmit to: room for more bytes, all sent
 * (uart_set_line_status). */
void isa_set_line_status(struct isa *isa, bool room, bool idle);
bool isa_intr(const struct isa *isa);
/* INTR is up, or will be as soon as the guest ends the interrupts in
 * service: a runnable guest preempted inside its handler takes the request
 * right after its EOI, so it has an interrupt due as much as one with INTR
 * up. A halted guest does not (it needs INTR itself to wake). */
bool isa_intr_waiting(const struct isa *isa);
uint8_t isa_intack(struct isa *isa);
/* Whether an EOI since the last call ended a line's service with that same
 * line already requested again: the guest's handler is slower than its
 * interrupt source (an interrupt storm). */
bool isa_take_overrun(struct isa *isa);

#endif
