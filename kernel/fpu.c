/* FXSAVE/XSAVE enabling (Intel SDM Vol. 1 13.2 "Enumeration of CPU Support
 * for XSAVE", 13.3 "Enabling the XSAVE Feature Set"; Vol. 3A 2.5 CR4). */
#include "kernel/fpu.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"

#define CPUID1_EDX_FXSR (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
/* x87, SSE, AVX, and AVX-512's opmask, ZMM_Hi256 and Hi16_ZMM: together
 * under 2.7 KiB. Larger components (AMX tiles) are not offered to guests. */
#define XCR0_SWITCHED 0xE7ull

uint64_t fpu_xcr0_components;

void fpu_init(void)
{
	struct cpuid_regs l1 = cpuid(1, 0);
	if (l1.edx & CPUID1_EDX_FXSR)
		write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (!(l1.ecx & CPUID1_ECX_XSAVE))
		return;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	struct cpuid_regs d = cpuid(0xD, 0);
	fpu_xcr0_components = (((uint64_t)d.edx << 32) | d.eax) & XCR0_SWITCHED;
	write_xcr0(fpu_xcr0_components);
	if (cpuid(0xD, 0).ebx > FPU_AREA_SIZE) /* EBX: size for the XCR0 now set */
		panic("XSAVE area of %u bytes does not fit in %u", cpuid(0xD, 0).ebx, FPU_AREA_SIZE);
	write_xcr0(1);
}
