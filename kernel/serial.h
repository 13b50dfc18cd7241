/* The host's COM1: a 16550A at 0x3F8, 115200 8N1, polled both ways. */
#ifndef KESTREL_KERNEL_SERIAL_H
#define KESTREL_KERNEL_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

void serial_init(void);
/* Queue a byte for the wire; blocks only while the 16 KiB ring is full. */
void serial_putc(char c);
/* Feed the UART from the ring without waiting (call it often). */
void serial_tx_poll(void);
/* Bytes the ring takes before serial_putc would wait for the wire. */
unsigned serial_tx_space(void);
/* Bytes queued and not yet handed to the UART. */
unsigned serial_tx_pending(void);
/* Wait until every queued byte is on the wire (before power-off, in panic). */
void serial_flush(void);
/* Returns true and stores a byte when one has arrived. Never blocks. */
bool serial_getc(uint8_t *byte);
/* Move arrived bytes into a 256-byte ring; call it during long host work so
 * that no keystroke overflows the UART's 16-byte FIFO. */
void serial_rx_poll(void);

#endif
