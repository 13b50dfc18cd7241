/* VMREAD/VMWRITE on the current VMCS for fields the host controls: a failure
 * there is a Kestrel bug, so these panic instead of returning a status. */
#ifndef KESTREL_VMM_VMCS_H
#define KESTREL_VMM_VMCS_H

#include "vmm/vmx/vmx.h"

/* The failure reports, out of line: the exit path stays short. */
void __attribute__((noreturn, cold)) vmcs_read_failed(enum vmcs_field f, int rc);
void __attribute__((noreturn, cold)) vmcs_write_failed(enum vmcs_field f, uint64_t v, int rc);

/* VMfail sets CF (invalid) or ZF (valid): JBE takes both to the report. */
static inline uint64_t vmcs_read(enum vmcs_field f)
{
	uint64_t v = 0;
	__asm__ goto("vmread %1, %0\n\tjbe %l[failed]" : "=r"(v) : "r"((uint64_t)f) : "cc" : failed);
	return v;
failed:
	vmcs_read_failed(f, vmread_raw(f, &v));
}

static inline void vmcs_write(enum vmcs_field f, uint64_t v)
{
	__asm__ goto("vmwrite %1, %0\n\tjbe %l[failed]" ::"r"((uint64_t)f), "rm"(v) : "cc", "memory" : failed);
	return;
failed:
	vmcs_write_failed(f, v, vmwrite_raw(f, v));
}
/* VMREAD right after a VM exit of a field every VMCS has (the exit's own
 * information, guest RIP): the VMCS that exited is current, so VMREAD
 * cannot fail (SDM 3C 31.3, VMREAD "Operation": VMfail only without a
 * current VMCS or for an unsupported field), and the exit path, which runs
 * it on every exit, checks nothing. */
static inline uint64_t vmcs_read_exit_field(enum vmcs_field f)
{
	uint64_t v;
	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

/* The SDM's text for VMCS_VM_INSTRUCTION_ERROR (SDM 3C 31.4). */
const char *vmcs_instruction_error_name(unsigned error);

#endif
