/* Guest-console multiplexing: per-guest rings, the prefixed line view around
 * the prompt, one raw attached guest, and the bounded keystroke queue.
 * docs/monitor.md ("Partial lines") describes the line rules implemented here;
 * vmm/guest_console.c uses them for the plain console too. */
#include "vmm/monitor/conmux.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

static void cm_puts(struct conmux *cm, const char *s)
{
	while (*s)
		cm->io.put(cm->io.ctx, *s++);
}

/* What the line view lets through: TAB, printable ASCII, bytes >= 0x80 (UTF-8).
 * ESC and other controls could move the operator's cursor or clear the screen. */
static bool shown_in_lines(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

void conmux_init(struct conmux *cm, const struct conmux_io *io)
{
	memset(cm, 0, sizeof(*cm));
	cm->io = *io;
	cm->view = CONMUX_SHELL;
}

/* Prints one line, erasing the prompt first and drawing it again after. */
static void emit_line(struct conmux *cm, unsigned owner, const char *text, size_t len)
{
	bool redraw = cm->prompt_visible;
	if (redraw) {
		cm_puts(cm, "\r\x1b[K");
		cm->prompt_visible = false;
	}
	if (owner != CONMUX_HOST) {
		cm->io.put(cm->io.ctx, '[');
		cm_puts(cm, cm->io.name(cm->io.ctx, owner));
		cm_puts(cm, "] ");
	}
	for (size_t i = 0; i < len; i++)
		cm->io.put(cm->io.ctx, text[i]);
	cm_puts(cm, "\r\n");
	if (redraw)
		conmux_show_prompt(cm);
}

void conmux_show_prompt(struct conmux *cm)
{
	cm->io.prompt(cm->io.ctx);
	cm->prompt_visible = true;
}

static void waiting_set(struct conmux *cm, unsigned owner, bool on)
{
	uint64_t bit = 1ull << (owner % 64);
	cm->waiting[owner / 64] = on ? cm->waiting[owner / 64] | bit : cm->waiting[owner / 64] & ~bit;
}

/* The lowest owner from `from` on whose line waits; CONMUX_HOST + 1 if none. */
static unsigned waiting_next(const struct conmux *cm, unsigned from)
{
	for (unsigned w = from / 64; w < CONMUX_OWNER_WORDS; w++) {
		uint64_t bits = cm->waiting[w] & (w == from / 64 ? ~0ull << (from % 64) : ~0ull);
		if (bits)
			return w * 64 + (unsigned)__builtin_ctzll(bits);
	}
	return CONMUX_HOST + 1;
}

/* Shows owner's partial line as a line of its own. over: the owner's line
 * has ended (newline, stop line); else it may go on, as a new "[NAME] " line. */
static void show_partial(struct conmux *cm, unsigned owner, bool over)
{
	struct conmux_partial *p = &cm->part[owner];
	unsigned n = p->len;
	p->len = 0;
	p->shown = !over;
	waiting_set(cm, owner, false);
	emit_line(cm, owner, p->buf, n);
}

void conmux_flush(struct conmux *cm)
{
	for (unsigned owner = waiting_next(cm, 0); owner <= CONMUX_HOST; owner = waiting_next(cm, owner))
		show_partial(cm, owner, false);
}

/* One byte for the line view from owner. Other owners' lines wait untouched:
 * a line is shown when it ends, fills its buffer or goes stale (conmux_tick). */
static void line_byte(struct conmux *cm, unsigned owner, uint8_t c)
{
	struct conmux_partial *p = &cm->part[owner];
	p->last = cm->now;
	if (c == '\n') {
		if (p->len == 0 && p->shown)
			p->shown = false; /* all of the line is on the screen already */
		else
			show_partial(cm, owner, true);
		return;
	}
	if (!shown_in_lines(c))
		return;
	waiting_set(cm, owner, true);
	p->buf[p->len++] = (char)c;
	p->shown = false;
	if (p->len == CONMUX_LINE_MAX)
		show_partial(cm, owner, false);
}

void conmux_guest_output(struct conmux *cm, unsigned vm, uint8_t c)
{
	if (vm >= CONMUX_MAX_GUESTS) {
		cm->foreign++;
		return;
	}
	struct conmux_ring *r = &cm->ring[vm];
	r->buf[r->total++ % CONMUX_RING_SIZE] = c;
	if (cm->view == CONMUX_ATTACHED && cm->attached == vm)
		cm->io.put(cm->io.ctx, (char)c);
	else if (cm->view != CONMUX_SHELL)
		r->unseen++;
	else
		line_byte(cm, vm, c);
}

void conmux_host_output(struct conmux *cm, char c)
{
	if (cm->view == CONMUX_SHELL) {
		line_byte(cm, CONMUX_HOST, (uint8_t)c);
		return;
	}
	if (c == '\n')
		cm->io.put(cm->io.ctx, '\r');
	cm->io.put(cm->io.ctx, c);
}

void conmux_line(struct conmux *cm, unsigned owner, const char *text)
{
	if (owner <= CONMUX_HOST) {
		if (cm->part[owner].len)
			show_partial(cm, owner, true); /* what it said before comes first */
		cm->part[owner].shown = false;     /* this line ends whatever it was writing */
	}
	if (cm->view != CONMUX_SHELL)
		cm_puts(cm, "\r\n");
	emit_line(cm, owner, text, strlen(text));
}

/* A notice from the console layer itself, e.g. about dropped keystrokes. */
static void notice(struct conmux *cm, const char *text)
{
	cm->io.put(cm->io.ctx, '\a');
	conmux_line(cm, CONMUX_HOST, text);
}

static void rxq_drain(struct conmux *cm)
{
	while (cm->rxq_len && cm->io.rx(cm->io.ctx, cm->rxq_vm, cm->rxq[cm->rxq_head])) {
		cm->rxq_head = (cm->rxq_head + 1) % CONMUX_RXQ_SIZE;
		cm->rxq_len--;
	}
	if (cm->rxq_len == 0 && cm->rx_dropped) {
		char text[96];
		fmt_snprintf(text, sizeof(text), "kestrel: %s is reading input again; %llu keystrokes were lost",
			     cm->io.name(cm->io.ctx, cm->rxq_vm), (unsigned long long)cm->rx_dropped);
		notice(cm, text);
		cm->rx_dropped = 0;
	}
}

void conmux_send(struct conmux *cm, unsigned vm, uint8_t c)
{
	if (cm->rxq_len && cm->rxq_vm != vm)
		conmux_drop_input(cm, cm->rxq_vm); /* still waiting for a guest we left */
	rxq_drain(cm);
	if (cm->rxq_len == 0 && cm->io.rx(cm->io.ctx, vm, c))
		return;
	cm->rxq_vm = vm;
	if (cm->rxq_len < CONMUX_RXQ_SIZE) {
		cm->rxq[(cm->rxq_head + cm->rxq_len++) % CONMUX_RXQ_SIZE] = c;
		return;
	}
	if (cm->rx_dropped++ == 0) {
		char text[96];
		fmt_snprintf(text, sizeof(text),
			     "kestrel: %s is not reading its input; %u keystrokes queued, dropping more",
			     cm->io.name(cm->io.ctx, vm), CONMUX_RXQ_SIZE);
		notice(cm, text);
	}
}

void conmux_drop_input(struct conmux *cm, unsigned vm)
{
	if (cm->rxq_vm != vm || (cm->rxq_len == 0 && cm->rx_dropped == 0))
		return;
	char text[96];
	fmt_snprintf(text, sizeof(text), "kestrel: %llu keystrokes for %s discarded",
		     (unsigned long long)(cm->rxq_len + cm->rx_dropped), cm->io.name(cm->io.ctx, vm));
	cm->rxq_len = 0;
	cm->rx_dropped = 0;
	notice(cm, text);
}

void conmux_tick(struct conmux *cm, uint64_t now_ns)
{
	cm->now = now_ns;
	for (unsigned owner = waiting_next(cm, 0); owner <= CONMUX_HOST; owner = waiting_next(cm, owner + 1))
		if (now_ns >= cm->part[owner].last + CONMUX_FLUSH_NS)
			show_partial(cm, owner, false); /* a prompt, or a line still being written */
	rxq_drain(cm);
}

void conmux_attach(struct conmux *cm, unsigned vm)
{
	if (vm < CONMUX_MAX_GUESTS) {
		cm->part[vm].len = 0; /* conmux_replay_tail shows it raw */
		cm->part[vm].shown = false;
		waiting_set(cm, vm, false);
	}
	conmux_flush(cm);
	cm->prompt_visible = false;
	cm->view = CONMUX_ATTACHED;
	cm->attached = vm;
	for (unsigned i = 0; i < CONMUX_MAX_GUESTS; i++)
		cm->ring[i].unseen = 0;
}

void conmux_replay_tail(struct conmux *cm, unsigned vm)
{
	if (vm >= CONMUX_MAX_GUESTS)
		return;
	const struct conmux_ring *r = &cm->ring[vm];
	uint64_t held = r->total < CONMUX_RING_SIZE ? r->total : CONMUX_RING_SIZE;
	uint64_t start = r->total;
	while (start > r->total - held && r->total - start < CONMUX_LINE_MAX &&
	       r->buf[(start - 1) % CONMUX_RING_SIZE] != '\n')
		start--;
	for (uint64_t i = start; i < r->total; i++)
		cm->io.put(cm->io.ctx, (char)r->buf[i % CONMUX_RING_SIZE]);
}

void conmux_detach(struct conmux *cm) { cm->view = CONMUX_SHELL; }

void conmux_set_quiet(struct conmux *cm, bool quiet)
{
	if (quiet) {
		conmux_flush(cm);
		cm->prompt_visible = false;
		for (unsigned i = 0; i < CONMUX_MAX_GUESTS; i++)
			cm->ring[i].unseen = 0;
	}
	cm->view = quiet ? CONMUX_QUIET : CONMUX_SHELL;
}

uint64_t conmux_lost(const struct conmux *cm, unsigned vm)
{
	if (vm >= CONMUX_MAX_GUESTS || cm->ring[vm].total <= CONMUX_RING_SIZE)
		return 0;
	return cm->ring[vm].total - CONMUX_RING_SIZE;
}

void conmux_log(struct conmux *cm, unsigned vm)
{
	if (vm >= CONMUX_MAX_GUESTS)
		return;
	struct conmux_ring *r = &cm->ring[vm];
	uint64_t start = r->total - (r->total < CONMUX_RING_SIZE ? r->total : CONMUX_RING_SIZE);
	bool line_open = false;
	for (uint64_t i = start; i < r->total; i++) {
		uint8_t c = r->buf[i % CONMUX_RING_SIZE];
		if (c == '\n') {
			cm_puts(cm, "\r\n");
			line_open = false;
		} else if (shown_in_lines(c)) {
			cm->io.put(cm->io.ctx, (char)c);
			line_open = true;
		}
	}
	if (line_open)
		cm_puts(cm, "\r\n");
	r->unseen = 0;
}
