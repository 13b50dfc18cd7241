/* memset/memcpy/memmove with the x86 string instructions (fast with ERMS, and
 * out of reach of GCC turning a byte loop back into a call to itself); the
 * rest as plain loops. Kernel only: host tests use libc's. */
#include <stdint.h>

#include "kernel/string.h"

/* Whole quadwords first: guest RAM is zeroed megabytes at a time, and
 * emulators (and CPUs without ERMS) run REP STOSQ eight times faster. */
void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	if (!((uintptr_t)d & 7) && n >= 8) {
		uint64_t q = 0x0101010101010101ull * (unsigned char)c;
		size_t words = n / 8;
		__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(q) : "memory");
		n &= 7;
	}
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

/* Quadwords first too: a copy-on-write copy is a whole page, and REP MOVSQ
 * moves it in 512 steps where REP MOVSB takes 4096. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	if (!(((uintptr_t)d | (uintptr_t)src) & 7) && n >= 8) {
		size_t words = n / 8;
		__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
		n &= 7;
	}
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		return memcpy(dst, src, n); /* no overlap, or dst below src */
	/* dst overlaps the tail of src: copy backwards (SDM Vol. 2B MOVS, DF=1). */
	void *d = (char *)dst + n - 1;
	const void *s = (const char *)src + n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] - q[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}
