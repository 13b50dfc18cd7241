/* A VCPU's whole architectural state as one value (struct vcpu_image), for
 * snapshots and clones: the VMCS guest-state area (SDM 3C 25.4), the
 * controls that carry guest state (the IA-32e mode entry control, the
 * interrupt-window and monitor-trap exiting the VMM armed, an event queued
 * for injection, the CR0/CR4 read shadows, the TSC offset), and what VMX
 * leaves to the VMM: general registers, FPU/SSE/AVX state with XCR0, the
 * lazily switched MSRs, CR2 and the debug registers. */
#include "kernel/fpu.h"
#include "kernel/string.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmx/vmcs.h"

/* One table: the fields saved and written back in this order. */
static const enum vmcs_field image_fields[] = {
    VMCS_GUEST_ES_SELECTOR,
    VMCS_GUEST_CS_SELECTOR,
    VMCS_GUEST_SS_SELECTOR,
    VMCS_GUEST_DS_SELECTOR,
    VMCS_GUEST_FS_SELECTOR,
    VMCS_GUEST_GS_SELECTOR,
    VMCS_GUEST_LDTR_SELECTOR,
    VMCS_GUEST_TR_SELECTOR,
    VMCS_GUEST_ES_BASE,
    VMCS_GUEST_CS_BASE,
    VMCS_GUEST_SS_BASE,
    VMCS_GUEST_DS_BASE,
    VMCS_GUEST_FS_BASE,
    VMCS_GUEST_GS_BASE,
    VMCS_GUEST_LDTR_BASE,
    VMCS_GUEST_TR_BASE,
    VMCS_GUEST_ES_LIMIT,
    VMCS_GUEST_CS_LIMIT,
    VMCS_GUEST_SS_LIMIT,
    VMCS_GUEST_DS_LIMIT,
    VMCS_GUEST_FS_LIMIT,
    VMCS_GUEST_GS_LIMIT,
    VMCS_GUEST_LDTR_LIMIT,
    VMCS_GUEST_TR_LIMIT,
    VMCS_GUEST_ES_ACCESS_RIGHTS,
    VMCS_GUEST_CS_ACCESS_RIGHTS,
    VMCS_GUEST_SS_ACCESS_RIGHTS,
    VMCS_GUEST_DS_ACCESS_RIGHTS,
    VMCS_GUEST_FS_ACCESS_RIGHTS,
    VMCS_GUEST_GS_ACCESS_RIGHTS,
    VMCS_GUEST_LDTR_ACCESS_RIGHTS,
    VMCS_GUEST_TR_ACCESS_RIGHTS,
    VMCS_GUEST_GDTR_BASE,
    VMCS_GUEST_GDTR_LIMIT,
    VMCS_GUEST_IDTR_BASE,
    VMCS_GUEST_IDTR_LIMIT,
    VMCS_GUEST_CR0,
    VMCS_GUEST_CR3,
    VMCS_GUEST_CR4,
    VMCS_CR0_READ_SHADOW,
    VMCS_CR4_READ_SHADOW,
    VMCS_GUEST_DR7,
    VMCS_GUEST_RSP,
    VMCS_GUEST_RIP,
    VMCS_GUEST_RFLAGS,
    VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS,
    VMCS_GUEST_INTERRUPTIBILITY_STATE,
    VMCS_GUEST_ACTIVITY_STATE,
    VMCS_GUEST_IA32_SYSENTER_CS,
    VMCS_GUEST_IA32_SYSENTER_ESP,
    VMCS_GUEST_IA32_SYSENTER_EIP,
    VMCS_GUEST_IA32_DEBUGCTL,
    VMCS_GUEST_IA32_PAT,
    VMCS_GUEST_IA32_EFER,
    VMCS_GUEST_PDPTE0,
    VMCS_GUEST_PDPTE1,
    VMCS_GUEST_PDPTE2,
    VMCS_GUEST_PDPTE3,
    VMCS_VM_ENTRY_INTERRUPTION_INFO,
    VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
    VMCS_VM_ENTRY_INSTRUCTION_LENGTH,
    VMCS_TSC_OFFSET,
};
_Static_assert(sizeof(image_fields) / sizeof(image_fields[0]) <= VCPU_IMAGE_FIELDS, "struct vcpu_image");

void vcpu_save(struct vcpu *v, struct vcpu_image *img)
{
	vcpu_load(v);
	vcpu_sync_lazy(v); /* the FPU area and msrs hold what the CPU holds */
	img->regs = v->regs;
	img->msrs = v->msrs;
	img->xcr0 = v->xcr0;
	img->cr8 = v->cr8;
	img->misc_enable_cleared = v->misc_enable_cleared;
	img->proc = v->proc;
	img->entry = v->entry;
	for (unsigned i = 0; i < sizeof(image_fields) / sizeof(image_fields[0]); i++)
		img->field[i] = vmcs_read(image_fields[i]);
	memcpy(img->fpu, (const void *)(uintptr_t)v->fpu_pa, FPU_AREA_SIZE);
}

void vcpu_restore(struct vcpu *v, const struct vcpu_image *img)
{
	vcpu_load(v);
	v->regs = img->regs;
	v->msrs = img->msrs;
	v->xcr0 = img->xcr0;
	v->cr8 = img->cr8;
	v->misc_enable_cleared = img->misc_enable_cleared;
	v->proc = img->proc;
	v->entry = img->entry;
	for (unsigned i = 0; i < sizeof(image_fields) / sizeof(image_fields[0]); i++)
		vmcs_write(image_fields[i], img->field[i]);
	vmcs_write(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, v->proc);
	vmcs_write(VMCS_VM_ENTRY_CONTROLS, v->entry);
	memcpy((void *)(uintptr_t)v->fpu_pa, img->fpu, FPU_AREA_SIZE);
	vcpu_reload_lazy(v); /* and the CPU what they hold now */
}
