/* Host tests for guest-console multiplexing (vmm/monitor/conmux.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "kernel/fmt.c"
#include "vmm/monitor/conmux.c"

static char out[1 << 16];
static size_t out_len;
static uint8_t rx_got[2][CONMUX_RXQ_SIZE + 64];
static size_t rx_len[2];
static size_t rx_cap[2]; /* the fake receive FIFO takes this many bytes in all */

static void put(void *ctx, char c)
{
	(void)ctx;
	if (out_len < sizeof(out) - 1)
		out[out_len++] = c;
	out[out_len] = '\0';
}

static void prompt(void *ctx)
{
	(void)ctx;
	for (const char *s = "P> "; *s; s++)
		put(NULL, *s);
}

static const char *name(void *ctx, unsigned vm)
{
	static char buf[16];
	(void)ctx;
	if (vm < 2)
		return vm == 0 ? "alpha" : "beta";
	snprintf(buf, sizeof(buf), "g%u", vm);
	return buf;
}

static bool rx(void *ctx, unsigned vm, uint8_t b)
{
	(void)ctx;
	if (vm > 1 || rx_len[vm] >= rx_cap[vm])
		return false;
	rx_got[vm][rx_len[vm]++] = b;
	return true;
}

static struct conmux cm;

static void clear_out(void)
{
	out_len = 0;
	out[0] = '\0';
}

static int setup(void **state)
{
	(void)state;
	const struct conmux_io io = {.put = put, .prompt = prompt, .name = name, .rx = rx};
	conmux_init(&cm, &io);
	clear_out();
	memset(rx_len, 0, sizeof(rx_len));
	rx_cap[0] = rx_cap[1] = 1024;
	return 0;
}

static void guest(unsigned vm, const char *s)
{
	while (*s)
		conmux_guest_output(&cm, vm, (uint8_t)*s++);
}

static void test_prefixed_lines(void **state)
{
	(void)state;
	guest(0, "hello\r\nworld\n\n");
	assert_string_equal(out, "[alpha] hello\r\n[alpha] world\r\n[alpha] \r\n");
}

static void test_prompt_redrawn_around_lines(void **state)
{
	(void)state;
	conmux_show_prompt(&cm);
	assert_string_equal(out, "P> ");
	clear_out();
	guest(1, "boot ok\n");
	assert_string_equal(out, "\r\x1b[K[beta] boot ok\r\nP> ");
	assert_true(cm.prompt_visible);
}

static void host(const char *s)
{
	while (*s)
		conmux_host_output(&cm, *s++);
}

/* Two guests writing byte by byte at once, as they do under round robin. */
static void test_interleaved_guests_whole_lines(void **state)
{
	(void)state;
	const char *a = "HGM isolated A\n", *b = "HGM isolated B, longer\n";
	while (*a || *b) {
		if (*a)
			conmux_guest_output(&cm, 0, (uint8_t)*a++);
		if (*b)
			conmux_guest_output(&cm, 1, (uint8_t)*b++);
	}
	assert_string_equal(out, "[alpha] HGM isolated A\r\n[beta] HGM isolated B, longer\r\n");
}

static void test_other_guest_does_not_cut_line(void **state)
{
	(void)state;
	guest(0, "round 4/4: 78498 primes below 1000000");
	guest(1, "x\n");
	assert_string_equal(out, "[beta] x\r\n");
	clear_out();
	guest(0, " ok\n");
	assert_string_equal(out, "[alpha] round 4/4: 78498 primes below 1000000 ok\r\n");
}

static void test_host_does_not_cut_guest_line(void **state)
{
	(void)state;
	conmux_show_prompt(&cm);
	clear_out();
	guest(1, "half of ");
	host("warning: x\n");
	assert_string_equal(out, "\r\x1b[Kwarning: x\r\nP> ");
	clear_out();
	guest(1, "a line\n");
	assert_string_equal(out, "\r\x1b[K[beta] half of a line\r\nP> ");
	/* ... and a guest does not cut a host line either. */
	clear_out();
	host("kestrel: ");
	guest(0, "hi\n");
	host("done\n");
	assert_string_equal(out, "\r\x1b[K[alpha] hi\r\nP> \r\x1b[Kkestrel: done\r\nP> ");
}

