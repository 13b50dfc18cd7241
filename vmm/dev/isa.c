/* PC/AT ISA board: routes ports and IRQ lines between the 8259A pair, the
 * 8254, the 16550A UARTs and the MC146818A RTC. PIT ticks coalesce as on a PC while the guest
 * runs; those that fell while another VM held the CPU are delivered late
 * (docs/devices.md, "Timer ticks"). */
#include "vmm/dev/isa.h"

static void isa_uart_irq(void *ctx, unsigned line, bool level)
{
	struct isa *isa = ctx;
	pic_set_irq(&isa->pic, line, level);
}

/* RTC IRQ8: the slave's IR0, edge-triggered on a PC (ELCR2 bit 0 is fixed). */
static void isa_rtc_irq(void *ctx, unsigned line, bool level)
{
	struct isa *isa = ctx;
	pic_set_irq(&isa->pic, line, level);
}

static void isa_com1_tx(void *ctx, uint8_t byte)
{
	struct isa *isa = ctx;
	if (isa->tx)
		isa->tx(isa->tx_ctx, 1, byte);
}

static void isa_com2_tx(void *ctx, uint8_t byte)
{
	struct isa *isa = ctx;
	if (isa->tx)
		isa->tx(isa->tx_ctx, 2, byte);
}

void isa_init(struct isa *isa, uint64_t tsc_hz, uint64_t now, bool com2,
	      void (*tx)(void *ctx, unsigned com, uint8_t byte), void *tx_ctx)
{
	__builtin_memset(isa, 0, sizeof(*isa));
	isa->tsc_hz = tsc_hz;
	isa->has_com2 = com2;
	isa->tx = tx;
	isa->tx_ctx = tx_ctx;
	pic_init(&isa->pic);
	pit_init(&isa->pit, tsc_hz, now, 0, 0); /* OUT0 edges come back from pit_advance */
	uart_init(&isa->com1, UART_COM1_BASE, UART_COM1_IRQ, tsc_hz, isa_com1_tx, isa,
		  isa_uart_irq, isa);
	uart_init(&isa->com2, UART_COM2_BASE, UART_COM2_IRQ, tsc_hz, isa_com2_tx, isa,
		  isa_uart_irq, isa);
	uart_advance(&isa->com1, now);
	uart_advance(&isa->com2, now);
	rtc_init(&isa->rtc, tsc_hz, now, isa_rtc_irq, isa);
	isa->c0_generation = isa->pit.c0_generation;
}

void isa_copy(struct isa *dst, const struct isa *src, void *tx_ctx)
{
	*dst = *src;
	dst->tx_ctx = tx_ctx;
	dst->com1.tx_ctx = dst->com1.irq_ctx = dst;
	dst->com2.tx_ctx = dst->com2.irq_ctx = dst;
	dst->rtc.ctx = dst;
}

void isa_set_rtc(struct isa *isa, const struct rtc_time *t, uint64_t at)
{
	rtc_set_time(&isa->rtc, t, at);
}

void isa_set_line_status(struct isa *isa, bool room, bool idle)
{
	uart_set_line_status(&isa->com1, room, idle);
	uart_set_line_status(&isa->com2, room, idle);
}

/* An edge into the 8259A edge latch. */
static void isa_pulse_irq0(struct isa *isa)
{
	pic_pulse_irq(&isa->pic, ISA_IRQ_PIT);
}

static bool isa_irq0_requested(const struct isa *isa)
{
	return isa->pic.master.irr & (1u << ISA_IRQ_PIT);
}

/* At most one second of ticks at the current rate, and ISA_IRQ0_BACKLOG_MAX. */
static uint32_t isa_backlog_cap(const struct isa *isa)
{
	uint32_t period = pit_period(&isa->pit, 0);
	uint32_t cap = period ? PIT_HZ / period : 1;
	if (cap > ISA_IRQ0_BACKLOG_MAX)
		cap = ISA_IRQ0_BACKLOG_MAX;
	return cap ? cap : 1;
}

static bool isa_irq0_masked(const struct isa *isa)
{
	return isa->pic.master.imr & (1u << ISA_IRQ_PIT);
}

/* A new programming of counter 0 makes ticks of the old rate moot. */
static void isa_drop_stale_backlog(struct isa *isa)
{
	if (isa->c0_generation != isa->pit.c0_generation) {
		isa->irq0_dropped += isa->irq0_backlog;
		isa->irq0_backlog = 0;
		isa->c0_generation = isa->pit.c0_generation;
	}
}

/* The first edge latches in IRR0 (masked or not, as the 8259A does). On a
 * PC the others meet IRR0 still set, or the mask, and are lost; so they are
 * here while the guest runs, because the time the host spends on its exits
 * is its own time, as a slow CPU's would be. Edges that fell while another
 * VM held the CPU and IRQ0 was open are owed: the guest never had the
 * chance to take them. The mask cannot change while the guest is off the
 * CPU, so masked edges are never owed and an unmask brings none back. */
