/* VCPU construction: the VMCS host-state area (SDM 3C 25.5), execution
 * controls (25.6-25.8) and the initial guest state of each image format
 * (25.4, checked by 27.3.1; docs/guests.md documents the result). */
#include "vmm/vmx/vcpu.h"
#include "kernel/cpu.h"
#include "kernel/gdt.h"
#include "kernel/mm.h"
#include "kernel/trap.h"
#include "vmm/load/loader.h"
#include "vmm/vmx/vmcs.h"
#include "vmm/vmx/vmx_caps.h"

void vmx_exit_point(void); /* vmm/vmx/vmx_entry.asm: where every VM exit lands */

#define AR_UNUSABLE (1u << 16)
#define AR_CODE16 0x009B  /* P, S, type 11: code execute/read, accessed */
#define AR_DATA16 0x0093  /* P, S, type 3: data read/write, accessed */
#define AR_CODE32 0xC09B  /* + G, D/B */
#define AR_DATA32 0xC093
#define AR_CODE64 0xA09B  /* + G, L */
#define AR_TSS_BUSY 0x008B /* P, type 11: busy 32/64-bit TSS */
#define PAT_POWER_ON 0x0007040600070406ull
#define DR7_INIT 0x400
#define VMCS_LINK_NONE (~0ull)

