/*
 * prompt: a shell prompt without newline. Waits 300 ms, prints "login: ",
 * reads the TSC, prints nothing for 1 s, then "prompt done at MS" (MS: when
 * the prompt's last byte was written, on the stamp guest's clock) as a line
 * of its own, and exits with 0. The host must show the prompt on its own
 * within 250 ms of silence, long before the second line.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"

static void wait_until(uint64_t tsc)
{
	while (rdtsc() < tsc)
		__asm__ volatile("pause");
}

int main(void)
{
	com1_init();
	uint64_t per_ms = (uint64_t)hc_tsc_hz() / 1000;
	wait_until(rdtsc() + 300 * per_ms);
	console_puts("login: ");
	uint64_t t = rdtsc();
	wait_until(t + 1000 * per_ms);
	printf("prompt done at %lu\n", (unsigned long)(t / per_ms));
	guest_exit(0);
}
