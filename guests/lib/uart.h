/*
 * 16550A UART registers and bits, named as in the National Semiconductor
 * PC16550D datasheet. Offsets are from the base port (COM1 0x3F8, COM2 0x2F8).
 */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#define COM1_BASE 0x3F8
#define COM2_BASE 0x2F8
#define COM1_IRQ  4
#define COM2_IRQ  3

#define UART_RBR 0 /* receiver buffer (read, DLAB=0) */
#define UART_THR 0 /* transmitter holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch LSB (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch MSB (DLAB=1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */
#define UART_SCR 7 /* scratch */

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* THR empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NO_INT  0x01 /* bit 0 = 1: no interrupt pending */
#define IIR_ID_MASK 0x0E
#define IIR_FIFO_ON 0xC0 /* bits 7:6 read 11 when FCR bit 0 is set */

#define FCR_FIFO_ENABLE 0x01
#define FCR_RCVR_RESET  0x02
#define FCR_XMIT_RESET  0x04
#define FCR_TRIGGER_1   0x00 /* RCVR trigger level 1 byte (bits 7:6 = 00) */

#define LCR_WLS_8 0x03 /* 8 data bits */
#define LCR_STB   0x04
#define LCR_PEN   0x08
#define LCR_EPS   0x10
#define LCR_DLAB  0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08 /* on a PC: gates the UART interrupt onto the IRQ line */
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04 /* RI went from 1 to 0 */
#define MSR_DDCD 0x08
#define MSR_CTS  0x10 /* = RTS in loopback */
#define MSR_DSR  0x20 /* = DTR in loopback */
#define MSR_RI   0x40 /* = OUT1 in loopback */
#define MSR_DCD  0x80 /* = OUT2 in loopback */

#endif