static void test_partial_line_flushed_by_time(void **state)
{
	(void)state;
	conmux_tick(&cm, 1000000000ull);
	guest(0, "login: ");
	conmux_tick(&cm, 1000000000ull + CONMUX_FLUSH_NS - 1);
	assert_string_equal(out, "");
	conmux_tick(&cm, 1000000000ull + CONMUX_FLUSH_NS);
	assert_string_equal(out, "[alpha] login: \r\n");
	/* What the guest writes next is a line of its own; the newline that ends
	 * the prompt's line has nothing more to show. */
	clear_out();
	guest(0, "root\r\n");
	assert_string_equal(out, "[alpha] root\r\n");
	clear_out();
	guest(0, "$ ");
	conmux_tick(&cm, 2000000000ull);
	guest(0, "\n\n");
	assert_string_equal(out, "[alpha] $ \r\n[alpha] \r\n");
}

/* 250 ms of silence per guest, counted from its last byte. */
static void test_flush_time_per_guest_from_last_byte(void **state)
{
	(void)state;
	const uint64_t ms = 1000000;
	conmux_tick(&cm, 0);
	guest(0, "slow");
	conmux_tick(&cm, 100 * ms);
	guest(1, "prompt> ");
	conmux_tick(&cm, 200 * ms);
	guest(0, "ly");
	conmux_tick(&cm, 349 * ms);
	assert_string_equal(out, "");
	conmux_tick(&cm, 350 * ms);
	assert_string_equal(out, "[beta] prompt> \r\n");
	clear_out();
	conmux_tick(&cm, 449 * ms);
	assert_string_equal(out, "");
	conmux_tick(&cm, 450 * ms);
	assert_string_equal(out, "[alpha] slowly\r\n");
	clear_out();
	conmux_tick(&cm, 5000 * ms);
	assert_string_equal(out, "");
}

static void test_partial_line_flushed_when_full(void **state)
{
	(void)state;
	for (int i = 0; i < CONMUX_LINE_MAX + 5; i++)
		conmux_guest_output(&cm, 0, 'a' + i % 26);
	assert_int_equal(out_len, 8 + CONMUX_LINE_MAX + 2);
	assert_memory_equal(out, "[alpha] abc", 11);
	assert_memory_equal(out + 8 + CONMUX_LINE_MAX, "\r\n", 2);
	clear_out();
	guest(0, "\n");
	assert_string_equal(out, "[alpha] efghi\r\n");
}

static void test_full_buffer_splits_with_prefix(void **state)
{
	(void)state;
	char line[2 * CONMUX_LINE_MAX + 11];
	for (int i = 0; i < 2 * CONMUX_LINE_MAX + 10; i++)
		line[i] = (char)('0' + i % 10);
	line[2 * CONMUX_LINE_MAX + 10] = '\0';
	guest(1, "first\n");
	guest(0, line);
	guest(1, "second\n");
	guest(0, "\n");
	char want[sizeof(out)];
	snprintf(want, sizeof(want), "[beta] first\r\n[alpha] %.*s\r\n[alpha] %.*s\r\n[beta] second\r\n[alpha] %s\r\n",
		 CONMUX_LINE_MAX, line, CONMUX_LINE_MAX, line + CONMUX_LINE_MAX, line + 2 * CONMUX_LINE_MAX);
	assert_string_equal(out, want);
	/* A line of exactly CONMUX_LINE_MAX bytes: its newline adds no empty line. */
	clear_out();
	line[CONMUX_LINE_MAX] = '\0';
	guest(0, line);
	guest(0, "\n");
	snprintf(want, sizeof(want), "[alpha] %s\r\n", line);
	assert_string_equal(out, want);
}

static void test_stop_line_flushes_own_partial_first(void **state)
{
	(void)state;
	guest(0, "alpha was saying");
	guest(1, "beta was saying");
	conmux_line(&cm, 1, "*** stopped: triple fault");
	assert_string_equal(out, "[beta] beta was saying\r\n[beta] *** stopped: triple fault\r\n");
	clear_out();
	guest(1, "\n"); /* after a reset: a line of its own, not the end of the old one */
	assert_string_equal(out, "[beta] \r\n");
	clear_out();
	guest(0, "\n");
	assert_string_equal(out, "[alpha] alpha was saying\r\n");
}

static void test_flush_shows_every_partial(void **state)
{
	(void)state;
	guest(1, "b");
	guest(0, "a");
	host("h");
	conmux_flush(&cm);
	assert_string_equal(out, "[alpha] a\r\n[beta] b\r\nh\r\n");
	for (unsigned w = 0; w < CONMUX_OWNER_WORDS; w++)
		assert_int_equal(cm.waiting[w], 0);
	clear_out();
	conmux_tick(&cm, 10 * CONMUX_FLUSH_NS);
	assert_string_equal(out, "");
}

