/*
 * 8254 PIT helpers; control word fields named as in the Intel 82C54 datasheet.
 * Input clock 1193182 Hz. Counter 2's gate and output are on port 0x61.
 */
#ifndef GUEST_PIT_H
#define GUEST_PIT_H

#include <stdint.h>

#define PIT_HZ      1193182u
#define PIT_CH(n)   (0x40 + (n))
#define PIT_CMD     0x43
#define PORT_B      0x61 /* system control port B */
#define PORTB_GATE2 0x01 /* counter 2 GATE */
#define PORTB_SPKR  0x02 /* speaker data enable */
#define PORTB_OUT2  0x20 /* counter 2 OUT (read only) */

#define PIT_SC(n)   ((n) << 6) /* select counter n; 3 = read-back */
#define PIT_LATCH   0x00       /* RW = 00: counter latch command */
#define PIT_RW_LSB  0x10
#define PIT_RW_MSB  0x20
#define PIT_RW_BOTH 0x30 /* LSB then MSB */
#define PIT_MODE(m) ((m) << 1)
#define PIT_BCD     0x01

/* Read-back command: bits are active low for COUNT and STATUS. */
#define PIT_READBACK    0xC0
#define PIT_RB_NOCOUNT  0x20
#define PIT_RB_NOSTATUS 0x10
#define PIT_RB_CNT(n)   (2 << (n))

#define PIT_ST_OUT  0x80 /* status: OUT pin */
#define PIT_ST_NULL 0x40 /* status: NULL COUNT (count not yet loaded into CE) */

void pit_start_periodic(uint16_t divisor); /* counter 0, mode 2, LSB/MSB */
uint16_t pit_latch_count(unsigned ch);     /* latch, then read LSB, MSB */
uint8_t pit_read_status(unsigned ch);      /* read-back status only */

#endif
