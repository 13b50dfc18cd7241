/* CPUID exits (SDM 2 "CPUID"): the host's answers, less what a guest must not
 * see or cannot use here (VMX, SMX, MONITOR, x2APIC, PCID, performance
 * monitoring, machine-check architecture, the local APIC, MTRRs), plus the
 * hypervisor bit and Kestrel's leaves at 0x40000000. Beyond leaf 1 only the
 * feature bits vmm/vmx/features.c lists pass, where they work in a guest.
 * The basic leaves end at 0x16 on every CPU, with 0x15 and 0x16 saying the
 * TSC frequency Kestrel measured; a leaf Kestrel does not answer is zero. */
#include "kernel/cpu.h"
#include "kernel/fpu.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/exit/exit.h"
#include "vmm/exit/hypercall.h"
#include "vmm/vm.h"
#include "vmm/vmx/features.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmx/vmx_caps.h"

/* CPUID.1:ECX */
#define CPUID1_ECX_DTES64 (1u << 2)
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_DS_CPL (1u << 4)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_SMX (1u << 6)
#define CPUID1_ECX_EIST (1u << 7)
#define CPUID1_ECX_TM2 (1u << 8)
#define CPUID1_ECX_SDBG (1u << 11) /* IA32_DEBUG_INTERFACE */
#define CPUID1_ECX_XTPR (1u << 14) /* xTPR update control: an APIC feature */
#define CPUID1_ECX_PDCM (1u << 15)
#define CPUID1_ECX_PCID (1u << 17)
#define CPUID1_ECX_DCA (1u << 18)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
/* CPUID.1:EDX */
#define CPUID1_EDX_MCE (1u << 7)
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_EDX_MTRR (1u << 12)
#define CPUID1_EDX_MCA (1u << 14)
#define CPUID1_EDX_PSN (1u << 18)
#define CPUID1_EDX_DS (1u << 21)
#define CPUID1_EDX_ACPI (1u << 22)
#define CPUID1_EDX_HTT (1u << 28) /* 0: one logical processor in the package */
#define CPUID1_EDX_TM (1u << 29)
#define CPUID1_EDX_PBE (1u << 31)

#define HIDDEN_1_ECX                                                                                                   \
	(CPUID1_ECX_DTES64 | CPUID1_ECX_MONITOR | CPUID1_ECX_DS_CPL | CPUID1_ECX_VMX | CPUID1_ECX_SMX |               \
	 CPUID1_ECX_EIST | CPUID1_ECX_TM2 | CPUID1_ECX_SDBG | CPUID1_ECX_XTPR | CPUID1_ECX_PDCM | CPUID1_ECX_PCID |   \
	 CPUID1_ECX_DCA | CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_OSXSAVE)
#define HIDDEN_1_EDX                                                                                                   \
	(CPUID1_EDX_MCE | CPUID1_EDX_APIC | CPUID1_EDX_MTRR | CPUID1_EDX_MCA | CPUID1_EDX_PSN | CPUID1_EDX_DS |       \
	 CPUID1_EDX_ACPI | CPUID1_EDX_HTT | CPUID1_EDX_TM | CPUID1_EDX_PBE)

/* The highest leaves a guest is told of. 0x16 on every CPU, raised or
 * lowered from the host's: 0x15 and 0x16 then always carry Kestrel's TSC
 * frequency, never the CPU's claim (Bochs claims GHz for a TSC that runs at
 * its ips), and 0x17 on (SoC vendor, AMX, 0x1F topology, ...) is not there. */
#define CPUID_MAX_BASIC 0x16u
#define CPUID_MAX_EXTENDED 0x80000008u
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)

static const struct cpuid_regs zero;

static struct cpuid_regs cpuid_kestrel(uint32_t leaf)
{
	struct cpuid_regs r = zero;
	if (leaf == KESTREL_CPUID_BASE) {
		r.eax = KESTREL_CPUID_BASE + 1;
		memcpy(&r.ebx, KESTREL_CPUID_SIGNATURE, 4);
		memcpy(&r.ecx, KESTREL_CPUID_SIGNATURE + 4, 4);
		memcpy(&r.edx, KESTREL_CPUID_SIGNATURE + 8, 4);
	}
	return r; /* 0x40000001: no feature bits yet; 0x40000002-0x400000FF: none */
}

