/* Host tests for the 8259A pair (vmm/dev/pic.c) against the Intel 8259A
 * datasheet (231468-003) behaviour, one datasheet rule per test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/pic.c"

static void out8(struct pic *p, uint16_t port, uint8_t v)
{
	uint32_t x = v;
	pic_io(p, false, port, 1, &x);
}

static uint8_t in8(struct pic *p, uint16_t port)
{
	uint32_t x = 0;
	pic_io(p, true, port, 1, &x);
	return (uint8_t)x;
}

/* The sequence Linux and most BIOSes use: edge, cascade, ICW4 8086 mode. */
static void setup_pc(struct pic *p, uint8_t icw4_master)
{
	pic_init(p);
	out8(p, 0x20, ICW1_INIT | ICW1_IC4);
	out8(p, 0x21, 0x20);
	out8(p, 0x21, 0x04);
	out8(p, 0x21, icw4_master);
	out8(p, 0xA0, ICW1_INIT | ICW1_IC4);
	out8(p, 0xA1, 0x28);
	out8(p, 0xA1, 0x02);
	out8(p, 0xA1, ICW4_UPM);
}

static void pulse(struct pic *p, unsigned irq)
{
	pic_set_irq(p, irq, true);
	pic_set_irq(p, irq, false);
}

/* Power-on defaults: vectors 08h/70h as a PC BIOS leaves them. */
static void test_init_defaults(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p);
	assert_false(pic_intr(&p));
	pulse(&p, 1);
	assert_true(pic_intr(&p));
	assert_int_equal(pic_intack(&p), 0x09);
	pulse(&p, 14);
	out8(&p, 0x20, OCW2_EOI);
	assert_int_equal(pic_intack(&p), 0x76);
}

/* ICW2 T7-T3 give the vector base; IRQ n -> base + n (8086 mode). */
static void test_icw2_vector_base(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	assert_int_equal(p.master.vector_base, 0x20);
	assert_int_equal(p.slave.vector_base, 0x28);
	assert_int_equal(p.master.icw3, 0x04);
	assert_int_equal(p.slave.icw3, 0x02);
	pulse(&p, 1);
	assert_int_equal(pic_intack(&p), 0x21);
	assert_int_equal(p.master.isr, 0x02);
	assert_int_equal(p.master.irr, 0x00);
}

/* ICW1: IMR cleared, IR7 lowest, SMM cleared, read IRR, edge sense reset. */
static void test_icw1_resets_state(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0x21, 0xFF);
	out8(&p, 0x20, OCW2_R | OCW2_SL | 3);
	out8(&p, 0x20, OCW3_SEL | OCW3_ESMM | OCW3_SMM | OCW3_RR | OCW3_RIS);
	pic_set_irq(&p, 5, true); /* line stays high across ICW1 */
	out8(&p, 0x20, ICW1_INIT | ICW1_IC4);
	out8(&p, 0x21, 0x20);
	out8(&p, 0x21, 0x04);
	out8(&p, 0x21, ICW4_UPM);
	assert_int_equal(in8(&p, 0x21), 0x00);
	assert_int_equal(p.master.lowest, 7);
	assert_false(p.master.special_mask);
	assert_false(p.master.read_isr);
	/* the high line needs a new low-to-high transition */
	assert_false(pic_intr(&p));
	pic_set_irq(&p, 5, false);
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_intack(&p), 0x25);
}

/* SNGL skips ICW3; IC4=0 skips ICW4 and zeroes its functions (AEOI). */
static void test_icw_single_no_ic4(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM | ICW4_AEOI);
	assert_true(p.master.aeoi);
	out8(&p, 0x20, ICW1_INIT | ICW1_SNGL);
	out8(&p, 0x21, 0x40);
	assert_int_equal(p.master.init_step, 0);
	assert_false(p.master.aeoi);
	out8(&p, 0x21, 0xF0); /* now OCW1 */
	assert_int_equal(p.master.imr, 0xF0);
	assert_int_equal(p.master.vector_base, 0x40);
	out8(&p, 0x20, ICW1_INIT | ICW1_SNGL | ICW1_IC4);
	out8(&p, 0x21, 0x48);
	assert_int_equal(p.master.init_step, 4);
	out8(&p, 0x21, ICW4_UPM | ICW4_AEOI);
	assert_true(p.master.aeoi);
}

/* Fully nested mode: highest priority request wins; a lower one waits for
 * EOI of the level in service; a higher one nests. */
