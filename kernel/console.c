/* Host console: kprintf over kernel/fmt, CR-LF line ends for terminals, and
 * a replaceable sink so the monitor can redraw its prompt around output. */
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/serial.h"

struct console {
	console_sink sink;
	void *sink_ctx;
	enum log_level level;
};

static struct console console = {.level = LOG_INFO};

void console_raw_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

static void console_put(void *ctx, char c)
{
	(void)ctx;
	if (console.sink)
		console.sink(console.sink_ctx, c);
	else
		console_raw_putc(c);
}

void console_set_sink(console_sink sink, void *ctx)
{
	console.sink = sink;
	console.sink_ctx = ctx;
}

int kvprintf(const char *fmt, va_list ap) { return fmt_vformat(console_put, 0, fmt, ap); }

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void kputs(const char *s)
{
	while (*s)
		console_put(0, *s++);
}

enum log_level console_log_level(void) { return console.level; }
void console_set_log_level(enum log_level level) { console.level = level; }

void klog(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {"error: ", "warning: ", "", "debug: "};
	if (level > console.level)
		return;
	kputs(prefix[level]);
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
