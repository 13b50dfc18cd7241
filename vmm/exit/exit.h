/* VM exits decoded into a neutral description, then dispatched through one
 * table indexed by the basic exit reason (SDM 3C 28.2 "Recording VM-Exit
 * Information"). Handlers decide; they never VMREAD the raw fields. */
#ifndef KESTREL_VMM_EXIT_H
#define KESTREL_VMM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/exit/action.h"
#include "vmm/vmx/vm_exit.h"

struct vm;
struct vmx_caps;

typedef enum exit_action (*exit_handler)(struct vm *vm, const struct vm_exit *e);

/* After each VM exit (vcpu_run's on_exit): read it, count it, run its
 * handler and leave its action in vm->action; returns the VMX-preemption
 * timer value to enter the guest again at once, or -1 when the scheduler
 * has something to do (exit.c says what). */
int64_t exit_handle(void *ctx);
/* Stop the VM with a full report: reason, qualification, RIP, registers. */
enum exit_action exit_unhandled(struct vm *vm, const struct vm_exit *e, const char *why);

/* The handlers, one file per family. */
enum exit_action exit_io(struct vm *vm, const struct vm_exit *e);
enum exit_action exit_io_string(struct vm *vm, const struct vm_exit *e);
/* Open the MSR bitmap for the native rows of the MSR table (msr.c). */
void exit_msr_bitmap(uint8_t *bitmap_4k);
enum exit_action exit_rdmsr(struct vm *vm, const struct vm_exit *e);
enum exit_action exit_wrmsr(struct vm *vm, const struct vm_exit *e);
enum exit_action exit_cpuid(struct vm *vm, const struct vm_exit *e);
enum exit_action exit_vmcall(struct vm *vm, const struct vm_exit *e);
enum exit_action exit_cr_access(struct vm *vm, const struct vm_exit *e);
enum exit_action exit_xsetbv(struct vm *vm, const struct vm_exit *e);
enum exit_action exit_hlt(struct vm *vm, const struct vm_exit *e);

/* Whether the basic exit reason can happen in a guest run with c's
 * controls (names.c); false for one the SDM does not define, whose name
 * (exit_reason_name) is 0. */
bool exit_reason_enabled(const struct vmx_caps *c, unsigned reason);

/* Guest general register n (SDM 3C table 28-3 order), sized for the mode. */
uint64_t exit_gpr(struct vm *vm, unsigned n);
void exit_set_gpr(struct vm *vm, unsigned n, uint64_t v);

#endif
