/*
 * switchbench: one side of the VCPU switch measurement (make bench). Two
 * instances spin on RDTSC for RUN_MS of TSC time, with nothing else on the
 * CPU; each notes the gaps in its TSC longer than GAP_MIN_US, the times the
 * other one ran. Afterwards each prints its loop's length and its gaps:
 *   bench: switch_loop L
 *   bench: gap FROM TO       (its last TSC before the gap, its first after)
 * scripts/bench.py pairs them: a switch from A to B is B's TO inside A's
 * gap, and the host's part of it is B's TO - A's FROM - L (the loop's own
 * instructions, A's before its exit and B's after its entry, add up to one
 * loop length on average).
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"

#define RUN_MS 600
#define GAP_MIN_US 1000 /* shorter gaps are this VM's own exits (the host's 1 ms timer) */
#define GAPS 64

int main(void)
{
	static uint64_t from[GAPS], to[GAPS];
	com1_init();
	uint64_t hz = (uint64_t)hc_tsc_hz();
	uint64_t gap_min = hz / 1000000 * GAP_MIN_US;
	unsigned n = 0;
	uint64_t loop = ~0ull;
	uint64_t prev = rdtsc(), end = prev + hz / 1000 * RUN_MS;
	for (;;) {
		uint64_t t = rdtsc();
		uint64_t d = t - prev;
		if (d > gap_min) {
			if (n < GAPS) {
				from[n] = prev;
				to[n] = t;
				n++;
			}
		} else if (d < loop) {
			loop = d; /* an iteration no exit fell into */
		}
		prev = t;
		if (t >= end)
			break;
	}
	printf("bench: switch_loop %lu\n", loop);
	for (unsigned i = 0; i < n; i++)
		printf("bench: gap %lu %lu\n", from[i], to[i]);
	hc_shutdown(0);
}