static void isa_deliver_ticks(struct isa *isa, uint64_t edges)
{
	if (!edges)
		return;
	if (!isa->irq0_backlog && !isa_irq0_requested(isa)) {
		isa_pulse_irq0(isa);
		edges--;
	}
	if (isa->on_cpu || isa_irq0_masked(isa)) {
		isa->irq0_coalesced += edges;
		return;
	}
	uint64_t cap = isa_backlog_cap(isa);
	uint64_t want = isa->irq0_backlog + edges;
	if (want > cap) {
		isa->irq0_dropped += want - cap;
		want = cap;
	}
	isa->irq0_backlog = (uint32_t)want;
}

static void isa_service_backlog(struct isa *isa)
{
	isa_drop_stale_backlog(isa);
	if (isa->irq0_backlog && !isa_irq0_requested(isa)) {
		isa->irq0_backlog--;
		isa->irq0_late++;
		isa_pulse_irq0(isa);
	}
}

/* Every exit and entry of a guest advances its board, most often with no
 * OUT0 edge since the last time: the PIT is only brought forward when its
 * next edge has come (or it was programmed: edge_tsc 0). Its port accesses
 * bring it current first (isa_io). */
void isa_advance(struct isa *isa, uint64_t now)
{
	if (now <= isa->now)
		return; /* no time has passed: whatever changed since brought itself up to date */
	isa->now = now;
	if (isa->now >= isa->edge_tsc) {
		uint64_t edges = pit_advance(&isa->pit, isa->now);
		isa_drop_stale_backlog(isa);
		isa_deliver_ticks(isa, edges);
		isa->edge_tsc = 0; /* isa_next_deadline finds it when it is needed */
	}
	uart_advance(&isa->com1, now);
	if (isa->has_com2)
		uart_advance(&isa->com2, now);
	/* The RTC catches up exactly over any gap (rtc_advance), so it moves
	 * here only when it can interrupt; otherwise at its next access. */
	if (rtc_interrupts_enabled(&isa->rtc))
		rtc_advance(&isa->rtc, isa->now);
	if (isa->irq0_backlog || isa->c0_generation != isa->pit.c0_generation)
		isa_service_backlog(isa);
}

void isa_sync(struct isa *isa)
{
	pit_advance(&isa->pit, isa->now); /* no edge: isa_advance delivered those */
	rtc_advance(&isa->rtc, isa->now);
}

void isa_set_on_cpu(struct isa *isa, uint64_t now, bool on)
{
	isa_advance(isa, now);
	isa->on_cpu = on;
}

bool isa_handover(struct isa *isa, uint64_t now, bool on, uint64_t deadline)
{
	/* Nothing in service or requested, the next event ahead: on or off the
	 * CPU the board does the same until deadline. */
	if (now < deadline && !isa->pic.master.isr && !isa->pic.slave.isr && !isa_intr(isa)) {
		isa->on_cpu = on;
		return true;
	}
	isa_set_on_cpu(isa, now, on);
	return false;
}

enum isa_device { ISA_NONE, ISA_PIC, ISA_PIT, ISA_COM1, ISA_COM2, ISA_RTC };

/* Who decodes each port below 0x400, the ISA range a PC/AT decodes 10 bits
 * of (the 8259A pair, the 8254 and port B, the MC146818A, the UARTs); above
 * it only the ELCRs. One table, so that an exit to a port nothing decodes
 * costs a lookup. COM2 answers only where the board has it. */
#define ISA_PORTS 0x400
static const uint8_t isa_port_map[ISA_PORTS] = {
	[PIC_MASTER_CMD] = ISA_PIC,
	[PIC_MASTER_DATA] = ISA_PIC,
	[PIC_SLAVE_CMD] = ISA_PIC,
	[PIC_SLAVE_DATA] = ISA_PIC,
	[PIT_PORT_COUNTER0 ... PIT_PORT_CONTROL] = ISA_PIT,
	[PIT_PORT_B] = ISA_PIT,
	[RTC_PORT_INDEX] = ISA_RTC,
	[RTC_PORT_DATA] = ISA_RTC,
	[UART_COM2_BASE ... UART_COM2_BASE + 7] = ISA_COM2,
	[UART_COM1_BASE ... UART_COM1_BASE + 7] = ISA_COM1,
};

static enum isa_device isa_device(const struct isa *isa, uint16_t port)
{
	if (port < ISA_PORTS) {
		enum isa_device d = isa_port_map[port];
		return d == ISA_COM2 && !isa->has_com2 ? ISA_NONE : d;
	}
	return port == PIC_ELCR_MASTER || port == PIC_ELCR_SLAVE ? ISA_PIC : ISA_NONE;
}

bool isa_decodes(const struct isa *isa, uint16_t port) { return isa_device(isa, port) != ISA_NONE; }

