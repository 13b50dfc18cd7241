/* Host tests for the monitor as the VMM drives it (vmm/monitor/monitor.c and
 * the command files), against a fake VMM; they assert on the exact text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "kernel/fmt.c"
#include "vmm/monitor/cmd_debug.c"
#include "vmm/monitor/cmd_mem.c"
#include "vmm/monitor/cmd_vm.c"
#include "vmm/monitor/conmux.c"
#include "vmm/monitor/lineedit.c"
#include "vmm/monitor/monitor.c"
#include "vmm/monitor/print.c"
#include "vmm/monitor/shell.c"
#include "vmm/monitor/view.c"
#include "vmm/event.c"

/* ---- the fake VMM ---- */

#define NR_REASONS 66

struct fake_vm {
	struct monitor_vm_info info;
	uint64_t counts[NR_REASONS];
	uint64_t ticks[NR_REASONS];
	uint8_t ram[4096 + 16];
	size_t ram_size;
	size_t fifo_cap; /* receive FIFO: bytes it takes in all */
	uint8_t rx[2 * CONMUX_RXQ_SIZE];
	size_t rx_len;
};

static struct fake_vm vms[3];
static unsigned nr_vms;
static uint64_t uptime = 10000000000ull; /* 10 s */
static unsigned quantum = 10;
static int loglevel = MONITOR_LOG_INFO;
static const char *fail; /* the next life-cycle, regs, dev, inject or memory-feature call fails with it */
static char calls[4096];
static struct event injected;
static char out[1 << 17];
static size_t out_len;
static struct monitor mon;

static void record(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(calls);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
}

static void f_out(void *ctx, char c)
{
	(void)ctx;
	if (out_len < sizeof(out) - 1)
		out[out_len++] = c;
	out[out_len] = '\0';
}
static const char *f_version(void *ctx) { return (void)ctx, "Kestrel 0.1.0-test"; }
static uint64_t f_uptime(void *ctx) { return (void)ctx, uptime; }
static void f_host_pages(void *ctx, uint64_t *total, uint64_t *free)
{
	(void)ctx;
	*total = 65536;
	*free = 61440;
}
static unsigned f_vm_count(void *ctx) { return (void)ctx, nr_vms; }
static bool f_vm_info(void *ctx, unsigned vm, struct monitor_vm_info *info)
{
	(void)ctx;
	if (vm >= nr_vms)
		return false;
	*info = vms[vm].info;
	info->exit_counts = vms[vm].counts;
	info->exit_ticks = vms[vm].ticks;
	info->nr_exit_counts = NR_REASONS;
	return true;
}
static const char *f_exit_name(unsigned reason)
{
	static const char *const names[NR_REASONS] = {
		[0] = "EXCEPTION_NMI", [1] = "EXTERNAL_INTERRUPT", [2] = "TRIPLE_FAULT",
		[7] = "INTERRUPT_WINDOW", [10] = "CPUID", [12] = "HLT", [18] = "VMCALL",
		[28] = "CR_ACCESS", [30] = "IO_INSTRUCTION", [31] = "RDMSR", [32] = "WRMSR",
		[48] = "EPT_VIOLATION", [52] = "PREEMPTION_TIMER", [55] = "XSETBV",
	};
	return reason < NR_REASONS ? names[reason] : NULL;
}
static const char *take_fail(void)
{
	const char *f = fail;
	fail = NULL;
	return f;
}
static const char *f_pause(void *ctx, unsigned vm) { return (void)ctx, record("pause(%u)", vm), take_fail(); }
static const char *f_resume(void *ctx, unsigned vm) { return (void)ctx, record("resume(%u)", vm), take_fail(); }
static const char *f_reset(void *ctx, unsigned vm) { return (void)ctx, record("reset(%u)", vm), take_fail(); }
static const char *f_stop(void *ctx, unsigned vm) { return (void)ctx, record("stop(%u)", vm), take_fail(); }
static const char *f_exits_reset(void *ctx, unsigned vm)
{
	(void)ctx;
	record("exits_reset(%u)", vm);
	const char *err = take_fail();
	if (!err) {
		memset(vms[vm].counts, 0, sizeof(vms[vm].counts));
		memset(vms[vm].ticks, 0, sizeof(vms[vm].ticks));
		vms[vm].info.exits = 0;
	}
	return err;
}
static const char *f_regs(void *ctx, unsigned vm, struct monitor_regs *r)
{
	(void)ctx;
	if (fail)
		return take_fail();
	r->rax = 1, r->rbx = 2, r->rcx = 3, r->rdx = 4, r->rsi = 5, r->rdi = 6, r->rbp = 7;
	r->rsp = 0x7ff0, r->r8 = 8, r->r9 = 9, r->r10 = 10, r->r11 = 11, r->r12 = 12, r->r13 = 13;
	r->r14 = 14, r->r15 = 0xffffffffffffffffull;
	r->rip = 0x100000 + vm, r->rflags = 0x247; /* CF PF ZF IF */
	r->cr0 = 0x80000011, r->cr3 = 0x1000, r->cr4 = 0x20, r->efer = 0x500;
	for (unsigned i = 0; i < SEG_COUNT; i++)
		r->seg[i] = (struct monitor_seg){0x10, 0, 0xffffffff, 0xc093};
	r->seg[SEG_CS] = (struct monitor_seg){0x08, 0, 0xffffffff, 0xa09b};
	r->seg[SEG_FS].base = 0x7f0000001000ull;
	r->seg[SEG_LDTR] = (struct monitor_seg){0, 0, 0, 0x10000};
	r->seg[SEG_TR] = (struct monitor_seg){0x18, 0x3000, 0x67, 0x8b};
	r->gdtr_base = 0x5000, r->gdtr_limit = 0x27;
	return NULL;
}
static long f_mem_read(void *ctx, unsigned vm, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	struct fake_vm *v = &vms[vm];
	if (gpa >= v->ram_size)
		return -1;
	if (len > v->ram_size - gpa)
		len = v->ram_size - gpa;
	memcpy(buf, v->ram + gpa, len);
	return (long)len;
}
static const char *f_dev_show(void *ctx, unsigned vm, const char *dev,
			      void (*put)(void *putctx, char c), void *putctx)
{
	(void)ctx;
	if (strcmp(dev, "uart") == 0 && vm == 2)
		return "no such device";
	char text[64];
	snprintf(text, sizeof(text), "%s of vm %u\nline 2\n", dev, vm);
	for (const char *s = text; *s; s++)
		put(putctx, *s);
	return NULL;
}
/* The real rules decide, as in the VMM: VM 0 is in protected mode, VM 1
 * (rm16) in real mode. */
static const char *f_inject(void *ctx, unsigned vm, struct event *ev)
{
	(void)ctx;
	record("inject(%u)", vm);
	const char *err = take_fail();
	if (err)
		return err;
	struct event_mode m = {.unrestricted = true, .pe = vm == 0, .if_set = true};
	err = event_fit(&m, ev, EVENT_REQUESTED);
	if (!err)
		injected = *ev;
	return err;
}
static unsigned f_quantum_get(void *ctx) { return (void)ctx, quantum; }
static const char *f_quantum_set(void *ctx, unsigned ms)
{
	(void)ctx;
	if (ms == 999)
		return "refused by the fake";
	quantum = ms;
	return NULL;
}
static int f_loglevel_get(void *ctx) { return (void)ctx, loglevel; }
static void f_loglevel_set(void *ctx, int level) { (void)ctx, loglevel = level; }
static void f_poweroff(void *ctx) { (void)ctx, record("poweroff"); }
static void f_reboot(void *ctx) { (void)ctx, record("reboot"); }
static bool f_rx(void *ctx, unsigned vm, uint8_t b)
{
	(void)ctx;
	struct fake_vm *v = &vms[vm];
	if (v->rx_len >= v->fifo_cap || v->rx_len >= sizeof(v->rx))
		return false;
	v->rx[v->rx_len++] = b;
	return true;
}

