/* The VMM's side of the monitor (vmm/monitor/monitor.h): the operator's view
 * of every VM and the controls over it. The monitor itself is pure C; this
 * file is where it meets VMX state, guest memory and the scheduler. */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/power.h"
#include "kernel/serial.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/dev/dev_show.h"
#include "vmm/inject.h"
#include "vmm/load/loader.h"
#include "vmm/mem/gram.h"
#include "vmm/monitor_mem.h"
#include "vmm/vmm.h"

static struct vmm *vmm_of(void *ctx) { return ctx; }

static void op_out(void *ctx, char c)
{
	(void)ctx;
	serial_putc(c);
}

static const char *op_version(void *ctx)
{
	(void)ctx;
	return "Kestrel " KESTREL_VERSION;
}

static uint64_t op_uptime_ns(void *ctx) { return tsc_to_ns(rdtsc() - vmm_of(ctx)->start_tsc); }

static void op_host_pages(void *ctx, uint64_t *total, uint64_t *free)
{
	(void)ctx;
	*total = mm_total_pages();
	*free = mm_free_pages();
}
static unsigned op_vm_count(void *ctx) { return vmm_of(ctx)->nvms; }

static bool op_vm_info(void *ctx, unsigned id, struct monitor_vm_info *out)
{
	struct vmm *vmm = vmm_of(ctx);
	if (id >= vmm->nvms)
		return false;
	struct vm *vm = &vmm->vms[id];
	static char image[96];
	int n = fmt_snprintf(image, sizeof(image), "module %u, %zu bytes (%s)", vm->module, vm->image_len,
			     loader_format_name(vm->format));
	if (vm->boot.nfiles && n > 0 && (size_t)n < sizeof(image))
		fmt_snprintf(image + n, sizeof(image) - (size_t)n, ", %u file%s", vm->boot.nfiles,
			     vm->boot.nfiles == 1 ? "" : "s");
	vcpu_load(&vm->vcpu);
	*out = (struct monitor_vm_info){
		.id = id,
		.name = vm->opts.name,
		.state = vm_state_name(vm->state),
		.reason = vm->reason,
		.image = image,
		.cpu_mode = vcpu_mode_name(),
		.mem_bytes = vm->opts.mem,
		.host_bytes = vmm_vm_host_bytes(vmm, vm),
		.host_page_bytes = vm->host_pages * PAGE_SIZE,
		.exits = vm->exits_total,
		.run_ns = tsc_to_ns(vm->cpu_ticks),
		.exit_code = vm->exit_code,
		.exit_code_valid = vm->has_exit_code,
		.exit_counts = vm->exits,
		.exit_ticks = vm->exit_ticks,
		.nr_exit_counts = EXIT_REASON_COUNT,
		.console_shown = vm->console.shown,
		.console_dropped = vm->console.dropped,
	};
	op_mem_pages(ctx, id, &out->private_pages, &out->shared_pages);
	return true;
}

static const char *op_pause(void *ctx, unsigned id)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	if (vm_ended(vm))
		return "it has ended";
	if (vm->state == VM_PAUSED)
		return "already paused";
	vm->paused_from = vm->state;
	vm->state = VM_PAUSED;
	return 0;
}

static const char *op_resume(void *ctx, unsigned id)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	if (vm->state != VM_PAUSED)
		return "not paused";
	vm->state = vm->paused_from;
	return 0;
}

static const char *op_reset(void *ctx, unsigned id)
{
	vmm_reset_vm(vmm_of(ctx), &vmm_of(ctx)->vms[id]);
	return 0;
}

static const char *op_stop(void *ctx, unsigned id)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	if (vm_ended(vm))
		return "it has already ended";
	vm_end(vm, VM_STOPPED, "stopped by the operator");
	return 0;
}

/* Counts, ticks and the total together, so that `exits`, `list` and the
 * CPUID statistics leaves start again from 0 alike. */
static const char *op_exits_reset(void *ctx, unsigned id)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	memset(vm->exits, 0, sizeof(vm->exits));
	memset(vm->exit_ticks, 0, sizeof(vm->exit_ticks));
	vm->exits_total = 0;
	return 0;
}

static const char *op_regs(void *ctx, unsigned id, struct monitor_regs *r)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	struct vcpu_state s;
	vcpu_snapshot(&vm->vcpu, &s);
	*r = (struct monitor_regs){
		.rax = s.regs.rax, .rbx = s.regs.rbx, .rcx = s.regs.rcx, .rdx = s.regs.rdx,
		.rsi = s.regs.rsi, .rdi = s.regs.rdi, .rbp = s.regs.rbp, .rsp = s.rsp,
		.r8 = s.regs.r8,   .r9 = s.regs.r9,   .r10 = s.regs.r10, .r11 = s.regs.r11,
		.r12 = s.regs.r12, .r13 = s.regs.r13, .r14 = s.regs.r14, .r15 = s.regs.r15,
		.rip = s.rip,      .rflags = s.rflags, .cr0 = s.cr0,     .cr3 = s.cr3,
		.cr4 = s.cr4,      .efer = s.efer,    .gdtr_base = s.gdtr_base, .idtr_base = s.idtr_base,
		.gdtr_limit = s.gdtr_limit, .idtr_limit = s.idtr_limit,
	};
	for (unsigned i = 0; i < SEG_COUNT; i++)
		r->seg[i] = (struct monitor_seg){s.seg[i].sel, s.seg[i].base, s.seg[i].limit, s.seg[i].ar};
	return 0;
}