/* isa_io's answer (vmm/dev/isa.h), from each device's own rule. */
static bool isa_device_effect(const struct isa *isa, enum isa_device d, bool in, uint16_t port, unsigned size,
			      uint32_t val)
{
	if (size != 1)
		return true; /* rare: the byte-by-byte rules are not worth it */
	switch (d) {
	case ISA_PIC:
		return !in || pic_read_has_effect(&isa->pic, port);
	case ISA_PIT:
		return !in && pit_write_changes_counting(port, (uint8_t)val);
	case ISA_COM1:
		return !in || uart_read_has_effect(&isa->com1, port);
	case ISA_COM2:
		return !in || uart_read_has_effect(&isa->com2, port);
	case ISA_RTC:
		return rtc_access_has_effect(&isa->rtc, in, port);
	case ISA_NONE:
		break;
	}
	return false;
}

/* Lines whose service an access just ended (their ISR bit cleared) while
 * they were requested and unmasked again. The master's cascade input does
 * not count: it stands for whichever slave line is requested. */
static void isa_note_overrun(struct isa *isa, uint8_t master_isr, uint8_t slave_isr)
{
	const struct pic_chip *m = &isa->pic.master, *s = &isa->pic.slave;
	uint8_t again_m = (uint8_t)(master_isr & ~m->isr & m->irr & ~m->imr & ~(1u << PIC_CASCADE_IRQ));
	uint8_t again_s = (uint8_t)(slave_isr & ~s->isr & s->irr & ~s->imr);
	if (again_m || again_s) {
		isa->overrun = true;
		isa->overruns++;
	}
}

bool isa_io(struct isa *isa, bool in, uint16_t port, unsigned size, uint32_t *val)
{
	enum isa_device d = isa_device(isa, port);
	bool effect = isa_device_effect(isa, d, in, port, size, *val);
	switch (d) {
	case ISA_PIC: {
		uint8_t master_isr = isa->pic.master.isr, slave_isr = isa->pic.slave.isr;
		pic_io(&isa->pic, in, port, size, val);
		if (effect)
			isa_note_overrun(isa, master_isr, slave_isr);
		break;
	}
	case ISA_PIT:
		pit_advance(&isa->pit, isa->now); /* no edge: isa_advance delivered those */
		pit_io(&isa->pit, in, port, size, val);
		if (effect)
			isa->edge_tsc = 0; /* isa_next_deadline finds the new one */
		break;
	case ISA_COM1:
		uart_io(&isa->com1, in, port, size, val);
		break;
	case ISA_COM2:
		uart_io(&isa->com2, in, port, size, val);
		break;
	case ISA_RTC:
		rtc_advance(&isa->rtc, isa->now);
		rtc_io(&isa->rtc, in, port, size, val);
		break;
	case ISA_NONE:
		return false;
	}
	/* the guest may have acked by poll, re-initialised the PIC, reprogrammed
	 * counter 0 or unmasked IRQ0 */
	if (effect)
		isa_service_backlog(isa);
	return effect;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Would an OUT0 edge now raise INTR? Not when IRQ0 is masked or already
 * requested. Behind an interrupt of equal or higher priority in service it
 * would not while the guest runs (its EOI is an exit, and the edge is
 * counted then); off the CPU it would, once the guest has run to its EOI. */
static bool isa_edge_would_interrupt(const struct isa *isa)
{
	if (isa_irq0_masked(isa) || isa_irq0_requested(isa))
		return false;
	return pic_intr_if_raised(&isa->pic, ISA_IRQ_PIT, !isa->on_cpu);
}

/* Would IRQ8 rising now raise INTR? Not when the slave masks it or has it
 * requested already; otherwise as for IRQ0. */
static bool isa_rtc_would_interrupt(const struct isa *isa)
{
	const struct pic_chip *s = &isa->pic.slave;
	unsigned bit = 1u << (ISA_IRQ_RTC - 8);
	if ((s->imr & bit) || (s->irr & bit))
		return false;
	return pic_intr_if_raised(&isa->pic, ISA_IRQ_RTC, !isa->on_cpu);
}

uint64_t isa_next_deadline(struct isa *isa, uint64_t now)
{
	uint64_t d = UINT64_MAX;
	if (isa_edge_would_interrupt(isa)) {
		if (!isa->edge_tsc)
			isa->edge_tsc = pit_next_deadline(&isa->pit, now);
		d = isa->edge_tsc;
	}
	d = min64(d, uart_next_deadline(&isa->com1, now));
	if (isa->has_com2)
		d = min64(d, uart_next_deadline(&isa->com2, now));
	if (rtc_interrupts_enabled(&isa->rtc) && isa_rtc_would_interrupt(isa))
		d = min64(d, rtc_next_deadline(&isa->rtc, now));
	return d;
}

bool isa_intr(const struct isa *isa)
{
	return pic_intr(&isa->pic);
}

bool isa_intr_waiting(const struct isa *isa)
{
	return pic_intr_after_eoi(&isa->pic);
}

bool isa_take_overrun(struct isa *isa)
{
	bool o = isa->overrun;
	isa->overrun = false;
	return o;
}

uint8_t isa_intack(struct isa *isa)
{
	uint8_t vec = pic_intack(&isa->pic);
	isa_service_backlog(isa);
	return vec;
}