/* Partial lines of every guest id, on both sides of a 64-bit word of the
 * waiting bits, and the host's after the last guest's. */
static void test_partials_of_all_guests(void **state)
{
	(void)state;
	assert_int_equal(CONMUX_MAX_GUESTS, 64);
	for (unsigned vm = CONMUX_MAX_GUESTS; vm-- > 0;)
		conmux_guest_output(&cm, vm, 'x');
	host("h");
	assert_string_equal(out, "");
	conmux_tick(&cm, CONMUX_FLUSH_NS - 1);
	assert_string_equal(out, "");
	conmux_tick(&cm, CONMUX_FLUSH_NS);
	char want[2048] = "", line[32];
	for (unsigned vm = 0; vm < CONMUX_MAX_GUESTS; vm++) {
		snprintf(line, sizeof(line), "[%s] x\r\n", name(NULL, vm));
		strcat(want, line);
	}
	strcat(want, "h\r\n");
	assert_string_equal(out, want);
	clear_out();
	guest(63, "y");
	guest(62, "z\n");
	conmux_flush(&cm);
	assert_string_equal(out, "[g62] z\r\n[g63] y\r\n");
	for (unsigned w = 0; w < CONMUX_OWNER_WORDS; w++)
		assert_int_equal(cm.waiting[w], 0);
}

static void test_control_bytes_filtered(void **state)
{
	(void)state;
	guest(0, "a\x1b[2Jb\tc\x07\x7f\xc3\xa9\n");
	assert_string_equal(out, "[alpha] a[2Jb\tc\xc3\xa9\r\n");
	/* ... but the ring keeps them. */
	assert_int_equal(cm.ring[0].total, 13);
	assert_int_equal(cm.ring[0].buf[1], 0x1b);
}

static void test_host_lines(void **state)
{
	(void)state;
	conmux_show_prompt(&cm);
	clear_out();
	for (const char *s = "warning: x\n"; *s; s++)
		conmux_host_output(&cm, *s);
	assert_string_equal(out, "\r\x1b[Kwarning: x\r\nP> ");
	clear_out();
	conmux_line(&cm, 1, "*** stopped: triple fault");
	assert_string_equal(out, "\r\x1b[K[beta] *** stopped: triple fault\r\nP> ");
}

static void test_ring_overflow(void **state)
{
	(void)state;
	for (int i = 0; i < 5000; i++)
		conmux_guest_output(&cm, 1, i % 50 == 49 ? '\n' : 'A' + (i / 50) % 26);
	assert_int_equal(cm.ring[1].total, 5000);
	assert_int_equal(conmux_lost(&cm, 1), 5000 - CONMUX_RING_SIZE);
	assert_int_equal(conmux_lost(&cm, 0), 0);
	clear_out();
	conmux_log(&cm, 1);
	/* byte 904 is the first kept: 'A' + 18 = 'S', 4 of its 49 letters lost */
	assert_memory_equal(out, "SSSSSSSSS", 9);
	size_t lines = 0;
	for (size_t i = 0; i < out_len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, 82); /* 4096 bytes: one partial line + 81 whole ones */
	assert_memory_equal(out + out_len - 53, "\r\nVVVV", 6);
}

static void test_attached_raw_and_others_buffered(void **state)
{
	(void)state;
	guest(0, "earlier\nlogin: ");
	conmux_show_prompt(&cm);
	clear_out();
	conmux_attach(&cm, 0);
	assert_string_equal(out, ""); /* alpha's partial line is replayed, not flushed */
	conmux_replay_tail(&cm, 0);
	assert_string_equal(out, "login: ");
	clear_out();
	guest(0, "\x1b[1mroot\r\n");
	guest(1, "beta talks\n");
	assert_string_equal(out, "\x1b[1mroot\r\n");
	assert_int_equal(cm.ring[1].unseen, 11);
	assert_int_equal(cm.ring[0].unseen, 0);
	conmux_detach(&cm);
	clear_out();
	guest(1, "again\n");
	assert_string_equal(out, "[beta] again\r\n");
}

static void test_attach_flushes_other_partials(void **state)
{
	(void)state;
	guest(1, "half");
	conmux_attach(&cm, 0);
	assert_string_equal(out, "[beta] half\r\n");
}

static void test_quiet_view(void **state)
{
	(void)state;
	conmux_set_quiet(&cm, true);
	guest(0, "hidden\n");
	assert_string_equal(out, "");
	assert_int_equal(cm.ring[0].unseen, 7);
	conmux_set_quiet(&cm, false);
	clear_out();
	conmux_log(&cm, 0);
	assert_string_equal(out, "hidden\r\n");
	assert_int_equal(cm.ring[0].unseen, 0);
}

