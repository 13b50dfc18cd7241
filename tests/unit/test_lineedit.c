/* Host tests for the monitor's line editor (vmm/monitor/lineedit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "vmm/monitor/lineedit.c"

static char out[1 << 16];
static size_t out_len;

static void put(void *ctx, char c)
{
	(void)ctx;
	if (out_len < sizeof(out) - 1)
		out[out_len++] = c;
	out[out_len] = '\0';
}

static struct lineedit le;

static int setup(void **state)
{
	(void)state;
	lineedit_init(&le, "> ", put, NULL);
	out_len = 0;
	out[0] = '\0';
	return 0;
}

static void clear_out(void)
{
	out_len = 0;
	out[0] = '\0';
}

/* Feeds a string; returns the result of the last byte. */
static enum lineedit_result feed(const char *s)
{
	enum lineedit_result r = LINEEDIT_NONE;
	while (*s)
		r = lineedit_feed(&le, (uint8_t)*s++);
	return r;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	while (*s)
		n += lineedit_feed(&le, (uint8_t)*s++) == LINEEDIT_LINE;
	return n;
}

static void test_type_and_enter(void **state)
{
	(void)state;
	assert_int_equal(feed("list"), LINEEDIT_NONE);
	assert_string_equal(out, "list");
	assert_int_equal(feed("\r"), LINEEDIT_LINE);
	assert_string_equal(le.result, "list");
	assert_string_equal(out, "list\r\n");
	assert_int_equal(le.len, 0);
	assert_string_equal(le.line, "");
}

static void test_enter_variants(void **state)
{
	(void)state;
	assert_int_equal(count_lines("a\r\nb\nc\r"), 3);
	assert_string_equal(le.result, "c");
	/* The LF of a CR LF split across two feeds still counts once. */
	assert_int_equal(count_lines("\n"), 0);
	/* CR CR is two (empty) lines. */
	assert_int_equal(count_lines("\r\r"), 2);
	assert_string_equal(le.result, "");
	/* LF LF too (after a typed byte: the LF after CR above is swallowed). */
	assert_int_equal(count_lines("x\n\n"), 2);
}

static void test_backspace(void **state)
{
	(void)state;
	feed("abc\x08");
	assert_string_equal(le.line, "ab");
	feed("\x7f");
	assert_string_equal(le.line, "a");
	assert_string_equal(out, "abc\b \b\b \b");
	clear_out();
	feed("\x7f\x7f");
	assert_string_equal(le.line, "");
	assert_string_equal(out, "\b \b\a"); /* nothing left to erase: bell */
}

static void test_ctrl_u(void **state)
{
	(void)state;
	feed("hello");
	clear_out();
	feed("\x15");
	assert_string_equal(le.line, "");
	assert_string_equal(out, "\r\x1b[K> ");
	feed("x\r");
	assert_string_equal(le.result, "x");
}

static void test_ctrl_c(void **state)
{
	(void)state;
	feed("pause vm");
	clear_out();
	assert_int_equal(feed("\x03"), LINEEDIT_CANCEL);
	assert_string_equal(out, "^C\r\n");
	assert_string_equal(le.line, "");
	assert_int_equal(feed("\r"), LINEEDIT_LINE);
	assert_string_equal(le.result, "");
	assert_null(lineedit_history(&le, 0)); /* neither cancelled nor empty lines are kept */
}

static void test_overlong_line(void **state)
{
	(void)state;
	for (int i = 0; i < LINEEDIT_MAX + 40; i++)
		lineedit_feed(&le, 'x');
	assert_int_equal(le.len, LINEEDIT_MAX);
	unsigned bells = 0;
	for (size_t i = 0; i < out_len; i++)
		bells += out[i] == '\a';
	assert_int_equal(bells, 40);
	assert_int_equal(feed("\r"), LINEEDIT_LINE);
	assert_int_equal(strlen(le.result), LINEEDIT_MAX);
}

