/* Monitor commands that look inside a VM: regs (the VMCS guest-state area,
 * SDM 3C 24.4), mem (guest-physical hexdump) and inject (VM-entry event
 * injection, validated per SDM 3C 26.2.1.3 before the VMM is asked). */
#include "vmm/monitor/shell.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

#define AR_TYPE(ar)    ((ar) & 0xF)
#define AR_S           (1u << 4)  /* descriptor type: 0 system, 1 code or data */
#define AR_DPL(ar)     (((ar) >> 5) & 3)
#define AR_P           (1u << 7)  /* present */
#define AR_L           (1u << 13) /* 64-bit code segment */
#define AR_DB          (1u << 14) /* default operation size */
#define AR_G           (1u << 15) /* granularity */
#define AR_UNUSABLE    (1u << 16) /* segment unusable (VMX) */

static void print_segment(struct monitor *mon, const char *name, const struct monitor_seg *s)
{
	uint32_t ar = s->access;
	mon_printf(mon, "%-4s=%04x base=%016llx limit=%08x ar=%05x", name, s->selector,
		   (unsigned long long)s->base, s->limit, ar);
	if (ar & AR_UNUSABLE) {
		mon_puts(mon, " unusable\n");
		return;
	}
	if (!(ar & AR_S))
		mon_printf(mon, " system type=%u", AR_TYPE(ar));
	else if (AR_TYPE(ar) & 8)
		mon_printf(mon, " code x%s%s%s", AR_TYPE(ar) & 2 ? "r" : "", AR_TYPE(ar) & 4 ? "c" : "",
			   AR_TYPE(ar) & 1 ? "a" : "");
	else
		mon_printf(mon, " data r%s%s%s", AR_TYPE(ar) & 2 ? "w" : "", AR_TYPE(ar) & 4 ? "e" : "",
			   AR_TYPE(ar) & 1 ? "a" : "");
	mon_printf(mon, " dpl=%u%s%s%s%s\n", AR_DPL(ar), ar & AR_P ? " p" : "", ar & AR_L ? " l" : "",
		   ar & AR_DB ? " db" : "", ar & AR_G ? " g" : "");
}

static void print_rflags(struct monitor *mon, uint64_t rflags)
{
	static const struct { unsigned bit; const char *name; } flags[] = {
		{0, "CF"}, {2, "PF"}, {4, "AF"}, {6, "ZF"}, {7, "SF"}, {8, "TF"},
		{9, "IF"}, {10, "DF"}, {11, "OF"}, {17, "VM"},
	};
	mon_putc(mon, '[');
	bool any = false;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (rflags & (1ull << flags[i].bit)) {
			mon_printf(mon, "%s%s", any ? " " : "", flags[i].name);
			any = true;
		}
	}
	mon_printf(mon, "] IOPL=%u\n", (unsigned)(rflags >> 12) & 3);
}

void cmd_regs(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	struct monitor_regs r;
	memset(&r, 0, sizeof(r));
	const char *err = mon->ops->regs(mon->ctx, vm, &r);
	if (err) {
		mon_printf(mon, "regs: %s: %s\n", info.name, err);
		return;
	}
	const struct { const char *name; uint64_t val; } gpr[] = {
		{"RAX", r.rax}, {"RBX", r.rbx}, {"RCX", r.rcx}, {"RDX", r.rdx},
		{"RSI", r.rsi}, {"RDI", r.rdi}, {"RBP", r.rbp}, {"RSP", r.rsp},
		{"R8 ", r.r8},  {"R9 ", r.r9},  {"R10", r.r10}, {"R11", r.r11},
		{"R12", r.r12}, {"R13", r.r13}, {"R14", r.r14}, {"R15", r.r15},
	};
	for (size_t i = 0; i < 16; i++)
		mon_printf(mon, "%s=%016llx%s", gpr[i].name, (unsigned long long)gpr[i].val,
			   i % 4 == 3 ? "\n" : " ");
	mon_printf(mon, "RIP=%016llx RFLAGS=%016llx ", (unsigned long long)r.rip,
		   (unsigned long long)r.rflags);
	print_rflags(mon, r.rflags);
	mon_printf(mon, "CR0=%016llx CR3=%016llx CR4=%016llx\nEFER=%016llx (%s)\n",
		   (unsigned long long)r.cr0, (unsigned long long)r.cr3, (unsigned long long)r.cr4,
		   (unsigned long long)r.efer, info.cpu_mode);
	static const char *const seg_names[SEG_COUNT] = {
		[SEG_ES] = "ES", [SEG_CS] = "CS", [SEG_SS] = "SS", [SEG_DS] = "DS",
		[SEG_FS] = "FS", [SEG_GS] = "GS", [SEG_LDTR] = "LDTR", [SEG_TR] = "TR",
	};
	for (unsigned i = 0; i < SEG_COUNT; i++)
		print_segment(mon, seg_names[i], &r.seg[i]);
	mon_printf(mon, "GDTR base=%016llx limit=%08x\nIDTR base=%016llx limit=%08x\n",
		   (unsigned long long)r.gdtr_base, r.gdtr_limit, (unsigned long long)r.idtr_base,
		   r.idtr_limit);
}

