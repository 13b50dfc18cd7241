/*
 * pagetouch: a steady dirty-page rate, for the dirty-logging test of
 * tests/system/test_memory.py (run with mem=16M). By its own TSC clock it
 * writes page i of the 2048-page region 0x800000-0xFFFFFF (8 MiB) at
 * i * 1 ms (50,000 ticks at Bochs's 50 MHz), page index i modulo 2048, and
 * catches up on every page it owes when it was not running: 1000 distinct
 * region pages in any one second. Every second it prints "touch: N pages",
 * N the pages written since the line before. Runs forever.
 *
 * Besides the region it writes exactly one page: `own` below, which holds
 * its stack (main moves onto it), its line buffer and a counter it stores
 * with every region page, so that page is dirty in every second too. The
 * guest page tables' accessed and dirty bits are all set within the first
 * pass over the region (2 MiB pages, 2.048 s), and nothing else is written.
 */
#include <stdint.h>

#include "guests/lib/io.h"
#include "tests/guests/hcline.h"

#define TOUCH_REGION_GPA 0x800000u
#define TOUCH_PAGES      2048u
#define TOUCH_PAGE_TICKS 50000u    /* 1 ms at 50 MHz */
#define TOUCH_LINE_TICKS 50000000u /* 1 s */

struct touch_own {
	volatile uint64_t written; /* region pages written so far */
	char line[HCLINE_MAX];
	uint8_t stack[4096 - 64] __attribute__((aligned(16))); /* written and line fit in 64 */
};
_Static_assert(sizeof(struct touch_own) == 4096, "one page, its stack at its top");

static struct touch_own own __attribute__((aligned(4096)));

__attribute__((noreturn)) void touch_loop(void);

void touch_loop(void)
{
	volatile uint64_t *region = phys_ptr(TOUCH_REGION_GPA);
	uint64_t t0 = rdtsc(), next = 0, since = 0, line_at = t0 + TOUCH_LINE_TICKS;
	for (;;) {
		uint64_t now = rdtsc();
		uint64_t due = (now - t0) / TOUCH_PAGE_TICKS; /* pages 0..due are owed */
		for (; next <= due; next++) {
			region[(next % TOUCH_PAGES) * (4096 / sizeof(uint64_t))] = next;
			own.written = next + 1;
		}
		if (now >= line_at) {
			hcline_write(own.line, hcline_format(own.line, "touch: ", next - since, " pages"));
			since = next;
			line_at += TOUCH_LINE_TICKS; /* a second by the TSC, not from this line */
			if (now >= line_at)          /* more than a second behind (paused) */
				line_at = now + TOUCH_LINE_TICKS;
		}
	}
}

int main(void)
{
	/* Off start64's stack, onto the top of `own`: one page for all but the region. */
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "call touch_loop"
			 :
			 : "r"(own.stack + sizeof(own.stack))
			 : "memory");
	__builtin_unreachable();
}
