/* libFuzzer harness for the 8254: port accesses (40h-43h, 61h) and time
 * advances; counts stay in the counter's range, deadlines are exact. */
#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/pit.c"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static const uint16_t ports[5] = { 0x40, 0x41, 0x42, 0x43, 0x61 };

static void check_counter(const struct pit_counter *c, uint64_t t)
{
	uint32_t m = ctr_modulus(c);
	CHECK(c->mode <= 5);
	CHECK(c->latch_bytes <= 2);
	if (c->armed)
		CHECK(c->cr_n >= 1 && c->cr_n <= m);
	if (c->counting)
		CHECK(c->n >= 1 && c->n <= m);
	uint32_t v = ctr_value(c, t);
	CHECK(v < m);
	uint16_t r = ctr_encode(c, v);
	if (c->bcd) {
		for (unsigned s = 0; s < 16; s += 4)
			CHECK(((r >> s) & 0xF) <= 9);
		if (c->latch_bytes)
			for (unsigned s = 0; s < 16; s += 4)
				CHECK(((c->latch >> s) & 0xF) <= 9);
	}
	if (c->paused)
		CHECK(c->paused_at >= c->start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pit p;
	if (size < 2)
		return 0;
	static const uint64_t hz[4] = { 1193182ull * 3, 2893428117ull, 1000000007ull, 4800000000ull };
	uint64_t now = 1000;
	pit_init(&p, hz[data[0] & 3], now, NULL, NULL);
	for (size_t i = 1; i + 2 < size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint32_t v = b;
		if (op % 3 == 0) {
			pit_io(&p, false, ports[a % 5], 1, &v);
		} else if (op % 3 == 1) {
			pit_io(&p, true, ports[a % 5], 1, &v);
			CHECK(v <= 0xFF);
		} else {
			/* advance; with no port access in between, the deadline is
			 * exactly where the next OUT0 edge shows up */
			uint64_t d = pit_next_deadline(&p, now);
			CHECK(d > now);
			uint64_t step = ((uint64_t)a << 8 | b) << (op >> 4);
			if (d != UINT64_MAX && (op & 8)) {
				/* edges0: a control word edge that already happened */
				uint64_t pending = p.edges0;
				CHECK(pit_advance(&p, d - 1) == pending);
				CHECK(pit_advance(&p, d) >= 1);
				now = d;
			} else {
				now += step;
				(void)pit_advance(&p, now);
			}
		}
		for (unsigned c = 0; c < 3; c++)
			check_counter(&p.ch[c], p.now_tick);
	}
	return 0;
}
