/*
 * pm32: a 32-bit protected-mode C guest. Shows its CPU state and the
 * hypervisor's CPUID signature, sieves primes in four growing rounds (checked
 * against known counts), and ends with HC_SHUTDOWN: 0 if all counts match.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"
#include "guests/lib/string.h"

#define LIMIT  1000000u
#define ROUNDS 4

static uint8_t composite[LIMIT / 8]; /* one bit per number */

static unsigned count_primes_below(unsigned n)
{
	memset(composite, 0, sizeof(composite));
	unsigned count = 0;
	for (unsigned i = 2; i < n; i++) {
		if (composite[i / 8] & (1u << (i % 8)))
			continue;
		count++;
		for (unsigned j = i * i; i < 65536 && j < n; j += i) /* i*i fits 32 bits */
			composite[j / 8] |= (uint8_t)(1u << (j % 8));
	}
	return count;
}

static void show_hypervisor(void)
{
	uint32_t r[4];
	char sig[13];
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31))) {
		printf("cpuid: no hypervisor bit\n");
		return;
	}
	cpuid(KESTREL_CPUID_BASE, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	printf("cpuid: hypervisor \"%s\"%s, max leaf 0x%x\n", sig,
	       memcmp(sig, KESTREL_CPUID_SIGNATURE, 12) ? " (not Kestrel)" : "", r[0]);
}

int main(void)
{
	/* Known prime counts pi(n) for n = 250000, 500000, 750000, 1000000. */
	static const unsigned expected[ROUNDS] = {22044, 41538, 60238, 78498};
	unsigned bad = 0;

	com1_init();
	printf("pm32: hello from 32-bit protected mode\n");
	unsigned long cr0 = read_cr0();
	printf("cr0=0x%lx PE=%lu PG=%lu\n", cr0, cr0 & 1, (cr0 >> 31) & 1);
	show_hypervisor();
	for (unsigned round = 1; round <= ROUNDS; round++) {
		unsigned n = LIMIT / ROUNDS * round;
		unsigned got = count_primes_below(n);
		int ok = got == expected[round - 1];
		bad += !ok;
		printf("round %u/%u: %u primes below %u %s\n", round, ROUNDS, got, n, ok ? "ok" : "WRONG");
	}
	printf("pm32: done, shutting down with code %u\n", bad ? 1u : 0u);
	hc_shutdown(bad ? 1 : 0);
}
