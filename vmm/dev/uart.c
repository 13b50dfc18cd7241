/* PC16550D UART: divisor latch, IER/IIR priorities, FCR FIFOs, LCR, MCR with
 * loopback, LSR, MSR deltas, SCR. The transmitter hands each byte to the line
 * at once; the line (the guest's console, paced by the host's wire) says when
 * it is full, and THRE and TEMT follow it (uart_set_line_status).
 * Datasheet: TI PC16550D (SNLS378C), tables "Interrupt Control Functions". */
#include "vmm/dev/uart.h"

static bool uart_fifo_on(const struct uart *u)
{
	return u->fcr & FCR_FIFO_ENABLE;
}

/* In 16450 mode the receiver buffer holds one character. */
static unsigned uart_rx_capacity(const struct uart *u)
{
	return uart_fifo_on(u) ? UART_FIFO_SIZE : 1;
}

static unsigned uart_trigger(const struct uart *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };
	return levels[u->fcr >> 6];
}

/* Whether THR can take a byte: the line has room, or loopback, whose
 * transmitter feeds the receiver directly. */
static bool uart_thr_empty(const struct uart *u)
{
	return u->line_room || (u->mcr & MCR_LOOP);
}

static uint8_t uart_lsr(const struct uart *u)
{
	uint8_t tx = 0;
	if (uart_thr_empty(u))
		tx |= LSR_THRE;
	if (u->line_idle || (u->mcr & MCR_LOOP))
		tx |= LSR_TEMT;
	return (uint8_t)(u->lsr_err | tx | (u->rx_count ? LSR_DR : 0));
}

/* IIR by datasheet priority: line status > RX data / timeout > THRE > modem. */
static uint8_t uart_iir_id(const struct uart *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr_err & LSR_OE))
		return IIR_ID_RLS;
	if (u->ier & IER_ERBFI) {
		unsigned need = uart_fifo_on(u) ? uart_trigger(u) : 1;
		if (u->rx_count >= need)
			return IIR_ID_RDA;
		if (uart_fifo_on(u) && u->timeout_pending && u->rx_count)
			return IIR_ID_CTI;
	}
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_ID_THRE;
	if ((u->ier & IER_EDSSI) && (u->msr & 0x0F))
		return IIR_ID_MSR;
	return IIR_NO_INT;
}

/* On a PC the INTRPT pin reaches the PIC only through OUT2; in loopback the
 * OUT2 pin is forced inactive, which disconnects the IRQ as well. */
static void uart_update_irq(struct uart *u)
{
	bool level = uart_iir_id(u) != IIR_NO_INT && (u->mcr & MCR_OUT2) &&
		     !(u->mcr & MCR_LOOP);
	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->set_irq)
		u->set_irq(u->irq_ctx, u->irq, level);
}

/* New modem input levels: set DCTS/DDSR/DDCD on change, TERI when RI falls. */
static void uart_set_msr_status(struct uart *u, uint8_t status)
{
	uint8_t old = u->msr & 0xF0, delta = 0;
	uint8_t changed = old ^ status;
	if (changed & MSR_CTS)
		delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		delta |= MSR_DDSR;
	if (changed & MSR_DCD)
		delta |= MSR_DDCD;
	if ((old & MSR_RI) && !(status & MSR_RI))
		delta |= MSR_TERI;
	u->msr = (uint8_t)(status | (u->msr & 0x0F) | delta);
}

/* Loopback wires RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD internally. */
static uint8_t uart_modem_inputs(const struct uart *u)
{
	uint8_t m = u->mcr;
	if (!(m & MCR_LOOP))
		return u->msr_in;
	return (uint8_t)(((m & MCR_RTS) ? MSR_CTS : 0) | ((m & MCR_DTR) ? MSR_DSR : 0) |
			 ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0));
}

static void uart_rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->timeout_pending = false;
}