/* The memory features: canned answers, every call recorded. */
static struct monitor_snapshot_info snap_taken; /* what snapshot() answers */
static struct monitor_snapshot_info snap_list[MONITOR_SNAPSHOTS_MAX + 1];
static unsigned nr_snaps;
static uint64_t pages_restored;
static unsigned clone_id;
static struct monitor_watch_info watch_rows[MONITOR_WATCHES_MAX + 1];
static unsigned nr_watch_rows;

static const char *f_snapshot(void *ctx, unsigned vm, const char *tag, struct monitor_snapshot_info *out)
{
	(void)ctx;
	record("snapshot(%u,%s)", vm, tag);
	*out = snap_taken;
	return take_fail();
}
static const char *f_rewind(void *ctx, unsigned vm, const char *tag, uint64_t *pages, uint64_t *ticks)
{
	(void)ctx;
	record("rewind(%u,%s)", vm, tag);
	*pages = pages_restored;
	*ticks = 5000 + 1200 * pages_restored;
	return take_fail();
}
static unsigned f_snapshots(void *ctx, unsigned vm, struct monitor_snapshot_info *out, unsigned max)
{
	(void)ctx;
	record("snapshots(%u,%u)", vm, max);
	for (unsigned i = 0; i < nr_snaps && i < max; i++)
		out[i] = snap_list[i];
	return nr_snaps; /* may be more than max: the monitor must not believe it */
}
static const char *f_forget(void *ctx, unsigned vm, const char *tag)
{
	return (void)ctx, record("forget(%u,%s)", vm, tag), take_fail();
}
static const char *f_clone(void *ctx, unsigned vm, const char *name, unsigned *new_vm)
{
	(void)ctx;
	record("clone(%u,%s)", vm, name);
	*new_vm = clone_id;
	return take_fail();
}
static const char *f_watch(void *ctx, unsigned vm, uint64_t gpa, uint64_t len, unsigned kinds)
{
	(void)ctx;
	record("watch(%u,0x%llx,%llu,%u)", vm, (unsigned long long)gpa, (unsigned long long)len, kinds);
	return take_fail();
}
static const char *f_unwatch(void *ctx, unsigned vm, bool all, uint64_t gpa)
{
	(void)ctx;
	if (all)
		record("unwatch(%u,all)", vm);
	else
		record("unwatch(%u,0x%llx)", vm, (unsigned long long)gpa);
	return take_fail();
}
static unsigned f_watches(void *ctx, unsigned vm, struct monitor_watch_info *out, unsigned max)
{
	(void)ctx;
	record("watches(%u,%u)", vm, max);
	for (unsigned i = 0; i < nr_watch_rows && i < max; i++)
		out[i] = watch_rows[i];
	return nr_watch_rows;
}
static const char *f_dirty(void *ctx, unsigned vm, unsigned seconds, bool wp)
{
	return (void)ctx, record("dirty(%u,%u%s)", vm, seconds, wp ? ",wp" : ""), take_fail();
}

static const struct monitor_ops ops = {
	.out = f_out, .version = f_version, .uptime_ns = f_uptime, .host_pages = f_host_pages, .vm_count = f_vm_count,
	.vm_info = f_vm_info, .exit_name = f_exit_name, .pause = f_pause, .resume = f_resume,
	.reset = f_reset, .stop = f_stop, .exits_reset = f_exits_reset, .regs = f_regs, .mem_read = f_mem_read,
	.dev_show = f_dev_show, .inject = f_inject, .quantum_get = f_quantum_get,
	.quantum_set = f_quantum_set, .loglevel_get = f_loglevel_get,
	.loglevel_set = f_loglevel_set, .poweroff = f_poweroff, .reboot = f_reboot, .rx = f_rx,
	.snapshot = f_snapshot, .rewind = f_rewind, .snapshots = f_snapshots, .forget = f_forget,
	.clone = f_clone, .watch = f_watch, .unwatch = f_unwatch, .watches = f_watches, .dirty = f_dirty,
};

static void clear_out(void)
{
	out_len = 0;
	out[0] = '\0';
}

static int setup(void **state)
{
	(void)state;
	memset(vms, 0, sizeof(vms));
	nr_vms = 3;
	vms[0].info = (struct monitor_vm_info){
		.id = 0, .name = "hello64", .state = "running", .reason = "", .image = "hello64.elf (ELF64)",
		.cpu_mode = "long", .mem_bytes = 16u << 20, .exits = 1234, .run_ns = 2500000000ull,
		.console_shown = 4096, .console_dropped = 17, .host_bytes = 40000, .host_page_bytes = 32768,
		.private_pages = 4000, .shared_pages = 96};
	vms[1].info = (struct monitor_vm_info){
		.id = 1, .name = "rm16", .state = "paused", .reason = "operator", .image = "rm16.bin (flat real mode)",
		.cpu_mode = "real", .mem_bytes = 640u << 10, .exits = 50, .run_ns = 1000000};
	vms[2].info = (struct monitor_vm_info){
		.id = 2, .name = "crash", .state = "stopped", .reason = "triple fault", .image = "crash.elf (ELF32)",
		.cpu_mode = "protected", .mem_bytes = 1000, .exits = 7, .exit_code = -3,
		.exit_code_valid = true};
	vms[0].counts[30] = 1000, vms[0].counts[12] = 200, vms[0].counts[10] = 30, vms[0].counts[65] = 4;
	vms[0].ticks[30] = 806000, vms[0].ticks[12] = 222000, vms[0].ticks[10] = 3300;
	vms[2].counts[2] = 1, vms[2].counts[30] = 6, vms[2].ticks[2] = 5000, vms[2].ticks[30] = 4000;
	for (unsigned i = 0; i < 3; i++)
		vms[i].fifo_cap = 16;
	for (unsigned i = 0; i < 64; i++)
		vms[0].ram[0x100 + i] = (uint8_t)(i < 12 ? (unsigned)"Hello, world"[i] : i);
	vms[0].ram_size = 4096;
	vms[2].ram_size = 1000;
	uptime = 10000000000ull;
	quantum = 10;
	loglevel = MONITOR_LOG_INFO;
	fail = NULL;
	calls[0] = '\0';
	snap_taken = (struct monitor_snapshot_info){.tag = "default", .entries = 4096, .bytes = 8192, .ticks = 7000};
	memset(snap_list, 0, sizeof(snap_list));
	nr_snaps = 0;
	pages_restored = 0;
	clone_id = 3;
	memset(watch_rows, 0, sizeof(watch_rows));
	nr_watch_rows = 0;
	clear_out();
	monitor_init(&mon, &ops, NULL);
	clear_out();
	return 0;
}

static void type(const char *s)
{
	while (*s)
		monitor_input(&mon, (uint8_t)*s++);
}

static void guest(unsigned vm, const char *s)
{
	while (*s)
		monitor_guest_output(&mon, vm, (uint8_t)*s++);
}

/* Runs a command line and checks everything printed: the echo, the answer
 * (written here with \n; the monitor sends CR LF) and the next prompt. */
static void check_cmd(const char *line, const char *answer)
{
	static char want[1 << 16];
	size_t n = (size_t)snprintf(want, sizeof(want), "%s\r\n", line);
	for (const char *s = answer; *s; s++) {
		if (*s == '\n')
			want[n++] = '\r';
		want[n++] = *s;
	}
	strcpy(want + n, MONITOR_PROMPT);
	clear_out();
	type(line);
	type("\r");
	assert_string_equal(out, want);
}

/* ---- tests ---- */

static void test_banner(void **state)
{
	(void)state;
	monitor_init(&mon, &ops, NULL);
	assert_string_equal(out, "Kestrel 0.1.0-test monitor: 'help' lists the commands\r\nkestrel> ");
}

