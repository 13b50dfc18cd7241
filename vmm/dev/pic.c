/* Intel 8259A master/slave pair with ELCR, as wired in a PC/AT.
 * Datasheet: Intel 8259A/8259A-2 (231468-003), sections "Interrupt Sequence",
 * "Programming the 8259A", "Operation Command Words"; ELCR per 82371AB PIIX4. */
#include "vmm/dev/pic.h"

#define NO_IRQ 8

/* Inputs that are level sensitive: LTIM makes all eight level (ICW1), else
 * the ELCR decides per line. The master's IR2 always follows the slave's INT
 * output level, so a slave request can never be lost in the master's edge
 * latch (e.g. a second slave request pending while the first is acked). */
static uint8_t chip_level_mask(const struct pic_chip *c, bool master)
{
	uint8_t m = c->ltim ? 0xFF : c->elcr;
	return master ? (uint8_t)(m | (1u << PIC_CASCADE_IRQ)) : m;
}

/* Priority rank, 0 = highest: the IR after `lowest` has the top priority. */
static unsigned chip_rank(const struct pic_chip *c, unsigned irq)
{
	return (irq - c->lowest - 1u) & 7u;
}

/* The highest priority IR among bits in mask, or NO_IRQ: rotate mask so
 * that the top-priority IR is bit 0, then take the lowest set bit. Every
 * interrupt and EOI of every guest asks this, several times. */
static unsigned chip_highest(const struct pic_chip *c, uint8_t mask)
{
	if (!mask)
		return NO_IRQ;
	unsigned top = (c->lowest + 1u) & 7u;
	unsigned rot = ((unsigned)mask >> top | (unsigned)mask << (8u - top)) & 0xFFu;
	return ((unsigned)__builtin_ctz(rot) + top) & 7u;
}

/* The IR that would raise INT now, or NO_IRQ. Fully nested mode: only a
 * request of higher priority than every in-service level. Special mask mode
 * (OCW3 SMM): every unmasked level that is not itself in service. Special
 * fully nested mode (ICW4 SFNM, master): the cascade IR may interrupt its
 * own in-service level so higher slave requests get through. */
static unsigned chip_pending_with(const struct pic_chip *c, bool master, uint8_t irr, uint8_t isr)
{
	uint8_t req = (uint8_t)(irr & ~c->imr);
	if (c->special_mask)
		return chip_highest(c, (uint8_t)(req & ~isr));
	unsigned irq = chip_highest(c, req);
	if (irq == NO_IRQ || !isr)
		return irq;
	unsigned cur = chip_highest(c, isr);
	if (chip_rank(c, irq) < chip_rank(c, cur))
		return irq;
	if (irq == cur && master && c->sfnm && irq == PIC_CASCADE_IRQ)
		return irq;
	return NO_IRQ;
}

static unsigned chip_pending(const struct pic_chip *c, bool master)
{
	return chip_pending_with(c, master, c->irr, c->isr);
}

/* The IRR bits that raising the inputs in `raise` would set: every level
 * input, and an edge input only if its line is low (chip_set_line). */
static uint8_t chip_raised(const struct pic_chip *c, bool master, uint8_t raise)
{
	uint8_t edge_high = (uint8_t)(c->lines & ~chip_level_mask(c, master));
	return (uint8_t)(raise & ~edge_high);
}

static void chip_set_line(struct pic_chip *c, bool master, unsigned irq, bool level)
{
	uint8_t bit = (uint8_t)(1u << irq);
	bool was = c->lines & bit;
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
	if (chip_level_mask(c, master) & bit) {
		/* level mode: IRR follows the line */
		c->irr = (uint8_t)((c->irr & ~bit) | (level ? bit : 0));
	} else if (level && !was) {
		/* edge mode: the edge sense latch sets IRR on a rising edge. It
		 * stays set if the line falls before INTA (bhyve/QEMU do the
		 * same); a descheduled vCPU cannot meet the 8259A's "IR must
		 * remain high until the first INTA" timing. */
		c->irr |= bit;
	}
}

/* The second INTA pulse: ISR set (unless AEOI), edge IRR bit cleared. */
static void chip_ack(struct pic_chip *c, bool master, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);
	if (!(chip_level_mask(c, master) & bit))
		c->irr &= (uint8_t)~bit;
	if (c->aeoi) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= bit;
	}
}

static void pic_update_cascade(struct pic *pic)
{
	bool intr = chip_pending(&pic->slave, false) != NO_IRQ;
	chip_set_line(&pic->master, true, PIC_CASCADE_IRQ, intr);
}

