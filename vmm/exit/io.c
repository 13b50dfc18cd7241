/* Port I/O exits (SDM 3C 28.1.3, table 28-5): IN and OUT of one element;
 * INS and OUTS go to vmm/exit/io_string.c. Both reach the bus of io_bus.c. */
#include "vmm/exit/exit.h"
#include "vmm/exit/io_bus.h"
#include "vmm/vmx/vcpu.h"
#include "vmm/vm.h"

enum exit_action exit_io(struct vm *vm, const struct vm_exit *e)
{
	if (e->io.string)
		return exit_io_string(vm, e);
	uint32_t mask = io_size_mask(exit_io_size(e));
	uint32_t val = e->io.in ? 0 : (uint32_t)vm->vcpu.regs.rax & mask;
	enum exit_action act = io_bus_access(vm, e, &val);
	if (act == EXIT_RETRY)
		return act;
	vcpu_skip_instruction(e);
	if (act != EXIT_RESUME && act != EXIT_LOOK)
		return act;
	/* A 32-bit IN writes EAX, which zero-extends into RAX; 8 and 16 bits merge. */
	if (e->io.in)
		vm->vcpu.regs.rax = exit_io_size(e) == 4 ? val : (vm->vcpu.regs.rax & ~(uint64_t)mask) | (val & mask);
	return act;
}
