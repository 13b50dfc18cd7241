/* Host console driver for the PC's COM1 16550A (PC16550D datasheet):
 * 115200 baud 8N1, FIFOs on, interrupt-driven on IRQ4 (received data, line
 * status, THR empty). Output goes through a ring that the THRE interrupt
 * drains 16 bytes at a time, so a guest that prints a lot does not hold the
 * CPU at 11.5 KB/s; input goes into a ring that the scheduler empties when
 * serial_has_work() says so. The host runs with RFLAGS.IF clear and takes
 * interrupts only in short windows (an external-interrupt exit, the idle
 * loop), so the handler never interrupts the ring code below; where the host
 * writes with interrupts off for long (its own kprintf, panic, power-off)
 * the polled paths move the bytes. */
#include "kernel/serial.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"

#define COM1 0x3F8
#define UART_THR 0 /* transmitter holding register (write) */
#define UART_RBR 0 /* receiver buffer register (read) */
#define UART_DLL 0 /* divisor latch LSB, when LCR.DLAB */
#define UART_IER 1 /* interrupt enable register */
#define UART_DLM 1 /* divisor latch MSB, when LCR.DLAB */
#define UART_IIR 2 /* interrupt identification register (read) */
#define UART_FCR 2 /* FIFO control register (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define IER_ERBFI 0x01 /* received data available (and character timeout) */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IIR_NO_INT 0x01 /* bit 0 set: no interrupt pending */
#define IIR_ID_MASK 0x0E
#define IIR_RLS 0x06 /* receiver line status: reset by reading LSR */
#define IIR_RDA 0x04 /* received data available: reset by reading RBR */
#define IIR_CTI 0x0C /* character timeout: reset by reading RBR */
#define IIR_THRE 0x02 /* THR empty: reset by reading IIR or writing THR */
#define IIR_MSR 0x00 /* modem status: reset by reading MSR */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE_RESET 0x07 /* FIFO enable, clear RX and TX FIFOs */
/*
 * Receiver trigger level 8 (FCR bits 7:6 = 10). At 115200 baud a character
 * (start, 8 data, stop: 10 bits) takes 86.8 us, so the interrupt comes with
 * 8 bytes still free in the 16-byte FIFO: the host may answer up to
 * 8 x 86.8 = 694 us late before a byte is lost (overrun, LSR.OE). Level 14
 * would leave 174 us; levels 1 and 4 would interrupt 8 and 2 times as often
 * for a gain the host does not need. It keeps interrupts off only for one
 * exit's handling or one scheduler service at a time, and polls the
 * receiver during the long stretches (waiting for the wire, zeroing guest
 * RAM). The tail of a burst comes with the character timeout, 4 character
 * times (347 us) after the last byte.
 */
#define FCR_TRIGGER_8 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08 /* on a PC: gates the UART's INTR onto IRQ4 */
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40 /* transmitter empty: FIFO and shift register */
#define UART_FIFO_BYTES 16 /* THRE with FIFOs on: all 16 transmit slots free */
#define CHARS_PER_S 11520  /* 115200 baud, 10 bits a character */
#define IIR_ROUNDS_MAX 64  /* a sane UART clears its sources long before */
#define TX_RING_SIZE 16384
/* 8 KiB: a 4 KiB paste fits while the host is busy elsewhere, twice. */
#define RX_RING_SIZE 8192
_Static_assert((TX_RING_SIZE & (TX_RING_SIZE - 1)) == 0 && (RX_RING_SIZE & (RX_RING_SIZE - 1)) == 0,
	       "ring sizes are powers of two");

static struct {
	char buf[TX_RING_SIZE];
	unsigned head, len;
} tx;

/* Input that arrived before the scheduler came for it. When it is full the
 * driver holds the line (serial_rx_hold): the rest waits in the UART. */
static struct {
	uint8_t buf[RX_RING_SIZE];
	unsigned head, len;
	bool held;
} rx;

static bool irq_on;  /* serial_irq_start has run */
static uint8_t ier;  /* what IER holds */
volatile bool serial_work;

/* How well the host kept its wire busy, in TSC ticks: when the bytes handed
 * to the UART will all have left the FIFO, from when the ring's first byte
 * could have followed them, and the longest the wire sat idle with bytes
 * waiting in the ring (the host late for its THRE interrupt). */
static struct {
	uint64_t out, ready, idle_max;
} wire;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_RESET | FCR_TRIGGER_8);
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS);
}

/* IER and MCR from the driver's state: the sources once interrupts are on
 * (receive only while the ring has room), RTS while it has room, OUT2 with
 * the interrupts. Enabling a source whose condition holds raises INTR at
 * once (datasheet, IER), so whatever is pending makes a rising edge for the
 * 8259A. */
static void serial_set_controls(void)
{
	ier = irq_on ? (uint8_t)((rx.held ? 0 : IER_ERBFI) | IER_ELSI | IER_ETBEI) : 0;
	outb(COM1 + UART_IER, ier);
	outb(COM1 + UART_MCR, MCR_DTR | (rx.held ? 0 : MCR_RTS) | (irq_on ? MCR_OUT2 : 0));
}

void serial_irq_start(void)
{
	irq_on = true;
	serial_set_controls();
}

