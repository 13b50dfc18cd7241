/* Intel 8254 interval timer, computed lazily from the PIT tick at which each
 * counting element was loaded; plus PC port 0x61 (gate 2, speaker, OUT2).
 * Datasheet: Intel 82C54 (231244-006), "Mode Definitions", "Read-Back Command". */
#include "vmm/dev/pit.h"

#define NEVER UINT64_MAX

static uint32_t ctr_modulus(const struct pit_counter *c)
{
	return c->bcd ? 10000u : 65536u;
}

/* A written count as CLK pulses: 0 is the maximum count (2^16 binary, 10^4
 * BCD). Digits above 9 are undefined on the chip; we count them as 9. */
static uint32_t ctr_decode(const struct pit_counter *c, uint16_t cr)
{
	uint32_t n = cr;
	if (c->bcd) {
		n = 0;
		for (int s = 12; s >= 0; s -= 4) {
			uint32_t d = (cr >> s) & 0xFu;
			n = n * 10 + (d > 9 ? 9 : d);
		}
	}
	return n ? n : ctr_modulus(c);
}

static uint16_t ctr_encode(const struct pit_counter *c, uint32_t v)
{
	if (!c->bcd)
		return (uint16_t)v;
	uint16_t r = 0;
	for (unsigned s = 0; s < 16; s += 4) {
		r = (uint16_t)(r | (v % 10) << s);
		v /= 10;
	}
	return r;
}

static bool ctr_loaded(const struct pit_counter *c, uint64_t t)
{
	return c->counting && t >= c->start;
}

/* CLK pulses counted since the load; GATE low freezes modes 0 and 4. */
static uint64_t ctr_elapsed(const struct pit_counter *c, uint64_t t)
{
	if (c->paused && c->paused_at < t)
		t = c->paused_at;
	return t - c->start;
}

/* Mode 3 counts by two: an odd N loads N-1, OUT stays high one extra CLK,
 * so OUT is high (N+1)/2 and low (N-1)/2 CLKs; even N: N/2 and N/2. */
static uint32_t mode3_value(uint32_t n, uint32_t phase)
{
	uint32_t high = (n + 1) / 2;
	uint32_t k = phase < high ? phase : phase - high;
	return (n & ~1u) - 2 * k;
}

static uint32_t ctr_value(const struct pit_counter *c, uint64_t t)
{
	if (!ctr_loaded(c, t))
		return c->frozen;
	uint64_t e = ctr_elapsed(c, t);
	uint32_t m = ctr_modulus(c), n = c->n, v;
	switch (c->mode) {
	case 2:
		v = n - (uint32_t)(e % n);
		break;
	case 3:
		v = mode3_value(n, (uint32_t)(e % n));
		break;
	default: /* 0, 1, 4, 5 wrap around after terminal count */
		v = (n + m - (uint32_t)(e % m)) % m;
		break;
	}
	return v % m;
}

static bool ctr_out(const struct pit_counter *c, uint64_t t)
{
	if (!ctr_loaded(c, t))
		return c->out_idle;
	uint64_t e = ctr_elapsed(c, t);
	uint32_t n = c->n;
	switch (c->mode) {
	case 0: /* high at terminal count, until a new count/control word */
	case 1: /* low for N CLKs after the trigger */
		return e >= n;
	case 2: /* low for one CLK when the count reaches 1 */
		return e % n != n - 1;
	case 3:
		return e % n < (n + 1) / 2;
	default: /* 4, 5: low for one CLK when the count reaches 0 */
		return e != n;
	}
}

static bool ctr_periodic(const struct pit_counter *c)
{
	return (c->mode == 2 || c->mode == 3) && c->n >= 2;
}

/* Rising edge of the one-shot modes; unknown while GATE holds it frozen. */
static uint64_t ctr_single_edge(const struct pit_counter *c)
{
	uint64_t e = c->start + c->n + (c->mode >= 4 ? 1 : 0);
	if (c->paused && e > c->paused_at)
		return NEVER;
	return e;
}

/* OUT rising edges in (a, b]. Periodic modes rise at start + k*N, k >= 1. */
static uint64_t ctr_rises_now(const struct pit_counter *c, uint64_t a, uint64_t b)
{
	if (!c->counting || b <= a)
		return 0;
	if (ctr_periodic(c)) {
		uint64_t fa = a < c->start ? 0 : (a - c->start) / c->n;
		uint64_t fb = b < c->start ? 0 : (b - c->start) / c->n;
		return fb - fa;
	}
	if (c->mode == 2 || c->mode == 3)
		return 0; /* N = 1: OUT never toggles */
	uint64_t e = ctr_single_edge(c);
	return e > a && e <= b;
}

