/* Host tests for vmm/exit/msr.c: the MSR table's read and write decisions,
 * driven through exit_rdmsr/exit_wrmsr on a fake VCPU, and the MSR bitmap
 * the table's native rows open (vmm/vmx/msr_bitmap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define KESTREL_HOST_TEST /* vmm/vmx/vcpu.h: the VCPU accessors are ours */
#include <string.h>

#include "vmm/exit/msr.c"
#include "vmm/vmx/msr_bitmap.c"

/* The VCPU state the handlers reach through vmm/vmx/vcpu.h, and the
 * events they raise. */
static uint64_t efer, debugctl, tsc;
static unsigned gp_raised, skipped;

uint64_t vcpu_efer(void) { return efer; }
uint64_t vcpu_debugctl(void) { return debugctl; }
void vcpu_write_debugctl(uint64_t val) { debugctl = val; }
bool vcpu_write_tsc(struct vcpu *v, uint64_t val) { (void)v; tsc = val; return true; }
bool vcpu_write_efer(struct vcpu *v, uint64_t val)
{
	(void)v;
	if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return false;
	efer = val;
	return true;
}
void vcpu_skip_instruction(const struct vm_exit *e) { (void)e; skipped++; }
void vm_raise(struct vm *vm, unsigned vector, uint32_t error)
{
	(void)vm;
	assert_int_equal(vector, 13);
	assert_int_equal(error, 0);
	gp_raised++;
}
void klog(enum log_level level, const char *fmt, ...) { (void)level; (void)fmt; }

static struct vm vm;
static const struct vm_exit exit_insn = {.insn_len = 2};

static int setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	efer = debugctl = tsc = 0;
	gp_raised = skipped = 0;
	return 0;
}

/* RDMSR: true and *val, or false after #GP. */
static bool rd(uint32_t msr, uint64_t *val)
{
	unsigned gp = gp_raised;
	vm.vcpu.regs.rcx = msr;
	vm.vcpu.regs.rax = vm.vcpu.regs.rdx = 0xDEAD;
	assert_int_equal(exit_rdmsr(&vm, &exit_insn), EXIT_RESUME);
	*val = vm.vcpu.regs.rdx << 32 | vm.vcpu.regs.rax;
	return gp_raised == gp;
}

static bool wr(uint32_t msr, uint64_t val)
{
	unsigned gp = gp_raised, skip = skipped;
	vm.vcpu.regs.rcx = msr;
	vm.vcpu.regs.rax = (uint32_t)val;
	vm.vcpu.regs.rdx = val >> 32;
	assert_int_equal(exit_wrmsr(&vm, &exit_insn), EXIT_RESUME);
	bool ok = gp_raised == gp;
	assert_int_equal(skipped - skip, ok ? 1 : 0); /* a faulting WRMSR does not retire */
	return ok;
}

/* The MSRs of features CPUID hides, and unknown ones: #GP both ways. */
static void test_hidden_features_fault(void **state)
{
	(void)state;
	static const uint32_t gp[] = {0x0, 0x1B, 0x33, 0x3B, 0x48, 0x49, 0xC1, 0xCE, 0xE7, 0xE8, 0xFE, 0x10A,
				      0x179, 0x17A, 0x17B, 0x186, 0x200, 0x20F, 0x213, 0x250, 0x258, 0x259,
				      0x268, 0x26F, 0x2FF, 0x345, 0x38D, 0x400, 0x47F, 0x480, 0x491, 0x6E0,
				      0x802, 0x830, 0x1234, 0xC0000104, 0xC0010015, 0xFFFFFFFF};
	for (unsigned i = 0; i < sizeof(gp) / sizeof(gp[0]); i++) {
		uint64_t v;
		assert_false(rd(gp[i], &v));
		assert_false(wr(gp[i], 0));
	}
}

static void test_constants(void **state)
{
	(void)state;
	uint64_t v;
	assert_true(rd(0x3A, &v)); /* FEATURE_CONTROL: locked, VMX off */
	assert_int_equal(v, 1);
	assert_false(wr(0x3A, 1));
	assert_false(wr(0x3A, 5));
	assert_true(rd(0x17, &v)); /* PLATFORM_ID: read-only */
	assert_int_equal(v, 0);
	assert_false(wr(0x17, 0));
	/* The microcode dance: WRMSR 0, CPUID, RDMSR: revision 0. */
	assert_true(wr(0x8B, 0));
	assert_true(rd(0x8B, &v));
	assert_int_equal(v, 0);
	assert_true(wr(0x79, 0x12345000)); /* the trigger takes an update, loads nothing */
	assert_false(rd(0x79, &v));
	assert_true(rd(0x8B, &v));
	assert_int_equal(v, 0);
}

