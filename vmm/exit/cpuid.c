/* CPUID exits (SDM 2 "CPUID"): the host's answers, less what a guest must not
 * see or cannot use here (VMX, SMX, MONITOR, x2APIC, PCID, performance
 * monitoring, machine-check architecture, the local APIC, MTRRs), plus the
 * hypervisor bit and Kestrel's leaves at 0x40000000. Beyond leaf 1 only the
 * feature bits vmm/vmx/features.c lists pass, where they work in a guest. */
#include "kernel/cpu.h"
#include "kernel/fpu.h"
#include "kernel/string.h"
#include "vmm/exit/exit.h"
#include "vmm/exit/hypercall.h"
#include "vmm/vm.h"
#include "vmm/vmx/features.h"
#include "vmm/vmx/vcpu.h"

/* CPUID.1:ECX */
#define CPUID1_ECX_DTES64 (1u << 2)
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_DS_CPL (1u << 4)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_SMX (1u << 6)
#define CPUID1_ECX_EIST (1u << 7)
#define CPUID1_ECX_TM2 (1u << 8)
#define CPUID1_ECX_PDCM (1u << 15)
#define CPUID1_ECX_PCID (1u << 17)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
/* CPUID.1:EDX */
#define CPUID1_EDX_MCE (1u << 7)
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_EDX_MTRR (1u << 12)
#define CPUID1_EDX_MCA (1u << 14)
#define CPUID1_EDX_DS (1u << 21)
#define CPUID1_EDX_ACPI (1u << 22)
#define CPUID1_EDX_TM (1u << 29)
#define CPUID1_EDX_PBE (1u << 31)

#define HIDDEN_1_ECX                                                                                                   \
	(CPUID1_ECX_DTES64 | CPUID1_ECX_MONITOR | CPUID1_ECX_DS_CPL | CPUID1_ECX_VMX | CPUID1_ECX_SMX |               \
	 CPUID1_ECX_EIST | CPUID1_ECX_TM2 | CPUID1_ECX_PDCM | CPUID1_ECX_PCID | CPUID1_ECX_X2APIC |                   \
	 CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_OSXSAVE)
#define HIDDEN_1_EDX                                                                                                   \
	(CPUID1_EDX_MCE | CPUID1_EDX_APIC | CPUID1_EDX_MTRR | CPUID1_EDX_MCA | CPUID1_EDX_DS | CPUID1_EDX_ACPI |       \
	 CPUID1_EDX_TM | CPUID1_EDX_PBE)

static struct cpuid_regs cpuid_kestrel(uint32_t leaf)
{
	struct cpuid_regs r = {0, 0, 0, 0};
	if (leaf == KESTREL_CPUID_BASE) {
		r.eax = KESTREL_CPUID_BASE + 1;
		memcpy(&r.ebx, KESTREL_CPUID_SIGNATURE, 4);
		memcpy(&r.ecx, KESTREL_CPUID_SIGNATURE + 4, 4);
		memcpy(&r.edx, KESTREL_CPUID_SIGNATURE + 8, 4);
	}
	return r; /* 0x40000001: no feature bits yet */
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
	r.ebx &= 0x0000FFFF; /* one logical processor, initial APIC ID 0 */
	return r;
}

static struct cpuid_regs cpuid_guest(const struct vmx_caps *c, uint32_t leaf, uint32_t subleaf)
{
	if (leaf >= KESTREL_CPUID_BASE && leaf <= KESTREL_CPUID_BASE + 0xFF)
		return cpuid_kestrel(leaf);
	struct cpuid_regs r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 1:
		return cpuid_leaf1(c, r);
	case 5:  /* MONITOR/MWAIT */
	case 6:  /* thermal and power management */
	case 0xA: /* architectural performance monitoring */
		return (struct cpuid_regs){0, 0, 0, 0};
	case 7: /* sub-leaf 0 only: its EAX, the last sub-leaf, becomes 0 */
		if (subleaf)
			return (struct cpuid_regs){0, 0, 0, 0};
		cpuid_allow(c, 7, 0, &r);
		break;
	case 0xD: /* XSAVE: only the components Kestrel switches (kernel/fpu.c) */
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
			r = (struct cpuid_regs){0, 0, 0, 0};
		}
		break;
	case 0x80000001:
		cpuid_allow(c, leaf, 0, &r);
		break;
	case 0x80000008: /* EAX, the address sizes, stay: guest paging is native */
		r.ebx &= features_usable(c, leaf, 0, CPUID_EBX);
		break;
	}
	return r;
}

enum exit_action exit_cpuid(struct vm *vm, const struct vm_exit *e)
{
	struct guest_regs *g = &vm->vcpu.regs;
	struct cpuid_regs r = cpuid_guest(vm->vcpu.caps, (uint32_t)g->rax, (uint32_t)g->rcx);
	g->rax = r.eax;
	g->rbx = r.ebx;
	g->rcx = r.ecx;
	g->rdx = r.edx;
	vcpu_skip_instruction(&vm->vcpu, e->insn_len);
	return EXIT_RESUME;
}
