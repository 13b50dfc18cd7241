/* The host IDT, its exception handler and its 8259A pair. A host exception
 * is always a Kestrel bug: print everything that helps find it, then stop
 * the machine. The one host interrupt is COM1's IRQ4 (kernel/serial.c). */
#include "kernel/trap.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/gdt.h"
#include "kernel/panic.h"
#include "kernel/serial.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes (SDM 3A 6.14.1)");

#define GATE_INTERRUPT 0x8E /* P, DPL0, 64-bit interrupt gate */

extern const uint64_t isr_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization exception", "#CP control protection",
};

static void idt_set(unsigned vector, uint64_t handler, unsigned ist)
{
	idt[vector] = (struct idt_gate){
		.offset_low = handler & 0xFFFF,
		.selector = GDT_KERNEL_CS,
		.ist = ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (handler >> 16) & 0xFFFF,
		.offset_high = handler >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		unsigned ist = v == 8 ? IST_DOUBLE_FAULT : v == 2 ? IST_NMI : v == 18 ? IST_MACHINE_CHECK : 0;
		idt_set(v, isr_table[v], ist);
	}
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" ::"m"(p));
}

uint64_t idt_base(void) { return (uint64_t)(uintptr_t)idt; }

/* The host runs with interrupts off but for short windows, and the legacy
 * PICs masked but for the lines its drivers unmask (host_pic_unmask); remap
 * them (ICW1-ICW4, Intel 8259A datasheet) so an IRQ cannot look like an
 * exception. */
#define PIC1 0x20
#define PIC2 0xA0
#define PIC_VECTOR_BASE 0x20
#define PIC_SPURIOUS_IR 7
#define OCW2_EOI 0x20      /* non-specific EOI */
#define OCW3_READ_ISR 0x0B /* the next read of the command port returns ISR */

void host_pic_mask(void)
{
	outb(PIC1, 0x11); /* ICW1: edge, cascade, ICW4 needed */
	outb(PIC2, 0x11);
	outb(PIC1 + 1, PIC_VECTOR_BASE);
	outb(PIC2 + 1, PIC_VECTOR_BASE + 8);
	outb(PIC1 + 1, 0x04); /* ICW3: slave on IR2 */
	outb(PIC2 + 1, 0x02);
	outb(PIC1 + 1, 0x01); /* ICW4: 8086 mode */
	outb(PIC2 + 1, 0x01);
	outb(PIC1 + 1, 0xFF);
	outb(PIC2 + 1, 0xFF);
}

/* Master lines only: nothing of the host's sits behind the slave. */
void host_pic_unmask(unsigned irq)
{
	outb(PIC1 + 1, inb(PIC1 + 1) & (uint8_t)~(1u << irq));
}

/*
 * An IR line that drops before the first INTA pulse still gets its
 * interrupt, but as IR7 of that 8259A, with no ISR bit set (datasheet,
 * "Interrupt Sequence"). Such a spurious IR7 takes no EOI from that chip,
 * which would end another level's service; one from the slave still had the
 * master put IR2 in service, which does.
 */
static bool pic_spurious(uint16_t port, unsigned ir)
{
	if (ir != PIC_SPURIOUS_IR)
		return false;
	outb(port, OCW3_READ_ISR);
	return !(inb(port) & (1u << PIC_SPURIOUS_IR));
}

static void trap_irq(uint64_t vector)
{
	if (vector < PIC_VECTOR_BASE || vector >= PIC_VECTOR_BASE + 16)
		return; /* not from the PICs: nothing to acknowledge */
	unsigned irq = (unsigned)(vector - PIC_VECTOR_BASE);
	if (irq >= 8) {
		if (!pic_spurious(PIC2, irq - 8))
			outb(PIC2, OCW2_EOI);
		outb(PIC1, OCW2_EOI);
		return;
	}
	if (pic_spurious(PIC1, irq))
		return;
	if (irq == SERIAL_IRQ)
		serial_irq(); /* it clears the UART's sources first: INTR low, then the EOI */
	outb(PIC1, OCW2_EOI);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= 32) {
		trap_irq(f->vector);
		return;
	}
	const char *name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector] : "exception";
	kprintf("\nKestrel: host exception %lu (%s), error code 0x%lx\n", f->vector, name, f->error_code);
	kprintf("  RIP %04lx:%016lx  RFLAGS %016lx  CR2 %016lx\n", f->cs, f->rip, f->rflags, read_cr2());
	kprintf("  RSP %04lx:%016lx\n", f->ss, f->rsp);
	struct panic_regs r = {
		.rax = f->rax, .rbx = f->rbx, .rcx = f->rcx, .rdx = f->rdx, .rsi = f->rsi, .rdi = f->rdi,
		.rbp = f->rbp, .rsp = f->rsp, .r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11,
		.r12 = f->r12, .r13 = f->r13, .r14 = f->r14, .r15 = f->r15, .rip = f->rip, .rflags = f->rflags,
	};
	panic_with_regs(&r, "unhandled host exception %lu", f->vector);
}
