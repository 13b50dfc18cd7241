/* Guest options from a module line. The name is what every message about the
 * guest shows, so it is kept short and plain; numbers are reserved for ids. */
#include "vmm/load/vmopts.h"
#include "kernel/cmdline.h"
#include "kernel/fmt.h"

#define VMOPTS_SHOW 40 /* characters of a bad token quoted back, "..." included */

static bool vmopts_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool vmopts_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool vmopts_is(const char *t, size_t len, const char *word)
{
	size_t i = 0;
	while (i < len && word[i] == t[i])
		i++;
	return i == len && !word[i];
}

/* fmt has one %s for the token, quoted safe (fmt_quote) and shortened to
 * VMOPTS_SHOW characters: the line came from outside. */
static int vmopts_fail(char *err, size_t err_len, const char *fmt, const char *t, size_t len)
{
	char shown[VMOPTS_SHOW + 1];
	fmt_snprintf(err, err_len, fmt, fmt_quote(shown, sizeof(shown), t, len));
	return -1;
}

static int vmopts_name(const char *t, size_t len, struct vm_opts *out, char *err, size_t err_len)
{
	bool digits = true;
	for (size_t i = 0; i < len; i++)
		if (t[i] == '=')
			return vmopts_fail(err, err_len, "missing VM name before '%s'", t, len);
	for (size_t i = 0; i < len; i++) {
		if (!vmopts_name_char(t[i]))
			return vmopts_fail(err, err_len, "bad VM name '%s': use A-Z a-z 0-9 _ -", t, len);
		digits = digits && t[i] >= '0' && t[i] <= '9';
	}
	if (len > VMOPTS_NAME_MAX)
		return vmopts_fail(err, err_len, "VM name '%s' is longer than 15 characters", t, len);
	if (digits)
		return vmopts_fail(err, err_len, "VM name '%s' is all digits (numbers are VM ids)", t, len);
	for (size_t i = 0; i < len; i++)
		out->name[i] = t[i];
	out->name[len] = 0;
	return 0;
}

static int vmopts_mem(const char *v, size_t len, struct vm_opts *out, char *err, size_t err_len)
{
	uint64_t mem;
	int rc = parse_size(v, len, &mem);
	_Static_assert(VMOPTS_MEM_MIN == 64 << 10 && VMOPTS_MEM_MAX == 1 << 30, "the messages name the limits");
	if (rc == CMDLINE_ERR_RANGE) /* past 2^64 bytes: absurd, not malformed */
		return vmopts_fail(err, err_len, "mem size '%s' is over 1G, the most guest RAM", v, len);
	if (rc != CMDLINE_OK)
		return vmopts_fail(err, err_len, "bad mem size '%s' (use e.g. 4096, 512K, 16M, 1G)", v, len);
	if (mem % 4096)
		return vmopts_fail(err, err_len, "mem size '%s' is not a multiple of 4 KiB", v, len);
	if (mem < VMOPTS_MEM_MIN)
		return vmopts_fail(err, err_len, "mem size '%s' is under 64K, the least guest RAM", v, len);
	if (mem > VMOPTS_MEM_MAX)
		return vmopts_fail(err, err_len, "mem size '%s' is over 1G, the most guest RAM", v, len);
	out->mem = mem;
	return 0;
}

static int vmopts_option(const char *t, size_t len, struct vm_opts *out, char *err, size_t err_len)
{
	if (vmopts_is(t, len, "com2")) {
		out->com2 = true;
		return 0;
	}
	if (vmopts_is(t, len, "on_reset=restart") || vmopts_is(t, len, "on_reset=stop")) {
		out->reset_stops = len == sizeof("on_reset=stop") - 1;
		return 0;
	}
	if (len >= 9 && vmopts_is(t, 9, "on_reset="))
		return vmopts_fail(err, err_len, "bad '%s': on_reset is restart or stop", t, len);
	if (len >= 4 && vmopts_is(t, 4, "mem="))
		return vmopts_mem(t + 4, len - 4, out, err, err_len);
	return vmopts_fail(err, err_len, "unknown option '%s'", t, len);
}

/* Where Kestrel's options end: at the first " -- " (or a line that starts
 * with "-- "), after which the guest's command line begins. */
static const char *vmopts_split(const char *s, const char **cmdline)
{
	const char *end = s;
	*cmdline = "";
	for (; *end; end++) {
		bool at_start = end == s && end[0] == '-' && end[1] == '-' && (end[2] == ' ' || !end[2]);
		bool sep = vmopts_space(end[0]) && end[1] == '-' && end[2] == '-' && (vmopts_space(end[3]) || !end[3]);
		if (at_start || sep) {
			const char *c = end + (at_start ? 2 : 3);
			while (vmopts_space(*c))
				c++;
			*cmdline = c;
			break;
		}
	}
	return end;
}

int vmopts_parse(const char *s, struct vm_opts *out, char *err, size_t err_len)
{
	*out = (struct vm_opts){.mem = VMOPTS_MEM_DEFAULT};
	if (err_len)
		err[0] = 0;
	bool named = false;
	const char *end = vmopts_split(s, &out->cmdline);
	while (s < end) {
		while (s < end && vmopts_space(*s))
			s++;
		const char *t = s;
		while (s < end && !vmopts_space(*s))
			s++;
		size_t len = (size_t)(s - t);
		if (!len)
			break;
		int rc = named ? vmopts_option(t, len, out, err, err_len) : vmopts_name(t, len, out, err, err_len);
		if (rc)
			return rc;
		named = true;
	}
	if (!named) {
		fmt_snprintf(err, err_len, "missing VM name (module2 FILE NAME [mem=SIZE] [com2] [on_reset=restart|stop] [-- CMDLINE])");
		return -1;
	}
	return 0;
}
