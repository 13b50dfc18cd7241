/*
 * IDT with stubs for vectors 0-47 (exceptions and the two PICs at 0x20/0x28),
 * dispatching to C handlers. Interrupt gates, so handlers run with IF=0.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

#define IDT_VECTORS 48
#define VEC_UD      6
#define VEC_GP      13
#define VEC_IRQ0    0x20 /* where our guests put the master PIC (pic_init) */
#define VEC_IRQ8    0x28

/* Laid out by trap32.asm / trap64.asm: saved registers, then what the CPU pushed. */
struct trap_frame {
#ifdef __x86_64__
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
#else
	uint32_t edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax; /* PUSHAD order */
#endif
	unsigned long vector, error; /* error is 0 for vectors without one */
	unsigned long ip, cs, flags; /* IRET frame (RSP/SS follow in 64-bit) */
};

typedef void (*trap_handler)(struct trap_frame *frame);

/*
 * Load an IDT whose every vector has a default handler: exceptions print the
 * frame and end the guest with exit code 128 + vector; stray IRQs are EOI'd
 * (unless spurious) and ignored.
 */
void idt_init(void);
void idt_set_handler(unsigned vector, trap_handler handler);
void trap_dispatch(struct trap_frame *frame); /* called by the asm stubs */

#endif
