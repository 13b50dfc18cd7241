/* The host's COM1: a 16550A at 0x3F8, 115200 8N1, polled both ways. */
#ifndef KESTREL_KERNEL_SERIAL_H
#define KESTREL_KERNEL_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

void serial_init(void);
void serial_putc(char c);
/* Returns true and stores a byte when one has arrived. Never blocks. */
bool serial_getc(uint8_t *byte);

#endif
