/* The monitor's views besides the shell (vmm/monitor/view.c). */
#ifndef VMM_MONITOR_VIEW_H
#define VMM_MONITOR_VIEW_H

#include <stdint.h>

#include "vmm/monitor/types.h"

void monitor_attach(struct monitor *mon, unsigned vm);
void monitor_detach(struct monitor *mon);
void monitor_top_start(struct monitor *mon);
void monitor_top_draw(struct monitor *mon, uint64_t now_ns);
/* After a console or top: which guests talked meanwhile, then the prompt. */
void monitor_back_to_shell(struct monitor *mon);

#endif
