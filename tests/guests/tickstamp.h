/*
 * Time-stamped PIT ticks for the benchmark guests of 64-bit long mode
 * (irqbench.c, latbench.c): an IRQ0 handler whose third instruction is
 * RDTSC, the 8259A with an EOI from the handler after its time stamp, or in
 * auto-EOI mode, and counter 0 as a rate generator. Include it once, after
 * defining TICKS_MAX (the ticks whose time stamps are kept).
 */
#ifndef TICKSTAMP_H
#define TICKSTAMP_H

#include <stdint.h>

#include "guests/lib/idt.h"
#include "guests/lib/io.h"
#include "guests/lib/pic.h"
#include "guests/lib/pit.h"

/* Instructions of the handler before its RDTSC (the two pushes). */
#define TICK_PROLOGUE 2

#define TS_STR(x) #x
#define TS_XSTR(x) TS_STR(x)

/* The handler writes these; global, because the assembly below names them. */
uint64_t tick_at[TICKS_MAX];   /* TSC at the handler's RDTSC, per tick */
uint64_t tick_last[TICKS_MAX]; /* spin_last when the tick came */
volatile uint64_t tick_count;  /* ticks taken, also those beyond TICKS_MAX */
volatile uint64_t spin_last;   /* the last TSC a spin loop stored (irqbench) */
uint8_t tick_eoi;              /* the handler ends the service (no auto-EOI) */

void tick_stub(void);

/*
 * RAX and RDX must be saved before RDTSC overwrites them, hence the two
 * pushes first (TICK_PROLOGUE); the rest, the EOI's exit included, comes
 * after the time stamp and is not part of the time to it.
 */
__asm__(".text\n"
	".globl tick_stub\n"
	"tick_stub:\n"
	"	push %rax\n"
	"	push %rdx\n"
	"	rdtsc\n"
	"	push %rcx\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	mov tick_count(%rip), %rcx\n"
	"	cmp $" TS_XSTR(TICKS_MAX) ", %rcx\n"
	"	jae 1f\n"
	"	mov %rax, tick_at(,%rcx,8)\n"
	"	mov spin_last(%rip), %rax\n"
	"	mov %rax, tick_last(,%rcx,8)\n"
	"1:	inc %rcx\n"
	"	mov %rcx, tick_count(%rip)\n"
	"	cmpb $0, tick_eoi(%rip)\n"
	"	je 2f\n"
	"	mov $" TS_XSTR(OCW2_EOI) ", %al\n"
	"	out %al, $" TS_XSTR(PIC1_CMD) "\n"
	"2:\n"
	"	pop %rcx\n"
	"	pop %rdx\n"
	"	pop %rax\n"
	"	iretq\n");

struct idt_gate64 {
	uint16_t offset_lo, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
};

struct idtr64 {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The library's IDT for every other vector; IRQ0's gate points at tick_stub,
 * past the library's C dispatch, whose register saves would come first. */
static void tick_install_handler(void)
{
	struct idtr64 idtr;
	idt_init();
	__asm__ volatile("sidt %0" : "=m"(idtr));
	struct idt_gate64 *g = (struct idt_gate64 *)idtr.base + VEC_IRQ0;
	uint64_t off = (uint64_t)(uintptr_t)tick_stub;
	g->offset_lo = (uint16_t)off;
	g->offset_mid = (uint16_t)(off >> 16);
	g->offset_hi = (uint32_t)(off >> 32);
}

/* The pair as pic_init sets it up, with ICW4.AEOI if aeoi: the second
 * INTA then ends the service, and the handler sends no EOI (8259A
 * datasheet, "Automatic End of Interrupt (AEOI) Mode"). */
static void tick_pic_init(int aeoi)
{
	uint8_t icw4 = (uint8_t)(ICW4_8086 | (aeoi ? ICW4_AEOI : 0));
	outb(PIC1_CMD, ICW1_INIT | ICW1_IC4);
	outb(PIC1_DATA, VEC_IRQ0);
	outb(PIC1_DATA, 1 << 2);
	outb(PIC1_DATA, icw4);
	outb(PIC2_CMD, ICW1_INIT | ICW1_IC4);
	outb(PIC2_DATA, VEC_IRQ8);
	outb(PIC2_DATA, 2);
	outb(PIC2_DATA, icw4);
	pic_set_mask(0xFFFF);
	tick_eoi = !aeoi;
}

/* Handler, PIC and counter 0 at PIT_HZ / divisor; interrupts stay off. */
static void tick_start(uint16_t divisor, int aeoi)
{
	tick_install_handler();
	tick_pic_init(aeoi);
	tick_count = 0;
	pit_start_periodic(divisor);
	pic_unmask(0);
}

static void tick_stop(void)
{
	cli();
	pic_set_mask(0xFFFF);
}

/* TSC ticks of n PIT periods of `divisor` clocks, rounded to nearest. */
static uint64_t tick_period_tsc(uint64_t n, uint16_t divisor, uint64_t tsc_hz)
{
	return (n * divisor * tsc_hz + PIT_HZ / 2) / PIT_HZ;
}

/* Sorts v[0..n) in place (a few hundred values at most). */
static void tick_sort(int64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		int64_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

#endif