static void test_history(void **state)
{
	(void)state;
	feed("one\rtwo\rthree\r");
	feed("fre");
	clear_out();
	feed("\x1b[A");
	assert_string_equal(le.line, "three");
	assert_string_equal(out, "\r\x1b[K> three");
	feed("\x1b[A");
	assert_string_equal(le.line, "two");
	feed("\x1bOA"); /* SS3 form, as sent in application cursor mode */
	assert_string_equal(le.line, "one");
	clear_out();
	feed("\x1b[A"); /* no older entry */
	assert_string_equal(le.line, "one");
	assert_string_equal(out, "\a");
	feed("\x1b[B\x1b[B");
	assert_string_equal(le.line, "three");
	feed("\x1bOB"); /* back to what was being typed */
	assert_string_equal(le.line, "fre");
	feed("\x1b[B");
	assert_string_equal(le.line, "fre");
	/* A recalled line can be edited and run; history keeps the original. */
	feed("\x15\x1b[A\x1b[A\x7f\x7fo\r");
	assert_string_equal(le.result, "to");
	assert_string_equal(lineedit_history(&le, 0), "to");
	assert_string_equal(lineedit_history(&le, 1), "three");
	assert_string_equal(lineedit_history(&le, 2), "two");
}

static void test_history_bounds(void **state)
{
	(void)state;
	char cmd[16];
	for (int i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "c%d\r", i);
		feed(cmd);
	}
	feed("c19\r"); /* repeating the newest is not stored again */
	assert_string_equal(lineedit_history(&le, 0), "c19");
	assert_string_equal(lineedit_history(&le, 15), "c4");
	assert_null(lineedit_history(&le, 16));
	for (int i = 0; i < 30; i++)
		feed("\x1b[A");
	assert_string_equal(le.line, "c4");
}

static void test_escapes_ignored(void **state)
{
	(void)state;
	feed("ab");
	feed("\x1b[C\x1b[D\x1b[3~\x1b[1;5A\x1b[H\x1bOF");
	assert_string_equal(le.line, "ab");
	/* ESC x (Alt-x) is dropped whole. */
	feed("\x1bx");
	assert_string_equal(le.line, "ab");
	/* A broken sequence gives up; the control byte that broke it still works. */
	assert_int_equal(feed("\x1b[1\r"), LINEEDIT_LINE);
	assert_string_equal(le.result, "ab");
	/* An overlong one gives up after LINEEDIT_ESC_MAX bytes. */
	feed("\x1b[0000000000000z");
	assert_true(le.esc == ESC_NONE);
	assert_true(le.len <= 16);
	feed("\x15q\r");
	assert_string_equal(le.result, "q");
}

static void test_odd_bytes(void **state)
{
	(void)state;
	lineedit_feed(&le, 0x00);
	assert_int_equal(out_len, 0); /* NUL: silently ignored (telnet CR NUL) */
	lineedit_feed(&le, 0x80);
	lineedit_feed(&le, 0xff);
	lineedit_feed(&le, 0x01);
	assert_string_equal(out, "\a\a\a");
	assert_int_equal(le.len, 0);
	feed("\x0c");
	assert_string_equal(out, "\a\a\a\x1b[H\x1b[2J> ");
}

static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 12345;
	unsigned lines = 0;
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t b = (uint8_t)(x >> 16);
		if (i % 7 == 0)
			b = "\x1b[AOB\r\x7f"[(x >> 8) % 7];
		lines += lineedit_feed(&le, b) == LINEEDIT_LINE;
		assert_true(le.len <= LINEEDIT_MAX);
		assert_int_equal(strlen(le.line), le.len);
		if (out_len > sizeof(out) / 2)
			clear_out();
	}
	assert_true(lines > 0);
	assert_true(le.hist_count <= LINEEDIT_HISTORY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_type_and_enter, setup),
		cmocka_unit_test_setup(test_enter_variants, setup),
		cmocka_unit_test_setup(test_backspace, setup),
		cmocka_unit_test_setup(test_ctrl_u, setup),
		cmocka_unit_test_setup(test_ctrl_c, setup),
		cmocka_unit_test_setup(test_overlong_line, setup),
		cmocka_unit_test_setup(test_history, setup),
		cmocka_unit_test_setup(test_history_bounds, setup),
		cmocka_unit_test_setup(test_escapes_ignored, setup),
		cmocka_unit_test_setup(test_odd_bytes, setup),
		cmocka_unit_test_setup(test_random_bytes, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
