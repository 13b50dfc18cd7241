/* The CPU features a guest is offered, and what each needs to work inside a
 * guest: one table behind both the CPUID exit (what the guest is told) and
 * MOV to CR4 (which enabling bits it may set), so the two cannot disagree. */
#ifndef KESTREL_VMM_FEATURES_H
#define KESTREL_VMM_FEATURES_H

#include <stdint.h>

struct vmx_caps;

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* The bits of CPUID(leaf, subleaf).reg that the table lists. */
uint32_t features_listed(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg);
/* Of those, the ones that work in a guest on this CPU: the CPU has the
 * feature, and the CR4 bit, VMX control and XSAVE state it needs are there. */
uint32_t features_usable(const struct vmx_caps *c, uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg);
/* The CR4 bits a guest may set because a usable feature enables them. */
uint64_t features_cr4(const struct vmx_caps *c);

#endif
