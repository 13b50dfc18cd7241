/* Little-endian fields for the loader tests (test_loader, test_bzimage,
 * test_multiboot): images are built and guest RAM is read with these, not
 * with the loaders' own helpers, so that a test does not lean on the code it
 * tests. */
#ifndef KESTREL_TEST_LE_BYTES_H
#define KESTREL_TEST_LE_BYTES_H

#include <stdint.h>

static void put(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

#endif
