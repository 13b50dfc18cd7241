/* Device state as the operator reads it: the registers the datasheets name
 * (8259A IRR/ISR/IMR, 8254 counter status, 16550A registers, MC146818A
 * status registers). Read-only: it
 * never changes a device, so inspecting a guest cannot disturb it. */
#include "vmm/dev/dev_show.h"
#include "kernel/fmt.h"
#include <stdarg.h>

static void show(show_put put, void *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(put, ctx, fmt, ap);
	va_end(ap);
}

static void pic_show_chip(const char *name, const struct pic_chip *c, show_put put, void *ctx)
{
	show(put, ctx, "%s: IRR %02x ISR %02x IMR %02x ELCR %02x vector base 0x%02x%s%s%s%s%s\n", name, c->irr, c->isr,
	     c->imr, c->elcr, c->vector_base, c->init_step ? " (initializing)" : "", c->aeoi ? " AEOI" : "",
	     c->sfnm ? " SFNM" : "", c->special_mask ? " special-mask" : "", c->ltim ? " level" : " edge");
}

void pic_show(const struct pic *pic, show_put put, void *ctx)
{
	pic_show_chip("master", &pic->master, put, ctx);
	pic_show_chip("slave ", &pic->slave, put, ctx);
}

void pit_show(const struct isa *isa, uint64_t now, show_put put, void *ctx)
{
	const struct pit *pit = &isa->pit;
	static const char *const access[] = {"latch", "LSB", "MSB", "LSB+MSB"};
	for (unsigned i = 0; i < 3; i++) {
		const struct pit_counter *c = &pit->ch[i];
		show(put, ctx, "counter %u: mode %u %s%s reload %u gate %u out %u%s\n", i, c->mode, access[c->rw & 3],
		     c->bcd ? " BCD" : "", c->cr_n, c->gate, pit_out(pit, i), c->counting ? " counting" : "");
	}
	show(put, ctx, "port 0x61: %02x, PIT ticks since reset %lu\n", pit->portb, pit_ticks(pit, now));
	show(put, ctx, "IRQ0 ticks owed %u, delivered late %lu, dropped %lu (docs/devices.md)\n", isa->irq0_backlog,
	     isa->irq0_late, isa->irq0_dropped);
}

static void uart_show_one(const char *name, const struct uart *u, show_put put, void *ctx)
{
	show(put, ctx, "%s at 0x%x IRQ %u: IER %02x LCR %02x MCR %02x FCR %02x MSR %02x SCR %02x divisor %u "
		       "(%u baud), RX FIFO %u bytes%s\n",
	     name, u->base, u->irq, u->ier, u->lcr, u->mcr, u->fcr, u->msr, u->scr, u->divisor,
	     u->divisor ? 115200u / u->divisor : 0, u->rx_count, u->irq_level ? ", IRQ asserted" : "");
}

void uart_show(const struct isa *isa, show_put put, void *ctx)
{
	uart_show_one("COM1", &isa->com1, put, ctx);
	if (isa->has_com2)
		uart_show_one("COM2", &isa->com2, put, ctx);
}

void rtc_show(const struct isa *isa, show_put put, void *ctx)
{
	const struct rtc *r = &isa->rtc;
	struct rtc_time t;
	rtc_get_time(r, &t);
	show(put, ctx, "RTC at 0x70 IRQ 8: %04u-%02u-%02u %02u:%02u:%02u weekday %u, %s %s%s%s\n", t.year, t.month,
	     t.day, t.hour, t.minute, t.second, t.weekday, r->b & REG_B_DM ? "binary" : "BCD",
	     r->b & REG_B_24H ? "24-hour" : "12-hour", r->b & REG_B_SET ? ", SET (halted)" : "",
	     rtc_running(r) ? "" : ", divider stopped");
	show(put, ctx, "A %02x B %02x C %02x D %02x, index 0x%02x NMI %s, alarm %02x:%02x:%02x, periodic %u Hz%s\n",
	     r->a, r->b, r->c, REG_D_VRT, r->index & 0x7F, r->index & RTC_NMI_MASK ? "masked" : "enabled",
	     r->alarm[2], r->alarm[1], r->alarm[0], rtc_periodic_hz(r), r->irq ? ", IRQ asserted" : "");
	show(put, ctx, "updates %lu, periodic ticks %lu, alarms %lu\n", r->updates, r->periodic, r->alarms);
}
