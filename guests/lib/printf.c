/*
 * printf-lite for the guests: enough of C99 printf for diagnostics. 64-bit
 * division in 32-bit builds goes through DIV directly (we link no libgcc).
 */
#include <stdint.h>

#include "guests/lib/console.h"

/* *n /= base, returns the remainder; base is 10 or 16. */
static unsigned divmod(uint64_t *n, unsigned base)
{
#ifdef __i386__
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
	uint32_t qhi = hi / base, rem = hi % base, qlo;
	/* rem < base, so EDX:EAX / base cannot overflow */
	__asm__("divl %4" : "=a"(qlo), "=d"(rem) : "a"(lo), "d"(rem), "rm"(base));
	*n = ((uint64_t)qhi << 32) | qlo;
	return rem;
#else
	unsigned rem = (unsigned)(*n % base);
	*n /= base;
	return rem;
#endif
}

struct spec {
	int left, zero, width;
};

static int emit_padded(const struct spec *sp, const char *s, int len, int negative)
{
	int n = 0, pad = sp->width - len - negative;
	if (!sp->left && !sp->zero)
		for (; pad > 0; pad--, n++)
			console_putc(' ');
	if (negative) {
		console_putc('-');
		n++;
	}
	if (!sp->left && sp->zero)
		for (; pad > 0; pad--, n++)
			console_putc('0');
	for (int i = 0; i < len; i++, n++)
		console_putc(s[i]);
	for (; pad > 0; pad--, n++)
		console_putc(' ');
	return n;
}

static int emit_number(const struct spec *sp, uint64_t v, unsigned base, int upper, int negative)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int len = 0;
	do
		buf[len++] = digits[divmod(&v, base)];
	while (v);
	for (int i = 0; i < len / 2; i++) { /* digits came out least significant first */
		char t = buf[i];
		buf[i] = buf[len - 1 - i];
		buf[len - 1 - i] = t;
	}
	return emit_padded(sp, buf, len, negative);
}

int vprintf(const char *fmt, va_list ap)
{
	int n = 0;
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			console_putc(*fmt);
			n++;
			continue;
		}
		struct spec sp = {0, 0, 0};
		for (;; fmt++) {
			if (fmt[1] == '-')
				sp.left = 1;
			else if (fmt[1] == '0')
				sp.zero = 1;
			else
				break;
		}
		while (fmt[1] >= '0' && fmt[1] <= '9')
			sp.width = sp.width * 10 + (*++fmt - '0');
		int lng = 0; /* 0 int, 1 long, 2 long long */
		while (fmt[1] == 'l')
			lng++, fmt++;
		if (fmt[1] == 'z')
			lng = 1, fmt++; /* size_t is unsigned long on both targets */
		char conv = *++fmt;
		if (conv == 0)
			break;

		uint64_t u;
		int64_t s;
		switch (conv) {
		case 'd':
		case 'i':
			s = lng == 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			n += emit_number(&sp, s < 0 ? -(uint64_t)s : (uint64_t)s, 10, 0, s < 0);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng == 2   ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
			               : va_arg(ap, unsigned int);
			n += emit_number(&sp, u, conv == 'u' ? 10 : 16, conv == 'X', 0);
			break;
		case 'p':
			console_puts("0x");
			n += 2 + emit_number(&sp, (uintptr_t)va_arg(ap, void *), 16, 0, 0);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			n += emit_padded(&sp, &c, 1, 0);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;
			if (!str)
				str = "(null)";
			while (str[len])
				len++;
			sp.zero = 0;
			n += emit_padded(&sp, str, len, 0);
			break;
		}
		default: /* "%%" and anything unknown print literally */
			console_putc(conv);
			n++;
			break;
		}
	}
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
