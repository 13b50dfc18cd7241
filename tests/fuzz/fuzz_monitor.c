/* libFuzzer harness for the monitor (issue 13, "Fuzzing"): bytes typed at
 * the host's serial line, guest console output and clock ticks, in any
 * order, through the line editor, the console multiplexer and every
 * command's parser, against a VMM whose answers the input also picks
 * (counts beyond the arrays it gave, refusals, long names). Nothing may
 * crash, and what the monitor prints stays within its output buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/fmt.c"
#include "vmm/event.c"
#include "vmm/monitor/cmd_debug.c"
#include "vmm/monitor/cmd_mem.c"
#include "vmm/monitor/cmd_vm.c"
#include "vmm/monitor/conmux.c"
#include "vmm/monitor/lineedit.c"
#include "vmm/monitor/monitor.c"
#include "vmm/monitor/print.c"
#include "vmm/monitor/shell.c"
#include "vmm/monitor/view.c"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static struct monitor mon;
static uint8_t knob;        /* the VMM's mood, from the input */
static uint64_t now_ns;
static uint64_t counts[MONITOR_EXIT_REASONS], ticks[MONITOR_EXIT_REASONS];
static size_t printed;

static const char *refusal(void) { return knob & 1 ? "refused for the fuzzer" : 0; }
static void f_out(void *ctx, char c) { (void)ctx, (void)c, printed++; }
static const char *f_version(void *ctx) { return (void)ctx, "Kestrel fuzz"; }
static uint64_t f_uptime(void *ctx) { return (void)ctx, now_ns; }
static void f_host_pages(void *ctx, uint64_t *total, uint64_t *free)
{
	(void)ctx;
	*total = 65536;
	*free = 61440;
}
static unsigned f_vm_count(void *ctx) { return (void)ctx, 3 + (knob >> 6); }
static bool f_vm_info(void *ctx, unsigned vm, struct monitor_vm_info *out)
{
	(void)ctx;
	if (vm >= f_vm_count(0))
		return false;
	static const char *const names[] = {"hello64", "a-very-long-nam", "0x", "x", "rm16", "z"};
	*out = (struct monitor_vm_info){.id = vm, .name = names[vm % 6], .state = "running", .reason = "",
					.image = "img", .cpu_mode = "long", .mem_bytes = (uint64_t)knob << 20,
					.exits = ~0ull >> (knob & 63), .run_ns = now_ns, .exit_counts = counts,
					.exit_ticks = ticks, .nr_exit_counts = MONITOR_EXIT_REASONS,
					.private_pages = knob, .shared_pages = ~0ull - knob};
	return true;
}
static const char *f_exit_name(unsigned reason) { return reason % 3 ? "SOME_REASON" : 0; }
static const char *f_vm_op(void *ctx, unsigned vm) { return (void)ctx, (void)vm, refusal(); }
static const char *f_regs(void *ctx, unsigned vm, struct monitor_regs *r)
{
	(void)ctx, (void)vm;
	memset(r, knob, sizeof(*r));
	return refusal();
}
static long f_mem_read(void *ctx, unsigned vm, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx, (void)vm;
	if (knob & 2)
		return -1;
	memset(buf, (int)gpa, len);
	return (long)(len - (knob & 4 ? len / 2 : 0));
}
static const char *f_dev_show(void *ctx, unsigned vm, const char *dev, void (*put)(void *, char), void *pc)
{
	(void)ctx, (void)vm, (void)dev;
	for (unsigned i = 0; i < 100; i++)
		put(pc, (char)('a' + i % 26));
	return refusal();
}
static const char *f_inject(void *ctx, unsigned vm, struct event *ev) { return (void)ctx, (void)vm, (void)ev, refusal(); }
static unsigned f_quantum_get(void *ctx) { return (void)ctx, 10; }
static const char *f_quantum_set(void *ctx, unsigned ms) { return (void)ctx, (void)ms, refusal(); }
static int f_loglevel_get(void *ctx) { return (void)ctx, knob % 4; }
static void f_loglevel_set(void *ctx, int level) { (void)ctx, (void)level; }
static void f_nothing(void *ctx) { (void)ctx; }
static bool f_rx(void *ctx, unsigned vm, uint8_t b) { return (void)ctx, (void)vm, (void)b, knob & 8; }
static const char *f_snapshot(void *ctx, unsigned vm, const char *tag, struct monitor_snapshot_info *out)
{
	(void)ctx, (void)vm, (void)tag;
	memset(out, 0xFF, sizeof(*out)); /* the tag unterminated: the monitor prints its own copy */
	return refusal();
}
static const char *f_rewind(void *ctx, unsigned vm, const char *tag, uint64_t *pages, uint64_t *t)
{
	(void)ctx, (void)vm, (void)tag;
	*pages = ~0ull, *t = knob;
	return refusal();
}
/* Counts beyond what was asked: the monitor must not believe them. */
static unsigned f_snapshots(void *ctx, unsigned vm, struct monitor_snapshot_info *out, unsigned max)
{
	(void)ctx, (void)vm;
	for (unsigned i = 0; i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		memset(out[i].tag, 'T', sizeof(out[i].tag) - (knob & 16 ? 0 : 1));
		out[i].age_ns = ~0ull >> (knob & 31);
	}
	return knob;
}
static const char *f_tag_op(void *ctx, unsigned vm, const char *tag) { return (void)ctx, (void)vm, (void)tag, refusal(); }
static const char *f_clone(void *ctx, unsigned vm, const char *name, unsigned *id)
{
	(void)ctx, (void)vm, (void)name;
	*id = knob;
	return refusal();
}
static const char *f_watch(void *ctx, unsigned vm, uint64_t gpa, uint64_t len, unsigned kinds)
{
	(void)ctx, (void)vm, (void)gpa, (void)len;
	CHECK(kinds && !(kinds & ~7u));
	return refusal();
}
static const char *f_unwatch(void *ctx, unsigned vm, bool all, uint64_t gpa) { return (void)ctx, (void)vm, (void)all, (void)gpa, refusal(); }
static unsigned f_watches(void *ctx, unsigned vm, struct monitor_watch_info *out, unsigned max)
{
	(void)ctx, (void)vm;
	for (unsigned i = 0; i < max; i++)
		out[i] = (struct monitor_watch_info){.gpa = ~0ull, .len = ~0ull, .kinds = knob, .hits = ~0ull};
	return knob;
}
static const char *f_dirty(void *ctx, unsigned vm, unsigned s, bool wp)
{
	(void)ctx, (void)vm, (void)wp;
	CHECK(s >= 1 && s <= 60);
	return refusal();
}

