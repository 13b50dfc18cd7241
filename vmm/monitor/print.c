/* What every part of the monitor shares: output with CR LF line ends, VM
 * names, and the parsing and formatting of command arguments. */
#include <stdarg.h>

#include "vmm/monitor/print.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

void mon_putc(void *ctx, char c)
{
	struct monitor *mon = ctx;
	if (c == '\n')
		mon->ops->out(mon->ctx, '\r');
	mon->ops->out(mon->ctx, c);
}

void mon_puts(struct monitor *mon, const char *s)
{
	while (*s)
		mon_putc(mon, *s++);
}

void mon_printf(struct monitor *mon, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(mon_putc, mon, fmt, ap);
	va_end(ap);
}

const char *monitor_vm_name(struct monitor *mon, unsigned vm)
{
	struct monitor_vm_info info;
	if (vm < mon->ops->vm_count(mon->ctx) && mon->ops->vm_info(mon->ctx, vm, &info) && info.name)
		return info.name;
	fmt_snprintf(mon->name_buf, sizeof(mon->name_buf), "vm%u", vm);
	return mon->name_buf;
}

bool shell_parse_u64(const char *s, uint64_t *val)
{
	unsigned base = 10;
	uint64_t v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*val = v;
	return true;
}

bool shell_vm_arg(struct monitor *mon, const char *arg, unsigned *vm, struct monitor_vm_info *info)
{
	unsigned n = mon->ops->vm_count(mon->ctx);
	for (unsigned i = 0; i < n; i++) {
		if (mon->ops->vm_info(mon->ctx, i, info) && info->name && strcmp(info->name, arg) == 0) {
			*vm = i;
			return true;
		}
	}
	uint64_t id;
	if (arg[0] != '0' || arg[1] != 'x') { /* ids are decimal */
		if (shell_parse_u64(arg, &id) && id < n && mon->ops->vm_info(mon->ctx, (unsigned)id, info)) {
			*vm = (unsigned)id;
			return true;
		}
	}
	mon_printf(mon, "no such VM '%s'\n", arg);
	return false;
}

void shell_format_size(char *buf, size_t n, uint64_t bytes)
{
	static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;
	while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	fmt_snprintf(buf, n, "%llu %s", (unsigned long long)bytes, unit[u]);
}

unsigned shell_share(uint64_t run_ns, uint64_t total_ns)
{
	if (total_ns == 0)
		return 0;
	if (run_ns >= total_ns)
		return 10000;
	/* run_ns < total_ns; scale down first so that run_ns * 10000 cannot overflow. */
	while (run_ns > UINT64_MAX / 10000) {
		run_ns >>= 1;
		total_ns >>= 1;
	}
	return (unsigned)(run_ns * 10000 / total_ns);
}

