/* Reading the host's MC146818A-compatible RTC: wait out an update in
 * progress, read until two readings agree, decode per status B (BCD or
 * binary, 12- or 24-hour), century from CMOS byte 32h when it is plausible. */
#include "kernel/cmos.h"
#include "kernel/cpu.h"

#define CMOS_INDEX   0x70 /* bit 7 clear: NMI stays enabled */
#define CMOS_DATA    0x71
#define CMOS_SECONDS 0x00
#define CMOS_MINUTES 0x02
#define CMOS_HOURS   0x04
#define CMOS_DAY     0x07
#define CMOS_MONTH   0x08
#define CMOS_YEAR    0x09
#define CMOS_A       0x0A
#define CMOS_B       0x0B
#define CMOS_CENTURY 0x32
#define A_UIP        0x80
#define B_DM         0x04 /* binary */
#define B_24H        0x02
#define HOUR_PM      0x80
#define UIP_POLLS    200000 /* an update takes under 2.3 ms; this is far longer */
#define READ_TRIES   8

static struct cmos_time boot_time;
static uint64_t boot_tsc;
static bool boot_ok;

static uint8_t cmos_get(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* Registers 00h..09h and 32h: the raw bytes of one reading. */
struct cmos_raw {
	uint8_t r[10], century;
};

static bool cmos_wait_uip(void)
{
	for (unsigned i = 0; i < UIP_POLLS; i++)
		if (!(cmos_get(CMOS_A) & A_UIP))
			return true; /* no update for at least 244 us */
	return false;
}

static void cmos_read_raw(struct cmos_raw *raw)
{
	for (uint8_t i = 0; i < 10; i++)
		raw->r[i] = cmos_get(i);
	raw->century = cmos_get(CMOS_CENTURY);
}

static bool cmos_raw_equal(const struct cmos_raw *a, const struct cmos_raw *b)
{
	for (unsigned i = 0; i < 10; i++)
		if (a->r[i] != b->r[i])
			return false;
	return a->century == b->century;
}

static uint8_t cmos_decode(uint8_t v, bool binary)
{
	return binary ? v : (uint8_t)((v >> 4) * 10 + (v & 0xF));
}

/* Sakamoto's method, 1 = Sunday: the host's own weekday byte is not kept
 * by every BIOS or OS, the date is. */
static uint8_t cmos_weekday(unsigned y, unsigned m, unsigned d)
{
	static const uint8_t t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	if (m < 3)
		y--;
	return (uint8_t)((y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7 + 1);
}

bool cmos_read_time(struct cmos_time *t)
{
	struct cmos_raw a, b;
	bool agreed = false;
	if (!cmos_wait_uip())
		return false;
	cmos_read_raw(&a);
	for (unsigned i = 0; i < READ_TRIES && !agreed; i++) {
		if (!cmos_wait_uip())
			return false;
		cmos_read_raw(&b);
		agreed = cmos_raw_equal(&a, &b);
		a = b;
	}
	if (!agreed)
		return false;
	uint8_t sb = cmos_get(CMOS_B);
	bool bin = sb & B_DM;
	uint8_t hour = a.r[CMOS_HOURS];
	bool pm = hour & HOUR_PM;
	hour = cmos_decode(hour & (uint8_t)~HOUR_PM, bin);
	if (!(sb & B_24H))
		hour = (uint8_t)(hour % 12 + (pm ? 12 : 0));
	uint8_t year = cmos_decode(a.r[CMOS_YEAR], bin), century = cmos_decode(a.century, bin);
	if (century < 19 || century > 99)
		century = 20; /* no century byte: this century */
	t->year = (uint16_t)(century * 100 + year);
	t->month = cmos_decode(a.r[CMOS_MONTH], bin);
	t->day = cmos_decode(a.r[CMOS_DAY], bin);
	t->hour = hour;
	t->minute = cmos_decode(a.r[CMOS_MINUTES], bin);
	t->second = cmos_decode(a.r[CMOS_SECONDS], bin);
	if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->hour > 23 || t->minute > 59 ||
	    t->second > 59 || year > 99)
		return false;
	t->weekday = cmos_weekday(t->year, t->month, t->day);
	return true;
}

bool cmos_boot_read(void)
{
	boot_ok = cmos_read_time(&boot_time);
	boot_tsc = rdtsc();
	return boot_ok;
}

bool cmos_boot_time(struct cmos_time *t, uint64_t *tsc)
{
	*t = boot_time;
	*tsc = boot_tsc;
	return boot_ok;
}
