/* libFuzzer harness for the 8259A pair: the input is a program of port
 * accesses, IRQ line changes and INTA cycles; invariants trap on violation. */
#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/pic.c"

static const uint16_t ports[6] = { 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1 };

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void check_chip(const struct pic_chip *c, bool master)
{
	CHECK(c->lowest < 8);
	CHECK(c->init_step == 0 || (c->init_step >= 2 && c->init_step <= 4));
	CHECK((c->elcr & ~c->elcr_mask) == 0);
	CHECK((c->vector_base & 7) == 0);
	uint8_t lvl = chip_level_mask(c, master);
	if (master)
		lvl &= (uint8_t)~(1u << PIC_CASCADE_IRQ);
	CHECK(((c->irr ^ c->lines) & lvl) == 0); /* level inputs follow the line */
}

static void check(const struct pic *p)
{
	check_chip(&p->master, true);
	check_chip(&p->slave, false);
	/* the cascade input mirrors the slave's INT output */
	bool slave_int = chip_pending(&p->slave, false) != NO_IRQ;
	CHECK(!!(p->master.irr & 4) == slave_int);
	CHECK(!!(p->master.lines & 4) == slave_int);
}

/* INTA: vector is base+irq of the expected request, or base+7 spurious;
 * ISR gains exactly the acknowledged bit (none in AEOI or spurious). */
static void do_intack(struct pic *p)
{
	struct pic before = *p;
	unsigned m = chip_pending(&p->master, true);
	uint8_t v = pic_intack(p);
	uint8_t new_m = (uint8_t)(p->master.isr & ~before.master.isr);
	uint8_t new_s = (uint8_t)(p->slave.isr & ~before.slave.isr);
	if (m == NO_IRQ) {
		CHECK(v == (before.master.vector_base | 7));
		CHECK(!new_m && !new_s);
		return;
	}
	/* SFNM may re-acknowledge an in-service cascade level */
	CHECK((new_m & ~(1u << m)) == 0);
	CHECK(before.master.aeoi ? !new_m : !!(p->master.isr & (1u << m)));
	if (m != PIC_CASCADE_IRQ) {
		CHECK(v == (before.master.vector_base | m));
		CHECK(!new_s);
		return;
	}
	unsigned s = chip_pending(&before.slave, false);
	if (s == NO_IRQ) {
		CHECK(v == (before.slave.vector_base | 7));
		CHECK(!new_s);
	} else {
		CHECK(v == (before.slave.vector_base | s));
		CHECK((new_s & ~(1u << s)) == 0);
		CHECK(before.slave.aeoi ? !new_s : !!(p->slave.isr & (1u << s)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pic p;
	pic_init(&p);
	for (size_t i = 0; i + 2 < size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		struct pic before = p;
		uint32_t v = b;
		switch (op % 5) {
		case 0: /* write */
			pic_io(&p, false, ports[a % 6], 1 + (op >> 7) * (1 + ((op >> 6) & 1) * 2), &v);
			break;
		case 1: /* read (poll reads may acknowledge) */
			pic_io(&p, true, ports[a % 6], 1, &v);
			CHECK(v <= 0xFF);
			if (!before.master.poll && !before.slave.poll)
				CHECK(p.master.isr == before.master.isr && p.slave.isr == before.slave.isr);
			break;
		case 2:
			pic_set_irq(&p, a % 16, b & 1);
			CHECK(p.master.isr == before.master.isr && p.slave.isr == before.slave.isr);
			break;
		case 3:
			do_intack(&p);
			break;
		default:
			CHECK(pic_intr(&p) == (chip_pending(&p.master, true) != NO_IRQ));
			break;
		}
		if (op % 5 == 0) /* writes may only clear ISR bits (EOI, ICW1) */
			CHECK(!(p.master.isr & ~before.master.isr) && !(p.slave.isr & ~before.slave.isr));
		check(&p);
	}
	return 0;
}
