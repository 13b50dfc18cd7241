/* Bringing the hypervisor up: VMX probe and VMXON, the shared bitmaps, and
 * one VM per Multiboot2 module. A module that cannot become a VM is reported
 * with its name and the reason, and skipped; the others run. */
#include "vmm/vmm.h"
#include "vmm/mem/gram.h"
#include "vmm/snapshot.h"
#include "kernel/cmos.h"
#include "kernel/console.h"
#include "kernel/fmt.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/paging.h"
#include "kernel/panic.h"
#include "kernel/serial.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/load/loader.h"
#include "vmm/vmx/msr_bitmap.h"

bool vmm_probe(struct vmm *vmm)
{
	char why[256];
	if (vmx_probe(&vmm->caps, why, sizeof(why)))
		return true;
	kprintf("kestrel: cannot run guests: this CPU lacks %s\n", why);
	return false;
}

#define PORT_POST 0x80

static void vmm_init_bitmaps(struct vmm *vmm)
{
	struct vmx_bitmaps *bm = &vmm->bitmaps;
	bm->io_a_pa = mm_alloc_page();
	bm->io_b_pa = mm_alloc_page();
	bm->msr_pa = mm_alloc_page();
	if (!bm->io_a_pa || !bm->io_b_pa || !bm->msr_pa)
		panic("out of memory for the VMX bitmaps");
	/* Every port exits: emulated ones reach their device, the rest are the
	 * empty bus and are counted (SDM 3C 25.6.4). */
	memset(phys_to_virt(bm->io_a_pa), 0xFF, PAGE_SIZE);
	memset(phys_to_virt(bm->io_b_pa), 0xFF, PAGE_SIZE);
	/* Except port 0x80, the POST code port kernels also write for an I/O
	 * delay: nothing a guest can change there matters, so it runs natively,
	 * without an exit, as on the PC it thinks it has. */
	((uint8_t *)phys_to_virt(bm->io_a_pa))[PORT_POST / 8] &= (uint8_t)~(1u << (PORT_POST % 8));
	msr_bitmap_init(phys_to_virt(bm->msr_pa));
	exit_msr_bitmap(phys_to_virt(bm->msr_pa));
}

static const char *vm_build_parts(struct vmm *vmm, struct vm *vm)
{
	const char *err = vm_ram_build(vm, vmm->caps.ept_2mb);
	if (err)
		return err;
	if (!vcpu_create(&vm->vcpu, &vmm->caps, (uint16_t)(vm->id + 1), vm->ept.pointer, &vmm->bitmaps))
		return "not enough host memory for its VMCS";
	vm->timer_rate = vmm->caps.preemption_rate;
	return 0;
}

/* Everything a VM needs from the host, allocated before anything is loaded;
 * what it took besides its RAM is what the page allocator handed out. */
static const char *vm_build(struct vmm *vmm, struct vm *vm)
{
	uint64_t free_before = mm_free_pages();
	const char *err = vm_build_parts(vmm, vm);
	vm->host_pages = free_before - mm_free_pages() - (vm->ram_pa ? vm->opts.mem / PAGE_SIZE : 0);
	return err;
}

uint64_t vmm_vm_static_bytes(const struct vmm *vmm)
{
	return sizeof(vmm->vms[0]) + monitor_vm_bytes(&vmm->mon);
}

uint64_t vmm_vm_host_bytes(const struct vmm *vmm, const struct vm *vm)
{
	return vm->host_pages * PAGE_SIZE + vmm_vm_static_bytes(vmm);
}

/* Give back what vm_build took, for a module that did not become a VM. */
static void vm_release(struct vm *vm)
{
	snapshot_forget_all(vm);
	gram_release(vm);
	vcpu_destroy(&vm->vcpu);
	vm->ram_pa = 0;
}