static uint64_t ctr_next_rise(const struct pit_counter *c, uint64_t t)
{
	if (!c->counting)
		return NEVER;
	if (ctr_periodic(c)) {
		uint64_t k = t < c->start ? 1 : (t - c->start) / c->n + 1;
		return c->start + k * c->n;
	}
	if (c->mode == 2 || c->mode == 3)
		return NEVER;
	uint64_t e = ctr_single_edge(c);
	return e > t ? e : NEVER;
}

/* Modes 2/3: a count written while counting is loaded at the end of the
 * current cycle (we use the cycle end for mode 3 too, not the half cycle). */
static void ctr_apply_due(struct pit_counter *c, uint64_t t)
{
	if (c->reload_pending && c->reload_at <= t) {
		c->start = c->reload_at;
		c->n = c->next_n;
		c->reload_pending = false;
	}
}

static uint64_t ctr_rises(struct pit_counter *c, uint64_t a, uint64_t b)
{
	uint64_t r = 0;
	if (c->reload_pending && c->reload_at <= b) {
		if (c->reload_at > a) {
			r = ctr_rises_now(c, a, c->reload_at);
			a = c->reload_at;
		}
		ctr_apply_due(c, b);
	}
	return r + ctr_rises_now(c, a, b);
}

/* Load n into the counting element on the CLK after t. */
static void ctr_start(struct pit_counter *c, uint64_t t, uint32_t n)
{
	c->frozen = ctr_value(c, t);
	c->out_idle = ctr_out(c, t);
	c->n = n;
	c->start = t + 1;
	c->counting = true;
	c->paused = false;
	c->reload_pending = false;
	c->null_until = c->start;
}

static void ctr_write_count(struct pit_counter *c, uint64_t t)
{
	c->cr_n = ctr_decode(c, c->cr);
	c->armed = true;
	switch (c->mode) {
	case 0:
	case 4: /* (re)load on the next CLK; GATE low holds the count */
		ctr_start(c, t, c->cr_n);
		c->out_idle = c->mode == 4;
		if (!c->gate) {
			c->paused = true;
			c->paused_at = c->start;
		}
		break;
	case 1:
	case 5: /* loaded by the next GATE trigger */
		c->null_until = NEVER;
		break;
	default:
		if (ctr_loaded(c, t)) {
			c->next_n = c->cr_n;
			c->reload_at = c->start + ((t - c->start) / c->n + 1) * c->n;
			c->reload_pending = true;
			c->null_until = c->reload_at;
		} else if (c->gate) {
			ctr_start(c, t, c->cr_n);
		} else {
			c->null_until = NEVER;
		}
		break;
	}
}

static void ctr_set_gate(struct pit_counter *c, bool gate, uint64_t t)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	switch (c->mode) {
	case 0:
	case 4: /* GATE low suspends counting, GATE high resumes it */
		if (!c->counting)
			break;
		if (!gate) {
			c->paused = true;
			c->paused_at = t > c->start ? t : c->start;
		} else if (c->paused) {
			if (t > c->paused_at)
				c->start += t - c->paused_at;
			c->paused = false;
		}
		break;
	case 1:
	case 5: /* rising GATE (re)triggers with the count register */
		if (gate && c->armed)
			ctr_start(c, t, c->cr_n);
		break;
	default: /* 2, 3: GATE low stops with OUT high; rising GATE reloads */
		if (!gate && c->counting) {
			ctr_apply_due(c, t);
			c->frozen = ctr_value(c, t);
			c->counting = false;
			c->reload_pending = false;
			c->out_idle = true;
		} else if (gate && c->armed) {
			ctr_start(c, t, c->cr_n);
		}
		break;
	}
}

static void ctr_write(struct pit_counter *c, uint8_t v, uint64_t t)
{
	switch (c->rw) {
	case PIT_RW_LSB:
		c->cr = v;
		break;
	case PIT_RW_MSB:
		c->cr = (uint16_t)(v << 8);
		break;
	default:
		if (!c->write_msb) {
			c->cr = (uint16_t)((c->cr & 0xFF00) | v);
			c->write_msb = true;
			if (c->mode == 0) {
				/* mode 0: the first byte stops counting, OUT low */
				c->frozen = ctr_value(c, t);
				c->counting = false;
				c->out_idle = false;
			}
			return;
		}
		c->cr = (uint16_t)((c->cr & 0xFF) | v << 8);
		c->write_msb = false;
		break;
	}
	ctr_write_count(c, t);
}

