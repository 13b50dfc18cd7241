/* The MSR bitmap every VCPU shares (SDM 3C 25.6.9): a clear bit lets the
 * access run natively. Native are only MSRs whose guest values the CPU holds
 * while the guest runs: VMCS-switched (SYSENTER_*, FS/GS base, PAT) and
 * lazily switched ones (vmm/vmx/vcpu_state.c: STAR, LSTAR, CSTAR, FMASK,
 * KERNEL_GS_BASE, TSC_AUX), plus TSC reads. Everything else exits. The
 * list is the RD_NATIVE/WR_NATIVE rows of vmm/exit/msr.c's table;
 * tests/unit/test_msr.c checks that the two agree. */
#include "vmm/vmx/msr_bitmap.h"
#include "kernel/cpu.h"
#include <stdbool.h>

#define MSR_LOW_END 0x2000
#define MSR_HIGH_BASE 0xC0000000u

static const uint32_t native_msrs[] = {
	0x10, /* IA32_TIME_STAMP_COUNTER: reads only, see below */
	IA32_SYSENTER_CS, IA32_SYSENTER_ESP, IA32_SYSENTER_EIP, IA32_PAT, IA32_FS_BASE, IA32_GS_BASE,
	0xC0000081, /* IA32_STAR */
	0xC0000082, /* IA32_LSTAR */
	0xC0000083, /* IA32_CSTAR */
	0xC0000084, /* IA32_FMASK */
	0xC0000102, /* IA32_KERNEL_GS_BASE */
	0xC0000103, /* IA32_TSC_AUX: #GP natively where the CPU lacks it */
};

/* Byte offsets of the four 1 KiB regions (SDM 3C 25.6.9). */
enum { READ_LOW = 0, READ_HIGH = 1024, WRITE_LOW = 2048, WRITE_HIGH = 3072 };

static void msr_bitmap_clear(uint8_t *bm, uint32_t msr, bool write)
{
	unsigned base, index;
	if (msr < MSR_LOW_END) {
		base = write ? WRITE_LOW : READ_LOW;
		index = msr;
	} else {
		base = write ? WRITE_HIGH : READ_HIGH;
		index = msr - MSR_HIGH_BASE;
	}
	bm[base + index / 8] &= (uint8_t)~(1u << (index % 8));
}

void msr_bitmap_init(uint8_t *bm)
{
	for (unsigned i = 0; i < 4096; i++)
		bm[i] = 0xFF;
	for (unsigned i = 0; i < sizeof(native_msrs) / sizeof(native_msrs[0]); i++) {
		msr_bitmap_clear(bm, native_msrs[i], false);
		if (native_msrs[i] != 0x10) /* a TSC write would move the host's clock */
			msr_bitmap_clear(bm, native_msrs[i], true);
	}
}