static bool vm_name_taken(struct vmm *vmm, const char *name)
{
	for (unsigned i = 0; i < vmm->nvms; i++)
		if (!strcmp(vmm->vms[i].opts.name, name))
			return true;
	return false;
}

/* Everything that can be said about a module before any memory is spent. */
static const char *vm_check_module(struct vmm *vmm, struct vm *vm, const struct boot_module *mod, char *buf,
				   size_t len)
{
	const char *err = 0;
	if (vmopts_parse(mod->string, &vm->opts, buf, len) != 0)
		return buf;
	if (vm_name_taken(vmm, vm->opts.name))
		return "another guest already has this name";
	vm->format = loader_identify(mod->data, mod->size, &err);
	if (vm->format == IMAGE_UNKNOWN)
		return err;
	if (mod->size > vm->opts.mem) {
		fmt_snprintf(buf, len, "image of %lu bytes is larger than its memory (%lu bytes)", mod->size,
			     vm->opts.mem);
		return buf;
	}
	uint64_t free = mm_free_pages() * PAGE_SIZE; /* its RAM alone, before its EPT and VMCS */
	if (vm->opts.mem > free) {
		fmt_snprintf(buf, len, "its %lu KiB of RAM are more than the host has free (%lu KiB)",
			     vm->opts.mem >> 10, free >> 10);
		return buf;
	}
	return 0;
}

const char *vmm_module_shown(const struct boot_module *m, char *buf)
{
	return fmt_quote(buf, MODULE_SHOW + 1, m->string, strlen(m->string));
}

/* A module line "+NAME [STRING]" is a file for VM NAME, not a VM. */
static bool module_is_file(const struct boot_module *m) { return m->string[0] == '+'; }

static size_t file_target_len(const struct boot_module *m)
{
	size_t n = 0;
	while (m->string[1 + n] && m->string[1 + n] != ' ' && m->string[1 + n] != '\t')
		n++;
	return n;
}

static bool file_is_for(const struct boot_module *m, const char *name)
{
	size_t n = file_target_len(m);
	return module_is_file(m) && strlen(name) == n && !strncmp(m->string + 1, name, n);
}

