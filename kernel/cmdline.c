/* Kernel command-line parsing. GRUB hands over only the arguments in the
 * Multiboot2 command-line tag, but a leading kernel path is harmless: like
 * every token without '=', it is a flag nobody asks for. */
#include "kernel/cmdline.h"

static bool cmdline_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool cmdline_key_is(const struct cmdline_arg *a, const char *key)
{
	size_t i = 0;
	while (i < a->key_len && key[i] == a->key[i])
		i++;
	return i == a->key_len && !key[i];
}

/* Read the value at *p (quoted or not); returns CMDLINE_OK or CMDLINE_ERR_QUOTE. */
static int cmdline_value(const char **p, struct cmdline_arg *a)
{
	const char *s = *p;
	if (*s != '"') {
		a->val = s;
		while (*s && !cmdline_space(*s))
			s++;
		a->val_len = (size_t)(s - a->val);
		*p = s;
		return CMDLINE_OK;
	}
	a->val = ++s;
	while (*s && *s != '"')
		s++;
	a->val_len = (size_t)(s - a->val);
	int rc = CMDLINE_OK;
	if (!*s)
		rc = CMDLINE_ERR_QUOTE;
	else if (*++s && !cmdline_space(*s))
		rc = CMDLINE_ERR_QUOTE;
	while (*s && !cmdline_space(*s)) /* text glued to the closing quote: dropped */
		s++;
	*p = s;
	return rc;
}

int cmdline_parse(struct cmdline *cl, const char *s)
{
	int rc = CMDLINE_OK;
	cl->nargs = 0;
	cl->dropped = 0;
	cl->bad_quote = false;
	for (;;) {
		while (cmdline_space(*s))
			s++;
		if (!*s)
			return rc;
		struct cmdline_arg a = {s, 0, NULL, 0};
		while (*s && *s != '=' && !cmdline_space(*s))
			s++;
		a.key_len = (size_t)(s - a.key);
		if (*s == '=') {
			s++;
			int r = cmdline_value(&s, &a);
			rc = rc ? rc : r;
			cl->bad_quote = cl->bad_quote || r == CMDLINE_ERR_QUOTE;
		}
		if (cl->nargs == CMDLINE_MAX_ARGS) {
			rc = rc ? rc : CMDLINE_ERR_TOO_MANY;
			cl->dropped++;
		} else {
			cl->args[cl->nargs++] = a;
		}
	}
}

static const struct cmdline_arg *cmdline_find(const struct cmdline *cl, const char *key)
{
	for (unsigned i = cl->nargs; i-- > 0;)
		if (cmdline_key_is(&cl->args[i], key))
			return &cl->args[i];
	return NULL;
}

bool cmdline_get(const struct cmdline *cl, const char *key, const char **val, size_t *len)
{
	const struct cmdline_arg *a = cmdline_find(cl, key);
	if (!a || !a->val)
		return false;
	*val = a->val;
	*len = a->val_len;
	return true;
}

bool cmdline_flag(const struct cmdline *cl, const char *key)
{
	for (unsigned i = 0; i < cl->nargs; i++)
		if (!cl->args[i].val && cmdline_key_is(&cl->args[i], key))
			return true;
	return false;
}

int cmdline_get_u64(const struct cmdline *cl, const char *key, uint64_t *out)
{
	const struct cmdline_arg *a = cmdline_find(cl, key);
	if (!a)
		return CMDLINE_NOT_FOUND;
	if (!a->val)
		return CMDLINE_ERR_SYNTAX;
	return cmdline_parse_u64(a->val, a->val_len, out);
}

void cmdline_each(const struct cmdline *cl, void (*fn)(void *ctx, const struct cmdline_arg *arg), void *ctx)
{
	for (unsigned i = 0; i < cl->nargs; i++)
		fn(ctx, &cl->args[i]);
}

static int cmdline_digit(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
	return d < (int)base ? d : -1;
}

int cmdline_parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return CMDLINE_ERR_SYNTAX;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		int d = cmdline_digit(s[i], base);
		if (d < 0)
			return CMDLINE_ERR_SYNTAX;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return CMDLINE_ERR_RANGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return CMDLINE_OK;
}

int parse_size(const char *s, size_t len, uint64_t *out)
{
	unsigned shift = 0;
	if (len) {
		switch (s[len - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break; /* only to be refused as too big by name */
		}
	}
	if (shift)
		len--;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return CMDLINE_ERR_SYNTAX; /* decimal only: "0x1000K" reads badly */
	uint64_t v;
	int rc = cmdline_parse_u64(s, len, &v);
	if (rc != CMDLINE_OK)
		return rc;
	if (v > UINT64_MAX >> shift)
		return CMDLINE_ERR_RANGE;
	*out = v << shift;
	return CMDLINE_OK;
}
