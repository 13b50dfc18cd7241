/* The one place that decides how an event reaches a guest: which events a
 * VM entry accepts in the guest's current mode and state (SDM 3C 26.2.1.3
 * "VM-Entry Control Fields", 26.3.1.4-5), what a hardware exception pushes
 * there, and what a software interrupt becomes in virtual-8086 mode (SDM 3A
 * 20.3.3 table 20-2, 3C 26.6.1.1). Pure rules: no VMX, no guest memory. */
#ifndef KESTREL_VMM_EVENT_H
#define KESTREL_VMM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

/* VM-entry interruption types (SDM 3C 25.8.3, table 25-17). */
enum event_type {
	EVENT_EXTINT = 0,    /* external interrupt */
	EVENT_NMI = 2,       /* non-maskable interrupt */
	EVENT_HWEXC = 3,     /* hardware exception */
	EVENT_SWINT = 4,     /* software interrupt (INT n) */
	EVENT_PRIVSWEXC = 5, /* privileged software exception (INT1) */
	EVENT_SWEXC = 6,     /* software exception (INT3, INTO) */
};

struct event {
	uint8_t type; /* enum event_type */
	uint8_t vector;
	bool has_error;
	uint32_t error;
	uint8_t insn_len; /* types 4, 5 and 6: the length of the instruction */
};

/* What the rules look at. swint_redirected: the guest TSS's interrupt
 * redirection bit for the vector is 0 (only read for V86 software interrupts). */
struct event_mode {
	bool unrestricted; /* "unrestricted guest": CR0.PE may be 0 */
	bool pe;           /* CR0.PE */
	bool v86;          /* RFLAGS.VM */
	bool vme;          /* CR4.VME */
	unsigned iopl;     /* RFLAGS.IOPL */
	bool if_set;       /* RFLAGS.IF */
	uint32_t interruptibility; /* INTERRUPTIBILITY_* */
	bool swint_redirected;
};

enum event_origin {
	EVENT_RAISED,   /* by Kestrel (a fault it emulates): the error code follows the mode */
	EVENT_REQUESTED, /* by the operator: an error code where the mode has none is refused */
};

/* Exceptions that push an error code in protected mode (SDM 3A 6.13, table 6-1). */
bool event_vector_has_error(unsigned vector);
/* INT n in virtual-8086 mode: the one event CR4.VME, IOPL and the TSS's
 * redirection bitmap decide (the caller reads CR4.VME only for it). */
bool event_v86_int_n(const struct event_mode *m, const struct event *ev);
/* Does a V86 software interrupt consult the redirection bitmap? (SDM 3A 20.3.3) */
bool event_needs_redirection_bit(const struct event_mode *m, const struct event *ev);
/* Can an external interrupt be delivered now (RFLAGS.IF, no STI or MOV SS
 * shadow: SDM 3C 26.3.1.4-5)? Else the caller asks for an interrupt window. */
bool event_extint_open(bool if_set, uint32_t interruptibility);
/* Fit ev to the mode: decide error-code delivery, turn a software interrupt
 * that IOPL forbids in virtual-8086 mode into #GP(0). Returns 0 when ev may
 * be injected as it now stands, or the rule that forbids it. */
const char *event_fit(const struct event_mode *m, struct event *ev, enum event_origin origin);

#endif
