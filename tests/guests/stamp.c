/*
 * stamp: a clock on the console. Prints "t=MS" every STAMP_EVERY_MS of TSC
 * time (MS = TSC / (HC_TSC_HZ / 1000), the same clock as the prompt guest's)
 * for STAMP_FOR_MS, then exits with 0. The position of another guest's line
 * among these lines tells when the host printed it.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"

#define STAMP_EVERY_MS 10
#define STAMP_FOR_MS   2500

int main(void)
{
	com1_init();
	uint64_t per_ms = (uint64_t)hc_tsc_hz() / 1000;
	uint64_t next = rdtsc(), end = next + STAMP_FOR_MS * per_ms;
	while (next < end) {
		while (rdtsc() < next)
			__asm__ volatile("pause");
		printf("t=%lu\n", (unsigned long)(rdtsc() / per_ms));
		next += STAMP_EVERY_MS * per_ms; /* absolute deadlines: no drift */
	}
	guest_exit(0);
}
