/* Monitor commands for what the VMM does with a VM's EPT: snapshots and
 * rewinds, clones that share RAM copy-on-write, access watches and dirty-page
 * logging. The VMM does the work; here the arguments are checked and the
 * answers printed (docs/monitor.md, "Memory: snapshots, clones, watches"). */
#include "vmm/monitor/shell.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

#define TAG_DEFAULT       "default"
#define NAME_MAX_CHARS    15   /* VMOPTS_NAME_MAX: vmm/load/ is above the monitor's layer */
#define WATCH_LEN_MAX     4096 /* one page's worth: a watch is for a variable, not a region */
#define DIRTY_SECONDS_MAX 60
#define DIRTY_SECONDS_DEF 5

/* KIND's letters; letter i stands for bit i. */
static const char watch_letters[] = "rwx";
_Static_assert(MONITOR_WATCH_R == 1u << 0 && MONITOR_WATCH_W == 1u << 1 && MONITOR_WATCH_X == 1u << 2,
	       "watch_letters is in bit order");

static bool is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A snapshot tag: 1..15 of [A-Za-z0-9_.-]; else says why, and the usage. */
static bool tag_ok(struct monitor *mon, const char *cmd, const char *tag)
{
	size_t n = strlen(tag);
	bool ok = n >= 1 && n < MONITOR_TAG_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = is_alnum(tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-';
	if (!ok) {
		mon_printf(mon, "%s: bad tag: '%s' (1..%u characters of A-Z a-z 0-9 _ . -)\n", cmd, tag,
			   MONITOR_TAG_MAX - 1);
		mon_usage(mon);
	}
	return ok;
}

/* A new VM's name follows the module line's rule (vmm/load/vmopts.c), which
 * the monitor cannot call: no '.', and not all digits, since those are ids. */
static bool name_ok(struct monitor *mon, const char *name)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= NAME_MAX_CHARS, digits = true;
	for (size_t i = 0; ok && i < n; i++) {
		ok = is_alnum(name[i]) || name[i] == '_' || name[i] == '-';
		digits = digits && name[i] >= '0' && name[i] <= '9';
	}
	if (!ok || digits) {
		mon_printf(mon, "clone: bad name: '%s' (1..%u characters of A-Z a-z 0-9 _ -, not all digits)\n",
			   name, NAME_MAX_CHARS);
		mon_usage(mon);
		return false;
	}
	return true;
}

/* "CMD: NAME: reason", as every command prints a refusal; true if there is one. */
static bool op_failed(struct monitor *mon, const char *cmd, const char *name, const char *err)
{
	if (err)
		mon_printf(mon, "%s: %s: %s\n", cmd, name, err);
	return err != NULL;
}

/* "CMD VM [TAG]": the VM and the tag (TAG_DEFAULT when left out), or false
 * after saying what is wrong. */
static bool vm_and_tag(struct monitor *mon, int argc, char **argv, unsigned *vm, struct monitor_vm_info *info,
		       const char **tag)
{
	*tag = argc == 3 ? argv[2] : TAG_DEFAULT;
	return shell_vm_arg(mon, argv[1], vm, info) && tag_ok(mon, argv[0], *tag);
}

void cmd_snapshot(struct monitor *mon, int argc, char **argv)
{
	unsigned vm;
	struct monitor_vm_info info;
	const char *tag;
	if (!vm_and_tag(mon, argc, argv, &vm, &info, &tag))
		return;
	struct monitor_snapshot_info s;
	memset(&s, 0, sizeof(s));
	if (op_failed(mon, argv[0], info.name, mon->ops->snapshot(mon->ctx, vm, tag, &s)))
		return;
	mon_printf(mon, "%s: snapshot %s taken (%llu EPT entries write-protected, %llu bytes, %llu host ticks)\n",
		   info.name, tag, (unsigned long long)s.entries, (unsigned long long)s.bytes,
		   (unsigned long long)s.ticks);
}

