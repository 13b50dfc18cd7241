/* Host tests for the 8254 model (vmm/dev/pit.c) against the Intel 82C54
 * datasheet (231244-006) mode definitions, with a fake TSC clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/pit.c"

#define K 4 /* TSC ticks per PIT tick in the exact fake clock */

static struct pit *mk(struct pit *p)
{
	pit_init(p, (uint64_t)PIT_HZ * K, 1000, NULL, NULL);
	return p;
}

/* advance to PIT tick t (exact clock), returns OUT0 rising edges */
static uint64_t at(struct pit *p, uint64_t t)
{
	return pit_advance(p, 1000 + t * K);
}

static void out8(struct pit *p, uint16_t port, uint8_t v)
{
	uint32_t x = v;
	pit_io(p, false, port, 1, &x);
}

static uint8_t in8(struct pit *p, uint16_t port)
{
	uint32_t x = 0;
	pit_io(p, true, port, 1, &x);
	return (uint8_t)x;
}

static void program(struct pit *p, unsigned ch, unsigned mode, uint16_t count, bool bcd)
{
	out8(p, 0x43, (uint8_t)(ch << 6 | PIT_RW_LSB_MSB << 4 | mode << 1 | bcd));
	out8(p, (uint16_t)(0x40 + ch), count & 0xFF);
	out8(p, (uint16_t)(0x40 + ch), count >> 8);
}

static uint16_t read16(struct pit *p, unsigned ch)
{
	out8(p, 0x43, (uint8_t)(ch << 6)); /* counter latch command */
	uint16_t lo = in8(p, (uint16_t)(0x40 + ch));
	return (uint16_t)(lo | in8(p, (uint16_t)(0x40 + ch)) << 8);
}

static uint8_t status(struct pit *p, unsigned ch)
{
	out8(p, 0x43, (uint8_t)(0xC0 | PIT_RB_COUNT | (PIT_RB_CNT0 << ch)));
	return in8(p, (uint16_t)(0x40 + ch));
}

/* Mode 0: OUT low after the control word and count; count loads on the next
 * CLK; OUT goes high N+1 CLKs after the count is written; the counter then
 * wraps (FFFFh) and keeps counting while OUT stays high. */
static void test_mode0_terminal_count(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	at(&p, 10);
	program(&p, 0, 0, 100, false);
	assert_false(pit_out(&p, 0));
	assert_int_equal(at(&p, 11), 0);
	assert_int_equal(read16(&p, 0), 100);
	at(&p, 21);
	assert_int_equal(read16(&p, 0), 90);
	assert_int_equal(at(&p, 110), 0);
	assert_false(pit_out(&p, 0));
	assert_int_equal(at(&p, 111), 1); /* 10 + 100 + 1 */
	assert_true(pit_out(&p, 0));
	at(&p, 112);
	assert_int_equal(read16(&p, 0), 0xFFFF);
	assert_int_equal(at(&p, 200000), 0); /* one-shot */
	assert_true(pit_out(&p, 0));
}

/* Mode 0: writing the first byte of a two byte count stops counting and
 * drives OUT low; the second byte loads the new count. */
static void test_mode0_first_byte_stops(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 0, 1000, false);
	at(&p, 101);
	assert_int_equal(read16(&p, 0), 900);
	out8(&p, 0x40, 0x10);
	at(&p, 2000);
	assert_false(pit_out(&p, 0));
	assert_int_equal(read16(&p, 0), 900);
	out8(&p, 0x40, 0x00); /* count 0x0010 */
	assert_int_equal(at(&p, 2016), 0);
	assert_int_equal(at(&p, 2017), 1);
}