/* Leaf 0x15, "Time Stamp Counter and Nominal Core Crystal Clock": TSC Hz =
 * ECX * EBX / EAX. Kestrel says crystal = TSC, ratio 1/1, so the guest
 * computes exactly the frequency Kestrel measured (Linux's
 * native_calibrate_tsc: ECX / 1000 * EBX / EAX kHz, and a non-zero ECX makes
 * it trust the value). A TSC above 4.29 GHz does not fit ECX: the ratio
 * becomes n/1 with a crystal of kHz / n, whole kHz; where no small n
 * divides the kHz, EBX = 0 says "not enumerated" and the guest measures. */
static struct cpuid_regs cpuid_tsc_leaf(uint64_t hz)
{
	if (hz && hz <= UINT32_MAX)
		return (struct cpuid_regs){1, 1, (uint32_t)hz, 0};
	uint64_t khz = hz / 1000;
	for (uint32_t n = 2; khz && n <= 16; n++)
		if (khz % n == 0 && khz / n * 1000 <= UINT32_MAX)
			return (struct cpuid_regs){1, n, (uint32_t)(khz / n * 1000), 0};
	return zero;
}

/* Leaf 0x16, "Processor Frequency Information": base and maximum MHz are
 * the TSC's (Kestrel shows no turbo), the bus frequency is not enumerated. */
static struct cpuid_regs cpuid_freq_leaf(uint64_t hz)
{
	uint32_t mhz = hz / 1000000 > 0xFFFF ? 0 : (uint32_t)(hz / 1000000);
	return (struct cpuid_regs){mhz, mhz, 0, 0};
}

/* Leaf 0xB, "Extended Topology Enumeration": one thread in one core. Level
 * 0 is SMT, level 1 core, each with one logical processor and a shift of 0;
 * level 2 on is invalid (ECX[15:8] = 0). EDX, the x2APIC ID, is 0. */
static struct cpuid_regs cpuid_topology(uint32_t subleaf)
{
	struct cpuid_regs r = {0, 0, subleaf & 0xFF, 0};
	if (subleaf < 2) {
		r.ebx = 1;
		r.ecx |= (subleaf + 1) << 8; /* 1 = SMT, 2 = core */
	}
	return r;
}

/* Only the listed feature bits that work here (the allow-list leaves). */
static void cpuid_allow(const struct vmx_caps *c, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	r->eax &= features_usable(c, leaf, subleaf, CPUID_EAX);
	r->ebx &= features_usable(c, leaf, subleaf, CPUID_EBX);
	r->ecx &= features_usable(c, leaf, subleaf, CPUID_ECX);
	r->edx &= features_usable(c, leaf, subleaf, CPUID_EDX);
}

/* Leaf 1 stays a deny-list: of the listed bits, only those that work pass. */
static uint32_t cpuid_deny(const struct vmx_caps *c, enum cpuid_reg reg, uint32_t val)
{
	return val & (features_usable(c, 1, 0, reg) | ~features_listed(1, 0, reg));
}

static struct cpuid_regs cpuid_leaf1(const struct vmx_caps *c, struct cpuid_regs r)
{
	r.ecx = cpuid_deny(c, CPUID_ECX, r.ecx & ~HIDDEN_1_ECX) | CPUID1_ECX_HYPERVISOR;
	if (vcpu_cr4() & CR4_OSXSAVE) /* reflects the guest's CR4, not ours */
		r.ecx |= CPUID1_ECX_OSXSAVE;
	r.edx = cpuid_deny(c, CPUID_EDX, r.edx & ~HIDDEN_1_EDX);
	r.ebx &= 0x0000FFFF; /* initial APIC ID 0; [23:16] unused without HTT */
	return r;
}

static struct cpuid_regs cpuid_xsave(const struct vmx_caps *c, uint32_t subleaf, struct cpuid_regs r)
{
	/* Only the components Kestrel switches (kernel/fpu.c). */
	if (subleaf == 0) {
		r.eax &= (uint32_t)fpu_xcr0_mask();
		r.edx &= (uint32_t)(fpu_xcr0_mask() >> 32);
	} else if (subleaf == 1) {
		/* EBX, the size for XCR0 | IA32_XSS, is the CPU's answer for
		 * the guest's XCR0 (loaded now); ECX:EDX, the IA32_XSS bits, go. */
		uint32_t size = r.ebx;
		cpuid_allow(c, 0xD, 1, &r);
		r.ebx = size;
	} else if (subleaf < 64 && !(fpu_xcr0_mask() & (1ull << subleaf))) {
		r = zero;
	}
	return r;
}