static void test_help(void **state)
{
	(void)state;
	clear_out();
	type("help\r");
	assert_non_null(strstr(out, "\r\n  list                       every VM: id, name, state, memory, CPU share, exits\r\n"));
	assert_non_null(strstr(out, "  mem VM GPA [LEN]           hexdump"));
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		char want[32];
		snprintf(want, sizeof(want), "\n  %s ", commands[i].name);
		assert_non_null(strstr(out, want));
	}
	check_cmd("help mem", "usage: mem VM GPA [LEN]\n  hexdump guest-physical memory (LEN <= 4096, default 128)\n");
	check_cmd("help version", "usage: version\n  show the hypervisor version\n");
	check_cmd("help watch", "usage: watch VM [GPA [LEN] [KIND]]\n  list the watches, or report accesses to GPA..GPA+LEN-1 "
				"(LEN 1..4096, default 1; KIND r w x, default w)\n");
	check_cmd("help snapshot", "usage: snapshot VM [TAG]\n"
				   "  snapshot the VM as TAG (default 'default'); pages are saved as they are written\n");
	check_cmd("help nope", "help: no command 'nope'\n");
	check_cmd("help a b", "usage: help [COMMAND]\n");
}

static void test_version_uptime(void **state)
{
	(void)state;
	check_cmd("version", "Kestrel 0.1.0-test\n");
	check_cmd("version x", "usage: version\n");
	uptime = 93784123456789ull; /* 1 d 02:03:04.123 */
	check_cmd("uptime", "up 1d 02:03:04 (93784.123 s)\n");
	check_cmd("host", "host memory: 65536 pages (262144 KiB), 4096 in use, 61440 free\n");
}

static void test_list(void **state)
{
	(void)state;
	check_cmd("list", " ID  NAME             STATE      MEMORY       CPU%        EXITS\n"
			  "  0  hello64          running    16 MiB      25.00%         1234\n"
			  "  1  rm16             paused     640 KiB      0.01%           50\n"
			  "  2  crash            stopped    1000 bytes   0.00%            7\n");
	nr_vms = 0;
	check_cmd("list", "no VMs\n");
}

static void test_info(void **state)
{
	(void)state;
	static const char hello[] = "id:        0\nname:      hello64\nstate:     running\nreason:    -\n"
				    "exit code: -\nimage:     hello64.elf (ELF64)\n"
				    "memory:    16 MiB (16777216 bytes)\n"
				    "pages:     4000 private, 96 shared copy-on-write\ncpu mode:  long\n"
				    "host:      40000 bytes beyond its RAM (32768 in pages: EPT, VMCS, FPU area; 7232 static)\n"
				    "exits:     1234\ncpu time:  2.500 s (25.00% since boot)\n"
				    "console:   4096 bytes shown, 17 dropped (written faster than the line)\n";
	check_cmd("info hello64", hello);
	check_cmd("info 0", hello);
	check_cmd("info 2", "id:        2\nname:      crash\nstate:     stopped\nreason:    triple fault\n"
			    "exit code: -3\nimage:     crash.elf (ELF32)\nmemory:    1000 bytes (1000 bytes)\n"
			    "pages:     0 private, 0 shared copy-on-write\n"
			    "cpu mode:  protected\nhost:      0 bytes beyond its RAM (0 in pages: EPT, VMCS, FPU area; 0 static)\nexits:     7\ncpu time:  0.000 s (0.00% since boot)\n"
			    "console:   0 bytes shown, 0 dropped (written faster than the line)\n");
	check_cmd("info nosuch", "no such VM 'nosuch'\n");
	check_cmd("info 3", "no such VM '3'\n");
	check_cmd("info 0x0", "no such VM '0x0'\n");
	check_cmd("info", "usage: info VM\n");
	check_cmd("info a b", "usage: info VM\n");
}

static void test_regs(void **state)
{
	(void)state;
	check_cmd("regs hello64",
		  "RAX=0000000000000001 RBX=0000000000000002 RCX=0000000000000003 RDX=0000000000000004\n"
		  "RSI=0000000000000005 RDI=0000000000000006 RBP=0000000000000007 RSP=0000000000007ff0\n"
		  "R8 =0000000000000008 R9 =0000000000000009 R10=000000000000000a R11=000000000000000b\n"
		  "R12=000000000000000c R13=000000000000000d R14=000000000000000e R15=ffffffffffffffff\n"
		  "RIP=0000000000100000 RFLAGS=0000000000000247 [CF PF ZF IF] IOPL=0\n"
		  "CR0=0000000080000011 CR3=0000000000001000 CR4=0000000000000020\n"
		  "EFER=0000000000000500 (long)\n"
		  "ES  =0010 base=0000000000000000 limit=ffffffff ar=0c093 data rwa dpl=0 p db g\n"
		  "CS  =0008 base=0000000000000000 limit=ffffffff ar=0a09b code xra dpl=0 p l g\n"
		  "SS  =0010 base=0000000000000000 limit=ffffffff ar=0c093 data rwa dpl=0 p db g\n"
		  "DS  =0010 base=0000000000000000 limit=ffffffff ar=0c093 data rwa dpl=0 p db g\n"
		  "FS  =0010 base=00007f0000001000 limit=ffffffff ar=0c093 data rwa dpl=0 p db g\n"
		  "GS  =0010 base=0000000000000000 limit=ffffffff ar=0c093 data rwa dpl=0 p db g\n"
		  "LDTR=0000 base=0000000000000000 limit=00000000 ar=10000 unusable\n"
		  "TR  =0018 base=0000000000003000 limit=00000067 ar=0008b system type=11 dpl=0 p\n"
		  "GDTR base=0000000000005000 limit=00000027\n"
		  "IDTR base=0000000000000000 limit=00000000\n");
	fail = "VM is running: pause it first";
	check_cmd("regs 1", "regs: rm16: VM is running: pause it first\n");
	check_cmd("regs x", "no such VM 'x'\n");
	check_cmd("regs", "usage: regs VM\n");
}

#define EXITS_HEADER "  REASON                       NR        COUNT      %            TICKS   PER EXIT\n"

static void test_exits(void **state)
{
	(void)state;
	check_cmd("exits hello64", "hello64: 1234 exits\n" EXITS_HEADER
				   "  IO_INSTRUCTION               30         1000  81.03           806000        806\n"
				   "  HLT                          12          200  16.20           222000       1110\n"
				   "  CPUID                        10           30   2.43             3300        110\n"
				   "  REASON_65                    65            4   0.32                0          0\n"
				   "  total                                   1234 100.00          1031300        835\n");
	vms[0].counts[12] = 1000; /* ties: lower reason number first */
	clear_out();
	type("exits 0\r");
	assert_non_null(strstr(out, "  HLT                          12         1000  49.16           222000        222\r\n"
				    "  IO_INSTRUCTION               30         1000  49.16           806000        806\r\n"));
	check_cmd("exits rm16", "rm16: 50 exits\n");
	check_cmd("exits zz", "no such VM 'zz'\n");
	check_cmd("exits zz reset", "no such VM 'zz'\n");
	check_cmd("exits hello64 clear", "usage: exits [VM [reset]]\n");
	check_cmd("exits a b c", "usage: exits [VM [reset]]\n");
}

/* Without a VM: every VM's counters added up, reason by reason. */
static void test_exits_all(void **state)
{
	(void)state;
	check_cmd("exits", "all 3 VMs: 1291 exits\n" EXITS_HEADER
			   "  IO_INSTRUCTION               30         1006  81.06           810000        805\n"
			   "  HLT                          12          200  16.11           222000       1110\n"
			   "  CPUID                        10           30   2.41             3300        110\n"
			   "  REASON_65                    65            4   0.32                0          0\n"
			   "  TRIPLE_FAULT                  2            1   0.08             5000       5000\n"
			   "  total                                   1241 100.00          1040300        838\n");
	nr_vms = 1;
	vms[0].counts[65] = 0;
	check_cmd("exits", "all 1 VM: 1234 exits\n" EXITS_HEADER
			   "  IO_INSTRUCTION               30         1000  81.30           806000        806\n"
			   "  HLT                          12          200  16.26           222000       1110\n"
			   "  CPUID                        10           30   2.43             3300        110\n"
			   "  total                                   1230 100.00          1031300        838\n");
	nr_vms = 0;
	check_cmd("exits", "all 0 VMs: 0 exits\n");
}

