/* Host tests for the ISA board (vmm/dev/isa.c): port and IRQ routing as on a
 * PC/AT (the RTC's IRQ8 through the slave and the cascade), and the IRQ0 missed-tick policy of docs/devices.md, fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/pic.c"
#include "vmm/dev/pit.c"
#include "vmm/dev/rtc.c"
#include "vmm/dev/uart.c"
#include "vmm/dev/isa.c"

#define HZ ((uint64_t)PIT_HZ * 2000) /* exact: 2000 TSC ticks per PIT tick */
/* TSC time of the k-th OUT0 edge of a count loaded at PIT tick 1 */
#define EDGE(k, count) (((uint64_t)(k) * (count) + 1) * 2000)

struct console {
	unsigned com[8];
	uint8_t last;
};

static void console_tx(void *ctx, unsigned com, uint8_t b)
{
	struct console *c = ctx;
	c->com[com]++;
	c->last = b;
}

static void out8(struct isa *isa, uint16_t port, uint8_t v)
{
	uint32_t x = v;
	assert_true(isa_decodes(isa, port));
	isa_io(isa, false, port, 1, &x);
}

static uint8_t in8(struct isa *isa, uint16_t port)
{
	uint32_t x = 0;
	assert_true(isa_decodes(isa, port));
	isa_io(isa, true, port, 1, &x);
	return (uint8_t)x;
}

/* What a guest kernel does: PIC at 20h/28h, PIT counter 0 mode 2. */
static void guest_setup(struct isa *isa, uint16_t pit_count)
{
	static const uint8_t m[] = { 0x11, 0x20, 0x04, 0x01 }, s[] = { 0x11, 0x28, 0x02, 0x01 };
	for (int i = 0; i < 4; i++) {
		out8(isa, i ? 0x21 : 0x20, m[i]);
		out8(isa, i ? 0xA1 : 0xA0, s[i]);
	}
	out8(isa, 0x21, 0x00);
	out8(isa, 0x43, 0x34);
	out8(isa, 0x40, pit_count & 0xFF);
	out8(isa, 0x40, pit_count >> 8);
}

/* The guest takes every pending interrupt (INTA, handler, EOI); returns
 * how many of them were timer ticks. */
static unsigned guest_take_interrupts(struct isa *isa)
{
	unsigned ticks = 0;
	while (isa_intr(isa)) {
		uint8_t v = isa_intack(isa);
		ticks += v == 0x20;
		out8(isa, 0x20, OCW2_EOI);
	}
	return ticks;
}

/* Ports of the PIC pair, ELCR, PIT, port 61h and COM1 are claimed; COM2
 * only when configured; anything else is empty bus. */
