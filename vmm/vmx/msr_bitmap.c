/* The MSR bitmap every VCPU shares (SDM 3C 25.6.9): a clear bit lets the
 * access run natively. Which MSRs do is vmm/exit/msr.c's table (its
 * RD_NATIVE/WR_NATIVE rows, passed by exit_msr_bitmap): only MSRs whose
 * guest values the CPU holds while the guest runs, VMCS-switched or lazily
 * switched (vmm/vmx/vcpu_state.c). Everything else exits. */
#include "vmm/vmx/msr_bitmap.h"

#define MSR_LOW_END 0x2000
#define MSR_HIGH_BASE 0xC0000000u

/* Byte offsets of the four 1 KiB regions (SDM 3C 25.6.9). */
enum { READ_LOW = 0, READ_HIGH = 1024, WRITE_LOW = 2048, WRITE_HIGH = 3072 };

void msr_bitmap_pass(uint8_t *bm, uint32_t msr, bool write)
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
}
