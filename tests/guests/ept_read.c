/*
 * ept_read: run with ept_write. Yields first so the writer has run, then
 * reads its own GPA 0x200000: any word of the writer's pattern there means
 * guests share memory ("LEAK", exit 1); otherwise "isolated", exit 0. Its
 * RAM should also start zeroed; nonzero words are reported on their own.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"
#include "tests/guests/ept_pattern.h"

int main(void)
{
	for (int i = 0; i < 5; i++)
		hc_yield();
	volatile uint32_t *page = phys_ptr(EPT_PATTERN_GPA);
	unsigned leaked = 0, nonzero = 0;
	for (uint32_t i = 0; i < EPT_PATTERN_WORDS; i++) {
		uint32_t w = page[i];
		leaked += w == ept_pattern_word(i);
		nonzero += w != 0;
	}
	if (nonzero)
		printf("note: %u of %u words at 0x%x are not zero\n", nonzero, EPT_PATTERN_WORDS, EPT_PATTERN_GPA);
	if (leaked) {
		printf("LEAK: %u words of ept_write's pattern\n", leaked);
		hc_shutdown(1);
	}
	printf("isolated\n");
	hc_shutdown(0);
}
