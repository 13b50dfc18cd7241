/* The host clock: the invariant TSC, calibrated once at boot against the PIT. */
#ifndef KESTREL_KERNEL_TSC_H
#define KESTREL_KERNEL_TSC_H

#include <stdint.h>

struct tsc_calibration {
	uint64_t hz;       /* measured against PIT channel 2 */
	uint64_t cpuid_hz; /* what CPUID 0x15/0x16 claims, 0 if nothing */
};

/* v * mul / div without overflowing 64 bits while (div - 1) * mul fits. */
static inline uint64_t mul_div_u64(uint64_t v, uint64_t mul, uint64_t div)
{
	return v / div * mul + v % div * mul / div;
}

/* The TSC at _start, the boot's first instruction (boot/boot.asm). */
extern uint64_t boot_entry_tsc;

struct tsc_calibration tsc_calibrate(void);
/* The frequency tsc_calibrate measured (0 before it ran). */
uint64_t tsc_hz(void);
uint64_t tsc_to_ms(uint64_t ticks);
uint64_t tsc_from_ms(uint64_t ms);
uint64_t tsc_from_us(uint64_t us);
uint64_t tsc_to_ns(uint64_t ticks);

#endif
