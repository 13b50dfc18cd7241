/* CPUID exits (SDM 2 "CPUID"): the host's answers, less what a guest must not
 * see or cannot use here (VMX, SMX, MONITOR, x2APIC, PCID, performance
 * monitoring, machine-check architecture, the local APIC, MTRRs), plus the
 * hypervisor bit, Kestrel's leaves at 0x40000000 and its exit statistics at
 * 0x4FFFFFFC (cpuid_stats.c). Beyond leaf 1 only the feature bits
 * vmm/vmx/features.c lists pass, where they work in a guest.
 * The basic leaves end at 0x16 on every CPU, with 0x15 and 0x16 saying the
 * TSC frequency Kestrel measured; a leaf Kestrel does not answer is zero.
 * Everything that cannot change is worked out once (cpuid_table_init), so
 * that an exit does only what follows the guest (vmm/exit/cpuid.h). */
#include "kernel/cpu.h"
#include "kernel/fpu.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/exit/cpuid.h"
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

#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)

static const struct cpuid_regs zero;

static struct cpuid_regs cpuid_kestrel(uint32_t leaf)
{
	struct cpuid_regs r = zero;
	if (leaf == KESTREL_CPUID_BASE) {
		r.eax = KESTREL_CPUID_BASE + KESTREL_CPUID_LEAVES - 1;
		memcpy(&r.ebx, KESTREL_CPUID_SIGNATURE, 4);
		memcpy(&r.ecx, KESTREL_CPUID_SIGNATURE + 4, 4);
		memcpy(&r.edx, KESTREL_CPUID_SIGNATURE + 8, 4);
	}
	return r; /* 0x40000001: no feature bits yet */
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

/* OSXSAVE is left to the exit: it follows the guest's CR4. */
static struct cpuid_regs cpuid_leaf1_fixed(const struct vmx_caps *c, struct cpuid_regs r)
{
	r.ecx = cpuid_deny(c, CPUID_ECX, r.ecx & ~HIDDEN_1_ECX) | CPUID1_ECX_HYPERVISOR;
	r.edx = cpuid_deny(c, CPUID_EDX, r.edx & ~HIDDEN_1_EDX);
	r.ebx &= 0x0000FFFF; /* initial APIC ID 0; [23:16] unused without HTT */
	return r;
}

/* Leaf 4, deterministic cache parameters, for one core and one thread. */
static struct cpuid_regs cpuid_cache(const struct vmx_caps *c, uint32_t subleaf)
{
	if (c->cpuid_max_basic < 4)
		return zero;
	struct cpuid_regs r = cpuid(4, subleaf);
	r.eax &= 0x03FFFu; /* [25:14] sharing threads - 1, [31:26] cores - 1: 0 */
	return r;
}

static struct cpuid_regs cpuid_and(struct cpuid_regs r, struct cpuid_regs m)
{
	return (struct cpuid_regs){r.eax & m.eax, r.ebx & m.ebx, r.ecx & m.ecx, r.edx & m.edx};
}

/* Leaf 0xD, asked of the CPU each time: EBX of sub-leaves 0 and 1 is the
 * size for the XCR0 (and IA32_XSS) loaded now, the guest's. Of sub-leaf 0
 * only the components Kestrel switches (kernel/fpu.c) show, of sub-leaf 1
 * the listed features that work (ECX:EDX, the IA32_XSS bits, go); the
 * sub-leaves of the other components are zero. */
static struct cpuid_regs cpuid_xsave(const struct cpuid_table *t, const struct vmx_caps *c, uint32_t subleaf)
{
	if (c->cpuid_max_basic < 0xD)
		return zero;
	struct cpuid_regs r = cpuid(0xD, subleaf);
	if (subleaf < 2)
		return cpuid_and(r, t->xsave_shown[subleaf]);
	if (subleaf < 64 && !(fpu_xcr0_mask() & (1ull << subleaf)))
		return zero;
	return r;
}

static void cpuid_xsave_init(struct cpuid_table *t, const struct vmx_caps *c)
{
	uint64_t xcr0 = fpu_xcr0_mask();
	t->xsave_shown[0] = (struct cpuid_regs){(uint32_t)xcr0, ~0u, ~0u, (uint32_t)(xcr0 >> 32)};
	t->xsave_shown[1] = (struct cpuid_regs){~0u, ~0u, ~0u, ~0u};
	cpuid_allow(c, 0xD, 1, &t->xsave_shown[1]);
	t->xsave_shown[1].ebx = ~0u;
}

/* Sub-leaf 0 of leaves 0 to CPUID_MAX_BASIC. What is not listed is zero:
 * reserved, or the data of a feature hidden in leaf 1 or 7 (DCA 9, RDT
 * 0xF/0x10, SGX 0x12, Intel PT 0x14), so nothing a hidden feature's leaf
 * says can mislead. 4, 0xB and 0xD, whose sub-leaves differ, are answered
 * by the exit. */
static struct cpuid_regs cpuid_basic_fixed(const struct vmx_caps *c, uint32_t leaf)
{
	switch (leaf) { /* Kestrel's own: there whatever the host's maximum */
	case 0x15:
		return cpuid_tsc_leaf(tsc_hz());
	case 0x16:
		return cpuid_freq_leaf(tsc_hz());
	}
	if (leaf > c->cpuid_max_basic) /* the host's answer would be its last leaf's */
		return zero;
	struct cpuid_regs r = cpuid(leaf, 0);
	switch (leaf) {
	case 0:
		r.eax = CPUID_MAX_BASIC;
		return r;
	case 1:
		return cpuid_leaf1_fixed(c, r);
	case 2: /* cache and TLB descriptors */
		return r;
	case 7: /* sub-leaf 0; its EAX, the last sub-leaf, becomes 0 */
		cpuid_allow(c, 7, 0, &r);
		return r;
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

void cpuid_table_init(struct cpuid_table *t, const struct vmx_caps *c)
{
	for (uint32_t leaf = 0; leaf <= CPUID_MAX_BASIC; leaf++)
		t->basic[leaf] = cpuid_basic_fixed(c, leaf);
	/* The extended range is what both the host and Kestrel have. Beyond the
	 * end of either range the CPU answers with the highest basic leaf
	 * (SDM 2 CPUID: "If a value entered for CPUID.EAX is higher than the
	 * maximum input value for basic or extended function ..."). */
	for (uint32_t i = 0; i < CPUID_EXTENDED_LEAVES; i++) {
		uint32_t leaf = CPUID_EXTENDED_BASE + i;
		t->extended[i] = leaf <= c->cpuid_max_extended ? cpuid_extended(c, leaf) : t->basic[CPUID_MAX_BASIC];
	}
	for (uint32_t i = 0; i < KESTREL_CPUID_LEAVES; i++)
		t->kestrel[i] = cpuid_kestrel(KESTREL_CPUID_BASE + i);
	cpuid_xsave_init(t, c);
}

/* Leaf 1's OSXSAVE is the guest's CR4.OSXSAVE. The VMREAD comes first, so
 * that nothing of the answer waits in registers across the call. */
static struct cpuid_regs cpuid_leaf1(const struct cpuid_table *t)
{
	bool osxsave = vcpu_cr4_read_shadow() & CR4_OSXSAVE;
	struct cpuid_regs r = t->basic[1];
	if (osxsave)
		r.ecx |= CPUID1_ECX_OSXSAVE;
	return r;
}

/* The leaves whose answer depends on the sub-leaf in ECX. */
#define CPUID_SUBLEAF_LEAVES ((1u << 4) | (1u << 7) | (1u << 0xB) | (1u << 0xD))

/* Out of line (noinline): inlined, the CPUID these execute (which clobbers
 * RBX) would make every exit_cpuid save and restore registers. */
static __attribute__((noinline)) struct cpuid_regs cpuid_subleaf(const struct vm *vm, uint32_t leaf,
								  uint32_t subleaf)
{
	const struct cpuid_table *t = vm->cpuid;
	switch (leaf) {
	case 4:
		return cpuid_cache(vm->vcpu.caps, subleaf);
	case 7: /* sub-leaf 0 only */
		return subleaf ? zero : t->basic[7];
	case 0xB:
		return cpuid_topology(subleaf);
	}
	return cpuid_xsave(t, vm->vcpu.caps, subleaf);
}

static struct cpuid_regs cpuid_guest(const struct vm *vm, uint32_t leaf, uint32_t subleaf)
{
	const struct cpuid_table *t = vm->cpuid;
	if (leaf == 1) /* the most frequent of the live leaves: before any range test */
		return cpuid_leaf1(t);
	if (leaf <= CPUID_MAX_BASIC)
		return CPUID_SUBLEAF_LEAVES & (1u << leaf) ? cpuid_subleaf(vm, leaf, subleaf) : t->basic[leaf];
	if (leaf - CPUID_EXTENDED_BASE < CPUID_EXTENDED_LEAVES)
		return t->extended[leaf - CPUID_EXTENDED_BASE];
	if (leaf - KESTREL_CPUID_BASE < KESTREL_CPUID_LEAVES)
		return t->kestrel[leaf - KESTREL_CPUID_BASE];
	if (leaf - KESTREL_CPUID_BASE <= 0xFF) /* the rest of the hypervisor range */
		return zero;
	if (leaf >= KESTREL_CPUID_STATS_REASON_TIME && leaf <= KESTREL_CPUID_STATS_TOTAL_COUNT)
		return cpuid_exit_stats(vm, leaf, subleaf);
	return t->basic[CPUID_MAX_BASIC]; /* beyond both ranges: the highest basic leaf */
}

/* RIP moves on first: then only vm waits across a call (the exit's cost). */
enum exit_action exit_cpuid(struct vm *vm, const struct vm_exit *e)
{
	vcpu_skip_instruction(e);
	struct guest_regs *g = &vm->vcpu.regs;
	struct cpuid_regs r = cpuid_guest(vm, (uint32_t)g->rax, (uint32_t)g->rcx);
	g->rax = r.eax;
	g->rbx = r.ebx;
	g->rcx = r.ecx;
	g->rdx = r.edx;
	return EXIT_RESUME;
}
