/*
 * exitbench: the host's cost of one VM exit and re-entry, in instructions.
 * Bochs's TSC counts retired instructions and VM exit/entry adds none, so
 * the TSC delta of a batch of exiting instructions, less that of an
 * identical batch with a NOP in place of each, is exactly what Kestrel
 * executed for them. The minimum over many batches leaves out batches that
 * a timer exit landed in. Each figure is measured twice: through Kestrel's
 * exit path, and under the floor handler (HC_BENCH_FLOOR), which does the
 * least an exit of that kind needs; without one, the floor reads "absent".
 * Prints "bench: exit KEY COST" and "bench: floor KEY COST|absent" lines
 * (scripts/bench.py parses them), in host instructions per exit.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"
#include "guests/lib/uart.h"

#define BATCH 64
#define BATCHES 200

#define MSR_MISC_ENABLE 0x1A0 /* emulated: RD_MISC_ENABLE in vmm/exit/msr.c, closed in the MSR bitmap */
#define PORT_UNUSED 0x84       /* nothing decodes it (0x80 runs natively) */
/* The floor's unused-port batches use another empty port, so that the
 * count of 0x84 in the summary is the exit path's BATCH * BATCHES alone
 * (tests/system/test_vmx.py checks it). */
#define PORT_UNUSED_FLOOR 0x85

/* Three instructions, like every one-exit body below: the baseline. */
#define NOP3 "xor %%eax, %%eax; xor %%ebx, %%ebx; nop"
/* Four, like the PIT body's three exits and one setup instruction. */
#define NOP4 "xor %%eax, %%eax; nop; nop; nop"

enum mode { MODE_EXIT, MODE_FLOOR };

/* Whether the floor handler still takes this VM's exits: it answers
 * CPUID with zeros, Kestrel leaf 0 with the vendor string. */
static int floor_active(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	return r[1] == 0;
}

static long floor_set(unsigned long on)
{
	return hypercall(HC_BENCH_FLOOR, on, 0, 0);
}

/*
 * The fewest TSC ticks one batch of `body` took over BATCHES batches. Under
 * the floor each batch starts the floor afresh and counts only if the floor
 * was still on after it: any exit the floor does not handle (a timer) ends
 * it, and the rest of that batch would have taken Kestrel's own path.
 */
#define DEFINE_MIN_BATCH(name, body)                                                                                   \
	static uint64_t name(enum mode mode)                                                                           \
	{                                                                                                              \
		uint64_t best = ~0ull;                                                                                 \
		for (unsigned b = 0; b < BATCHES; b++) {                                                               \
			if (mode == MODE_FLOOR)                                                                        \
				floor_set(1);                                                                          \
			uint64_t t0 = rdtsc();                                                                         \
			for (unsigned i = 0; i < BATCH; i++)                                                           \
				__asm__ volatile(body ::: "memory", "eax", "ebx", "ecx", "edx");                       \
			uint64_t t = rdtsc() - t0;                                                                     \
			if (mode == MODE_FLOOR && !floor_active())                                                     \
				continue;                                                                              \
			if (mode == MODE_FLOOR)                                                                        \
				floor_set(0);                                                                          \
			best = t < best ? t : best;                                                                    \
		}                                                                                                      \
		return best;                                                                                           \
	}

#define S(x) #x
#define XS(x) S(x)

DEFINE_MIN_BATCH(batch_nop3, NOP3)
DEFINE_MIN_BATCH(batch_nop4, NOP4)
DEFINE_MIN_BATCH(batch_vmcall, "xor %%eax, %%eax; xor %%ebx, %%ebx; vmcall") /* HC_VERSION */
DEFINE_MIN_BATCH(batch_cpuid0, "xor %%eax, %%eax; xor %%ecx, %%ecx; cpuid")
DEFINE_MIN_BATCH(batch_cpuid1, "mov $1, %%eax; xor %%ecx, %%ecx; cpuid")
DEFINE_MIN_BATCH(batch_uart_out, "mov $0x41, %%al; mov $0x3F8, %%dx; outb %%al, %%dx") /* THR, in loopback */
DEFINE_MIN_BATCH(batch_uart_lsr, "mov $0x3FD, %%dx; xor %%ebx, %%ebx; inb %%dx, %%al")
/* Counter 0 latch command, then its LSB and MSB: three exits. */
DEFINE_MIN_BATCH(batch_pit, "xor %%eax, %%eax; outb %%al, $0x43; inb $0x40, %%al; inb $0x40, %%al")
DEFINE_MIN_BATCH(batch_unused, "xor %%eax, %%eax; xor %%ebx, %%ebx; inb $" XS(PORT_UNUSED) ", %%al")
DEFINE_MIN_BATCH(batch_unused_floor, "xor %%eax, %%eax; xor %%ebx, %%ebx; inb $" XS(PORT_UNUSED_FLOOR) ", %%al")
DEFINE_MIN_BATCH(batch_rdmsr, "mov $" XS(MSR_MISC_ENABLE) ", %%ecx; xor %%eax, %%eax; rdmsr")