static void ctr_latch_count(struct pit_counter *c, uint64_t t)
{
	if (c->latch_bytes)
		return; /* the first latch holds until it is read */
	c->latch = ctr_encode(c, ctr_value(c, t));
	c->latch_bytes = c->rw == PIT_RW_LSB_MSB ? 2 : 1;
}

static void ctr_latch_status(struct pit_counter *c, uint64_t t)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((ctr_out(c, t) ? PIT_STATUS_OUT : 0) |
			      (t < c->null_until ? PIT_STATUS_NULL : 0) | c->cw);
	c->status_latched = true;
}

/* A latched status is read first, then a latched count, else the live count. */
static uint8_t ctr_read(struct pit_counter *c, uint64_t t)
{
	uint16_t v;
	bool msb;
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_bytes) {
		v = c->latch;
		msb = c->rw == PIT_RW_MSB || (c->rw == PIT_RW_LSB_MSB && c->latch_bytes == 1);
		c->latch_bytes--;
	} else {
		v = ctr_encode(c, ctr_value(c, t));
		msb = c->rw == PIT_RW_MSB || (c->rw == PIT_RW_LSB_MSB && c->read_msb);
		if (c->rw == PIT_RW_LSB_MSB)
			c->read_msb = !c->read_msb;
	}
	return (uint8_t)(msb ? v >> 8 : v & 0xFF);
}

/* Control word: all control logic resets, OUT goes low (mode 0) or high. */
static void pit_write_control(struct pit *pit, unsigned i, uint8_t v)
{
	struct pit_counter *c = &pit->ch[i];
	uint64_t t = pit->now_tick;
	bool old_out = ctr_out(c, t);
	uint32_t val = ctr_value(c, t);
	unsigned m = (v >> PIT_CW_M_SHIFT) & 7;
	c->cw = v & 0x3F;
	c->rw = (v >> PIT_CW_RW_SHIFT) & 3;
	c->bcd = v & PIT_CW_BCD;
	c->mode = (uint8_t)(m > 5 ? m - 4 : m);
	c->frozen = val % ctr_modulus(c);
	c->armed = c->counting = c->paused = c->reload_pending = false;
	c->write_msb = c->read_msb = c->status_latched = false;
	c->latch_bytes = 0;
	c->null_until = NEVER;
	c->out_idle = c->mode != 0;
	if (i == 0) {
		pit->c0_generation++;
		if (!old_out && c->out_idle)
			pit->edges0++;
	}
}

static void pit_write_cmd(struct pit *pit, uint8_t v)
{
	unsigned sc = v >> PIT_CW_SC_SHIFT;
	uint64_t t = pit->now_tick;
	if (sc == PIT_SC_READBACK) {
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & (PIT_RB_CNT0 << i)))
				continue;
			if (!(v & PIT_RB_COUNT))
				ctr_latch_count(&pit->ch[i], t);
			if (!(v & PIT_RB_STATUS))
				ctr_latch_status(&pit->ch[i], t);
		}
	} else if (((v >> PIT_CW_RW_SHIFT) & 3) == PIT_RW_LATCH) {
		ctr_latch_count(&pit->ch[sc], t);
	} else {
		pit_write_control(pit, sc, v);
	}
}

bool pit_write_changes_counting(uint16_t port, uint8_t v)
{
	if (port != PIT_PORT_CONTROL)
		return true;
	unsigned sc = v >> PIT_CW_SC_SHIFT;
	return sc != PIT_SC_READBACK && ((v >> PIT_CW_RW_SHIFT) & 3) != PIT_RW_LATCH;
}

