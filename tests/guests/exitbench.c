/*
 * exitbench: the host's cost of one VM exit and re-entry, in instructions.
 * Bochs's TSC counts retired instructions and VM exit/entry adds none, so
 * the TSC delta of a batch of VMCALLs, less that of an identical batch with a
 * NOP in its place, is exactly what Kestrel executed for them. The minimum
 * over many batches leaves out batches that a timer exit landed in.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"

#define BATCH 64
#define BATCHES 200

/* The fewest TSC ticks one batch of `body` took, over BATCHES batches. */
#define DEFINE_MIN_BATCH(name, body)                                                                                   \
	static uint64_t name(void)                                                                                     \
	{                                                                                                              \
		uint64_t best = ~0ull;                                                                                 \
		for (unsigned b = 0; b < BATCHES; b++) {                                                               \
			uint64_t t0 = rdtsc();                                                                         \
			for (unsigned i = 0; i < BATCH; i++)                                                           \
				__asm__ volatile(body ::: "memory", "eax", "ebx", "ecx", "edx");                       \
			uint64_t t = rdtsc() - t0;                                                                     \
			best = t < best ? t : best;                                                                    \
		}                                                                                                      \
		return best;                                                                                           \
	}

DEFINE_MIN_BATCH(min_batch_nop, "xor %%eax, %%eax; xor %%ebx, %%ebx; nop")
DEFINE_MIN_BATCH(min_batch_vmcall, "xor %%eax, %%eax; xor %%ebx, %%ebx; vmcall") /* HC_VERSION */
DEFINE_MIN_BATCH(min_batch_cpuid, "xor %%eax, %%eax; xor %%ecx, %%ecx; cpuid")
DEFINE_MIN_BATCH(min_batch_io, "xor %%eax, %%eax; xor %%ebx, %%ebx; outb %%al, $0x84") /* empty bus (0x80 runs natively) */
DEFINE_MIN_BATCH(min_batch_pic_in, "xor %%eax, %%eax; xor %%ebx, %%ebx; inb $0x21, %%al") /* the IMR */
DEFINE_MIN_BATCH(min_batch_pic_eoi, "movl $0x20, %%eax; xor %%ebx, %%ebx; outb %%al, $0x20") /* EOI, none in service */

static void report(const char *what, uint64_t batch, uint64_t base)
{
	printf("bench: %s: %u host instructions per exit\n", what, (unsigned)((batch - base) / BATCH));
}

/* A port nothing decodes reads as all ones, whatever its width. */
static int check_empty_bus(void)
{
	uint8_t b = inb(0x1234);
	uint32_t l = inl(0x1234);
	if (b != 0xFF || l != 0xFFFFFFFFu) {
		printf("empty bus FAIL: inb %x inl %x\n", b, l);
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
	uint64_t base = min_batch_nop();
	report("VMCALL round trip (HC_VERSION)", min_batch_vmcall(), base);
	report("CPUID leaf 0", min_batch_cpuid(), base);
	report("OUT to an empty port (0x84)", min_batch_io(), base);
	report("IN from the PIC's IMR (0x21)", min_batch_pic_in(), base);
	report("OUT of an EOI to the PIC (0x20)", min_batch_pic_eoi(), base);
	hc_shutdown(0);
}
