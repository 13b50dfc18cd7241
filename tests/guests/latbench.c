/*
 * latbench: how late a halted guest's timer interrupts are while others
 * spin (make bench). PIT counter 0 at 100 Hz, HLT between ticks, an EOI
 * from the handler after its time stamp. The edges' TSC times come from one
 * reading of the counter right after a tick: the latch command's exit
 * happened between two RDTSCs, and the count says how many PIT clocks
 * remained to the next edge; later edges are whole periods after it. Each
 * tick's lateness is its handler's TSC less its edge's. Prints
 *   bench: latency min=A median=B max=C n=N lost=L hz=H bracket=W
 * in TSC ticks; W is the width of the latch's bracket (the edges' error is
 * within half of it, plus one PIT clock); a lost tick is one that came half
 * a period or more before its edge, i.e. an edge that raised no interrupt.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"

#define DIVISOR 11932 /* 100 Hz */
#define TICKS 300     /* 3 s */
#define WARMUP 3
#define ANCHOR_TRIES 64
#define TICKS_MAX (WARMUP + ANCHOR_TRIES + TICKS)
#include "tests/guests/tickstamp.h"

#define BRACKET_MAX 5000 /* TSC ticks: wider, the latch's exit was preempted */

static void halt_until(uint64_t n)
{
	while (tick_count < n)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* Right after a tick: the TSC of the next edge, or 0 when this try cannot
 * tell it (the latch's exit took too long, or another edge came between
 * the tick and the latch). */
static uint64_t next_edge(uint64_t hz, uint64_t *bracket)
{
	uint64_t tick = tick_count - 1;
	uint64_t t1 = rdtsc();
	outb(PIT_CMD, PIT_SC(0) | PIT_LATCH);
	uint64_t t2 = rdtsc();
	uint8_t lo = inb(PIT_CH(0));
	uint16_t count = (uint16_t)(lo | inb(PIT_CH(0)) << 8);
	*bracket = t2 - t1;
	if (*bracket > BRACKET_MAX)
		return 0;
	uint64_t edge = t1 + *bracket / 2 + (uint64_t)count * hz / PIT_HZ;
	/* The edge before it is the tick just taken, which came after it. */
	if (tick_at[tick] - TICK_PROLOGUE + *bracket < edge - tick_period_tsc(1, DIVISOR, hz))
		return 0;
	return edge;
}

int main(void)
{
	static int64_t late[TICKS];
	com1_init();
	uint64_t hz = (uint64_t)hc_tsc_hz();
	tick_start(DIVISOR, 0);
	halt_until(WARMUP);
	uint64_t edge0 = 0, bracket = 0, first = 0;
	for (unsigned i = 0; i < ANCHOR_TRIES && !edge0; i++) {
		halt_until(tick_count + 1);
		first = tick_count;
		edge0 = next_edge(hz, &bracket);
	}
	if (!edge0) {
		printf("bench: latency none: no tick of %u gave the edges' times\n", ANCHOR_TRIES);
		hc_shutdown(1);
	}
	halt_until(first + TICKS);
	tick_stop();
	unsigned n = 0, lost = 0;
	int64_t half = (int64_t)tick_period_tsc(1, DIVISOR, hz) / 2;
	for (uint64_t k = first; k < first + TICKS; k++) {
		uint64_t edge = edge0 + tick_period_tsc(k - first, DIVISOR, hz);
		int64_t l = (int64_t)(tick_at[k] - TICK_PROLOGUE - edge);
		if (l < -half)
			lost++;
		else
			late[n++] = l;
	}
	tick_sort(late, n);
	printf("bench: latency min=%ld median=%ld max=%ld n=%u lost=%u hz=%lu bracket=%lu\n", n ? late[0] : 0,
	       n ? late[n / 2] : 0, n ? late[n - 1] : 0, n, lost, hz, bracket);
	hc_shutdown(0);
}