/* ICW1: datasheet "Initialization Command Words": edge sense reset, IMR
 * cleared, IR7 lowest priority, special mask off, read IRR; IC4=0 zeroes
 * the ICW4 functions. ISR is cleared too, as every PC emulator does. */
static void chip_write_icw1(struct pic_chip *c, bool master, uint8_t v)
{
	c->icw4_needed = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->ltim = v & ICW1_LTIM;
	c->irr = (uint8_t)(c->lines & chip_level_mask(c, master));
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	if (!c->icw4_needed)
		c->upm = c->aeoi = c->sfnm = false;
	c->init_step = 2;
}

static void chip_write_data(struct pic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = v & 0xF8;
		c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = v;
		c->init_step = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->upm = v & ICW4_UPM;
		c->aeoi = v & ICW4_AEOI;
		c->sfnm = v & ICW4_SFNM;
		c->init_step = 0;
		break;
	default:
		c->imr = v; /* OCW1 */
		break;
	}
}

static void chip_write_ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned level = v & OCW2_LEVEL;
	unsigned irq;
	switch (v & (OCW2_R | OCW2_SL | OCW2_EOI)) {
	case OCW2_EOI: /* non-specific EOI: highest priority ISR bit */
	case OCW2_R | OCW2_EOI: /* rotate on non-specific EOI */
		irq = chip_highest(c, c->isr);
		if (irq == NO_IRQ)
			break;
		c->isr &= (uint8_t)~(1u << irq);
		if (v & OCW2_R)
			c->lowest = (uint8_t)irq;
		break;
	case OCW2_SL | OCW2_EOI: /* specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		break;
	case OCW2_R | OCW2_SL | OCW2_EOI: /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		c->lowest = (uint8_t)level;
		break;
	case OCW2_R | OCW2_SL: /* set priority: L becomes the lowest */
		c->lowest = (uint8_t)level;
		break;
	case OCW2_R:
		c->rotate_aeoi = true;
		break;
	case 0:
		c->rotate_aeoi = false;
		break;
	default: /* SL alone: no operation */
		break;
	}
}

static void chip_write_cmd(struct pic_chip *c, bool master, uint8_t v)
{
	if (v & ICW1_INIT) {
		chip_write_icw1(c, master, v);
	} else if (v & OCW3_SEL) {
		if (v & OCW3_ESMM)
			c->special_mask = v & OCW3_SMM;
		if (v & OCW3_RR)
			c->read_isr = v & OCW3_RIS;
		c->poll = v & OCW3_P;
	} else {
		chip_write_ocw2(c, v);
	}
}

/* Poll command (OCW3 P): the next read is I (bit 7) and W2..W0 and acts as
 * an INTA for that level. */
static uint8_t chip_read_poll(struct pic_chip *c, bool master)
{
	c->poll = false;
	unsigned irq = chip_pending(c, master);
	if (irq == NO_IRQ)
		return 0;
	chip_ack(c, master, irq);
	return (uint8_t)(0x80 | irq);
}

static void chip_set_elcr(struct pic_chip *c, bool master, uint8_t v)
{
	c->elcr = v & c->elcr_mask;
	/* lines that became level sensitive: IRR follows the line now */
	uint8_t lvl = chip_level_mask(c, master);
	c->irr = (uint8_t)((c->irr & ~lvl) | (c->lines & lvl));
}

bool pic_read_has_effect(const struct pic *pic, uint16_t port)
{
	if (port == PIC_MASTER_CMD)
		return pic->master.poll;
	if (port == PIC_SLAVE_CMD)
		return pic->slave.poll;
	return false;
}

static uint8_t pic_io_byte(struct pic *pic, bool in, uint16_t port, uint8_t v)
{
	bool master = port == PIC_MASTER_CMD || port == PIC_MASTER_DATA ||
		      port == PIC_ELCR_MASTER;
	struct pic_chip *c = master ? &pic->master : &pic->slave;
	uint8_t r = 0xFF;
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_SLAVE_CMD:
		if (!in)
			chip_write_cmd(c, master, v);
		else if (c->poll)
			r = chip_read_poll(c, master);
		else
			return c->read_isr ? c->isr : c->irr; /* a look: the cascade stands */
		break;
	case PIC_MASTER_DATA:
	case PIC_SLAVE_DATA:
		if (in)
			return c->imr;
		chip_write_data(c, v);
		break;
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		if (in)
			r = c->elcr;
		else
			chip_set_elcr(c, master, v);
		break;
	default:
		break;
	}
	pic_update_cascade(pic);
	return r;
}

