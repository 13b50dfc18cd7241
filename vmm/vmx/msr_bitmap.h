/* The shared MSR bitmap: which MSRs guests access natively. */
#ifndef KESTREL_VMM_MSR_BITMAP_H
#define KESTREL_VMM_MSR_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Every access to every MSR exits. */
void msr_bitmap_init(uint8_t *bitmap_4k);
/* Reads (write false) or writes of msr run natively, without an exit. Only
 * for MSRs in the two ranges the bitmap covers (0-0x1FFF, 0xC0000000-
 * 0xC0001FFF). */
void msr_bitmap_pass(uint8_t *bitmap_4k, uint32_t msr, bool write);

#endif
