/* libFuzzer harness for the 16550A: register accesses, host input and time
 * advances; FIFO levels, LSR.DR, IIR and the IRQ line stay consistent. */
#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/uart.c"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

struct sink {
	bool irq;
};

static void sink_irq(void *ctx, unsigned line, bool level)
{
	struct sink *s = ctx;
	CHECK(line == 4);
	CHECK(level != s->irq); /* only changes are reported */
	s->irq = level;
}

static void check(const struct uart *u, const struct sink *s)
{
	CHECK(u->rx_count <= UART_FIFO_SIZE);
	CHECK(u->rx_count <= uart_rx_capacity(u));
	CHECK(u->rx_head < UART_FIFO_SIZE);
	CHECK(!!(uart_lsr(u) & LSR_DR) == (u->rx_count > 0));
	CHECK((uart_lsr(u) & (LSR_THRE | LSR_TEMT)) == (LSR_THRE | LSR_TEMT));
	CHECK((u->ier & 0xF0) == 0);
	uint8_t id = uart_iir_id(u);
	CHECK(id == IIR_NO_INT || id == IIR_ID_RLS || id == IIR_ID_RDA || id == IIR_ID_CTI ||
	      id == IIR_ID_THRE || id == IIR_ID_MSR);
	if (id == IIR_ID_CTI)
		CHECK(uart_fifo_on(u) && u->rx_count > 0);
	bool line = id != IIR_NO_INT && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
	CHECK(s->irq == line && u->irq_level == line);
	if (!(u->mcr & MCR_LOOP))
		CHECK(uart_rx_space(u) + u->rx_count == uart_rx_capacity(u));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uart u;
	struct sink s = { false };
	uint64_t now = 0;
	uart_init(&u, 0x3F8, 4, 2893428117ull, NULL, NULL, sink_irq, &s);
	for (size_t i = 0; i + 2 < size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint32_t v = b;
		switch (op % 4) {
		case 0:
			uart_io(&u, false, (uint16_t)(0x3F8 + (a & 7)), 1, &v);
			break;
		case 1: {
			uint8_t lsr = uart_lsr(&u);
			uart_io(&u, true, (uint16_t)(0x3F8 + (a & 7)), 1, &v);
			CHECK(v <= 0xFF);
			if ((a & 7) == UART_LSR && !(u.lcr & LCR_DLAB))
				CHECK(v == lsr);
			if ((a & 7) == UART_IIR)
				CHECK(!!(v & IIR_FIFOS) == uart_fifo_on(&u) &&
				      ((v & IIR_FIFOS) == 0 || (v & IIR_FIFOS) == IIR_FIFOS));
			break;
		}
		case 2: {
			unsigned space = uart_rx_space(&u);
			bool ok = uart_rx_push(&u, b);
			CHECK(ok == (space > 0)); /* never drops host input silently */
			break;
		}
		default:
			now += (uint64_t)a << (b & 31);
			uart_advance(&u, now);
			break;
		}
		check(&u, &s);
	}
	return 0;
}