static void test_fully_nested_priority(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 5);
	pulse(&p, 3);
	assert_int_equal(pic_intack(&p), 0x23);
	assert_false(pic_intr(&p)); /* 5 is lower than 3 in service */
	pulse(&p, 1);
	assert_true(pic_intr(&p));
	assert_int_equal(pic_intack(&p), 0x21);
	assert_int_equal(p.master.isr, 0x0A);
	out8(&p, 0x20, OCW2_EOI); /* clears 1, the highest */
	assert_int_equal(p.master.isr, 0x08);
	assert_false(pic_intr(&p));
	out8(&p, 0x20, OCW2_EOI);
	assert_int_equal(pic_intack(&p), 0x25);
}

/* OCW1: masked requests stay in IRR but raise no INT. */
/* A request that only the level in service holds back, on either chip (the
 * slave's request through the master's cascade input), is what the guest
 * takes right after its EOIs; a masked one is not. */
static void test_intr_after_eoi(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 0);
	assert_int_equal(pic_intack(&p), 0x20);
	assert_false(pic_intr_after_eoi(&p));
	pulse(&p, 0);
	assert_false(pic_intr(&p)); /* IRQ0 is in service */
	assert_true(pic_intr_after_eoi(&p));
	assert_int_equal(p.master.isr, 0x01); /* the probe changed nothing */
	out8(&p, 0x21, 0x01);
	assert_false(pic_intr_after_eoi(&p));
	out8(&p, 0x21, 0x00);
	out8(&p, 0x20, OCW2_EOI);
	assert_int_equal(pic_intack(&p), 0x20);
	out8(&p, 0x20, OCW2_EOI);
	pulse(&p, 8);
	assert_int_equal(pic_intack(&p), 0x28);
	pulse(&p, 9);
	assert_false(pic_intr(&p)); /* IRQ8 in service on the slave, cascade in service on the master */
	assert_true(pic_intr_after_eoi(&p));
}

/* A pulse is an edge: it latches IRR on an edge-triggered input and leaves
 * the line low; on a level-triggered one (ELCR) nothing stays requested. */
static void test_pulse_irq(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pic_pulse_irq(&p, 0);
	assert_int_equal(p.master.irr, 0x01);
	assert_int_equal(p.master.lines, 0x00);
	assert_int_equal(pic_intack(&p), 0x20);
	out8(&p, 0x20, OCW2_EOI);
	out8(&p, 0x4D0, 0x08);
	pic_set_irq(&p, 3, true);
	assert_int_equal(p.master.irr, 0x08);
	pic_pulse_irq(&p, 3);
	assert_int_equal(p.master.irr, 0x00);
	assert_false(pic_intr(&p));
	pic_pulse_irq(&p, 9);
	assert_int_equal(pic_intack(&p), 0x29);
}

static void test_ocw1_mask(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0x21, 0x10);
	assert_int_equal(in8(&p, 0x21), 0x10);
	pulse(&p, 4);
	assert_int_equal(p.master.irr, 0x10);
	assert_false(pic_intr(&p));
	out8(&p, 0x21, 0x00);
	assert_int_equal(pic_intack(&p), 0x24);
}

/* Edge mode: one interrupt per rising edge; a line held high does not
 * re-request after EOI. */
static void test_edge_triggered_latch(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pic_set_irq(&p, 6, true);
	assert_int_equal(pic_intack(&p), 0x26);
	out8(&p, 0x20, OCW2_EOI);
	assert_false(pic_intr(&p));
	pic_set_irq(&p, 6, true);
	assert_false(pic_intr(&p));
	pic_set_irq(&p, 6, false);
	pic_set_irq(&p, 6, true);
	assert_true(pic_intr(&p));
}

/* Level mode (ELCR): IRR follows the line; after EOI a still-high line
 * requests again. */
static void test_level_triggered_elcr(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0x4D0, 0x20);
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_intack(&p), 0x25);
	assert_int_equal(p.master.irr, 0x20); /* not cleared by INTA */
	assert_false(pic_intr(&p));
	out8(&p, 0x20, OCW2_EOI);
	assert_true(pic_intr(&p));
	pic_set_irq(&p, 5, false);
	assert_false(pic_intr(&p));
	assert_int_equal(p.master.irr, 0x00);
}

/* ICW1 LTIM makes every input of that chip level triggered. */
static void test_ltim(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p);
	out8(&p, 0x20, ICW1_INIT | ICW1_LTIM | ICW1_SNGL);
	out8(&p, 0x21, 0x30);
	pic_set_irq(&p, 1, true);
	assert_int_equal(pic_intack(&p), 0x31);
	out8(&p, 0x20, OCW2_EOI);
	assert_int_equal(pic_intack(&p), 0x31);
}

