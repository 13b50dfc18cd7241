/*
 * selftest: checks Kestrel's emulated devices from inside the VM against the
 * datasheet values (Intel 8259A, Intel 82C54, NS PC16550D) plus the CPUID and
 * hypercall contract. One line per check, "PASS name" or "FAIL name got X
 * expected Y", then "selftest: N passed, M failed"; exit code = M.
 * Output goes to port 0xE9 so printing never disturbs the UART under test.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/idt.h"
#include "guests/lib/io.h"
#include "guests/lib/pic.h"
#include "guests/lib/pit.h"
#include "guests/lib/string.h"
#include "guests/lib/uart.h"

#define WAIT_LIMIT     2000000u /* polls (each an exit, ~1 us): seconds, not forever */
#define VMCALL_FAULTED 0xBAD0C0DEu

static unsigned passed, failed;

static void check(const char *name, uint32_t got, uint32_t expected)
{
	if (got == expected) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s got 0x%x expected 0x%x\n", name, got, expected);
	}
}

/* Without a hypervisor (bare QEMU) VMCALL is #UD: report a FAIL, not a crash. */
static void on_ud(struct trap_frame *f)
{
	const uint8_t *ip = (const uint8_t *)f->ip;
	if (ip[0] == 0x0F && ip[1] == 0x01 && ip[2] == 0xC1) { /* VMCALL */
		f->eax = VMCALL_FAULTED;
		f->ip += 3;
		return;
	}
	printf("FAIL unexpected #UD at 0x%lx\n", f->ip);
	guest_exit(0xFF);
}

static void test_cpu(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	check("cpuid.1.ecx.hypervisor", r[2] >> 31, 1);
	check("cpuid.1.ecx.vmx", (r[2] >> 5) & 1, 0);
	cpuid(KESTREL_CPUID_BASE, 0, r);
	check("cpuid.40000000.signature",
	      memcmp(&r[1], "Kest", 4) == 0 && memcmp(&r[2], "relV", 4) == 0 && memcmp(&r[3], "isor", 4) == 0, 1);
	check("hc.version", (uint32_t)hc_version(), KESTREL_HC_ABI_VERSION);
	check("hc.unknown_is_enosys", (uint32_t)hypercall(0x7FFF, 0, 0, 0), (uint32_t)HC_ENOSYS);
	static const char msg[] = "selftest: HC_CONSOLE_WRITE works\n";
	check("hc.console_write", (uint32_t)hc_console_write(msg, sizeof(msg) - 1), sizeof(msg) - 1);
}

static uint8_t uart_in(unsigned reg)
{
	return inb(COM1_BASE + reg);
}
static void uart_out(unsigned reg, uint8_t v)
{
	outb(COM1_BASE + reg, v);
}

static uint8_t uart_wait_lsr(uint8_t bits)
{
	uint8_t lsr = 0;
	for (unsigned i = 0; i < WAIT_LIMIT; i++)
		if (((lsr = uart_in(UART_LSR)) & bits) == bits)
			break;
	return lsr;
}

