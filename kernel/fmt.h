/* printf-style formatting without libc: %s %c %d %i %u %x %X %p %% with the
 * hh/h/l/ll/z/j/t length modifiers, flags '-' and '0', width and '*', and a %s
 * precision. Output goes through a per-character callback. */
#ifndef KESTREL_KERNEL_FMT_H
#define KESTREL_KERNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void fmt_put_fn(void *ctx, char c);

/* Format into put(ctx, c); returns the number of characters written. */
int fmt_vformat(fmt_put_fn *put, void *ctx, const char *fmt, va_list ap);
/* As C's snprintf: NUL-terminates when n > 0, returns the untruncated length. */
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* len bytes of s that came from outside (a module line, the command line),
 * made safe to quote in a message: printable ASCII as it is, every other
 * byte as \xNN, and, when that is more than n - 1 characters, as many as
 * fit before "..." (n >= 4). Always NUL-terminates; returns buf. */
char *fmt_quote(char *buf, size_t n, const char *s, size_t len);

#endif
