/* Exits for CPU state the VMM owns: control-register access (SDM 3C 28.1.3,
 * table 28-3), XSETBV (SDM 2 "XSETBV") and HLT (SDM 3C 26.1.3). */
#include "kernel/cpu.h"
#include "kernel/fpu.h"
#include "vmm/exit/exit.h"
#include "vmm/inject.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/mem/gram.h"
#include "vmm/vm.h"

#define CR4_PSE (1ull << 4)
#define CR4_SMEP (1ull << 20)
#define PDPTE_P 1ull
#define PDPTE_RESERVED 0x1E6ull /* bits 1, 2 and 5-8 (SDM 3A 4.4.1) */

static uint64_t pdpte_reserved(void)
{
	unsigned maxphyaddr = cpuid(0x80000008, 0).eax & 0xFF;
	return PDPTE_RESERVED | ~((1ull << maxphyaddr) - 1);
}

/*
 * MOV to CR0 or CR4 that changes a paging bit loads the four PDPTEs when PAE
 * paging (not IA-32e) results, and raises #GP if a present one sets a
 * reserved bit (SDM 3A 4.4.1). Under EPT the VMM does that load: VM entry
 * takes the PDPTEs from the VMCS (SDM 3C 27.3.2.4). False means #GP.
 */
static bool cr_load_pdptes(struct vm *vm, uint64_t old0, uint64_t old4, uint64_t cr0, uint64_t cr4)
{
	const uint64_t paging0 = CR0_PG | CR0_CD | CR0_NW;
	const uint64_t paging4 = CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP;
	if (!((old0 ^ cr0) & paging0) && !((old4 ^ cr4) & paging4))
		return true;
	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (vcpu_efer() & EFER_LME))
		return true;
	const uint64_t *p = vm_gpa_read(vm, vcpu_cr3() & 0xFFFFFFE0, 32);
	if (!p)
		return false;
	uint64_t pdpte[4];
	for (unsigned i = 0; i < 4; i++) {
		pdpte[i] = p[i];
		if ((pdpte[i] & PDPTE_P) && (pdpte[i] & pdpte_reserved()))
			return false;
	}
	vcpu_set_pdptes(pdpte);
	return true;
}

/* MOV to CR0/CR4, LMSW and CLTS: hardware's checks, then the write. */
static bool cr_write(struct vm *vm, unsigned cr, uint64_t val)
{
	uint64_t old0 = vcpu_cr0(), old4 = vcpu_cr4();
	uint64_t cr0 = cr == 0 ? val : old0, cr4 = cr == 4 ? val : old4;
	/* Validate the PDPTEs against the new values before committing them. */
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return false;
	if (!cr_load_pdptes(vm, old0, old4, cr0, cr4))
		return false;
	return cr == 0 ? vcpu_write_cr0(&vm->vcpu, val) : vcpu_write_cr4(&vm->vcpu, val);
}

static bool cr_mov_to(struct vm *vm, unsigned cr, uint64_t val)
{
	if (!vcpu_long_mode())
		val &= 0xFFFFFFFF;
	switch (cr) {
	case 0:
	case 4:
		return cr_write(vm, cr, val);
	case 8: /* the TPR without a local APIC: kept, not acted on */
		if (val > 15)
			return false;
		vm->vcpu.cr8 = val;
		return true;
	}
	return false;
}

enum exit_action exit_cr_access(struct vm *vm, const struct vm_exit *e)
{
	bool ok = true;
	switch (e->cr.type) {
	case CR_ACCESS_MOV_TO:
		ok = cr_mov_to(vm, e->cr.cr, exit_gpr(vm, e->cr.gpr));
		break;
	case CR_ACCESS_MOV_FROM:
		if (e->cr.cr != 8)
			return exit_unhandled(vm, e, "MOV from a control register exited");
		exit_set_gpr(vm, e->cr.gpr, vm->vcpu.cr8);
		break;
	case CR_ACCESS_LMSW: /* loads PE, MP, EM, TS; cannot clear PE */
		ok = cr_write(vm, 0, (vcpu_cr0() & ~0xEull) | (e->cr.lmsw_source & 0xF) | (vcpu_cr0() & CR0_PE));
		break;
	case CR_ACCESS_CLTS:
		ok = cr_write(vm, 0, vcpu_cr0() & ~(1ull << 3));
		break;
	}
	if (!ok) {
		vm_raise_gp(vm);
		return EXIT_RESUME;
	}
	vcpu_skip_instruction(e);
	return EXIT_RESUME;
}

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_AVX512 (7ull << 5) /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */

/* XSETBV as hardware checks it (SDM 1 13.3): #UD without CR4.OSXSAVE; #GP at
 * CPL > 0, for an XCR other than 0, without x87, AVX without SSE, AVX-512
 * state without AVX or not all three together, or unsupported bits. Kestrel
 * then executes it itself, so a value hardware would refuse never gets there. */
enum exit_action exit_xsetbv(struct vm *vm, const struct vm_exit *e)
{
	struct guest_regs *g = &vm->vcpu.regs;
	uint64_t val = (g->rdx << 32) | (uint32_t)g->rax;
	if (!(vcpu_cr4() & CR4_OSXSAVE)) {
		vm_raise_ud(vm);
		return EXIT_RESUME;
	}
	uint64_t supported = fpu_xcr0_mask();
	bool avx512_bad = (val & XCR0_AVX512) && ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XCR0_AVX));
	if (vcpu_cpl() || (uint32_t)g->rcx != 0 || !(val & XCR0_X87) || ((val & XCR0_AVX) && !(val & XCR0_SSE)) ||
	    avx512_bad || (val & ~supported)) {
		vm_raise_gp(vm);
		return EXIT_RESUME;
	}
	vm->vcpu.xcr0 = val;
	write_xcr0(val);
	vcpu_skip_instruction(e);
	return EXIT_RESUME;
}

/* HLT waits for an interrupt. With RFLAGS.IF clear and no event pending
 * (an NMI from the operator's inject) nothing can wake it: no NMI source is
 * modelled, so the guest has powered itself off, as a PC without ACPI does
 * (Linux's poweroff there halts with interrupts off: stop_this_cpu). */
enum exit_action exit_hlt(struct vm *vm, const struct vm_exit *e)
{
	vcpu_skip_instruction(e);
	if (!(vcpu_rflags() & RFLAGS_IF)) {
		if (vcpu_event_pending())
			return EXIT_RESUME;
		vm_end(vm, VM_HALTED, "powered off: HLT with interrupts disabled at RIP 0x%lx", e->rip);
		return EXIT_STOPPED;
	}
	if (vcpu_event_pending())
		return EXIT_RESUME;
	if (isa_intr(&vm->isa))
		return EXIT_LOOK; /* the scheduler delivers it */
	vm->state = VM_BLOCKED;
	return EXIT_RESCHEDULE;
}