static void test_misc_enable(void **state)
{
	(void)state;
	uint64_t v;
	assert_true(rd(0x1A0, &v));
	assert_int_equal(v, 0x1801);
	assert_true(wr(0x1A0, 0x1801));
	assert_true(wr(0x1A0, 0x1800)); /* fast strings off: kept */
	assert_true(rd(0x1A0, &v));
	assert_int_equal(v, 0x1800);
	assert_false(wr(0x1A0, 0x1800 | 1ull << 22)); /* limit CPUID maxval */
	assert_false(wr(0x1A0, 0x1800 | 1ull << 34)); /* XD disable */
	assert_false(wr(0x1A0, 0x0001));              /* BTS/PEBS unavailable are read-only */
	assert_false(wr(0x1A0, 0x1801 | 1ull << 18)); /* MONITOR: hidden in CPUID */
	assert_true(rd(0x1A0, &v));
	assert_int_equal(v, 0x1800);
	assert_true(wr(0x1A0, 0x1801));
	assert_true(rd(0x1A0, &v));
	assert_int_equal(v, 0x1801);
}

static void test_debugctl_efer_tsc(void **state)
{
	(void)state;
	uint64_t v;
	assert_true(wr(0x1D9, 0));
	assert_false(wr(0x1D9, 1)); /* LBR */
	assert_false(wr(0x1D9, 2)); /* BTF */
	assert_false(wr(0x1D9, 1ull << 6));
	assert_true(rd(0x1D9, &v));
	assert_int_equal(v, 0);
	assert_true(wr(IA32_EFER, EFER_SCE | EFER_NXE));
	assert_true(rd(IA32_EFER, &v));
	assert_int_equal(v, EFER_SCE | EFER_NXE);
	assert_false(wr(IA32_EFER, 1ull << 1));
	assert_true(wr(0x10, 0x123456789));
	assert_int_equal(tsc, 0x123456789);
}

static bool bitmap_bit(const uint8_t *bm, uint32_t msr, bool write)
{
	unsigned base = (msr < MSR_LOW_END ? READ_LOW : READ_HIGH) + (write ? WRITE_LOW : 0);
	unsigned index = msr < MSR_LOW_END ? msr : msr - MSR_HIGH_BASE;
	return bm[base + index / 8] >> (index % 8) & 1;
}

/* The bitmap exit_msr_bitmap builds lets exactly the table's native
 * accesses through, each in its region (SDM 3C 25.6.9): a native row that
 * exits would be #GP, an emulated one that does not exit would run on the
 * host's MSR. */
static void test_bitmap_matches_table(void **state)
{
	(void)state;
	static uint8_t bm[4096];
	msr_bitmap_init(bm);
	exit_msr_bitmap(bm);
	for (uint64_t m = 0; m < 0x100000000ull; m = m == MSR_LOW_END - 1 ? MSR_HIGH_BASE : m + 1) {
		if (m >= MSR_HIGH_BASE + MSR_LOW_END)
			break;
		const struct msr_rule *r = msr_rule((uint32_t)m);
		assert_int_equal(!bitmap_bit(bm, (uint32_t)m, false), r->read == RD_NATIVE);
		assert_int_equal(!bitmap_bit(bm, (uint32_t)m, true), r->write == WR_NATIVE);
	}
}

/* Rows are sorted and do not overlap: each MSR has one decision. */
static void test_rows_disjoint(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NRULES; i++) {
		assert_true(msr_rules[i].first <= msr_rules[i].last);
		if (i)
			assert_true(msr_rules[i - 1].last < msr_rules[i].first);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hidden_features_fault, setup),
		cmocka_unit_test_setup(test_constants, setup),
		cmocka_unit_test_setup(test_misc_enable, setup),
		cmocka_unit_test_setup(test_debugctl_efer_tsc, setup),
		cmocka_unit_test_setup(test_bitmap_matches_table, setup),
		cmocka_unit_test_setup(test_rows_disjoint, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
