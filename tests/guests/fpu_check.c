/*
 * fpu_check: SSE state survives VCPU switches. Two instances run together;
 * each keeps its own pattern (from its start TSC) in XMM0 and yields, so the
 * other instance writes its own pattern into the physical XMM0 meanwhile.
 * Kestrel must save and restore each guest's FPU/SSE state.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"

#define CR4_OSFXSR (1u << 9)
#define ROUNDS 100

static void xmm0_set(uint64_t v) { __asm__ volatile("movq %0, %%xmm0" ::"m"(v)); /* the compiler uses no XMM here */ }

static uint64_t xmm0_get(void)
{
	uint64_t v;
	__asm__ volatile("movq %%xmm0, %0" : "=m"(v));
	return v;
}

int main(void)
{
	com1_init();
	unsigned long cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_OSFXSR));
	uint64_t mine = rdtsc() | 1;
	xmm0_set(mine);
	for (unsigned i = 0; i < ROUNDS; i++) {
		hc_yield();
		uint64_t got = xmm0_get();
		if (got != mine) {
			printf("fpu CLOBBERED in round %u: xmm0 %lx%08lx, expected %lx%08lx\n", i,
			       (unsigned long)(got >> 32), (unsigned long)(uint32_t)got, (unsigned long)(mine >> 32),
			       (unsigned long)(uint32_t)mine);
			return 1;
		}
	}
	printf("fpu ok after %u switches\n", ROUNDS);
	return 0;
}
