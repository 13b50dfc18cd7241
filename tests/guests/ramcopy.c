/*
 * ramcopy: what a snapshot that copied RAM would cost, for make bench
 * (scripts/bench.py, "memory"): copies 8 MiB, the RAM of the guest the
 * snapshot is measured on, with REP MOVSQ from GPA 0 to GPA 0x800000 of its
 * own 16 MiB, twice, and prints the TSC ticks of the second copy (under
 * Bochs, instructions) as "bench: copy N". Then exits.
 */
#include <stdint.h>

#include "guests/lib/hcall.h"
#include "guests/lib/io.h"
#include "tests/guests/hcline.h"

#define RAMCOPY_BYTES 0x800000u

static uint64_t copy_once(void)
{
	void *dst = phys_ptr(RAMCOPY_BYTES), *src = phys_ptr(0);
	uint64_t n = RAMCOPY_BYTES / 8, t = rdtsc();
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return rdtsc() - t;
}

int main(void)
{
	char line[HCLINE_MAX];
	copy_once(); /* the first touches every page: its EPT and TLB misses are not the copy's */
	uint64_t ticks = copy_once();
	hcline_write(line, hcline_format(line, "bench: copy ", ticks, ""));
	hc_shutdown(0);
}
