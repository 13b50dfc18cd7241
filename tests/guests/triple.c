/*
 * triple: loads an IDT with limit 0 and executes INT3. The #BP vector is
 * outside the IDT -> #GP, also outside -> #DF, also outside -> triple fault
 * (SDM Vol. 3A, 6.15 "Interrupt 8"). Kestrel must stop this guest alone.
 */
#include <stdint.h>

#include "guests/lib/console.h"

int main(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty_idt = {0, 0};

	printf("loading an empty IDT and executing INT3\n");
	__asm__ volatile("lidt %0; int3" : : "m"(empty_idt) : "memory");
	printf("still alive after INT3\n");
	__asm__ volatile("ud2");
	printf("still alive after UD2\n");
	return 1;
}
