/*
 * echo: interrupt-driven serial input. COM1 raises IRQ4 for every received
 * byte (IER.ERBFI, FIFO trigger level 1, MCR.OUT2 to drive the IRQ line); the
 * handler moves bytes into a ring, the main loop echoes each character and
 * on CR or LF prints "echo: <line>". The line "quit" ends the guest with 0.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/idt.h"
#include "guests/lib/io.h"
#include "guests/lib/pic.h"
#include "guests/lib/string.h"
#include "guests/lib/uart.h"

#define LINE_MAX 128

static volatile uint8_t ring[256]; /* uint8_t indices wrap at 256 by themselves */
static volatile uint8_t ring_head, ring_tail;

static void on_com1(struct trap_frame *f)
{
	(void)f;
	/* Drain everything: reading RBR until LSR.DR clears deasserts the interrupt. */
	while (inb(COM1_BASE + UART_LSR) & LSR_DR) {
		uint8_t c = inb(COM1_BASE + UART_RBR);
		if ((uint8_t)(ring_head + 1) != ring_tail) /* drop input when full */
			ring[ring_head++] = c;
	}
	pic_eoi(COM1_IRQ);
}

/* Wait for the next received byte, halting while there is none. */
static char getc_wait(void)
{
	for (;;) {
		cli();
		if (ring_tail != ring_head) {
			char c = (char)ring[ring_tail++];
			sti();
			return c;
		}
		sti_hlt();
	}
}

int main(void)
{
	char line[LINE_MAX];
	unsigned len = 0;

	com1_init();
	idt_init();
	idt_set_handler(VEC_IRQ0 + COM1_IRQ, on_com1);
	pic_init(VEC_IRQ0, VEC_IRQ8);
	while (inb(COM1_BASE + UART_LSR) & LSR_DR) /* discard stale input */
		inb(COM1_BASE + UART_RBR);
	outb(COM1_BASE + UART_IER, IER_ERBFI);
	pic_unmask(COM1_IRQ);
	sti();
	printf("echo: type a line (\"quit\" ends)\n");

	for (;;) {
		char c = getc_wait();
		if (c == '\r' || c == '\n') {
			if (len == 0) /* the LF of a CR LF pair, or an empty line */
				continue;
			line[len] = 0;
			printf("\necho: %s\n", line);
			if (strcmp(line, "quit") == 0) {
				printf("bye\n");
				guest_exit(0);
			}
			len = 0;
		} else if (c == '\b' || c == 0x7F) {
			if (len > 0) {
				len--;
				console_puts("\b \b");
			}
		} else if ((uint8_t)c >= 0x20 && len < LINE_MAX - 1) {
			line[len++] = c;
			console_putc(c);
		}
	}
}