static void test_exits_reset(void **state)
{
	(void)state;
	check_cmd("exits crash reset", "crash: exit counters cleared\n");
	assert_string_equal(calls, "exits_reset(2)");
	check_cmd("exits crash", "crash: 0 exits\n");
	check_cmd("exits", "all 3 VMs: 1284 exits\n" EXITS_HEADER
			   "  IO_INSTRUCTION               30         1000  81.03           806000        806\n"
			   "  HLT                          12          200  16.20           222000       1110\n"
			   "  CPUID                        10           30   2.43             3300        110\n"
			   "  REASON_65                    65            4   0.32                0          0\n"
			   "  total                                   1234 100.00          1031300        835\n");
	fail = "refused by the fake";
	check_cmd("exits 0 reset", "exits: hello64: refused by the fake\n");
	check_cmd("exits 0", "hello64: 1234 exits\n" EXITS_HEADER
			     "  IO_INSTRUCTION               30         1000  81.03           806000        806\n"
			     "  HLT                          12          200  16.20           222000       1110\n"
			     "  CPUID                        10           30   2.43             3300        110\n"
			     "  REASON_65                    65            4   0.32                0          0\n"
			     "  total                                   1234 100.00          1031300        835\n");
}

static void test_lifecycle(void **state)
{
	(void)state;
	check_cmd("pause hello64", "hello64: paused\n");
	check_cmd("resume 1", "rm16: resumed\n");
	check_cmd("reset crash", "crash: reset, starting again\n");
	check_cmd("stop 0", "hello64: stopped\n");
	assert_string_equal(calls, "pause(0)resume(1)reset(2)stop(0)");
	fail = "already paused";
	check_cmd("pause rm16", "pause: rm16: already paused\n");
	fail = "not paused";
	check_cmd("resume 0", "resume: hello64: not paused\n");
	fail = "no image";
	check_cmd("reset 0", "reset: hello64: no image\n");
	fail = "already stopped";
	check_cmd("stop crash", "stop: crash: already stopped\n");
	for (const char *const *c = (const char *const[]){"pause", "resume", "reset", "stop", NULL}; *c; c++) {
		char line[32], want[64];
		snprintf(line, sizeof(line), "%s ghost", *c);
		check_cmd(line, "no such VM 'ghost'\n");
		snprintf(want, sizeof(want), "usage: %s VM\n", *c);
		check_cmd(*c, want);
	}
}

static void test_mem(void **state)
{
	(void)state;
	check_cmd("mem hello64 0x100 20",
		  "0000000000000100  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 0c 0d 0e 0f  |Hello, world....|\n"
		  "0000000000000110  10 11 12 13                                       |....|\n");
	clear_out();
	type("mem 0 256\r"); /* decimal GPA, default LEN 128: 8 lines */
	size_t lines = 0;
	for (size_t i = 0; i < out_len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, 1 + 8);
	assert_non_null(strstr(out, "\r\n0000000000000100  48 65"));
	assert_non_null(strstr(out, "\r\n0000000000000170  "));
	check_cmd("mem 0 0xffa 0x10",
		  "0000000000000ffa  00 00 00 00 00 00                                 |......|\n"
		  "mem: 0x1000 is outside hello64's RAM\n");
	check_cmd("mem 0 0x1000 1", "mem: 0x1000 is outside hello64's RAM\n");
	check_cmd("mem 0 0 0", "mem: GPA and LEN are numbers, LEN 1..4096\nusage: mem VM GPA [LEN]\n");
	check_cmd("mem 0 0 4097", "mem: GPA and LEN are numbers, LEN 1..4096\nusage: mem VM GPA [LEN]\n");
	check_cmd("mem 0 zz", "mem: GPA and LEN are numbers, LEN 1..4096\nusage: mem VM GPA [LEN]\n");
	check_cmd("mem 0 0xffffffffffffffff 2",
		  "mem: GPA and LEN are numbers, LEN 1..4096\nusage: mem VM GPA [LEN]\n");
	check_cmd("mem 0 0x10000000000000000", "mem: GPA and LEN are numbers, LEN 1..4096\nusage: mem VM GPA [LEN]\n");
	check_cmd("mem nope 0", "no such VM 'nope'\n");
	check_cmd("mem 0", "usage: mem VM GPA [LEN]\n");
	check_cmd("mem 0 1 2 3", "usage: mem VM GPA [LEN]\n");
	/* The longest dump: 4096 bytes, 256 lines. */
	clear_out();
	type("mem 0 0 4096\r");
	lines = 0;
	for (size_t i = 0; i < out_len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, 1 + 256);
}

static void test_devices(void **state)
{
	(void)state;
	check_cmd("pic hello64", "pic of vm 0\nline 2\n");
	check_cmd("pit 1", "pit of vm 1\nline 2\n");
	check_cmd("uart 0", "uart of vm 0\nline 2\n");
	check_cmd("uart crash", "uart: crash: no such device\n");
	check_cmd("pic what", "no such VM 'what'\n");
	check_cmd("pit", "usage: pit VM\n");
}

static void test_inject_ok(void **state)
{
	(void)state;
	check_cmd("inject hello64 0x20", "hello64: injecting extint vector 32 at the next VM entry\n");
	assert_int_equal(injected.type, EVENT_EXTINT);
	assert_false(injected.has_error);
	assert_int_equal(injected.insn_len, 0);
	check_cmd("inject 0 2", "hello64: injecting nmi vector 2 at the next VM entry\n");
	check_cmd("inject 0 14 hwexc 0x2", "hello64: injecting hwexc vector 14 error code 0x2 at the next VM entry\n");
	assert_true(injected.has_error);
	assert_int_equal(injected.error, 2);
	check_cmd("inject 0 13", "hello64: injecting hwexc vector 13 error code 0x0 at the next VM entry\n");
	check_cmd("inject 0 6", "hello64: injecting hwexc vector 6 at the next VM entry\n");
	assert_false(injected.has_error);
	check_cmd("inject 0 0x80 swint", "hello64: injecting swint vector 128 len=2 at the next VM entry\n");
	assert_int_equal(injected.insn_len, 2);
	check_cmd("inject 0 3 swexc", "hello64: injecting swexc vector 3 len=1 at the next VM entry\n");
	check_cmd("inject 0 1 privswexc", "hello64: injecting privswexc vector 1 len=1 at the next VM entry\n");
	check_cmd("inject 0 0x21 swint len=3", "hello64: injecting swint vector 33 len=3 at the next VM entry\n");
	assert_int_equal(injected.insn_len, 3);
	check_cmd("inject 0 8 0 hwexc", "hello64: injecting hwexc vector 8 error code 0x0 at the next VM entry\n");
	check_cmd("inject 0 255 extint", "hello64: injecting extint vector 255 at the next VM entry\n");
	check_cmd("inject 0 21 hwexc 0x7fff", "hello64: injecting hwexc vector 21 error code 0x7fff at the next VM entry\n");
	check_cmd("inject rm16 13", "rm16: injecting hwexc vector 13 at the next VM entry\n");
	check_cmd("inject rm16 13 0", "inject: rm16: in real mode an exception pushes no error code (SDM 3C 26.2.1.3)\n");
	fail = "it has ended";
	check_cmd("inject rm16 6", "inject: rm16: it has ended\n");
}

