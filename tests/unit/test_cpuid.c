/* Host tests for the leaves vmm/exit/cpuid.c computes itself: 0x15 and
 * 0x16 must give a guest the TSC frequency Kestrel measured, by the SDM's
 * arithmetic and by Linux's (native_calibrate_tsc, cpu_khz_from_cpuid);
 * 0xB says one thread in one core. And the table the exit answers from:
 * its ranges, and the parts that follow the guest. The host's own CPUID
 * answers the leaves passed through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
static uint64_t guest_cr4;
uint64_t vcpu_cr4_read_shadow(void) { return guest_cr4; }
static unsigned skipped;
void vcpu_skip_instruction(struct vcpu *v, unsigned len) { (void)v, skipped += len; }
uint64_t tsc_hz(void) { return 50000423; }

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
	for (uint32_t leaf = KESTREL_CPUID_BASE + 1; leaf < KESTREL_CPUID_BASE + KESTREL_CPUID_LEAVES; leaf++) {
		r = cpuid_kestrel(leaf);
		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

static struct vmx_caps caps;
static struct cpuid_table table;
static struct vm vm = {.cpuid = &table, .vcpu.caps = &caps};

static int table_setup(void **state)
{
	(void)state;
	caps = (struct vmx_caps){.cpuid_max_basic = cpuid(0, 0).eax, .cpuid_max_extended = cpuid(0x80000000, 0).eax};
	cpuid_table_init(&table, &caps);
	guest_cr4 = 0;
	return 0;
}

static void assert_regs_equal(struct cpuid_regs a, struct cpuid_regs b)
{
	assert_int_equal(a.eax, b.eax);
	assert_int_equal(a.ebx, b.ebx);
	assert_int_equal(a.ecx, b.ecx);
	assert_int_equal(a.edx, b.edx);
}

static void test_table_ranges(void **state)
{
	(void)state;
	struct cpuid_regs last = cpuid_freq_leaf(tsc_hz());
	assert_int_equal(cpuid_guest(&vm, 0, 0).eax, CPUID_MAX_BASIC);
	assert_int_equal(cpuid_guest(&vm, CPUID_EXTENDED_BASE, 0).eax, CPUID_MAX_EXTENDED);
	assert_regs_equal(cpuid_guest(&vm, 0x15, 3), cpuid_tsc_leaf(tsc_hz()));
	assert_regs_equal(cpuid_guest(&vm, 0x16, 0), last);
	/* Beyond both ranges: the highest basic leaf, as a CPU answers. */
	const uint32_t beyond[] = {0x17, 0x3FFFFFFF, 0x40000100, CPUID_MAX_EXTENDED + 1, 0xFFFFFFFF};
	for (unsigned i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++)
		assert_regs_equal(cpuid_guest(&vm, beyond[i], 0), last);
	struct cpuid_regs sig = cpuid_guest(&vm, KESTREL_CPUID_BASE, 0);
	assert_int_equal(sig.eax, KESTREL_CPUID_BASE + 1);
	assert_memory_equal(&sig.ebx, "Kest", 4);
	for (uint32_t leaf = KESTREL_CPUID_BASE + 1; leaf <= KESTREL_CPUID_BASE + 0xFF; leaf++)
		assert_regs_equal(cpuid_guest(&vm, leaf, 0), zero);
}

/* A host whose extended range ends early: the leaves past it answer as
 * beyond the range. */
static void test_table_short_extended_range(void **state)
{
	(void)state;
	caps.cpuid_max_extended = 0x80000004;
	cpuid_table_init(&table, &caps);
	for (uint32_t leaf = 0x80000005; leaf <= CPUID_MAX_EXTENDED; leaf++)
		assert_regs_equal(cpuid_guest(&vm, leaf, 0), cpuid_freq_leaf(tsc_hz()));
}

/* Leaves the host lacks are zero, sub-leaves included; Kestrel's own stay. */
static void test_table_short_basic_range(void **state)
{
	(void)state;
	caps.cpuid_max_basic = 3;
	cpuid_table_init(&table, &caps);
	const uint32_t absent[] = {4, 7, 0xD};
	for (unsigned i = 0; i < 3; i++)
		for (uint32_t sub = 0; sub < 3; sub++)
			assert_regs_equal(cpuid_guest(&vm, absent[i], sub), zero);
	assert_regs_equal(cpuid_guest(&vm, 0xB, 1), cpuid_topology(1));
	assert_regs_equal(cpuid_guest(&vm, 0x15, 0), cpuid_tsc_leaf(tsc_hz()));
}

static void test_live_parts(void **state)
{
	(void)state;
	assert_int_equal(cpuid_guest(&vm, 1, 0).ecx & (CPUID1_ECX_OSXSAVE | CPUID1_ECX_HYPERVISOR),
			 CPUID1_ECX_HYPERVISOR);
	guest_cr4 = CR4_OSXSAVE;
	assert_true(cpuid_guest(&vm, 1, 0).ecx & CPUID1_ECX_OSXSAVE);
	assert_int_equal(cpuid_guest(&vm, 1, 0).ebx >> 16, 0); /* initial APIC ID 0 */
	for (uint32_t sub = 0; sub < 4; sub++)
		assert_regs_equal(cpuid_guest(&vm, 0xB, sub), cpuid_topology(sub));
	assert_regs_equal(cpuid_guest(&vm, 7, 1), zero);
	if (caps.cpuid_max_basic >= 4)
		assert_int_equal(cpuid_guest(&vm, 4, 0).eax >> 14, 0); /* one core, one thread */
}

static void test_exit_writes_registers(void **state)
{
	(void)state;
	vm.vcpu.regs = (struct guest_regs){.rax = 0xFFFFFFFF00000000ull | KESTREL_CPUID_BASE, .rbx = ~0ull};
	skipped = 0;
	struct vm_exit e = {.insn_len = 2};
	assert_int_equal(exit_cpuid(&vm, &e), EXIT_RESUME);
	assert_int_equal(skipped, 2);
	assert_int_equal(vm.vcpu.regs.rax, KESTREL_CPUID_BASE + 1); /* the upper half is not part of the leaf */
	assert_memory_equal(&vm.vcpu.regs.rbx, "Kest\0\0\0\0", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsc_leaf_gives_measured_khz),
		cmocka_unit_test(test_tsc_leaf_above_32_bits),
		cmocka_unit_test(test_freq_leaf),
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_kestrel_leaves),
		cmocka_unit_test_setup(test_table_ranges, table_setup),
		cmocka_unit_test_setup(test_table_short_extended_range, table_setup),
		cmocka_unit_test_setup(test_table_short_basic_range, table_setup),
		cmocka_unit_test_setup(test_live_parts, table_setup),
		cmocka_unit_test_setup(test_exit_writes_registers, table_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
