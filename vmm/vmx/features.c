/* The feature bits Kestrel passes to guests (SDM 2 "CPUID", tables 3-8 to
 * 3-11 and 3-17 there), each with what makes it work in VMX non-root
 * operation: the CR4 bit it lets the guest set (SDM 3A 2.5), the secondary
 * processor-based control without which the instruction is #UD (SDM 3C
 * 25.6.2, table 25-7), the XSAVE components Kestrel switches for it (kernel/
 * fpu.c). Rows without any of those are instructions that run natively
 * without an exit and touch no state the VMCS or Kestrel does not switch. */
#include "vmm/vmx/features.h"
#include "kernel/cpu.h"
#include "kernel/fpu.h"
#include "vmm/vmx/vmx.h"
#include "vmm/vmx/vmx_caps.h"

#define CR4_VME        (1ull << 0)
#define CR4_PVI        (1ull << 1)
#define CR4_TSD        (1ull << 2)
#define CR4_DE         (1ull << 3)
#define CR4_PSE        (1ull << 4)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP       (1ull << 11)
#define CR4_FSGSBASE   (1ull << 16)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)

#define XCR0_X87    0x01ull
#define XCR0_AVX    0x07ull /* with x87 and SSE, which AVX state needs */
#define XCR0_AVX512 0xE7ull /* opmask, ZMM_Hi256, Hi16_ZMM, with AVX */

struct feature {
	const char *name; /* the SDM's */
	uint32_t leaf;
	uint8_t subleaf, reg, bit;
	uint64_t cr4;   /* the CR4 bits it lets the guest set */
	uint32_t proc2; /* the secondary control it needs */
	uint64_t xcr0;  /* the XSAVE components it needs switched */
};

/*
 * Left out on purpose (cleared): PKU and OSPKE (PKRU is not switched per
 * guest), XSAVES (needs "enable XSAVES/XRSTORS" and IA32_XSS per guest),
 * PCID (hidden in leaf 1, so CR4.PCIDE stays refused), LA57, CET, WAITPKG,
 * MPX, Intel PT, SGX, TSX, ENQCMD, and everything that is an MSR Kestrel
 * does not emulate (TSC_ADJUST, SPEC_CTRL, ARCH_CAPABILITIES, RDT, ...).
 * Leaf 1 is the one leaf vmm/exit/cpuid.c filters by a deny-list: its rows
 * here are the bits that gate a CR4 bit or need XSAVE state, and none of
 * them may be a bit that list hides, or MOV to CR4 would accept a bit of a
 * feature the guest is not shown.
 */
