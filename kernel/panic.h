/* panic(): a broken host invariant. Prints why and the registers, then stops. */
#ifndef KESTREL_KERNEL_PANIC_H
#define KESTREL_KERNEL_PANIC_H

#include <stdint.h>

struct panic_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

void __attribute__((noreturn, format(printf, 1, 2))) panic(const char *fmt, ...);
void __attribute__((noreturn, format(printf, 2, 3))) panic_with_regs(const struct panic_regs *r, const char *fmt, ...);

#define PANIC_EXIT_CODE 0x7F

#define ASSERT(cond)                                                                                                   \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);                              \
	} while (0)

#endif
