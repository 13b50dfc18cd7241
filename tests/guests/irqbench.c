/*
 * irqbench: the host's instructions around a timer interrupt (make bench),
 * alone on the CPU, PIT at 1 kHz. Bochs's TSC counts instructions, so every
 * figure is exact up to the few guest instructions named below. The handler
 * sends its EOI after its time stamp, so the EOI's exit is in no figure:
 * they are what a guest in auto-EOI mode, which sends none, would cost.
 *
 *  1. Calibration: INT 0x20 right after the spin loop's store of the TSC
 *     gives cal, the guest instructions from that RDTSC to the handler's
 *     (INT included).
 *  2. Delivery to a running guest: the loop stores the TSC in spin_last
 *     over and over with IF=1; each tick's handler notes spin_last beside
 *     its own TSC. The smallest gap is a tick that came right after the
 *     store: host = gap - (cal - 1), the INT not being there. That tick's
 *     exit came cal - 1 - TICK_PROLOGUE instructions after its spin_last:
 *     the anchor of the PIT's edges in TSC time (Kestrel arms the
 *     preemption timer for the edge's TSC).
 *  3. HLT until the next tick: `sti; hlt` in a loop; each handler's TSC
 *     less the edge's (the anchor plus whole PIT periods) is what the host
 *     spent from the edge to the handler.
 *  4. Auto-EOI: the PIC in AEOI mode and the spin loop again, for the
 *     intervals between ticks, which are one period when each tick comes
 *     at its edge (with no EOI exit to bring the PIT up to date).
 * Prints "bench: irq_deliver ..." and "bench: hlt_wake ..." lines with
 * min=, median=, max= and n= in host instructions (scripts/bench.py).
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"

#define DIVISOR 1193 /* 1 kHz: 49,992 TSC ticks at 50 MHz */
#define CAL_SAMPLES 16
#define SPIN_TICKS 200
#define HLT_TICKS 200
#define AEOI_TICKS 40
#define TICKS_MAX (SPIN_TICKS + HLT_TICKS)
#include "tests/guests/tickstamp.h"

/* Four instructions, the TSC into spin_last: the spin loop's body, and the
 * calibration's before its INT. */
#define STORE_TSC "rdtsc; shl $32, %%rdx; or %%rdx, %%rax; mov %%rax, spin_last(%%rip)"

static void calibrate(void)
{
	for (unsigned i = 0; i < CAL_SAMPLES; i++)
		__asm__ volatile(STORE_TSC "; int $0x20" ::: "rax", "rdx", "memory");
}

/* Spins with IF=1 until tick_count reaches n. */
static void spin_until(uint64_t n)
{
	__asm__ volatile("sti\n"
			 "1: " STORE_TSC "\n"
			 "cmp %0, tick_count(%%rip)\n"
			 "jb 1b\n"
			 "cli" ::"r"(n)
			 : "rax", "rdx", "memory", "cc");
}

static void halt_until(uint64_t n)
{
	while (tick_count < n)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static void report(const char *key, int64_t *v, unsigned n)
{
	if (!n) {
		printf("bench: %s none\n", key);
		return;
	}
	tick_sort(v, n);
	printf("bench: %s min=%ld median=%ld max=%ld n=%u\n", key, v[0], v[n / 2], v[n - 1], n);
}

int main(void)
{
	static int64_t gap[SPIN_TICKS], wake[HLT_TICKS], interval[AEOI_TICKS];
	com1_init();
	uint64_t hz = (uint64_t)hc_tsc_hz();
	tick_start(DIVISOR, 0);
	calibrate();
	uint64_t cal = ~0ull;
	for (unsigned i = 0; i < CAL_SAMPLES; i++)
		if (tick_at[i] - tick_last[i] < cal)
			cal = tick_at[i] - tick_last[i];
	tick_count = 0; /* the calibration's INTs are no ticks */

	spin_until(SPIN_TICKS);
	halt_until(TICKS_MAX);
	tick_stop();

	/* Tick 0 may have come before the loop's first store: left out. */
	unsigned anchor = 1, ng = 0;
	for (unsigned i = 1; i < SPIN_TICKS; i++) {
		gap[ng++] = (int64_t)(tick_at[i] - tick_last[i]) - (int64_t)(cal - 1);
		if (tick_at[i] - tick_last[i] < tick_at[anchor] - tick_last[anchor])
			anchor = i;
	}
	uint64_t edge0 = tick_last[anchor] + cal - 1 - TICK_PROLOGUE;
	unsigned nw = 0, odd = 0;
	for (unsigned i = SPIN_TICKS; i < TICKS_MAX; i++) {
		uint64_t edge = edge0 + tick_period_tsc(i - anchor, DIVISOR, hz);
		int64_t w = (int64_t)(tick_at[i] - TICK_PROLOGUE - edge);
		/* Outside [0, a period): the tick was not the edge counted (lost). */
		if (w < 0 || w >= (int64_t)tick_period_tsc(1, DIVISOR, hz))
			odd++;
		else
			wake[nw++] = w;
	}

	tick_pic_init(1);
	tick_count = 0;
	pic_unmask(0);
	spin_until(AEOI_TICKS);
	tick_stop();
	unsigned ni = 0;
	for (unsigned i = 2; i < AEOI_TICKS; i++) /* the first follows the PIC's set-up */
		interval[ni++] = (int64_t)(tick_at[i] - tick_at[i - 1]);

	printf("bench: irq_cal %lu guest instructions from the loop's RDTSC to the handler's (INT included)\n", cal);
	report("irq_deliver", gap, ng);
	report("hlt_wake", wake, nw);
	if (odd)
		printf("bench: hlt_wake_lost %u ticks not where a period puts them\n", odd);
	printf("bench: aeoi_period %lu\n", tick_period_tsc(1, DIVISOR, hz));
	report("aeoi_interval", interval, ni);
	hc_shutdown(0);
}
