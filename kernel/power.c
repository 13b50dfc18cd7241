/* Power-off for the emulators we test on, and reboot: QEMU's isa-debug-exit
 * (port 0xF4; QEMU exits with status code*2+1), Bochs's "Shutdown" string on
 * port 0x8900, then halt, which is all real hardware without ACPI gets. */
#include "kernel/power.h"
#include "kernel/cpu.h"
#include "kernel/serial.h"

#define QEMU_DEBUG_EXIT_PORT 0xF4
#define BOCHS_SHUTDOWN_PORT 0x8900
#define KBC_COMMAND 0x64
#define KBC_PULSE_RESET 0xFE
#define RESET_CONTROL 0xCF9 /* PCH reset control register */
#define RST_CPU_FULL 0x0E   /* full reset: SYS_RST + RST_CPU */

void power_off(uint8_t code)
{
	serial_flush();
	outb(QEMU_DEBUG_EXIT_PORT, code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	cpu_halt_forever();
}

void power_reboot(void)
{
	serial_flush();
	outb(RESET_CONTROL, RST_CPU_FULL);
	outb(KBC_COMMAND, KBC_PULSE_RESET);
	cpu_halt_forever();
}
