/* The monitor's line editor: a byte-at-a-time state machine that echoes
 * through a callback. Insert at the end, backspace, Ctrl-U, Ctrl-C, history,
 * and a bounded ANSI/VT100 escape parser (ECMA-48 CSI and SS3 sequences). */
#ifndef VMM_MONITOR_LINEEDIT_H
#define VMM_MONITOR_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINEEDIT_MAX     160 /* characters in one line; more are refused with a bell */
#define LINEEDIT_HISTORY 16  /* lines remembered for Up/Down */
#define LINEEDIT_ESC_MAX 8   /* parameter bytes in one escape sequence before we give up */

#define KEY_CTRL_C    0x03
#define KEY_BELL      0x07
#define KEY_BACKSPACE 0x08
#define KEY_LF        0x0A
#define KEY_CTRL_L    0x0C
#define KEY_CR        0x0D
#define KEY_CTRL_U    0x15
#define KEY_ESC       0x1B
#define KEY_DEL       0x7F

enum lineedit_result {
	LINEEDIT_NONE,   /* byte consumed, line still being edited */
	LINEEDIT_LINE,   /* Enter: the finished line is in result[] (NUL-terminated) */
	LINEEDIT_CANCEL, /* Ctrl-C: the line was dropped */
};

enum lineedit_esc { ESC_NONE, ESC_START, ESC_CSI };

struct lineedit {
	void (*put)(void *ctx, char c); /* echo; bytes go to the terminal unchanged */
	void *ctx;
	const char *prompt;
	char line[LINEEDIT_MAX + 1];   /* the line being typed */
	char result[LINEEDIT_MAX + 1]; /* the last line finished with Enter */
	size_t len;
	bool last_cr; /* the previous byte was CR: a following LF is the same Enter */
	enum lineedit_esc esc;
	unsigned esc_len;
	bool esc_mute; /* the sequence in progress only gets swallowed */
	char hist[LINEEDIT_HISTORY][LINEEDIT_MAX + 1];
	unsigned hist_count;  /* entries in use, newest at hist_newest */
	unsigned hist_newest;
	int hist_pos;         /* -1: editing a fresh line; k: showing the k-th newest */
	char saved[LINEEDIT_MAX + 1]; /* the fresh line while browsing history */
};

void lineedit_init(struct lineedit *le, const char *prompt, void (*put)(void *ctx, char c),
		   void *ctx);
enum lineedit_result lineedit_feed(struct lineedit *le, uint8_t byte);
/* Prints the prompt and the text typed so far (the caller erased the line). */
void lineedit_draw(struct lineedit *le);
/* Forgets the line being typed (not the history) and any escape in progress. */
void lineedit_reset(struct lineedit *le);
/* The caller consumed an ESC: swallow the rest of its sequence, no action. */
void lineedit_swallow_escape(struct lineedit *le);
/* The k-th newest history entry (0 = newest), or NULL. */
const char *lineedit_history(const struct lineedit *le, unsigned k);

#endif
