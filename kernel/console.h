/* Host console output: formatted printing and levelled log messages. */
#ifndef KESTREL_KERNEL_CONSOLE_H
#define KESTREL_KERNEL_CONSOLE_H

#include <stdarg.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
void kputs(const char *s);
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum log_level console_log_level(void);
void console_set_log_level(enum log_level level);

/*
 * Everything the console prints goes through one sink. The monitor installs
 * its own to keep the operator's prompt intact; NULL restores the serial port.
 */
typedef void (*console_sink)(void *ctx, char c);
void console_set_sink(console_sink sink, void *ctx);
/* Write straight to the serial port, bypassing any sink (panic path). */
void console_raw_putc(char c);

#endif
