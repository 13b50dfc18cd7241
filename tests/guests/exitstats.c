/*
 * exitstats: Kestrel's exit-statistics CPUID leaves as a guest reads them
 * (docs/hypercalls.md, "Exit statistics"); tests/system/test_exit_stats.py
 * checks what it prints. Nothing runs between two reads that are compared
 * but the CPUIDs themselves and what the comparison is about: interrupts
 * are off (the guest starts with IF = 0) and nothing is printed in between.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/io.h"

#define REASON_EXCEPTION_OR_NMI 0
#define REASON_EXTERNAL_INTERRUPT 1
#define REASON_CPUID 10
#define REASON_IO_INSTRUCTION 30
#define REASON_PREEMPTION_TIMER 52
#define PORT_EMPTY 0x84 /* nothing decodes it: every OUT is one exit (0x80 would run natively) */
#define OUTS 100

static uint32_t stats(uint32_t leaf, uint32_t reason, uint32_t r[4])
{
	cpuid(leaf, reason, r);
	return r[0];
}

static uint32_t count(uint32_t reason)
{
	uint32_t r[4];
	return stats(KESTREL_CPUID_STATS_REASON_COUNT, reason, r);
}

static uint32_t total(void)
{
	uint32_t r[4];
	return stats(KESTREL_CPUID_STATS_TOTAL_COUNT, 0, r);
}

static uint64_t ticks(uint32_t leaf, uint32_t reason)
{
	uint32_t r[4];
	stats(leaf, reason, r);
	return ((uint64_t)r[1] << 32) | r[2];
}

/* The exits a guest does not cause itself: host interrupts, NMIs, the end
 * of its time slice. */
static uint32_t async_exits(void)
{
	return count(REASON_EXTERNAL_INTERRUPT) + count(REASON_EXCEPTION_OR_NMI) + count(REASON_PREEMPTION_TIMER);
}

/* Two reads of the total with no exit between them but the second read's
 * own; tried again when an asynchronous exit fell into the window. */
static void total_step(void)
{
	uint32_t a, b;
	unsigned tries = 0;
	for (;;) {
		tries++;
		uint32_t before = async_exits();
		a = total();
		b = total();
		if (async_exits() == before || tries == 100)
			break;
	}
	printf("exitstats: total-step %u\n", b - a);
	printf("exitstats: total-step tries %u\n", tries);
}

static void io_step(void)
{
	uint32_t before = count(REASON_IO_INSTRUCTION);
	for (unsigned i = 0; i < OUTS; i++)
		outb(PORT_EMPTY, 0);
	uint32_t after = count(REASON_IO_INSTRUCTION);
	printf("exitstats: io-step %u for %u OUTs\n", after - before, OUTS);
}

static void times(void)
{
	uint64_t t0 = ticks(KESTREL_CPUID_STATS_REASON_TIME, REASON_CPUID);
	uint64_t t1 = ticks(KESTREL_CPUID_STATS_REASON_TIME, REASON_CPUID);
	uint64_t io = ticks(KESTREL_CPUID_STATS_REASON_TIME, REASON_IO_INSTRUCTION);
	uint64_t all = ticks(KESTREL_CPUID_STATS_TOTAL_TIME, 0);
	printf("exitstats: cpuid-time %llu %llu\n", (unsigned long long)t0, (unsigned long long)t1);
	printf("exitstats: io-time %llu\n", (unsigned long long)io);
	printf("exitstats: total-time %llu\n", (unsigned long long)all);
}

static void show(uint32_t leaf, uint32_t reason)
{
	uint32_t r[4];
	stats(leaf, reason, r);
	printf("exitstats: leaf %x reason %u: %x %x %x %x\n", leaf, reason, r[0], r[1], r[2], r[3]);
}

int main(void)
{
	uint32_t first = count(REASON_CPUID); /* the guest's first CPUID: it counts itself */
	uint32_t c0 = count(REASON_CPUID);
	uint32_t c1 = count(REASON_CPUID);
	com1_init();
	printf("exitstats: first-cpuid-count %u\n", first);
	printf("exitstats: cpuid-step %u\n", c1 - c0);
	total_step();
	io_step();
	times();
	const uint32_t reasons[] = {35, 38, 42, 70, 0xFFFFFFFF, 44, 4, 16, 63};
	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		show(KESTREL_CPUID_STATS_REASON_COUNT, reasons[i]);
		show(KESTREL_CPUID_STATS_REASON_TIME, reasons[i]);
	}
	uint32_t last = count(REASON_CPUID); /* no CPUID after this one */
	printf("exitstats: last-cpuid-count %u\n", last);
	return 0;
}
