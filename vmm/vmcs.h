/* VMREAD/VMWRITE on the current VMCS for fields the host controls: a failure
 * there is a Kestrel bug, so these panic instead of returning a status. */
#ifndef KESTREL_VMM_VMCS_H
#define KESTREL_VMM_VMCS_H

#include "vmm/vmx.h"

uint64_t vmcs_read(enum vmcs_field f);
void vmcs_write(enum vmcs_field f, uint64_t v);
/* The SDM's text for VMCS_VM_INSTRUCTION_ERROR (SDM 3C 31.4). */
const char *vmcs_instruction_error_name(unsigned error);

#endif