static long op_mem_read(void *ctx, unsigned id, uint64_t gpa, void *buf, size_t len)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	if (gpa >= vm->opts.mem)
		return -1;
	if (len > vm->opts.mem - gpa)
		len = vm->opts.mem - gpa;
	gram_read(vm, gpa, buf, len);
	return (long)len;
}

static const char *op_dev_show(void *ctx, unsigned id, const char *dev, void (*put)(void *, char), void *putctx)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	uint64_t now = rdtsc();
	isa_advance(&vm->isa, now);
	isa_sync(&vm->isa);
	vm->dev_deadline = 0;
	if (!strcmp(dev, "pic"))
		pic_show(&vm->isa.pic, put, putctx);
	else if (!strcmp(dev, "pit"))
		pit_show(&vm->isa, now, put, putctx);
	else if (!strcmp(dev, "uart"))
		uart_show(&vm->isa, put, putctx);
	else if (!strcmp(dev, "rtc"))
		rtc_show(&vm->isa, put, putctx);
	else
		return "no such device";
	return 0;
}

static const char *op_inject(void *ctx, unsigned id, struct event *ev)
{
	struct vm *vm = &vmm_of(ctx)->vms[id];
	if (vm_ended(vm))
		return "it has ended";
	vcpu_load(&vm->vcpu);
	const char *why = vm_inject(vm, ev, EVENT_REQUESTED);
	if (why)
		return why;
	if (vm->state == VM_BLOCKED)
		vm->state = VM_RUNNING; /* an event ends HLT */
	return 0;
}

static unsigned op_quantum_get(void *ctx) { return (unsigned)vmm_of(ctx)->quantum_ms; }

static const char *op_quantum_set(void *ctx, unsigned ms)
{
	struct vmm *vmm = vmm_of(ctx);
	vmm->quantum_ms = ms;
	vmm->quantum_ticks = tsc_from_ms(ms);
	return 0;
}

static int op_loglevel_get(void *ctx)
{
	(void)ctx;
	return (int)console_log_level();
}

static void op_loglevel_set(void *ctx, int level)
{
	(void)ctx;
	console_set_log_level((enum log_level)level);
}

static void op_poweroff(void *ctx)
{
	console_set_sink(0, 0);
	kputs("\n");
	vmm_print_summary(vmm_of(ctx));
	power_off(0);
}

static void op_reboot(void *ctx)
{
	(void)ctx;
	power_reboot();
}

/* A byte in its FIFO may give the guest an interrupt: its devices and the
 * scheduler's wake-up look again (a blocked VM becomes runnable). */
static bool op_rx(void *ctx, unsigned id, uint8_t byte)
{
	struct vmm *vmm = vmm_of(ctx);
	struct vm *vm = &vmm->vms[id];
	if (!uart_rx_push(&vm->isa.com1, byte))
		return false;
	vm->dev_deadline = 0;
	vmm->wake_deadline = 0;
	return true;
}

bool vmm_rx_room(const struct vmm *vmm)
{
	return uart_rx_space(&vmm->vms[vmm->mon.cm.rxq_vm].isa.com1) != 0;
}

static const struct monitor_ops vmm_monitor_ops = {
	.out = op_out,
	.version = op_version,
	.uptime_ns = op_uptime_ns,
	.host_pages = op_host_pages,
	.vm_count = op_vm_count,
	.vm_info = op_vm_info,
	.exit_name = exit_reason_name,
	.pause = op_pause,
	.resume = op_resume,
	.reset = op_reset,
	.stop = op_stop,
	.exits_reset = op_exits_reset,
	.regs = op_regs,
	.mem_read = op_mem_read,
	.dev_show = op_dev_show,
	.inject = op_inject,
	.quantum_get = op_quantum_get,
	.quantum_set = op_quantum_set,
	.loglevel_get = op_loglevel_get,
	.loglevel_set = op_loglevel_set,
	.poweroff = op_poweroff,
	.reboot = op_reboot,
	.rx = op_rx,
	.snapshot = op_snapshot,
	.rewind = op_rewind,
	.snapshots = op_snapshots,
	.forget = op_forget,
	.clone = op_clone,
	.watch = op_watch,
	.unwatch = op_unwatch,
	.watches = op_watches,
	.dirty = op_dirty,
};

void vmm_monitor_start(struct vmm *vmm)
{
	vmm->monitor_on = true;
	monitor_init(&vmm->mon, &vmm_monitor_ops, vmm);
	console_set_sink(monitor_host_output, &vmm->mon);
}
