/* A guest's console line: the bytes it wrote (COM1/COM2, port 0xE9,
 * HC_CONSOLE_WRITE) wait here until the host's wire can take them
 * (vmm/guest_console.c drains it). A full line holds the guest's UARTs'
 * THRE and TEMT as a slow wire holds a 16550A's, so a polling guest waits in
 * its own time and an interrupt-driven one gets its THRE interrupt later;
 * what is written to a full line is dropped and counted. */
#include "vmm/vm.h"

static unsigned vm_console_space(const struct vm_console *c) { return VM_CONSOLE_LINE - c->len; }

/* Tell the UARTs when the line's room or emptiness changed (or force it,
 * after a reset of the board). THRE needs room for a whole FIFO load, so a
 * driver that writes 16 bytes per THRE loses none of them. */
static void vm_console_sync(struct vm *vm, bool force)
{
	struct vm_console *c = &vm->console;
	bool room = vm_console_space(c) >= UART_FIFO_SIZE, idle = c->shown >= c->uart_end;
	if (!force && room == c->room && idle == c->idle)
		return;
	c->room = room;
	c->idle = idle;
	isa_set_line_status(&vm->isa, room, idle);
}

void vm_console_reset_board(struct vm *vm) { vm_console_sync(vm, true); }

unsigned vm_console_room(const struct vm *vm) { return vm_console_space(&vm->console); }

bool vm_console_stalled(struct vm *vm)
{
	struct vm_console *c = &vm->console;
	if (c->stalled && vm_console_space(c))
		c->stalled = false;
	return c->stalled;
}

/* Onto the line, or dropped and counted when it is full. */
static void vm_console_push(struct vm_console *c, uint8_t byte)
{
	if (c->len == VM_CONSOLE_LINE) {
		c->dropped++;
		return;
	}
	c->buf[(c->head + c->len++) % VM_CONSOLE_LINE] = byte;
}

void vm_console_putc(struct vm *vm, uint8_t byte)
{
	vm_console_push(&vm->console, byte);
	vm_console_sync(vm, false);
}

/* A UART's transmitter is empty (TEMT) once its own last byte is shown,
 * whatever port 0xE9 wrote after it. */
void vm_isa_tx(void *ctx, unsigned com, uint8_t byte)
{
	(void)com;
	struct vm *vm = ctx;
	vm_console_push(&vm->console, byte);
	vm->console.uart_end = vm->console.shown + vm->console.len;
	vm_console_sync(vm, false);
}

unsigned vm_console_take(struct vm *vm, uint8_t *out, unsigned max)
{
	struct vm_console *c = &vm->console;
	unsigned n = 0;
	while (n < max && c->len) {
		uint8_t b = c->buf[c->head];
		c->head = (c->head + 1) % VM_CONSOLE_LINE;
		c->len--;
		out[n++] = b;
		if (b == '\n')
			break;
	}
	c->shown += n;
	vm_console_sync(vm, false);
	return n;
}
