/* Delivering events to a VM: read the guest's mode (and, for INT n in
 * virtual-8086 mode with CR4.VME, the TSS's interrupt redirection bitmap),
 * let vmm/event.c decide, and hand the result to the VMX layer. */
#include "kernel/cpu.h"
#include "vmm/inject.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/mem/gram.h"
#include "vmm/vm.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vmx/vmx_caps.h"

#define RFLAGS_VM (1ull << 17)
#define RFLAGS_IOPL_SHIFT 12
#define CR4_VME_BIT (1ull << 0)
#define TSS32_IOMAP_BASE 0x66 /* 16-bit offset of the I/O permission bitmap (SDM 3A 8.2.1) */

/* The CPU reads the TSS with implicit supervisor-mode accesses (SDM 3A 4.6). */
static bool inject_read_guest(struct vm *vm, uint64_t gla, void *buf, unsigned len)
{
	uint8_t *out = buf;
	for (unsigned i = 0; i < len; i++) {
		struct page_walk_result w;
		const uint8_t *p;
		if (guest_translate(vm, gla + i, PAGE_WALK_IMPLICIT, &w) != PAGE_WALK_OK || !(p = vm_gpa_read(vm, w.gpa, 1)))
			return false;
		out[i] = *p;
	}
	return true;
}

/* The bitmap's 32 bytes end where the I/O permission bitmap begins (SDM 3A
 * 20.3.3, figure 20-5). One the TSS limit or the guest's paging cuts off
 * counts as set: the interrupt then goes to the protected-mode IDT, or is
 * #GP(0) with IOPL < 3. */
static bool inject_redirected(struct vm *vm, unsigned vector)
{
	uint64_t base;
	uint32_t limit;
	uint16_t iomap;
	uint8_t byte;
	vcpu_tr(&base, &limit);
	if (limit < TSS32_IOMAP_BASE + 1 || !inject_read_guest(vm, base + TSS32_IOMAP_BASE, &iomap, 2))
		return false;
	uint32_t off = (uint32_t)iomap - 32 + vector / 8;
	if (iomap < 32 || off > limit || !inject_read_guest(vm, base + off, &byte, 1))
		return false;
	return !(byte & (1u << (vector % 8)));
}

static void inject_mode(struct vm *vm, const struct event *ev, struct event_mode *m)
{
	uint64_t rflags = vcpu_rflags();
	*m = (struct event_mode){
		.unrestricted = vm->vcpu.caps->unrestricted_guest,
		.pe = vcpu_cr0() & CR0_PE,
		.v86 = rflags & RFLAGS_VM,
		.iopl = (rflags >> RFLAGS_IOPL_SHIFT) & 3,
		.if_set = rflags & RFLAGS_IF,
		.interruptibility = vcpu_interruptibility(),
	};
	if (event_v86_int_n(m, ev))
		m->vme = vcpu_cr4() & CR4_VME_BIT;
	if (event_needs_redirection_bit(m, ev))
		m->swint_redirected = inject_redirected(vm, ev->vector);
}

const char *vm_inject(struct vm *vm, struct event *ev, enum event_origin origin)
{
	if (vcpu_event_pending())
		return "an event is already pending injection";
	struct event_mode m;
	inject_mode(vm, ev, &m);
	const char *why = event_fit(&m, ev, origin);
	if (why)
		return why;
	vcpu_inject(ev->type, ev->vector, ev->has_error, ev->error, ev->insn_len);
	return 0;
}

void vm_raise(struct vm *vm, unsigned vector, uint32_t error)
{
	struct event ev = {.type = EVENT_HWEXC, .vector = (uint8_t)vector, .has_error = true, .error = error};
	const char *why = vm_inject(vm, &ev, EVENT_RAISED);
	if (why)
		vm_end(vm, VM_CRASHED, "cannot raise exception %u: %s", vector, why);
}
