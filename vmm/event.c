/* Which events a VM entry accepts in the guest's mode and state, and what a
 * hardware exception or a software interrupt becomes there. Every path that
 * injects (faults Kestrel raises, re-delivered IDT-vectoring events, PIC
 * interrupts, the monitor's inject) passes through event_fit. */
#include "vmm/event.h"
#include "vmm/vmx/vmx.h"

#define VECTOR_GP 13

bool event_vector_has_error(unsigned v) { return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21; }

static bool event_is_software(unsigned type)
{
	return type == EVENT_SWINT || type == EVENT_PRIVSWEXC || type == EVENT_SWEXC;
}

/* Only INT n (type 4) is IOPL-sensitive and redirectable in virtual-8086
 * mode; INT3, INTO and INT1 always reach the protected-mode IDT (SDM 2
 * "INT n/INTO/INT3/INT1", 3A 20.3.3). */
bool event_v86_int_n(const struct event_mode *m, const struct event *ev)
{
	return ev->type == EVENT_SWINT && m->pe && m->v86;
}

bool event_needs_redirection_bit(const struct event_mode *m, const struct event *ev)
{
	return event_v86_int_n(m, ev) && m->vme;
}

/* State-independent checks of the interruption-information field (SDM 3C
 * 26.2.1.3): reserved types, the vector each type allows, the length. */
static const char *event_check_field(const struct event *ev)
{
	switch (ev->type) {
	case EVENT_EXTINT:
		return 0;
	case EVENT_NMI:
		return ev->vector == 2 ? 0 : "an NMI has vector 2 (SDM 3C 26.2.1.3)";
	case EVENT_HWEXC:
		return ev->vector < 32 ? 0 : "a hardware exception has a vector below 32 (SDM 3C 26.2.1.3)";
	case EVENT_SWINT:
	case EVENT_PRIVSWEXC:
	case EVENT_SWEXC:
		return ev->insn_len >= 1 && ev->insn_len <= 15
			       ? 0
			       : "a software event needs an instruction length of 1 to 15 (SDM 3C 26.2.1.3)";
	}
	return "interruption type 1 is reserved and type 7 is not an injectable event (SDM 3C 26.2.1.3)";
}

bool event_extint_open(bool if_set, uint32_t interruptibility)
{
	return if_set && !(interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/* Blocking that makes a VM entry with this event fail (SDM 3C 26.3.1.4-5).
 * Bochs also refuses an NMI in an STI shadow, as some processors do. */
static const char *event_check_blocking(const struct event_mode *m, const struct event *ev)
{
	uint32_t shadow = m->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	if (ev->type == EVENT_EXTINT && !event_extint_open(m->if_set, m->interruptibility))
		return "the guest is not accepting interrupts now: RFLAGS.IF is 0 or it is in an STI/MOV SS shadow "
		       "(SDM 3C 26.3.1.4-5)";
	if (ev->type == EVENT_NMI && shadow)
		return "the guest is in an STI or MOV SS shadow, where NMI injection fails (SDM 3C 26.3.1.5)";
	if (ev->type == EVENT_NMI && (m->interruptibility & INTERRUPTIBILITY_NMI))
		return "the guest is still handling an NMI (blocking by NMI)";
	return 0;
}

/* The error code follows the mode: with unrestricted guest and CR0.PE = 0
 * nothing is pushed, so the deliver-error-code bit must be 0; otherwise it
 * must be 1 exactly for vectors 8, 10-14, 17 and 21 (SDM 3C 26.2.1.3). */
static const char *event_fit_error(const struct event_mode *m, struct event *ev, enum event_origin origin)
{
	bool pushes = ev->type == EVENT_HWEXC && event_vector_has_error(ev->vector) && (m->pe || !m->unrestricted);
	if (!pushes && ev->has_error && origin == EVENT_REQUESTED)
		return ev->type == EVENT_HWEXC && event_vector_has_error(ev->vector)
			       ? "in real mode an exception pushes no error code (SDM 3C 26.2.1.3)"
			       : "only hardware exceptions 8, 10-14, 17 and 21 have an error code (SDM 3C 26.2.1.3)";
	if (pushes && ev->error > 0xFFFF)
		return "an error code has bits 31:16 clear (SDM 3C 26.2.1.3)";
	if (!pushes)
		ev->error = 0;
	ev->has_error = pushes;
	return 0;
}

const char *event_fit(const struct event_mode *m, struct event *ev, enum event_origin origin)
{
	const char *why = event_check_field(ev);
	if (why)
		return why;
	if (!event_is_software(ev->type))
		ev->insn_len = 0;
	/* INT n in virtual-8086 mode with IOPL < 3 raises #GP(0) unless CR4.VME
	 * redirects it to the 8086 program (methods 2 and 3 of SDM 3A table
	 * 20-2). VM entry does not check IOPL (SDM 3C 26.6.1.1), so we do. */
	if (event_v86_int_n(m, ev) && m->iopl < 3 && !(m->vme && m->swint_redirected))
		*ev = (struct event){.type = EVENT_HWEXC, .vector = VECTOR_GP, .has_error = true};
	why = event_check_blocking(m, ev);
	if (why)
		return why;
	return event_fit_error(m, ev, origin);
}
