/* printf-style formatting for the kernel (no libc, no floating point): a
 * subset of C11 7.21.6.1 fprintf, enough for every message Kestrel prints.
 * Anything it does not understand is printed verbatim. */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/fmt.h"

/* One conversion specification, as parsed from "%[flags][width][.prec][len]c". */
struct fmt_spec {
	bool left;      /* '-' */
	bool zero;      /* '0' */
	int width;      /* 0: none */
	int prec;       /* -1: none */
	unsigned size;  /* argument size in bytes for integer conversions */
};

struct fmt_out {
	fmt_put_fn *put;
	void *ctx;
	int count;
};

static void fmt_emit(struct fmt_out *o, char c)
{
	o->put(o->ctx, c);
	o->count++;
}

static void fmt_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		fmt_emit(o, c);
}

/* Emit prefix (sign or "0x") and digits, padded to the spec's width. */
static void fmt_field(struct fmt_out *o, const struct fmt_spec *sp, const char *prefix, const char *s, int len)
{
	int plen = 0;
	while (prefix[plen])
		plen++;
	int pad = sp->width - len - plen;
	if (!sp->left && !sp->zero)
		fmt_pad(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		fmt_emit(o, prefix[i]);
	if (!sp->left && sp->zero)
		fmt_pad(o, '0', pad);
	for (int i = 0; i < len; i++)
		fmt_emit(o, s[i]);
	if (sp->left)
		fmt_pad(o, ' ', pad);
}

/* Digits of v in base 10 or 16, most significant first, into buf (>= 20). */
static int fmt_digits(char *buf, uint64_t v, unsigned base, bool upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void fmt_unsigned(struct fmt_out *o, const struct fmt_spec *sp, uint64_t v, unsigned base, bool upper,
			 const char *prefix)
{
	char buf[20];
	int n = fmt_digits(buf, v, base, upper);
	fmt_field(o, sp, prefix, buf, n);
}

static void fmt_signed(struct fmt_out *o, const struct fmt_spec *sp, int64_t v)
{
	/* Negate in unsigned arithmetic: -INT64_MIN does not exist. */
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	fmt_unsigned(o, sp, mag, 10, false, v < 0 ? "-" : "");
}

static void fmt_string(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int len = 0;
	while ((sp->prec < 0 || len < sp->prec) && s[len])
		len++;
	struct fmt_spec plain = *sp;
	plain.zero = false;
	fmt_field(o, &plain, "", s, len);
}

static uint64_t fmt_arg_unsigned(va_list *ap, unsigned size)
{
	if (size == 8)
		return va_arg(*ap, unsigned long long);
	unsigned v = va_arg(*ap, unsigned int);
	return size == 4 ? v : size == 2 ? (uint16_t)v : (uint8_t)v;
}

static int64_t fmt_arg_signed(va_list *ap, unsigned size)
{
	if (size == 8)
		return va_arg(*ap, long long);
	int v = va_arg(*ap, int);
	return size == 4 ? v : size == 2 ? (int16_t)v : (int8_t)v;
}

/* Parse flags, width, precision and length after '%'; returns the conversion's position. */
static const char *fmt_parse_spec(const char *p, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){.prec = -1, .size = 4};
	for (;; p++) {
		if (*p == '-')
			sp->left = true;
		else if (*p == '0')
			sp->zero = true;
		else
			break;
	}
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) { /* C11: a negative '*' width is '-' plus its magnitude */
			sp->left = true;
			sp->width = sp->width == INT32_MIN ? 0 : -sp->width;
		}
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		sp->width = sp->width < 100000 ? sp->width * 10 + (*p - '0') : sp->width;
	if (*p == '.') {
		p++;
		sp->prec = 0;
		if (*p == '*') {
			sp->prec = va_arg(*ap, int); /* negative: as if omitted */
			p++;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			sp->prec = sp->prec < 100000 ? sp->prec * 10 + (*p - '0') : sp->prec;
	}
	if (*p == 'l' || *p == 'z' || *p == 'j' || *p == 't') {
		sp->size = 8; /* long, long long, size_t, intmax_t: all 64-bit on x86-64 */
		p += p[0] == 'l' && p[1] == 'l' ? 2 : 1;
	} else if (*p == 'h') {
		sp->size = p[1] == 'h' ? 1 : 2; /* passed as int, printed narrowed */
		p += sp->size == 1 ? 2 : 1;
	}
	return p;
}

/* Convert one argument; false if c is not a conversion we know. */
static bool fmt_convert(struct fmt_out *o, const struct fmt_spec *sp, char c, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i':
		fmt_signed(o, sp, fmt_arg_signed(ap, sp->size));
		return true;
	case 'u':
		fmt_unsigned(o, sp, fmt_arg_unsigned(ap, sp->size), 10, false, "");
		return true;
	case 'x':
	case 'X':
		fmt_unsigned(o, sp, fmt_arg_unsigned(ap, sp->size), 16, c == 'X', "");
		return true;
	case 'p': {
		struct fmt_spec ps = *sp;
		ps.zero = false;
		char buf[20];
		int n = fmt_digits(buf, (uintptr_t)va_arg(*ap, void *), 16, false);
		ps.width -= 18; /* "0x" plus 16 digits, always */
		fmt_pad(o, ' ', ps.left ? 0 : ps.width);
		fmt_emit(o, '0');
		fmt_emit(o, 'x');
		fmt_pad(o, '0', 16 - n);
		for (int i = 0; i < n; i++)
			fmt_emit(o, buf[i]);
		fmt_pad(o, ' ', ps.left ? ps.width : 0);
		return true;
	}
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		struct fmt_spec cs = *sp;
		cs.zero = false;
		fmt_field(o, &cs, "", &ch, 1);
		return true;
	}
	case 's':
		fmt_string(o, sp, va_arg(*ap, const char *));
		return true;
	case '%':
		fmt_emit(o, '%');
		return true;
	}
	return false;
}

