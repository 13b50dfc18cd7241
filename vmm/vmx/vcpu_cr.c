/* Emulated writes to CR0, CR4 and IA32_EFER, with the checks hardware makes
 * (SDM 3A 2.5 "Control Registers", 9.8.5 "Initializing IA-32e Mode", 4.1.1;
 * 3C 26.3.1.1 for what VM entry then requires of the real values). */
#include "kernel/cpu.h"
#include "vmm/vmx/features.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmx/vmcs.h"
#include "vmm/vmx/vmx_caps.h"

#define CR4_MCE (1ull << 6)
#define CR4_PCE (1ull << 8)
#define CR4_PCIDE (1ull << 17)

static void vcpu_set_entry_ia32e(struct vcpu *v, bool on)
{
	uint32_t entry = on ? v->entry | ENTRY_IA32E_MODE_GUEST : v->entry & ~ENTRY_IA32E_MODE_GUEST;
	if (entry != v->entry) {
		v->entry = entry;
		vmcs_write(VMCS_VM_ENTRY_CONTROLS, entry);
	}
}

bool vcpu_write_cr0(struct vcpu *v, uint64_t val)
{
	const struct vmx_caps *c = v->caps;
	uint64_t old = vcpu_cr0(), efer = vcpu_efer();
	val |= CR0_ET; /* hardwired to 1 since the i486 */
	if (val >> 32)
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(vcpu_cr4() & CR4_PAE))
			return false;
		efer |= EFER_LMA; /* IA-32e mode activates with paging */
	}
	/* Paging goes off only outside 64-bit mode and with CR4.PCIDE clear:
	 * IA-32e mode ends from compatibility mode (SDM 3A 9.8.5.4, 4.10.1;
	 * 2B "MOV to/from control registers", 64-bit mode exceptions). */
	if (!(val & CR0_PG) && (old & CR0_PG)) {
		if (vcpu_code_bits() == 64 || (vcpu_cr4() & CR4_PCIDE))
			return false;
		efer &= ~EFER_LMA;
	}
	vmcs_write(VMCS_GUEST_IA32_EFER, efer);
	vcpu_set_entry_ia32e(v, efer & EFER_LMA);
	uint64_t fixed0 = c->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	vmcs_write(VMCS_CR0_READ_SHADOW, val);
	vmcs_write(VMCS_GUEST_CR0, ((val & ~(CR0_CD | CR0_NW)) | fixed0 | CR0_NE) & c->cr0_fixed1);
	return true;
}

uint64_t vcpu_cr4_allowed(const struct vmx_caps *c)
{
	return (features_cr4(c) | CR4_MCE | CR4_PCE) & c->cr4_fixed1;
}

_Static_assert(VCPU_CR4_GUEST_HOST_MASK == ~0ull, "vcpu_cr4_read_shadow is the guest's CR4 only if it owns no bit");
uint64_t vcpu_cr4_read_shadow(void) { return vmcs_read(VMCS_CR4_READ_SHADOW); }

bool vcpu_write_cr4(struct vcpu *v, uint64_t val)
{
	const struct vmx_caps *c = v->caps;
	if (val & ~v->cr4_allowed)
		return false;
	if (!(val & CR4_PAE) && vcpu_long_mode())
		return false;
	vmcs_write(VMCS_CR4_READ_SHADOW, val);
	vmcs_write(VMCS_GUEST_CR4, (val | c->cr4_fixed0) & c->cr4_fixed1);
	return true;
}

bool vcpu_write_efer(struct vcpu *v, uint64_t val)
{
	(void)v;
	uint64_t ok = EFER_SCE | EFER_LME | EFER_LMA;
	if (cpuid(0x80000001, 0).edx & (1u << 20))
		ok |= EFER_NXE;
	uint64_t old = vcpu_efer();
	if (val & ~ok)
		return false;
	/* LME may not change while paging is on (SDM 3A 9.8.5); LMA is read-only. */
	if ((vcpu_cr0() & CR0_PG) && ((val ^ old) & EFER_LME))
		return false;
	val = (val & ~EFER_LMA) | (old & EFER_LMA);
	vmcs_write(VMCS_GUEST_IA32_EFER, val);
	return true;
}

void vcpu_write_cr3(uint64_t val) { vmcs_write(VMCS_GUEST_CR3, val); }

void vcpu_set_pdptes(const uint64_t pdpte[4])
{
	vmcs_write(VMCS_GUEST_PDPTE0, pdpte[0]);
	vmcs_write(VMCS_GUEST_PDPTE1, pdpte[1]);
	vmcs_write(VMCS_GUEST_PDPTE2, pdpte[2]);
	vmcs_write(VMCS_GUEST_PDPTE3, pdpte[3]);
}

void vcpu_pdptes(uint64_t pdpte[4])
{
	pdpte[0] = vmcs_read(VMCS_GUEST_PDPTE0);
	pdpte[1] = vmcs_read(VMCS_GUEST_PDPTE1);
	pdpte[2] = vmcs_read(VMCS_GUEST_PDPTE2);
	pdpte[3] = vmcs_read(VMCS_GUEST_PDPTE3);
}

static const enum vmcs_field seg_base[8] = {VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR,
					    VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
					    VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_TR_SELECTOR};

void vcpu_snapshot(struct vcpu *v, struct vcpu_state *s)
{
	vcpu_load(v);
	s->regs = v->regs;
	s->rip = vcpu_rip();
	s->rsp = vcpu_rsp();
	s->rflags = vcpu_rflags();
	s->cr0 = vcpu_cr0();
	s->cr2 = read_cr2(); /* the host never faults, so CR2 is the guest's */
	s->cr3 = vcpu_cr3();
	s->cr4 = vcpu_cr4();
	s->efer = vcpu_efer();
	for (unsigned i = 0; i < 8; i++) {
		unsigned off = seg_base[i] - VMCS_GUEST_ES_SELECTOR;
		s->seg[i].sel = (uint16_t)vmcs_read(seg_base[i]);
		s->seg[i].base = vmcs_read(VMCS_GUEST_ES_BASE + off);
		s->seg[i].limit = (uint32_t)vmcs_read(VMCS_GUEST_ES_LIMIT + off);
		s->seg[i].ar = (uint32_t)vmcs_read(VMCS_GUEST_ES_ACCESS_RIGHTS + off);
	}
	s->gdtr_base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	s->gdtr_limit = (uint32_t)vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	s->idtr_base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	s->idtr_limit = (uint32_t)vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	s->interruptibility = vcpu_interruptibility();
	s->activity = (uint32_t)vmcs_read(VMCS_GUEST_ACTIVITY_STATE);
}

const char *vcpu_mode_name(void)
{
	if (vcpu_long_mode())
		return vcpu_code_bits() == 64 ? "64-bit long mode" : "compatibility mode";
	uint64_t cr0 = vcpu_cr0();
	if (!(cr0 & CR0_PE))
		return "real mode";
	if (vmcs_read(VMCS_GUEST_RFLAGS) & (1u << 17))
		return "virtual-8086 mode";
	return cr0 & CR0_PG ? "32-bit protected mode, paging" : "32-bit protected mode";
}
