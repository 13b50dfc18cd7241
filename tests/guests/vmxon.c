/*
 * vmxon: VMX must be invisible to guests. VMXON in VMX non-root operation
 * exits to Kestrel (SDM Vol. 3C, 25.1.2), which must inject #UD as a CPU
 * without VMX would. The #UD handler prints "ud" and exits with 6 (#UD's
 * vector); if VMXON completes, print "no fault" and exit with 1.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/idt.h"
#include "guests/lib/io.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));

static void on_ud(struct trap_frame *f)
{
	(void)f;
	printf("ud\n");
	guest_exit(6);
}

int main(void)
{
	uint64_t pa = (uintptr_t)vmxon_region;

	idt_init();
	idt_set_handler(VEC_UD, on_ud);
	printf("executing VMXON\n");
	__asm__ volatile("vmxon %0" : : "m"(pa) : "memory", "cc");
	printf("no fault\n");
	return 1;
}