static void test_inject_validation(void **state)
{
	(void)state;
	check_cmd("inject 0 256", "inject: VECTOR must be 0..255\n");
	check_cmd("inject 0 x", "inject: VECTOR must be 0..255\n");
	check_cmd("inject 0 3 nmi", "inject: hello64: an NMI has vector 2 (SDM 3C 26.2.1.3)\n");
	check_cmd("inject 0 32 hwexc", "inject: hello64: a hardware exception has a vector below 32 (SDM 3C 26.2.1.3)\n");
	static const char no_err[] =
		"inject: hello64: only hardware exceptions 8, 10-14, 17 and 21 have an error code (SDM 3C 26.2.1.3)\n";
	check_cmd("inject 0 14 extint 2", no_err);
	check_cmd("inject 0 6 hwexc 0", no_err);
	check_cmd("inject 0 9 hwexc 0", no_err);
	check_cmd("inject 0 0x80 swint 0", no_err);
	check_cmd("inject 0 2 nmi 0", no_err);
	check_cmd("inject 0 13 hwexc 0x10000", "inject: hello64: an error code has bits 31:16 clear (SDM 3C 26.2.1.3)\n");
	check_cmd("inject 0 13 hwexc 0x100000000", "inject: '0x100000000' is not a TYPE, an ERRCODE or len=N\n");
	check_cmd("inject 0 13 hwexc len=2", "inject: len=N applies only to swint, privswexc and swexc\n");
	check_cmd("inject 0 2 len=1", "inject: len=N applies only to swint, privswexc and swexc\n");
	check_cmd("inject 0 0x80 swint len=0", "inject: len=N needs N in 1..15\n");
	check_cmd("inject 0 0x80 swint len=16", "inject: len=N needs N in 1..15\n");
	check_cmd("inject 0 0x80 swint len=", "inject: len=N needs N in 1..15\n");
	check_cmd("inject 0 0x80 bogus", "inject: 'bogus' is not a TYPE, an ERRCODE or len=N\n");
	check_cmd("inject 0 3 swexc swint", "usage: inject VM VECTOR [TYPE] [ERRCODE] [len=N]\n");
	check_cmd("inject 0 13 1 2", "usage: inject VM VECTOR [TYPE] [ERRCODE] [len=N]\n");
	check_cmd("inject 0 4 swexc len=1 len=2", "usage: inject VM VECTOR [TYPE] [ERRCODE] [len=N]\n");
	check_cmd("inject 0", "usage: inject VM VECTOR [TYPE] [ERRCODE] [len=N]\n");
	check_cmd("inject nope 14", "no such VM 'nope'\n");
	/* Only the events that parse reach the VMM, whose rules refuse them
	 * (the eight above with an SDM citation); malformed commands do not. */
	assert_string_equal(calls, "inject(0)inject(0)inject(0)inject(0)inject(0)inject(0)inject(0)inject(0)");
}

/* ---- the memory features: snapshots, clones, watches, dirty pages ---- */

static void test_snapshot(void **state)
{
	(void)state;
	check_cmd("snapshot hello64", "hello64: snapshot default taken (4096 EPT entries write-protected, 8192 bytes, 7000 host ticks)\n");
	snap_taken.entries = 160, snap_taken.bytes = 12288;
	check_cmd("snapshot 1 boot-1.v2_x", "rm16: snapshot boot-1.v2_x taken (160 EPT entries write-protected, 12288 bytes, 7000 host ticks)\n");
	check_cmd("snapshot 1 abcdefghijklmno", "rm16: snapshot abcdefghijklmno taken (160 EPT entries write-protected, 12288 bytes, 7000 host ticks)\n");
	assert_string_equal(calls, "snapshot(0,default)snapshot(1,boot-1.v2_x)snapshot(1,abcdefghijklmno)");
	fail = "4 snapshots already: forget one";
	check_cmd("snapshot 0 more", "snapshot: hello64: 4 snapshots already: forget one\n");
	calls[0] = '\0';
	static const char bad[] = "snapshot: bad tag: '%s' (1..15 characters of A-Z a-z 0-9 _ . -)\n"
				  "usage: snapshot VM [TAG]\n";
	for (const char *const *t = (const char *const[]){"abcdefghijklmnop", "a/b", "tag!", "x:y", NULL}; *t; t++) {
		char line[64], want[160];
		snprintf(line, sizeof(line), "snapshot 0 %s", *t);
		snprintf(want, sizeof(want), bad, *t);
		check_cmd(line, want);
	}
	check_cmd("snapshot ghost", "no such VM 'ghost'\n");
	check_cmd("snapshot", "usage: snapshot VM [TAG]\n");
	check_cmd("snapshot 0 a b", "usage: snapshot VM [TAG]\n");
	assert_string_equal(calls, ""); /* a bad tag never reaches the VMM */
}

static void test_rewind_forget(void **state)
{
	(void)state;
	check_cmd("rewind hello64", "hello64: rewound to default (0 pages restored, 5000 host ticks)\n");
	pages_restored = 37;
	check_cmd("rewind 2 before.crash", "crash: rewound to before.crash (37 pages restored, 49400 host ticks)\n");
	fail = "no snapshot 'nope'";
	check_cmd("rewind 0 nope", "rewind: hello64: no snapshot 'nope'\n");
	check_cmd("forget 0 default", "hello64: snapshot default dropped\n");
	fail = "no snapshot 'x'";
	check_cmd("forget rm16 x", "forget: rm16: no snapshot 'x'\n");
	assert_string_equal(calls, "rewind(0,default)rewind(2,before.crash)rewind(0,nope)forget(0,default)forget(1,x)");
	calls[0] = '\0';
	check_cmd("rewind 0 a*b", "rewind: bad tag: 'a*b' (1..15 characters of A-Z a-z 0-9 _ . -)\n"
				  "usage: rewind VM [TAG]\n");
	check_cmd("forget 0 abcdefghijklmnop", "forget: bad tag: 'abcdefghijklmnop' (1..15 characters of A-Z a-z 0-9 _ . -)\n"
					       "usage: forget VM TAG\n");
	check_cmd("forget 0", "usage: forget VM TAG\n");
	check_cmd("rewind", "usage: rewind VM [TAG]\n");
	check_cmd("rewind ghost", "no such VM 'ghost'\n");
	check_cmd("forget ghost t", "no such VM 'ghost'\n");
	assert_string_equal(calls, "");
}

#define SNAPSHOTS_HEADER "  TAG              AGE          SAVED    DIFFERS        BYTES  REWINDS\n"

static void test_snapshots(void **state)
{
	(void)state;
	check_cmd("snapshots hello64", "hello64: no snapshots\n");
	assert_string_equal(calls, "snapshots(0,4)");
	snap_list[0] = (struct monitor_snapshot_info){
		.tag = "default", .age_ns = 12345678901ull, .saved_pages = 3, .differs_pages = 5, .bytes = 20480};
	snap_list[1] = (struct monitor_snapshot_info){.tag = "abcdefghijklmno",
						      .age_ns = 99999999999999ull,
						      .saved_pages = 262144,
						      .differs_pages = 262144,
						      .bytes = 1073754112,
						      .rewinds = 12};
	nr_snaps = 2;
	check_cmd("snapshots 0", SNAPSHOTS_HEADER
			       "  default          12.345 s         3          5        20480        0\n"
			       "  abcdefghijklmno  99999.999 s 262144     262144   1073754112       12\n");
	/* More than asked for, and a tag that fills its array: neither runs over. */
	snap_list[0] = (struct monitor_snapshot_info){.age_ns = 5000000, .saved_pages = 1};
	memset(snap_list[0].tag, 'a', sizeof(snap_list[0].tag));
	nr_snaps = MONITOR_SNAPSHOTS_MAX + 1;
	clear_out();
	type("snapshots 0\r");
	assert_non_null(strstr(out, "\r\n  aaaaaaaaaaaaaaa  0.005 s          1          0            0        0\r\n"));
	size_t lines = 0;
	for (size_t i = 0; i < out_len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, 1 + 1 + MONITOR_SNAPSHOTS_MAX);
	check_cmd("snapshots", "usage: snapshots VM\n");
	check_cmd("snapshots ghost", "no such VM 'ghost'\n");
}

static void test_clone(void **state)
{
	(void)state;
	check_cmd("clone hello64 hello2", "hello64: cloned as hello2 (id 3)\n");
	clone_id = 63;
	check_cmd("clone 1 rm16_copy-B", "rm16: cloned as rm16_copy-B (id 63)\n");
	check_cmd("clone 1 abcdefghijklmno", "rm16: cloned as abcdefghijklmno (id 63)\n");
	check_cmd("clone 1 7up", "rm16: cloned as 7up (id 63)\n");
	fail = "name in use";
	check_cmd("clone 0 rm16", "clone: hello64: name in use\n");
	assert_string_equal(calls, "clone(0,hello2)clone(1,rm16_copy-B)clone(1,abcdefghijklmno)clone(1,7up)clone(0,rm16)");
	calls[0] = '\0';
	static const char bad[] = "clone: bad name: '%s' (1..15 characters of A-Z a-z 0-9 _ -, not all digits)\n"
				  "usage: clone VM NEWNAME\n";
	for (const char *const *n = (const char *const[]){"a.b", "123", "abcdefghijklmnop", "x=y", NULL}; *n; n++) {
		char line[64], want[160];
		snprintf(line, sizeof(line), "clone 0 %s", *n);
		snprintf(want, sizeof(want), bad, *n);
		check_cmd(line, want);
	}
	check_cmd("clone 0", "usage: clone VM NEWNAME\n");
	check_cmd("clone ghost x", "no such VM 'ghost'\n");
	assert_string_equal(calls, "");
}

