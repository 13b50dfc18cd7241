/* libFuzzer harness for the MC146818A: port accesses (70h, 71h) and time
 * advances; the closed-form counting agrees with counting second by second, the
 * IRQ line is IRQF, deadlines are exact, C and D read as the datasheet says. */
#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/rtc.c"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static unsigned rises, falls;

static void irq_cb(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	CHECK(line == RTC_IRQ);
	if (level)
		rises++;
	else
		falls++;
}

static void check(const struct rtc *r)
{
	CHECK(!(r->a & REG_A_UIP));
	CHECK(!(r->c & 0x0F));
	CHECK(r->irq == !!(r->c & REG_C_IRQF));
	CHECK(r->irq == !!(r->c & r->b & (REG_C_PF | REG_C_AF | REG_C_UF)));
	CHECK(rises == falls + (r->irq ? 1 : 0));
	CHECK(!rtc_running(r) || r->tick >= r->base_tick);
}

/* The closed-form alarm search against counting second by second: the same
 * time, and AF exactly when some second matched. */
static void check_count(const struct rtc *before, const struct rtc *after)
{
	uint64_t n = after->updates - before->updates;
	if (n > 4000 || (before->b & REG_B_SET))
		return;
	struct rtc ref = *before;
	for (uint64_t i = 0; i < n; i++) {
		rtc_next_second(&ref);
		if (rtc_alarm_matches(&ref))
			ref.c |= REG_C_AF;
	}
	CHECK(ref.second == after->second && ref.minute == after->minute && ref.hour == after->hour);
	CHECK(ref.day == after->day && ref.month == after->month && ref.year == after->year);
	CHECK(ref.century == after->century && ref.weekday == after->weekday);
	CHECK((ref.c & REG_C_AF) == (after->c & REG_C_AF));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc r;
	if (size < 2)
		return 0;
	static const uint64_t hz[4] = { 32768ull * 3, 2893428117ull, 1000000007ull, 4800000000ull };
	uint64_t now = 1000;
	rises = falls = 0;
	rtc_init(&r, hz[data[0] & 3], now, irq_cb, NULL);
	if (data[0] & 4) {
		struct rtc_time t = { (uint16_t)(1900 + data[1]), (uint8_t)(data[1] % 12 + 1), 28, 23, 59, 59, 7 };
		rtc_set_time(&r, &t, now);
	}
	for (size_t i = 1; i + 2 < size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint32_t v = (uint32_t)a << 8 | b;
		switch (op % 4) {
		case 0: /* select a register, then write it */
			rtc_io(&r, false, RTC_PORT_INDEX, 1, &v);
			v = a;
			rtc_io(&r, false, RTC_PORT_DATA, 1, &v);
			break;
		case 1: { /* read a register */
			uint8_t reg = b & 0x7F;
			v = b;
			rtc_io(&r, false, RTC_PORT_INDEX, 1, &v);
			uint8_t c = r.c;
			rtc_io(&r, true, RTC_PORT_DATA, (op >> 2) % 3 == 2 ? 4 : 1, &v);
			if (reg == RTC_REG_D)
				CHECK((v & 0xFF) == REG_D_VRT);
			if (reg == RTC_REG_C) {
				CHECK((v & 0xFF) == c);
				CHECK(r.c == 0 && !r.irq);
			}
			if (reg == RTC_REG_A)
				CHECK(((v ^ r.a) & 0x7F) == 0);
			break;
		}
		case 2: { /* advance; with no access in between, IRQ8 rises
			   * exactly at the deadline and not before */
			uint64_t d = rtc_next_deadline(&r, now);
			CHECK(d > now);
			if (d != UINT64_MAX && (op & 8) && d - now < (1ull << 40)) {
				rtc_advance(&r, d - 1);
				CHECK(!r.irq);
				rtc_advance(&r, d);
				/* an alarm is looked for at every update: AIE's deadline
				 * is each second, matched or not */
				CHECK(r.irq || (r.b & REG_B_AIE));
				now = d;
			} else {
				struct rtc before = r;
				now += (uint64_t)v << (op >> 4);
				rtc_advance(&r, now);
				check_count(&before, &r);
			}
			break;
		}
		default: /* a word or dword access at either port */
			rtc_io(&r, op & 4, (uint16_t)(RTC_PORT_INDEX + (op >> 7)), op & 8 ? 4 : 2, &v);
			break;
		}
		check(&r);
	}
	return 0;
}