/* Leaves 0 to CPUID_MAX_BASIC. What is not listed is zero: reserved, or the
 * data of a feature hidden in leaf 1 or 7 (DCA 9, RDT 0xF/0x10, SGX 0x12,
 * Intel PT 0x14), so nothing a hidden feature's leaf says can mislead. */
static struct cpuid_regs cpuid_basic(const struct vmx_caps *c, uint32_t leaf, uint32_t subleaf)
{
	switch (leaf) { /* Kestrel's own: there whatever the host's maximum */
	case 0xB:
		return cpuid_topology(subleaf);
	case 0x15:
		return cpuid_tsc_leaf(tsc_hz());
	case 0x16:
		return cpuid_freq_leaf(tsc_hz());
	}
	if (leaf > c->cpuid_max_basic) /* the host's answer would be its last leaf's */
		return zero;
	struct cpuid_regs r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 0:
		r.eax = CPUID_MAX_BASIC;
		return r;
	case 1:
		return cpuid_leaf1(c, r);
	case 2: /* cache and TLB descriptors */
		return r;
	case 4: /* deterministic cache parameters, for one core and one thread */
		r.eax &= 0x03FFFu; /* [25:14] sharing threads - 1, [31:26] cores - 1: 0 */
		return r;
	case 7: /* sub-leaf 0 only: its EAX, the last sub-leaf, becomes 0 */
		if (subleaf)
			return zero;
		cpuid_allow(c, 7, 0, &r);
		return r;
	case 0xD:
		return cpuid_xsave(c, subleaf, r);
	}
	return zero; /* 3 (no PSN), 5 MONITOR, 6 power, 0xA perfmon, the rest */
}

static struct cpuid_regs cpuid_extended(const struct vmx_caps *c, uint32_t leaf)
{
	struct cpuid_regs r = cpuid(leaf, 0);
	switch (leaf) {
	case 0x80000000:
		r.eax = CPUID_MAX_EXTENDED;
		return r;
	case 0x80000001:
		cpuid_allow(c, leaf, 0, &r);
		return r;
	case 0x80000002: /* the brand string */
	case 0x80000003:
	case 0x80000004:
	case 0x80000006: /* L2 cache */
		return r;
	case 0x80000007: /* the guest's TSC is the host's invariant one, offset */
		return (struct cpuid_regs){0, 0, 0, r.edx & CPUID_80000007_EDX_INVARIANT_TSC};
	case 0x80000008: /* EAX, the address sizes, stay: guest paging is native */
		return (struct cpuid_regs){r.eax, r.ebx & features_usable(c, leaf, 0, CPUID_EBX), 0, 0};
	}
	return zero; /* 0x80000005: reserved on Intel */
}

static struct cpuid_regs cpuid_guest(const struct vmx_caps *c, uint32_t leaf, uint32_t subleaf)
{
	if (leaf >= KESTREL_CPUID_BASE && leaf <= KESTREL_CPUID_BASE + 0xFF)
		return cpuid_kestrel(leaf);
	/* The extended range is what both the host and Kestrel have. Beyond the
	 * end of either range the CPU answers with the highest basic leaf
	 * (SDM 2 CPUID: "If a value entered for CPUID.EAX is higher than the
	 * maximum input value for basic or extended function ..."). */
	uint32_t ext_max = c->cpuid_max_extended;
	if (ext_max > CPUID_MAX_EXTENDED)
		ext_max = CPUID_MAX_EXTENDED;
	if (leaf <= CPUID_MAX_BASIC)
		return cpuid_basic(c, leaf, subleaf);
	if (leaf >= 0x80000000 && leaf <= ext_max)
		return cpuid_extended(c, leaf);
	return cpuid_basic(c, CPUID_MAX_BASIC, 0);
}

enum exit_action exit_cpuid(struct vm *vm, const struct vm_exit *e)
{
	struct guest_regs *g = &vm->vcpu.regs;
	struct cpuid_regs r = cpuid_guest(vm->vcpu.caps, (uint32_t)g->rax, (uint32_t)g->rcx);
	g->rax = r.eax;
	g->rbx = r.ebx;
	g->rcx = r.ecx;
	g->rdx = r.edx;
	vcpu_skip_instruction(e);
	return EXIT_RESUME;
}