void cmd_rewind(struct monitor *mon, int argc, char **argv)
{
	unsigned vm;
	struct monitor_vm_info info;
	const char *tag;
	if (!vm_and_tag(mon, argc, argv, &vm, &info, &tag))
		return;
	uint64_t pages = 0, ticks = 0;
	if (op_failed(mon, argv[0], info.name, mon->ops->rewind(mon->ctx, vm, tag, &pages, &ticks)))
		return;
	mon_printf(mon, "%s: rewound to %s (%llu pages restored, %llu host ticks)\n", info.name, tag,
		   (unsigned long long)pages, (unsigned long long)ticks);
}

void cmd_snapshots(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	struct monitor_snapshot_info s[MONITOR_SNAPSHOTS_MAX];
	memset(s, 0, sizeof(s));
	unsigned n = mon->ops->snapshots(mon->ctx, vm, s, MONITOR_SNAPSHOTS_MAX);
	if (n > MONITOR_SNAPSHOTS_MAX)
		n = MONITOR_SNAPSHOTS_MAX;
	if (n == 0) {
		mon_printf(mon, "%s: no snapshots\n", info.name);
		return;
	}
	/* AGE is left-aligned text like list's MEMORY; the rows shift right
	 * only for a snapshot older than 99999.999 s (27 hours). */
	mon_puts(mon, "  TAG              AGE          SAVED    DIFFERS        BYTES  REWINDS\n");
	for (unsigned i = 0; i < n; i++) {
		char age[32];
		fmt_snprintf(age, sizeof(age), "%llu.%03u s", (unsigned long long)(s[i].age_ns / 1000000000ull),
			     (unsigned)(s[i].age_ns / 1000000 % 1000));
		/* The precision keeps a tag the VMM did not terminate inside its array. */
		mon_printf(mon, "  %-15.*s  %-11s %6llu %10llu %12llu %8llu\n", MONITOR_TAG_MAX - 1, s[i].tag, age,
			   (unsigned long long)s[i].saved_pages, (unsigned long long)s[i].differs_pages,
			   (unsigned long long)s[i].bytes, (unsigned long long)s[i].rewinds);
	}
}

void cmd_forget(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info) || !tag_ok(mon, argv[0], argv[2]))
		return;
	if (op_failed(mon, argv[0], info.name, mon->ops->forget(mon->ctx, vm, argv[2])))
		return;
	mon_printf(mon, "%s: snapshot %s dropped\n", info.name, argv[2]);
}

void cmd_clone(struct monitor *mon, int argc, char **argv)
{
	(void)argc;
	unsigned vm, new_vm = 0;
	struct monitor_vm_info info;
	if (!shell_vm_arg(mon, argv[1], &vm, &info) || !name_ok(mon, argv[2]))
		return;
	if (op_failed(mon, argv[0], info.name, mon->ops->clone(mon->ctx, vm, argv[2], &new_vm)))
		return;
	mon_printf(mon, "%s: cloned as %s (id %u)\n", info.name, argv[2], new_vm);
}

/* KIND: r, w and x, each at most once, in any order; 0 when it is not. */
static unsigned watch_kinds(const char *s)
{
	unsigned kinds = 0;
	for (; *s; s++) {
		const char *l = strchr(watch_letters, *s);
		unsigned k = l ? 1u << (l - watch_letters) : 0;
		if (k == 0 || (kinds & k))
			return 0;
		kinds |= k;
	}
	return kinds;
}

/* "r", "wx", "rwx": always in r, w, x order, whatever order was typed. */
static const char *watch_kind_name(unsigned kinds, char buf[4])
{
	char *p = buf;
	for (unsigned i = 0; watch_letters[i]; i++)
		if (kinds & (1u << i))
			*p++ = watch_letters[i];
	*p = '\0';
	return buf;
}

static void watch_list(struct monitor *mon, unsigned vm, const char *name)
{
	struct monitor_watch_info w[MONITOR_WATCHES_MAX];
	memset(w, 0, sizeof(w));
	unsigned n = mon->ops->watches(mon->ctx, vm, w, MONITOR_WATCHES_MAX);
	if (n > MONITOR_WATCHES_MAX)
		n = MONITOR_WATCHES_MAX;
	if (n == 0) {
		mon_printf(mon, "%s: no watches\n", name);
		return;
	}
	mon_puts(mon, "  GPA                  LEN  KIND        HITS       SHOWN\n");
	for (unsigned i = 0; i < n; i++) {
		char kind[4];
		mon_printf(mon, "  0x%016llx %5llu  %-4s %11llu %11llu\n", (unsigned long long)w[i].gpa,
			   (unsigned long long)w[i].len, watch_kind_name(w[i].kinds, kind),
			   (unsigned long long)w[i].hits, (unsigned long long)w[i].shown);
	}
}