/* Mode 0: GATE low suspends counting, GATE high resumes (counter 2). */
static void test_mode0_gate_suspends(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	out8(&p, 0x61, PORTB_GATE2);
	program(&p, 2, 0, 50, false);
	at(&p, 21);
	assert_int_equal(read16(&p, 2), 30);
	out8(&p, 0x61, 0);
	at(&p, 500);
	assert_int_equal(read16(&p, 2), 30);
	assert_int_equal(in8(&p, 0x61) & PORTB_OUT2, 0);
	out8(&p, 0x61, PORTB_GATE2);
	at(&p, 529);
	assert_int_equal(in8(&p, 0x61) & PORTB_OUT2, 0);
	at(&p, 530);
	assert_int_equal(in8(&p, 0x61) & PORTB_OUT2, PORTB_OUT2);
}

/* Mode 1: OUT high until a GATE trigger; low on the CLK after it for N
 * CLKs; retriggering reloads N and lengthens the pulse. */
static void test_mode1_one_shot(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 2, 1, 20, false);
	at(&p, 100);
	assert_int_equal(in8(&p, 0x61) & PORTB_OUT2, PORTB_OUT2);
	out8(&p, 0x61, PORTB_GATE2); /* trigger at 100 */
	assert_true(pit_out(&p, 2));
	at(&p, 101);
	assert_false(pit_out(&p, 2));
	assert_int_equal(read16(&p, 2), 20);
	at(&p, 111);
	out8(&p, 0x61, 0);
	out8(&p, 0x61, PORTB_GATE2); /* retrigger at 111 */
	at(&p, 131);
	assert_false(pit_out(&p, 2));
	at(&p, 132);
	assert_true(pit_out(&p, 2));
	assert_int_equal(status(&p, 2) & PIT_STATUS_NULL, 0);
}

/* Mode 2: period N; OUT low for one CLK when the count reaches 1, then the
 * counter reloads; count sequence N, N-1, ..., 1. */
static void test_mode2_rate_generator(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 2, 10, false);
	assert_true(pit_out(&p, 0));
	at(&p, 1);
	assert_int_equal(read16(&p, 0), 10);
	at(&p, 9);
	assert_int_equal(read16(&p, 0), 2);
	assert_true(pit_out(&p, 0));
	at(&p, 10);
	assert_int_equal(read16(&p, 0), 1);
	assert_false(pit_out(&p, 0));
	assert_int_equal(at(&p, 11), 1);
	assert_true(pit_out(&p, 0));
	assert_int_equal(read16(&p, 0), 10);
	assert_int_equal(at(&p, 111), 10);
}

/* Mode 3 even count: OUT high N/2 and low N/2 CLKs, count decrements by 2. */
static void test_mode3_even(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 3, 8, false);
	unsigned high = 0;
	for (uint64_t t = 1; t <= 8; t++) {
		at(&p, t);
		high += pit_out(&p, 0);
		if (t == 2)
			assert_int_equal(read16(&p, 0), 6);
	}
	assert_int_equal(high, 4);
	assert_int_equal(at(&p, 8 * 1000 + 1), 1000);
}

/* 8254 mode 3 odd count: OUT high for (N+1)/2, low for (N-1)/2. */
static void test_mode3_odd(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 3, 5, false);
	static const bool want[] = { 1, 1, 1, 0, 0, 1, 1, 1, 0, 0 };
	for (uint64_t t = 0; t < 10; t++) {
		at(&p, t + 1);
		assert_int_equal(pit_out(&p, 0), want[t]);
		if (t == 0)
			assert_int_equal(read16(&p, 0), 4); /* N-1 loaded for odd N */
	}
}

/* Mode 4: OUT low for one CLK when the count reaches 0, N+1 CLKs after the
 * count write; software triggered, not periodic. */
static void test_mode4_strobe(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 4, 30, false);
	at(&p, 30);
	assert_true(pit_out(&p, 0));
	at(&p, 31);
	assert_false(pit_out(&p, 0));
	assert_int_equal(at(&p, 32), 1);
	assert_true(pit_out(&p, 0));
	assert_int_equal(at(&p, 100000), 0);
}

/* Mode 5: the strobe counts from a GATE rising edge. */
static void test_mode5_hw_strobe(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 2, 5, 10, false);
	at(&p, 500);
	assert_true(pit_out(&p, 2));
	out8(&p, 0x61, PORTB_GATE2);
	at(&p, 510);
	assert_true(pit_out(&p, 2));
	at(&p, 511);
	assert_false(pit_out(&p, 2));
	at(&p, 512);
	assert_true(pit_out(&p, 2));
}