/* PC ELCR: IRQ0, 1, 2, 8, 13 are hardwired edge (bits read 0). */
static void test_elcr_hardwired_bits(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0x4D0, 0xFF);
	out8(&p, 0x4D1, 0xFF);
	assert_int_equal(in8(&p, 0x4D0), 0xF8);
	assert_int_equal(in8(&p, 0x4D1), 0xDE);
}

/* Request gone before INTA: the master answers IR7 without setting ISR. */
static void test_spurious_irq7(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0x4D0, 0x08);
	pic_set_irq(&p, 3, true);
	assert_true(pic_intr(&p));
	pic_set_irq(&p, 3, false);
	assert_int_equal(pic_intack(&p), 0x27);
	assert_int_equal(p.master.isr, 0x00);
	/* masking between INT and INTA is the other classic cause */
	pulse(&p, 4);
	out8(&p, 0x21, 0x10);
	assert_int_equal(pic_intack(&p), 0x27);
	assert_int_equal(p.master.isr, 0x00);
}

/* Slave request gone before INTA: IRQ15 vector, master ISR2 set (so the
 * guest must EOI the master), slave ISR untouched. */
static void test_spurious_irq15(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0x4D1, 0x02);
	pic_set_irq(&p, 9, true);
	assert_true(pic_intr(&p));
	/* master INT latched, then the level request vanishes on the slave;
	 * force the master to keep IR2 (as if INTA had begun) */
	p.master.irr |= 0x04;
	p.slave.lines = 0;
	p.slave.irr = 0;
	assert_int_equal(pic_intack(&p), 0x2F);
	assert_int_equal(p.master.isr, 0x04);
	assert_int_equal(p.slave.isr, 0x00);
}

/* Cascade: slave request via master IR2; vector from the slave's ICW2;
 * both ISRs set, EOI both. */
static void test_cascade(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 10);
	assert_int_equal(p.master.irr, 0x04);
	assert_int_equal(pic_intack(&p), 0x2A);
	assert_int_equal(p.master.isr, 0x04);
	assert_int_equal(p.slave.isr, 0x04);
	pulse(&p, 12);
	pulse(&p, 8);
	assert_false(pic_intr(&p)); /* master IR2 in service */
	out8(&p, 0xA0, OCW2_EOI);
	out8(&p, 0x20, OCW2_EOI);
	assert_int_equal(pic_intack(&p), 0x28);
	out8(&p, 0xA0, OCW2_EOI);
	out8(&p, 0x20, OCW2_EOI);
	assert_int_equal(pic_intack(&p), 0x2C);
	pic_set_irq(&p, 2, true); /* the cascade input is not a device line */
	out8(&p, 0xA0, OCW2_EOI);
	out8(&p, 0x20, OCW2_EOI);
	assert_false(pic_intr(&p));
}

/* SFNM on the master: a higher slave request interrupts an in-service
 * slave request; without SFNM it waits. */
static void test_special_fully_nested(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 12);
	assert_int_equal(pic_intack(&p), 0x2C);
	pulse(&p, 9);
	assert_true(p.slave.irr & 0x02);
	assert_false(pic_intr(&p));
	setup_pc(&p, ICW4_UPM | ICW4_SFNM);
	pulse(&p, 12);
	assert_int_equal(pic_intack(&p), 0x2C);
	pulse(&p, 9);
	assert_true(pic_intr(&p));
	assert_int_equal(pic_intack(&p), 0x29);
	pulse(&p, 3); /* IR3 is still below the in-service IR2 */
	assert_false(pic_intr(&p));
}

/* OCW2 specific EOI clears the named ISR bit only. */
static void test_specific_eoi(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 6);
	assert_int_equal(pic_intack(&p), 0x26);
	pulse(&p, 4);
	assert_int_equal(pic_intack(&p), 0x24);
	out8(&p, 0x20, OCW2_SL | OCW2_EOI | 6);
	assert_int_equal(p.master.isr, 0x10);
	out8(&p, 0x20, OCW2_SL | 2); /* no operation */
	assert_int_equal(p.master.isr, 0x10);
}