static void test_port_routing(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	static const uint16_t ours[] = { 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x40, 0x41,
					 0x42, 0x43, 0x61, 0x3F8, 0x3FF, 0x70, 0x71 };
	for (unsigned i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		assert_true(isa_decodes(&isa, ours[i]));
	assert_false(isa_decodes(&isa, 0x2F8));
	assert_false(isa_decodes(&isa, 0x80));
	assert_false(isa_decodes(&isa, 0x44));
	assert_false(isa_decodes(&isa, 0x72));
	assert_true(isa_decodes(&isa, 0x70) && isa_decodes(&isa, 0x71));
	isa_init(&isa, HZ, 0, true, NULL, NULL);
	assert_true(isa_decodes(&isa, 0x2FF));
}

/* PIT OUT0 -> IRQ0: vector base + 0 after one period. */
static void test_pit_irq0(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	assert_false(isa_intr(&isa));
	uint64_t d = isa_next_deadline(&isa, 0);
	assert_int_equal(d, 1194 * 2000);
	isa_advance(&isa, d - 1);
	assert_false(isa_intr(&isa));
	isa_advance(&isa, d);
	assert_true(isa_intr(&isa));
	assert_int_equal(isa_intack(&isa), 0x20);
}

/* COM1 -> IRQ4, COM2 -> IRQ3; transmit reaches the console tagged. */
static void test_uart_irqs(void **state)
{
	(void)state;
	struct isa isa;
	struct console con = { 0 };
	isa_init(&isa, HZ, 0, true, console_tx, &con);
	guest_setup(&isa, 0);
	out8(&isa, 0x3F8 + UART_MCR, MCR_OUT2);
	out8(&isa, 0x3F8 + UART_IER, IER_ERBFI);
	out8(&isa, 0x2F8 + UART_MCR, MCR_OUT2);
	out8(&isa, 0x2F8 + UART_IER, IER_ERBFI);
	assert_true(uart_rx_push(&isa.com1, 'a'));
	assert_true(uart_rx_push(&isa.com2, 'b'));
	assert_int_equal(isa_intack(&isa), 0x23);
	assert_int_equal(in8(&isa, 0x2F8), 'b');
	out8(&isa, 0x20, OCW2_EOI);
	assert_int_equal(isa_intack(&isa), 0x24);
	assert_int_equal(in8(&isa, 0x3F8), 'a');
	out8(&isa, 0x20, OCW2_EOI);
	assert_false(isa_intr(&isa));
	out8(&isa, 0x3F8, 'x');
	out8(&isa, 0x2F8, 'y');
	assert_int_equal(con.com[1], 1);
	assert_int_equal(con.com[2], 1);
	assert_int_equal(con.last, 'y');
}

/* Missed-tick policy: descheduled 40 ms at 1 kHz, the guest gets all 40
 * ticks after it resumes, one per INTA, not one coalesced tick. */
static void test_missed_ticks_delivered_late(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	uint64_t t = EDGE(40, 1193);
	isa_advance(&isa, t);
	assert_int_equal(isa.irq0_backlog, 39);
	assert_true(isa.pic.master.irr & 1);
	unsigned got = 0;
	while (isa_intr(&isa)) {
		assert_int_equal(isa_intack(&isa), 0x20);
		got++;
		/* one at a time: the next edge is latched only after INTA */
		assert_int_equal(isa.irq0_backlog, got < 40 ? 40 - got - 1 : 0);
		out8(&isa, 0x20, OCW2_EOI);
	}
	assert_int_equal(got, 40);
	assert_int_equal(isa.irq0_late, 39);
	assert_int_equal(isa.irq0_dropped, 0);
}

/* The backlog holds at most one second of ticks (1000 at 1 kHz). */
static void test_backlog_cap(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	isa_advance(&isa, EDGE(5000, 1193));
	assert_int_equal(isa.irq0_backlog, 1000);
	assert_int_equal(isa.irq0_dropped, 5000 - 1 - 1000);
	assert_int_equal(guest_take_interrupts(&isa), 1001);
}

/* At the BIOS rate (count 0, 18.2 Hz) one second is 18 ticks. */
static void test_backlog_cap_slow_rate(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 0);
	isa_advance(&isa, EDGE(100, 65536));
	assert_int_equal(isa.irq0_backlog, 18);
	assert_int_equal(guest_take_interrupts(&isa), 19);
}

/* Reprogramming counter 0 drops ticks owed at the old rate. */
static void test_reprogram_drops_backlog(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	isa_advance(&isa, EDGE(10, 1193));
	assert_int_equal(isa.irq0_backlog, 9);
	out8(&isa, 0x43, 0x30); /* mode 0, as Linux does to stop the PIT */
	assert_int_equal(isa.irq0_backlog, 0);
	assert_int_equal(guest_take_interrupts(&isa), 1);
}

/* Masking IRQ0 inside the handler (Linux mask_and_ack_8259A) keeps the
 * backlog; it is delivered after unmask. */
static void test_mask_keeps_backlog(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	isa_advance(&isa, EDGE(5, 1193));
	assert_int_equal(isa_intack(&isa), 0x20);
	out8(&isa, 0x21, 0x01);
	out8(&isa, 0x20, OCW2_EOI);
	assert_false(isa_intr(&isa));
	assert_int_equal(isa.irq0_backlog, 3);
	out8(&isa, 0x21, 0x00);
	assert_int_equal(guest_take_interrupts(&isa), 4);
}

/* While the guest holds the CPU, edges that meet IRR0 still set are lost,
 * as on a PC: the guest was too slow to take them (docs/devices.md). */
static void test_ticks_coalesce_while_running(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	isa_set_on_cpu(&isa, 0, true);
	isa_advance(&isa, EDGE(40, 1193));
	assert_int_equal(isa.irq0_backlog, 0);
	assert_int_equal(isa.irq0_coalesced, 39);
	assert_int_equal(guest_take_interrupts(&isa), 1);
	/* off the CPU the same 40 edges are owed */
	isa_set_on_cpu(&isa, EDGE(40, 1193), false);
	isa_advance(&isa, EDGE(80, 1193));
	assert_int_equal(guest_take_interrupts(&isa), 40);
	assert_int_equal(isa.irq0_late, 39);
}

