/* Intel 8254 programmable interval timer (three counters, 1.193182 MHz) and
 * the PC port 0x61 bits that gate counter 2 and read back OUT2.
 * Datasheet: Intel 82C54 CHMOS Programmable Interval Timer (231244-006). */
#ifndef VMM_DEV_PIT_H
#define VMM_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ          1193182u
#define PIT_PORT_COUNTER0 0x40
#define PIT_PORT_CONTROL  0x43
#define PIT_PORT_B        0x61 /* PC "port B": gate 2, speaker, OUT2 */

/* Control word: SC1 SC0 RW1 RW0 M2 M1 M0 BCD */
#define PIT_CW_BCD        0x01
#define PIT_CW_M_SHIFT    1
#define PIT_CW_RW_SHIFT   4
#define PIT_CW_SC_SHIFT   6
#define PIT_RW_LATCH      0 /* counter latch command */
#define PIT_RW_LSB        1
#define PIT_RW_MSB        2
#define PIT_RW_LSB_MSB    3
#define PIT_SC_READBACK   3
/* Read-back command: 1 1 /COUNT /STATUS CNT2 CNT1 CNT0 0 (active low) */
#define PIT_RB_COUNT      0x20
#define PIT_RB_STATUS     0x10
#define PIT_RB_CNT0       0x02
/* Status byte: OUT, NULL COUNT, then RW1..BCD as programmed */
#define PIT_STATUS_OUT    0x80
#define PIT_STATUS_NULL   0x40
/* Port 0x61 */
#define PORTB_GATE2       0x01
#define PORTB_SPKR_DATA   0x02
#define PORTB_WRITABLE    0x0F
#define PORTB_REFRESH     0x10
#define PORTB_OUT2        0x20

/* One counter. Count and OUT are computed from `start` (the PIT tick at
 * which the counting element was loaded) instead of tick by tick. */
struct pit_counter {
	uint8_t cw;           /* RW1..BCD bits of the last control word */
	uint8_t mode;         /* 0..5 (6 and 7 read as 2 and 3) */
	uint8_t rw;
	bool bcd;
	bool gate;
	uint16_t cr;          /* count register as written (BCD if bcd) */
	uint32_t cr_n;        /* cr as a count 1..65536 (or 10000 BCD) */
	uint32_t n;           /* count of the running cycle */
	bool armed;           /* a count was written since the control word */
	bool counting;        /* counting element active since `start` */
	uint64_t start;
	bool paused;          /* modes 0/4 with GATE low: frozen at paused_at */
	uint64_t paused_at;
	bool reload_pending;  /* modes 2/3: new count takes effect at reload_at */
	uint64_t reload_at;
	uint32_t next_n;
	uint64_t null_until;  /* NULL COUNT until this tick */
	bool out_idle;        /* OUT while not counting (or before start) */
	uint32_t frozen;      /* count while not counting */
	bool write_msb;       /* write flip-flop: next byte is the MSB */
	bool read_msb;        /* read flip-flop */
	uint8_t latch_bytes;  /* latched count bytes still to read */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct pit {
	struct pit_counter ch[3];
	uint64_t tsc_hz;
	uint64_t base_tsc;    /* PIT tick 0 */
	uint64_t now_tick;    /* time of the last pit_advance, in PIT ticks */
	uint64_t edges0;      /* OUT0 rising edges not yet reported */
	uint32_t c0_generation; /* bumped by every counter 0 control word */
	uint8_t portb;
	bool refresh;
	void (*set_irq)(void *ctx, unsigned line, bool level);
	void *ctx;
};

/* set_irq may be NULL; it sees a pulse on line 0 per advance with edges. */
void pit_init(struct pit *pit, uint64_t tsc_hz, uint64_t now,
	      void (*set_irq)(void *ctx, unsigned line, bool level), void *ctx);
/* Ports 0x40..0x43 and 0x61, at the time of the last pit_advance: call
 * pit_advance(now) first. Sizes 2/4 are split into byte cycles. */
/* Whether writing v to port can change how the counters count or gate:
 * everything but the counter latch and read-back commands, which only
 * take a snapshot (82C54, "Counter Latch Command", "Read-Back Command").
 * Reads never do. */
bool pit_write_changes_counting(uint16_t port, uint8_t v);
void pit_io(struct pit *pit, bool in, uint16_t port, unsigned size, uint32_t *val);
/* Move to `now`; returns the number of OUT0 rising edges since the last call. */
uint64_t pit_advance(struct pit *pit, uint64_t now);
/* TSC time of the next OUT0 rising edge after now, UINT64_MAX if none. */
uint64_t pit_next_deadline(const struct pit *pit, uint64_t now);
/* PIT ticks elapsed at TSC `now`, and the first TSC time at tick `tick`. */
uint64_t pit_ticks(const struct pit *pit, uint64_t now);
uint64_t pit_tick_to_tsc(const struct pit *pit, uint64_t tick);
/* OUT of a counter at the last advance; period of a mode 2/3 counter (0 if
 * it is not periodic). */
bool pit_out(const struct pit *pit, unsigned counter);
uint32_t pit_period(const struct pit *pit, unsigned counter);

#endif
