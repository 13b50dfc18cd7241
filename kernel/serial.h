/* The host's COM1: a 16550A at 0x3F8, 115200 8N1, on IRQ4 of the host's
 * master 8259A, with polled paths for the host's own output while its
 * interrupts are off. */
#ifndef KESTREL_KERNEL_SERIAL_H
#define KESTREL_KERNEL_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#define SERIAL_IRQ 4 /* COM1 on a PC */
/* The transmit ring falling below this many bytes is host work: the wire
 * wants more (guests' console output) within 44 ms at 115200 baud. */
#define SERIAL_TX_LOW 512u

void serial_init(void);
/* Enable the UART's interrupts: after the IDT, with IRQ4 unmasked. */
void serial_irq_start(void);
/* The IRQ4 handler (kernel/trap.c calls it before the EOI). */
void serial_irq(void);

/* Set by serial_irq (and the polled paths) when bytes arrived or the wire
 * wants more; the scheduler reads it on every exit. The handler runs only in
 * the host's interrupt windows, so a plain load sees it. */
extern volatile bool serial_work;
static inline bool serial_has_work(void) { return serial_work; }
/* Clears the flag; before the work is looked at. */
void serial_work_done(void);
/* The longest the wire sat idle while the transmit ring held bytes (TSC
 * ticks), since the last reset: how late the host came for its THRE
 * interrupts (or polls). Reset when the scheduler starts: the boot's long
 * silences (TSC calibration) are nobody's lateness. */
uint64_t serial_wire_idle_max(void);
void serial_wire_reset(void);

/* Queue a byte for the wire; blocks only while the 16 KiB ring is full. */
void serial_putc(char c);
/* Feed the UART from the ring if its FIFO is empty, without waiting: what
 * moves the host's output while its interrupts are off. */
void serial_tx_poll(void);
/* Bytes the ring takes before serial_putc would wait for the wire. */
unsigned serial_tx_space(void);
/* Bytes queued and not yet handed to the UART. */
unsigned serial_tx_pending(void);
/* Wait until every queued byte is on the wire (before power-off, in panic);
 * polls, so it works with interrupts off. */
void serial_flush(void);
/* Returns true and stores a byte when one has arrived. Never blocks. */
bool serial_getc(uint8_t *byte);
/* Move arrived bytes into the 8 KiB receive ring; for long host work with
 * interrupts off, so that no keystroke overflows the UART's 16-byte FIFO. */
void serial_rx_poll(void);

#endif
