/*
 * watchme: one watched variable among close neighbours, for the access-watch
 * test of tests/system/test_memory.py (run with mem=4M). Page 0x300000 holds
 * V, 4 bytes at GPA 0x300010, between the 4-byte neighbours at 0x30000C and
 * 0x300014 and the byte at 0x300018; nothing else lives in that page. Every
 * 100 ms of TSC time (5,000,000 ticks at Bochs's 50 MHz): k += 1; V = k with
 * exactly one 32-bit store (the instruction from watchme_store to
 * watchme_store_end, symbols the test looks up); three stores to each
 * neighbour, which are read back too, but V is never read; then "V=k" in
 * one hypercall. Runs forever. A write watch on V sees each k once.
 */
#include <stdint.h>

#include "guests/lib/io.h"
#include "tests/guests/hcline.h"

#define WATCHME_V_GPA 0x300010u
#define WATCHME_TICKS 5000000u /* 100 ms at 50 MHz */

int main(void)
{
	volatile uint32_t *below = phys_ptr(WATCHME_V_GPA - 4);
	volatile uint32_t *above = phys_ptr(WATCHME_V_GPA + 4);
	volatile uint8_t *byte = phys_ptr(WATCHME_V_GPA + 8);
	uintptr_t v = (uintptr_t)phys_ptr(WATCHME_V_GPA);
	volatile uint32_t seen = 0; /* on the stack, not in the watched page */
	char line[HCLINE_MAX];
	uint32_t k = 0;
	uint64_t last = rdtsc();
	for (;;) {
		while (rdtsc() - last < WATCHME_TICKS)
			__asm__ volatile("pause");
		last = rdtsc();
		k++;
		__asm__ volatile(".globl watchme_store\n"
				 "watchme_store:\n\t"
				 "movl %0, (%1)\n"
				 ".globl watchme_store_end\n"
				 "watchme_store_end:"
				 :
				 : "r"(k), "r"(v)
				 : "memory");
		for (uint32_t i = 0; i < 3; i++) {
			*below = k + i;
			*above = ~k - i;
			*byte = (uint8_t)(k + i);
		}
		seen = *below + *above + *byte;
		hcline_write(line, hcline_format(line, "V=", k, ""));
	}
	(void)seen;
}
