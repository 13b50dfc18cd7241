/* The host's FPU/SSE/AVX setup: the host itself uses none of it (it is built
 * with -mgeneral-regs-only), but it must be able to save and restore each
 * guest's state when it switches between VCPUs. */
#ifndef KESTREL_KERNEL_FPU_H
#define KESTREL_KERNEL_FPU_H

#include <stdbool.h>
#include <stdint.h>

#define FPU_AREA_SIZE 4096

/* Enable FXSAVE (CR4.OSFXSR) and, where the CPU has it, XSAVE (CR4.OSXSAVE). */
void fpu_init(void);
/* The XCR0 components Kestrel saves, restores and lets guests enable: those
 * the CPU has whose state fits in FPU_AREA_SIZE. 0 without XSAVE. Set once
 * by fpu_init; read inline, as every VCPU switch asks. */
extern uint64_t fpu_xcr0_components;
static inline uint64_t fpu_xcr0_mask(void) { return fpu_xcr0_components; }
static inline bool fpu_has_xsave(void) { return fpu_xcr0_components != 0; }

#endif
