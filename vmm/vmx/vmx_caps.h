/* What this CPU's VMX can do, and the controls Kestrel chose from that. */
#ifndef KESTREL_VMM_VMX_CAPS_H
#define KESTREL_VMM_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

struct vmx_caps {
	uint64_t basic;
	uint32_t revision;
	bool true_controls;
	unsigned preemption_rate; /* timer ticks once every 2^rate TSC ticks */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid_cap;
	bool vpid, ept_2mb, unrestricted_guest;
	bool mtf; /* the monitor trap flag: access watches step with it */
	bool pml; /* page-modification logging and EPT dirty flags: dirty logging uses them */
	bool tsc_aux; /* IA32_TSC_AUX exists: switched per guest (RDTSCP, RDPID) */
	unsigned maxphyaddr; /* CPUID.80000008H:EAX[7:0], for guest page walks */
	uint32_t cpuid_max_basic, cpuid_max_extended; /* CPUID.0:EAX, CPUID.80000000H:EAX */
	/* The controls every VMCS starts from (SDM 3C 25.6-25.8). */
	uint32_t pin, proc, proc2, exit, entry;
};

/*
 * Reads the capability MSRs and fits every control Kestrel needs. Returns
 * false, with `why` naming each missing feature, when guests cannot run.
 */
bool vmx_probe(struct vmx_caps *caps, char *why, unsigned why_len);
/* VMXON: sets CR4.VMXE and the fixed CR0/CR4 bits first. Panics on failure. */
void vmx_enable(const struct vmx_caps *caps, uint64_t vmxon_region_pa);
/* A new 4 KiB VMCS or VMXON region: zeroed, with the revision identifier. */
void vmx_init_region(const struct vmx_caps *caps, void *region);

#endif
