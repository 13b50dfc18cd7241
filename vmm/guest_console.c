/* Where a guest's console bytes and its end-of-life line go: to the monitor,
 * or (nomonitor) to the plain host console in whole "[NAME] " lines, so that
 * guests talking at once do not interleave inside a line. */
#include "kernel/console.h"
#include "vmm/vmm.h"

static void plain_line(struct vm *vm)
{
	kprintf("[%s] %.*s\n", vm->opts.name, (int)vm->line_len, vm->line);
	vm->line_len = 0;
}

static void guest_console_byte(void *ctx, struct vm *vm, uint8_t c)
{
	struct vmm *vmm = ctx;
	if (vmm->monitor_on) {
		monitor_guest_output(&vmm->mon, vm->id, c);
		return;
	}
	if (c == '\r')
		return;
	if (c != '\n')
		vm->line[vm->line_len++] = (char)c;
	if (c == '\n' || vm->line_len == sizeof(vm->line))
		plain_line(vm);
}

static void guest_console_ended(void *ctx, struct vm *vm, const char *line)
{
	struct vmm *vmm = ctx;
	if (vmm->monitor_on) {
		monitor_vm_stopped(&vmm->mon, vm->id, line);
		return;
	}
	if (vm->line_len)
		plain_line(vm);
	kprintf("[%s] *** %s\n", vm->opts.name, line);
}

void vmm_guest_console_init(struct vmm *vmm)
{
	vmm->vm_host = (struct vm_host){guest_console_byte, guest_console_ended, vmm};
}