/* Edges while IRQ0 is masked latch one request in IRR (8259A datasheet,
 * "Interrupt Mask Register"); the unmask brings back that one and no more,
 * wherever the guest was meanwhile. */
static void test_masked_ticks_not_owed(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	out8(&isa, 0x21, 0x01);
	isa_advance(&isa, EDGE(40, 1193)); /* off the CPU */
	assert_false(isa_intr(&isa));
	assert_int_equal(isa.irq0_backlog, 0);
	assert_true(isa.pic.master.irr & 1);
	out8(&isa, 0x21, 0x00);
	assert_int_equal(guest_take_interrupts(&isa), 1);
	assert_int_equal(isa.irq0_coalesced, 39);
}

/* An edge that cannot raise INTR needs no exit: IRQ0 masked, already
 * requested, or the guest still in its IRQ0 handler (ISR0 set). */
static void test_deadline_skips_edges_that_cannot_interrupt(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	isa_set_on_cpu(&isa, 0, true);
	assert_int_equal(isa_next_deadline(&isa, 0), EDGE(1, 1193));
	out8(&isa, 0x21, 0x01);
	assert_int_equal(isa_next_deadline(&isa, 0), UINT64_MAX);
	out8(&isa, 0x21, 0x00);
	isa_advance(&isa, EDGE(1, 1193));
	assert_true(isa_intr(&isa));
	assert_int_equal(isa_next_deadline(&isa, EDGE(1, 1193)), UINT64_MAX);
	assert_int_equal(isa_intack(&isa), 0x20);
	assert_int_equal(isa_next_deadline(&isa, EDGE(1, 1193)), UINT64_MAX); /* in service */
	out8(&isa, 0x20, OCW2_EOI);
	assert_int_equal(isa_next_deadline(&isa, EDGE(1, 1193)), EDGE(2, 1193));
}

/* An EOI that ends IRQ0's service while IRQ0 is requested again is an
 * overrun (the handler is slower than the PIT); an EOI with nothing behind
 * it, or with another line waiting, is not. */
static void test_overrun_at_eoi(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	isa_set_on_cpu(&isa, 0, true);
	isa_advance(&isa, EDGE(1, 1193));
	assert_int_equal(isa_intack(&isa), 0x20);
	out8(&isa, 0x20, OCW2_EOI);
	assert_false(isa_take_overrun(&isa));
	isa_advance(&isa, EDGE(2, 1193));
	assert_int_equal(isa_intack(&isa), 0x20);
	isa_advance(&isa, EDGE(3, 1193)); /* the next edge before the EOI */
	out8(&isa, 0x20, OCW2_EOI);
	assert_true(isa_take_overrun(&isa));
	assert_false(isa_take_overrun(&isa)); /* taken once */
	assert_int_equal(isa.overruns, 1);
	assert_int_equal(isa_intack(&isa), 0x20);
	out8(&isa, 0x21, 0xEE); /* COM1's IRQ4 open too */
	pic_set_irq(&isa.pic, 4, true);
	out8(&isa, 0x20, OCW2_EOI);
	assert_false(isa_take_overrun(&isa)); /* another line waiting is no overrun */
}

/* Off the CPU, a guest preempted inside its IRQ0 handler still has its next
 * edge as a deadline: it must run to reach its EOI, and then that edge is
 * due (isa_intr_waiting) although INTR is not up. */
static void test_off_cpu_handler_keeps_its_deadline(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 1193);
	isa_set_on_cpu(&isa, 0, true);
	isa_advance(&isa, EDGE(1, 1193));
	assert_int_equal(isa_intack(&isa), 0x20);
	isa_set_on_cpu(&isa, EDGE(1, 1193), false);
	assert_false(isa_intr_waiting(&isa));
	assert_int_equal(isa_next_deadline(&isa, EDGE(1, 1193)), EDGE(2, 1193));
	isa_advance(&isa, EDGE(2, 1193));
	assert_false(isa_intr(&isa));
	assert_true(isa_intr_waiting(&isa));
	assert_int_equal(isa_next_deadline(&isa, EDGE(2, 1193)), UINT64_MAX); /* requested */
}

/* The product requirement: a 1 kHz guest beside four busy guests (runs
 * 10 ms of every 50 ms) counts 10000 ticks in 10 s, within 0.1 %. */
