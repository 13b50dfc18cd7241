/* Host tests for kernel/cmdline.c: tokenising, lookup, numbers and sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kernel/cmdline.c"

static void expect_val(const struct cmdline *cl, const char *key, const char *want)
{
	const char *v;
	size_t n;
	assert_true(cmdline_get(cl, key, &v, &n));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(v, want, n);
}

static void test_tokens(void **state)
{
	(void)state;
	struct cmdline cl;
	assert_int_equal(cmdline_parse(&cl, "  quantum=10\tnomonitor  loglevel=debug empty= \n"), CMDLINE_OK);
	assert_int_equal(cl.nargs, 4);
	expect_val(&cl, "quantum", "10");
	expect_val(&cl, "loglevel", "debug");
	expect_val(&cl, "empty", "");
	assert_true(cmdline_flag(&cl, "nomonitor"));
	assert_false(cmdline_flag(&cl, "quantum")); /* has a value: not a flag */
	const char *v;
	size_t n;
	assert_false(cmdline_get(&cl, "nomonitor", &v, &n));
	assert_false(cmdline_get(&cl, "quant", &v, &n)); /* no prefix matches */
	assert_false(cmdline_get(&cl, "quantum2", &v, &n));
	assert_false(cmdline_flag(&cl, "absent"));
}

static void test_empty_and_kernel_path(void **state)
{
	(void)state;
	struct cmdline cl;
	assert_int_equal(cmdline_parse(&cl, ""), CMDLINE_OK);
	assert_int_equal(cl.nargs, 0);
	assert_int_equal(cmdline_parse(&cl, "   "), CMDLINE_OK);
	assert_int_equal(cl.nargs, 0);
	assert_int_equal(cmdline_parse(&cl, "/boot/kestrel.elf timeout=5000"), CMDLINE_OK);
	assert_true(cmdline_flag(&cl, "/boot/kestrel.elf"));
	expect_val(&cl, "timeout", "5000");
}

static void test_quotes(void **state)
{
	(void)state;
	struct cmdline cl;
	assert_int_equal(cmdline_parse(&cl, "name=\"a b  c\" x=\"\" y=1"), CMDLINE_OK);
	expect_val(&cl, "name", "a b  c");
	expect_val(&cl, "x", "");
	expect_val(&cl, "y", "1");
	assert_int_equal(cmdline_parse(&cl, "a=\"open b=2"), CMDLINE_ERR_QUOTE);
	expect_val(&cl, "a", "open b=2");
	assert_int_equal(cmdline_parse(&cl, "a=\"x\"tail b=2"), CMDLINE_ERR_QUOTE);
	expect_val(&cl, "a", "x");
	expect_val(&cl, "b", "2");
}

static void test_last_wins(void **state)
{
	(void)state;
	struct cmdline cl;
	cmdline_parse(&cl, "q=1 q=2 f f=3");
	expect_val(&cl, "q", "2");
	expect_val(&cl, "f", "3");
	assert_true(cmdline_flag(&cl, "f")); /* "f=3" is no flag and does not undo one */
	cmdline_parse(&cl, "g=1");
	assert_false(cmdline_flag(&cl, "g"));
}

static void test_too_many(void **state)
{
	(void)state;
	char s[CMDLINE_MAX_ARGS * 4 + 32] = "";
	for (int i = 0; i < CMDLINE_MAX_ARGS + 2; i++)
		strcat(s, "a=1 ");
	struct cmdline cl;
	assert_int_equal(cmdline_parse(&cl, s), CMDLINE_ERR_TOO_MANY);
	assert_int_equal(cl.nargs, CMDLINE_MAX_ARGS);
	assert_int_equal(cl.dropped, 2); /* counted, for the message that says so */
	assert_false(cl.bad_quote);
	strcat(s, "q=\"open");
	assert_int_equal(cmdline_parse(&cl, s), CMDLINE_ERR_TOO_MANY); /* the first problem */
	assert_int_equal(cl.dropped, 3);
	assert_true(cl.bad_quote); /* and the other, too */
	assert_int_equal(cmdline_parse(&cl, "a=1"), CMDLINE_OK);
	assert_int_equal(cl.dropped, 0);
}

