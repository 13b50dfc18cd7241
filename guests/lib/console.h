/*
 * Guest console: COM1 (polled 16550A, like a PC) or the 0xE9 debug port, and
 * a small printf. Kestrel prefixes every line with "[NAME] " on the host.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>

enum console_sink {
	CONSOLE_COM1, /* default: poll LSR.THRE, then write THR */
	CONSOLE_E9,   /* port 0xE9: one OUT per byte, touches no device state */
	CONSOLE_LINE, /* Kestrel only: each line in one HC_CONSOLE_WRITE, so that it
	               * reaches the host whole however many guests print at once */
};

void com1_init(void); /* 115200 8N1, FIFOs on, IER 0, MCR DTR|RTS|OUT2 */
void com1_putc(char c);
void e9_putc(char c);
void console_set_sink(enum console_sink sink);
void console_putc(char c);
void console_puts(const char *s); /* no newline appended */

/* %s %c %d %i %u %x %X %p %%, flags '-' '0', a width, lengths l ll z. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

#endif