/*
 * The receive ring is full: stop taking bytes from the UART. With ERBFI
 * clear its FIFO keeps them (16 more; a sender that goes on overruns it,
 * LSR.OE); RTS low asks a terminal with RTS/CTS flow control to pause.
 * Bochs's socket serial reads its socket only while the receiver shows no
 * data ready, so there nothing is lost. serial_getc lets go at half full.
 */
static void serial_rx_hold(bool hold)
{
	rx.held = hold;
	serial_set_controls();
}

/* Move what the UART holds into the ring; reading LSR also clears its error
 * bits (the line status interrupt). Returns how many bytes moved. */
static unsigned serial_rx_drain(void)
{
	unsigned n = 0;
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		if (rx.len == RX_RING_SIZE) {
			if (!rx.held)
				serial_rx_hold(true);
			break;
		}
		rx.buf[(rx.head + rx.len) & (RX_RING_SIZE - 1)] = inb(COM1 + UART_RBR);
		rx.len++;
		n++;
	}
	return n;
}

void serial_rx_poll(void)
{
	if (serial_rx_drain())
		serial_work = true;
}

/* The FIFO is empty: the wire has been idle since wire.ready, if that has
 * passed, while the ring held bytes. */
static void serial_wire_note_fill(unsigned n)
{
	uint64_t now = rdtsc();
	if (now > wire.ready && now - wire.ready > wire.idle_max)
		wire.idle_max = now - wire.ready;
	wire.out = now + n * (tsc_hz() / CHARS_PER_S);
	wire.ready = wire.out;
}

/* Up to a FIFO load from the ring to THR; the caller knows the FIFO is
 * empty (LSR.THRE, or the THRE interrupt). The ring falling below
 * SERIAL_TX_LOW is work: guests' output may wait for room. */
static bool serial_tx_fill(void)
{
	if (!tx.len)
		return false;
	bool above = tx.len >= SERIAL_TX_LOW;
	unsigned n = 0;
	for (; n < UART_FIFO_BYTES && tx.len; n++) {
		outb(COM1 + UART_THR, (uint8_t)tx.buf[tx.head]);
		tx.head = (tx.head + 1) & (TX_RING_SIZE - 1);
		tx.len--;
	}
	serial_wire_note_fill(n);
	return above && tx.len < SERIAL_TX_LOW;
}

void serial_tx_poll(void)
{
	if (tx.len && (inb(COM1 + UART_LSR) & LSR_THRE) && serial_tx_fill())
		serial_work = true;
}

/* One interrupt source, as IIR names it; returns whether it made work. */
static bool serial_irq_source(uint8_t id)
{
	switch (id) {
	case IIR_RLS:
	case IIR_RDA:
	case IIR_CTI:
		return serial_rx_drain() != 0;
	case IIR_THRE:
		return serial_tx_fill();
	case IIR_MSR:
		(void)inb(COM1 + UART_MSR); /* not enabled; reading MSR resets it */
		return false;
	default:
		return false;
	}
}

/*
 * The datasheet has the handler read IIR until bit 0 says no interrupt is
 * pending: only then is INTR low, and the edge-triggered 8259A sees the next
 * one rise. A UART that never gets there has IER cleared and written again,
 * which drops INTR and raises it for whatever is still pending.
 */
void serial_irq(void)
{
	bool work = false;
	unsigned i = 0;
	for (uint8_t iir; !((iir = inb(COM1 + UART_IIR)) & IIR_NO_INT);) {
		work |= serial_irq_source(iir & IIR_ID_MASK);
		if (++i == IIR_ROUNDS_MAX) {
			outb(COM1 + UART_IER, 0);
			outb(COM1 + UART_IER, ier);
			work = true; /* what it had may be in the ring */
			break;
		}
	}
	if (work)
		serial_work = true;
}

void serial_work_done(void) { serial_work = false; }

void serial_wire_reset(void) { wire.idle_max = 0; }

uint64_t serial_wire_idle_max(void) { return wire.idle_max; }

unsigned serial_tx_space(void) { return TX_RING_SIZE - tx.len; }

unsigned serial_tx_pending(void) { return tx.len; }

void serial_flush(void)
{
	while (tx.len) {
		serial_tx_poll();
		serial_rx_poll();
		cpu_pause();
	}
	while (!(inb(COM1 + UART_LSR) & LSR_TEMT)) /* the last byte is on the wire */
		cpu_pause();
}

/* With the ring empty, this is the kick: THR takes the byte at once if the
 * FIFO is empty; otherwise the FIFO is sending and its THRE interrupt (or
 * the next poll here) follows. */
void serial_putc(char c)
{
	while (tx.len == TX_RING_SIZE) { /* full: wait for the wire, keep every byte */
		serial_tx_poll();
		serial_rx_poll();
		cpu_pause();
	}
	if (!tx.len) { /* the wire could take it from now, or when it is done */
		uint64_t now = rdtsc();
		wire.ready = now > wire.out ? now : wire.out;
	}
	tx.buf[(tx.head + tx.len) & (TX_RING_SIZE - 1)] = c;
	tx.len++;
	serial_tx_poll();
}

bool serial_getc(uint8_t *byte)
{
	if (!rx.len)
		return false;
	*byte = rx.buf[rx.head];
	rx.head = (rx.head + 1) & (RX_RING_SIZE - 1);
	rx.len--;
	if (rx.held && rx.len <= RX_RING_SIZE / 2)
		serial_rx_hold(false);
	return true;
}