/* Rotate on non-specific EOI: the serviced level becomes lowest. */
static void test_rotate_nonspecific_eoi(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 3);
	assert_int_equal(pic_intack(&p), 0x23);
	out8(&p, 0x20, OCW2_R | OCW2_EOI);
	assert_int_equal(p.master.lowest, 3);
	assert_int_equal(p.master.isr, 0);
	pulse(&p, 1);
	pulse(&p, 4);
	assert_int_equal(pic_intack(&p), 0x24); /* 4 now highest */
}

/* Rotate on specific EOI and set priority: L becomes the lowest. */
static void test_rotate_specific_and_set_priority(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 5);
	assert_int_equal(pic_intack(&p), 0x25);
	out8(&p, 0x20, OCW2_R | OCW2_SL | OCW2_EOI | 5);
	assert_int_equal(p.master.isr, 0);
	assert_int_equal(p.master.lowest, 5);
	out8(&p, 0x20, OCW2_R | OCW2_SL | 1);
	assert_int_equal(p.master.lowest, 1);
	pulse(&p, 0);
	pulse(&p, 2 + 5);
	assert_int_equal(pic_intack(&p), 0x27); /* 2 highest, then 3.., 7 before 0 */
}

/* AEOI: ISR is not set at INTA; rotate-in-AEOI rotates at INTA. */
static void test_aeoi_and_rotate(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM | ICW4_AEOI);
	pulse(&p, 3);
	assert_int_equal(pic_intack(&p), 0x23);
	assert_int_equal(p.master.isr, 0);
	assert_int_equal(p.master.lowest, 7);
	out8(&p, 0x20, OCW2_R); /* rotate in AEOI mode (set) */
	pulse(&p, 3);
	assert_int_equal(pic_intack(&p), 0x23);
	assert_int_equal(p.master.lowest, 3);
	out8(&p, 0x20, 0x00); /* rotate in AEOI mode (clear) */
	assert_false(p.master.rotate_aeoi);
	pulse(&p, 5);
	assert_int_equal(pic_intack(&p), 0x25);
	assert_int_equal(p.master.lowest, 3);
}

/* OCW3 RR/RIS select IRR or ISR for reads of A0=0; the choice sticks. */
static void test_ocw3_read_registers(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 1);
	pulse(&p, 3);
	(void)pic_intack(&p);
	assert_int_equal(in8(&p, 0x20), 0x08); /* IRR after ICW1 */
	out8(&p, 0x20, OCW3_SEL | OCW3_RR | OCW3_RIS);
	assert_int_equal(in8(&p, 0x20), 0x02);
	assert_int_equal(in8(&p, 0x20), 0x02);
	out8(&p, 0x20, OCW3_SEL); /* RR=0: no change */
	assert_int_equal(in8(&p, 0x20), 0x02);
	out8(&p, 0x20, OCW3_SEL | OCW3_RR);
	assert_int_equal(in8(&p, 0x20), 0x08);
}

/* Poll command: next read gives I + W2..W0 and acts as INTA. */
static void test_poll_command(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0x20, OCW3_SEL | OCW3_P);
	assert_int_equal(in8(&p, 0x20), 0x00);
	pulse(&p, 6);
	out8(&p, 0x20, OCW3_SEL | OCW3_P);
	assert_int_equal(in8(&p, 0x20), 0x86);
	assert_int_equal(p.master.isr, 0x40);
	assert_int_equal(p.master.irr, 0x00);
	assert_int_equal(in8(&p, 0x20), 0x00); /* back to IRR read */
}

/* Special mask mode: masking the in-service level enables lower levels. */
static void test_special_mask_mode(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	pulse(&p, 3);
	assert_int_equal(pic_intack(&p), 0x23);
	pulse(&p, 6);
	assert_false(pic_intr(&p));
	out8(&p, 0x21, 0x08);
	out8(&p, 0x20, OCW3_SEL | OCW3_ESMM | OCW3_SMM);
	assert_true(pic_intr(&p));
	assert_int_equal(pic_intack(&p), 0x26);
	assert_int_equal(p.master.isr, 0x48);
	out8(&p, 0x20, OCW3_SEL | OCW3_ESMM);
	assert_false(p.master.special_mask);
	out8(&p, 0x20, OCW3_SEL | OCW3_SMM); /* SMM without ESMM: no change */
	assert_false(p.master.special_mask);
}

/* Word access is two byte cycles: low byte to port, high byte to port+1. */
static void test_word_access(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	uint32_t v = 0xA50B; /* OCW3 read ISR, then OCW1 0xA5 */
	pic_io(&p, false, 0x20, 2, &v);
	assert_int_equal(p.master.imr, 0xA5);
	assert_true(p.master.read_isr);
	v = 0;
	pic_io(&p, true, 0x20, 2, &v);
	assert_int_equal(v, 0xA500);
	pic_io(&p, true, 0x4D0, 4, &v);
	assert_int_equal(v, 0xFFFF0000);
}

