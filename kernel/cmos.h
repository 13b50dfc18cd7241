/* The host's CMOS real-time clock (MC146818A at ports 70h/71h), read once at
 * boot to give the guests' clocks their starting time. */
#ifndef KESTREL_KERNEL_CMOS_H
#define KESTREL_KERNEL_CMOS_H

#include <stdbool.h>
#include <stdint.h>

/* Full year (e.g. 2025), 24-hour time; weekday 1..7, Sunday = 1. */
struct cmos_time {
	uint16_t year;
	uint8_t month, day, hour, minute, second, weekday;
};

/* Read the host clock now: false if it never leaves an update or shows no
 * valid date. */
bool cmos_read_time(struct cmos_time *t);
/* At boot: read the host clock once and note the TSC time of the reading. */
bool cmos_boot_read(void);
/* What cmos_boot_read found and when (TSC); false if it found nothing. */
bool cmos_boot_time(struct cmos_time *t, uint64_t *tsc);

#endif