static void test_get_u64(void **state)
{
	(void)state;
	struct cmdline cl;
	cmdline_parse(&cl, "a=10 b=0x1F c=18446744073709551615 d=18446744073709551616 e=0xffffffffffffffff "
			   "f=0x10000000000000000 g=12x h= i=0x j flag");
	uint64_t v = 7;
	assert_int_equal(cmdline_get_u64(&cl, "a", &v), CMDLINE_OK);
	assert_int_equal(v, 10);
	assert_int_equal(cmdline_get_u64(&cl, "b", &v), CMDLINE_OK);
	assert_int_equal(v, 0x1f);
	assert_int_equal(cmdline_get_u64(&cl, "c", &v), CMDLINE_OK);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(cmdline_get_u64(&cl, "d", &v), CMDLINE_ERR_RANGE);
	assert_int_equal(cmdline_get_u64(&cl, "e", &v), CMDLINE_OK);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(cmdline_get_u64(&cl, "f", &v), CMDLINE_ERR_RANGE);
	assert_int_equal(cmdline_get_u64(&cl, "g", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(cmdline_get_u64(&cl, "h", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(cmdline_get_u64(&cl, "i", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(cmdline_get_u64(&cl, "flag", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(cmdline_get_u64(&cl, "zzz", &v), CMDLINE_NOT_FOUND);
	assert_int_equal(v, UINT64_MAX); /* untouched by the failures */
}

static int size_of(const char *s, uint64_t *v) { return parse_size(s, strlen(s), v); }

static void test_parse_size(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(size_of("4096", &v), CMDLINE_OK);
	assert_int_equal(v, 4096);
	assert_int_equal(size_of("512K", &v), CMDLINE_OK);
	assert_int_equal(v, 512 << 10);
	assert_int_equal(size_of("512k", &v), CMDLINE_OK);
	assert_int_equal(v, 512 << 10);
	assert_int_equal(size_of("16M", &v), CMDLINE_OK);
	assert_int_equal(v, 16 << 20);
	assert_int_equal(size_of("16m", &v), CMDLINE_OK);
	assert_int_equal(size_of("1G", &v), CMDLINE_OK);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(size_of("1g", &v), CMDLINE_OK);
	assert_int_equal(size_of("0", &v), CMDLINE_OK);
	assert_int_equal(v, 0);
	assert_int_equal(size_of("17179869183G", &v), CMDLINE_OK); /* 2^64 - 2^30 */
	assert_int_equal(v, UINT64_MAX - (1ULL << 30) + 1);
	assert_int_equal(size_of("17179869184G", &v), CMDLINE_ERR_RANGE);
	assert_int_equal(size_of("18446744073709551616", &v), CMDLINE_ERR_RANGE);
	assert_int_equal(size_of("", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(size_of("M", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(size_of("12Q", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(size_of("1MB", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(size_of("-1", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(size_of("0x10", &v), CMDLINE_ERR_SYNTAX);
	assert_int_equal(size_of("1 M", &v), CMDLINE_ERR_SYNTAX);
	/* len bounds the read: "16M" inside a longer string. */
	assert_int_equal(parse_size("16Mtrailing", 3, &v), CMDLINE_OK);
	assert_int_equal(v, 16 << 20);
}

struct seen {
	char keys[8][16];
	int n;
};

static void collect(void *ctx, const struct cmdline_arg *a)
{
	struct seen *s = ctx;
	memcpy(s->keys[s->n], a->key, a->key_len);
	s->keys[s->n][a->key_len] = 0;
	s->n++;
}

static void test_each_lists_every_token(void **state)
{
	(void)state;
	struct cmdline cl;
	cmdline_parse(&cl, "quantum=5 bogus=1 nomonitor typo");
	struct seen s = {{{0}}, 0};
	cmdline_each(&cl, collect, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.keys[0], "quantum");
	assert_string_equal(s.keys[1], "bogus");
	assert_string_equal(s.keys[2], "nomonitor");
	assert_string_equal(s.keys[3], "typo");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_empty_and_kernel_path),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_last_wins),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_get_u64),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_each_lists_every_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
