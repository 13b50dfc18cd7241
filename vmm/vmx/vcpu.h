/* A virtual CPU: its VMCS, the guest registers the VMCS does not hold, and
 * the small accessors the exit handlers use instead of VMREAD/VMWRITE. */
#ifndef KESTREL_VMM_VCPU_H
#define KESTREL_VMM_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cpu.h"
#include "vmm/vmx/vm_exit.h"
#include "vmm/vmx/vmcs.h"

struct vmx_caps;
struct guest_entry;

/* Laid out for vmm/vmx/vmx_entry.asm: keep the order. */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t exit_tsc; /* the TSC as the last VM exit landed */
	uint64_t floor_left; /* exits the floor handler may still take (vmm/vmx/vmx_floor.asm) */
};
_Static_assert(sizeof(struct guest_regs) == 17 * 8, "vmx_entry.asm and vmx_floor.asm offsets");

/* State the VMCS does not switch but guests use natively: the SYSCALL and
 * SWAPGS MSRs, IA32_TSC_AUX (RDTSCP and RDPID read it), CR2 (written by the
 * guest's own page faults) and the debug registers other than DR7 (MOV DR
 * does not exit). */
struct guest_msrs {
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux;
	uint64_t cr2, dr0, dr1, dr2, dr3, dr6;
};

struct vcpu {
	struct guest_regs regs;
	struct guest_msrs msrs;
	const struct vmx_caps *caps;
	uint64_t vmcs_pa;
	bool launched;
	uint16_t vpid;
	uint32_t proc; /* primary controls as last written */
	uint32_t entry;
	uint64_t xcr0;
	uint64_t cr8; /* TPR as MOV CR8 sees it */
	uint64_t cr4_allowed; /* vcpu_cr4_allowed(caps) */
	uint64_t fpu_pa; /* FXSAVE/XSAVE area, 4 KiB */
	uint64_t misc_enable_cleared; /* IA32_MISC_ENABLE bits the guest cleared (vmm/exit/msr.c) */
};

/* Every CR4 bit is the host's: each MOV to CR4 exits and is checked
 * (vcpu_write_cr4), and the guest reads the read shadow (SDM 3C 25.6.6). */
#define VCPU_CR4_GUEST_HOST_MASK (~0ull)

/* Shared by every VCPU: the I/O and MSR bitmaps (one policy for all guests). */
struct vmx_bitmaps {
	uint64_t io_a_pa, io_b_pa, msr_pa;
};

/* VMCLEAR a fresh VMCS and fill in host state and controls. False: no memory. */
bool vcpu_create(struct vcpu *v, const struct vmx_caps *caps, uint16_t vpid, uint64_t eptp,
		 const struct vmx_bitmaps *bm);
/* VMCLEAR and free the VMCS and FPU area of a VCPU that never ran. */
void vcpu_destroy(struct vcpu *v);
void vcpu_unload(struct vcpu *v);
/* Load the initial guest state for a loaded image (docs/guests.md). */
void vcpu_reset(struct vcpu *v, const struct guest_entry *e);
/* Make this VCPU's VMCS current, switching the lazily-switched state. */
void vcpu_load(struct vcpu *v);
/* What runs after every VM exit, with the guest's registers in v->regs:
 * the VMX-preemption timer value to enter the guest again at once with, or
 * a negative value to return from vcpu_run. */
typedef int64_t (*vcpu_exit_fn)(void *ctx);
/* Enter the guest, and again after each exit on_exit takes care of; returns
 * 0 after an exit on_exit hands back, 1 for VMfailInvalid and 2 for
 * VMfailValid (vmm/vmx/vmx_entry.asm). */
int vcpu_run(struct vcpu *v, uint32_t preemption_timer, vcpu_exit_fn on_exit, void *ctx);
/* The floor handler (vmm/vmx/vmx_floor.asm) takes v's exits (v loaded)
 * until one it does not handle, HC_BENCH_FLOOR with RBX = 0, or
 * VCPU_FLOOR_EXITS of them. */
#define VCPU_FLOOR_EXITS 1024
void vcpu_bench_floor(struct vcpu *v);
/* After a VMfailValid: the VM-instruction error and the SDM's words for it. */
unsigned vcpu_instruction_error(void);
const char *vcpu_instruction_error_name(unsigned error);

