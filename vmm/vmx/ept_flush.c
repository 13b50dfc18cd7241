/* INVEPT for one guest's EPT (SDM 3C 29.4.3.4, 31.3 "INVEPT"): the
 * single-context type where the CPU has it, else all contexts. Kept out of
 * ept.c, which the host unit tests build and which executes no VMX
 * instruction. */
#include "kernel/panic.h"
#include "vmm/vmx/ept.h"
#include "vmm/vmx/vmx.h"
#include "vmm/vmx/vmx_caps.h"

#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXTS   2

void ept_invalidate(const struct vmx_caps *caps, const struct ept *ept)
{
	unsigned type = caps->ept_vpid_cap & EPT_CAP_INVEPT_SINGLE ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXTS;
	if (invept(type, ept->pointer))
		panic("INVEPT type %u of EPTP 0x%lx failed", type, ept->pointer);
}
