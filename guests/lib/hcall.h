/*
 * Hypercall wrappers: VMCALL with the call number in EAX/RAX and arguments in
 * EBX, ECX, EDX (vmm/exit/hypercall.h, docs/hypercalls.md). Guest addresses are
 * guest-physical: our guests run with paging off or an identity map.
 */
#ifndef GUEST_HCALL_H
#define GUEST_HCALL_H

#include "guests/lib/io.h"
#include "vmm/exit/hypercall.h"

static inline long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	long ret;
	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), "d"(a3) : "memory");
	return ret;
}

static inline long hc_version(void)
{
	return hypercall(HC_VERSION, 0, 0, 0);
}
static inline long hc_yield(void)
{
	return hypercall(HC_YIELD, 0, 0, 0);
}

/* The host TSC frequency in Hz; a 32-bit guest sees only the low 32 bits. */
static inline long hc_tsc_hz(void)
{
	return hypercall(HC_TSC_HZ, 0, 0, 0);
}

static inline long hc_console_write(const void *buf, unsigned long len)
{
	return hypercall(HC_CONSOLE_WRITE, (unsigned long)buf, len, 0);
}

__attribute__((noreturn)) static inline void hc_shutdown(uint32_t code)
{
	hypercall(HC_SHUTDOWN, code, 0, 0);
	guest_exit(code); /* HC_SHUTDOWN does not return; if it did, try the port */
}

#endif