/* Guest state the exit handlers may read and change. */
uint64_t vcpu_rflags(void);
uint64_t vcpu_rsp(void);
void vcpu_set_rsp(uint64_t rsp);
#ifndef KESTREL_HOST_TEST
/* The accessors every common exit uses, inline: they are a VMREAD or two. */
static inline uint64_t vcpu_rip(void) { return vmcs_read(VMCS_GUEST_RIP); }
static inline void vcpu_set_rip(uint64_t rip) { vmcs_write(VMCS_GUEST_RIP, rip); }
static inline uint64_t vcpu_efer(void) { return vmcs_read(VMCS_GUEST_IA32_EFER); }
static inline bool vcpu_long_mode(void) { return vcpu_efer() & EFER_LMA; }
static inline unsigned vcpu_cpl(void) { return (vmcs_read(VMCS_GUEST_SS_ACCESS_RIGHTS) >> 5) & 3; }
static inline uint32_t vcpu_interruptibility(void)
{
	return (uint32_t)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE);
}
static inline void vcpu_set_interruptibility(uint32_t v) { vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, v); }

/* CS.L selects 64-bit code only in IA-32e mode, CS.D 32-bit code only in
 * protected mode (SDM 3A 5.2.1): read EFER and CR0 only when the bit asks.
 * CR0.PE is host-owned (cr0_guest_host_mask), so its read shadow holds the
 * guest's PE. 16, 32 or 64: the default operand size of the current code
 * segment. */
static inline unsigned vcpu_code_bits(void)
{
	uint32_t ar = (uint32_t)vmcs_read(VMCS_GUEST_CS_ACCESS_RIGHTS);
	if ((ar & (1u << 13)) && vcpu_long_mode())
		return 64;
	if ((ar & (1u << 14)) && (vmcs_read(VMCS_CR0_READ_SHADOW) & CR0_PE))
		return 32;
	return 16;
}

/*
 * Emulating an instruction retires it: advance RIP and drop the one-
 * instruction STI / MOV SS interrupt shadow it was in (SDM 3C 26.3.1.5).
 * The instruction pointer is as wide as the code: IP in 16-bit code, EIP in
 * 32-bit code, compatibility mode included (SDM 1 3.5, 3.6), so it wraps at
 * 64 KiB or 4 GiB as the CPU's own would. VM entry refuses an RIP above
 * 4 GiB with CS.L = 0 (SDM 3C 26.3.1.4).
 */