static void test_ten_seconds_beside_four_guests(void **state)
{
	(void)state;
	struct isa isa;
	const uint64_t hz = 2893428117ull; /* not a multiple of the PIT clock */
	isa_init(&isa, hz, 0, false, NULL, NULL);
	guest_setup(&isa, 1193); /* 1000.15 Hz */
	unsigned ticks = 0;
	const uint64_t slice = hz / 100, end = 10 * hz;
	for (uint64_t now = 0; now + 5 * slice <= end; now += 5 * slice) {
		/* our slice: exits every 0.25 ms or at the device deadline */
		isa_set_on_cpu(&isa, now, true);
		for (uint64_t t = now; t < now + slice;) {
			isa_advance(&isa, t);
			ticks += guest_take_interrupts(&isa);
			uint64_t d = isa_next_deadline(&isa, t);
			uint64_t step = t + hz / 4000;
			t = d < step ? d : step;
		}
		isa_set_on_cpu(&isa, now + slice, false);
	}
	isa_advance(&isa, end);
	ticks += guest_take_interrupts(&isa);
	uint64_t want = (pit_ticks(&isa.pit, end) - 1) / 1193; /* loaded at tick 1 */
	assert_int_equal(isa.irq0_dropped, 0);
	assert_int_equal(ticks, want); /* every tick, none invented */
	assert_true(ticks >= 9990 && ticks <= 10010);
	assert_true(isa.irq0_late > 7000); /* coalescing would have lost these */
}

/* The board deadline includes the UART character timeout. */
static void test_deadline_includes_uart(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	assert_int_equal(isa_next_deadline(&isa, 0), UINT64_MAX);
	out8(&isa, 0x3F8 + UART_FCR, FCR_FIFO_ENABLE | 0xC0);
	uart_rx_push(&isa.com1, 'z');
	uint64_t d = isa_next_deadline(&isa, 0);
	assert_int_equal(d, 4ull * 10 * 16 * 12 * HZ / UART_CLOCK_HZ);
	isa_advance(&isa, d);
	assert_int_equal(in8(&isa, 0x3F8 + UART_IIR), 0xC1); /* IER off */
	assert_true(isa.com1.timeout_pending);
}

static void cmos_write(struct isa *isa, uint8_t reg, uint8_t v)
{
	out8(isa, RTC_PORT_INDEX, reg);
	out8(isa, RTC_PORT_DATA, v);
}

static uint8_t cmos_read(struct isa *isa, uint8_t reg)
{
	out8(isa, RTC_PORT_INDEX, reg);
	return in8(isa, RTC_PORT_DATA);
}

/* RTC -> IRQ8, the slave's IR0: the slave raises the master's IR2, INTR goes
 * up, and INTA gives the slave's vector base + 0. Reading C drops the line,
 * so the next periodic flag is a new edge. */
static void test_rtc_irq8_through_cascade(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 0);
	out8(&isa, 0x21, 0xFF & ~(1u << PIC_CASCADE_IRQ)); /* only the cascade open */
	out8(&isa, 0xA1, 0xFE);                            /* only IRQ8 */
	assert_int_equal(isa_next_deadline(&isa, 0), UINT64_MAX); /* PIE off: no exits */
	cmos_write(&isa, RTC_REG_B, REG_B_PIE | REG_B_24H); /* 1024 Hz from isa_init */
	uint64_t d = isa_next_deadline(&isa, 0);
	assert_int_equal(d, (32 * HZ + RTC_HZ - 1) / RTC_HZ); /* first TSC tick at count 32 */
	isa_advance(&isa, d - 1);
	assert_false(isa_intr(&isa));
	isa_advance(&isa, d);
	assert_true(isa.rtc.irq);
	assert_true(isa.pic.slave.irr & 1);
	assert_true(isa.pic.master.irr & (1u << PIC_CASCADE_IRQ));
	assert_true(isa_intr(&isa));
	assert_int_equal(isa_intack(&isa), 0x28);
	assert_int_equal(isa_next_deadline(&isa, d), UINT64_MAX); /* IRQ8 still up */
	assert_int_equal(cmos_read(&isa, RTC_REG_C), REG_C_IRQF | REG_C_PF);
	assert_false(isa.rtc.irq);
	out8(&isa, 0xA0, OCW2_EOI);
	out8(&isa, 0x20, OCW2_EOI);
	assert_false(isa_intr(&isa));
	uint64_t d2 = isa_next_deadline(&isa, d);
	assert_int_equal(d2, (64 * HZ + RTC_HZ - 1) / RTC_HZ);
	isa_advance(&isa, d2);
	assert_int_equal(isa_intack(&isa), 0x28);
}

