/* The shared MSR bitmap: which MSRs guests access natively. */
#ifndef KESTREL_VMM_MSR_BITMAP_H
#define KESTREL_VMM_MSR_BITMAP_H

#include <stdint.h>

void msr_bitmap_init(uint8_t *bitmap_4k);

#endif