static uint8_t pit_io_byte(struct pit *pit, bool in, uint16_t port, uint8_t v)
{
	uint64_t t = pit->now_tick;
	if (port >= PIT_PORT_COUNTER0 && port < PIT_PORT_CONTROL) {
		struct pit_counter *c = &pit->ch[port - PIT_PORT_COUNTER0];
		if (in)
			return ctr_read(c, t);
		ctr_write(c, v, t);
	} else if (port == PIT_PORT_CONTROL) {
		if (!in)
			pit_write_cmd(pit, v); /* reads: no-operation (3-state) */
	} else if (port == PIT_PORT_B) {
		if (!in) {
			pit->portb = v & PORTB_WRITABLE;
			ctr_set_gate(&pit->ch[2], v & PORTB_GATE2, t);
			return 0xFF;
		}
		/* the refresh bit toggles every 15 us on a PC; per read is enough */
		pit->refresh = !pit->refresh;
		return (uint8_t)(pit->portb | (pit->refresh ? PORTB_REFRESH : 0) |
				 (ctr_out(&pit->ch[2], t) ? PORTB_OUT2 : 0));
	}
	return 0xFF;
}

void pit_io(struct pit *pit, bool in, uint16_t port, unsigned size, uint32_t *val)
{
	uint32_t out = 0;
	if (size != 1 && size != 2 && size != 4)
		size = 1;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = pit_io_byte(pit, in, (uint16_t)(port + i), (uint8_t)(*val >> (8 * i)));
		out |= (uint32_t)b << (8 * i);
	}
	if (in)
		*val = out;
}

void pit_init(struct pit *pit, uint64_t tsc_hz, uint64_t now,
	      void (*set_irq)(void *ctx, unsigned line, bool level), void *ctx)
{
	__builtin_memset(pit, 0, sizeof(*pit));
	pit->tsc_hz = tsc_hz ? tsc_hz : 1;
	pit->base_tsc = now;
	pit->set_irq = set_irq;
	pit->ctx = ctx;
	for (unsigned i = 0; i < 3; i++) {
		struct pit_counter *c = &pit->ch[i];
		/* unprogrammed: OUT high so the first mode 2/3 setup is no edge */
		c->rw = PIT_RW_LSB_MSB;
		c->cw = PIT_RW_LSB_MSB << PIT_CW_RW_SHIFT | 3 << PIT_CW_M_SHIFT;
		c->mode = 3;
		c->gate = i < 2; /* counters 0 and 1 have GATE tied high */
		c->out_idle = true;
		c->null_until = NEVER;
	}
}

/* floor(d * PIT_HZ / tsc_hz) from the absolute base, so no error accumulates
 * and no 128-bit product is needed. */
uint64_t pit_ticks(const struct pit *pit, uint64_t now)
{
	uint64_t d = now > pit->base_tsc ? now - pit->base_tsc : 0;
	uint64_t hz = pit->tsc_hz;
	return d / hz * PIT_HZ + d % hz * PIT_HZ / hz;
}

/* Smallest TSC time whose pit_ticks() reaches tick: base + ceil(tick*hz/PIT_HZ). */
uint64_t pit_tick_to_tsc(const struct pit *pit, uint64_t tick)
{
	uint64_t hz = pit->tsc_hz;
	uint64_t a = tick / PIT_HZ, b = tick % PIT_HZ;
	return pit->base_tsc + a * hz + (b * hz + PIT_HZ - 1) / PIT_HZ;
}

uint64_t pit_advance(struct pit *pit, uint64_t now)
{
	uint64_t t = pit_ticks(pit, now);
	if (t < pit->now_tick)
		t = pit->now_tick; /* time never runs backwards */
	pit->edges0 += ctr_rises(&pit->ch[0], pit->now_tick, t);
	ctr_apply_due(&pit->ch[1], t);
	ctr_apply_due(&pit->ch[2], t);
	pit->now_tick = t;
	uint64_t edges = pit->edges0;
	pit->edges0 = 0;
	if (edges && pit->set_irq) {
		pit->set_irq(pit->ctx, 0, true);
		pit->set_irq(pit->ctx, 0, false);
	}
	return edges;
}

uint64_t pit_next_deadline(const struct pit *pit, uint64_t now)
{
	uint64_t t = pit_ticks(pit, now);
	struct pit_counter c = pit->ch[0];
	if (t < pit->now_tick)
		t = pit->now_tick;
	ctr_apply_due(&c, t);
	uint64_t edge = ctr_next_rise(&c, t);
	return edge == NEVER ? NEVER : pit_tick_to_tsc(pit, edge);
}

bool pit_out(const struct pit *pit, unsigned counter)
{
	return counter < 3 && ctr_out(&pit->ch[counter], pit->now_tick);
}

uint32_t pit_period(const struct pit *pit, unsigned counter)
{
	if (counter >= 3 || !pit->ch[counter].counting || !ctr_periodic(&pit->ch[counter]))
		return 0;
	return pit->ch[counter].n;
}
