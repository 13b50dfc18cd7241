/* Host tests for the MC146818A model (vmm/dev/rtc.c) against the Motorola
 * MC146818A datasheet (register map, update cycle, interrupts), with a fake
 * TSC clock of exactly K TSC ticks per 32.768 kHz divider count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/rtc.c"

#define K  4
#define HZ ((uint64_t)RTC_HZ * K)
#define T0 1000 /* TSC time of rtc_init: an update falls on it */
#define SEC RTC_HZ

struct lines {
	bool level;
	unsigned rises, falls, line;
};

static void irq_cb(void *ctx, unsigned line, bool level)
{
	struct lines *l = ctx;
	l->line = line;
	l->level = level;
	if (level)
		l->rises++;
	else
		l->falls++;
}

static struct lines irqs;

static struct rtc *mk(struct rtc *r)
{
	irqs = (struct lines){ 0 };
	rtc_init(r, HZ, T0, irq_cb, &irqs);
	return r;
}

/* advance to divider count `t` after init (T0 is count 0 here) */
static void at(struct rtc *r, uint64_t t)
{
	rtc_advance(r, T0 + t * K);
}

static void out8(struct rtc *r, uint16_t port, uint8_t v)
{
	uint32_t x = v;
	rtc_io(r, false, port, 1, &x);
}

static uint8_t in8(struct rtc *r, uint16_t port)
{
	uint32_t x = 0;
	rtc_io(r, true, port, 1, &x);
	return (uint8_t)x;
}

static uint8_t rd(struct rtc *r, uint8_t reg)
{
	out8(r, RTC_PORT_INDEX, reg);
	return in8(r, RTC_PORT_DATA);
}

static void wr(struct rtc *r, uint8_t reg, uint8_t v)
{
	out8(r, RTC_PORT_INDEX, reg);
	out8(r, RTC_PORT_DATA, v);
}

/* the clock shows this at the time of the last advance (an update boundary) */
static void set(struct rtc *r, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
		unsigned wd)
{
	struct rtc_time t = { (uint16_t)y, (uint8_t)mo, (uint8_t)d, (uint8_t)h, (uint8_t)mi, (uint8_t)s, (uint8_t)wd };
	rtc_set_time(r, &t, r->now);
}

static void expect(struct rtc *r, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
		   unsigned wd)
{
	struct rtc_time t;
	rtc_get_time(r, &t);
	assert_int_equal(t.year, y);
	assert_int_equal(t.month, mo);
	assert_int_equal(t.day, d);
	assert_int_equal(t.hour, h);
	assert_int_equal(t.minute, mi);
	assert_int_equal(t.second, s);
	assert_int_equal(t.weekday, wd);
}

/* Power-on state: 2000-01-01 00:00:00 Saturday; A 26h, B 02h, D 80h. */
static void test_power_on(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	assert_int_equal(rd(&r, RTC_REG_A), 0x26);
	assert_int_equal(rd(&r, RTC_REG_B), 0x02);
	assert_int_equal(rd(&r, RTC_REG_C), 0x00);
	assert_int_equal(rd(&r, RTC_REG_D), 0x80);
	assert_int_equal(rd(&r, RTC_YEAR), 0x00);
	assert_int_equal(rd(&r, RTC_CENTURY), 0x20);
	assert_int_equal(rd(&r, RTC_DAY_OF_WEEK), 7);
	assert_false(r.irq);
}

/* Data mode (B bit 2): the same time read as BCD and as binary. */
static void test_bcd_and_binary_reads(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	set(&r, 2024, 2, 29, 13, 45, 7, 5);
	static const uint8_t regs[] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
					RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY };
	static const uint8_t bcd[] = { 0x07, 0x45, 0x13, 0x05, 0x29, 0x02, 0x24, 0x20 };
	static const uint8_t bin[] = { 7, 45, 13, 5, 29, 2, 24, 20 };
	for (unsigned i = 0; i < sizeof(regs); i++)
		assert_int_equal(rd(&r, regs[i]), bcd[i]);
	wr(&r, RTC_REG_B, REG_B_24H | REG_B_DM);
	for (unsigned i = 0; i < sizeof(regs); i++)
		assert_int_equal(rd(&r, regs[i]), bin[i]);
	/* writes are taken in the current mode */
	wr(&r, RTC_MINUTES, 59);
	wr(&r, RTC_REG_B, REG_B_24H);
	assert_int_equal(rd(&r, RTC_MINUTES), 0x59);
	wr(&r, RTC_YEAR, 0x31);
	wr(&r, RTC_CENTURY, 0x21);
	expect(&r, 2131, 2, 29, 13, 59, 7, 5);
}

