/* Host tests for vmm/load/vmopts.c: module-line options and the messages for
 * every way they can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kernel/cmdline.c"
#include "kernel/fmt.c"
#include "vmm/load/vmopts.c"

static struct vm_opts opts;
static char err[96];

static void ok(const char *s)
{
	err[0] = 'X';
	assert_int_equal(vmopts_parse(s, &opts, err, sizeof(err)), 0);
}

static void bad(const char *s, const char *msg)
{
	assert_int_equal(vmopts_parse(s, &opts, err, sizeof(err)), -1);
	if (!strstr(err, msg))
		fail_msg("'%s': got '%s', expected it to contain '%s'", s, err, msg);
}

static void test_name_only_gets_defaults(void **state)
{
	(void)state;
	ok("hello");
	assert_string_equal(opts.name, "hello");
	assert_int_equal(opts.mem, 8 << 20);
	assert_false(opts.com2);
	assert_string_equal(err, "");
	ok("  a_b-C9\t");
	assert_string_equal(opts.name, "a_b-C9");
	ok("x");
	ok("abcdefghijklmno"); /* 15 characters */
	assert_string_equal(opts.name, "abcdefghijklmno");
}

static void test_options(void **state)
{
	(void)state;
	ok("spin mem=2M");
	assert_int_equal(opts.mem, 2 << 20);
	ok("big mem=1G com2");
	assert_int_equal(opts.mem, 1 << 30);
	assert_true(opts.com2);
	ok("low com2 mem=1024K");
	assert_int_equal(opts.mem, 1 << 20);
	ok("pages mem=1052672"); /* 1 MiB + 4 KiB */
	assert_int_equal(opts.mem, (1 << 20) + 4096);
	ok("twice mem=2M mem=4m");
	assert_int_equal(opts.mem, 4 << 20);
}

static void test_small_mem(void **state)
{
	(void)state;
	ok("tiny mem=64K");
	assert_int_equal(opts.mem, 64 << 10);
	ok("tiny mem=65536");
	assert_int_equal(opts.mem, 64 << 10);
	ok("odd mem=100K"); /* not 2 MiB aligned: 4 KiB steps are enough */
	assert_int_equal(opts.mem, 100 << 10);
	ok("odd mem=68K");
	assert_int_equal(opts.mem, 68 << 10);
	ok("one mem=1M");
	assert_int_equal(opts.mem, 1 << 20);
	ok("big mem=128M");
	assert_int_equal(opts.mem, 128 << 20);
	bad("tiny mem=60K", "mem size '60K' is under 64K, the least guest RAM");
	bad("tiny mem=61440", "is under 64K"); /* a multiple of 4 KiB, 4 KiB short */
	bad("odd mem=65K", "mem size '65K' is not a multiple of 4 KiB");
	bad("odd mem=102401", "not a multiple of 4 KiB");
}

static void test_guest_command_line(void **state)
{
	(void)state;
	ok("linux mem=96M -- console=ttyS0 quiet");
	assert_int_equal(opts.mem, 96 << 20);
	assert_string_equal(opts.cmdline, "console=ttyS0 quiet");
	ok("lx -- a -- b mem=2M"); /* only the first " -- " splits */
	assert_int_equal(opts.mem, VMOPTS_MEM_DEFAULT);
	assert_string_equal(opts.cmdline, "a -- b mem=2M");
	ok("lx --");
	assert_string_equal(opts.cmdline, "");
	ok("lx\t--\tx=1");
	assert_string_equal(opts.cmdline, "x=1");
	ok("lx mem=2M");
	assert_string_equal(opts.cmdline, "");
	bad("lx --x", "unknown option '--x'"); /* not a separator */
	bad("-- x", "missing VM name");
	bad("lx foo -- x", "unknown option 'foo'");
}

static void test_on_reset(void **state)
{
	(void)state;
	ok("g");
	assert_false(opts.reset_stops);
	ok("g on_reset=stop");
	assert_true(opts.reset_stops);
	ok("g on_reset=stop on_reset=restart");
	assert_false(opts.reset_stops);
	bad("g on_reset=halt", "bad 'on_reset=halt': on_reset is restart or stop");
	bad("g on_reset=", "on_reset is restart or stop");
}

static void test_bad_names(void **state)
{
	(void)state;
	bad("", "missing VM name");
	bad("   \t", "missing VM name");
	bad("mem=2M", "missing VM name before 'mem=2M'");
	bad("a.b", "bad VM name 'a.b'");
	bad("h\xc3\xa9llo", "bad VM name 'h\\xc3\\xa9llo'"); /* quoted safe */
	bad("ctl\x01", "bad VM name 'ctl\\x01'");
	bad("sixteen_chars_xx", "longer than 15");
	bad("42", "all digits");
	bad("123456789012345", "all digits");
	ok("4x");
	ok("-1");
}

static void test_bad_options(void **state)
{
	(void)state;
	bad("opt foo=1", "unknown option 'foo=1'");
	bad("opt com2=1", "unknown option 'com2=1'");
	bad("opt com3", "unknown option 'com3'");
	bad("opt MEM=2M", "unknown option 'MEM=2M'");
	bad("opt \x02\x7f", "unknown option '\\x02\\x7f'");
	bad("size mem=12Q", "bad mem size '12Q'");
	bad("size mem=", "bad mem size ''");
	bad("size mem=0x100000", "bad mem size '0x100000'");
	bad("size mem=99999999999999999999G", "mem size '99999999999999999999G' is over 1G"); /* past 2^64 */
	bad("size mem=99999999999999999999", "is over 1G, the most guest RAM");
	bad("size mem=1T", "mem size '1T' is over 1G, the most guest RAM");
	bad("size mem=1P", "bad mem size '1P'");
	bad("size mem=5000", "not a multiple of 4 KiB");
	bad("size mem=32K", "under 64K");
	bad("size mem=2G", "mem size '2G' is over 1G, the most guest RAM");
	bad("size mem=1052672K", "over 1G"); /* 1 GiB + 4 KiB */
	bad("size mem=0", "under 64K");
}

static void test_long_token_is_shortened_and_err_bounded(void **state)
{
	(void)state;
	char s[300] = "vm ";
	memset(s + 3, 'z', 250);
	bad(s, "unknown option 'zzzz");
	assert_non_null(strstr(err, "...'"));
	char small[8];
	assert_int_equal(vmopts_parse("vm bogus", &opts, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(vmopts_parse("vm bogus", &opts, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_only_gets_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_small_mem),
		cmocka_unit_test(test_guest_command_line),
		cmocka_unit_test(test_on_reset),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_long_token_is_shortened_and_err_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
