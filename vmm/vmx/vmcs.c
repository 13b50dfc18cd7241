/* VMCS access with the host-invariant policy (SDM 3C 25.11.2 "VMREAD, VMWRITE
 * and Encodings of VMCS Fields") and the VM-instruction error numbers. */
#include "vmm/vmx/vmcs.h"
#include "kernel/panic.h"

void vmcs_read_failed(enum vmcs_field f, int rc) { panic("VMREAD of field 0x%x failed (%d)", (unsigned)f, rc); }

void vmcs_write_failed(enum vmcs_field f, uint64_t v, int rc)
{
	uint64_t err = 0;
	vmread_raw(VMCS_VM_INSTRUCTION_ERROR, &err);
	panic("VMWRITE of field 0x%x = 0x%lx failed (%d, error %lu)", (unsigned)f, v, rc, err);
}

/* SDM 3C 31.4, table 31-1 "VM-Instruction Error Numbers". */
static const char *const instruction_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmcs_instruction_error_name(unsigned error)
{
	if (error < sizeof(instruction_errors) / sizeof(instruction_errors[0]) && instruction_errors[error])
		return instruction_errors[error];
	return "unknown VM-instruction error";
}