/* 12-hour mode (B bit 1 = 0): hours 1..12, bit 7 = PM; midnight is 12 AM. */
static void test_12_hour_mode(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	wr(&r, RTC_REG_B, 0x00); /* 12-hour, BCD */
	static const uint8_t hour[] = { 0, 1, 11, 12, 13, 23 };
	static const uint8_t bcd[] = { 0x12, 0x01, 0x11, 0x92, 0x81, 0x91 };
	static const uint8_t bin[] = { 0x0C, 0x01, 0x0B, 0x8C, 0x81, 0x8B };
	for (unsigned i = 0; i < sizeof(hour); i++) {
		set(&r, 2024, 6, 1, hour[i], 0, 0, 7);
		wr(&r, RTC_REG_B, 0x00);
		assert_int_equal(rd(&r, RTC_HOURS), bcd[i]);
		wr(&r, RTC_REG_B, REG_B_DM);
		assert_int_equal(rd(&r, RTC_HOURS), bin[i]);
		/* and back: a 12-hour write means the same hour */
		wr(&r, RTC_HOURS, bin[i]);
		wr(&r, RTC_REG_B, 0x00);
		wr(&r, RTC_HOURS, bcd[i]);
		wr(&r, RTC_REG_B, REG_B_24H);
		assert_int_equal(rd(&r, RTC_HOURS), rtc_bcd(hour[i]));
	}
	/* 11:59:59 PM rolls to 12:00:00 AM */
	wr(&r, RTC_REG_B, 0x00);
	wr(&r, RTC_HOURS, 0x91);
	wr(&r, RTC_MINUTES, 0x59);
	wr(&r, RTC_SECONDS, 0x59);
	at(&r, SEC);
	assert_int_equal(rd(&r, RTC_HOURS), 0x12);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x00);
}

/* The update falls once a second on the second of rtc_set_time; carries
 * ripple through minute, hour, day, month, year and the century byte. */
static void test_counting_carries(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	set(&r, 2099, 12, 31, 23, 59, 58, 5);
	at(&r, SEC - 1);
	expect(&r, 2099, 12, 31, 23, 59, 58, 5);
	at(&r, SEC);
	expect(&r, 2099, 12, 31, 23, 59, 59, 5);
	at(&r, 2 * SEC);
	expect(&r, 2100, 1, 1, 0, 0, 0, 6);
	assert_int_equal(rd(&r, RTC_CENTURY), 0x21);
	assert_int_equal(rd(&r, RTC_YEAR), 0x00);
	/* month lengths: 30 days in April, 31 in January */
	set(&r, 2023, 4, 30, 23, 59, 59, 1);
	at(&r, 3 * SEC);
	expect(&r, 2023, 5, 1, 0, 0, 0, 2);
	set(&r, 2023, 1, 31, 23, 59, 59, 3);
	at(&r, 4 * SEC);
	expect(&r, 2023, 2, 1, 0, 0, 0, 4);
	/* weekday 7 (Saturday) wraps to 1 (Sunday) */
	set(&r, 2023, 3, 4, 23, 59, 59, 7);
	at(&r, 5 * SEC);
	expect(&r, 2023, 3, 5, 0, 0, 0, 1);
}

/* Gregorian leap years from the century byte: 2000 and 2024 are, 2100 and
 * 2023 are not. (The chip itself only tests the year for a multiple of 4,
 * right from 1901 to 2099; the model uses the full rule.) */