#define WATCH_HEADER "  GPA                  LEN  KIND        HITS       SHOWN\n"

static void test_watch_list(void **state)
{
	(void)state;
	check_cmd("watch hello64", "hello64: no watches\n");
	assert_string_equal(calls, "watches(0,16)");
	watch_rows[0] = (struct monitor_watch_info){0x7c00, 2, MONITOR_WATCH_W, 1500, 1000};
	watch_rows[1] = (struct monitor_watch_info){0xfffffffffffff000ull, 4096,
						   MONITOR_WATCH_R | MONITOR_WATCH_W | MONITOR_WATCH_X, 0, 0};
	nr_watch_rows = 2;
	check_cmd("watch 0", WATCH_HEADER
			   "  0x0000000000007c00     2  w           1500        1000\n"
			   "  0xfffffffffffff000  4096  rwx            0           0\n");
	watch_rows[0].kinds = MONITOR_WATCH_R | MONITOR_WATCH_X;
	watch_rows[1].kinds = MONITOR_WATCH_W | MONITOR_WATCH_X;
	nr_watch_rows = MONITOR_WATCHES_MAX + 1; /* more than asked for: 16 rows */
	clear_out();
	type("watch 0\r");
	assert_non_null(strstr(out, "  0x0000000000007c00     2  rx          1500        1000\r\n"
				    "  0xfffffffffffff000  4096  wx             0           0\r\n"));
	size_t lines = 0;
	for (size_t i = 0; i < out_len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, 1 + 1 + MONITOR_WATCHES_MAX);
}

static void test_watch_kinds(void **state)
{
	(void)state;
	assert_int_equal(watch_kinds("r"), MONITOR_WATCH_R);
	assert_int_equal(watch_kinds("w"), MONITOR_WATCH_W);
	assert_int_equal(watch_kinds("x"), MONITOR_WATCH_X);
	assert_int_equal(watch_kinds("wx"), MONITOR_WATCH_W | MONITOR_WATCH_X);
	assert_int_equal(watch_kinds("xw"), MONITOR_WATCH_W | MONITOR_WATCH_X);
	assert_int_equal(watch_kinds("rwx"), MONITOR_WATCH_R | MONITOR_WATCH_W | MONITOR_WATCH_X);
	assert_int_equal(watch_kinds("xrw"), MONITOR_WATCH_R | MONITOR_WATCH_W | MONITOR_WATCH_X);
	assert_int_equal(watch_kinds(""), 0);
	assert_int_equal(watch_kinds("rr"), 0);
	assert_int_equal(watch_kinds("R"), 0);
	assert_int_equal(watch_kinds("rwxa"), 0);
	assert_int_equal(watch_kinds("q"), 0);
	char buf[4];
	for (unsigned k = 1; k < 8; k++)
		assert_int_equal(watch_kinds(watch_kind_name(k, buf)), k);
	assert_string_equal(watch_kind_name(MONITOR_WATCH_X | MONITOR_WATCH_R, buf), "rx");
}

static void test_watch(void **state)
{
	(void)state;
	check_cmd("watch hello64 0x1000", "hello64: watching 0x1000..0x1000 (w)\n");
	check_cmd("watch 0 0x1000 8 rw", "hello64: watching 0x1000..0x1007 (rw)\n");
	check_cmd("watch 0 0x2000 rw", "hello64: watching 0x2000..0x2000 (rw)\n");
	check_cmd("watch 0 4096 4096 xr", "hello64: watching 0x1000..0x1fff (rx)\n");
	check_cmd("watch 0 0x10 r", "hello64: watching 0x10..0x10 (r)\n");
	check_cmd("watch 0 0x10 2 wx", "hello64: watching 0x10..0x11 (wx)\n");
	check_cmd("watch 1 0 0x10 rwx", "rm16: watching 0x0..0xf (rwx)\n");
	check_cmd("watch 1 0xffffffffffffffff", "rm16: watching 0xffffffffffffffff..0xffffffffffffffff (w)\n");
	assert_string_equal(calls, "watch(0,0x1000,1,2)watch(0,0x1000,8,3)watch(0,0x2000,1,3)watch(0,0x1000,4096,5)"
				   "watch(0,0x10,1,1)watch(0,0x10,2,6)watch(1,0x0,16,7)watch(1,0xffffffffffffffff,1,2)");
	fail = "16 watches already";
	check_cmd("watch 0 0x3000", "watch: hello64: 16 watches already\n");
	calls[0] = '\0';
	static const char bad_len[] = "watch: GPA and LEN are numbers, LEN 1..4096\nusage: watch VM [GPA [LEN] [KIND]]\n";
	check_cmd("watch 0 0x1000 0", bad_len);
	check_cmd("watch 0 0x1000 4097 r", bad_len);
	check_cmd("watch 0 0x1000 4k", bad_len);
	check_cmd("watch 0 zz", bad_len);
	check_cmd("watch 0 0xffffffffffffffff 2", bad_len);
	static const char bad_kind[] = "watch: KIND is r, w, x or a combination of them (rw, wx, rwx...)\n"
				       "usage: watch VM [GPA [LEN] [KIND]]\n";
	check_cmd("watch 0 0x1000 q", bad_kind);
	check_cmd("watch 0 0x1000 4 rwq", bad_kind);
	check_cmd("watch 0 0x1000 ww", bad_kind);
	check_cmd("watch 0 0x1000 W", bad_kind);
	check_cmd("watch 0 0x1000 4 5", bad_kind);
	check_cmd("watch 0 0x1000 rw 4", "usage: watch VM [GPA [LEN] [KIND]]\n");
	check_cmd("watch 0 0x1000 4 rw x", "usage: watch VM [GPA [LEN] [KIND]]\n");
	check_cmd("watch", "usage: watch VM [GPA [LEN] [KIND]]\n");
	check_cmd("watch ghost 0x1000", "no such VM 'ghost'\n");
	assert_string_equal(calls, "");
}

static void test_unwatch(void **state)
{
	(void)state;
	check_cmd("unwatch hello64", "hello64: every watch removed\n");
	check_cmd("unwatch 1 0x7C00", "rm16: watch at 0x7c00 removed\n");
	check_cmd("unwatch 1 4096", "rm16: watch at 0x1000 removed\n");
	fail = "no watch at 0x5000";
	check_cmd("unwatch 0 0x5000", "unwatch: hello64: no watch at 0x5000\n");
	assert_string_equal(calls, "unwatch(0,all)unwatch(1,0x7c00)unwatch(1,0x1000)unwatch(0,0x5000)");
	calls[0] = '\0';
	check_cmd("unwatch 0 all", "unwatch: GPA is a number\nusage: unwatch VM [GPA]\n");
	check_cmd("unwatch 0 1 2", "usage: unwatch VM [GPA]\n");
	check_cmd("unwatch", "usage: unwatch VM [GPA]\n");
	check_cmd("unwatch ghost", "no such VM 'ghost'\n");
	assert_string_equal(calls, "");
}

