/* A VM exit as the VMX layer reads it from the VMCS: a neutral description
 * that the exit handlers decide on (SDM 3C 28.2 "Recording VM-Exit
 * Information"). */
#ifndef KESTREL_VMM_VMX_VM_EXIT_H
#define KESTREL_VMM_VMX_VM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

struct vm_exit {
	unsigned reason; /* basic exit reason, bits 15:0 */
	bool entry_failure;
	uint64_t qualification;
	uint64_t rip;
	unsigned insn_len;
	uint64_t gpa; /* EPT violations and misconfigurations */
	uint64_t gla;
	uint32_t intr_info, intr_error; /* exception or NMI exits */
	uint32_t vectoring_info, vectoring_error; /* the event being delivered, if any */
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			bool in, string, rep;
			uint8_t addr_bits; /* string I/O: 16, 32 or 64 */
			uint8_t seg;       /* string I/O: OUTS source segment, 0 = ES ... 5 = GS */
		} io;
		struct {
			uint8_t cr;
			uint8_t type; /* CR_ACCESS_* */
			uint8_t gpr;  /* 0 = RAX ... 15 = R15 */
			uint16_t lmsw_source;
		} cr;
		struct {
			bool read, write, fetch;
			bool gla_valid;
		} ept;
	};
};

#define CR_ACCESS_MOV_TO 0
#define CR_ACCESS_MOV_FROM 1
#define CR_ACCESS_CLTS 2
#define CR_ACCESS_LMSW 3

/* Read the exit that just happened from the current VMCS. */
void vcpu_read_exit(struct vm_exit *e);

#endif
