/*
 * 8259A PIC pair helpers; command words named as in the Intel 8259A datasheet.
 * IRQ n of the pair is 0-7 on the master, 8-15 on the slave (cascaded on IR2).
 */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

#include <stdint.h>

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1
#define PIC_ELCR1 0x4D0 /* edge/level control, IRQ0-7 (PIIX); bits 0-2 hardwired 0 */
#define PIC_ELCR2 0x4D1 /* IRQ8-15 */

#define ICW1_IC4  0x01 /* ICW4 follows */
#define ICW1_SNGL 0x02 /* single PIC (no cascade) */
#define ICW1_LTIM 0x08 /* level triggered */
#define ICW1_INIT 0x10 /* this is ICW1 */
#define ICW4_8086 0x01
#define ICW4_AEOI 0x02

#define OCW2_EOI 0x20 /* non-specific EOI */
#define OCW2_SL  0x40 /* specific: level in bits 2:0 */
#define OCW3     0x08 /* marks OCW3 */
#define OCW3_RIS 0x01 /* read ISR (else IRR) */
#define OCW3_RR  0x02 /* act on RIS */
#define OCW3_P   0x04 /* poll command */

#define PIC_READ_IRR (OCW3 | OCW3_RR)
#define PIC_READ_ISR (OCW3 | OCW3_RR | OCW3_RIS)
#define PIC_POLL     (OCW3 | OCW3_P)

void pic_init(uint8_t master_base, uint8_t slave_base); /* leaves all 16 masked */
void pic_set_mask(uint16_t mask);                       /* bit n masks IRQ n */
uint16_t pic_get_mask(void);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
uint16_t pic_read_irr(void);
uint16_t pic_read_isr(void);

#endif
