/*
 * One console line per hypercall, for the guests of test_memory.py: "WORD N TAIL\n"
 * goes out with a single HC_CONSOLE_WRITE, so no line is ever half written
 * when Kestrel pauses, snapshots, rewinds or clones the guest (those happen
 * between VM exits, and the whole line is one exit). Only a full console
 * line (1 KiB waiting for the wire) gives a short write; the rest follows.
 */
#ifndef HCLINE_H
#define HCLINE_H

#include <stdint.h>

#include "guests/lib/hcall.h"

#define HCLINE_MAX 48 /* the longest line, its newline included */

/* buf = word, n in decimal, tail and '\n' (words of up to 12 characters);
 * returns the length. */
static inline unsigned hcline_format(char *buf, const char *word, uint64_t n, const char *tail)
{
	char digits[20];
	unsigned len = 0, nd = 0;
	while (*word && len < 12)
		buf[len++] = *word++;
	do {
		digits[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (nd)
		buf[len++] = digits[--nd];
	for (unsigned t = 0; tail[t] && t < 12; t++)
		buf[len++] = tail[t];
	buf[len++] = '\n';
	return len;
}

static inline void hcline_write(const char *buf, unsigned len)
{
	while (len) {
		long n = hc_console_write(buf, len);
		if (n < 0)
			return;
		buf += n;
		len -= (unsigned)n;
	}
}

#endif
