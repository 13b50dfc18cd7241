/* Intel 8259A programmable interrupt controller: the PC/AT master/slave pair
 * (slave on master IR2) plus the PIIX/ICH edge/level control registers (ELCR).
 * Datasheet: Intel 8259A/8259A-2 (231468-003); ELCR per Intel 82371AB PIIX4. */
#ifndef VMM_DEV_PIC_H
#define VMM_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD   0x20
#define PIC_MASTER_DATA  0x21
#define PIC_SLAVE_CMD    0xA0
#define PIC_SLAVE_DATA   0xA1
#define PIC_ELCR_MASTER  0x4D0
#define PIC_ELCR_SLAVE   0x4D1
#define PIC_CASCADE_IRQ  2
#define PIC_ELCR1_MASK   0xF8 /* IRQ0, 1, 2 are always edge on a PC */
#define PIC_ELCR2_MASK   0xDE /* IRQ8 and IRQ13 are always edge */

#define ICW1_IC4   0x01 /* ICW4 needed */
#define ICW1_SNGL  0x02 /* single (no ICW3) */
#define ICW1_ADI   0x04 /* call address interval (8080 only) */
#define ICW1_LTIM  0x08 /* level triggered mode */
#define ICW1_INIT  0x10 /* D4=1 with A0=0 marks ICW1 */
#define ICW4_UPM   0x01 /* 8086/8088 mode */
#define ICW4_AEOI  0x02 /* automatic end of interrupt */
#define ICW4_MS    0x04 /* buffered master/slave */
#define ICW4_BUF   0x08 /* buffered mode */
#define ICW4_SFNM  0x10 /* special fully nested mode */
#define OCW2_LEVEL 0x07 /* L2..L0 */
#define OCW2_EOI   0x20
#define OCW2_SL    0x40
#define OCW2_R     0x80
#define OCW3_RIS   0x01 /* read ISR (else IRR) when RR */
#define OCW3_RR    0x02 /* read register command */
#define OCW3_P     0x04 /* poll command */
#define OCW3_SEL   0x08 /* D3=1, D4=0 marks OCW3 */
#define OCW3_SMM   0x20 /* special mask mode (when ESMM) */
#define OCW3_ESMM  0x40

/* One 8259A. Public so a monitor can print it; change only through pic_*. */
struct pic_chip {
	uint8_t irr;         /* interrupt request register */
	uint8_t isr;         /* in-service register */
	uint8_t imr;         /* interrupt mask register (OCW1) */
	uint8_t lines;       /* current level of the IR inputs */
	uint8_t elcr;        /* 1 = level triggered (ELCR register) */
	uint8_t elcr_mask;   /* ELCR bits that are writable */
	uint8_t vector_base; /* ICW2 T7..T3 */
	uint8_t icw3;        /* master: slave map; slave: its ID */
	uint8_t lowest;      /* IR with the lowest priority (7 after ICW1) */
	uint8_t init_step;   /* 0 = operational, else the ICW expected next */
	bool icw4_needed, single, ltim;
	bool upm, aeoi, sfnm;
	bool rotate_aeoi, read_isr, poll, special_mask;
};

struct pic {
	struct pic_chip master, slave;
};

void pic_init(struct pic *pic);
/* Guest port access to 0x20/0x21/0xA0/0xA1/0x4D0/0x4D1; size 1, 2 or 4 is
 * split into byte cycles at port, port+1, ... Bytes of other ports read 0xFF. */
/* Whether reading port (one byte) changes the pair: only a poll command's
 * read, which acknowledges (datasheet, "The Poll Command"); IRR, ISR, IMR
 * and the ELCRs are only looked at. */
bool pic_read_has_effect(const struct pic *pic, uint16_t port);
void pic_io(struct pic *pic, bool in, uint16_t port, unsigned size, uint32_t *val);
/* Drive input line irq (0..15; 2 is the cascade and ignored). */
void pic_set_irq(struct pic *pic, unsigned irq, bool level);
/* A rising and a falling edge on input irq (pic_set_irq up, then down). */
void pic_pulse_irq(struct pic *pic, unsigned irq);
/* INTR output of the master: an unmasked request with priority over ISR. */
bool pic_intr(const struct pic *pic);
/* INTR once the interrupts now in service have ended (their EOIs sent): a
 * request that only an ISR bit holds back. */
bool pic_intr_after_eoi(const struct pic *pic);
/* INTR if input irq rose now (an edge where it is edge-triggered), and
 * after_eoi as pic_intr_after_eoi: would an event on irq interrupt? */
bool pic_intr_if_raised(const struct pic *pic, unsigned irq, bool after_eoi);
/* The INTA cycle: returns the vector, updates ISR/IRR, handles the cascade;
 * returns base+7 of the chip whose request vanished (spurious IRQ7/IRQ15). */
uint8_t pic_intack(struct pic *pic);

#endif