static void test_leap_years(void **state)
{
	(void)state;
	static const struct { unsigned year, next_month, next_day; } cases[] = {
		{ 2000, 2, 29 }, { 2024, 2, 29 }, { 2100, 3, 1 }, { 2023, 3, 1 }, { 1900, 3, 1 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rtc r;
		mk(&r);
		set(&r, cases[i].year, 2, 28, 23, 59, 59, 1);
		at(&r, SEC);
		expect(&r, cases[i].year, cases[i].next_month, cases[i].next_day, 0, 0, 0, 2);
	}
	struct rtc r;
	mk(&r);
	set(&r, 2000, 2, 29, 23, 59, 59, 3);
	at(&r, SEC);
	expect(&r, 2000, 3, 1, 0, 0, 0, 4);
}

/* A long gap (a guest off the CPU, a reset days after boot) counts every
 * second: 400 days and 3661 s after 2024-01-01 00:00:00 (Monday). */
static void test_long_gap(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	set(&r, 2024, 1, 1, 0, 0, 0, 2);
	at(&r, (400ull * 86400 + 3661) * SEC);
	expect(&r, 2025, 2, 4, 1, 1, 1, 3);
	assert_int_equal(r.updates, 400ull * 86400 + 3661);
}

/* rtc_set_time with an earlier `at` (the host's boot time): the clock has
 * counted since, and its updates stay on the seconds of `at`. */
static void test_set_time_in_the_past(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	at(&r, 10 * SEC);
	struct rtc_time t = { 2025, 6, 14, 9, 30, 12, 7 };
	rtc_set_time(&r, &t, T0 + (10 * SEC - 3 * SEC - SEC / 2) * K); /* 3.5 s ago */
	expect(&r, 2025, 6, 14, 9, 30, 15, 7);
	at(&r, 10 * SEC + SEC / 2 - 1);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x15);
	at(&r, 10 * SEC + SEC / 2);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x16);
}

/* UIP is set 244 us (8 counts of 32.768 kHz) before each update and clear
 * otherwise: "when UIP is a zero, the update transfer will not occur for at
 * least 244 us" (register A). */
static void test_uip_timing(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	at(&r, SEC - 9);
	assert_int_equal(rd(&r, RTC_REG_A), 0x26);
	at(&r, SEC - 8);
	assert_int_equal(rd(&r, RTC_REG_A), 0xA6);
	at(&r, SEC - 1);
	assert_int_equal(rd(&r, RTC_REG_A) & REG_A_UIP, REG_A_UIP);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x00);
	at(&r, SEC);
	assert_int_equal(rd(&r, RTC_REG_A), 0x26);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x01);
	/* UIP is read-only */
	wr(&r, RTC_REG_A, 0xA6);
	assert_int_equal(rd(&r, RTC_REG_A), 0x26);
}

/* SET (B bit 7) inhibits updates, clears UIE and UIP; time written while
 * it is set is what counts on once it is cleared. */
static void test_set_halts_clock(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	wr(&r, RTC_REG_B, REG_B_SET | REG_B_UIE | REG_B_24H);
	assert_int_equal(rd(&r, RTC_REG_B), REG_B_SET | REG_B_24H); /* UIE cleared */
	for (uint64_t t = SEC - 8; t < 5 * SEC; t += SEC)
		at(&r, t), assert_int_equal(rd(&r, RTC_REG_A) & REG_A_UIP, 0);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x00);
	assert_int_equal(rd(&r, RTC_REG_C) & REG_C_UF, 0);
	wr(&r, RTC_HOURS, 0x23);
	wr(&r, RTC_MINUTES, 0x59);
	wr(&r, RTC_SECONDS, 0x59);
	wr(&r, RTC_REG_B, REG_B_24H);
	at(&r, 5 * SEC);
	expect(&r, 2000, 1, 2, 0, 0, 0, 1);
	/* the power-on alarm 00:00:00 matches midnight; flags need no enable */
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_PF | REG_C_AF | REG_C_UF);
}

/* Divider 11x holds the chain in reset: no updates, no UIP, no periodic
 * flag. Back to 010, "the first update cycle begins one-half second later". */
