/* panic(): print the reason and a register dump on the raw serial port (never
 * through the monitor, which may be what broke), then power off or halt. */
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/power.h"
#include <stdarg.h>

static void panic_dump(const struct panic_regs *r)
{
	kprintf("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	kprintf("  RSI %016lx RDI %016lx RBP %016lx RSP %016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	kprintf("  R8  %016lx R9  %016lx R10 %016lx R11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	kprintf("  R12 %016lx R13 %016lx R14 %016lx R15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
	kprintf("  RIP %016lx RFLAGS %016lx\n", r->rip, r->rflags);
	kprintf("  CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static void __attribute__((noreturn)) panic_finish(const struct panic_regs *r, const char *msg)
{
	__asm__ volatile("cli");
	console_set_sink(0, 0);
	kputs("\nKestrel PANIC: ");
	kputs(msg);
	kputs("\n");
	panic_dump(r);
	kputs("Kestrel: halted\n");
	power_off(PANIC_EXIT_CODE);
}

void panic_with_regs(const struct panic_regs *r, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic_finish(r, msg);
}

void panic(const char *fmt, ...)
{
	struct panic_regs r;
	__asm__ volatile("mov %%rax, %0\n\tmov %%rbx, %1\n\tmov %%rcx, %2\n\tmov %%rdx, %3\n\t"
			 "mov %%rsi, %4\n\tmov %%rdi, %5\n\tmov %%rbp, %6\n\tmov %%rsp, %7"
			 : "=m"(r.rax), "=m"(r.rbx), "=m"(r.rcx), "=m"(r.rdx), "=m"(r.rsi), "=m"(r.rdi),
			   "=m"(r.rbp), "=m"(r.rsp));
	__asm__ volatile("mov %%r8, %0\n\tmov %%r9, %1\n\tmov %%r10, %2\n\tmov %%r11, %3\n\t"
			 "mov %%r12, %4\n\tmov %%r13, %5\n\tmov %%r14, %6\n\tmov %%r15, %7"
			 : "=m"(r.r8), "=m"(r.r9), "=m"(r.r10), "=m"(r.r11), "=m"(r.r12), "=m"(r.r13),
			   "=m"(r.r14), "=m"(r.r15));
	r.rip = (uint64_t)(uintptr_t)__builtin_return_address(0);
	r.rflags = read_rflags();
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic_finish(&r, msg);
}
