/* Kernel command-line options: whitespace-separated `key=value`, `key="a b"`
 * and bare `flag` tokens, looked up by key (the last occurrence wins).
 * Keys and values point into the parsed string, which must outlive the struct. */
#ifndef KESTREL_KERNEL_CMDLINE_H
#define KESTREL_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX_ARGS 32

enum cmdline_status {
	CMDLINE_OK = 0,
	CMDLINE_NOT_FOUND = -1, /* no such key */
	CMDLINE_ERR_SYNTAX = -2, /* not a number / size, or a flag where a value is needed */
	CMDLINE_ERR_RANGE = -3,  /* does not fit in 64 bits */
	CMDLINE_ERR_TOO_MANY = -4, /* more than CMDLINE_MAX_ARGS tokens: the rest ignored */
	CMDLINE_ERR_QUOTE = -5,  /* a quote left open, or text right after a closing quote */
};

struct cmdline_arg {
	const char *key;
	size_t key_len;
	const char *val; /* NULL for a bare flag */
	size_t val_len;
};

struct cmdline {
	struct cmdline_arg args[CMDLINE_MAX_ARGS];
	unsigned nargs;
	unsigned dropped; /* tokens past the first CMDLINE_MAX_ARGS, not kept */
	bool bad_quote;   /* some token had CMDLINE_ERR_QUOTE */
};

/* Split s into tokens. Always fills cl with what it could read; returns
 * CMDLINE_OK or the first problem (CMDLINE_ERR_TOO_MANY, CMDLINE_ERR_QUOTE);
 * cl->dropped and cl->bad_quote say all there was. */
int cmdline_parse(struct cmdline *cl, const char *s);
/* The value of key (not NUL-terminated: use len); false if key is absent or a bare flag. */
bool cmdline_get(const struct cmdline *cl, const char *key, const char **val, size_t *len);
/* Whether key appears anywhere as a bare flag (no '='): "key=value" is no
 * flag, and does not undo one. */
bool cmdline_flag(const struct cmdline *cl, const char *key);
/* key's value as a number (decimal or 0x hex): CMDLINE_OK, CMDLINE_NOT_FOUND, or an error. */
int cmdline_get_u64(const struct cmdline *cl, const char *key, uint64_t *out);
/* Call fn for every token in order (the kernel warns about keys it does not know). */
void cmdline_each(const struct cmdline *cl, void (*fn)(void *ctx, const struct cmdline_arg *arg), void *ctx);

/* "123" or "0x7b" (either case) -> value; CMDLINE_ERR_SYNTAX or CMDLINE_ERR_RANGE. */
int cmdline_parse_u64(const char *s, size_t len, uint64_t *out);
/* "4096", "512K", "16M", "1G", "1T" (suffix either case, binary units) -> bytes. */
int parse_size(const char *s, size_t len, uint64_t *out);

#endif