struct bench {
	const char *key; /* scripts/bench.py's name for the figure */
	uint64_t (*batch)(enum mode);
	uint64_t (*floor_batch)(enum mode); /* 0: batch */
	uint64_t (*base)(enum mode);
	unsigned exits; /* per body */
	int loopback;      /* the THR bytes go to the receiver, not the console */
};

static const struct bench benches[] = {
	{"vmcall", batch_vmcall, 0, batch_nop3, 1, 0},
	{"cpuid0", batch_cpuid0, 0, batch_nop3, 1, 0},
	{"cpuid1", batch_cpuid1, 0, batch_nop3, 1, 0},
	{"uart_out", batch_uart_out, 0, batch_nop3, 1, 1},
	{"uart_lsr", batch_uart_lsr, 0, batch_nop3, 1, 0},
	{"pit_latch", batch_pit, 0, batch_nop4, 3, 0},
	{"unused_in", batch_unused, batch_unused_floor, batch_nop3, 1, 0},
	{"rdmsr", batch_rdmsr, 0, batch_nop3, 1, 0},
};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

/* Loopback (MCR bit 4): THR feeds the receiver, nothing reaches the line,
 * so the batch neither prints nor waits for the console to drain. Off again:
 * the FIFOs and the overrun the bytes caused are cleared. */
static void uart_loopback(int on)
{
	if (on) {
		outb(COM1_BASE + UART_MCR, MCR_LOOP | MCR_DTR | MCR_RTS);
		return;
	}
	outb(COM1_BASE + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	outb(COM1_BASE + UART_FCR, FCR_FIFO_ENABLE | FCR_RCVR_RESET | FCR_XMIT_RESET | FCR_TRIGGER_1);
	(void)inb(COM1_BASE + UART_LSR);
}

/* A batch takes far fewer than 2^32 ticks: 32-bit division (no libgcc here). */
static uint64_t per_exit(const struct bench *b, uint64_t batch, uint64_t base)
{
	return batch > base ? (uint32_t)(batch - base) / (BATCH * b->exits) : 0;
}

/* A port nothing decodes reads as all ones, whatever its width. */
static int check_empty_bus(void)
{
	uint8_t v = inb(0x1234);
	uint32_t l = inl(0x1234);
	if (v != 0xFF || l != 0xFFFFFFFFu) {
		printf("empty bus FAIL: inb %x inl %x\n", v, l);
		return 1;
	}
	printf("empty bus reads all ones\n");
	return 0;
}

int main(void)
{
	com1_init();
	if (check_empty_bus())
		hc_shutdown(1);
	/* HC_BENCH_FLOOR answers HC_ENOSYS where there is no floor handler. */
	int has_floor = floor_set(1) != HC_ENOSYS;
	if (has_floor)
		floor_set(0);
	uint64_t cost[NBENCH], floor[NBENCH];
	for (unsigned i = 0; i < NBENCH; i++) {
		const struct bench *b = &benches[i];
		if (b->loopback)
			uart_loopback(1);
		cost[i] = per_exit(b, b->batch(MODE_EXIT), b->base(MODE_EXIT));
		floor[i] = ~0ull;
		if (has_floor) {
			uint64_t t = (b->floor_batch ? b->floor_batch : b->batch)(MODE_FLOOR);
			if (t != ~0ull)
				floor[i] = per_exit(b, t, b->base(MODE_EXIT));
		}
		if (b->loopback)
			uart_loopback(0);
	}
	for (unsigned i = 0; i < NBENCH; i++) {
		printf("bench: exit %s %llu\n", benches[i].key, (unsigned long long)cost[i]);
		if (!has_floor)
			printf("bench: floor %s absent\n", benches[i].key);
		else if (floor[i] == ~0ull)
			printf("bench: floor %s interrupted\n", benches[i].key); /* no batch ran wholly under it */
		else
			printf("bench: floor %s %llu\n", benches[i].key, (unsigned long long)floor[i]);
	}
	hc_shutdown(0);
}
