/* Host console driver for the PC's COM1 16550A (PC16550D datasheet):
 * 115200 baud 8N1, FIFOs on, no interrupts: transmit and receive are polled.
 * Output goes through a ring that the scheduler drains between guest runs,
 * so a guest that prints a lot does not hold the CPU at 11.5 KB/s. */
#include "kernel/serial.h"
#include "kernel/cpu.h"

#define COM1 0x3F8
#define UART_THR 0 /* transmit holding register (write) */
#define UART_RBR 0 /* receive buffer register (read) */
#define UART_DLL 0 /* divisor latch low, when LCR.DLAB */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE_RESET 0x07 /* FIFO enable, clear RX and TX FIFOs */
#define MCR_DTR_RTS 0x03
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40 /* transmitter empty: FIFO and shift register */
#define UART_FIFO_BYTES 16 /* THRE with FIFOs on: all 16 transmit slots free */
#define TX_RING_SIZE 16384
#define RX_RING_SIZE 256

static struct {
	char buf[TX_RING_SIZE];
	unsigned head, len;
} tx;

/* Input that arrived while the host was busy (waiting for the wire, zeroing
 * guest RAM): the UART's own FIFO holds only 16 bytes, 1.4 ms at 115200. */
static struct {
	uint8_t buf[RX_RING_SIZE];
	unsigned head, len;
} rx;

void serial_rx_poll(void)
{
	while (rx.len < RX_RING_SIZE && (inb(COM1 + UART_LSR) & LSR_DR)) {
		rx.buf[(rx.head + rx.len) % RX_RING_SIZE] = inb(COM1 + UART_RBR);
		rx.len++;
	}
}

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_RESET);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/* Move what the transmit FIFO has room for from the ring to the UART. */
void serial_tx_poll(void)
{
	if (!tx.len || !(inb(COM1 + UART_LSR) & LSR_THRE))
		return;
	for (unsigned n = 0; n < UART_FIFO_BYTES && tx.len; n++) {
		outb(COM1 + UART_THR, (uint8_t)tx.buf[tx.head]);
		tx.head = (tx.head + 1) % TX_RING_SIZE;
		tx.len--;
	}
}

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

void serial_putc(char c)
{
	while (tx.len == TX_RING_SIZE) { /* full: wait for the wire, keep every byte */
		serial_tx_poll();
		serial_rx_poll();
		cpu_pause();
	}
	tx.buf[(tx.head + tx.len) % TX_RING_SIZE] = c;
	tx.len++;
	serial_tx_poll();
}

bool serial_getc(uint8_t *byte)
{
	serial_rx_poll();
	if (!rx.len)
		return false;
	*byte = rx.buf[rx.head];
	rx.head = (rx.head + 1) % RX_RING_SIZE;
	rx.len--;
	return true;
}