static const struct feature features[] = {
	{"VME", 1, 0, CPUID_EDX, 1, CR4_VME | CR4_PVI, 0, 0},
	{"DE", 1, 0, CPUID_EDX, 2, CR4_DE, 0, 0},
	{"PSE", 1, 0, CPUID_EDX, 3, CR4_PSE, 0, 0},
	{"TSC", 1, 0, CPUID_EDX, 4, CR4_TSD, 0, 0},
	{"PAE", 1, 0, CPUID_EDX, 6, CR4_PAE, 0, 0},
	{"PGE", 1, 0, CPUID_EDX, 13, CR4_PGE, 0, 0},
	{"FXSR", 1, 0, CPUID_EDX, 24, CR4_OSFXSR, 0, 0},
	{"SSE", 1, 0, CPUID_EDX, 25, CR4_OSXMMEXCPT, 0, 0},
	{"FMA", 1, 0, CPUID_ECX, 12, 0, 0, XCR0_AVX},
	{"XSAVE", 1, 0, CPUID_ECX, 26, CR4_OSXSAVE, 0, XCR0_X87},
	{"AVX", 1, 0, CPUID_ECX, 28, 0, 0, XCR0_AVX},
	{"F16C", 1, 0, CPUID_ECX, 29, 0, 0, XCR0_AVX},
	{"FSGSBASE", 7, 0, CPUID_EBX, 0, CR4_FSGSBASE, 0, 0}, /* FS/GS base: VMCS guest state */
	{"BMI1", 7, 0, CPUID_EBX, 3, 0, 0, 0},
	{"AVX2", 7, 0, CPUID_EBX, 5, 0, 0, XCR0_AVX},
	{"FDP_EXCPTN_ONLY", 7, 0, CPUID_EBX, 6, 0, 0, 0}, /* says how the FPU behaves */
	{"SMEP", 7, 0, CPUID_EBX, 7, CR4_SMEP, 0, 0},
	{"BMI2", 7, 0, CPUID_EBX, 8, 0, 0, 0},
	{"ERMS", 7, 0, CPUID_EBX, 9, 0, 0, 0},
	{"INVPCID", 7, 0, CPUID_EBX, 10, 0, PROC2_ENABLE_INVPCID, 0}, /* INVLPG exiting is off */
	{"FCS/FDS deprecated", 7, 0, CPUID_EBX, 13, 0, 0, 0},
	{"AVX512F", 7, 0, CPUID_EBX, 16, 0, 0, XCR0_AVX512},
	{"AVX512DQ", 7, 0, CPUID_EBX, 17, 0, 0, XCR0_AVX512},
	{"RDSEED", 7, 0, CPUID_EBX, 18, 0, 0, 0}, /* RDSEED exiting is off */
	{"ADX", 7, 0, CPUID_EBX, 19, 0, 0, 0},
	{"SMAP", 7, 0, CPUID_EBX, 20, CR4_SMAP, 0, 0},
	{"AVX512_IFMA", 7, 0, CPUID_EBX, 21, 0, 0, XCR0_AVX512},
	{"CLFLUSHOPT", 7, 0, CPUID_EBX, 23, 0, 0, 0},
	{"CLWB", 7, 0, CPUID_EBX, 24, 0, 0, 0},
	{"AVX512CD", 7, 0, CPUID_EBX, 28, 0, 0, XCR0_AVX512},
	{"SHA", 7, 0, CPUID_EBX, 29, 0, 0, 0},
	{"AVX512BW", 7, 0, CPUID_EBX, 30, 0, 0, XCR0_AVX512},
	{"AVX512VL", 7, 0, CPUID_EBX, 31, 0, 0, XCR0_AVX512},
	{"AVX512_VBMI", 7, 0, CPUID_ECX, 1, 0, 0, XCR0_AVX512},
	{"UMIP", 7, 0, CPUID_ECX, 2, CR4_UMIP, 0, 0}, /* descriptor-table exiting is off */
	{"AVX512_VBMI2", 7, 0, CPUID_ECX, 6, 0, 0, XCR0_AVX512},
	{"GFNI", 7, 0, CPUID_ECX, 8, 0, 0, 0},
	{"VAES", 7, 0, CPUID_ECX, 9, 0, 0, XCR0_AVX},
	{"VPCLMULQDQ", 7, 0, CPUID_ECX, 10, 0, 0, XCR0_AVX},
	{"AVX512_VNNI", 7, 0, CPUID_ECX, 11, 0, 0, XCR0_AVX512},
	{"AVX512_BITALG", 7, 0, CPUID_ECX, 12, 0, 0, XCR0_AVX512},
	{"AVX512_VPOPCNTDQ", 7, 0, CPUID_ECX, 14, 0, 0, XCR0_AVX512},
	{"RDPID", 7, 0, CPUID_ECX, 22, 0, PROC2_ENABLE_RDTSCP, 0}, /* IA32_TSC_AUX: vcpu_state.c */
	{"MOVDIRI", 7, 0, CPUID_ECX, 27, 0, 0, 0},
	{"MOVDIR64B", 7, 0, CPUID_ECX, 28, 0, 0, 0},
	{"FSRM", 7, 0, CPUID_EDX, 4, 0, 0, 0},
	{"AVX512_VP2INTERSECT", 7, 0, CPUID_EDX, 8, 0, 0, XCR0_AVX512},
	{"MD_CLEAR", 7, 0, CPUID_EDX, 10, 0, 0, 0},
	{"SERIALIZE", 7, 0, CPUID_EDX, 14, 0, 0, 0},
	{"XSAVEOPT", 0xD, 1, CPUID_EAX, 0, 0, 0, XCR0_X87},
	{"XSAVEC", 0xD, 1, CPUID_EAX, 1, 0, 0, XCR0_X87},
	{"XGETBV with ECX = 1", 0xD, 1, CPUID_EAX, 2, 0, 0, XCR0_X87},
	{"LAHF/SAHF in 64-bit mode", 0x80000001, 0, CPUID_ECX, 0, 0, 0, 0},
	{"LZCNT", 0x80000001, 0, CPUID_ECX, 5, 0, 0, 0},
	{"PREFETCHW", 0x80000001, 0, CPUID_ECX, 8, 0, 0, 0},
	{"SYSCALL/SYSRET", 0x80000001, 0, CPUID_EDX, 11, 0, 0, 0}, /* the SYSCALL MSRs: vcpu_state.c */
	{"Execute Disable", 0x80000001, 0, CPUID_EDX, 20, 0, 0, 0},
	{"1-GByte pages", 0x80000001, 0, CPUID_EDX, 26, 0, 0, 0}, /* guest paging runs natively under EPT */
	{"RDTSCP", 0x80000001, 0, CPUID_EDX, 27, 0, PROC2_ENABLE_RDTSCP, 0},
	{"Intel 64", 0x80000001, 0, CPUID_EDX, 29, 0, 0, 0},
	{"WBNOINVD", 0x80000008, 0, CPUID_EBX, 9, 0, 0, 0}, /* exits with WBINVD exiting */
};
#define NFEATURES (sizeof(features) / sizeof(features[0]))

static bool feature_works(const struct vmx_caps *c, const struct feature *f)
{
	return (f->cr4 & c->cr4_fixed1) == f->cr4 && (f->proc2 & c->proc2) == f->proc2 &&
	       (f->xcr0 & fpu_xcr0_mask()) == f->xcr0;
}

static uint32_t cpuid_reg(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg)
{
	if (cpuid(leaf & 0x80000000, 0).eax < leaf)
		return 0;
	struct cpuid_regs r = cpuid(leaf, subleaf);
	return reg == CPUID_EAX ? r.eax : reg == CPUID_EBX ? r.ebx : reg == CPUID_ECX ? r.ecx : r.edx;
}

uint32_t features_listed(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg)
{
	uint32_t m = 0;
	for (const struct feature *f = features; f < features + NFEATURES; f++)
		if (f->leaf == leaf && f->subleaf == subleaf && f->reg == reg)
			m |= 1u << f->bit;
	return m;
}

uint32_t features_usable(const struct vmx_caps *c, uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg)
{
	uint32_t m = 0;
	for (const struct feature *f = features; f < features + NFEATURES; f++)
		if (f->leaf == leaf && f->subleaf == subleaf && f->reg == reg && feature_works(c, f))
			m |= 1u << f->bit;
	return m;
}

uint64_t features_cr4(const struct vmx_caps *c)
{
	uint64_t ok = 0;
	for (const struct feature *f = features; f < features + NFEATURES; f++)
		if (f->cr4 && feature_works(c, f) && (cpuid_reg(f->leaf, f->subleaf, f->reg) & (1u << f->bit)))
			ok |= f->cr4;
	return ok;
}
