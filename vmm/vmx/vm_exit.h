/* A VM exit as the VMX layer reads it from the VMCS: a neutral description
 * that the exit handlers decide on (SDM 3C 28.2 "Recording VM-Exit
 * Information"). */
#ifndef KESTREL_VMM_VMX_VM_EXIT_H
#define KESTREL_VMM_VMX_VM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vmx/vmcs.h"

/* The exit qualification of an I/O instruction, as the CPU lays it out (SDM
 * 3C table 28-5); GCC allocates bit-fields from bit 0 up on x86. */
struct io_qualification {
	uint32_t size_less_1 : 3; /* 0, 1 or 3: 1, 2 or 4 bytes */
	uint32_t in : 1;
	uint32_t string : 1;
	uint32_t rep : 1;
	uint32_t immediate : 1; /* the port was an immediate operand */
	uint32_t : 9;
	uint32_t port : 16;
};

struct vm_exit {
	unsigned reason; /* basic exit reason, bits 15:0 */
	bool entry_failure;
	union {
		uint64_t qualification;
		struct io_qualification io; /* IO_INSTRUCTION */
	};
	uint64_t rip;
	unsigned insn_len;
	uint64_t gpa; /* EPT violations and misconfigurations */
	uint64_t gla;
	uint32_t intr_info, intr_error; /* exception or NMI exits */
	uint32_t vectoring_info, vectoring_error; /* the event being delivered, if any */
	union {
		struct {
			uint8_t addr_bits; /* 16, 32 or 64 */
			uint8_t seg;       /* OUTS source segment, 0 = ES ... 5 = GS */
		} str; /* INS and OUTS (table 28-8) */
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

/* An I/O exit's access size in bytes. */
static inline unsigned exit_io_size(const struct vm_exit *e) { return e->io.size_less_1 + 1u; }

#define CR_ACCESS_MOV_TO 0
#define CR_ACCESS_MOV_FROM 1
#define CR_ACCESS_CLTS 2
#define CR_ACCESS_LMSW 3

/* What an exit's reason needs read beyond the reason (vcpu_read_exit). */
enum exit_decode {
	EXIT_DECODE_ALL,  /* qualification, IDT-vectoring and the rest: the rarer exits */
	EXIT_DECODE_INSN, /* an instruction's: RIP and length, no qualification (SDM 3C 28.2.1) */
	EXIT_DECODE_IO,   /* IN, OUT, INS, OUTS: RIP, length and the qualification (table 28-5) */
};
extern const uint8_t exit_decode[EXIT_REASON_COUNT];
/* The rest of vcpu_read_exit, out of line. */
void vcpu_read_exit_details(struct vm_exit *e);

/*
 * Read the exit that just happened from the current VMCS. This runs on every
 * exit, so field by field and not into a zeroed struct, and no more than the
 * reason needs: three VMREADs for CPUID, VMCALL, the MSRs and the timer,
 * four for port I/O. An instruction's exit never happens while an event is
 * delivered (SDM 3C 28.2.4), so only the others read IDT-vectoring. Only the
 * fields of e's reason are meant to be read; vectoring_info always is.
 * Returns true for such a plain exit: a defined reason, no entry failure, no
 * event interrupted, no string I/O.
 */
static inline bool vcpu_read_exit(struct vm_exit *e)
{
	uint32_t raw = (uint32_t)vmcs_read_exit_field(VMCS_EXIT_REASON);
	e->reason = raw & 0xFFFF;
	e->entry_failure = raw & EXIT_REASON_ENTRY_FAILURE_BIT;
	e->rip = vmcs_read_exit_field(VMCS_GUEST_RIP);
	e->insn_len = (unsigned)vmcs_read_exit_field(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
	e->vectoring_info = 0;
	e->qualification = 0;
	unsigned how = raw < EXIT_REASON_COUNT ? exit_decode[raw] : EXIT_DECODE_ALL;
	if (how == EXIT_DECODE_INSN)
		return true;
	e->qualification = vmcs_read_exit_field(VMCS_EXIT_QUALIFICATION);
	if (how == EXIT_DECODE_IO) {
		if (!e->io.string)
			return true;
	} else {
		e->vectoring_info = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	}
	vcpu_read_exit_details(e);
	return false;
}

#endif
