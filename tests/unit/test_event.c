/* Host tests for the event rules (vmm/event.c): what a VM entry accepts in
 * each guest mode, the error code each mode pushes, and INT n in
 * virtual-8086 mode by CR4.VME, IOPL and the redirection bitmap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/event.c"

static const struct event_mode real_mode = {.unrestricted = true, .if_set = true};
static const struct event_mode protected_mode = {.unrestricted = true, .pe = true, .if_set = true};

static struct event hwexc(unsigned vector, bool has_error, uint32_t error)
{
	return (struct event){.type = EVENT_HWEXC, .vector = (uint8_t)vector, .has_error = has_error, .error = error};
}

/* SDM 3C 26.2.1.3: with unrestricted guest and CR0.PE = 0 no exception
 * delivers an error code; the fault that got a real-mode guest killed. */
static void test_raised_gp_in_real_mode_has_no_error_code(void **state)
{
	(void)state;
	struct event ev = hwexc(13, true, 0);
	assert_null(event_fit(&real_mode, &ev, EVENT_RAISED));
	assert_false(ev.has_error);
	ev = hwexc(13, true, 0);
	assert_null(event_fit(&protected_mode, &ev, EVENT_RAISED));
	assert_true(ev.has_error);
	assert_int_equal(ev.error, 0);
}

/* Without unrestricted guest CR0.PE is always 1 in VMX non-root operation,
 * and the error code goes with the vector (SDM 3C 26.2.1.3). */
static void test_error_code_follows_vector_in_protected_mode(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 32; v++) {
		struct event ev = hwexc(v, true, 0);
		assert_null(event_fit(&protected_mode, &ev, EVENT_RAISED));
		bool want = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
		assert_int_equal(ev.has_error, want);
		struct event_mode no_ug = {.pe = false, .unrestricted = false, .if_set = true};
		ev = hwexc(v, false, 0);
		assert_null(event_fit(&no_ug, &ev, EVENT_RAISED));
		assert_int_equal(ev.has_error, want);
	}
}

static void test_requested_error_codes(void **state)
{
	(void)state;
	struct event ev = hwexc(13, true, 4);
	assert_string_equal(event_fit(&real_mode, &ev, EVENT_REQUESTED),
			    "in real mode an exception pushes no error code (SDM 3C 26.2.1.3)");
	ev = hwexc(6, true, 0);
	assert_string_equal(event_fit(&protected_mode, &ev, EVENT_REQUESTED),
			    "only hardware exceptions 8, 10-14, 17 and 21 have an error code (SDM 3C 26.2.1.3)");
	ev = hwexc(14, false, 0); /* no ERRCODE given: 0 */
	assert_null(event_fit(&protected_mode, &ev, EVENT_REQUESTED));
	assert_true(ev.has_error);
	ev = hwexc(14, true, 0x10000);
	assert_string_equal(event_fit(&protected_mode, &ev, EVENT_REQUESTED),
			    "an error code has bits 31:16 clear (SDM 3C 26.2.1.3)");
	ev = hwexc(13, false, 0);
	assert_null(event_fit(&real_mode, &ev, EVENT_REQUESTED));
	assert_false(ev.has_error);
}

static void test_field_checks(void **state)
{
	(void)state;
	struct event ev = {.type = EVENT_NMI, .vector = 3};
	assert_string_equal(event_fit(&protected_mode, &ev, EVENT_REQUESTED), "an NMI has vector 2 (SDM 3C 26.2.1.3)");
	ev = hwexc(32, false, 0);
	assert_non_null(event_fit(&protected_mode, &ev, EVENT_REQUESTED));
	ev = (struct event){.type = EVENT_SWINT, .vector = 0x21, .insn_len = 0};
	assert_non_null(event_fit(&protected_mode, &ev, EVENT_REQUESTED));
	ev = (struct event){.type = EVENT_SWINT, .vector = 0x21, .insn_len = 16};
	assert_non_null(event_fit(&protected_mode, &ev, EVENT_REQUESTED));
	ev = (struct event){.type = 1, .vector = 0};
	assert_non_null(event_fit(&protected_mode, &ev, EVENT_REQUESTED));
	ev = (struct event){.type = 7, .vector = 0};
	assert_non_null(event_fit(&protected_mode, &ev, EVENT_REQUESTED));
	ev = (struct event){.type = EVENT_EXTINT, .vector = 0x20, .insn_len = 2};
	assert_null(event_fit(&protected_mode, &ev, EVENT_REQUESTED));
	assert_int_equal(ev.insn_len, 0); /* only software events have a length */
}

/* SDM 3C 26.3.1.4-5: an external interrupt needs IF = 1 and no shadow; an
 * NMI no MOV SS shadow (nor, on Bochs and some CPUs, an STI shadow). */
