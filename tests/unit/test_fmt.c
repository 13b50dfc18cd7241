/* Host tests for kernel/fmt.c: each conversion and flag against what C11's
 * snprintf prints for the same format, plus the edge values and truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kernel/fmt.c"

#define CHECK(expect, ...)                                                  \
	do {                                                                \
		char b_[128];                                               \
		int n_ = fmt_snprintf(b_, sizeof(b_), __VA_ARGS__);          \
		assert_string_equal(b_, expect);                            \
		assert_int_equal(n_, (int)strlen(expect));                  \
	} while (0)

/* For formats that are deliberately odd: no compile-time format check. */
static int fmt_raw(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

#define CHECK_RAW(expect, ...)                                              \
	do {                                                                \
		char b_[128];                                               \
		int n_ = fmt_raw(b_, sizeof(b_), __VA_ARGS__);               \
		assert_string_equal(b_, expect);                            \
		assert_int_equal(n_, (int)strlen(expect));                  \
	} while (0)

/* Same output as the host libc for formats both define identically. */
#define SAME(...)                                                           \
	do {                                                                \
		char a_[128], b_[128];                                      \
		int na_ = snprintf(a_, sizeof(a_), __VA_ARGS__);             \
		int nb_ = fmt_snprintf(b_, sizeof(b_), __VA_ARGS__);         \
		assert_string_equal(b_, a_);                                \
		assert_int_equal(nb_, na_);                                 \
	} while (0)

static void test_plain_text(void **state)
{
	(void)state;
	CHECK("", "%s", "");
	CHECK("hello", "hello");
	CHECK("100%", "100%%");
}

static void test_signed(void **state)
{
	(void)state;
	CHECK("0", "%d", 0);
	CHECK("-1", "%i", -1);
	SAME("%d", INT_MIN);
	SAME("%d", INT_MAX);
	SAME("%ld", LONG_MIN);
	SAME("%lld", LLONG_MIN);
	SAME("%lld", LLONG_MAX);
	SAME("[%5d] [%-5d] [%05d]", -42, -42, -42);
	SAME("[%zd]", (ssize_t)-7);
	SAME("%hd %hhd", (short)-3, (signed char)-128);
}

static void test_unsigned(void **state)
{
	(void)state;
	CHECK("0", "%u", 0u);
	SAME("%u", UINT_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%llu", (unsigned long long)UINT64_MAX);
	SAME("%zu", (size_t)SIZE_MAX);
	SAME("%llx", (unsigned long long)UINT64_MAX);
	SAME("%x %X", 0xdeadbeefu, 0xdeadbeefu);
	SAME("%lx %zx", 0x123456789abcdefUL, (size_t)0xabc);
	SAME("%016lx", 0x1234UL);
	SAME("%016llx", 0ULL);
	SAME("%02x %02u %03lu", 5u, 7u, 9UL);
	SAME("%hhx %hx", 0x1ff, 0x1ffff);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	SAME("[%8s] [%-8s] [%s]", "ab", "ab", "ab");
	SAME("[%2s]", "toolong");
	SAME("[%*d] [%-*d]", 6, 42, 6, 42);
	SAME("[%*d]", -6, 42); /* negative '*' width: left-justified */
	CHECK_RAW("[3    ]", "[%-05d]", 3); /* '-' wins over '0' */
	CHECK_RAW("[    x]", "[%05s]", "x"); /* '0' pads numbers only */
	SAME("[%3c] [%-3c]", 'a', 'b');
	SAME("[%12llu]", 12345ULL);
}

static void test_string_precision(void **state)
{
	(void)state;
	SAME("[%.3s]", "abcdef");
	SAME("[%.*s]", 2, "abcdef");
	SAME("[%.10s]", "abc");
	SAME("[%6.2s]", "abc");
	SAME("[%.0s]", "abc");
	/* Precision stops the read: the source need not be NUL-terminated. */
	char raw[3] = {'x', 'y', 'z'};
	CHECK("xy", "%.2s", raw);
	CHECK_RAW("(null)", "%s", (char *)NULL);
	CHECK_RAW("[(nu]", "[%.3s]", (char *)NULL);
}

static void test_pointer(void **state)
{
	(void)state;
	CHECK("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
	CHECK("0x0000000000000000", "%p", (void *)0);
	CHECK("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	CHECK("  0x0000000000000001", "%20p", (void *)1);
	CHECK("0x0000000000000001  ", "%-20p", (void *)1);
}

static void test_unknown_conversion_verbatim(void **state)
{
	(void)state;
	CHECK_RAW("%q", "%q");
	CHECK_RAW("a %5q b", "a %5q b");
	CHECK_RAW("50% C", "50% C");
	CHECK_RAW("end %", "end %");
	CHECK_RAW("7 %y 8", "%d %y %d", 7, 8);
}

static void test_snprintf_truncates(void **state)
{
	(void)state;
	char b[8];
	memset(b, 'X', sizeof(b));
	assert_int_equal(fmt_snprintf(b, 4, "%s", "abcdef"), 6);
	assert_string_equal(b, "abc");
	assert_int_equal(b[4], 'X');
	assert_int_equal(fmt_snprintf(b, 1, "%d", 12345), 5);
	assert_int_equal(b[0], 0);
	b[0] = 'Q';
	assert_int_equal(fmt_snprintf(b, 0, "abc"), 3);
	assert_int_equal(b[0], 'Q'); /* n == 0: nothing written */
	assert_int_equal(fmt_snprintf(NULL, 0, "%u", 100u), 3);
	assert_int_equal(fmt_snprintf(b, sizeof(b), "1234567"), 7);
	assert_string_equal(b, "1234567");
	assert_int_equal(fmt_snprintf(b, sizeof(b), "12345678"), 8);
	assert_string_equal(b, "1234567");
}

struct sink {
	char buf[64];
	int n;
};

static void sink_put(void *ctx, char c)
{
	struct sink *s = ctx;
	s->buf[s->n++] = c;
}

static int sink_format(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vformat(sink_put, s, fmt, ap);
	va_end(ap);
	return r;
}

static void test_vformat_counts_characters(void **state)
{
	(void)state;
	struct sink s = {{0}, 0};
	assert_int_equal(sink_format(&s, "%s=%d%c", "x", -5, '!'), 5);
	assert_int_equal(s.n, 5);
	assert_memory_equal(s.buf, "x=-5!", 5);
}

/* fmt_quote: bytes from outside, made safe and short for a message. */
static void test_quote(void **state)
{
	(void)state;
	char b[12];
	assert_string_equal(fmt_quote(b, sizeof(b), "plain", 5), "plain");
	assert_string_equal(fmt_quote(b, sizeof(b), "a\x01\xe9", 3), "a\\x01\\xe9");
	assert_string_equal(fmt_quote(b, sizeof(b), "\x7f\n", 2), "\\x7f\\x0a");
	assert_string_equal(fmt_quote(b, sizeof(b), "12345678901", 11), "12345678901"); /* exactly fits */
	assert_string_equal(fmt_quote(b, sizeof(b), "123456789012", 12), "12345678...");
	assert_string_equal(fmt_quote(b, sizeof(b), "1234567\x01z", 9), "1234567..."); /* no half escape */
	assert_string_equal(fmt_quote(b, sizeof(b), "x\0y", 3), "x\\x00y");  /* len, not the NUL, ends it */
	assert_string_equal(fmt_quote(b, 4, "abcd", 4), "...");
	assert_string_equal(fmt_quote(b, sizeof(b), "", 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_string_precision),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown_conversion_verbatim),
		cmocka_unit_test(test_snprintf_truncates),
		cmocka_unit_test(test_vformat_counts_characters),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
