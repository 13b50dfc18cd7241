/* Ending a run: power-off on emulators, then halt. */
#ifndef KESTREL_KERNEL_POWER_H
#define KESTREL_KERNEL_POWER_H

#include <stdint.h>

void __attribute__((noreturn)) power_off(uint8_t code);
void __attribute__((noreturn)) power_reboot(void);

#endif