static void test_divider_reset(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	at(&r, SEC / 4);
	wr(&r, RTC_REG_A, 0x66);
	rd(&r, RTC_REG_C);
	for (uint64_t t = SEC - 8; t < 5 * SEC; t += SEC / 8)
		at(&r, t), assert_int_equal(rd(&r, RTC_REG_A), 0x66);
	assert_int_equal(rd(&r, RTC_REG_C), 0);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x00);
	assert_int_equal(rtc_next_deadline(&r, r.now), UINT64_MAX);
	uint64_t start = 5 * SEC;
	at(&r, start);
	wr(&r, RTC_REG_A, 0x26);
	at(&r, start + SEC / 2 - 1);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x00);
	assert_int_equal(rd(&r, RTC_REG_A), 0xA6);
	at(&r, start + SEC / 2);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x01);
	at(&r, start + SEC / 2 + SEC);
	assert_int_equal(rd(&r, RTC_SECONDS), 0x02);
}

/* Rate select (A bits 3-0), 32.768 kHz base: 0 none, 1 = 256 Hz, 2 = 128 Hz,
 * 3..15 = 32768 >> (rate - 1) Hz (datasheet table 5). */
static void test_periodic_rates(void **state)
{
	(void)state;
	static const uint32_t hz[16] = { 0, 256, 128, 8192, 4096, 2048, 1024, 512,
					 256, 128, 64, 32, 16, 8, 4, 2 };
	for (unsigned rs = 0; rs < 16; rs++) {
		struct rtc r;
		mk(&r);
		wr(&r, RTC_REG_A, (uint8_t)(REG_A_DV_32K | rs));
		assert_int_equal(rtc_periodic_hz(&r), hz[rs]);
		at(&r, 3 * SEC);
		assert_int_equal(r.periodic, 3 * hz[rs]);
		assert_int_equal(rd(&r, RTC_REG_C) & REG_C_PF, rs ? REG_C_PF : 0);
	}
}

/* Rate 6 (1024 Hz) with PIE, the guest reading C at every edge: exactly 1024
 * PF flags and 1024 IRQ8 rises in one second, each at the deadline. */
static void test_periodic_1024hz_edges(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	wr(&r, RTC_REG_B, REG_B_PIE | REG_B_24H);
	unsigned flags = 0;
	uint64_t next = rtc_next_deadline(&r, r.now);
	assert_int_equal(next, T0 + 32 * K);
	for (uint64_t t = 1; t <= SEC; t++) {
		at(&r, t);
		if (r.irq) {
			assert_int_equal(T0 + t * K, next);
			assert_int_equal(rd(&r, RTC_REG_C) & (REG_C_IRQF | REG_C_PF), REG_C_IRQF | REG_C_PF);
			assert_false(r.irq);
			flags++;
			next = rtc_next_deadline(&r, r.now);
		}
	}
	assert_int_equal(flags, 1024);
	assert_int_equal(irqs.rises, 1024);
	assert_int_equal(irqs.falls, 1024);
	assert_int_equal(irqs.line, RTC_IRQ);
}

/* UIE: one update-ended interrupt per second, C reads IRQF|UF (90h). */
static void test_update_interrupt(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	assert_int_equal(rtc_next_deadline(&r, r.now), UINT64_MAX); /* nothing enabled */
	wr(&r, RTC_REG_A, 0x20); /* no periodic flag in C */
	wr(&r, RTC_REG_B, REG_B_UIE | REG_B_24H);
	for (unsigned s = 1; s <= 10; s++) {
		uint64_t d = rtc_next_deadline(&r, r.now);
		assert_int_equal(d, T0 + s * SEC * K);
		rtc_advance(&r, d - 1);
		assert_false(r.irq);
		rtc_advance(&r, d);
		assert_true(r.irq);
		assert_int_equal(rtc_next_deadline(&r, r.now), UINT64_MAX); /* IRQ8 is up */
		assert_int_equal(rd(&r, RTC_REG_C), REG_C_IRQF | REG_C_UF);
	}
	assert_int_equal(irqs.rises, 10);
}

/* C is cleared by its read and IRQ8 drops; IRQF follows the enables both
 * ways: PIE set while PF is 1 raises it at once, PIE cleared drops it. */