static void hexdump_line(struct monitor *mon, uint64_t gpa, const uint8_t *b, size_t n)
{
	mon_printf(mon, "%016llx ", (unsigned long long)gpa);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			mon_putc(mon, ' ');
		if (i < n)
			mon_printf(mon, " %02x", b[i]);
		else
			mon_puts(mon, "   ");
	}
	mon_puts(mon, "  |");
	for (size_t i = 0; i < n; i++)
		mon_putc(mon, b[i] >= 0x20 && b[i] < 0x7F ? (char)b[i] : '.');
	mon_puts(mon, "|\n");
}

void cmd_mem(struct monitor *mon, int argc, char **argv)
{
	unsigned vm;
	struct monitor_vm_info info;
	uint64_t gpa, len = 128;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (!shell_parse_u64(argv[2], &gpa) || (argc == 4 && !shell_parse_u64(argv[3], &len)) ||
	    len == 0 || len > MONITOR_MEM_MAX || gpa + len < gpa) {
		mon_printf(mon, "mem: GPA and LEN are numbers, LEN 1..%u\n", MONITOR_MEM_MAX);
		mon_usage(mon);
		return;
	}
	for (uint64_t off = 0; off < len; off += 16) {
		uint8_t b[16];
		size_t want = len - off < 16 ? (size_t)(len - off) : 16;
		long got = mon->ops->mem_read(mon->ctx, vm, gpa + off, b, want);
		if (got > 0)
			hexdump_line(mon, gpa + off, b, (size_t)got);
		if (got < (long)want) {
			uint64_t end = gpa + off + (got > 0 ? (uint64_t)got : 0);
			mon_printf(mon, "mem: 0x%llx is outside %s's RAM\n", (unsigned long long)end,
				   info.name);
			return;
		}
	}
}

static const char *const event_names[] = {
	[EVENT_EXTINT] = "extint", [EVENT_NMI] = "nmi",
	[EVENT_HWEXC] = "hwexc",   [EVENT_SWINT] = "swint",
	[EVENT_PRIVSWEXC] = "privswexc", [EVENT_SWEXC] = "swexc",
};

static int event_type(const char *s)
{
	for (unsigned t = 0; t < sizeof(event_names) / sizeof(event_names[0]); t++)
		if (event_names[t] && strcmp(s, event_names[t]) == 0)
			return (int)t;
	return -1;
}

/* Parses and validates; prints why and returns false when the event is bad. */
static bool parse_event(struct monitor *mon, int argc, char **argv, struct event *ev)
{
	uint64_t vector, errcode = 0, len = 0;
	int type = -1;
	bool have_err = false, have_len = false;
	if (!shell_parse_u64(argv[2], &vector) || vector > 255) {
		mon_puts(mon, "inject: VECTOR must be 0..255\n");
		return false;
	}
	for (int i = 3; i < argc; i++) {
		int t = event_type(argv[i]);
		bool dup = false;
		if (t >= 0) {
			dup = type >= 0;
			type = t;
		} else if (strncmp(argv[i], "len=", 4) == 0) {
			dup = have_len;
			have_len = true;
			if (!shell_parse_u64(argv[i] + 4, &len) || len < 1 || len > 15) {
				mon_puts(mon, "inject: len=N needs N in 1..15\n");
				return false;
			}
		} else if (shell_parse_u64(argv[i], &errcode) && errcode <= UINT32_MAX) {
			dup = have_err;
			have_err = true;
		} else {
			mon_printf(mon, "inject: '%s' is not a TYPE, an ERRCODE or len=N\n", argv[i]);
			return false;
		}
		if (dup) {
			mon_usage(mon);
			return false;
		}
	}
	if (type < 0) /* default: what the vector usually is */
		type = vector == 2 ? EVENT_NMI : vector < 32 ? EVENT_HWEXC : EVENT_EXTINT;
	bool soft = type == EVENT_SWINT || type == EVENT_PRIVSWEXC || type == EVENT_SWEXC;
	if (have_len && !soft) {
		mon_puts(mon, "inject: len=N applies only to swint, privswexc and swexc\n");
		return false;
	}
	/* Whether the CPU takes it is decided with the guest's state in view
	 * (vmm/event.c); a missing ERRCODE is 0 where the mode pushes one. */
	*ev = (struct event){
		.type = (uint8_t)type,
		.vector = (uint8_t)vector,
		.has_error = have_err,
		.error = (uint32_t)errcode,
		.insn_len = !soft ? 0 : have_len ? (uint8_t)len : type == EVENT_SWINT ? 2 : 1,
	};
	return true;
}

void cmd_inject(struct monitor *mon, int argc, char **argv)
{
	unsigned vm;
	struct monitor_vm_info info;
	struct event ev;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (!parse_event(mon, argc, argv, &ev))
		return;
	const char *err = mon->ops->inject(mon->ctx, vm, &ev);
	if (err) {
		mon_printf(mon, "inject: %s: %s\n", info.name, err);
		return;
	}
	mon_printf(mon, "%s: injecting %s vector %u", info.name, event_names[ev.type], ev.vector);
	if (ev.has_error)
		mon_printf(mon, " error code 0x%x", ev.error);
	if (ev.insn_len)
		mon_printf(mon, " len=%u", ev.insn_len);
	mon_puts(mon, " at the next VM entry\n");
}
