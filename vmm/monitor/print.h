/* Output and argument helpers shared by every file of the monitor. */
#ifndef VMM_MONITOR_PRINT_H
#define VMM_MONITOR_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/monitor/types.h"

/* Output: '\n' becomes CR LF. */
void mon_putc(void *mon, char c);
void mon_puts(struct monitor *mon, const char *s);
void mon_printf(struct monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Looks a VM up by name, then by id; prints "no such VM 'x'" when neither fits. */
bool shell_vm_arg(struct monitor *mon, const char *arg, unsigned *vm, struct monitor_vm_info *info);
/* "0x1f" (hex) or "31" (decimal); false on junk or overflow. */
bool shell_parse_u64(const char *s, uint64_t *val);
/* "16 MiB", "640 KiB", "1000 bytes": the largest unit that is exact. */
void shell_format_size(char *buf, size_t n, uint64_t bytes);
/* Basis points of CPU time: run_ns out of total_ns, 0..10000. */
unsigned shell_share(uint64_t run_ns, uint64_t total_ns);
const char *monitor_vm_name(struct monitor *mon, unsigned vm);

#endif