static bool uart_rx_put(struct uart *u, uint8_t byte)
{
	if (u->rx_count >= uart_rx_capacity(u))
		return false;
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	u->rx_last = u->now;
	u->timeout_pending = false;
	return true;
}

static uint8_t uart_read_rbr(struct uart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO_SIZE);
		u->rx_count--;
	}
	/* reading restarts the timeout timer and clears the indication */
	u->rx_last = u->now;
	u->timeout_pending = false;
	return u->rbr;
}

static void uart_write_thr(struct uart *u, uint8_t v)
{
	if (u->mcr & MCR_LOOP) {
		if (!uart_rx_put(u, v))
			u->lsr_err |= LSR_OE; /* overrun: the new byte is lost */
	} else if (u->tx) {
		u->tx(u->tx_ctx, v); /* may report the line full (uart_set_line_status) */
	}
	/* THR empties at once unless the line is full: then THRE, and its
	 * interrupt, come back when the line has drained. */
	u->thre_pending = uart_thr_empty(u);
}

static void uart_write_fcr(struct uart *u, uint8_t v)
{
	/* changing FCR0 clears both FIFOs; other bits need FCR0 = 1 */
	if ((v ^ u->fcr) & FCR_FIFO_ENABLE)
		uart_rx_clear(u);
	if (!(v & FCR_FIFO_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (v & FCR_RCVR_RESET)
		uart_rx_clear(u);
	u->fcr = v & (FCR_FIFO_ENABLE | FCR_DMA_MODE | FCR_TRIGGER);
}

static void uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;
	switch (reg) {
	case UART_THR:
		if (dlab)
			u->divisor = (uint16_t)((u->divisor & 0xFF00) | v);
		else
			uart_write_thr(u, v);
		break;
	case UART_IER:
		if (dlab) {
			u->divisor = (uint16_t)((u->divisor & 0xFF) | v << 8);
			break;
		}
		/* enabling ETBEI while THR is empty raises THRE at once */
		if (!(u->ier & IER_ETBEI) && (v & IER_ETBEI) && uart_thr_empty(u))
			u->thre_pending = true;
		u->ier = v & 0x0F;
		break;
	case UART_FCR:
		uart_write_fcr(u, v);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1F;
		uart_set_msr_status(u, uart_modem_inputs(u));
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default: /* LSR and MSR writes: factory test, ignored */
		break;
	}
}

static uint8_t uart_read(struct uart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t r;
	switch (reg) {
	case UART_RBR:
		return dlab ? (uint8_t)u->divisor : uart_read_rbr(u);
	case UART_IER:
		return dlab ? (uint8_t)(u->divisor >> 8) : u->ier;
	case UART_IIR:
		r = uart_iir_id(u);
		if (r == IIR_ID_THRE)
			u->thre_pending = false; /* reading IIR clears a THRE source */
		return (uint8_t)(r | (uart_fifo_on(u) ? IIR_FIFOS : 0));
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		r = uart_lsr(u);
		u->lsr_err = 0; /* reading LSR clears OE (and PE/FE/BI) */
		return r;
	case UART_MSR:
		r = u->msr;
		u->msr &= 0xF0; /* delta bits clear on read */
		return r;
	default:
		return u->scr;
	}
}

bool uart_read_has_effect(const struct uart *u, uint16_t port)
{
	bool dlab = u->lcr & LCR_DLAB;
	switch (port - u->base) {
	case UART_RBR:
		return !dlab;
	case UART_IIR:
		return uart_iir_id(u) == IIR_ID_THRE;
	case UART_LSR:
		return u->lsr_err;
	case UART_MSR:
		return u->msr & 0x0F;
	}
	return false;
}

void uart_io(struct uart *u, bool in, uint16_t port, unsigned size, uint32_t *val)
{
	uint32_t out = 0;
	if (size != 2 && size != 4 && port >= u->base && port < u->base + 8) {
		/* A byte, as nearly every driver's access: a read that only looks
		 * (uart_read_has_effect) leaves the interrupt as it was. */
		if (!in) {
			uart_write(u, port - u->base, (uint8_t)*val);
		} else {
			bool effect = uart_read_has_effect(u, port);
			*val = uart_read(u, port - u->base);
			if (!effect)
				return;
		}
		uart_update_irq(u);
		return;
	}
	if (size != 1 && size != 2 && size != 4)
		size = 1;
	for (unsigned i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		uint8_t b = 0xFF;
		if (p >= u->base && p < u->base + 8) {
			if (in)
				b = uart_read(u, p - u->base);
			else
				uart_write(u, p - u->base, (uint8_t)(*val >> (8 * i)));
		}
		out |= (uint32_t)b << (8 * i);
	}
	if (in)
		*val = out;
	uart_update_irq(u);
}

void uart_init(struct uart *u, uint16_t base, unsigned irq, uint64_t tsc_hz,
	       void (*tx)(void *ctx, uint8_t byte), void *tx_ctx,
	       void (*set_irq)(void *ctx, unsigned line, bool level), void *irq_ctx)
{
	__builtin_memset(u, 0, sizeof(*u));
	u->base = base;
	u->irq = irq;
	u->tsc_hz = tsc_hz;
	u->divisor = 12; /* 9600 baud */
	u->lcr = 0x03;   /* 8N1 */
	u->msr_in = MSR_CTS | MSR_DSR | MSR_DCD; /* a terminal is attached */
	u->msr = u->msr_in;
	u->line_room = true;
	u->line_idle = true;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->set_irq = set_irq;
	u->irq_ctx = irq_ctx;
}

/* Four character times in TSC ticks: (start + data + parity + stop) bits of
 * 16 clocks * divisor at 1.8432 MHz. Counted in half bits for 1.5 stop bits. */
static uint64_t uart_timeout_tsc(const struct uart *u)
{
	unsigned word = 5 + (u->lcr & LCR_WLS);
	unsigned half_bits = 2 * (1 + word + ((u->lcr & LCR_PEN) ? 1 : 0));
	half_bits += (u->lcr & LCR_STB) ? (word == 5 ? 3 : 4) : 2;
	uint64_t div = u->divisor ? u->divisor : 65536;
	return 4 * half_bits * 16 * div * u->tsc_hz / (2 * (uint64_t)UART_CLOCK_HZ);
}

uint64_t uart_next_deadline(const struct uart *u, uint64_t now)
{
	(void)now;
	if (!uart_fifo_on(u) || !u->rx_count || u->timeout_pending)
		return UINT64_MAX;
	return u->rx_last + uart_timeout_tsc(u);
}

/* Character timeout: FIFO mode, at least one byte, nothing pushed or read
 * for four character times (PC16550D "FIFO Interrupt Mode Operation"). */
void uart_advance(struct uart *u, uint64_t now)
{
	if (now > u->now)
		u->now = now;
	if (uart_fifo_on(u) && u->rx_count && !u->timeout_pending &&
	    u->now >= u->rx_last + uart_timeout_tsc(u)) {
		u->timeout_pending = true;
		uart_update_irq(u); /* the only change time makes: the others update it themselves */
	}
}

bool uart_rx_push(struct uart *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP)
		return false; /* SIN is disconnected in loopback */
	bool ok = uart_rx_put(u, byte);
	uart_update_irq(u);
	return ok;
}

void uart_set_line_status(struct uart *u, bool room, bool idle)
{
	bool was_empty = uart_thr_empty(u);
	u->line_room = room;
	u->line_idle = idle;
	if (!was_empty && uart_thr_empty(u))
		u->thre_pending = true; /* THR empty again: the THRE interrupt */
	uart_update_irq(u);
}

unsigned uart_rx_space(const struct uart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return uart_rx_capacity(u) - u->rx_count;
}
