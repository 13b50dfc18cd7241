/* The monitor: Kestrel's operator console on the host serial line (in the
 * spirit of ACRN's hypervisor shell, QEMU's monitor and virsh console). Pure
 * C: everything it knows or does to the hypervisor goes through monitor_ops.
 * docs/monitor.md is the operator's reference. */
#ifndef VMM_MONITOR_MONITOR_H
#define VMM_MONITOR_MONITOR_H

#include <stdint.h>

#include "vmm/monitor/types.h"

/* Sets up and prints the banner and the first prompt. */
void monitor_init(struct monitor *mon, const struct monitor_ops *ops, void *ctx);
/* Every byte from the host serial line. */
void monitor_input(struct monitor *mon, uint8_t byte);
/* Every byte a guest writes to its console (COM1, port 0xE9, HC_CONSOLE_WRITE). */
void monitor_guest_output(struct monitor *mon, unsigned vm, uint8_t byte);
/* Host messages: install with console_set_sink(monitor_host_output, mon) so
 * klog lines are printed around the prompt. '\n' ends a line. */
void monitor_host_output(void *mon, char c);
/* Call often (every scheduler round, at least every 10 ms): retries queued
 * keystrokes, shows stale partial lines, refreshes `top` once a second. */
void monitor_tick(struct monitor *mon, uint64_t now_ns);
/* Bytes of struct monitor that each VM id has to itself (its console ring,
 * its partial line, its `top` counters): its share of the static memory. */
size_t monitor_vm_bytes(const struct monitor *mon);
/* A VM ended (exit code, fault, triple fault, operator...): prints
 * "[NAME] *** WHAT" (WHAT e.g. "stopped: triple fault"), forgets keystrokes
 * queued for it, and detaches the console if it was attached. */
void monitor_vm_stopped(struct monitor *mon, unsigned vm, const char *what);

#endif