static void test_blocking(void **state)
{
	(void)state;
	struct event_mode m = protected_mode;
	struct event ext = {.type = EVENT_EXTINT, .vector = 0x20}, nmi = {.type = EVENT_NMI, .vector = 2};
	m.if_set = false;
	assert_non_null(event_fit(&m, &ext, EVENT_REQUESTED));
	assert_null(event_fit(&m, &nmi, EVENT_REQUESTED));
	m.if_set = true;
	m.interruptibility = INTERRUPTIBILITY_STI;
	assert_non_null(event_fit(&m, &ext, EVENT_REQUESTED));
	assert_non_null(event_fit(&m, &nmi, EVENT_REQUESTED));
	m.interruptibility = INTERRUPTIBILITY_MOV_SS;
	assert_non_null(event_fit(&m, &nmi, EVENT_REQUESTED));
	m.interruptibility = INTERRUPTIBILITY_NMI;
	assert_non_null(event_fit(&m, &nmi, EVENT_REQUESTED));
	assert_null(event_fit(&m, &ext, EVENT_REQUESTED));
	assert_true(event_extint_open(true, 0));
	assert_false(event_extint_open(true, INTERRUPTIBILITY_MOV_SS));
	assert_false(event_extint_open(false, 0));
}

/* SDM 3A 20.3.3, table 20-2: the six methods for INT n in virtual-8086 mode.
 * VM entry performs the redirection itself; only the #GP is Kestrel's. */
static void test_v86_int_n_methods(void **state)
{
	(void)state;
	static const struct {
		bool vme;
		unsigned iopl;
		bool redirected; /* redirection bit 0 */
		bool gp;
	} method[] = {
		{false, 3, false, false}, /* 1: protected-mode handler */
		{false, 0, false, true},  /* 2: #GP(0) */
		{true, 0, false, true},   /* 3: bit set, IOPL < 3: #GP(0) */
		{true, 3, false, false},  /* 4: bit set, IOPL 3: protected-mode handler */
		{true, 3, true, false},   /* 5: 8086 handler through the IVT */
		{true, 0, true, false},   /* 6: 8086 handler, VIF */
	};
	for (unsigned i = 0; i < sizeof(method) / sizeof(method[0]); i++) {
		struct event_mode m = {.unrestricted = true, .pe = true, .v86 = true, .if_set = true,
				       .vme = method[i].vme, .iopl = method[i].iopl,
				       .swint_redirected = method[i].redirected};
		struct event ev = {.type = EVENT_SWINT, .vector = 0x21, .insn_len = 2};
		assert_int_equal(event_needs_redirection_bit(&m, &ev), method[i].vme);
		assert_null(event_fit(&m, &ev, EVENT_REQUESTED));
		if (method[i].gp) {
			assert_int_equal(ev.type, EVENT_HWEXC);
			assert_int_equal(ev.vector, 13);
			assert_true(ev.has_error);
			assert_int_equal(ev.error, 0);
			assert_int_equal(ev.insn_len, 0);
		} else {
			assert_int_equal(ev.type, EVENT_SWINT);
			assert_int_equal(ev.vector, 0x21);
			assert_int_equal(ev.insn_len, 2);
		}
	}
}

/* INT3, INTO and INT1 are not IOPL-sensitive and never redirected. */
static void test_v86_int3_not_iopl_sensitive(void **state)
{
	(void)state;
	struct event_mode m = {.unrestricted = true, .pe = true, .v86 = true, .vme = true, .iopl = 0};
	struct event ev = {.type = EVENT_SWEXC, .vector = 3, .insn_len = 1};
	assert_false(event_needs_redirection_bit(&m, &ev));
	assert_null(event_fit(&m, &ev, EVENT_RAISED));
	assert_int_equal(ev.type, EVENT_SWEXC);
	/* and INT n outside virtual-8086 mode is never #GP for IOPL */
	struct event_mode pm = protected_mode;
	ev = (struct event){.type = EVENT_SWINT, .vector = 0x21, .insn_len = 2};
	assert_null(event_fit(&pm, &ev, EVENT_REQUESTED));
	assert_int_equal(ev.type, EVENT_SWINT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raised_gp_in_real_mode_has_no_error_code),
		cmocka_unit_test(test_error_code_follows_vector_in_protected_mode),
		cmocka_unit_test(test_requested_error_codes),
		cmocka_unit_test(test_field_checks),
		cmocka_unit_test(test_blocking),
		cmocka_unit_test(test_v86_int_n_methods),
		cmocka_unit_test(test_v86_int3_not_iopl_sensitive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