static void test_c_clear_on_read(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	at(&r, 40); /* one 1024 Hz edge, PIE off: PF without IRQF */
	assert_false(r.irq);
	wr(&r, RTC_REG_B, REG_B_PIE | REG_B_24H);
	assert_true(r.irq);
	assert_true(irqs.level);
	wr(&r, RTC_REG_B, REG_B_24H);
	assert_false(r.irq);
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_PF);
	wr(&r, RTC_REG_B, REG_B_PIE | REG_B_24H);
	at(&r, 64);
	assert_true(r.irq);
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_IRQF | REG_C_PF);
	assert_false(r.irq);
	assert_false(irqs.level);
	assert_int_equal(rd(&r, RTC_REG_C), 0x00);
	wr(&r, RTC_REG_C, 0xF0); /* read-only */
	assert_int_equal(rd(&r, RTC_REG_C), 0x00);
}

/* D: VRT always 1, the rest 0, writes ignored. */
static void test_reg_d(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	assert_int_equal(rd(&r, RTC_REG_D), 0x80);
	wr(&r, RTC_REG_D, 0x00);
	assert_int_equal(rd(&r, RTC_REG_D), 0x80);
	wr(&r, RTC_REG_D, 0x7F);
	assert_int_equal(rd(&r, RTC_REG_D), 0x80);
}

/* Alarm bytes compare with the time as read; 11xxxxxx matches any value. */
static void test_alarm_dont_care(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	wr(&r, RTC_REG_A, 0x20);
	set(&r, 2024, 6, 1, 10, 29, 58, 7);
	wr(&r, RTC_HOURS_ALARM, 0xC0);
	wr(&r, RTC_MINUTES_ALARM, 0x30);
	wr(&r, RTC_SECONDS_ALARM, 0x00);
	wr(&r, RTC_REG_B, REG_B_AIE | REG_B_24H);
	assert_int_equal(rtc_next_deadline(&r, r.now), T0 + SEC * K); /* checked at each update */
	at(&r, SEC);
	assert_false(r.irq);
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_UF);
	at(&r, 2 * SEC); /* 10:30:00 */
	assert_true(r.irq);
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_IRQF | REG_C_AF | REG_C_UF);
	/* the next match is 11:30:00, 3600 s on */
	at(&r, 3601 * SEC);
	assert_false(r.irq);
	at(&r, 3602 * SEC);
	assert_true(r.irq);
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_IRQF | REG_C_AF | REG_C_UF);
	assert_int_equal(r.alarms, 2);
	/* all three don't care: every second */
	wr(&r, RTC_HOURS_ALARM, 0xFF);
	wr(&r, RTC_MINUTES_ALARM, 0xC5);
	wr(&r, RTC_SECONDS_ALARM, 0xC0);
	for (uint64_t s = 3603; s < 3606; s++) {
		at(&r, s * SEC);
		assert_int_equal(rd(&r, RTC_REG_C), REG_C_IRQF | REG_C_AF | REG_C_UF);
	}
	/* 12-hour mode compares the hours byte with its PM bit: 1 PM = 81h */
	wr(&r, RTC_REG_B, REG_B_AIE); /* 12-hour BCD */
	set(&r, 2024, 6, 1, 12, 59, 59, 7);
	wr(&r, RTC_HOURS_ALARM, 0x81);
	wr(&r, RTC_MINUTES_ALARM, 0x00);
	wr(&r, RTC_SECONDS_ALARM, 0x00);
	rd(&r, RTC_REG_C);
	at(&r, 3607 * SEC);
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_IRQF | REG_C_AF | REG_C_UF);
}

/* An alarm that falls inside a long gap still sets AF (it is sticky). */
static void test_alarm_in_long_gap(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	wr(&r, RTC_HOURS_ALARM, 0x05);
	wr(&r, RTC_MINUTES_ALARM, 0x06);
	wr(&r, RTC_SECONDS_ALARM, 0x07);
	at(&r, 5ull * 86400 * SEC);
	assert_int_equal(rd(&r, RTC_REG_C), REG_C_AF | REG_C_UF | REG_C_PF);
	assert_int_equal(r.alarms, 1);
	expect(&r, 2000, 1, 6, 0, 0, 0, 5);
}

/* The 114 bytes of CMOS RAM (0Eh..7Fh) hold what is written, the century
 * byte 32h among them (as a number in the data mode). */
