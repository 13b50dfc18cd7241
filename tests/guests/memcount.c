/*
 * memcount: a counter in guest RAM, for the snapshot, rewind and clone tests
 * of tests/system/test_memory.py (run with mem=4M). Every 50 ms of TSC time
 * (2,500,000 ticks at Bochs's 50 MHz) it adds one to the 64-bit counter at
 * GPA 0x300000 (alone in its page), stores the new value C in the first 8
 * bytes of page C % 256 of the region 0x200000-0x2FFFFF, then prints
 * "count C" in one hypercall. Runs forever. Its code, data and 16 KiB stack
 * lie below 0x110000, so after a clone each count makes at most one more
 * region page private, and a rewind brings back the counter and the pages.
 */
#include <stdint.h>

#include "guests/lib/io.h"
#include "tests/guests/hcline.h"

#define MEMCOUNT_COUNTER_GPA 0x300000u
#define MEMCOUNT_REGION_GPA  0x200000u
#define MEMCOUNT_PAGES       256u
#define MEMCOUNT_TICKS       2500000u /* 50 ms at 50 MHz */

int main(void)
{
	volatile uint64_t *counter = phys_ptr(MEMCOUNT_COUNTER_GPA);
	volatile uint64_t *region = phys_ptr(MEMCOUNT_REGION_GPA);
	char line[HCLINE_MAX];
	uint64_t last = rdtsc();
	for (;;) {
		while (rdtsc() - last < MEMCOUNT_TICKS)
			__asm__ volatile("pause");
		last = rdtsc(); /* from now: after a rewind the next line comes at once */
		uint64_t c = *counter + 1;
		*counter = c;
		region[(c % MEMCOUNT_PAGES) * (4096 / sizeof(uint64_t))] = c;
		hcline_write(line, hcline_format(line, "count ", c, ""));
	}
}
