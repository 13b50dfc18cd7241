/* Device state as text, for the monitor's pic, pit, uart and rtc commands. */
#ifndef KESTREL_VMM_DEV_SHOW_H
#define KESTREL_VMM_DEV_SHOW_H

#include <stdint.h>

#include "vmm/dev/isa.h"

typedef void (*show_put)(void *ctx, char c);

void pic_show(const struct pic *pic, show_put put, void *ctx);
/* The 8254 and the board's missed-tick counters. */
void pit_show(const struct isa *isa, uint64_t now, show_put put, void *ctx);
void uart_show(const struct isa *isa, show_put put, void *ctx);
/* The MC146818A: time of day as it counts, status registers, alarm, rate. */
void rtc_show(const struct isa *isa, show_put put, void *ctx);

#endif
