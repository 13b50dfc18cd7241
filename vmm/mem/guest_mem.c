/* A software walk of the guest's page tables (SDM 3A 4.3 32-bit paging, 4.4
 * PAE, 4.5 4-level), reading them through guest-physical memory. Accessed and
 * dirty bits are left alone: Kestrel only reads for I/O emulation. */
#include "vmm/mem/guest_mem.h"
#include "kernel/cpu.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vm.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

static bool read_entry(struct vm *vm, uint64_t gpa, unsigned size, uint64_t *out)
{
	const void *p = vm_gpa(vm, gpa, size);
	if (!p)
		return false;
	*out = size == 4 ? *(const uint32_t *)p : *(const uint64_t *)p;
	return true;
}

static bool walk32(struct vm *vm, uint64_t cr3, uint32_t gla, bool write, uint64_t *gpa)
{
	uint64_t pde, pte;
	if (!read_entry(vm, (cr3 & 0xFFFFF000) + ((gla >> 22) << 2), 4, &pde) || !(pde & PTE_P))
		return false;
	if ((pde & PTE_PS) && (vcpu_cr4() & (1u << 4))) { /* CR4.PSE: 4 MiB page */
		*gpa = (pde & 0xFFC00000) + (gla & 0x3FFFFF);
		return !write || (pde & PTE_W);
	}
	if (!read_entry(vm, (pde & 0xFFFFF000) + (((gla >> 12) & 1023) << 2), 4, &pte) || !(pte & PTE_P))
		return false;
	*gpa = (pte & 0xFFFFF000) + (gla & 0xFFF);
	return !write || ((pde & PTE_W) && (pte & PTE_W));
}

/* PAE and 4-level share the 64-bit entry format; levels counts what is left. */
static bool walk64(struct vm *vm, uint64_t table, uint64_t gla, unsigned levels, bool write, uint64_t *gpa)
{
	bool writable = true;
	for (unsigned level = levels; level > 0; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e;
		if (!read_entry(vm, table + ((gla >> shift) & 511) * 8, 8, &e) || !(e & PTE_P))
			return false;
		writable = writable && (e & PTE_W);
		if (level == 1 || ((e & PTE_PS) && level <= 3)) {
			uint64_t page = 1ull << shift;
			*gpa = (e & PTE_ADDR & ~(page - 1)) + (gla & (page - 1));
			return !write || writable;
		}
		table = e & PTE_ADDR;
	}
	return false;
}

bool guest_linear_to_phys(struct vm *vm, uint64_t gla, bool write, uint64_t *gpa)
{
	uint64_t cr0 = vcpu_cr0(), cr3 = vcpu_cr3();
	if (!(cr0 & CR0_PG)) {
		*gpa = gla & 0xFFFFFFFF;
		return true;
	}
	if (vcpu_long_mode())
		return walk64(vm, cr3 & PTE_ADDR, gla, 4, write, gpa);
	if (vcpu_cr4() & CR4_PAE) {
		uint64_t pdpte;
		if (!read_entry(vm, (cr3 & 0xFFFFFFE0) + ((gla >> 30) & 3) * 8, 8, &pdpte) || !(pdpte & PTE_P))
			return false;
		return walk64(vm, pdpte & PTE_ADDR, gla & 0xFFFFFFFF, 2, write, gpa);
	}
	return walk32(vm, cr3, (uint32_t)gla, write, gpa);
}
