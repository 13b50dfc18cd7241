/* INS and OUTS, with or without REP (SDM 2 "INS/INSB/INSW/INSD", "OUTS"),
 * at most IO_STRING_BATCH elements per exit; the rest re-executes, as on
 * hardware after an interrupt.
 *
 * Each element is done as the CPU does it: its memory is translated through
 * the guest's paging first (a write for INS), both pages when it crosses
 * one, so that a page fault consumes no port read (Bochs does the same); then
 * the port access. The element's offset is SI/DI plus k steps, wrapped to the
 * address size (16-bit DI goes from 0xFFFF to 0), added to the segment base.
 * A fault raises #PF with CR2 = the linear address that faulted: the elements
 * before it are done and RCX/RSI/RDI say so, RIP stays at the instruction
 * (SDM 2 "REP/REPE/REPZ/REPNE/REPNZ": a fault leaves the registers for a
 * restart). Memory outside guest RAM stops the VM with a report. An OUTS to
 * a full console line (port 0xE9) stops at that element, as at a fault, and
 * goes on from it when the guest runs again (EXIT_RETRY). */
#include "vmm/exit/exit.h"
#include "vmm/exit/io_bus.h"
#include "vmm/inject.h"
#include "vmm/mem/guest_mem.h"
#include "vmm/mem/gram.h"
#include "vmm/vm.h"
#include "vmm/vmx/vcpu.h"

#define IO_STRING_BATCH 256
#define RFLAGS_DF       (1ull << 10)
#define PAGE_SIZE       4096
#define VECTOR_PF       14

static uint64_t addr_mask(unsigned bits)
{
	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* Writing a 16-bit register keeps the upper bits; a 32-bit one zero-extends. */
static uint64_t reg_update(uint64_t old, uint64_t val, unsigned bits)
{
	if (bits == 16)
		return (old & ~0xFFFFull) | (val & 0xFFFF);
	return val & addr_mask(bits);
}

/* One element's bytes in guest RAM: one piece, or two across a page. */
struct element {
	uint8_t *piece[2];
	unsigned len[2];
};

/* Why an element could not be mapped: a #PF (error), or a guest-physical
 * address outside guest RAM, of a paging-structure entry or of the data. */
struct miss {
	enum page_walk_status status;
	uint64_t gla, gpa;
	uint32_t error;
	bool data;
};

static bool element_map(struct vm *vm, uint64_t gla, uint64_t lin_mask, const struct vm_exit *e, struct element *el,
                        struct miss *miss)
{
	unsigned first = PAGE_SIZE - (gla & (PAGE_SIZE - 1));
	el->len[0] = first < exit_io_size(e) ? first : exit_io_size(e);
	el->len[1] = exit_io_size(e) - el->len[0];
	for (unsigned i = 0; i < 2 && el->len[i]; i++) {
		uint64_t at = i ? (gla + el->len[0]) & lin_mask : gla;
		struct page_walk_result w = {0};
		enum page_walk_status st = guest_translate(vm, at, e->io.in ? PAGE_WALK_WRITE : 0, &w);
		if (st == PAGE_WALK_OK)
			el->piece[i] = e->io.in ? vm_gpa_write(vm, w.gpa, el->len[i])
						: (uint8_t *)(uintptr_t)vm_gpa_read(vm, w.gpa, el->len[i]);
		if (st == PAGE_WALK_OK && el->piece[i])
			continue;
		*miss = (struct miss){.status = st == PAGE_WALK_OK ? PAGE_WALK_NO_RAM : st,
		                      .gla = at,
		                      .gpa = w.gpa,
		                      .error = w.error,
		                      .data = st == PAGE_WALK_OK};
		return false;
	}
	return true;
}

/* Between the element's pieces and a little-endian port value. */
static void element_copy(const struct element *el, uint8_t *buf, bool to_memory)
{
	unsigned off = 0;
	for (unsigned i = 0; i < 2 && el->len[i]; i++) {
		if (to_memory)
			__builtin_memcpy(el->piece[i], buf + off, el->len[i]);
		else
			__builtin_memcpy(buf + off, el->piece[i], el->len[i]);
		off += el->len[i];
	}
}

static enum exit_action element_io(struct vm *vm, const struct vm_exit *e, const struct element *el)
{
	uint8_t buf[4] = {0};
	uint32_t val;
	if (!e->io.in)
		element_copy(el, buf, false);
	__builtin_memcpy(&val, buf, sizeof(val));
	enum exit_action act = io_bus_access(vm, e, &val);
	if (e->io.in) {
		__builtin_memcpy(buf, &val, sizeof(val));
		element_copy(el, buf, true);
	}
	return act;
}

static void raise_page_fault(struct vm *vm, uint64_t gla, uint32_t error)
{
	vcpu_set_cr2(&vm->vcpu, gla);
	vm_raise(vm, VECTOR_PF, error);
}

enum exit_action exit_io_string(struct vm *vm, const struct vm_exit *e)
{
	struct guest_regs *r = &vm->vcpu.regs;
	unsigned bits = e->str.addr_bits;
	uint64_t mask = addr_mask(bits);
	uint64_t count = e->io.rep ? r->rcx & mask : 1;
	uint64_t n = count < IO_STRING_BATCH ? count : IO_STRING_BATCH;
	int64_t step = (vcpu_rflags() & RFLAGS_DF) ? -(int64_t)exit_io_size(e) : exit_io_size(e);
	uint64_t *index = e->io.in ? &r->rdi : &r->rsi;
	/* Outside 64-bit mode linear addresses are 32 bits (SDM 3A 3.4). */
	uint64_t lin_mask = vcpu_code_bits() == 64 ? ~0ull : 0xFFFFFFFF;
	uint64_t base = e->gla - (*index & mask); /* the segment base */
	enum exit_action act = EXIT_RESUME;
	bool look = false; /* an element raised an interrupt request: the scheduler looks after the batch */
	uint64_t done = 0;
	struct miss miss = {.status = PAGE_WALK_OK};
	while (done < n && act == EXIT_RESUME) {
		uint64_t gla = (base + ((*index + (uint64_t)(step * (int64_t)done)) & mask)) & lin_mask;
		struct element el;
		if (!element_map(vm, gla, lin_mask, e, &el, &miss))
			break;
		act = element_io(vm, e, &el);
		if (act == EXIT_LOOK) {
			look = true;
			act = EXIT_RESUME;
		}
		if (act != EXIT_RETRY) /* a full console line: the element waits */
			done++;
	}
	if (act != EXIT_RESUME && act != EXIT_RETRY) /* stopped or reset: the registers are not ours now */
		return act;
	if (miss.status == PAGE_WALK_NO_RAM) {
		vm_end(vm, VM_CRASHED,
		       "%s on port 0x%x at linear 0x%lx: %s at guest-physical 0x%lx is outside guest RAM, RIP 0x%lx",
		       e->io.in ? "INS" : "OUTS", e->io.port, miss.gla,
		       miss.data ? "the operand" : "a paging-structure entry", miss.gpa, e->rip);
		return EXIT_STOPPED;
	}
	*index = reg_update(*index, *index + (uint64_t)(step * (int64_t)done), bits);
	if (e->io.rep)
		r->rcx = reg_update(r->rcx, (r->rcx & mask) - done, bits);
	if (miss.status == PAGE_WALK_FAULT)
		raise_page_fault(vm, miss.gla, miss.error);
	else if (count == done)
		vcpu_skip_instruction(e);
	return look && act == EXIT_RESUME ? EXIT_LOOK : act;
}
