/*
 * lines: prints LINES_COUNT lines of 64..150 characters as fast as the
 * console takes them, then exits with 0. Line SEQ is "[TAG] SEQ PAYLOAD SUM":
 * PAYLOAD is 50..136 letters that depend on TAG and SEQ, SUM the 16-bit sum
 * of its bytes in hex, so a test can check each line is whole and whose it
 * is (tests/system/test_console_lines.py rebuilds them). lines_b.c is the
 * same with tag B, written to port 0xE9 instead of COM1.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/io.h"

#ifndef LINES_TAG
#define LINES_TAG  'A'
#define LINES_SINK CONSOLE_COM1
#endif
#define LINES_COUNT 250

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static unsigned make_payload(unsigned seq, char *buf)
{
	unsigned len = 50 + (seq * 37) % 87, sum = 0;
	for (unsigned i = 0; i < len; i++) {
		buf[i] = alphabet[(LINES_TAG * 13u + seq * 7u + i) % 52];
		sum += (unsigned char)buf[i];
	}
	buf[len] = '\0';
	return sum & 0xFFFF;
}

int main(void)
{
	com1_init();
	console_set_sink(LINES_SINK);
	char payload[160];
	for (unsigned seq = 1; seq <= LINES_COUNT; seq++) {
		unsigned sum = make_payload(seq, payload);
		printf("[%c] %04u %s %04x\n", LINES_TAG, seq, payload, sum);
	}
	guest_exit(0);
}