static void vcpu_write_host_state(void)
{
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CS);
	vmcs_write(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DS);
	vmcs_write(VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DS);
	vmcs_write(VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DS);
	vmcs_write(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	vmcs_write(VMCS_HOST_GS_BASE, 0);
	vmcs_write(VMCS_HOST_TR_BASE, tss_base());
	vmcs_write(VMCS_HOST_GDTR_BASE, gdt_base());
	vmcs_write(VMCS_HOST_IDTR_BASE, idt_base());
	vmcs_write(VMCS_HOST_IA32_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_IA32_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_IA32_EFER, rdmsr(IA32_EFER));
	vmcs_write(VMCS_HOST_IA32_PAT, rdmsr(IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
}

/* CR0 bits the guest may not own: mode switches (PE, PG), bits VMX fixes
 * (NE, and whatever CR0_FIXED0/1 pin) and caching (CD, NW stay clear). */
static uint64_t cr0_guest_host_mask(const struct vmx_caps *c)
{
	uint64_t fixed = (c->cr0_fixed0 | ~c->cr0_fixed1) & 0xFFFFFFFFull;
	return fixed | CR0_PE | CR0_PG | CR0_NE | CR0_ET | CR0_CD | CR0_NW;
}

static void vcpu_write_controls(struct vcpu *v, uint64_t eptp, const struct vmx_bitmaps *bm)
{
	const struct vmx_caps *c = v->caps;
	v->proc = c->proc;
	v->entry = c->entry;
	vmcs_write(VMCS_PIN_BASED_VM_EXEC_CONTROL, c->pin);
	vmcs_write(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, v->proc);
	vmcs_write(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, c->proc2);
	vmcs_write(VMCS_VM_EXIT_CONTROLS, c->exit);
	vmcs_write(VMCS_VM_ENTRY_CONTROLS, v->entry);
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
	vmcs_write(VMCS_IO_BITMAP_A, bm->io_a_pa);
	vmcs_write(VMCS_IO_BITMAP_B, bm->io_b_pa);
	vmcs_write(VMCS_MSR_BITMAP, bm->msr_pa);
	vmcs_write(VMCS_EPT_POINTER, eptp);
	if (c->proc & PROC_USE_TSC_OFFSETTING)
		vmcs_write(VMCS_TSC_OFFSET, 0);
	if (c->vpid)
		vmcs_write(VMCS_VIRTUAL_PROCESSOR_ID, v->vpid);
	vmcs_write(VMCS_CR0_GUEST_HOST_MASK, cr0_guest_host_mask(c));
	vmcs_write(VMCS_CR4_GUEST_HOST_MASK, VCPU_CR4_GUEST_HOST_MASK);
	vmcs_write(VMCS_VMCS_LINK_POINTER, VMCS_LINK_NONE);
}

void vcpu_destroy(struct vcpu *v)
{
	vcpu_unload(v);
	if (v->vmcs_pa) {
		vmclear(v->vmcs_pa);
		mm_free_contig(v->vmcs_pa, 1);
	}
	if (v->fpu_pa)
		mm_free_contig(v->fpu_pa, 1);
	*v = (struct vcpu){0};
}

bool vcpu_create(struct vcpu *v, const struct vmx_caps *caps, uint16_t vpid, uint64_t eptp,
		 const struct vmx_bitmaps *bm)
{
	*v = (struct vcpu){.caps = caps, .vpid = vpid, .xcr0 = 1, .cr4_allowed = vcpu_cr4_allowed(caps)};
	v->vmcs_pa = mm_alloc_page();
	v->fpu_pa = mm_alloc_page();
	if (!v->vmcs_pa || !v->fpu_pa)
		return false;
	vmx_init_region(caps, (void *)(uintptr_t)v->vmcs_pa);
	if (vmclear(v->vmcs_pa))
		return false;
	vcpu_load(v);
	vcpu_write_host_state();
	vcpu_write_controls(v, eptp, bm);
	return true;
}

static void vcpu_write_segment(unsigned i, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	vmcs_write(VMCS_GUEST_ES_SELECTOR + 2 * i, sel);
	vmcs_write(VMCS_GUEST_ES_BASE + 2 * i, base);
	vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * i, limit);
	vmcs_write(VMCS_GUEST_ES_ACCESS_RIGHTS + 2 * i, ar);
}

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static void vcpu_reset_segments(const struct guest_entry *e)
{
	bool flat = e->mode == GUEST_REAL, lm = e->mode == GUEST_LONG;
	uint16_t cs = flat ? 0 : e->cs, ds = flat ? 0 : e->ds;
	uint32_t limit = flat ? 0xFFFF : 0xFFFFFFFF;
	uint32_t code_ar = flat ? AR_CODE16 : lm ? AR_CODE64 : AR_CODE32;
	uint32_t data_ar = flat ? AR_DATA16 : AR_DATA32;
	for (unsigned i = SEG_ES; i <= SEG_GS; i++)
		vcpu_write_segment(i, ds, 0, limit, data_ar);
	vcpu_write_segment(SEG_CS, cs, 0, limit, code_ar);
	vcpu_write_segment(SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
	vcpu_write_segment(SEG_TR, 0, 0, flat ? 0xFFFF : 0x67, AR_TSS_BUSY);
	vmcs_write(VMCS_GUEST_GDTR_BASE, flat ? 0 : e->gdt_base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, flat ? 0xFFFF : e->gdt_limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, flat ? 0x3FF : 0); /* real-mode IVT */
}

static void vcpu_reset_control_registers(struct vcpu *v, const struct guest_entry *e)
{
	const struct vmx_caps *c = v->caps;
	uint64_t cr0 = CR0_ET, cr4 = 0, efer = 0;
	if (e->mode != GUEST_REAL)
		cr0 |= CR0_PE;
	if (e->mode == GUEST_LONG) {
		cr0 |= CR0_PG | CR0_NE;
		cr4 = CR4_PAE;
		efer = EFER_LME | EFER_LMA;
	}
	/* Unrestricted guest exempts PE and PG from CR0_FIXED0 (SDM 3C 26.3.1.1). */
	uint64_t fixed0 = c->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	vmcs_write(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, (cr0 | fixed0 | CR0_NE) & c->cr0_fixed1);
	vmcs_write(VMCS_CR4_READ_SHADOW, cr4);
	vmcs_write(VMCS_GUEST_CR4, (cr4 | c->cr4_fixed0) & c->cr4_fixed1);
	vmcs_write(VMCS_GUEST_CR3, e->mode == GUEST_LONG ? e->cr3 : 0);
	vmcs_write(VMCS_GUEST_IA32_EFER, efer);
	v->entry = efer & EFER_LMA ? v->entry | ENTRY_IA32E_MODE_GUEST : v->entry & ~ENTRY_IA32E_MODE_GUEST;
	vmcs_write(VMCS_VM_ENTRY_CONTROLS, v->entry);
}

void vcpu_reset(struct vcpu *v, const struct guest_entry *e)
{
	vcpu_load(v);
	v->regs = (struct guest_regs){0};
	v->msrs = (struct guest_msrs){.dr6 = 0xFFFF0FF0}; /* DR6 after reset (SDM 3B 18.2.3) */
	v->misc_enable_cleared = 0;
	vcpu_fpu_init(v);
	if (e->mode == GUEST_REAL)
		v->regs.rdx = 0x80; /* boot drive, as a BIOS would leave it */
	v->regs.rax = e->rax;
	v->regs.rbx = e->rbx;
	v->regs.rsi = e->rsi;
	vcpu_reset_segments(e);
	vcpu_reset_control_registers(v, e);
	vmcs_write(VMCS_GUEST_RIP, e->entry);
	vmcs_write(VMCS_GUEST_RSP, e->stack);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write(VMCS_GUEST_DR7, DR7_INIT);
	vmcs_write(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_IA32_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
	if (v->proc & PROC_USE_TSC_OFFSETTING)
		vmcs_write(VMCS_TSC_OFFSET, 0);
	vcpu_set_interrupt_window(v, false);
	/* The CPU still holds the lazily switched state from before the reset:
	 * make the next vcpu_load install the fresh one from v. */
	vcpu_unload(v);
}
