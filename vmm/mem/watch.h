/* Access watches: EPT hooking for the operator (docs/memory.md,
 * "Watches"). A watched page has rights hidden from the CPU; an access it
 * makes fault on is let through for one instruction with the monitor trap
 * flag (SDM 3C 26.7.2, 27.5.2) and reported when it touched the watched
 * bytes, then the rights are hidden again. */
#ifndef KESTREL_VMM_MEM_WATCH_H
#define KESTREL_VMM_MEM_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define WATCH_MAX 16
#define WATCH_LEN_MAX 4096
#define WATCH_REPORTS_PER_S 20 /* lines a second; further hits are counted */
#define WATCH_STEP_PAGES 4     /* pages one instruction may fault on while stepped */
#define WATCH_R 1u
#define WATCH_W 2u
#define WATCH_X 4u

struct watch {
	uint64_t gpa, len;
	unsigned kinds; /* WATCH_* */
	uint64_t hits, shown;
};

/* The instruction being stepped over a watched page. */
struct watch_step {
	bool on;
	unsigned npages;
	uint64_t page[WATCH_STEP_PAGES];
	int hit;        /* the watch it hit, or -1 */
	unsigned kind;  /* WATCH_R, W or X */
	uint64_t gpa, gla, rip;
	bool gla_valid;
};

struct watch_set {
	struct watch w[WATCH_MAX];
	unsigned n;
	struct watch_step step;
	uint64_t window_start; /* TSC time the current second of reports began */
	unsigned window_shown;
	uint64_t window_held;  /* hits not shown in that second */
};

struct vm;
struct vm_exit;

/* The rights watches hide on the 4 KiB page at page_gpa (EPT_PAGE_*). */
unsigned watch_hidden(const struct vm *vm, uint64_t page_gpa);
/* NULL, or why not (beyond RAM, too many, no host page for a split). */
const char *watch_add(struct vm *vm, uint64_t gpa, uint64_t len, unsigned kinds);
const char *watch_remove(struct vm *vm, bool all, uint64_t gpa);
/* An EPT violation the memory layer's own rights allow: a watched page.
 * Starts the step (true), or false when no watch hides rights there. */
bool watch_violation(struct vm *vm, const struct vm_exit *e);
/* The stepped instruction retired (monitor trap flag exit): report it and
 * hide the rights again. */
void watch_step_done(struct vm *vm);

#endif
