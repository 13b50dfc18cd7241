/*
 * cpucheck: control registers, MSRs and XSETBV as a guest sees them, checked
 * against what the SDM says hardware does. Prints "PASS name" or "FAIL name
 * got X expected Y" per check, then "cpucheck: N passed, M failed", and exits
 * with M. Faults are caught: the handler records the vector and skips the
 * faulting instruction, whose length each probe sets beforehand.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/idt.h"
#include "guests/lib/io.h"

#define CR4_VMXE (1u << 13)
#define CR4_PCIDE (1u << 17)
#define CR4_OSXSAVE (1u << 18)
#define CR0_PG (1u << 31)
#define CR0_CD (1u << 30)
#define CR0_NW (1u << 29)
#define NO_FAULT 0xFF

static volatile unsigned fault, skip;
static unsigned passed, failed;

static void on_fault(struct trap_frame *f)
{
	fault = f->vector;
	f->ip += skip;
}

static void check(const char *name, unsigned long got, unsigned long expected)
{
	if (got == expected) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s got %lx expected %lx\n", name, got, expected);
	}
}

static unsigned write_cr4(unsigned long v)
{
	fault = NO_FAULT;
	skip = 3; /* 0F 22 /r */
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
	return fault;
}

static unsigned write_cr0(unsigned long v)
{
	fault = NO_FAULT;
	skip = 3;
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
	return fault;
}

static unsigned xsetbv(uint32_t xcr, uint64_t v)
{
	fault = NO_FAULT;
	skip = 3; /* 0F 01 D1 */
	__asm__ volatile("xsetbv" ::"c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return fault;
}

static unsigned rdmsr_probe(uint32_t msr)
{
	fault = NO_FAULT;
	skip = 2; /* 0F 32 */
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	(void)lo, (void)hi;
	return fault;
}

int main(void)
{
	com1_init();
	idt_init();
	idt_set_handler(VEC_GP, on_fault);
	idt_set_handler(VEC_UD, on_fault);
	unsigned long cr4 = read_cr4(), cr0 = read_cr0();
	check("cr4.vmxe hidden", cr4 & CR4_VMXE, 0);
	check("cr4.vmxe set: #GP", write_cr4(cr4 | CR4_VMXE), VEC_GP);
	check("cr4.pcide set: #GP", write_cr4(cr4 | CR4_PCIDE), VEC_GP);
	check("cr0.pg without pe: #GP", write_cr0((cr0 & ~1ul) | CR0_PG), VEC_GP);
	check("cr0.nw without cd: #GP", write_cr0(cr0 | CR0_NW), VEC_GP);
	check("cr0.cd set: no fault", write_cr0(cr0 | CR0_CD), NO_FAULT);
	check("cr0.cd reads back", read_cr0() & CR0_CD, CR0_CD);
	check("cr0.cd clear", write_cr0(cr0), NO_FAULT);
	check("unknown msr 0x12345: #GP", rdmsr_probe(0x12345), VEC_GP);
	check("ia32_feature_control readable", rdmsr_probe(0x3A), NO_FAULT);
	wrmsr(0x10, 1ull << 40); /* IA32_TIME_STAMP_COUNTER */
	uint64_t tsc = rdtsc();
	check("tsc write takes effect", tsc >= (1ull << 40) && tsc < (1ull << 40) + 100000000, 1);
	uint32_t r[4];
	cpuid(1, 0, r);
	uint32_t ecx1 = r[2];
	check("cpuid vmx hidden", ecx1 & (1u << 5), 0);
	check("cpuid hypervisor bit", ecx1 >> 31, 1);
	if (ecx1 & (1u << 26)) {
		check("xsetbv without osxsave: #UD", xsetbv(0, 1), VEC_UD);
		check("cr4.osxsave set", write_cr4(cr4 | CR4_OSXSAVE), NO_FAULT);
		cpuid(1, 0, r);
		check("cpuid osxsave follows cr4", (r[2] >> 27) & 1, 1);
		check("xsetbv x87|sse", xsetbv(0, 3), NO_FAULT);
		check("xsetbv without x87: #GP", xsetbv(0, 2), VEC_GP);
		check("xsetbv avx without sse: #GP", xsetbv(0, 5), VEC_GP);
		check("xsetbv xcr1: #GP", xsetbv(1, 3), VEC_GP);
		check("xsetbv unsupported bit 62: #GP", xsetbv(0, 3 | (1ull << 62)), VEC_GP);
	}
	printf("cpucheck: %u passed, %u failed\n", passed, failed);
	return (int)failed;
}
