/* What an exit handler tells the scheduler (vmm/exit/exit.h): apart, so that
 * struct vm can hold the last one without the handlers' header. */
#ifndef KESTREL_VMM_EXIT_ACTION_H
#define KESTREL_VMM_EXIT_ACTION_H

/* What the scheduler does after a handler ran. */
enum exit_action {
	EXIT_RESUME,     /* back into the same guest, rest of its slice */
	EXIT_RESCHEDULE, /* give the CPU to the next VM (yield, HLT, reset) */
	EXIT_STOPPED,    /* the handler ended the VM (vm_end was called) */
	EXIT_RESET,      /* the guest reset its machine (vm->reset_reason says how) */
	EXIT_RETRY,      /* the instruction did not retire (the console line is full): the
			  * next VM runs, and this one executes it again */
	EXIT_LOOK,       /* the scheduler has something to look at (a host interrupt, an
			  * interrupt request no armed window reports), then the same
			  * guest goes on */
};

#endif
