/*
 * featctl: IA32_FEATURE_CONTROL (MSR 0x3A) belongs to the host. A guest WRMSR
 * to it must get #GP: the handler prints "gp" and exits with 13 (#GP's
 * vector); if the write completes, print "no fault" and exit with 1.
 */
#include "guests/lib/console.h"
#include "guests/lib/idt.h"
#include "guests/lib/io.h"

#define MSR_IA32_FEATURE_CONTROL 0x3A
#define FEATCTL_LOCK             0x1
#define FEATCTL_VMX_OUTSIDE_SMX  0x4

static void on_gp(struct trap_frame *f)
{
	(void)f;
	printf("gp\n");
	guest_exit(13);
}

int main(void)
{
	idt_init();
	idt_set_handler(VEC_GP, on_gp);
	printf("writing IA32_FEATURE_CONTROL\n");
	wrmsr(MSR_IA32_FEATURE_CONTROL, FEATCTL_LOCK | FEATCTL_VMX_OUTSIDE_SMX);
	printf("no fault\n");
	return 1;
}