/* Counter latch: the count is frozen until read; a second latch before
 * the read is ignored. */
static void test_latch_command(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 1, 2, 1000, false);
	at(&p, 101);
	out8(&p, 0x43, 0x40);
	at(&p, 201);
	out8(&p, 0x43, 0x40);
	assert_int_equal(in8(&p, 0x41), (900 & 0xFF));
	at(&p, 301);
	assert_int_equal(in8(&p, 0x41), 900 >> 8);
	assert_int_equal(read16(&p, 1), 700);
}

/* RW=01 LSB only and RW=10 MSB only: one byte read and written. */
static void test_rw_lsb_msb_only(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	out8(&p, 0x43, 0x00 | PIT_RW_LSB << 4 | 2 << 1);
	out8(&p, 0x40, 200);
	at(&p, 51);
	assert_int_equal(in8(&p, 0x40), 150);
	assert_int_equal(in8(&p, 0x40), 150);
	out8(&p, 0x43, 0x00 | PIT_RW_MSB << 4 | 2 << 1);
	out8(&p, 0x40, 0x02); /* 0x0200 = 512 */
	at(&p, 52);
	assert_int_equal(in8(&p, 0x40), 0x02);
	at(&p, 52 + 256);
	assert_int_equal(in8(&p, 0x40), 0x01);
	assert_int_equal(pit_period(&p, 0), 512);
}

/* Live reads of a two byte count use the read flip-flop: LSB then MSB. */
static void test_live_read_flipflop(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 2, 0x1234, false);
	at(&p, 1);
	assert_int_equal(in8(&p, 0x40), 0x34);
	assert_int_equal(in8(&p, 0x40), 0x12);
	assert_int_equal(in8(&p, 0x40), 0x34);
}

/* Read-back status: OUT, NULL COUNT, RW, M, BCD. NULL COUNT is 1 from the
 * count write until it is loaded into the counting element. */
static void test_readback_status(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	at(&p, 5);
	out8(&p, 0x43, 0x34);
	assert_int_equal(status(&p, 0), 0x80 | 0x40 | 0x34);
	out8(&p, 0x40, 100);
	out8(&p, 0x40, 0);
	assert_int_equal(status(&p, 0), 0x80 | 0x40 | 0x34);
	at(&p, 6);
	assert_int_equal(status(&p, 0), 0x80 | 0x34);
	out8(&p, 0x43, 0x90 | 1); /* counter 2, LSB, mode 0, BCD */
	assert_int_equal(status(&p, 2), 0x40 | 0x11);
	/* modes 6 and 7 behave as 2 and 3 but read back as written */
	out8(&p, 0x43, 0x40 | 0x30 | 6 << 1);
	assert_int_equal(status(&p, 1) & 0x3F, 0x3C);
	assert_int_equal(p.ch[1].mode, 2);
}

/* Read-back of count and status: status byte first, then the count; the
 * latched count ignores later latches until read. */
static void test_readback_count_and_status(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 2, 500, false);
	program(&p, 1, 2, 400, false);
	at(&p, 101);
	out8(&p, 0x43, 0xC0 | PIT_RB_CNT0 | (PIT_RB_CNT0 << 1));
	at(&p, 151);
	assert_int_equal(in8(&p, 0x40), 0x80 | 0x34);
	assert_int_equal(in8(&p, 0x40), 400 & 0xFF);
	assert_int_equal(in8(&p, 0x40), 400 >> 8);
	assert_int_equal(in8(&p, 0x41), 0x80 | 0x34);
	assert_int_equal(in8(&p, 0x41), 300 & 0xFF);
	assert_int_equal(in8(&p, 0x41), 300 >> 8);
	out8(&p, 0x43, 0xC0 | PIT_RB_STATUS | PIT_RB_CNT0);
	at(&p, 152);
	uint16_t lo = in8(&p, 0x40);
	assert_int_equal(lo | in8(&p, 0x40) << 8, 350);
}