static void test_dirty(void **state)
{
	(void)state;
	check_cmd("dirty hello64", "hello64: logging dirty pages for 5 s\n");
	check_cmd("dirty 1 1", "rm16: logging dirty pages for 1 s\n");
	check_cmd("dirty 1 0x3c", "rm16: logging dirty pages for 60 s\n");
	check_cmd("dirty 1 2 wp", "rm16: logging dirty pages for 2 s\n");
	fail = "already logging";
	check_cmd("dirty 0 10", "dirty: hello64: already logging\n");
	assert_string_equal(calls, "dirty(0,5)dirty(1,1)dirty(1,60)dirty(1,2,wp)dirty(0,10)");
	calls[0] = '\0';
	static const char bad[] = "dirty: SECONDS must be 1..60\nusage: dirty VM [SECONDS [wp]]\n";
	check_cmd("dirty 0 0", bad);
	check_cmd("dirty 0 61", bad);
	check_cmd("dirty 0 soon", bad);
	check_cmd("dirty 0 1 2", "dirty: the last word may only be wp (write protection, even with PML)\n"
				 "usage: dirty VM [SECONDS [wp]]\n");
	check_cmd("dirty 0 1 wp 2", "usage: dirty VM [SECONDS [wp]]\n");
	check_cmd("dirty", "usage: dirty VM [SECONDS [wp]]\n");
	check_cmd("dirty ghost", "no such VM 'ghost'\n");
	assert_string_equal(calls, "");
}

static void test_quantum_loglevel(void **state)
{
	(void)state;
	check_cmd("quantum", "quantum: 10 ms\n");
	check_cmd("quantum 25", "quantum: 25 ms\n");
	assert_int_equal(quantum, 25);
	check_cmd("quantum 1000", "quantum: 1000 ms\n");
	check_cmd("quantum 0", "quantum: MS must be 1..1000\nusage: quantum [MS]\n");
	check_cmd("quantum 1001", "quantum: MS must be 1..1000\nusage: quantum [MS]\n");
	check_cmd("quantum fast", "quantum: MS must be 1..1000\nusage: quantum [MS]\n");
	check_cmd("quantum 999", "quantum: refused by the fake\n");
	check_cmd("quantum 1 2", "usage: quantum [MS]\n");
	assert_int_equal(quantum, 1000);
	check_cmd("loglevel", "loglevel: info\n");
	check_cmd("loglevel debug", "loglevel: debug\n");
	assert_int_equal(loglevel, MONITOR_LOG_DEBUG);
	check_cmd("loglevel error", "loglevel: error\n");
	check_cmd("loglevel warn", "loglevel: warn\n");
	check_cmd("loglevel loud", "usage: loglevel [error|warn|info|debug]\n");
}

static void test_power(void **state)
{
	(void)state;
	check_cmd("poweroff", "powering off\n");
	check_cmd("reboot", "rebooting\n");
	assert_string_equal(calls, "poweroffreboot");
	check_cmd("reboot now", "usage: reboot\n");
}

static void test_unknown_and_empty(void **state)
{
	(void)state;
	check_cmd("lsit", "unknown command 'lsit' - did you mean 'list'? type 'help'\n");
	check_cmd("exit", "unknown command 'exit' - did you mean 'exits'? type 'help'\n");
	check_cmd("con hello64", "unknown command 'con' - did you mean 'console'? type 'help'\n");
	check_cmd("xyzzy", "unknown command 'xyzzy' type 'help'\n");
	check_cmd("", "");
	check_cmd("   ", "");
	check_cmd("  version  ", "Kestrel 0.1.0-test\n");
	check_cmd("help 1 2 3 4 5 6 7 8 9", "usage: help [COMMAND]\n");
}

static void test_prompt_redraw_mid_typing(void **state)
{
	(void)state;
	type("inf");
	clear_out();
	guest(0, "hello ");
	assert_string_equal(out, ""); /* partial line: held */
	guest(0, "world\r\n");
	assert_string_equal(out, "\r\x1b[K[hello64] hello world\r\nkestrel> inf");
	clear_out();
	guest(1, "a\nb\n");
	assert_string_equal(out, "\r\x1b[K[rm16] a\r\nkestrel> inf\r\x1b[K[rm16] b\r\nkestrel> inf");
	clear_out();
	for (const char *s = "warning: host says\n"; *s; s++)
		monitor_host_output(&mon, *s);
	assert_string_equal(out, "\r\x1b[Kwarning: host says\r\nkestrel> inf");
	/* The typed text survived: finish the command. */
	clear_out();
	type("o 1\r");
	assert_memory_equal(out, "o 1\r\nid:        1\r\n", 17);
}

static void test_partial_flush_on_tick(void **state)
{
	(void)state;
	monitor_tick(&mon, 5000000000ull);
	guest(2, "Password: ");
	monitor_tick(&mon, 5100000000ull);
	assert_string_equal(out, "");
	monitor_tick(&mon, 5300000000ull);
	assert_string_equal(out, "\r\x1b[K[crash] Password: \r\nkestrel> ");
}

static void test_ctrl_c_and_keys(void **state)
{
	(void)state;
	type("list\x03");
	assert_string_equal(out, "list^C\r\nkestrel> ");
	clear_out();
	type("verzion\x7f\x7f\x7f\x08sion\r");
	assert_string_equal(out, "verzion\b \b\b \b\b \b\b \bsion\r\nKestrel 0.1.0-test\r\nkestrel> ");
	clear_out();
	type("abc\x15version\r");
	assert_string_equal(out, "abc\r\x1b[Kkestrel> version\r\nKestrel 0.1.0-test\r\nkestrel> ");
	clear_out();
	type("\x1b[A\x1b[A"); /* history: version, then (older) nothing else: bell */
	assert_string_equal(out, "\r\x1b[Kkestrel> version\a");
	clear_out();
	type("\r");
	assert_string_equal(out, "\r\nKestrel 0.1.0-test\r\nkestrel> ");
}

static void test_console_attach_detach(void **state)
{
	(void)state;
	guest(0, "boot done\nlogin: ");
	clear_out();
	type("console hello64\r");
	assert_string_equal(out, "console hello64\r\nattached to hello64: Ctrl-] returns to the monitor\r\nlogin: ");
	clear_out();
	/* Everything goes to the guest raw: arrows, Ctrl-C, CR, NUL, high bytes. */
	static const uint8_t keys[] = {'r', 0x1b, '[', 'A', 0x03, '\r', 0x00, 0xff, 0x7f, 0x1b};
	for (size_t i = 0; i < sizeof(keys); i++)
		monitor_input(&mon, keys[i]);
	assert_int_equal(vms[0].rx_len, sizeof(keys));
	assert_memory_equal(vms[0].rx, keys, sizeof(keys));
	assert_string_equal(out, ""); /* no local echo: the guest echoes */
	guest(0, "\x1b[1mroot\x1b[0m\r\n$ ");
	guest(1, "rm16 talks\n");
	guest(2, "crash too");
	assert_string_equal(out, "\x1b[1mroot\x1b[0m\r\n$ ");
	clear_out();
	monitor_input(&mon, 0x1d);
	assert_string_equal(out, "\r\ndetached from hello64\r\n"
				 "(rm16 wrote 11 bytes meanwhile: 'log rm16' shows them)\r\n"
				 "(crash wrote 9 bytes meanwhile: 'log crash' shows them)\r\n"
				 "kestrel> ");
	assert_int_equal(vms[0].rx_len, sizeof(keys)); /* Ctrl-] itself is not sent */
	check_cmd("log rm16", "--- rm16: last 11 of 11 bytes ---\nrm16 talks\n--- end of rm16 ---\n");
	check_cmd("log crash", "--- crash: last 9 of 9 bytes ---\ncrash too\n--- end of crash ---\n");
	check_cmd("log 0", "--- hello64: last 33 of 33 bytes ---\nboot done\nlogin: [1mroot[0m\n$ \n"
			   "--- end of hello64 ---\n");
	/* Back in the shell the others are shown again, with their prefix. */
	clear_out();
	guest(1, "again\n");
	assert_string_equal(out, "\r\x1b[K[rm16] again\r\nkestrel> ");
	check_cmd("console nope", "no such VM 'nope'\n");
	check_cmd("console", "usage: console VM\n");
	check_cmd("log", "usage: log VM\n");
	check_cmd("log nope", "no such VM 'nope'\n");
}

static void test_log_ring_overflow(void **state)
{
	(void)state;
	type("console 0\r");
	for (int i = 0; i < 5000; i++)
		monitor_guest_output(&mon, 1, (uint8_t)(i % 100 == 99 ? '\n' : '0' + i % 10));
	type("\x1d");
	clear_out();
	type("log rm16\r");
	assert_memory_equal(out, "log rm16\r\n--- rm16: last 4096 of 5000 bytes, 904 older bytes lost ---\r\n"
				 "45678901234567890123456789", 96);
	assert_non_null(strstr(out, "\r\n--- end of rm16 ---\r\nkestrel> "));
}

