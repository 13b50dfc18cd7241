/* National/TI PC16550D UART with 16-byte FIFOs, as wired on a PC (MCR OUT2
 * gates the interrupt line). Datasheet: TI PC16550D (SNLS378C). */
#ifndef VMM_DEV_UART_H
#define VMM_DEV_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3F8
#define UART_COM1_IRQ  4
#define UART_COM2_BASE 0x2F8
#define UART_COM2_IRQ  3
#define UART_FIFO_SIZE 16
#define UART_CLOCK_HZ  1843200u

/* register offsets */
#define UART_RBR 0 /* read, DLAB=0 */
#define UART_THR 0 /* write, DLAB=0 */
#define UART_DLL 0 /* DLAB=1 */
#define UART_IER 1
#define UART_DLM 1 /* DLAB=1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IIR_NO_INT    0x01
#define IIR_ID_MASK   0x0E
#define IIR_ID_MSR    0x00
#define IIR_ID_THRE   0x02
#define IIR_ID_RDA    0x04
#define IIR_ID_RLS    0x06
#define IIR_ID_CTI    0x0C /* character timeout */
#define IIR_FIFOS     0xC0
#define FCR_FIFO_ENABLE 0x01
#define FCR_RCVR_RESET  0x02
#define FCR_XMIT_RESET  0x04
#define FCR_DMA_MODE    0x08
#define FCR_TRIGGER     0xC0 /* 1, 4, 8, 14 bytes */
#define LCR_WLS   0x03
#define LCR_STB   0x04
#define LCR_PEN   0x08
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_PE    0x04
#define LSR_FE    0x08
#define LSR_BI    0x10
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_RXFE  0x80 /* error in RCVR FIFO */
#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04
#define MSR_DDCD  0x08
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

struct uart {
	uint16_t base;
	unsigned irq;
	uint64_t tsc_hz;
	uint64_t now;          /* time of the last uart_advance */
	uint8_t ier, lcr, mcr, scr;
	uint8_t fcr;           /* FIFO enable, DMA mode, trigger bits */
	uint8_t lsr_err;       /* OE (sticky until LSR is read) */
	uint8_t msr;           /* status bits 7:4 and delta bits 3:0 */
	uint8_t msr_in;        /* host side modem inputs (CTS, DSR, RI, DCD) */
	uint16_t divisor;
	uint8_t rx[UART_FIFO_SIZE];
	uint8_t rx_head, rx_count;
	uint8_t rbr;           /* last byte read, returned when empty */
	bool thre_pending;     /* THRE interrupt latch */
	bool timeout_pending;  /* character timeout indication */
	uint64_t rx_last;      /* last RX FIFO activity (push or read) */
	bool irq_level;
	bool line_room;        /* the line behind the transmitter takes bytes: THRE */
	bool line_idle;        /* ... and has sent every byte: TEMT */
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;
	void (*set_irq)(void *ctx, unsigned line, bool level);
	void *irq_ctx;
};

/* tx and set_irq may be NULL. Reset state: IIR 0x01, LSR 0x60, 9600 8N1. */
void uart_init(struct uart *u, uint16_t base, unsigned irq, uint64_t tsc_hz,
	       void (*tx)(void *ctx, uint8_t byte), void *tx_ctx,
	       void (*set_irq)(void *ctx, unsigned line, bool level), void *irq_ctx);
/* Guest access to base..base+7; sizes 2/4 are split into byte cycles. */
/* Whether reading port (one byte) changes the UART: the receive buffer, a
 * THRE source IIR reports, LSR's error bits, MSR's delta bits. Reading the
 * others only looks (PC16550D, "Register Description"). */
bool uart_read_has_effect(const struct uart *u, uint16_t port);
void uart_io(struct uart *u, bool in, uint16_t port, unsigned size, uint32_t *val);
/* Character timeout bookkeeping; time of the last advance stamps RX activity. */
void uart_advance(struct uart *u, uint64_t now);
/* TSC time the character timeout would fire, UINT64_MAX if none is due. */
uint64_t uart_next_deadline(const struct uart *u, uint64_t now);
/* Host input: false (byte not taken) when the RX FIFO is full or in loopback. */
bool uart_rx_push(struct uart *u, uint8_t byte);
/* The line the transmitter sends to: whether it can take more bytes (LSR.THRE,
 * and the THRE interrupt when it can again) and whether it has sent them all
 * (LSR.TEMT). A byte written while it is full is still handed to tx, which
 * drops it, as a 16550A loses a byte written to a full FIFO. Both start true. */
void uart_set_line_status(struct uart *u, bool room, bool idle);
unsigned uart_rx_space(const struct uart *u);

#endif
