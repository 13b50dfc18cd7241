/* A key=value option parser for the kernel and module command lines. It
 * points into the original string: nothing is copied or modified. */
#include "kernel/cmdline.h"

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool key_is(const struct cmdline_arg *a, const char *key)
{
	size_t i = 0;
	for (; i < a->key_len; i++)
		if (key[i] != a->key[i])
			return false;
	return key[i] == 0;
}

void cmdline_parse(struct cmdline *cl, const char *s)
{
	*cl = (struct cmdline){0};
	while (*s) {
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		const char *start = s;
		while (*s && !is_space(*s))
			s++;
		if (cl->n == CMDLINE_MAX_ARGS) {
			cl->truncated = true;
			continue;
		}
		struct cmdline_arg *a = &cl->args[cl->n++];
		*a = (struct cmdline_arg){start, 0, (size_t)(s - start), 0};
		for (const char *p = start; p < s; p++) {
			if (*p == '=') {
				a->key_len = (size_t)(p - start);
				a->val = p + 1;
				a->val_len = (size_t)(s - p - 1);
				break;
			}
		}
	}
}

bool cmdline_get(const struct cmdline *cl, const char *key, const char **val, size_t *len)
{
	for (unsigned i = cl->n; i-- > 0;) {
		const struct cmdline_arg *a = &cl->args[i];
		if (a->val && key_is(a, key)) {
			*val = a->val;
			*len = a->val_len;
			return true;
		}
	}
	return false;
}

bool cmdline_flag(const struct cmdline *cl, const char *key)
{
	for (unsigned i = 0; i < cl->n; i++)
		if (!cl->args[i].val && key_is(&cl->args[i], key))
			return true;
	return false;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);
		if (d >= base || v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_size(const char *s, size_t len, uint64_t *out)
{
	unsigned shift = 0;
	if (len) {
		switch (s[len - 1]) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		}
	}
	uint64_t v;
	if (parse_u64(s, shift ? len - 1 : len, &v) || v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

int cmdline_get_u64(const struct cmdline *cl, const char *key, uint64_t *out)
{
	const char *v;
	size_t len;
	if (!cmdline_get(cl, key, &v, &len))
		return CMDLINE_NOT_FOUND;
	return parse_u64(v, len, out) ? CMDLINE_BAD_NUMBER : 0;
}