static const struct monitor_ops ops = {
	.out = f_out, .version = f_version, .uptime_ns = f_uptime, .host_pages = f_host_pages, .vm_count = f_vm_count, .vm_info = f_vm_info,
	.exit_name = f_exit_name, .pause = f_vm_op, .resume = f_vm_op, .reset = f_vm_op, .stop = f_vm_op,
	.exits_reset = f_vm_op, .regs = f_regs, .mem_read = f_mem_read, .dev_show = f_dev_show, .inject = f_inject,
	.quantum_get = f_quantum_get, .quantum_set = f_quantum_set, .loglevel_get = f_loglevel_get,
	.loglevel_set = f_loglevel_set, .poweroff = f_nothing, .reboot = f_nothing, .rx = f_rx,
	.snapshot = f_snapshot, .rewind = f_rewind, .snapshots = f_snapshots, .forget = f_tag_op, .clone = f_clone,
	.watch = f_watch, .unwatch = f_unwatch, .watches = f_watches, .dirty = f_dirty,
};

/* Each input byte pair: what happens (typed, guest output, a tick, the
 * VMM's mood), and its byte. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&mon, 0, sizeof(mon));
	knob = 0;
	now_ns = 0;
	monitor_init(&mon, &ops, 0);
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t what = data[i], b = data[i + 1];
		switch (what & 7) {
		case 0: case 1: case 2: case 3:
			monitor_input(&mon, b);
			break;
		case 4:
			monitor_guest_output(&mon, (what >> 3) % 3, b);
			break;
		case 5:
			now_ns += (uint64_t)b * 10000000ull;
			monitor_tick(&mon, now_ns);
			break;
		case 6:
			knob = b;
			break;
		default:
			monitor_vm_stopped(&mon, (what >> 3) % 3, "stopped by the fuzzer");
		}
	}
	return 0;
}