static void test_ram(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	unsigned n = 0;
	for (unsigned i = RTC_RAM_FIRST; i < RTC_REGS; i++, n++)
		if (i != RTC_CENTURY)
			wr(&r, (uint8_t)i, (uint8_t)(i ^ 0xA5));
	assert_int_equal(n, 114);
	wr(&r, RTC_CENTURY, 0x19);
	for (unsigned i = RTC_RAM_FIRST; i < RTC_REGS; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(rd(&r, (uint8_t)i), i ^ 0xA5);
	assert_int_equal(rd(&r, RTC_CENTURY), 0x19);
	expect(&r, 1900, 1, 1, 0, 0, 0, 7);
	wr(&r, RTC_REG_B, REG_B_DM | REG_B_24H); /* binary: any byte reads back */
	for (unsigned v = 0; v < 256; v++) {
		wr(&r, RTC_CENTURY, (uint8_t)v);
		assert_int_equal(rd(&r, RTC_CENTURY), v);
	}
}

/* Port 70h: bits 6-0 select the register, bit 7 is the NMI mask (kept, no
 * NMI source); indices above 7Fh are the same registers. 70h reads FFh. */
static void test_index_port(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	out8(&r, RTC_PORT_INDEX, 0x8D);
	assert_int_equal(r.index, 0x8D);
	assert_true(r.index & RTC_NMI_MASK);
	assert_int_equal(in8(&r, RTC_PORT_DATA), 0x80); /* register D */
	assert_int_equal(in8(&r, RTC_PORT_INDEX), 0xFF);
	out8(&r, RTC_PORT_INDEX, 0x0D);
	assert_false(r.index & RTC_NMI_MASK);
	wr(&r, 0x40, 0x5A);
	assert_int_equal(rd(&r, 0xC0), 0x5A);
	wr(&r, 0xC1, 0x3C);
	assert_int_equal(rd(&r, 0x41), 0x3C);
	/* a word write to 70h: index, then data at 71h */
	uint32_t v = 0x77u << 8 | 0x42;
	rtc_io(&r, false, RTC_PORT_INDEX, 2, &v);
	assert_int_equal(rd(&r, 0x42), 0x77);
	v = 0;
	rtc_io(&r, true, RTC_PORT_DATA, 2, &v);
	assert_int_equal(v, 0xFF77); /* 72h is not ours */
}

/* Deadlines only for a flag whose enable is set, none while IRQ8 is up,
 * none for the update while SET. */
static void test_deadline_needs_enable(void **state)
{
	(void)state;
	struct rtc r;
	mk(&r);
	assert_int_equal(rtc_next_deadline(&r, r.now), UINT64_MAX);
	wr(&r, RTC_REG_B, REG_B_AIE | REG_B_24H);
	assert_int_equal(rtc_next_deadline(&r, r.now), T0 + SEC * K);
	wr(&r, RTC_REG_B, REG_B_AIE | REG_B_SET | REG_B_24H);
	assert_int_equal(rtc_next_deadline(&r, r.now), UINT64_MAX);
	wr(&r, RTC_REG_B, REG_B_PIE | REG_B_SET | REG_B_24H); /* periodic runs under SET */
	assert_int_equal(rtc_next_deadline(&r, r.now), T0 + 32 * K);
	wr(&r, RTC_REG_A, 0x20);
	assert_int_equal(rtc_next_deadline(&r, r.now), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_bcd_and_binary_reads),
		cmocka_unit_test(test_12_hour_mode),
		cmocka_unit_test(test_counting_carries),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_long_gap),
		cmocka_unit_test(test_set_time_in_the_past),
		cmocka_unit_test(test_uip_timing),
		cmocka_unit_test(test_set_halts_clock),
		cmocka_unit_test(test_divider_reset),
		cmocka_unit_test(test_periodic_rates),
		cmocka_unit_test(test_periodic_1024hz_edges),
		cmocka_unit_test(test_update_interrupt),
		cmocka_unit_test(test_c_clear_on_read),
		cmocka_unit_test(test_reg_d),
		cmocka_unit_test(test_alarm_dont_care),
		cmocka_unit_test(test_alarm_in_long_gap),
		cmocka_unit_test(test_ram),
		cmocka_unit_test(test_index_port),
		cmocka_unit_test(test_deadline_needs_enable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