static void test_uart(void)
{
	/* First, before anything writes to the UART: its state after reset. */
	check("uart.iir_after_reset", uart_in(UART_IIR), IIR_NO_INT);
	check("uart.lsr_idle", uart_in(UART_LSR), LSR_THRE | LSR_TEMT);
	check("uart.ier_after_reset", uart_in(UART_IER), 0x00);

	uart_out(UART_SCR, 0xA5);
	check("uart.scr_a5", uart_in(UART_SCR), 0xA5);
	uart_out(UART_SCR, 0x5A);
	check("uart.scr_5a", uart_in(UART_SCR), 0x5A);

	uart_out(UART_LCR, LCR_EPS | LCR_PEN | LCR_WLS_8); /* 8E1 */
	check("uart.lcr", uart_in(UART_LCR), 0x1B);
	uart_out(UART_LCR, LCR_DLAB | LCR_WLS_8);
	uart_out(UART_DLL, 0x34);
	uart_out(UART_DLM, 0x12);
	check("uart.dlab.lcr", uart_in(UART_LCR), 0x83);
	check("uart.dlab.dll", uart_in(UART_DLL), 0x34);
	check("uart.dlab.dlm", uart_in(UART_DLM), 0x12);
	uart_out(UART_DLL, 0x01); /* back to 115200 */
	uart_out(UART_DLM, 0x00);
	uart_out(UART_LCR, LCR_WLS_8);
	check("uart.dlab_off_ier_visible", uart_in(UART_IER), 0x00);

	uart_out(UART_FCR, FCR_FIFO_ENABLE | FCR_RCVR_RESET | FCR_XMIT_RESET);
	check("uart.fcr_enable_iir", uart_in(UART_IIR), IIR_FIFO_ON | IIR_NO_INT);
	uart_out(UART_FCR, 0);
	check("uart.fcr_disable_iir", uart_in(UART_IIR), IIR_NO_INT);

	/* Loopback: the transmitter feeds the receiver; modem outputs feed inputs. */
	uart_out(UART_MCR, MCR_LOOP);
	uart_out(UART_THR, 0x5A);
	check("uart.loop.lsr_dr", uart_wait_lsr(LSR_DR) & LSR_DR, LSR_DR);
	check("uart.loop.rbr", uart_in(UART_RBR), 0x5A);
	check("uart.loop.lsr_after_read", uart_wait_lsr(LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);

	static const struct {
		const char *name;
		uint8_t mcr, msr;
	} map[] = {
	    {"uart.loop.msr_dtr_dsr", MCR_DTR, MSR_DSR},
	    {"uart.loop.msr_rts_cts", MCR_RTS, MSR_CTS},
	    {"uart.loop.msr_out1_ri", MCR_OUT1, MSR_RI},
	    {"uart.loop.msr_out2_dcd", MCR_OUT2, MSR_DCD},
	};
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		uart_out(UART_MCR, MCR_LOOP | map[i].mcr);
		check(map[i].name, uart_in(UART_MSR) & 0xF0, map[i].msr);
	}

	/* Delta bits: set by a change, cleared by reading MSR; TERI only on RI 1->0. */
	uart_out(UART_MCR, MCR_LOOP);
	uart_in(UART_MSR);
	check("uart.msr.quiet", uart_in(UART_MSR), 0x00);
	uart_out(UART_MCR, MCR_LOOP | MCR_DTR | MCR_RTS);
	check("uart.msr.delta_cts_dsr", uart_in(UART_MSR), MSR_DSR | MSR_CTS | MSR_DDSR | MSR_DCTS);
	check("uart.msr.delta_cleared", uart_in(UART_MSR), MSR_DSR | MSR_CTS);
	uart_out(UART_MCR, MCR_LOOP | MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);
	check("uart.msr.delta_dcd_no_teri", uart_in(UART_MSR), 0xF0 | MSR_DDCD);
	uart_out(UART_MCR, MCR_LOOP);
	check("uart.msr.delta_all_fall", uart_in(UART_MSR), MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
	check("uart.msr.quiet_again", uart_in(UART_MSR), 0x00);
	uart_out(UART_MCR, 0);
}

/* Start PIT counter 0 in mode 0 (interrupt on terminal count) with `count`. */
static void pit0_mode0(uint16_t count)
{
	outb(PIT_CMD, PIT_SC(0) | PIT_RW_BOTH | PIT_MODE(0));
	outb(PIT_CH(0), (uint8_t)count);
	outb(PIT_CH(0), (uint8_t)(count >> 8));
}

static uint8_t pit_wait_out(unsigned ch)
{
	uint8_t st = 0;
	for (unsigned i = 0; i < WAIT_LIMIT; i++)
		if ((st = pit_read_status(ch)) & PIT_ST_OUT)
			break;
	return st;
}

static void test_pic(void)
{
	pic_init(VEC_IRQ0, VEC_IRQ8);
	outb(PIC1_DATA, 0xB5);
	outb(PIC2_DATA, 0x5A);
	check("pic.master_imr", inb(PIC1_DATA), 0xB5);
	check("pic.slave_imr", inb(PIC2_DATA), 0x5A);
	pic_set_mask(0xFFFF);

	outb(PIC_ELCR1, 0xFF);
	check("pic.elcr1_hardwired", inb(PIC_ELCR1), 0xF8); /* IRQ0-2 are edge only */
	outb(PIC_ELCR2, 0x0C);
	check("pic.elcr2", inb(PIC_ELCR2), 0x0C);
	outb(PIC_ELCR1, 0);
	outb(PIC_ELCR2, 0);

	/*
	 * Make one IRQ0 edge: mode 0 drops OUT when programmed and raises it at
	 * terminal count (82C54 "Mode 0"). IRR latches the edge even while IMR
	 * masks it; IF stays 0 so nothing is delivered to the CPU.
	 */
	pit0_mode0(0x8000); /* ~27 ms: long enough to see OUT low first */
	check("pit.mode0.out_low", pit_read_status(0) & PIT_ST_OUT, 0);
	check("pit.mode0.out_high_at_tc", pit_wait_out(0), PIT_ST_OUT | PIT_RW_BOTH | PIT_MODE(0));

	outb(PIC1_CMD, PIC_READ_IRR);
	check("pic.irr_irq0", inb(PIC1_CMD) & 0x01, 0x01);
	outb(PIC1_CMD, PIC_READ_ISR);
	check("pic.isr_empty", inb(PIC1_CMD), 0x00);
	check("pic.isr_select_sticks", inb(PIC1_CMD), 0x00);

	/* Poll command: the next read acts as INTA and returns 0x80 | level. */
	outb(PIC1_DATA, 0xFE);
	outb(PIC1_CMD, PIC_POLL);
	check("pic.poll", inb(PIC1_CMD), 0x80 | 0);
	outb(PIC1_CMD, PIC_READ_ISR);
	check("pic.poll_sets_isr", inb(PIC1_CMD), 0x01);
	outb(PIC1_CMD, OCW2_EOI);
	check("pic.eoi_clears_isr", inb(PIC1_CMD), 0x00);
	outb(PIC1_CMD, PIC_POLL);
	check("pic.poll_nothing_pending", inb(PIC1_CMD) & 0x80, 0x00);
	pic_set_mask(0xFFFF);
}

static void test_pit(void)
{
	/* Status after a control word: NULL COUNT 1 until the count is loaded; mode 2 OUT starts high. */
	outb(PIT_CMD, PIT_SC(0) | PIT_RW_BOTH | PIT_MODE(2));
	check("pit.status_after_control", pit_read_status(0), PIT_ST_OUT | PIT_ST_NULL | 0x34);
	outb(PIT_CH(0), 0x00); /* count 0 = 65536 */
	outb(PIT_CH(0), 0x00);
	pit_read_status(0); /* a little time: the count loads on the next CLK */
	check("pit.status_mode2", pit_read_status(0), PIT_ST_OUT | 0x34);

	/* Counter 2, gate low: loaded but not counting, OUT2 low (mode 0). */
	uint8_t portb = inb(PORT_B) & 0x0F; /* bits 4-7 are status, read only */
	outb(PORT_B, portb & ~(PORTB_GATE2 | PORTB_SPKR));
	outb(PIT_CMD, PIT_SC(2) | PIT_RW_BOTH | PIT_MODE(0));
	outb(PIT_CH(2), 0x34);
	outb(PIT_CH(2), 0x12);
	pit_read_status(2);
	check("pit.ch2.status_gate_low", pit_read_status(2), PIT_RW_BOTH | PIT_MODE(0));
	check("pit.ch2.out2_low", inb(PORT_B) & PORTB_OUT2, 0);
	check("pit.latch", pit_latch_count(2), 0x1234);
	check("pit.latch_again", pit_latch_count(2), 0x1234);

	/* Latch, then let it count: the latched value must not move. */
	outb(PIT_CMD, PIT_SC(2) | PIT_LATCH);
	outb(PORT_B, (portb & ~PORTB_SPKR) | PORTB_GATE2);
	uint8_t b = 0;
	for (unsigned i = 0; i < WAIT_LIMIT && !(b & PORTB_OUT2); i++)
		b = inb(PORT_B);
	check("pit.ch2.out2_high_at_tc", b & PORTB_OUT2, PORTB_OUT2);
	uint8_t lo = inb(PIT_CH(2));
	check("pit.latch_frozen", (uint32_t)(lo | inb(PIT_CH(2)) << 8), 0x1234);
	check("pit.ch2.status_at_tc", pit_read_status(2), PIT_ST_OUT | PIT_RW_BOTH | PIT_MODE(0));
	check("pit.count_moves", pit_latch_count(2) != 0x1234, 1);
	outb(PORT_B, portb & ~(PORTB_GATE2 | PORTB_SPKR));
}

int main(void)
{
	console_set_sink(CONSOLE_E9);
	idt_init();
	idt_set_handler(VEC_UD, on_ud);
	printf("selftest: checking the emulated devices\n");
	test_uart(); /* first: it checks the UART's reset state */
	test_cpu();
	test_pic();
	test_pit();
	printf("selftest: %u passed, %u failed\n", passed, failed);
	return (int)failed;
}
