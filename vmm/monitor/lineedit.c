/* The monitor's line editor: a byte-at-a-time state machine. Every byte value
 * is accepted; what the editor cannot use is dropped (with a bell where the
 * operator should notice). Escape sequences: ESC [ params final, ESC O final. */
#include "vmm/monitor/lineedit.h"
#include "kernel/string.h"

static void le_puts(struct lineedit *le, const char *s)
{
	while (*s)
		le->put(le->ctx, *s++);
}

static void bell(struct lineedit *le) { le->put(le->ctx, KEY_BELL); }

void lineedit_reset(struct lineedit *le)
{
	le->len = 0;
	le->line[0] = '\0';
	le->esc = ESC_NONE;
	le->esc_len = 0;
	le->hist_pos = -1;
}

void lineedit_init(struct lineedit *le, const char *prompt, void (*put)(void *ctx, char c),
		   void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->put = put;
	le->ctx = ctx;
	le->prompt = prompt;
	lineedit_reset(le);
}

void lineedit_draw(struct lineedit *le)
{
	le_puts(le, le->prompt);
	le_puts(le, le->line);
}

const char *lineedit_history(const struct lineedit *le, unsigned k)
{
	if (k >= le->hist_count)
		return NULL;
	return le->hist[(le->hist_newest + LINEEDIT_HISTORY - k) % LINEEDIT_HISTORY];
}

static void set_line(struct lineedit *le, const char *s)
{
	size_t n = strlen(s);
	memcpy(le->line, s, n + 1);
	le->len = n;
	le_puts(le, "\r\x1b[K");
	lineedit_draw(le);
}

static void history_add(struct lineedit *le)
{
	const char *newest = lineedit_history(le, 0);
	if (le->len == 0 || (newest && strcmp(newest, le->line) == 0))
		return;
	le->hist_newest = (le->hist_newest + 1) % LINEEDIT_HISTORY;
	memcpy(le->hist[le->hist_newest], le->line, le->len + 1);
	if (le->hist_count < LINEEDIT_HISTORY)
		le->hist_count++;
}

/* Up (older) or Down (newer). Down past the newest entry brings back what
 * was being typed before browsing started. */
static void history_move(struct lineedit *le, int dir)
{
	int pos = le->hist_pos + dir;
	if (pos < -1 || pos >= (int)le->hist_count) {
		bell(le);
		return;
	}
	if (le->hist_pos == -1)
		memcpy(le->saved, le->line, le->len + 1);
	le->hist_pos = pos;
	set_line(le, pos == -1 ? le->saved : lineedit_history(le, (unsigned)pos));
}

void lineedit_swallow_escape(struct lineedit *le)
{
	le->esc = ESC_START;
	le->esc_len = 0;
	le->esc_mute = true;
}

static void escape_final(struct lineedit *le, uint8_t c)
{
	if (le->esc_mute || le->esc_len != 0) /* e.g. ESC [ 1 ; 5 A (Ctrl-Up): ignored */
		return;
	if (c == 'A')
		history_move(le, +1);
	else if (c == 'B')
		history_move(le, -1);
	/* Right, Left, Home, End...: the cursor stays at the end of the line. */
}

/* Returns true when the byte belonged to an escape sequence. */
static bool escape_feed(struct lineedit *le, uint8_t c)
{
	switch (le->esc) {
	case ESC_NONE:
		if (c != KEY_ESC)
			return false;
		le->esc = ESC_START;
		le->esc_len = 0;
		le->esc_mute = false;
		return true;
	case ESC_START:
		if (c == '[' || c == 'O') {
			le->esc = ESC_CSI;
			return true;
		}
		le->esc = ESC_NONE;
		if (c == KEY_ESC) { /* ESC ESC: start over */
			le->esc = ESC_START;
			return true;
		}
		/* ESC x (Alt-x) is dropped; a control byte is handled as usual. */
		return c >= 0x20;
	case ESC_CSI:
		if (c >= 0x40 && c <= 0x7E) { /* final byte */
			le->esc = ESC_NONE;
			escape_final(le, c);
			return true;
		}
		if (c >= 0x20 && c <= 0x3F && le->esc_len < LINEEDIT_ESC_MAX) {
			le->esc_len++; /* parameter or intermediate byte */
			return true;
		}
		/* Broken or overlong sequence: give up; a control byte or a byte
		 * >= 0x80 is then handled as usual, anything else is dropped. */
		le->esc = ESC_NONE;
		return c >= 0x20 && c < 0x80;
	}
	return false;
}

static enum lineedit_result enter(struct lineedit *le)
{
	le_puts(le, "\r\n");
	history_add(le);
	memcpy(le->result, le->line, le->len + 1);
	lineedit_reset(le);
	return LINEEDIT_LINE;
}

enum lineedit_result lineedit_feed(struct lineedit *le, uint8_t c)
{
	bool after_cr = le->last_cr;
	le->last_cr = (c == KEY_CR);
	if (escape_feed(le, c))
		return LINEEDIT_NONE;
	switch (c) {
	case KEY_CR:
		return enter(le);
	case KEY_LF:
		return after_cr ? LINEEDIT_NONE : enter(le);
	case KEY_BACKSPACE:
	case KEY_DEL:
		if (le->len == 0) {
			bell(le);
		} else {
			le->line[--le->len] = '\0';
			le_puts(le, "\b \b");
		}
		return LINEEDIT_NONE;
	case KEY_CTRL_U:
		le->len = 0;
		le->line[0] = '\0';
		le_puts(le, "\r\x1b[K");
		lineedit_draw(le);
		return LINEEDIT_NONE;
	case KEY_CTRL_C:
		le_puts(le, "^C\r\n");
		lineedit_reset(le);
		return LINEEDIT_CANCEL;
	case 0x00: /* e.g. telnet's CR NUL */
		return LINEEDIT_NONE;
	case KEY_CTRL_L:
		le_puts(le, "\x1b[H\x1b[2J");
		lineedit_draw(le);
		return LINEEDIT_NONE;
	}
	if (c < 0x20 || c >= 0x7F || le->len >= LINEEDIT_MAX) {
		bell(le); /* control byte, non-ASCII, or the line is full */
		return LINEEDIT_NONE;
	}
	le->line[le->len++] = (char)c;
	le->line[le->len] = '\0';
	le->put(le->ctx, (char)c);
	return LINEEDIT_NONE;
}
