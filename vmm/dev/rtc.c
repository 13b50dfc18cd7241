/* MC146818A real-time clock: the time of day counted in binary from a
 * 32.768 kHz divider computed lazily from the TSC, the update-ended, alarm
 * and periodic flags, IRQ8, 114 bytes of CMOS RAM and the PC century byte.
 * Datasheet: Motorola MC146818A, "Update Cycle", "Interrupts", "Registers". */
#include "vmm/dev/rtc.h"

#define NEVER UINT64_MAX
#define DAY_SECONDS 86400u
/* Divider counts (32.768 kHz): the update falls at the middle of each count
 * of 32768, half a second after the divider leaves reset ("the first update
 * cycle begins one-half second later"); UIP rises 244 us (8 counts) before. */
#define UPDATE_PHASE (RTC_HZ / 2)
#define UIP_TICKS    8u

bool rtc_running(const struct rtc *rtc)
{
	return (rtc->a & REG_A_DV) == REG_A_DV_32K;
}

/* Divider counts from base_tsc to now: floor(d * 32768 / tsc_hz). */
static uint64_t rtc_ticks_since(const struct rtc *rtc, uint64_t now)
{
	uint64_t d = now > rtc->base_tsc ? now - rtc->base_tsc : 0, hz = rtc->tsc_hz;
	return d / hz * RTC_HZ + d % hz * RTC_HZ / hz;
}

/* The first TSC time at which the divider reaches tick (tick >= base_tick). */
static uint64_t rtc_tick_to_tsc(const struct rtc *rtc, uint64_t tick)
{
	uint64_t k = tick - rtc->base_tick, hz = rtc->tsc_hz;
	return rtc->base_tsc + k / RTC_HZ * hz + (k % RTC_HZ * hz + RTC_HZ - 1) / RTC_HZ;
}

/* Periodic interrupt period in divider counts: rates 1 and 2 take the taps
 * of 256 and 128 Hz (datasheet table 5, 32.768 kHz time base), rates 3..15
 * give 32768 >> (rate - 1) Hz. 0 selects none. */
static uint64_t rtc_period(const struct rtc *rtc)
{
	unsigned rs = rtc->a & REG_A_RS;
	if (!rs)
		return 0;
	return rs <= 2 ? 1ull << (rs + 6) : 1ull << (rs - 1);
}

uint32_t rtc_periodic_hz(const struct rtc *rtc)
{
	uint64_t p = rtc_period(rtc);
	return p ? (uint32_t)(RTC_HZ / p) : 0;
}

/* Updates at divider counts UPDATE_PHASE + k * 32768 up to and including c. */
static uint64_t rtc_updates_through(uint64_t c)
{
	return c >= UPDATE_PHASE ? (c - UPDATE_PHASE) / RTC_HZ + 1 : 0;
}

static uint64_t rtc_next_update(uint64_t c)
{
	return UPDATE_PHASE + rtc_updates_through(c) * RTC_HZ;
}

