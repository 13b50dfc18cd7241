/* The guest's page walk (vmm/mem/page_walk.c) fed from its VCPU: the paging
 * registers as the guest sees them, the PDPTE registers from the VMCS (with
 * EPT the CPU uses those, not memory: SDM 3C 27.3.2.4), and its RAM. */
#include "vmm/mem/guest_mem.h"
#include "kernel/cpu.h"
#include "vmm/mem/gram.h"
#include "vmm/vm.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmx/vmx_caps.h"

#define RFLAGS_AC (1ull << 18)

static bool ram_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	const void *p = vm_gpa_read(ctx, gpa, size);
	if (!p)
		return false;
	*val = size == 4 ? *(const uint32_t *)p : *(const uint64_t *)p;
	return true;
}

static bool ram_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	void *p = vm_gpa_write(ctx, gpa, size);
	if (!p)
		return false;
	if (size == 4)
		*(uint32_t *)p = (uint32_t)val;
	else
		*(uint64_t *)p = val;
	return true;
}

enum page_walk_status guest_translate(struct vm *vm, uint64_t gla, unsigned access, struct page_walk_result *out)
{
	struct page_walk_regs r = {
	    .cr0 = vcpu_cr0(),
	    .cr3 = vcpu_cr3(),
	    .cr4 = vcpu_cr4(),
	    .efer = vcpu_efer(),
	    .cpl = vcpu_cpl(),
	    .ac = vcpu_rflags() & RFLAGS_AC,
	    .maxphyaddr = vm->vcpu.caps->maxphyaddr, /* a CPUID per walk would serialize the CPU */
	};
	if ((r.cr0 & CR0_PG) && (r.cr4 & CR4_PAE) && !vcpu_long_mode())
		vcpu_pdptes(r.pdpte);
	const struct page_walk_mem mem = {.read = ram_read, .write = ram_write, .ctx = vm};
	return page_walk(&r, &mem, gla, access, out);
}
