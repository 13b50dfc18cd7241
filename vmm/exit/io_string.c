/* INS and OUTS, with or without REP (SDM 2 "INS/INSB/INSW/INSD", "OUTS"):
 * element by element through the guest's paging, at most IO_STRING_BATCH
 * elements per exit; the rest re-executes, as on hardware after an interrupt. */
#include "vmm/exit/exit.h"
#include "vmm/exit/io_bus.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vm.h"

#define IO_STRING_BATCH 256
#define RFLAGS_DF (1ull << 10)

static uint64_t addr_mask(unsigned bits) { return bits == 64 ? ~0ull : (1ull << bits) - 1; }

/* Writing a 16-bit register keeps the upper bits; a 32-bit one zero-extends. */
static uint64_t reg_update(uint64_t old, uint64_t val, unsigned bits)
{
	if (bits == 16)
		return (old & ~0xFFFFull) | (val & 0xFFFF);
	return val & addr_mask(bits);
}

static bool io_string_element(struct vm *vm, const struct vm_exit *e, uint64_t gla, enum exit_action *act)
{
	uint64_t gpa;
	if (!guest_linear_to_phys(vm, gla, e->io.in, &gpa))
		return false;
	uint8_t *p = vm_gpa(vm, gpa, e->io.size);
	if (!p)
		return false;
	uint32_t val = 0;
	if (!e->io.in)
		__builtin_memcpy(&val, p, e->io.size);
	*act = io_bus_access(vm, e, &val);
	if (*act == EXIT_RETRY)
		return true; /* not done: the instruction resumes at this element */
	if (e->io.in)
		__builtin_memcpy(p, &val, e->io.size);
	return true;
}

enum exit_action exit_io_string(struct vm *vm, const struct vm_exit *e)
{
	struct guest_regs *r = &vm->vcpu.regs;
	unsigned bits = e->io.addr_bits;
	uint64_t count = e->io.rep ? r->rcx & addr_mask(bits) : 1;
	uint64_t n = count < IO_STRING_BATCH ? count : IO_STRING_BATCH;
	int64_t step = (vcpu_rflags() & RFLAGS_DF) ? -(int64_t)e->io.size : e->io.size;
	uint64_t *index = e->io.in ? &r->rdi : &r->rsi;
	enum exit_action act = EXIT_RESUME;
	uint64_t done = 0;
	while (done < n && act == EXIT_RESUME) {
		if (!io_string_element(vm, e, e->gla + (uint64_t)(step * (int64_t)done), &act)) {
			vm_end(vm, VM_CRASHED, "%s on port 0x%x: linear address 0x%lx is not in guest RAM, RIP 0x%lx",
			       e->io.in ? "INS" : "OUTS", e->io.port, e->gla + (uint64_t)(step * (int64_t)done), e->rip);
			return EXIT_STOPPED;
		}
		if (act != EXIT_RETRY)
			done++;
	}
	if (act != EXIT_RESUME && act != EXIT_RETRY) /* stopped or reset: the registers are not ours now */
		return act;
	*index = reg_update(*index, *index + (uint64_t)(step * (int64_t)done), bits);
	if (e->io.rep)
		r->rcx = reg_update(r->rcx, (r->rcx & addr_mask(bits)) - done, bits);
	if (count == done)
		vcpu_skip_instruction(&vm->vcpu, e->insn_len);
	return act == EXIT_RETRY ? EXIT_RESCHEDULE : act;
}
