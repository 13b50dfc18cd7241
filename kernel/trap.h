/* Host exception and interrupt handling: the IDT, the frame the entry stubs
 * build, the 8259A pair. */
#ifndef KESTREL_KERNEL_TRAP_H
#define KESTREL_KERNEL_TRAP_H

#include <stdint.h>

/* Laid out by kernel/isr.asm, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void idt_init(void);
void trap_dispatch(struct trap_frame *f);
uint64_t idt_base(void);
/* Remap the legacy 8259A pair away from the exception vectors and mask it. */
void host_pic_mask(void);
/* Let one line of the master 8259A through (its vector: 0x20 + irq). */
void host_pic_unmask(unsigned irq);

#endif
