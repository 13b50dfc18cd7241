/* Host tests for the leaves vmm/exit/cpuid.c computes itself: 0x15 and
 * 0x16 must give a guest the TSC frequency Kestrel measured, by the SDM's
 * arithmetic and by Linux's (native_calibrate_tsc, cpu_khz_from_cpuid);
 * 0xB says one thread in one core. And the table the exit answers from:
 * its ranges, and the parts that follow the guest (the host's own CPUID
 * answers the leaves passed through); the exit-statistics leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define KESTREL_HOST_TEST /* vmm/vmx/vcpu.h: the VCPU accessors are ours */

#include "vmm/exit/cpuid.c"
#include "vmm/exit/cpuid_stats.c"
#include "vmm/exit/names.c"

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
uint64_t fpu_xcr0_components = 3; /* kernel/fpu.c's: x87 and SSE */
static uint64_t guest_cr4;
uint64_t vcpu_cr4_read_shadow(void) { return guest_cr4; }
static unsigned skipped;
void vcpu_skip_instruction(const struct vm_exit *e) { skipped += e->insn_len; }
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

static void stats_setup(void)
{
	caps.pin = PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_ACTIVATE_PREEMPTION_TIMER;
	caps.proc = PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_ACTIVATE_SECONDARY_CONTROLS;
	caps.proc2 = PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST;
	memset(vm.exits, 0, sizeof(vm.exits));
	memset(vm.exit_ticks, 0, sizeof(vm.exit_ticks));
}

static void test_stats_totals(void **state)
{
	(void)state;
	stats_setup();
	vm.exits_total = 0x100000005ull;
	vm.exit_ticks[EXIT_REASON_CPUID] = 0x123456789ull;
	vm.exit_ticks[EXIT_REASON_IO_INSTRUCTION] = 1;
	assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_TOTAL_COUNT, 99), (struct cpuid_regs){5, 0, 0, 0});
	assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_TOTAL_TIME, 99), (struct cpuid_regs){0, 1, 0x2345678A, 0});
}

static void test_stats_by_reason(void **state)
{
	(void)state;
	stats_setup();
	vm.exits[EXIT_REASON_IO_INSTRUCTION] = 7;
	vm.exit_ticks[EXIT_REASON_IO_INSTRUCTION] = 0x200000003ull;
	vm.exits[EXIT_REASON_HLT] = 2;
	assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_COUNT, EXIT_REASON_IO_INSTRUCTION),
			  (struct cpuid_regs){7, 0, 0, 0});
	assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_TIME, EXIT_REASON_IO_INSTRUCTION),
			  (struct cpuid_regs){0, 2, 3, 0});
	assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_COUNT, EXIT_REASON_HLT),
			  (struct cpuid_regs){2, 0, 0, 0});
	assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_COUNT, EXIT_REASON_CPUID), zero); /* none yet */
}

/* Undefined: 0, 0, 0, 0xFFFFFFFF. Defined but impossible with these
 * controls: all 0, whatever the counter says. */
static void test_stats_undefined_and_never(void **state)
{
	(void)state;
	stats_setup();
	const struct cpuid_regs undefined = {0, 0, 0, 0xFFFFFFFF};
	const uint32_t none[] = {35, 38, 42, EXIT_REASON_COUNT, 0x10000 + EXIT_REASON_CPUID, 0xFFFFFFFF};
	const uint32_t never[] = {EXIT_REASON_APIC_ACCESS, EXIT_REASON_SIPI, EXIT_REASON_RDTSC,
				  EXIT_REASON_XSAVES, EXIT_REASON_LOADIWKEY, EXIT_REASON_TPAUSE};
	for (unsigned i = 0; i < 6; i++) {
		assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_COUNT, none[i]), undefined);
		assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_TIME, none[i]), undefined);
		vm.exits[never[i]] = 1;
		assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_COUNT, never[i]), zero);
		assert_regs_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_TIME, never[i]), zero);
	}
	caps.proc |= PROC_RDTSC_EXITING; /* a CPU that forces a control on: its exit can happen */
	vm.exits[EXIT_REASON_RDTSC] = 4;
	assert_int_equal(cpuid_guest(&vm, KESTREL_CPUID_STATS_REASON_COUNT, EXIT_REASON_RDTSC).eax, 4);
	assert_false(exit_reason_enabled(&caps, EXIT_REASON_RDTSCP)); /* needs enable RDTSCP as well */
}

static void test_reason_names(void **state)
{
	(void)state;
	unsigned defined = 0;
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
		defined += exit_reason_name(r) != 0;
	assert_int_equal(defined, EXIT_REASON_COUNT - 3); /* 35, 38 and 42 are not */
	assert_string_equal(exit_reason_name(EXIT_REASON_LOADIWKEY), "LOADIWKEY");
	assert_null(exit_reason_name(EXIT_REASON_COUNT));
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
		cmocka_unit_test_setup(test_stats_totals, table_setup),
		cmocka_unit_test_setup(test_stats_by_reason, table_setup),
		cmocka_unit_test_setup(test_stats_undefined_and_never, table_setup),
		cmocka_unit_test(test_reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
