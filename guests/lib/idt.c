/* IDT setup and C dispatch for both widths (SDM Vol. 3A, 6.11 and 6.14.1). */
#include "guests/lib/idt.h"

#include "guests/lib/console.h"
#include "guests/lib/io.h"
#include "guests/lib/pic.h"

#define GATE_INTR 0x8E /* present, DPL 0, interrupt gate (32- or 64-bit by mode) */

#ifdef __x86_64__
struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");
#else
struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t zero, type;
	uint16_t offset_hi;
};
_Static_assert(sizeof(struct idt_gate) == 8, "32-bit IDT gate is 8 bytes");
#endif

struct idtr {
	uint16_t limit;
	unsigned long base;
} __attribute__((packed));

extern const unsigned long trap_stubs[IDT_VECTORS]; /* trap32.asm / trap64.asm */

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static trap_handler handlers[IDT_VECTORS];

void idt_init(void)
{
	uint16_t cs;
	/* Use the CS we were started with: 0x08 for ELF32, 0x18 for ELF64 under Kestrel. */
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		unsigned long off = trap_stubs[v];
		struct idt_gate *g = &idt[v];
		g->offset_lo = (uint16_t)off;
		g->selector = cs;
		g->type = GATE_INTR;
#ifdef __x86_64__
		g->ist = 0;
		g->offset_mid = (uint16_t)(off >> 16);
		g->offset_hi = (uint32_t)(off >> 32);
		g->reserved = 0;
#else
		g->zero = 0;
		g->offset_hi = (uint16_t)(off >> 16);
#endif
	}
	struct idtr idtr = {sizeof(idt) - 1, (unsigned long)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void idt_set_handler(unsigned vector, trap_handler handler)
{
	if (vector < IDT_VECTORS)
		handlers[vector] = handler;
}

static void default_irq(unsigned irq)
{
	/*
	 * A spurious IRQ7/IRQ15 has no ISR bit set and must not get an EOI
	 * (8259A datasheet, "Interrupt Sequence"); anything else does.
	 */
	if (pic_read_isr() & (1u << irq))
		pic_eoi(irq);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < IDT_VECTORS && handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	if (f->vector >= VEC_IRQ0) {
		default_irq((unsigned)(f->vector - VEC_IRQ0));
		return;
	}
	printf("unexpected exception %lu (error 0x%lx) at %lx:%lx flags 0x%lx\n", f->vector, f->error, f->cs, f->ip,
	       f->flags);
	guest_exit(128 + (uint32_t)f->vector);
}