static void test_send_queues_when_fifo_full(void **state)
{
	(void)state;
	rx_cap[0] = 2;
	for (const char *s = "abcdef"; *s; s++)
		conmux_send(&cm, 0, (uint8_t)*s);
	assert_int_equal(rx_len[0], 2);
	assert_int_equal(cm.rxq_len, 4);
	rx_cap[0] = 4;
	conmux_tick(&cm, 1);
	assert_int_equal(rx_len[0], 4);
	conmux_send(&cm, 0, 'g'); /* must not overtake e and f */
	rx_cap[0] = 100;
	conmux_tick(&cm, 2);
	assert_memory_equal(rx_got[0], "abcdefg", 7);
	assert_int_equal(rx_len[0], 7);
	assert_string_equal(out, ""); /* nothing was lost: nothing to say */
}

static void test_send_queue_overflow(void **state)
{
	(void)state;
	conmux_attach(&cm, 0);
	rx_cap[0] = 0;
	for (int i = 0; i < CONMUX_RXQ_SIZE; i++)
		conmux_send(&cm, 0, (uint8_t)i);
	assert_string_equal(out, "");
	for (int i = 0; i < 45; i++)
		conmux_send(&cm, 0, 'x');
	assert_string_equal(out, "\a\r\nkestrel: alpha is not reading its input; 8192 keystrokes "
				 "queued, dropping more\r\n");
	clear_out();
	rx_cap[0] = CONMUX_RXQ_SIZE + 64;
	conmux_tick(&cm, 1);
	assert_int_equal(rx_len[0], CONMUX_RXQ_SIZE);
	assert_int_equal(rx_got[0][255], 255);
	assert_string_equal(out, "\a\r\nkestrel: alpha is reading input again; 45 keystrokes were lost\r\n");
}

static void test_drop_input(void **state)
{
	(void)state;
	rx_cap[0] = 0;
	conmux_send(&cm, 0, 'a');
	conmux_send(&cm, 0, 'b');
	conmux_drop_input(&cm, 1); /* not beta's */
	assert_int_equal(cm.rxq_len, 2);
	conmux_drop_input(&cm, 0);
	assert_int_equal(cm.rxq_len, 0);
	assert_string_equal(out, "\akestrel: 2 keystrokes for alpha discarded\r\n");
}

static void test_foreign_vm_dropped(void **state)
{
	(void)state;
	conmux_guest_output(&cm, CONMUX_MAX_GUESTS, 'x');
	conmux_guest_output(&cm, 1000, 'x');
	assert_int_equal(cm.foreign, 2);
	assert_string_equal(out, "");
	conmux_log(&cm, 1000);
	conmux_replay_tail(&cm, 1000);
	assert_int_equal(conmux_lost(&cm, 1000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_prefixed_lines, setup),
		cmocka_unit_test_setup(test_prompt_redrawn_around_lines, setup),
		cmocka_unit_test_setup(test_interleaved_guests_whole_lines, setup),
		cmocka_unit_test_setup(test_other_guest_does_not_cut_line, setup),
		cmocka_unit_test_setup(test_host_does_not_cut_guest_line, setup),
		cmocka_unit_test_setup(test_partial_line_flushed_by_time, setup),
		cmocka_unit_test_setup(test_flush_time_per_guest_from_last_byte, setup),
		cmocka_unit_test_setup(test_partial_line_flushed_when_full, setup),
		cmocka_unit_test_setup(test_full_buffer_splits_with_prefix, setup),
		cmocka_unit_test_setup(test_stop_line_flushes_own_partial_first, setup),
		cmocka_unit_test_setup(test_flush_shows_every_partial, setup),
		cmocka_unit_test_setup(test_partials_of_all_guests, setup),
		cmocka_unit_test_setup(test_control_bytes_filtered, setup),
		cmocka_unit_test_setup(test_host_lines, setup),
		cmocka_unit_test_setup(test_ring_overflow, setup),
		cmocka_unit_test_setup(test_attached_raw_and_others_buffered, setup),
		cmocka_unit_test_setup(test_attach_flushes_other_partials, setup),
		cmocka_unit_test_setup(test_quiet_view, setup),
		cmocka_unit_test_setup(test_send_queues_when_fifo_full, setup),
		cmocka_unit_test_setup(test_send_queue_overflow, setup),
		cmocka_unit_test_setup(test_drop_input, setup),
		cmocka_unit_test_setup(test_foreign_vm_dropped, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
