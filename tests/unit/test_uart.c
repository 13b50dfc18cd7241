/* Host tests for the 16550A model (vmm/dev/uart.c) against the TI/National
 * PC16550D datasheet (SNLS378C), with a fake TSC clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/uart.c"

#define HZ 1000000000ull /* 1 GHz fake TSC */
#define B 0x3F8

struct sink {
	uint8_t bytes[64];
	unsigned n;
	bool irq;
	unsigned irq_line;
	unsigned irq_changes;
};

static void sink_tx(void *ctx, uint8_t b)
{
	struct sink *s = ctx;
	s->bytes[s->n++ % 64] = b;
}

static void sink_irq(void *ctx, unsigned line, bool level)
{
	struct sink *s = ctx;
	s->irq = level;
	s->irq_line = line;
	s->irq_changes++;
}

static void mk(struct uart *u, struct sink *s)
{
	__builtin_memset(s, 0, sizeof(*s));
	uart_init(u, B, 4, HZ, sink_tx, s, sink_irq, s);
}

static void out8(struct uart *u, unsigned reg, uint8_t v)
{
	uint32_t x = v;
	uart_io(u, false, (uint16_t)(B + reg), 1, &x);
}

static uint8_t in8(struct uart *u, unsigned reg)
{
	uint32_t x = 0;
	uart_io(u, true, (uint16_t)(B + reg), 1, &x);
	return (uint8_t)x;
}

/* Reset: IER 0, IIR 01h (no interrupt, FIFOs off), LSR 60h (THRE, TEMT). */
static void test_reset_values(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	assert_int_equal(in8(&u, UART_IER), 0);
	assert_int_equal(in8(&u, UART_IIR), 0x01);
	assert_int_equal(in8(&u, UART_LSR), 0x60);
	assert_int_equal(in8(&u, UART_MCR), 0);
	assert_int_equal(in8(&u, UART_MSR) & 0xF0, MSR_CTS | MSR_DSR | MSR_DCD);
	assert_false(s.irq);
}

/* DLAB=1 maps offsets 0/1 to the divisor latch; DLAB=0 to RBR/THR/IER. */
static void test_divisor_latch(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_LCR, LCR_DLAB | 0x03);
	out8(&u, UART_DLL, 0x01);
	out8(&u, UART_DLM, 0x02);
	assert_int_equal(in8(&u, UART_DLL), 0x01);
	assert_int_equal(in8(&u, UART_DLM), 0x02);
	assert_int_equal(u.divisor, 0x0201);
	assert_int_equal(s.n, 0);
	out8(&u, UART_LCR, 0x03);
	assert_int_equal(in8(&u, UART_LCR), 0x03);
	out8(&u, UART_THR, 'A');
	out8(&u, UART_IER, 0xFF);
	assert_int_equal(in8(&u, UART_IER), 0x0F); /* bits 4-7 always 0 */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.bytes[0], 'A');
}

/* THRE interrupt: set when ETBEI is enabled with THR empty and after each
 * THR write; cleared by reading IIR when it is the source. */
