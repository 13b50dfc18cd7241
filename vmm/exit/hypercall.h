/*
 * Kestrel hypercall ABI, shared by the hypervisor and the guests we ship.
 * docs/hypercalls.md is the reference; this header is its machine-readable half.
 */
#ifndef KESTREL_VMM_HYPERCALL_H
#define KESTREL_VMM_HYPERCALL_H

/*
 * A hypercall is VMCALL with the call number in EAX/RAX and up to three
 * arguments in EBX/RBX, ECX/RCX and EDX/RDX. The result comes back in
 * EAX/RAX: a value >= 0 on success, a negative HC_E* code on failure.
 * Outside 64-bit mode only the low 32 bits of each register are used.
 */
#define HC_VERSION       0 /* -> KESTREL_HC_ABI_VERSION */
#define HC_CONSOLE_WRITE 1 /* rbx = guest-physical address, rcx = length -> bytes written (may be short) */
#define HC_YIELD         2 /* give up the rest of the time slice -> 0 */
#define HC_SHUTDOWN      3 /* rbx = exit code; does not return */
#define HC_TSC_HZ        4 /* -> the host TSC frequency in Hz (RDTSC runs natively) */
#define HC_BENCH_FLOOR   5 /* rbx = 1: the minimal floor handler takes this VM's exits (make bench), until
			    * HC_BENCH_FLOOR with rbx = 0 or any exit it does not handle -> 0 */

#define HC_CONSOLE_MAX 4096 /* longest HC_CONSOLE_WRITE, in bytes */

#define HC_ENOSYS (-1) /* unknown call number */
#define HC_EINVAL (-2) /* bad argument (buffer outside guest RAM, too long) */

#define KESTREL_HC_ABI_VERSION 0x00010000u /* major 1, minor 0 */

/* CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = signature. */
#define KESTREL_CPUID_BASE      0x40000000u
#define KESTREL_CPUID_LEAVES    2 /* 0x40000000-0x40000001; the rest of the range to 0x400000FF is 0 */
#define KESTREL_CPUID_SIGNATURE "KestrelVisor" /* exactly 12 bytes */

/* CPUID exit statistics of the calling VM, outside the hypervisor range on
 * purpose (the numbers of the CMPE 283 exercises on KVM). ECX = a basic exit
 * reason (SDM 3D appendix C) for the first two; one the SDM does not define
 * gives EAX = EBX = ECX = 0, EDX = KESTREL_CPUID_STATS_UNDEFINED, one that
 * cannot happen in a Kestrel guest all 0. Times are host TSC ticks. */
#define KESTREL_CPUID_STATS_REASON_TIME  0x4FFFFFFCu /* -> EBX:ECX that reason's time */
#define KESTREL_CPUID_STATS_REASON_COUNT 0x4FFFFFFDu /* -> EAX that reason's exits */
#define KESTREL_CPUID_STATS_TOTAL_TIME   0x4FFFFFFEu /* -> EBX:ECX the time of all exits */
#define KESTREL_CPUID_STATS_TOTAL_COUNT  0x4FFFFFFFu /* -> EAX all exits */
#define KESTREL_CPUID_STATS_UNDEFINED    0xFFFFFFFFu /* EDX for an undefined reason */

/* Legacy ports every guest may use (QEMU and Bochs conventions). */
#define KESTREL_PORT_DEBUGCON 0xE9 /* byte written -> guest console */
#define KESTREL_PORT_EXIT     0xF4 /* value written -> guest ends with that exit code */

#endif