static bool rtc_leap(unsigned year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned rtc_days_in_month(const struct rtc *rtc)
{
	static const uint8_t days[13] = { 31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (rtc->month == 2 && rtc_leap(rtc->century * 100u + rtc->year))
		return 29;
	return rtc->month <= 12 ? days[rtc->month] : 31;
}

/* Out-of-range values a guest wrote (the datasheet leaves them undefined)
 * roll over at the next carry instead of counting on. */
static void rtc_next_day(struct rtc *rtc)
{
	rtc->weekday = rtc->weekday >= 1 && rtc->weekday < 7 ? rtc->weekday + 1 : 1;
	if (rtc->day < rtc_days_in_month(rtc)) {
		rtc->day++;
		return;
	}
	rtc->day = 1;
	if (rtc->month < 12) {
		rtc->month++;
		return;
	}
	rtc->month = 1;
	if (rtc->year < 99) {
		rtc->year++;
		return;
	}
	rtc->year = 0;
	rtc->century = rtc->century < 99 ? rtc->century + 1 : 0;
}

static void rtc_next_second(struct rtc *rtc)
{
	if (rtc->second < 59) {
		rtc->second++;
		return;
	}
	rtc->second = 0;
	if (rtc->minute < 59) {
		rtc->minute++;
		return;
	}
	rtc->minute = 0;
	if (rtc->hour < 23) {
		rtc->hour++;
		return;
	}
	rtc->hour = 0;
	rtc_next_day(rtc);
}

static bool rtc_time_in_range(const struct rtc *rtc)
{
	return rtc->second < 60 && rtc->minute < 60 && rtc->hour < 24;
}

/* n seconds on. Out-of-range fields are stepped until a carry has cleared
 * them (at most an hour); then it is arithmetic on the time of day. */
static void rtc_add_seconds(struct rtc *rtc, uint64_t n)
{
	for (; n && !rtc_time_in_range(rtc); n--)
		rtc_next_second(rtc);
	if (!n)
		return;
	uint64_t t = rtc->hour * 3600u + rtc->minute * 60u + rtc->second + n;
	for (uint64_t days = t / DAY_SECONDS; days; days--)
		rtc_next_day(rtc);
	t %= DAY_SECONDS;
	rtc->hour = (uint8_t)(t / 3600);
	rtc->minute = (uint8_t)(t / 60 % 60);
	rtc->second = (uint8_t)(t % 60);
}

static uint8_t rtc_bcd(uint8_t v)
{
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

/* A register value in the current data mode; BCD shows values above 99
 * modulo 100. Decoding BCD takes each nibble as a digit, even A..F. */
static uint8_t rtc_encode(const struct rtc *rtc, uint8_t v)
{
	return rtc->b & REG_B_DM ? v : rtc_bcd(v);
}

static uint8_t rtc_decode(const struct rtc *rtc, uint8_t v)
{
	return rtc->b & REG_B_DM ? v : (uint8_t)((v >> 4) * 10 + (v & 0xF));
}

/* 12-hour mode: 1..12 with bit 7 for PM, so midnight is 12 AM (12h BCD)
 * and 13:00 is 1 PM (81h BCD). */
static uint8_t rtc_encode_hour(const struct rtc *rtc, uint8_t hour)
{
	if (rtc->b & REG_B_24H)
		return rtc_encode(rtc, hour);
	uint8_t h = hour % 12;
	return (uint8_t)(rtc_encode(rtc, h ? h : 12) | (hour % 24 >= 12 ? RTC_HOUR_PM : 0));
}

static uint8_t rtc_decode_hour(const struct rtc *rtc, uint8_t v)
{
	if (rtc->b & REG_B_24H)
		return rtc_decode(rtc, v);
	uint8_t h = rtc_decode(rtc, v & (uint8_t)~RTC_HOUR_PM) % 12;
	return (uint8_t)(h + (v & RTC_HOUR_PM ? 12 : 0));
}

/* The alarm compares bytes as the guest reads them; 11xxxxxx is "don't care". */
static bool rtc_alarm_matches(const struct rtc *rtc)
{
	uint8_t now[3] = { rtc_encode(rtc, rtc->second), rtc_encode(rtc, rtc->minute),
			   rtc_encode_hour(rtc, rtc->hour) };
	for (unsigned i = 0; i < 3; i++)
		if ((rtc->alarm[i] & RTC_DONT_CARE) != RTC_DONT_CARE && rtc->alarm[i] != now[i])
			return false;
	return true;
}

#define ANY   -1 /* an alarm byte that matches every value */
#define NONE  -2 /* one that matches no value in range */

/* The value in 0..limit-1 that alarm byte i matches as the guest reads it. */
static int rtc_alarm_target(const struct rtc *rtc, unsigned i, unsigned limit)
{
	uint8_t a = rtc->alarm[i];
	if ((a & RTC_DONT_CARE) == RTC_DONT_CARE)
		return ANY;
	for (unsigned v = 0; v < limit; v++)
		if ((i == 2 ? rtc_encode_hour(rtc, (uint8_t)v) : rtc_encode(rtc, (uint8_t)v)) == a)
			return (int)v;
	return NONE;
}

/* Smallest v in lo..59 allowed by target, or -1. */
static int rtc_first(int target, int lo)
{
	if (target == ANY)
		return lo < 60 ? lo : -1;
	return target >= lo ? target : -1;
}

/* Seconds from now (time of day in range) to the next update whose new time
 * the alarm matches, 1..86400; 0 if it can never match. */
static uint64_t rtc_seconds_to_alarm(const struct rtc *rtc)
{
	int hs = rtc_alarm_target(rtc, 2, 24), ms = rtc_alarm_target(rtc, 1, 60), ss = rtc_alarm_target(rtc, 0, 60);
	int h = rtc->hour, m = rtc->minute, sec = rtc->second, now = m * 60 + sec;
	if (hs == NONE || ms == NONE || ss == NONE)
		return 0;
	for (int k = 0; k <= 24; k++) { /* this hour, the next 23, this hour tomorrow */
		if (hs != ANY && hs != (h + k) % 24)
			continue;
		int mm = -1, s = -1;
		if (k == 0 && (ms == ANY || ms == m))
			mm = m, s = rtc_first(ss, sec + 1);
		if (s < 0) {
			mm = rtc_first(ms, k == 0 ? m + 1 : 0);
			s = rtc_first(ss, 0);
		}
		if (mm >= 0 && s >= 0)
			return (uint64_t)(k * 3600 + mm * 60 + s - now);
	}
	return 0;
}

/* n update cycles; AF is sticky until C is read, so only the first match
 * in them matters. */
static void rtc_count(struct rtc *rtc, uint64_t n)
{
	for (; n && !(rtc->c & REG_C_AF) && !rtc_time_in_range(rtc); n--) {
		rtc_next_second(rtc);
		if (rtc_alarm_matches(rtc)) {
			rtc->c |= REG_C_AF;
			rtc->alarms++;
		}
	}
	if (n && !(rtc->c & REG_C_AF)) {
		uint64_t d = rtc_seconds_to_alarm(rtc);
		if (d && d <= n) {
			rtc_add_seconds(rtc, d);
			n -= d;
			rtc->c |= REG_C_AF;
			rtc->alarms++;
		}
	}
	rtc_add_seconds(rtc, n);
}

/* IRQF and the IRQ pin follow the flags and their enables at once, in both
 * directions ("IRQF = PF.PIE + AF.AIE + UF.UIE"); PF, AF and UF sit at the
 * bit positions of PIE, AIE and UIE. */
static void rtc_update_irq(struct rtc *rtc)
{
	bool on = rtc->c & rtc->b & (REG_C_PF | REG_C_AF | REG_C_UF);
	rtc->c = (uint8_t)(on ? rtc->c | REG_C_IRQF : rtc->c & ~REG_C_IRQF);
	if (on != rtc->irq) {
		rtc->irq = on;
		if (rtc->set_irq)
			rtc->set_irq(rtc->ctx, RTC_IRQ, on);
	}
}

void rtc_advance(struct rtc *rtc, uint64_t now)
{
	if (now <= rtc->now)
		return; /* time never runs backwards */
	rtc->now = now;
	if (!rtc_running(rtc))
		return;
	uint64_t c0 = rtc->tick, c1 = rtc->base_tick + rtc_ticks_since(rtc, now);
	if (c1 <= c0)
		return;
	rtc->tick = c1;
	uint64_t p = rtc_period(rtc);
	if (p && c1 / p != c0 / p) {
		rtc->c |= REG_C_PF; /* flags are set whatever the enables */
		rtc->periodic += c1 / p - c0 / p;
	}
	uint64_t n = rtc_updates_through(c1) - rtc_updates_through(c0);
	if (n && !(rtc->b & REG_B_SET)) { /* SET inhibits the update cycle */
		rtc_count(rtc, n);
		rtc->c |= REG_C_UF;
		rtc->updates += n;
	}
	rtc_update_irq(rtc);
}

static bool rtc_uip(const struct rtc *rtc)
{
	uint64_t phase = rtc->tick % RTC_HZ;
	return rtc_running(rtc) && !(rtc->b & REG_B_SET) && phase >= UPDATE_PHASE - UIP_TICKS &&
	       phase < UPDATE_PHASE;
}

static uint8_t rtc_read(struct rtc *rtc, uint8_t reg)
{
	uint8_t v;
	switch (reg) {
	case RTC_SECONDS: return rtc_encode(rtc, rtc->second);
	case RTC_MINUTES: return rtc_encode(rtc, rtc->minute);
	case RTC_HOURS: return rtc_encode_hour(rtc, rtc->hour);
	case RTC_SECONDS_ALARM: return rtc->alarm[0];
	case RTC_MINUTES_ALARM: return rtc->alarm[1];
	case RTC_HOURS_ALARM: return rtc->alarm[2];
	case RTC_DAY_OF_WEEK: return rtc_encode(rtc, rtc->weekday);
	case RTC_DAY_OF_MONTH: return rtc_encode(rtc, rtc->day);
	case RTC_MONTH: return rtc_encode(rtc, rtc->month);
	case RTC_YEAR: return rtc_encode(rtc, rtc->year);
	case RTC_CENTURY: return rtc_encode(rtc, rtc->century);
	case RTC_REG_A: return (uint8_t)(rtc->a | (rtc_uip(rtc) ? REG_A_UIP : 0));
	case RTC_REG_B: return rtc->b;
	case RTC_REG_C: /* read-only, cleared by the read; the IRQ pin goes inactive */
		v = rtc->c;
		rtc->c = 0;
		rtc_update_irq(rtc);
		return v;
	case RTC_REG_D: return REG_D_VRT; /* valid RAM and time: the battery never dies */
	default: return rtc->ram[reg];
	}
}

/* A divider that leaves reset (or any other divider setting) for 010
 * starts at 0: the first update comes half a second later. */
static void rtc_write_a(struct rtc *rtc, uint8_t v)
{
	bool was = rtc_running(rtc);
	rtc->a = v & (uint8_t)~REG_A_UIP;
	if (!was && rtc_running(rtc)) {
		rtc->base_tsc = rtc->now;
		rtc->base_tick = rtc->tick = 0;
	}
}

static void rtc_write(struct rtc *rtc, uint8_t reg, uint8_t v)
{
	switch (reg) {
	case RTC_SECONDS: rtc->second = rtc_decode(rtc, v); break;
	case RTC_MINUTES: rtc->minute = rtc_decode(rtc, v); break;
	case RTC_HOURS: rtc->hour = rtc_decode_hour(rtc, v); break;
	case RTC_SECONDS_ALARM: rtc->alarm[0] = v; break;
	case RTC_MINUTES_ALARM: rtc->alarm[1] = v; break;
	case RTC_HOURS_ALARM: rtc->alarm[2] = v; break;
	case RTC_DAY_OF_WEEK: rtc->weekday = rtc_decode(rtc, v); break;
	case RTC_DAY_OF_MONTH: rtc->day = rtc_decode(rtc, v); break;
	case RTC_MONTH: rtc->month = rtc_decode(rtc, v); break;
	case RTC_YEAR: rtc->year = rtc_decode(rtc, v); break;
	case RTC_CENTURY: rtc->century = rtc_decode(rtc, v); break;
	case RTC_REG_A: rtc_write_a(rtc, v); break;
	case RTC_REG_B:
		/* "UIE is cleared when SET is written to one"; SET also clears UIP */
		rtc->b = v & REG_B_SET ? v & (uint8_t)~REG_B_UIE : v;
		rtc_update_irq(rtc);
		break;
	case RTC_REG_C:
	case RTC_REG_D: break; /* read-only */
	default: rtc->ram[reg] = v; break;
	}
}

bool rtc_access_has_effect(const struct rtc *rtc, bool in, uint16_t port)
{
	if (port != RTC_PORT_DATA)
		return false;
	return !in || (rtc->index & (RTC_REGS - 1)) == RTC_REG_C;
}

/* Port 70h is write-only on a PC (reads float to FFh); the NMI mask bit is
 * kept in `index` though nothing here raises an NMI. */
static uint8_t rtc_io_byte(struct rtc *rtc, bool in, uint16_t port, uint8_t v)
{
	uint8_t reg = rtc->index & (RTC_REGS - 1); /* indices above 7Fh wrap */
	if (port == RTC_PORT_INDEX) {
		if (!in)
			rtc->index = v;
	} else if (port == RTC_PORT_DATA) {
		if (in)
			return rtc_read(rtc, reg);
		rtc_write(rtc, reg, v);
	}
	return 0xFF;
}

void rtc_io(struct rtc *rtc, bool in, uint16_t port, unsigned size, uint32_t *val)
{
	uint32_t out = 0;
	if (size != 1 && size != 2 && size != 4)
		size = 1;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = rtc_io_byte(rtc, in, (uint16_t)(port + i), (uint8_t)(*val >> (8 * i)));
		out |= (uint32_t)b << (8 * i);
	}
	if (in)
		*val = out;
}

uint64_t rtc_next_deadline(const struct rtc *rtc, uint64_t now)
{
	if (rtc->irq || !rtc_running(rtc))
		return NEVER; /* a flag more changes nothing until C is read */
	uint64_t t = rtc->base_tick + rtc_ticks_since(rtc, now), next = NEVER;
	if (t < rtc->tick)
		t = rtc->tick;
	uint64_t p = rtc_period(rtc);
	if (p && (rtc->b & REG_B_PIE))
		next = (t / p + 1) * p;
	/* the alarm is checked at each update: one exit a second while AIE is set */
	if (!(rtc->b & REG_B_SET) && (rtc->b & (REG_B_UIE | REG_B_AIE))) {
		uint64_t u = rtc_next_update(t);
		next = u < next ? u : next;
	}
	return next == NEVER ? NEVER : rtc_tick_to_tsc(rtc, next);
}

void rtc_set_time(struct rtc *rtc, const struct rtc_time *t, uint64_t at)
{
	if (at > rtc->now)
		at = rtc->now;
	uint64_t secs = (rtc->now - at) / rtc->tsc_hz;
	rtc->second = t->second;
	rtc->minute = t->minute;
	rtc->hour = t->hour;
	rtc->day = t->day;
	rtc->month = t->month;
	rtc->year = (uint8_t)(t->year % 100);
	rtc->century = (uint8_t)(t->year / 100 % 100);
	rtc->weekday = t->weekday >= 1 && t->weekday <= 7 ? t->weekday : 1;
	rtc_add_seconds(rtc, secs);
	rtc->base_tsc = at + secs * rtc->tsc_hz;
	rtc->base_tick = UPDATE_PHASE;
	rtc->tick = UPDATE_PHASE + rtc_ticks_since(rtc, rtc->now);
}

void rtc_get_time(const struct rtc *rtc, struct rtc_time *t)
{
	t->year = (uint16_t)(rtc->century * 100u + rtc->year);
	t->month = rtc->month;
	t->day = rtc->day;
	t->hour = rtc->hour;
	t->minute = rtc->minute;
	t->second = rtc->second;
	t->weekday = rtc->weekday;
}

void rtc_init(struct rtc *rtc, uint64_t tsc_hz, uint64_t now,
	      void (*set_irq)(void *ctx, unsigned line, bool level), void *ctx)
{
	static const struct rtc_time y2k = { 2000, 1, 1, 0, 0, 0, 7 };
	__builtin_memset(rtc, 0, sizeof(*rtc));
	rtc->tsc_hz = tsc_hz ? tsc_hz : 1;
	rtc->now = now;
	rtc->set_irq = set_irq;
	rtc->ctx = ctx;
	rtc->a = REG_A_DV_32K | 6; /* 1024 Hz, as a PC BIOS leaves it */
	rtc->b = REG_B_24H;
	rtc_set_time(rtc, &y2k, now);
}