static void test_thre_interrupt(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_MCR, MCR_OUT2);
	out8(&u, UART_IER, IER_ETBEI);
	assert_true(s.irq);
	assert_int_equal(s.irq_line, 4);
	assert_int_equal(in8(&u, UART_IIR), 0x02);
	assert_false(s.irq);
	assert_int_equal(in8(&u, UART_IIR), 0x01);
	out8(&u, UART_THR, 'x');
	assert_true(s.irq);
	assert_int_equal(in8(&u, UART_LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
	out8(&u, UART_IER, 0);
	assert_false(s.irq);
}

/* A line that cannot take more (the guest's console behind a slow wire):
 * THRE and TEMT stay clear, the THRE interrupt waits until the line has
 * room again, TEMT until it has sent everything; a byte written while it is
 * full still reaches the line (which drops it). Loopback is never held. */
static void test_full_line_holds_thre(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_MCR, MCR_OUT2);
	out8(&u, UART_IER, IER_ETBEI);
	assert_int_equal(in8(&u, UART_IIR), 0x02);
	uart_set_line_status(&u, false, false);
	out8(&u, UART_THR, 'a');
	assert_false(s.irq);
	assert_int_equal(in8(&u, UART_LSR) & (LSR_THRE | LSR_TEMT), 0);
	assert_int_equal(in8(&u, UART_IIR), 0x01);
	out8(&u, UART_IER, 0);
	out8(&u, UART_IER, IER_ETBEI); /* THR is not empty: no THRE interrupt */
	assert_false(s.irq);
	out8(&u, UART_THR, 'b');
	assert_int_equal(s.n, 2);
	uart_set_line_status(&u, true, false);
	assert_true(s.irq);
	assert_int_equal(in8(&u, UART_LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE);
	assert_int_equal(in8(&u, UART_IIR), 0x02);
	uart_set_line_status(&u, true, true);
	assert_false(s.irq); /* still room: no new THRE edge */
	assert_int_equal(in8(&u, UART_LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
	uart_set_line_status(&u, false, false);
	out8(&u, UART_MCR, MCR_OUT2 | MCR_LOOP);
	assert_int_equal(in8(&u, UART_LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
}

/* On a PC the INTRPT output reaches the PIC only when MCR OUT2 is set. */
static void test_out2_gates_irq(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_IER, IER_ETBEI);
	assert_false(s.irq);
	assert_int_equal(in8(&u, UART_IIR) & 0x0F, IIR_ID_THRE); /* chip-level */
	out8(&u, UART_IER, 0);
	out8(&u, UART_IER, IER_ETBEI);
	out8(&u, UART_MCR, MCR_OUT2);
	assert_true(s.irq);
	out8(&u, UART_MCR, 0);
	assert_false(s.irq);
}

/* 16450 mode: one byte holding register; DR set on receive, cleared when RBR
 * is read; received data interrupt (IIR 04h). */
static void test_rx_no_fifo(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_MCR, MCR_OUT2);
	out8(&u, UART_IER, IER_ERBFI);
	assert_int_equal(uart_rx_space(&u), 1);
	assert_true(uart_rx_push(&u, 'a'));
	assert_false(uart_rx_push(&u, 'b')); /* host keeps it */
	assert_int_equal(in8(&u, UART_LSR) & LSR_DR, LSR_DR);
	assert_true(s.irq);
	assert_int_equal(in8(&u, UART_IIR), 0x04);
	assert_int_equal(in8(&u, UART_RBR), 'a');
	assert_int_equal(in8(&u, UART_LSR) & LSR_DR, 0);
	assert_false(s.irq);
	assert_int_equal(in8(&u, UART_RBR), 'a'); /* RBR keeps the last byte */
}

/* FCR: FIFO enable sets IIR[7:6]=11; 16 byte RX FIFO; trigger level 14. */
static void test_fifo_trigger_14(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_FCR, FCR_FIFO_ENABLE | FCR_RCVR_RESET | FCR_XMIT_RESET | 0xC0);
	out8(&u, UART_MCR, MCR_OUT2);
	out8(&u, UART_IER, IER_ERBFI);
	assert_int_equal(in8(&u, UART_IIR), 0xC1);
	for (int i = 0; i < 13; i++)
		assert_true(uart_rx_push(&u, (uint8_t)i));
	assert_false(s.irq);
	assert_true(uart_rx_push(&u, 13));
	assert_true(s.irq);
	assert_int_equal(in8(&u, UART_IIR), 0xC4);
	assert_true(uart_rx_push(&u, 14));
	assert_true(uart_rx_push(&u, 15));
	assert_false(uart_rx_push(&u, 16));
	assert_int_equal(uart_rx_space(&u), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(in8(&u, UART_RBR), i);
	assert_int_equal(uart_rx_space(&u), 16);
	assert_false(s.irq);
}

/* Trigger levels 1, 4, 8 (FCR bits 7:6 = 00, 01, 10). */
static void test_fifo_trigger_levels(void **state)
{
	(void)state;
	static const uint8_t bits[3] = { 0x00, 0x40, 0x80 };
	static const unsigned level[3] = { 1, 4, 8 };
	for (int t = 0; t < 3; t++) {
		struct uart u;
		struct sink s;
		mk(&u, &s);
		out8(&u, UART_FCR, FCR_FIFO_ENABLE | bits[t]);
		out8(&u, UART_IER, IER_ERBFI);
		for (unsigned i = 1; i < level[t]; i++)
			uart_rx_push(&u, 0);
		assert_int_equal(in8(&u, UART_IIR), 0xC1);
		uart_rx_push(&u, 0);
		assert_int_equal(in8(&u, UART_IIR), 0xC4);
	}
}

/* Character timeout (IIR 0Ch): FIFO below trigger, no activity for 4
 * character times (9600 8N1: 10 bits * 16 * 12 / 1.8432 MHz = 1.0417 ms). */
static void test_char_timeout(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	uart_advance(&u, 1000);
	out8(&u, UART_FCR, FCR_FIFO_ENABLE | 0x80);
	out8(&u, UART_MCR, MCR_OUT2);
	out8(&u, UART_IER, IER_ERBFI);
	uart_rx_push(&u, 'k');
	uint64_t four = 4ull * 10 * 16 * 12 * HZ / UART_CLOCK_HZ;
	assert_int_equal(uart_next_deadline(&u, 1000), 1000 + four);
	uart_advance(&u, 1000 + four - 1);
	assert_int_equal(in8(&u, UART_IIR), 0xC1);
	uart_advance(&u, 1000 + four);
	assert_true(s.irq);
	assert_int_equal(in8(&u, UART_IIR), 0xCC);
	assert_int_equal(uart_next_deadline(&u, 1000 + four), UINT64_MAX);
	assert_int_equal(in8(&u, UART_RBR), 'k');
	assert_int_equal(in8(&u, UART_IIR), 0xC1);
	assert_false(s.irq);
}

/* Loopback: TX goes to RX, not to the line; MCR DTR/RTS/OUT1/OUT2 appear as
 * DSR/CTS/RI/DCD; delta bits set on change, cleared by reading MSR; TERI on
 * the trailing edge of RI; the PC IRQ is disconnected. */
static void test_loopback(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	(void)in8(&u, UART_MSR);
	out8(&u, UART_MCR, MCR_LOOP);
	assert_int_equal(in8(&u, UART_MSR), MSR_DCTS | MSR_DDSR | MSR_DDCD);
	assert_int_equal(in8(&u, UART_MSR), 0);
	out8(&u, UART_MCR, MCR_LOOP | MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);
	assert_int_equal(in8(&u, UART_MSR), 0xF0 | MSR_DCTS | MSR_DDSR | MSR_DDCD);
	out8(&u, UART_MCR, MCR_LOOP | MCR_DTR | MCR_RTS | MCR_OUT2);
	assert_int_equal(in8(&u, UART_MSR), MSR_CTS | MSR_DSR | MSR_DCD | MSR_TERI);
	out8(&u, UART_IER, IER_ERBFI);
	out8(&u, UART_THR, 0x55);
	assert_int_equal(s.n, 0);
	assert_false(s.irq);
	assert_int_equal(in8(&u, UART_IIR), 0x04);
	assert_int_equal(in8(&u, UART_RBR), 0x55);
	assert_false(uart_rx_push(&u, 1)); /* SIN disconnected */
	assert_int_equal(uart_rx_space(&u), 0);
}

/* Overrun (LSR OE) when a byte arrives with the buffer full; OE raises a
 * line status interrupt (highest priority, IIR 06h); reading LSR clears it. */
static void test_overrun_and_priority(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_MCR, MCR_LOOP);
	out8(&u, UART_IER, IER_ERBFI | IER_ETBEI | IER_ELSI | IER_EDSSI);
	out8(&u, UART_THR, 1);
	out8(&u, UART_THR, 2); /* 16450 mode: second byte overruns */
	assert_int_equal(in8(&u, UART_IIR), 0x06);
	assert_int_equal(in8(&u, UART_LSR), LSR_OE | LSR_DR | LSR_THRE | LSR_TEMT);
	assert_int_equal(in8(&u, UART_LSR) & LSR_OE, 0);
	assert_int_equal(in8(&u, UART_IIR), 0x04); /* then received data */
	assert_int_equal(in8(&u, UART_RBR), 1);
	assert_int_equal(in8(&u, UART_IIR), 0x02); /* then THRE */
	assert_int_equal(in8(&u, UART_IIR), 0x00); /* then modem status */
	(void)in8(&u, UART_MSR);
	assert_int_equal(in8(&u, UART_IIR), 0x01);
}

/* Modem status interrupt (IIR 00h) when EDSSI and a delta bit is set. */
static void test_modem_status_interrupt(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_IER, IER_EDSSI);
	assert_int_equal(in8(&u, UART_IIR), 0x01);
	out8(&u, UART_MCR, MCR_LOOP | MCR_RTS);
	assert_int_equal(in8(&u, UART_IIR), 0x00);
	assert_int_equal(in8(&u, UART_MSR) & 0x0F, MSR_DDSR | MSR_DDCD); /* CTS stayed 1 */
	assert_int_equal(in8(&u, UART_IIR), 0x01);
}

/* FCR: RCVR reset clears the RX FIFO; changing FCR0 clears both FIFOs;
 * other bits are ignored unless FCR0 is set. */
static void test_fcr_resets(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_FCR, FCR_FIFO_ENABLE);
	uart_rx_push(&u, 1);
	uart_rx_push(&u, 2);
	out8(&u, UART_FCR, FCR_FIFO_ENABLE | FCR_RCVR_RESET);
	assert_int_equal(in8(&u, UART_LSR) & LSR_DR, 0);
	uart_rx_push(&u, 3);
	out8(&u, UART_FCR, 0xC0);
	assert_int_equal(in8(&u, UART_LSR) & LSR_DR, 0);
	assert_int_equal(in8(&u, UART_IIR), 0x01);
	assert_int_equal(u.fcr, 0);
}

