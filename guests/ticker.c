/*
 * ticker: timer interrupts end to end. Programs the 8259A (master at 0x20,
 * everything but IRQ0 masked) and PIT counter 0 as a rate generator at
 * TICK_HZ, counts IRQ0 in an interrupt handler and prints "uptime N s" every
 * TICK_HZ ticks while halting in between. Runs forever, unless built with
 * TICK_STOP_SECONDS (tests/guests/tick1k.c): then it stops once the TSC has
 * advanced that many seconds (HC_TSC_HZ) and reports ticks against the TSC.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/idt.h"
#include "guests/lib/io.h"
#include "guests/lib/pic.h"
#include "guests/lib/pit.h"

#ifndef TICK_HZ
#define TICK_HZ 100
#endif
#define TICK_DIVISOR ((PIT_HZ + TICK_HZ / 2) / TICK_HZ) /* 11932 at 100 Hz, 1193 at 1 kHz */

static volatile unsigned long ticks;

static void on_irq0(struct trap_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(0);
}

int main(void)
{
	com1_init();
	printf("ticker: PIT counter 0 at %u Hz (divisor %u)\n", TICK_HZ, TICK_DIVISOR);
#ifdef TICK_STOP_SECONDS
	long tsc_hz = hc_tsc_hz();
	if (tsc_hz <= 0) {
		printf("HC_TSC_HZ failed: %ld\n", tsc_hz);
		hc_shutdown(1);
	}
#endif
	idt_init();
	idt_set_handler(VEC_IRQ0, on_irq0);
	pic_init(VEC_IRQ0, VEC_IRQ8);
	pic_unmask(0);
	pit_start_periodic(TICK_DIVISOR);
#ifdef TICK_STOP_SECONDS
	uint64_t tsc_end = rdtsc() + (uint64_t)TICK_STOP_SECONDS * (uint64_t)tsc_hz;
#endif

	unsigned long next = TICK_HZ;
	for (;;) {
		cli(); /* check-then-halt must not race with IRQ0 (see sti_hlt) */
		if (ticks >= next) {
			sti();
			printf("uptime %lu s\n", next / TICK_HZ);
			next += TICK_HZ;
			continue;
		}
#ifdef TICK_STOP_SECONDS
		if (rdtsc() >= tsc_end)
			break;
#endif
		sti_hlt();
	}
#ifdef TICK_STOP_SECONDS
	printf("ticks=%lu tsc_hz=%lu\n", ticks, (unsigned long)tsc_hz);
	hc_shutdown(0);
#endif
}
