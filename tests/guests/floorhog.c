/*
 * floorhog: a guest that tries to keep the CPU through the floor handler
 * (HC_BENCH_FLOOR, docs/hypercalls.md). Under it the VMX-preemption timer
 * restarts from its VMCS value at every entry, so a guest that exits all the
 * time would never reach the end of its slice; Kestrel gives the floor a
 * budget of exits. This one turns the floor on again and again and executes
 * CPUID without end: beside it a counting guest must still get half of the
 * CPU (tests/system/test_robustness.py).
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"

int main(void)
{
	com1_init();
	printf("floorhog: start\n");
	for (;;) {
		hypercall(HC_BENCH_FLOOR, 1, 0, 0);
		for (unsigned i = 0; i < 100000; i++)
			__asm__ volatile("xor %%eax, %%eax; xor %%ecx, %%ecx; cpuid" ::: "eax", "ebx", "ecx", "edx");
	}
}
