/*
 * ept_write: fills the page at GPA 0x200000 with a distinctive pattern,
 * prints "wrote", yields a few times so ept_read (same run) gets to look at
 * its own GPA 0x200000, then exits with 0.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"
#include "tests/guests/ept_pattern.h"

int main(void)
{
	volatile uint32_t *page = phys_ptr(EPT_PATTERN_GPA);
	for (uint32_t i = 0; i < EPT_PATTERN_WORDS; i++)
		page[i] = ept_pattern_word(i);
	printf("wrote\n");
	for (int i = 0; i < 5; i++)
		hc_yield();
	hc_shutdown(0);
}