static void test_queued_input(void **state)
{
	(void)state;
	vms[1].fifo_cap = 3;
	type("console rm16\r");
	clear_out();
	type("ls -l\r");
	assert_int_equal(vms[1].rx_len, 3);
	assert_string_equal(out, "");
	vms[1].fifo_cap = 5;
	monitor_tick(&mon, 1);
	assert_int_equal(vms[1].rx_len, 5);
	type("\x1d"); /* detaching keeps what is queued for the guest */
	vms[1].fifo_cap = 100;
	monitor_tick(&mon, 2);
	assert_int_equal(vms[1].rx_len, 6);
	assert_memory_equal(vms[1].rx, "ls -l\r", 6);
	/* Beyond the queue: the operator is told once, then the count. */
	type("console 1\r");
	vms[1].fifo_cap = 6;
	clear_out();
	for (int i = 0; i < CONMUX_RXQ_SIZE + 10; i++)
		monitor_input(&mon, 'z');
	assert_string_equal(out, "\a\r\nkestrel: rm16 is not reading its input; 8192 keystrokes queued, "
				 "dropping more\r\n");
	clear_out();
	vms[1].fifo_cap = 2 * CONMUX_RXQ_SIZE;
	monitor_tick(&mon, 3);
	assert_int_equal(vms[1].rx_len, 6 + CONMUX_RXQ_SIZE);
	assert_string_equal(out, "\a\r\nkestrel: rm16 is reading input again; 10 keystrokes were lost\r\n");
}

static void test_vm_stopped(void **state)
{
	(void)state;
	type("ver");
	clear_out();
	monitor_vm_stopped(&mon, 2, "stopped: triple fault at RIP 0x1000");
	assert_string_equal(out, "\r\x1b[K[crash] *** stopped: triple fault at RIP 0x1000\r\nkestrel> ver");
	type("\x15" "console 2\r");
	vms[2].fifo_cap = 0;
	type("abc");
	clear_out();
	monitor_vm_stopped(&mon, 2, "stopped: exit code 3");
	assert_string_equal(out, "\a\r\nkestrel: 3 keystrokes for crash discarded\r\n"
				 "\r\n[crash] *** stopped: exit code 3\r\n"
				 "\r\ndetached from crash\r\nkestrel> ");
	assert_int_equal(mon.mode, MONITOR_SHELL);
}

static void test_top(void **state)
{
	(void)state;
	type("top\r");
	assert_non_null(strstr(out, "\x1b[H\x1b[2Jkestrel top - up 0d 00:00:10, 3 VMs, quantum 10 ms"
				    "  (any key: back to the prompt)\r\n\r\n"
				    " ID  NAME             STATE        CPU%     EXITS/s        EXITS\r\n"
				    "  0  hello64          running     25.00%         123         1234\r\n"
				    "  1  rm16             paused       0.01%           5           50\r\n"
				    "  2  crash            stopped      0.00%           0            7\r\n"));
	clear_out();
	guest(0, "quiet while top runs\n");
	monitor_tick(&mon, 10500000000ull);
	assert_string_equal(out, ""); /* not a second yet, and guests stay off screen */
	vms[0].info.exits += 500;
	vms[0].info.run_ns += 750000000ull;
	vms[1].info.exits = 3; /* reset VM: counts from zero */
	uptime = 11000000000ull;
	monitor_tick(&mon, 11000000000ull);
	assert_non_null(strstr(out, "up 0d 00:00:11"));
	assert_non_null(strstr(out, "  0  hello64          running     75.00%         500         1734\r\n"
				    "  1  rm16             paused       0.00%           3            3\r\n"));
	clear_out();
	monitor_input(&mon, 'q');
	assert_string_equal(out, "\r\n(hello64 wrote 21 bytes meanwhile: 'log hello64' shows them)\r\nkestrel> ");
	clear_out();
	monitor_tick(&mon, 13000000000ull);
	assert_string_equal(out, ""); /* no more screens */
	/* An arrow key leaving top does not leave "[A" on the line. */
	type("top\r");
	type("\x1b[A");
	assert_string_equal(mon.le.line, "");
	assert_int_equal(mon.mode, MONITOR_SHELL);
	check_cmd("top x", "usage: top\n");
}

static void test_random_bytes(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"console 1\r", "top\r", "list\r", "mem 0 0 4096\r", "inject 0 14\r", "log 1\r",
		"regs 0\r", "exits 0\r", "\x1d", "help\r", "info 2\r", "pic 1\r",
	};
	uint32_t x = 2024;
	for (int i = 0; i < 100000; i++) {
		x = x * 1664525u + 1013904223u;
		uint8_t b = (uint8_t)(x >> 24);
		unsigned what = (x >> 8) % 64;
		if (what == 0)
			type(lines[(x >> 16) % (sizeof(lines) / sizeof(lines[0]))]);
		else if (what < 8)
			monitor_guest_output(&mon, what % 4, b);
		else if (what == 8)
			monitor_tick(&mon, (uint64_t)i * 1000000ull);
		else if (what == 9)
			monitor_host_output(&mon, (char)b);
		else if (what == 10)
			vms[1].fifo_cap = vms[1].rx_len + (b & 3); /* a FIFO that fills up at times */
		else
			monitor_input(&mon, b);
		if (out_len > sizeof(out) / 2)
			clear_out();
		assert_true(mon.le.len <= LINEEDIT_MAX);
		assert_true(mon.cm.rxq_len <= CONMUX_RXQ_SIZE);
		for (unsigned o = 0; o <= CONMUX_HOST; o++)
			assert_true(mon.cm.part[o].len < CONMUX_LINE_MAX);
	}
	/* Whatever happened, the monitor still answers. */
	type("\x1d\x03");
	monitor_input(&mon, 'q');
	type("\x03");
	check_cmd("version", "Kestrel 0.1.0-test\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_banner, setup),
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_version_uptime, setup),
		cmocka_unit_test_setup(test_list, setup),
		cmocka_unit_test_setup(test_info, setup),
		cmocka_unit_test_setup(test_regs, setup),
		cmocka_unit_test_setup(test_exits, setup),
		cmocka_unit_test_setup(test_exits_all, setup),
		cmocka_unit_test_setup(test_exits_reset, setup),
		cmocka_unit_test_setup(test_lifecycle, setup),
		cmocka_unit_test_setup(test_mem, setup),
		cmocka_unit_test_setup(test_devices, setup),
		cmocka_unit_test_setup(test_inject_ok, setup),
		cmocka_unit_test_setup(test_inject_validation, setup),
		cmocka_unit_test_setup(test_snapshot, setup),
		cmocka_unit_test_setup(test_rewind_forget, setup),
		cmocka_unit_test_setup(test_snapshots, setup),
		cmocka_unit_test_setup(test_clone, setup),
		cmocka_unit_test_setup(test_watch_list, setup),
		cmocka_unit_test_setup(test_watch_kinds, setup),
		cmocka_unit_test_setup(test_watch, setup),
		cmocka_unit_test_setup(test_unwatch, setup),
		cmocka_unit_test_setup(test_dirty, setup),
		cmocka_unit_test_setup(test_quantum_loglevel, setup),
		cmocka_unit_test_setup(test_power, setup),
		cmocka_unit_test_setup(test_unknown_and_empty, setup),
		cmocka_unit_test_setup(test_prompt_redraw_mid_typing, setup),
		cmocka_unit_test_setup(test_partial_flush_on_tick, setup),
		cmocka_unit_test_setup(test_ctrl_c_and_keys, setup),
		cmocka_unit_test_setup(test_console_attach_detach, setup),
		cmocka_unit_test_setup(test_log_ring_overflow, setup),
		cmocka_unit_test_setup(test_queued_input, setup),
		cmocka_unit_test_setup(test_vm_stopped, setup),
		cmocka_unit_test_setup(test_top, setup),
		cmocka_unit_test_setup(test_random_bytes, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