int fmt_vformat(fmt_put_fn *put, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = {put, ctx, 0};
	va_list aq;
	va_copy(aq, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			fmt_emit(&o, *p);
			continue;
		}
		struct fmt_spec sp;
		const char *c = fmt_parse_spec(p + 1, &sp, &aq);
		if (*c && fmt_convert(&o, &sp, *c, &aq)) {
			p = c;
			continue;
		}
		/* Unknown (or truncated) conversion: print the specification verbatim. */
		for (; p < c; p++)
			fmt_emit(&o, *p);
		if (!*c)
			break;
		fmt_emit(&o, *c);
	}
	va_end(aq);
	return o.count;
}

struct fmt_buf {
	char *buf;
	size_t n;    /* capacity, including the NUL */
	size_t used; /* characters produced, stored or not */
};

static void fmt_buf_put(void *ctx, char c)
{
	struct fmt_buf *b = ctx;
	if (b->used + 1 < b->n)
		b->buf[b->used] = c;
	b->used++;
}

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct fmt_buf b = {buf, n, 0};
	int count = fmt_vformat(fmt_buf_put, &b, fmt, ap);
	if (n)
		buf[b.used < n ? b.used : n - 1] = 0;
	return count;
}

int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* The characters byte c takes in fmt_quote: 1, or 4 for "\xNN". */
static size_t fmt_quote_width(unsigned char c) { return c >= 0x20 && c < 0x7F ? 1 : 4; }

char *fmt_quote(char *buf, size_t n, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 0, used = 0, i = 0;
	for (size_t k = 0; k < len; k++)
		need += fmt_quote_width((unsigned char)s[k]);
	size_t room = need < n ? n - 1 : n - 4; /* leave "..." when it does not all fit */
	for (; i < len && used + fmt_quote_width((unsigned char)s[i]) <= room; i++) {
		unsigned char c = (unsigned char)s[i];
		if (fmt_quote_width(c) == 1) {
			buf[used++] = (char)c;
			continue;
		}
		buf[used++] = '\\';
		buf[used++] = 'x';
		buf[used++] = hex[c >> 4];
		buf[used++] = hex[c & 15];
	}
	if (i < len)
		for (int k = 0; k < 3; k++)
			buf[used++] = '.';
	buf[used] = 0;
	return buf;
}