/* A masked IRQ8 costs no exits even with the RTC's interrupts enabled; the
 * flag is caught up at the next exit, and the unmask delivers it. */
static void test_rtc_masked_no_deadline(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 0, false, NULL, NULL);
	guest_setup(&isa, 0);
	out8(&isa, 0x21, 0xFB);
	out8(&isa, 0xA1, 0xFF);
	cmos_write(&isa, RTC_REG_B, REG_B_UIE | REG_B_24H);
	assert_int_equal(isa_next_deadline(&isa, 0), UINT64_MAX);
	isa_advance(&isa, HZ); /* the first update, one second after isa_init */
	assert_true(isa.rtc.irq);
	assert_false(isa_intr(&isa));
	out8(&isa, 0xA1, 0xFE);
	assert_true(isa_intr(&isa));
	assert_int_equal(isa_intack(&isa), 0x28);
}

/* isa_set_rtc: the time the board's RTC shows, counted from `at`. */
static void test_rtc_set_time(void **state)
{
	(void)state;
	struct isa isa;
	isa_init(&isa, HZ, 5 * HZ, false, NULL, NULL);
	struct rtc_time t = { 2025, 6, 14, 9, 30, 12, 7 };
	isa_set_rtc(&isa, &t, 2 * HZ); /* read at boot, 3 s before this reset */
	assert_int_equal(cmos_read(&isa, RTC_SECONDS), 0x15);
	assert_int_equal(cmos_read(&isa, RTC_CENTURY), 0x20);
	isa_advance(&isa, 6 * HZ);
	assert_int_equal(cmos_read(&isa, RTC_SECONDS), 0x16);
}

/* A copy of the board at another address (a clone, a snapshot) is a board
 * of its own: a byte written to the copy's COM1 goes to the copy's console
 * and raises IRQ4 on the copy's PIC, and the original sees neither. The
 * UART's and RTC's callbacks would reach the original otherwise. */
static void test_copy_calls_back_into_the_copy(void **state)
{
	(void)state;
	static struct isa a, b;
	struct console ca = {0}, cb = {0};
	isa_init(&a, HZ, 0, false, console_tx, &ca);
	guest_setup(&a, 0xFFFF);
	isa_copy(&b, &a, &cb);
	out8(&b, 0x3FC, 0x08); /* MCR OUT2: the UART's interrupt reaches the PIC */
	out8(&b, 0x3F9, 0x02); /* IER: THR empty, which it is */
	assert_true(isa_intr(&b));
	assert_false(isa_intr(&a));
	assert_int_equal(isa_intack(&b), 0x24); /* IRQ4 */
	out8(&b, 0x3F8, 'k');
	isa_advance(&b, 3000000);
	assert_int_equal(cb.com[1], 1);
	assert_int_equal(cb.last, 'k');
	assert_int_equal(ca.com[1], 0);
	assert_false(isa_intr(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_routing),
		cmocka_unit_test(test_pit_irq0),
		cmocka_unit_test(test_uart_irqs),
		cmocka_unit_test(test_missed_ticks_delivered_late),
		cmocka_unit_test(test_backlog_cap),
		cmocka_unit_test(test_backlog_cap_slow_rate),
		cmocka_unit_test(test_reprogram_drops_backlog),
		cmocka_unit_test(test_mask_keeps_backlog),
		cmocka_unit_test(test_ticks_coalesce_while_running),
		cmocka_unit_test(test_masked_ticks_not_owed),
		cmocka_unit_test(test_deadline_skips_edges_that_cannot_interrupt),
		cmocka_unit_test(test_off_cpu_handler_keeps_its_deadline),
		cmocka_unit_test(test_overrun_at_eoi),
		cmocka_unit_test(test_ten_seconds_beside_four_guests),
		cmocka_unit_test(test_deadline_includes_uart),
		cmocka_unit_test(test_rtc_irq8_through_cascade),
		cmocka_unit_test(test_rtc_masked_no_deadline),
		cmocka_unit_test(test_rtc_set_time),
		cmocka_unit_test(test_copy_calls_back_into_the_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