/* Scratch register; word access is two byte cycles. */
static void test_scr_and_word_access(void **state)
{
	(void)state;
	struct uart u;
	struct sink s;
	mk(&u, &s);
	out8(&u, UART_SCR, 0x5A);
	assert_int_equal(in8(&u, UART_SCR), 0x5A);
	uint32_t v = 0x0B03; /* LCR=03, MCR=0B */
	uart_io(&u, false, B + UART_LCR, 2, &v);
	assert_int_equal(u.mcr, 0x0B);
	v = 0;
	uart_io(&u, true, B + UART_SCR, 2, &v);
	assert_int_equal(v, 0xFF5A); /* base+8 is not ours */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_divisor_latch),
		cmocka_unit_test(test_thre_interrupt),
		cmocka_unit_test(test_full_line_holds_thre),
		cmocka_unit_test(test_out2_gates_irq),
		cmocka_unit_test(test_rx_no_fifo),
		cmocka_unit_test(test_fifo_trigger_14),
		cmocka_unit_test(test_fifo_trigger_levels),
		cmocka_unit_test(test_char_timeout),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_overrun_and_priority),
		cmocka_unit_test(test_modem_status_interrupt),
		cmocka_unit_test(test_fcr_resets),
		cmocka_unit_test(test_scr_and_word_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