/* Slave with two pending: the second is delivered after the first's EOI. */
static void test_cascade_second_request(void **state)
{
	(void)state;
	struct pic p;
	setup_pc(&p, ICW4_UPM);
	out8(&p, 0xA0, ICW1_INIT | ICW1_IC4);
	out8(&p, 0xA1, 0x28);
	out8(&p, 0xA1, 0x02);
	out8(&p, 0xA1, ICW4_UPM | ICW4_AEOI);
	pulse(&p, 9);
	pulse(&p, 11);
	assert_int_equal(pic_intack(&p), 0x29);
	out8(&p, 0x20, OCW2_EOI);
	assert_true(pic_intr(&p));
	assert_int_equal(pic_intack(&p), 0x2B);
}

/* What pic_intr_if_raised must answer, the slow way: a copy of the pair,
 * its ISRs cleared for after_eoi, the input raised, the cascade brought up
 * to date (a slave input set to the level it has), INTR read. */
static bool reference_if_raised(const struct pic *p, unsigned irq, bool after_eoi)
{
	struct pic c = *p;
	if (after_eoi)
		c.master.isr = c.slave.isr = 0;
	pic_set_irq(&c, irq, true);
	pic_set_irq(&c, 15, c.slave.lines & 0x80);
	return pic_intr(&c);
}

/* pic_intr_if_raised and pic_intr_after_eoi work the answer out without a
 * copy; over many states reached the way guests reach them (programming,
 * lines, acknowledges, EOIs), they give what changing a copy gives. */
static void test_probe_matches_a_copy(void **state)
{
	(void)state;
	static const uint16_t ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1};
	uint32_t seed = 12345;
	for (unsigned round = 0; round < 2000; round++) {
		struct pic p;
		pic_init(&p);
		setup_pc(&p, round & 1 ? 0x03 : 0x01); /* AEOI on every other */
		for (unsigned step = 0; step < 12; step++) {
			seed = seed * 1103515245u + 12345u;
			unsigned what = (seed >> 16) % 4, arg = (seed >> 20) & 0xFF;
			if (what == 0)
				out8(&p, ports[arg % 6], (uint8_t)(seed >> 8));
			else if (what == 1)
				pic_set_irq(&p, arg & 15, arg & 16);
			else if (what == 2)
				(void)pic_intack(&p);
			else
				out8(&p, arg & 1 ? 0xA0 : 0x20, 0x20); /* EOI */
			for (unsigned irq = 0; irq < 16; irq++)
				for (unsigned eoi = 0; eoi < 2; eoi++)
					assert_int_equal(pic_intr_if_raised(&p, irq, eoi),
							 irq == PIC_CASCADE_IRQ ? pic_probe(&p, 0, eoi)
										: reference_if_raised(&p, irq, eoi));
			assert_int_equal(pic_intr_after_eoi(&p), reference_if_raised(&p, PIC_CASCADE_IRQ, true));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_defaults),
		cmocka_unit_test(test_icw2_vector_base),
		cmocka_unit_test(test_icw1_resets_state),
		cmocka_unit_test(test_icw_single_no_ic4),
		cmocka_unit_test(test_fully_nested_priority),
		cmocka_unit_test(test_ocw1_mask),
		cmocka_unit_test(test_edge_triggered_latch),
		cmocka_unit_test(test_level_triggered_elcr),
		cmocka_unit_test(test_ltim),
		cmocka_unit_test(test_elcr_hardwired_bits),
		cmocka_unit_test(test_spurious_irq7),
		cmocka_unit_test(test_spurious_irq15),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_special_fully_nested),
		cmocka_unit_test(test_specific_eoi),
		cmocka_unit_test(test_rotate_nonspecific_eoi),
		cmocka_unit_test(test_rotate_specific_and_set_priority),
		cmocka_unit_test(test_aeoi_and_rotate),
		cmocka_unit_test(test_ocw3_read_registers),
		cmocka_unit_test(test_poll_command),
		cmocka_unit_test(test_special_mask_mode),
		cmocka_unit_test(test_word_access),
		cmocka_unit_test(test_cascade_second_request),
		cmocka_unit_test(test_intr_after_eoi),
		cmocka_unit_test(test_pulse_irq),
		cmocka_unit_test(test_probe_matches_a_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