/* BCD counting: count 1000 decimal written as 1000h, reads are BCD; 0 in
 * BCD is 10^4. */
static void test_bcd(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 2, 0x1000, true);
	at(&p, 1);
	assert_int_equal(read16(&p, 0), 0x1000);
	at(&p, 2);
	assert_int_equal(read16(&p, 0), 0x0999);
	assert_int_equal(at(&p, 1 + 1000 * 5), 5);
	program(&p, 0, 2, 0, true);
	at(&p, 5002);
	assert_int_equal(pit_period(&p, 0), 10000);
	assert_int_equal(read16(&p, 0), 0x0000);
	at(&p, 5003);
	assert_int_equal(read16(&p, 0), 0x9999);
}

/* Mode 2: a new count written while counting takes effect at the end of the
 * current period, not at once. */
static void test_mode2_new_count_next_period(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 2, 100, false);
	assert_int_equal(at(&p, 50), 0);
	out8(&p, 0x40, 10);
	out8(&p, 0x40, 0);
	assert_true(status(&p, 0) & PIT_STATUS_NULL);
	assert_int_equal(at(&p, 100), 0);
	assert_int_equal(at(&p, 101), 1);
	assert_int_equal(at(&p, 111), 1);
	assert_int_equal(at(&p, 211), 10);
	assert_int_equal(status(&p, 0) & PIT_STATUS_NULL, 0);
}

/* Modes 2/3: GATE low forces OUT high and stops; rising GATE reloads. */
static void test_mode23_gate(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	out8(&p, 0x61, PORTB_GATE2);
	program(&p, 2, 3, 10, false);
	at(&p, 7);
	assert_false(pit_out(&p, 2));
	out8(&p, 0x61, 0);
	assert_true(pit_out(&p, 2));
	at(&p, 100);
	assert_true(pit_out(&p, 2));
	out8(&p, 0x61, PORTB_GATE2);
	at(&p, 101);
	assert_int_equal(read16(&p, 2), 10);
	at(&p, 106);
	assert_false(pit_out(&p, 2));
}

/* Port 61h: bit 0 gate 2, bit 1 speaker data stored, bit 4 refresh toggles,
 * bit 5 OUT2. */
static void test_port61(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	out8(&p, 0x61, PORTB_GATE2 | PORTB_SPKR_DATA | 0xC0);
	uint8_t a = in8(&p, 0x61), b = in8(&p, 0x61);
	assert_int_equal(a & 0x0F, 0x03);
	assert_int_equal((a ^ b) & PORTB_REFRESH, PORTB_REFRESH);
	assert_int_equal(a & 0xC0, 0);
	program(&p, 2, 0, 3, false);
	assert_int_equal(in8(&p, 0x61) & PORTB_OUT2, 0);
	at(&p, 4);
	assert_int_equal(in8(&p, 0x61) & PORTB_OUT2, PORTB_OUT2);
	assert_int_equal(in8(&p, 0x43), 0xFF);
}

/* Deadline = TSC time of the next OUT0 rising edge; exact at a clock that
 * is not a multiple of 1.193182 MHz. */
static void test_next_deadline(void **state)
{
	(void)state;
	struct pit p;
	pit_init(&p, 2893428117ull, 777, NULL, NULL);
	assert_int_equal(pit_next_deadline(&p, 777), UINT64_MAX);
	out8(&p, 0x43, 0x34);
	out8(&p, 0x40, 1193 & 0xFF);
	out8(&p, 0x40, 1193 >> 8);
	uint64_t now = 777;
	for (int i = 0; i < 50; i++) {
		uint64_t d = pit_next_deadline(&p, now);
		assert_true(d > now);
		assert_int_equal(pit_advance(&p, d - 1), 0);
		assert_int_equal(pit_advance(&p, d), 1);
		now = d;
	}
	program(&p, 0, 0, 5, false);
	uint64_t d = pit_next_deadline(&p, now);
	assert_int_equal(d, pit_tick_to_tsc(&p, p.now_tick + 6));
	assert_int_equal(pit_advance(&p, d), 1);
	assert_int_equal(pit_next_deadline(&p, d), UINT64_MAX);
}

