/*
 * lm64: a 64-bit long-mode C guest. Proves it runs in long mode (EFER.LMA via
 * RDMSR, CR0.PG, CR4.PAE), then does 64-bit work: the longest Collatz chain
 * below 100000, whose values overflow 32 bits. Exits via port 0xF4 with
 * 0 when everything matched, 1 otherwise.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/io.h"

#define MSR_EFER 0xC0000080u
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define CR0_PG   (1ul << 31)
#define CR4_PAE  (1ul << 5)
#define LIMIT    100000u
#define ROUNDS   4

static unsigned collatz_length(uint64_t n)
{
	unsigned len = 1;
	for (; n != 1; len++)
		n = (n & 1) ? 3 * n + 1 : n / 2;
	return len;
}

int main(void)
{
	com1_init();
	printf("lm64: hello from 64-bit long mode\n");

	uint64_t efer = rdmsr(MSR_EFER); /* EFER is one MSR Kestrel lets guests read */
	unsigned long cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	int long_mode = (efer & EFER_LMA) && (efer & EFER_LME) && (cr0 & CR0_PG) && (cr4 & CR4_PAE);
	printf("efer=0x%lx LME=%d LMA=%d\n", efer, !!(efer & EFER_LME), !!(efer & EFER_LMA));
	printf("cr0=0x%lx cr3=0x%lx cr4=0x%lx PAE=%d\n", cr0, cr3, cr4, !!(cr4 & CR4_PAE));
	printf("long mode: %s\n", long_mode ? "yes" : "NO");

	uint64_t best = 1;
	unsigned best_len = 1;
	for (unsigned round = 1; round <= ROUNDS; round++) {
		uint64_t end = (uint64_t)LIMIT / ROUNDS * round;
		for (uint64_t n = end - LIMIT / ROUNDS; n < end; n++) {
			unsigned len = n ? collatz_length(n) : 0;
			if (len > best_len)
				best = n, best_len = len;
		}
		printf("round %u/%u: below %lu the longest Collatz chain starts at %lu (%u terms)\n", round, ROUNDS,
		       end, best, best_len);
	}
	int ok = long_mode && best == 77031 && best_len == 351;
	printf("lm64: %s, exiting with code %d\n", ok ? "all checks ok" : "CHECK FAILED", ok ? 0 : 1);
	return ok ? 0 : 1;
}
