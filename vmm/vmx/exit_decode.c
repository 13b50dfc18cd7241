/* Reading a VM exit out of the VMCS into struct vm_exit: the qualification
 * decoded per exit reason (SDM 3C 28.2.1, tables 28-1 to 28-8). */
#include "vmm/vmx/vm_exit.h"
#include "vmm/vmx/vmcs.h"

const uint8_t exit_decode[EXIT_REASON_COUNT] = {
	[EXIT_REASON_CPUID] = EXIT_DECODE_INSN,
	[EXIT_REASON_HLT] = EXIT_DECODE_INSN,
	[EXIT_REASON_INVD] = EXIT_DECODE_INSN,
	[EXIT_REASON_VMCALL] = EXIT_DECODE_INSN,
	[EXIT_REASON_RDMSR] = EXIT_DECODE_INSN,
	[EXIT_REASON_WRMSR] = EXIT_DECODE_INSN,
	[EXIT_REASON_WBINVD] = EXIT_DECODE_INSN,
	[EXIT_REASON_XSETBV] = EXIT_DECODE_INSN,
	[EXIT_REASON_PREEMPTION_TIMER] = EXIT_DECODE_INSN, /* no instruction: RIP is read all the same */
	[EXIT_REASON_INTERRUPT_WINDOW] = EXIT_DECODE_INSN,
	[EXIT_REASON_IO_INSTRUCTION] = EXIT_DECODE_IO,
};

void vcpu_read_exit_details(struct vm_exit *e)
{
	e->vectoring_error = 0;
	e->gpa = e->gla = 0;
	if (e->vectoring_info & INTR_INFO_DELIVER_ERROR_CODE)
		e->vectoring_error = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_ERROR_CODE);
	uint64_t q = e->qualification;
	switch (e->reason) {
	case EXIT_REASON_IO_INSTRUCTION:
		if (e->io.string) { /* SDM 3C table 28-8, INS/OUTS instruction information */
			uint32_t info = (uint32_t)vmcs_read(VMCS_VM_EXIT_INSTRUCTION_INFO);
			e->str.addr_bits = (uint8_t)(16u << ((info >> 7) & 3));
			e->str.seg = (info >> 15) & 7;
			e->gla = vmcs_read(VMCS_GUEST_LINEAR_ADDRESS);
		}
		break;
	case EXIT_REASON_CR_ACCESS: /* table 28-3 */
		e->cr.cr = q & 15;
		e->cr.type = (q >> 4) & 3;
		e->cr.gpr = (q >> 8) & 15;
		e->cr.lmsw_source = (uint16_t)(q >> 16);
		break;
	case EXIT_REASON_EPT_VIOLATION: /* table 28-7 */
		e->ept.read = q & 1;
		e->ept.write = q & 2;
		e->ept.fetch = q & 4;
		e->ept.gla_valid = q & (1u << 7);
		e->gla = e->ept.gla_valid ? vmcs_read(VMCS_GUEST_LINEAR_ADDRESS) : 0;
		/* fall through */
	case EXIT_REASON_EPT_MISCONFIGURATION:
		e->gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
		break;
	case EXIT_REASON_EXCEPTION_OR_NMI:
		e->intr_info = (uint32_t)vmcs_read(VMCS_VM_EXIT_INTERRUPTION_INFO);
		e->intr_error = (uint32_t)vmcs_read(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE);
		break;
	}
}
