/* Options on the kernel command line: whitespace-separated `key=value`
 * pairs and bare flags. */
#ifndef KESTREL_KERNEL_CMDLINE_H
#define KESTREL_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX_ARGS 32

#define CMDLINE_NOT_FOUND 1
#define CMDLINE_BAD_NUMBER (-1)

struct cmdline_arg {
	const char *key, *val; /* val NULL for a flag */
	size_t key_len, val_len;
};

struct cmdline {
	unsigned n;
	bool truncated; /* more than CMDLINE_MAX_ARGS arguments */
	struct cmdline_arg args[CMDLINE_MAX_ARGS];
};

void cmdline_parse(struct cmdline *cl, const char *s);
/* The value of the last `key=value`; false when absent. */
bool cmdline_get(const struct cmdline *cl, const char *key, const char **val, size_t *len);
bool cmdline_flag(const struct cmdline *cl, const char *key);
/* 0 with *out set, CMDLINE_NOT_FOUND, or CMDLINE_BAD_NUMBER. */
int cmdline_get_u64(const struct cmdline *cl, const char *key, uint64_t *out);
/* Decimal or 0x-hex, all of s[0..len); 0 or -1 on junk or overflow. */
int parse_u64(const char *s, size_t len, uint64_t *out);
/* A size: a number with an optional K, M or G suffix (powers of 1024). */
int parse_size(const char *s, size_t len, uint64_t *out);

#endif
