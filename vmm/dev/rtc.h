/* Motorola MC146818A real-time clock and CMOS RAM as on a PC: index port
 * 70h (bit 7 masks NMI), data port 71h, IRQ8, the century byte at 32h.
 * Datasheet: Motorola MC146818A (MC146818A/D), "Address Map", "Registers". */
#ifndef VMM_DEV_RTC_H
#define VMM_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT_INDEX 0x70
#define RTC_PORT_DATA  0x71
#define RTC_IRQ        8
#define RTC_HZ         32768u /* the PC's time base (divider 010) */
#define RTC_NMI_MASK   0x80   /* port 70h bit 7: NMI disabled (no NMI source here) */

/* register indices */
#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0A
#define RTC_REG_B         0x0B
#define RTC_REG_C         0x0C
#define RTC_REG_D         0x0D
#define RTC_CENTURY       0x32 /* PC BIOS convention, a CMOS RAM byte */
#define RTC_RAM_FIRST     0x0E /* 114 bytes of user RAM, 0Eh..7Fh */
#define RTC_REGS          0x80

#define REG_A_UIP     0x80 /* update in progress (read-only) */
#define REG_A_DV      0x70 /* divider select */
#define REG_A_DV_32K  0x20 /* 010: 32.768 kHz time base, running */
#define REG_A_DV_RESET 0x60 /* 11x: divider held in reset */
#define REG_A_RS      0x0F /* periodic rate select */
#define REG_B_SET     0x80
#define REG_B_PIE     0x40
#define REG_B_AIE     0x20
#define REG_B_UIE     0x10
#define REG_B_SQWE    0x08
#define REG_B_DM      0x04 /* data mode: 1 binary, 0 BCD */
#define REG_B_24H     0x02
#define REG_B_DSE     0x01
#define REG_C_IRQF    0x80
#define REG_C_PF      0x40
#define REG_C_AF      0x20
#define REG_C_UF      0x10
#define REG_D_VRT     0x80
#define RTC_HOUR_PM   0x80 /* hours byte in 12-hour mode */
#define RTC_DONT_CARE 0xC0 /* an alarm byte of 11xxxxxx matches any value */

/* A calendar time, full year (e.g. 2025); weekday 1..7, Sunday = 1. */
struct rtc_time {
	uint16_t year;
	uint8_t month, day, hour, minute, second, weekday;
};

/* The clock counts in binary whatever the data mode; the time registers
 * are converted to BCD and 12-hour form when the guest reads them. */
struct rtc {
	uint64_t tsc_hz;
	uint64_t now;        /* TSC time of the last rtc_advance */
	uint64_t base_tsc;   /* TSC time at which the divider stood at base_tick */
	uint64_t base_tick;  /* 32.768 kHz divider count at base_tsc */
	uint64_t tick;       /* divider count at now (frozen while not running) */
	uint8_t second, minute, hour, weekday, day, month, year, century; /* binary, 24 h */
	uint8_t alarm[3];    /* seconds, minutes, hours alarm as written */
	uint8_t a, b, c;     /* status registers (A without UIP) */
	uint8_t index;       /* last byte written to port 70h: register, NMI mask */
	uint8_t ram[RTC_REGS]; /* CMOS RAM 0Eh..7Fh (the century lives in `century`) */
	bool irq;            /* IRQ8 output level (the chip's IRQ pin is active low) */
	uint64_t updates, periodic, alarms; /* events counted, for a display */
	void (*set_irq)(void *ctx, unsigned line, bool level);
	void *ctx;
};

/* 2000-01-01 00:00:00, a Saturday; divider running, 1024 Hz rate selected,
 * 24-hour BCD (what a PC BIOS leaves in A and B). set_irq may be NULL. */
void rtc_init(struct rtc *rtc, uint64_t tsc_hz, uint64_t now,
	      void (*set_irq)(void *ctx, unsigned line, bool level), void *ctx);
/* The clock shows t at TSC time `at` (at or before the last advance) and has
 * run since: an update falls on `at` and every second after it. */
void rtc_set_time(struct rtc *rtc, const struct rtc_time *t, uint64_t at);
/* Ports 70h and 71h at the time of the last rtc_advance; sizes 2 and 4 are
 * split into byte cycles (70h then 71h). */
/* Whether an access (one byte) can change the clock's interrupt state: a
 * write of a register, or a read of register C, which clears its flags
 * (MC146818A, "Register C"). Selecting a register at 70h cannot. */
bool rtc_access_has_effect(const struct rtc *rtc, bool in, uint16_t port);
void rtc_io(struct rtc *rtc, bool in, uint16_t port, unsigned size, uint32_t *val);
/* Move to now: updates, alarm, periodic flags; IRQ8 follows IRQF. */
void rtc_advance(struct rtc *rtc, uint64_t now);
/* TSC time of the next event that would raise IRQ8 (an enabled periodic,
 * update-ended or alarm flag), UINT64_MAX if none: none while IRQ8 is up. */
uint64_t rtc_next_deadline(const struct rtc *rtc, uint64_t now);
/* The time of day as the clock holds it, and the periodic rate in Hz (0: none). */
void rtc_get_time(const struct rtc *rtc, struct rtc_time *t);
uint32_t rtc_periodic_hz(const struct rtc *rtc);
bool rtc_running(const struct rtc *rtc);
/* Whether any of status B's interrupt enables (PIE, AIE, UIE) is set: only
 * then can IRQ8 rise without an access to the chip. */
static inline bool rtc_interrupts_enabled(const struct rtc *rtc)
{
	return (rtc->b & (REG_B_PIE | REG_B_AIE | REG_B_UIE)) != 0;
}

#endif
