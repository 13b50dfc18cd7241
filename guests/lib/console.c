/* Guest console output: polled COM1 or port 0xE9 (see console.h). */
#include "guests/lib/console.h"

#include "guests/lib/hcall.h"
#include "guests/lib/io.h"
#include "guests/lib/uart.h"

static enum console_sink sink = CONSOLE_COM1;

/* CONSOLE_LINE's line so far; a longer line goes out in pieces. */
static char line[128];
static unsigned line_len;

static void line_flush(void)
{
	for (unsigned done = 0; done < line_len;) {
		long n = hc_console_write(line + done, line_len - done); /* short while the host's line is full */
		if (n < 0)
			break;
		done += (unsigned)n;
	}
	line_len = 0;
}

static void line_putc(char c)
{
	line[line_len++] = c;
	if (c == '\n' || line_len == sizeof(line))
		line_flush();
}

void com1_init(void)
{
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, LCR_DLAB);
	outb(COM1_BASE + UART_DLL, 1); /* 115200 baud: 1.8432 MHz / 16 / 1 */
	outb(COM1_BASE + UART_DLM, 0);
	outb(COM1_BASE + UART_LCR, LCR_WLS_8);
	outb(COM1_BASE + UART_FCR, FCR_FIFO_ENABLE | FCR_RCVR_RESET | FCR_XMIT_RESET | FCR_TRIGGER_1);
	outb(COM1_BASE + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

void com1_putc(char c)
{
	/*
	 * Bounded wait: an absent UART reads 0xFF (THRE set) anyway, and a wedged
	 * one must not hang the guest. Lines end in a bare '\n': the host console
	 * splits lines there and adds its own "[NAME] " prefix.
	 */
	for (unsigned i = 0; i < 1000000; i++)
		if (inb(COM1_BASE + UART_LSR) & LSR_THRE)
			break;
	outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void e9_putc(char c)
{
	outb(KESTREL_PORT_DEBUGCON, (uint8_t)c);
}

void console_set_sink(enum console_sink s)
{
	sink = s;
}

void console_putc(char c)
{
	if (sink == CONSOLE_E9)
		e9_putc(c);
	else if (sink == CONSOLE_LINE)
		line_putc(c);
	else
		com1_putc(c);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}