/* GPA [LEN] [KIND] from argv[2..]: the word after GPA is LEN when it starts
 * with a digit (KIND never does), so `watch vm 0x1000 rw` needs no LEN. */
static bool watch_args(struct monitor *mon, int argc, char **argv, uint64_t *gpa, uint64_t *len, unsigned *kinds)
{
	int i = 3;
	*len = 1;
	*kinds = MONITOR_WATCH_W;
	bool ok = shell_parse_u64(argv[2], gpa);
	if (ok && i < argc && argv[i][0] >= '0' && argv[i][0] <= '9')
		ok = shell_parse_u64(argv[i++], len);
	if (!ok || *len == 0 || *len > WATCH_LEN_MAX || *gpa + (*len - 1) < *gpa) {
		mon_printf(mon, "watch: GPA and LEN are numbers, LEN 1..%u\n", WATCH_LEN_MAX);
		mon_usage(mon);
		return false;
	}
	if (i < argc && (*kinds = watch_kinds(argv[i++])) == 0) {
		mon_puts(mon, "watch: KIND is r, w, x or a combination of them (rw, wx, rwx...)\n");
		mon_usage(mon);
		return false;
	}
	if (i < argc) { /* a KIND where LEN was, then another word */
		mon_usage(mon);
		return false;
	}
	return true;
}

void cmd_watch(struct monitor *mon, int argc, char **argv)
{
	unsigned vm, kinds;
	struct monitor_vm_info info;
	uint64_t gpa, len;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (argc == 2) {
		watch_list(mon, vm, info.name);
		return;
	}
	if (!watch_args(mon, argc, argv, &gpa, &len, &kinds))
		return;
	if (op_failed(mon, argv[0], info.name, mon->ops->watch(mon->ctx, vm, gpa, len, kinds)))
		return;
	char kind[4];
	mon_printf(mon, "%s: watching 0x%llx..0x%llx (%s)\n", info.name, (unsigned long long)gpa,
		   (unsigned long long)(gpa + len - 1), watch_kind_name(kinds, kind));
}

void cmd_unwatch(struct monitor *mon, int argc, char **argv)
{
	unsigned vm;
	struct monitor_vm_info info;
	bool all = argc == 2;
	uint64_t gpa = 0;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (!all && !shell_parse_u64(argv[2], &gpa)) {
		mon_puts(mon, "unwatch: GPA is a number\n");
		mon_usage(mon);
		return;
	}
	if (op_failed(mon, argv[0], info.name, mon->ops->unwatch(mon->ctx, vm, all, gpa)))
		return;
	if (all)
		mon_printf(mon, "%s: every watch removed\n", info.name);
	else
		mon_printf(mon, "%s: watch at 0x%llx removed\n", info.name, (unsigned long long)gpa);
}

void cmd_dirty(struct monitor *mon, int argc, char **argv)
{
	unsigned vm;
	struct monitor_vm_info info;
	uint64_t seconds = DIRTY_SECONDS_DEF;
	if (!shell_vm_arg(mon, argv[1], &vm, &info))
		return;
	if (argc >= 3 && (!shell_parse_u64(argv[2], &seconds) || seconds < 1 || seconds > DIRTY_SECONDS_MAX)) {
		mon_printf(mon, "dirty: SECONDS must be 1..%u\n", DIRTY_SECONDS_MAX);
		mon_usage(mon);
		return;
	}
	bool wp = argc == 4 && !strcmp(argv[3], "wp");
	if (argc == 4 && !wp) {
		mon_puts(mon, "dirty: the last word may only be wp (write protection, even with PML)\n");
		mon_usage(mon);
		return;
	}
	if (op_failed(mon, argv[0], info.name, mon->ops->dirty(mon->ctx, vm, (unsigned)seconds, wp)))
		return;
	mon_printf(mon, "%s: logging dirty pages for %u s\n", info.name, (unsigned)seconds);
}