void pic_io(struct pic *pic, bool in, uint16_t port, unsigned size, uint32_t *val)
{
	uint32_t out = 0;
	if (size != 2 && size != 4) { /* a byte, as nearly every guest's access */
		uint8_t b = pic_io_byte(pic, in, port, (uint8_t)*val);
		if (in)
			*val = b;
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(*val >> (8 * i));
		b = pic_io_byte(pic, in, (uint16_t)(port + i), b);
		out |= (uint32_t)b << (8 * i);
	}
	if (in)
		*val = out;
}

static void chip_init(struct pic_chip *c, uint8_t base, uint8_t elcr_mask)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->vector_base = base;
	c->elcr_mask = elcr_mask;
	c->lowest = 7;
	c->upm = true;
}

/* Power-on state: operational, all unmasked, vectors 0x08/0x70 (the values a
 * PC BIOS programs); guests are expected to reinitialise with ICW1..ICW4. */
void pic_init(struct pic *pic)
{
	chip_init(&pic->master, 0x08, PIC_ELCR1_MASK);
	chip_init(&pic->slave, 0x70, PIC_ELCR2_MASK);
	pic->master.icw3 = 1u << PIC_CASCADE_IRQ;
	pic->slave.icw3 = PIC_CASCADE_IRQ;
}

void pic_set_irq(struct pic *pic, unsigned irq, bool level)
{
	if (irq >= 16 || irq == PIC_CASCADE_IRQ)
		return;
	if (irq < 8) {
		chip_set_line(&pic->master, true, irq, level);
		return; /* the slave, and so the cascade input, is unchanged */
	}
	chip_set_line(&pic->slave, false, irq - 8, level);
	pic_update_cascade(pic);
}

void pic_pulse_irq(struct pic *pic, unsigned irq)
{
	pic_set_irq(pic, irq, true);
	pic_set_irq(pic, irq, false);
}

bool pic_intr(const struct pic *pic)
{
	return chip_pending(&pic->master, true) != NO_IRQ;
}

/* INTR with the inputs in raise (bit n: IRn, 8-15 the slave's) raised and,
 * after_eoi, no level in service: worked out from the registers, without a
 * copy of the pair to change. The cascade input follows the slave's INT. */
static bool pic_probe(const struct pic *pic, unsigned raise, bool after_eoi)
{
	const struct pic_chip *m = &pic->master, *s = &pic->slave;
	uint8_t s_irr = (uint8_t)(s->irr | chip_raised(s, false, (uint8_t)(raise >> 8)));
	bool slave_int = chip_pending_with(s, false, s_irr, after_eoi ? 0 : s->isr) != NO_IRQ;
	uint8_t m_irr = (uint8_t)((m->irr | chip_raised(m, true, (uint8_t)raise)) & ~(1u << PIC_CASCADE_IRQ));
	if (slave_int)
		m_irr |= 1u << PIC_CASCADE_IRQ;
	return chip_pending_with(m, true, m_irr, after_eoi ? 0 : m->isr) != NO_IRQ;
}

bool pic_intr_after_eoi(const struct pic *pic)
{
	if (!pic->master.isr && !pic->slave.isr)
		return pic_intr(pic); /* nothing in service to end */
	return pic_probe(pic, 0, true);
}

bool pic_intr_if_raised(const struct pic *pic, unsigned irq, bool after_eoi)
{
	const struct pic_chip *m = &pic->master;
	/* Asked at every deadline: IR0 at the top of the fully nested order
	 * (no rotation, no special mask), unmasked and not itself in service,
	 * interrupts whatever else is there. */
	if (irq == 0 && m->lowest == 7 && !m->special_mask && !(m->imr & 1) && (after_eoi || !(m->isr & 1)) &&
	    (chip_raised(m, true, 1) & 1))
		return true;
	return pic_probe(pic, irq < 16 && irq != PIC_CASCADE_IRQ ? 1u << irq : 0, after_eoi);
}

uint8_t pic_intack(struct pic *pic)
{
	struct pic_chip *m = &pic->master, *s = &pic->slave;
	unsigned irq = chip_pending(m, true);
	if (irq == NO_IRQ)
		return (uint8_t)(m->vector_base | 7); /* spurious IRQ7, ISR untouched */
	chip_ack(m, true, irq);
	if (irq != PIC_CASCADE_IRQ)
		return (uint8_t)(m->vector_base | irq);
	/* cascade: the slave answers the second INTA with its vector */
	unsigned sirq = chip_pending(s, false);
	uint8_t vec = (uint8_t)(s->vector_base | 7); /* spurious IRQ15 */
	if (sirq != NO_IRQ) {
		chip_ack(s, false, sirq);
		vec = (uint8_t)(s->vector_base | sirq);
	}
	pic_update_cascade(pic);
	return vec;
}
