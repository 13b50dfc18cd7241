/* The CPU a guest is shown by CPUID (vmm/exit/cpuid.c): the answers that
 * never change, computed once at VMM init; and the leaves of Kestrel's exit
 * statistics (vmm/exit/cpuid_stats.c, docs/hypercalls.md). */
#ifndef KESTREL_VMM_CPUID_H
#define KESTREL_VMM_CPUID_H

#include <stdint.h>

#include "kernel/cpu.h"
#include "vmm/exit/hypercall.h"

struct vm;
struct vmx_caps;

/* The highest leaves a guest is told of. 0x16 on every CPU, raised or
 * lowered from the host's: 0x15 and 0x16 then always carry Kestrel's TSC
 * frequency, never the CPU's claim (Bochs claims GHz for a TSC that runs at
 * its ips), and 0x17 on (SoC vendor, AMX, 0x1F topology, ...) is not there. */
#define CPUID_MAX_BASIC 0x16u
#define CPUID_EXTENDED_BASE 0x80000000u
#define CPUID_MAX_EXTENDED 0x80000008u
#define CPUID_EXTENDED_LEAVES (CPUID_MAX_EXTENDED - CPUID_EXTENDED_BASE + 1)

/*
 * Every answer that stays the same while Kestrel runs: the host's CPUID,
 * Kestrel's policy over it (the feature table's loops included) and the
 * TSC frequency, worked out once. What is left for the exit is what follows
 * the guest: CPUID.1:ECX.OSXSAVE (its CR4), the sub-leaves of 4, 7, 0xB and
 * 0xD, and leaf 0xD's sizes (its XCR0, loaded while it runs).
 */
struct cpuid_table {
	struct cpuid_regs basic[CPUID_MAX_BASIC + 1];      /* sub-leaf 0; not 4, 0xB, 0xD (all live) */
	struct cpuid_regs extended[CPUID_EXTENDED_LEAVES]; /* from 0x80000000 */
	struct cpuid_regs kestrel[KESTREL_CPUID_LEAVES];   /* from 0x40000000 */
	struct cpuid_regs xsave_shown[2]; /* the bits of the CPU's leaf 0xD sub-leaves 0 and 1 shown */
};

/* Fill t for a CPU with these capabilities. Call once the TSC is
 * calibrated and the FPU set up (tsc_hz, fpu_xcr0_mask). */
void cpuid_table_init(struct cpuid_table *t, const struct vmx_caps *c);

/* The answer of an exit-statistics leaf, with ECX = reason. */
struct cpuid_regs cpuid_exit_stats(const struct vm *vm, uint32_t leaf, uint32_t reason);

#endif