/* The rest of a "+NAME" line: the module's own string. */
static const char *file_string(const struct boot_module *m)
{
	const char *s = m->string + 1 + file_target_len(m);
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Hand the VM its "+NAME" modules, in order, and its command line. */
static void vm_attach_files(struct vm *vm, const struct boot_module *mods, unsigned nmods)
{
	vm->boot = (struct guest_boot){vm->opts.cmdline, vm->files, 0, vm->opts.com2};
	if (!loader_takes_files(vm->format))
		return;
	for (unsigned i = 0; i < nmods && vm->boot.nfiles < VM_FILES_MAX; i++)
		if (file_is_for(&mods[i], vm->opts.name))
			vm->files[vm->boot.nfiles++] = (struct boot_file){mods[i].data, mods[i].size, file_string(&mods[i])};
}

/* A "+NAME" module that no VM took: say why. */
static void vmm_check_file(struct vmm *vmm, const struct boot_module *m)
{
	char shown[MODULE_SHOW + 1];
	for (unsigned i = 0; i < vmm->nvms; i++) {
		struct vm *vm = &vmm->vms[i];
		if (!file_is_for(m, vm->opts.name))
			continue;
		for (unsigned f = 0; f < vm->boot.nfiles; f++)
			if (vm->files[f].data == m->data && vm->files[f].string == file_string(m))
				return;
		if (!loader_takes_files(vm->format))
			kprintf("kestrel: module %u '%s': vm '%s' is a %s, which takes no modules; skipped\n", m->index,
				vmm_module_shown(m, shown), vm->opts.name, loader_format_name(vm->format));
		else
			kprintf("kestrel: module %u '%s': vm '%s' already has %u modules, the most it takes; skipped\n",
				m->index, vmm_module_shown(m, shown), vm->opts.name, VM_FILES_MAX);
		return;
	}
	char target[VMOPTS_NAME_MAX + 5]; /* no VM has a longer name: that much says which */
	kprintf("kestrel: module %u '%s': no guest is named '%s'; skipped\n", m->index, vmm_module_shown(m, shown),
		fmt_quote(target, sizeof(target), m->string + 1, file_target_len(m)));
}

/* A command line for a format that takes none: the guest runs without it. */
static void vm_check_cmdline(const struct vm *vm, const struct boot_module *mod)
{
	char shown[MODULE_SHOW + 1];
	if (*vm->opts.cmdline && !loader_takes_files(vm->format))
		kprintf("kestrel: module %u '%s': a %s takes no command line; ignored\n", mod->index,
			vmm_module_shown(mod, shown), loader_format_name(vm->format));
}

static void vmm_skip_module(const struct boot_module *mod, const char *why)
{
	char shown[MODULE_SHOW + 1];
	kprintf("kestrel: module %u '%s': %s; skipped\n", mod->index, vmm_module_shown(mod, shown), why);
}

static void vmm_print_vm(const struct vmm *vmm, const struct vm *vm)
{
	kprintf("kestrel: vm %u '%s': module %u, %lu KiB, %s", vm->id, vm->opts.name, vm->module, vm->opts.mem >> 10,
		loader_format_name(vm->format));
	if (vm->boot.nfiles)
		kprintf(", %u module%s", vm->boot.nfiles, vm->boot.nfiles == 1 ? "" : "s");
	kprintf("\n");
	kprintf("memory: vm %s ram=%lu host_bytes=%lu host_pages=%lu static=%lu\n", vm->opts.name, vm->opts.mem,
		vmm_vm_host_bytes(vmm, vm), vm->host_pages, vmm_vm_static_bytes(vmm));
}

/* The VM as it is now, into the fresh slot vm: the same image, options
 * and files, its VCPU state in a VMCS of vm's own, copies of its devices,
 * and its RAM shared copy-on-write (vmm/mem/gram.c). The source is off
 * the CPU while the monitor runs: it is paused for the moment of cloning. */
static const char *vm_clone_parts(struct vmm *vmm, struct vm *vm, struct vm *src)
{
	static struct vcpu_image img; /* 5 KiB: not on the stack */
	if (!ept_init(&vm->ept, src->ept.large_pages) || !gram_share(vm, src))
		return "not enough host memory for its EPT";
	if (!vcpu_create(&vm->vcpu, &vmm->caps, (uint16_t)(vm->id + 1), vm->ept.pointer, &vmm->bitmaps))
		return "not enough host memory for its VMCS";
	vcpu_save(&src->vcpu, &img);
	vcpu_restore(&vm->vcpu, &img);
	vm->timer_rate = src->timer_rate;
	isa_advance(&src->isa, rdtsc());
	isa_copy(&vm->isa, &src->isa, vm);
	vm_console_reset_board(vm);
	vm->state = src->state == VM_PAUSED ? src->paused_from : src->state;
	vm->intr = src->intr;
	vm->intr_held_until = src->intr_held_until;
	vm->last_inject = src->last_inject;
	return 0;
}

const char *vmm_clone_vm(struct vmm *vmm, struct vm *src, const char *name, unsigned *id)
{
	if (vmm->nvms == VM_MAX)
		return "no VM slot left (64 at most)";
	if (vm_name_taken(vmm, name))
		return "that name is taken";
	if (vm_ended(src) || src->restarting)
		return src->restarting ? "it is restarting" : "it has ended";
	if (src->watch.step.on)
		return "it is stepping over a watch; try again";
	struct vm *vm = &vmm->vms[vmm->nvms];
	memset(vm, 0, sizeof(*vm));
	vm->host = &vmm->vm_host;
	vm->id = vmm->nvms;
	vm->opts = src->opts;
	fmt_snprintf(vm->opts.name, sizeof(vm->opts.name), "%s", name);
	vm->module = src->module;
	vm->image = src->image;
	vm->image_len = src->image_len;
	vm->format = src->format;
	memcpy(vm->files, src->files, sizeof(vm->files));
	vm->boot = src->boot;
	vm->boot.files = vm->files;
	vm->cpuid = src->cpuid;
	snapbook_init(&vm->snaps, (uint32_t)(vm->opts.mem / PAGE_SIZE));
	uint64_t free_before = mm_free_pages();
	const char *err = vm_clone_parts(vmm, vm, src);
	vm->host_pages = free_before - mm_free_pages();
	if (err) {
		vm_release(vm);
		return err;
	}
	*id = vm->id;
	vmm->nvms++;
	vmm->wake_deadline = 0;
	return 0;
}

static void vmm_create_vm(struct vmm *vmm, const struct boot_module *mods, unsigned nmods, unsigned index)
{
	const struct boot_module *mod = &mods[index];
	char err_buf[128];
	if (vmm->nvms == VM_MAX) { /* before vms[nvms], which is past the end */
		fmt_snprintf(err_buf, sizeof(err_buf), "too many guests (at most %u)", VM_MAX);
		vmm_skip_module(mod, err_buf);
		return;
	}
	struct vm *vm = &vmm->vms[vmm->nvms];
	memset(vm, 0, sizeof(*vm));
	vm->host = &vmm->vm_host;
	const char *err = vm_check_module(vmm, vm, mod, err_buf, sizeof(err_buf));
	if (!err) {
		vm->id = vmm->nvms;
		vm->image = mod->data;
		vm->image_len = mod->size;
		vm->module = mod->index;
		vm->cpuid = &vmm->cpuid;
		snapbook_init(&vm->snaps, (uint32_t)(vm->opts.mem / PAGE_SIZE));
		vm_attach_files(vm, mods, nmods);
		err = vm_build(vmm, vm);
	}
	if (!err)
		vm_restart(vm, &err);
	if (err) {
		vmm_skip_module(mod, err);
		vm_release(vm);
		return;
	}
	vm_check_cmdline(vm, mod);
	vmm_print_vm(vmm, vm);
	vmm->nvms++;
}

/* What the guests cost the host beyond their RAM, and what is left. */
static void vmm_print_memory(const struct vmm *vmm)
{
	uint64_t ram = 0, host = 0, most = 0;
	for (unsigned i = 0; i < vmm->nvms; i++) {
		uint64_t b = vmm_vm_host_bytes(vmm, &vmm->vms[i]);
		ram += vmm->vms[i].opts.mem;
		host += b;
		most = b > most ? b : most;
	}
	kprintf("memory: %u guests ram=%lu host_bytes=%lu host_bytes_max=%lu host_free=%lu\n", vmm->nvms, ram, host,
		most, (uint64_t)(mm_free_pages() * PAGE_SIZE));
}

/* The host's clock, read once: every guest's RTC starts from it (vm.c). */
static void vmm_read_host_clock(void)
{
	struct cmos_time t;
	uint64_t at;
	if (!cmos_boot_read()) {
		kprintf("rtc: the host clock could not be read; guests start at 2000-01-01 00:00:00\n");
		return;
	}
	cmos_boot_time(&t, &at);
	kprintf("rtc: host clock %04u-%02u-%02u %02u:%02u:%02u\n", t.year, t.month, t.day, t.hour, t.minute,
		t.second);
}

void vmm_init(struct vmm *vmm, const struct vmm_options *opt, const struct boot_module *mods, unsigned nmods)
{
	vmm_guest_console_init(vmm);
	vmm_read_host_clock();
	uint64_t vmxon_pa = mm_alloc_page();
	if (!vmxon_pa)
		panic("out of memory for the VMXON region");
	vmx_init_region(&vmm->caps, phys_to_virt(vmxon_pa));
	vmx_enable(&vmm->caps, vmxon_pa);
	vmm_init_bitmaps(vmm);
	cpuid_table_init(&vmm->cpuid, &vmm->caps);
	vmm->quantum_ms = opt->quantum_ms;
	vmm->quantum_ticks = tsc_from_ms(opt->quantum_ms);
	vmm->grace_ticks = tsc_from_ms(VMM_GRACE_MS);
	vmm->wire_fifo_ticks = tsc_from_us(VMM_WIRE_FIFO_US);
	vmm->boost_ticks = tsc_from_us(VMM_BOOST_US);
	vmm->host_tick_ticks = tsc_from_ms(VMM_HOST_TICK_MS);
	kprintf("kestrel: VMX on (VMCS revision 0x%x, preemption timer rate 2^%u, %s%s%s%s)\n", vmm->caps.revision,
		vmm->caps.preemption_rate, vmm->caps.vpid ? "VPID" : "no VPID",
		vmm->caps.ept_2mb ? ", 2 MiB EPT pages" : "", vmm->caps.mtf ? ", monitor trap flag" : "",
		vmm->caps.pml ? ", PML" : "");
	for (unsigned i = 0; i < nmods; i++)
		if (!module_is_file(&mods[i]))
			vmm_create_vm(vmm, mods, nmods, i);
	for (unsigned i = 0; i < nmods; i++)
		if (module_is_file(&mods[i]))
			vmm_check_file(vmm, &mods[i]);
	vmm_print_memory(vmm);
	if (!vmm->nvms)
		kprintf("kestrel: no guests to run\n");
	else
		kprintf("kestrel: running %u guest%s, quantum %lu ms\n", vmm->nvms, vmm->nvms == 1 ? "" : "s",
			vmm->quantum_ms);
	vmm->start_tsc = rdtsc();
	serial_wire_reset(); /* the summary's measure of the wire starts with the guests */
	if (opt->timeout_ms)
		vmm->deadline_tsc = vmm->start_tsc + tsc_from_ms(opt->timeout_ms);
}

static void vmm_restart(struct vmm *vmm, struct vm *vm)
{
	vm->resets++;
	vm_restart_begin(vm); /* the image is checked when the restart finishes (sched.c) */
	vmm->ended_notice = false;
}

void vmm_reset_vm(struct vmm *vmm, struct vm *vm)
{
	memset(vm->reset_tsc, 0, sizeof(vm->reset_tsc)); /* the operator's reset starts afresh */
	vm->reset_next = 0;
	vmm_restart(vmm, vm);
}

/* The reset-loop rule: a guest that asks for more than VM_RESET_LOOP resets
 * within VM_RESET_LOOP_MS is stopped. The ring holds its last VM_RESET_LOOP
 * resets; the slot this one takes holds the oldest of them. */
static bool vmm_reset_loop(struct vm *vm, uint64_t now)
{
	uint64_t oldest = vm->reset_tsc[vm->reset_next];
	vm->reset_tsc[vm->reset_next] = now;
	vm->reset_next = (vm->reset_next + 1) % VM_RESET_LOOP;
	if (!oldest || now - oldest >= tsc_from_ms(VM_RESET_LOOP_MS))
		return false;
	vm_end(vm, VM_STOPPED, "reset loop: %u resets in %lu ms", VM_RESET_LOOP + 1, tsc_to_ms(now - oldest));
	return true;
}

enum exit_action vmm_guest_reset(struct vmm *vmm, struct vm *vm, const char *why)
{
	if (vm->opts.reset_stops) {
		vm_end(vm, VM_STOPPED, "%s (on_reset=stop)", why);
		return EXIT_STOPPED;
	}
	if (vmm_reset_loop(vm, rdtsc()))
		return EXIT_STOPPED;
	vm_note(vm, "*** %s: restarting", why);
	vmm_restart(vmm, vm);
	return EXIT_RESCHEDULE;
}
