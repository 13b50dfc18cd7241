/* TSC calibration against 8254 channel 2 (Intel 8254 datasheet, mode 0), with
 * CPUID leaves 0x15/0x16 (SDM Vol. 3B 19.7.3) as a cross-check only: emulators
 * report a nominal frequency there that their TSC does not run at. */
#include "kernel/tsc.h"
#include "kernel/cpu.h"

#define PIT_HZ 1193182ull
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_CMD_CH2_LOHI_MODE0 0xB0 /* counter 2, LSB then MSB, mode 0, binary */
#define PORT_B 0x61                 /* system control port B */
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define CALIBRATION_COUNT 59659 /* 50 ms of PIT input clock */

static uint64_t calibrated_hz;

static uint64_t tsc_measure_pit(void)
{
	uint8_t b = inb(PORT_B);
	outb(PORT_B, (b & ~PORT_B_SPEAKER) & ~PORT_B_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_LOHI_MODE0);
	outb(PIT_CH2, CALIBRATION_COUNT & 0xFF);
	outb(PIT_CH2, CALIBRATION_COUNT >> 8);
	/* Mode 0: OUT is low from the count write until terminal count; with the
	 * gate raised now, counting runs exactly CALIBRATION_COUNT clocks. */
	outb(PORT_B, (b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	uint64_t t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2))
		cpu_pause();
	uint64_t t1 = rdtsc();
	outb(PORT_B, b);
	return (t1 - t0) * PIT_HZ / CALIBRATION_COUNT;
}

static uint64_t tsc_cpuid_hz(void)
{
	uint32_t max = cpuid(0, 0).eax;
	if (max >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (max >= 0x16) {
		struct cpuid_regs r = cpuid(0x16, 0);
		if (r.eax & 0xFFFF)
			return (uint64_t)(r.eax & 0xFFFF) * 1000000;
	}
	return 0;
}

struct tsc_calibration tsc_calibrate(void)
{
	/* Two runs, keep the lower: an SMI or emulator hiccup only adds time. */
	uint64_t a = tsc_measure_pit();
	uint64_t b = tsc_measure_pit();
	calibrated_hz = a < b ? a : b;
	return (struct tsc_calibration){.hz = calibrated_hz, .cpuid_hz = tsc_cpuid_hz()};
}

uint64_t tsc_hz(void) { return calibrated_hz; }

uint64_t tsc_to_ms(uint64_t ticks) { return mul_div_u64(ticks, 1000, calibrated_hz); }
uint64_t tsc_to_ns(uint64_t ticks) { return mul_div_u64(ticks, 1000000000, calibrated_hz); }
uint64_t tsc_from_ms(uint64_t ms) { return mul_div_u64(ms, calibrated_hz, 1000); }
uint64_t tsc_from_us(uint64_t us) { return mul_div_u64(us, calibrated_hz, 1000000); }
