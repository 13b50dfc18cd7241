/* 8259A pair: initialisation, masks, EOI (Intel 8259A datasheet). */
#include "guests/lib/pic.h"

#include "guests/lib/io.h"

void pic_init(uint8_t master_base, uint8_t slave_base)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_IC4); /* edge triggered, cascade */
	outb(PIC1_DATA, master_base);         /* ICW2: vector of IR0 */
	outb(PIC1_DATA, 1 << 2);              /* ICW3: slave on IR2 */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_CMD, ICW1_INIT | ICW1_IC4);
	outb(PIC2_DATA, slave_base);
	outb(PIC2_DATA, 2); /* ICW3: slave identity 2 */
	outb(PIC2_DATA, ICW4_8086);
	pic_set_mask(0xFFFF);
}

void pic_set_mask(uint16_t mask)
{
	outb(PIC1_DATA, (uint8_t)mask);
	outb(PIC2_DATA, (uint8_t)(mask >> 8));
}

uint16_t pic_get_mask(void)
{
	return (uint16_t)(inb(PIC1_DATA) | inb(PIC2_DATA) << 8);
}

void pic_unmask(unsigned irq)
{
	uint16_t mask = pic_get_mask() & ~(1u << irq);
	if (irq >= 8)
		mask &= ~(1u << 2); /* the cascade input must be open too */
	pic_set_mask(mask);
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

uint16_t pic_read_irr(void)
{
	outb(PIC1_CMD, PIC_READ_IRR);
	outb(PIC2_CMD, PIC_READ_IRR);
	return (uint16_t)(inb(PIC1_CMD) | inb(PIC2_CMD) << 8);
}

uint16_t pic_read_isr(void)
{
	outb(PIC1_CMD, PIC_READ_ISR);
	outb(PIC2_CMD, PIC_READ_ISR);
	return (uint16_t)(inb(PIC1_CMD) | inb(PIC2_CMD) << 8);
}