/* Tick conversion equals floor(d * 1193182 / hz) without 128-bit division,
 * and pit_tick_to_tsc is its exact inverse (first TSC reaching the tick). */
static void test_tick_conversion(void **state)
{
	(void)state;
	struct pit p;
	static const uint64_t hz[] = { 2893428117ull, 1000000007ull, 4800000000ull, 1193182ull * 3 };
	for (unsigned h = 0; h < 4; h++) {
		pit_init(&p, hz[h], 12345, NULL, NULL);
		uint64_t d = 1;
		for (int i = 0; i < 200; i++, d = d * 3 + 7) {
			d %= 1ull << 50;
			uint64_t want = (uint64_t)((unsigned __int128)d * PIT_HZ / hz[h]);
			assert_int_equal(pit_ticks(&p, 12345 + d), want);
			uint64_t t = pit_tick_to_tsc(&p, want);
			assert_int_equal(pit_ticks(&p, t), want);
			assert_true(t == 12345 || pit_ticks(&p, t - 1) < want);
		}
	}
}

/* No drift: 10^6 periods of mode 2 at an odd TSC rate, advanced in uneven
 * steps, give exactly floor(ticks / N) edges. */
static void test_no_drift_1e6_periods(void **state)
{
	(void)state;
	struct pit p;
	const uint64_t hz = 2893428117ull, n = 1193;
	pit_init(&p, hz, 5, NULL, NULL);
	program(&p, 0, 2, (uint16_t)n, false);
	uint64_t edges = 0, now = 5, step = 1;
	uint64_t end = 5 + (uint64_t)((unsigned __int128)1000000 * n * hz / PIT_HZ) + hz / 1000;
	while (now < end) {
		step = (step * 1103515245u + 12345u) % 9000000u + 1;
		now += step;
		edges += pit_advance(&p, now);
	}
	uint64_t ticks = (uint64_t)((unsigned __int128)(now - 5) * PIT_HZ / hz);
	assert_int_equal(edges, (ticks - 1) / n); /* loaded at tick 1 */
	assert_true(edges >= 1000000);
}

/* A control word that takes OUT0 from low (mode 0 pending) to high is a
 * rising edge, as on the chip. */
static void test_control_word_edge(void **state)
{
	(void)state;
	struct pit p;
	mk(&p);
	program(&p, 0, 0, 1000, false);
	at(&p, 10);
	out8(&p, 0x43, 0x34);
	assert_int_equal(at(&p, 11), 1);
	uint32_t g = p.c0_generation;
	out8(&p, 0x43, 0x34);
	assert_int_equal(p.c0_generation, g + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode0_terminal_count),
		cmocka_unit_test(test_mode0_first_byte_stops),
		cmocka_unit_test(test_mode0_gate_suspends),
		cmocka_unit_test(test_mode1_one_shot),
		cmocka_unit_test(test_mode2_rate_generator),
		cmocka_unit_test(test_mode3_even),
		cmocka_unit_test(test_mode3_odd),
		cmocka_unit_test(test_mode4_strobe),
		cmocka_unit_test(test_mode5_hw_strobe),
		cmocka_unit_test(test_latch_command),
		cmocka_unit_test(test_rw_lsb_msb_only),
		cmocka_unit_test(test_live_read_flipflop),
		cmocka_unit_test(test_readback_status),
		cmocka_unit_test(test_readback_count_and_status),
		cmocka_unit_test(test_bcd),
		cmocka_unit_test(test_mode2_new_count_next_period),
		cmocka_unit_test(test_mode23_gate),
		cmocka_unit_test(test_port61),
		cmocka_unit_test(test_next_deadline),
		cmocka_unit_test(test_tick_conversion),
		cmocka_unit_test(test_no_drift_1e6_periods),
		cmocka_unit_test(test_control_word_edge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
