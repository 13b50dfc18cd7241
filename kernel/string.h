/* The few C library string functions the kernel uses, with their standard
 * names and prototypes: GCC emits calls to memset/memcpy/memmove/memcmp itself,
 * and host tests see these same declarations next to glibc's <string.h>. */
#ifndef KESTREL_KERNEL_STRING_H
#define KESTREL_KERNEL_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