static inline void vcpu_skip_instruction(const struct vm_exit *e)
{
	uint64_t rip = e->rip + e->insn_len;
	/* Only an instruction that crosses a 64 KiB boundary can wrap: ask the
	 * code size (up to three VMREADs) only then. */
	if ((e->rip ^ rip) >> 16) {
		unsigned bits = vcpu_code_bits();
		if (bits < 64)
			rip &= bits == 16 ? 0xFFFF : 0xFFFFFFFF;
	}
	vcpu_set_rip(rip);
	uint32_t s = vcpu_interruptibility();
	if (s & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vcpu_set_interruptibility(s & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}
#else
/* Host unit tests (tests/unit) have no VMCS: they provide these. */
uint64_t vcpu_rip(void);
void vcpu_set_rip(uint64_t rip);
uint64_t vcpu_efer(void);
bool vcpu_long_mode(void);
unsigned vcpu_cpl(void);
uint32_t vcpu_interruptibility(void);
void vcpu_set_interruptibility(uint32_t v);
unsigned vcpu_code_bits(void);
void vcpu_skip_instruction(const struct vm_exit *e);
#endif

/* The task register's base and limit (the guest's TSS). */
void vcpu_tr(uint64_t *base, uint32_t *limit);
uint64_t vcpu_cr0(void); /* as the guest sees it (read shadow merged) */
uint64_t vcpu_cr3(void);
uint64_t vcpu_cr4(void);
/* The guest's CR4 in one VMREAD: with every bit host-owned
 * (VCPU_CR4_GUEST_HOST_MASK), MOV from CR4 reads the read shadow alone. */
uint64_t vcpu_cr4_read_shadow(void);
uint64_t vcpu_debugctl(void);
void vcpu_write_debugctl(uint64_t val);

/* Event injection at the next VM entry (SDM 3C 27.6): only vmm/inject.c
 * calls it, after vmm/event.c has fitted the event to the guest's mode. */
void vcpu_inject(unsigned type, unsigned vector, bool has_error, uint32_t error, unsigned insn_len);
bool vcpu_event_pending(void);
void vcpu_set_interrupt_window(struct vcpu *v, bool on);
/* Exit after the next instruction (SDM 3C 26.7.2): a watch's single step. */
void vcpu_set_monitor_trap(struct vcpu *v, bool on);
/* The same where the CPU has no monitor trap flag: RFLAGS.TF with #DB
 * intercepted (SDM 3A 18.3.1.4; a #DB that exits leaves DR6 alone, 3C
 * 27.1). Returns the guest's TF before; off puts guest_tf back. */
bool vcpu_trap_flag_step(struct vcpu *v, bool on, bool guest_tf);

/* Emulated control-register and EFER writes; false = inject #GP. */
bool vcpu_write_cr0(struct vcpu *v, uint64_t val);
bool vcpu_write_cr4(struct vcpu *v, uint64_t val);
/* CR4 bits a guest may set: those the feature table (vmm/vmx/features.c)
 * offers on this CPU, and MCE and PCE, which no CPUID bit gates here. The
 * table asks CPUID for each row, so vcpu_create keeps the answer. */
uint64_t vcpu_cr4_allowed(const struct vmx_caps *c);
bool vcpu_write_efer(struct vcpu *v, uint64_t val);
void vcpu_write_cr3(uint64_t val);
/* v (loaded) translates through another EPT from its next entry. */
void vcpu_set_eptp(struct vcpu *v, uint64_t eptp);
#define VCPU_PML_ENTRIES 512 /* guest-physical addresses in the 4 KiB log */
/* Page-modification logging into the 4 KiB log at pml_pa (SDM 3C 29.3.6),
 * on or off, for the loaded v; the index starts at 511 (the log empty). */
void vcpu_set_pml(struct vcpu *v, uint64_t pml_pa, bool on);
/* Entries logged since the index was last reset, and the reset. */
unsigned vcpu_pml_logged(void);
void vcpu_pml_reset(void);
/* The loaded VCPU's TSC offset (guest TSC = host TSC + offset), and v's set. */
uint64_t vcpu_tsc_offset(void);
void vcpu_set_tsc_offset(struct vcpu *v, uint64_t offset);
/* False when the CPU cannot offset the guest's TSC. */
bool vcpu_write_tsc(struct vcpu *v, uint64_t val);
/* PAE paging outside IA-32e mode: the PDPTEs VM entry loads (SDM 3C 27.3.2.4). */
void vcpu_set_pdptes(const uint64_t pdpte[4]);
/* The PDPTE registers the CPU translates with (VM exit saves them with EPT). */
void vcpu_pdptes(uint64_t pdpte[4]);
/* The guest's CR2, as a page fault Kestrel raises sets it (SDM 3A 4.7). */
void vcpu_set_cr2(struct vcpu *v, uint64_t cr2);
/* Reset the FPU/SSE state to what FNINIT and power-on leave. */
void vcpu_fpu_init(struct vcpu *v);

/* The VCPU's whole state, for snapshots and clones (vmm/vmx/vcpu_image.c). */
#define VCPU_IMAGE_FIELDS 64
struct vcpu_image {
	struct guest_regs regs;
	struct guest_msrs msrs;
	uint64_t xcr0, cr8, misc_enable_cleared;
	uint32_t proc, entry;
	uint64_t field[VCPU_IMAGE_FIELDS]; /* VMCS fields, in vcpu_image.c's table order */
	uint8_t fpu[4096];                 /* the FXSAVE/XSAVE area (FPU_AREA_SIZE) */
};
void vcpu_save(struct vcpu *v, struct vcpu_image *img);
/* img into v, which may be another VCPU (a clone) with its own VMCS. */
void vcpu_restore(struct vcpu *v, const struct vcpu_image *img);
/* With v loaded: its FPU area and msrs copy from the CPU, or back to it. */
void vcpu_sync_lazy(struct vcpu *v);
void vcpu_reload_lazy(struct vcpu *v);

/* A snapshot for reports and the monitor. */
struct vcpu_state {
	struct guest_regs regs;
	uint64_t rip, rsp, rflags, cr0, cr2, cr3, cr4, efer;
	struct {
		uint16_t sel;
		uint64_t base;
		uint32_t limit, ar;
	} seg[8]; /* ES CS SS DS FS GS LDTR TR */
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint32_t interruptibility, activity;
};
void vcpu_snapshot(struct vcpu *v, struct vcpu_state *s);
const char *vcpu_mode_name(void);

#endif
