/* A VM's access watches as data (vmm/mem/watch.h has what acts on them),
 * for struct vm to hold. */
#ifndef KESTREL_VMM_MEM_WATCH_SET_H
#define KESTREL_VMM_MEM_WATCH_SET_H

#include <stdbool.h>
#include <stdint.h>

#define WATCH_MAX           16
#define WATCH_LEN_MAX       4096
#define WATCH_REPORTS_PER_S 20 /* lines a second; further hits are counted */
#define WATCH_STEP_PAGES    4  /* pages one instruction may fault on while stepped */
#define WATCH_R             1u
#define WATCH_W             2u
#define WATCH_X             4u

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
	int hit;       /* the watch it hit, or -1 */
	unsigned kind; /* WATCH_R, W or X */
	uint64_t gpa, gla, rip;
	bool gla_valid;
	bool by_tf;    /* stepped with RFLAGS.TF (no monitor trap flag) */
	bool guest_tf; /* the guest's own TF then */
};

struct watch_set {
	struct watch w[WATCH_MAX];
	unsigned n;
	struct watch_step step;
	uint64_t window_start; /* TSC time the current second of reports began */
	unsigned window_shown;
	uint64_t window_held; /* hits not shown in that second */
};

#endif
