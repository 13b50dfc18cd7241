/* Host tests for the leaves vmm/exit/cpuid.c computes itself: 0x15 and
 * 0x16 must give a guest the TSC frequency Kestrel measured, by the SDM's
 * arithmetic and by Linux's (native_calibrate_tsc, cpu_khz_from_cpuid);
 * 0xB says one thread in one core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define KESTREL_HOST_TEST /* vmm/vmx/vcpu.h: the VCPU accessors are ours */

#include "vmm/exit/cpuid.c"

/* What cpuid.c links against in the kernel; these tests never reach it. */
uint32_t features_usable(const struct vmx_caps *c, uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg)
{
	(void)c, (void)leaf, (void)subleaf, (void)reg;
	return 0;
}
uint32_t features_listed(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg)
{
	(void)leaf, (void)subleaf, (void)reg;
	return 0;
}
uint64_t fpu_xcr0_mask(void) { return 3; }
uint64_t vcpu_cr4(void) { return 0; }
void vcpu_skip_instruction(const struct vm_exit *e) { (void)e; }
uint64_t tsc_hz(void) { return 0; }

static const uint64_t rates[] = {
	50000423, /* Bochs at ips=50M, as Kestrel measures it */
	1000000, 999999999, 2419200000ull, 3500000000ull, 4294967295ull,
	4294968000ull, 5000000000ull, 5200123000ull, 7999999998000ull / 1000,
};

/* Linux 6.1 native_calibrate_tsc: crystal kHz = ECX / 1000, TSC kHz =
 * crystal kHz * EBX / EAX; 0 when EAX, EBX or ECX is 0. */
static uint64_t linux_tsc_khz(struct cpuid_regs r)
{
	if (!r.eax || !r.ebx || r.ecx / 1000 == 0)
		return 0;
	return (uint64_t)(r.ecx / 1000) * r.ebx / r.eax;
}

static void test_tsc_leaf_gives_measured_khz(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t hz = rates[i];
		struct cpuid_regs r = cpuid_tsc_leaf(hz);
		assert_int_equal(r.edx, 0);
		if (r.ebx == 0) { /* not enumerated: the guest measures instead */
			assert_true(hz > UINT32_MAX);
			continue;
		}
		assert_int_equal(linux_tsc_khz(r), hz / 1000);
		uint64_t sdm_hz = (uint64_t)r.ecx * r.ebx / r.eax;
		assert_int_equal(sdm_hz / 1000, hz / 1000);
		if (hz <= UINT32_MAX)
			assert_int_equal(sdm_hz, hz); /* exact to the Hz */
	}
}

static void test_tsc_leaf_above_32_bits(void **state)
{
	(void)state;
	struct cpuid_regs r = cpuid_tsc_leaf(5000000000ull);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx, 2);
	assert_int_equal(r.ecx, 2500000000u);
	/* 4294967297 Hz: no n from 2 to 16 divides 4294967 kHz, so no whole
	 * crystal kHz fits: not enumerated rather than a wrong frequency. */
	r = cpuid_tsc_leaf(4294967297ull);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(cpuid_tsc_leaf(0).ebx, 0);
}

static void test_freq_leaf(void **state)
{
	(void)state;
	struct cpuid_regs r = cpuid_freq_leaf(50000423);
	assert_int_equal(r.eax, 50);
	assert_int_equal(r.ebx, 50);
	assert_int_equal(r.ecx, 0);
	assert_int_equal(r.edx, 0);
	r = cpuid_freq_leaf(2419200000ull);
	assert_int_equal(r.eax, 2419);
	assert_int_equal(cpuid_freq_leaf(999999).eax, 0);
}

static void test_topology(void **state)
{
	(void)state;
	struct cpuid_regs smt = cpuid_topology(0), core = cpuid_topology(1), end = cpuid_topology(2);
	assert_int_equal(smt.eax, 0);
	assert_int_equal(smt.ebx, 1);
	assert_int_equal(smt.ecx, 0x100);
	assert_int_equal(core.ebx, 1);
	assert_int_equal(core.ecx, 0x201);
	assert_int_equal(end.ebx, 0);
	assert_int_equal(end.ecx, 2);
	assert_int_equal(smt.edx | core.edx | end.edx, 0);
}

static void test_kestrel_leaves(void **state)
{
	(void)state;
	struct cpuid_regs r = cpuid_kestrel(KESTREL_CPUID_BASE);
	assert_int_equal(r.eax, KESTREL_CPUID_BASE + 1);
	assert_memory_equal(&r.ebx, "Kest", 4);
	for (uint32_t leaf = KESTREL_CPUID_BASE + 1; leaf <= KESTREL_CPUID_BASE + 0xFF; leaf++) {
		r = cpuid_kestrel(leaf);
		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsc_leaf_gives_measured_khz),
		cmocka_unit_test(test_tsc_leaf_above_32_bits),
		cmocka_unit_test(test_freq_leaf),
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_kestrel_leaves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
