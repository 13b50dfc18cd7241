/* kernel_main: from the boot stub to the hypervisor. Brings up the console,
 * checks what the boot loader handed over, builds the host's memory map and
 * clock, prints what it found, then hands the modules to the VMM. */
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/fpu.h"
#include "kernel/gdt.h"
#include "kernel/mb2.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "kernel/serial.h"
#include "kernel/string.h"
#include "kernel/trap.h"
#include "kernel/tsc.h"
#include "vmm/vmm.h"

#define DEFAULT_QUANTUM_MS 10
#define EXIT_NO_VMX 3  /* power-off code when guests cannot run here */
#define EXIT_BAD_BOOT 2


static struct mb2_info boot_info;
static struct vmm vmm;
static struct boot_module modules[MB2_MAX_MODULES];

static void print_cpu(void)
{
	struct cpuid_regs v = cpuid(0, 0);
	char vendor[13];
	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = 0;
	char brand[49] = "";
	if (cpuid(0x80000000, 0).eax >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++) {
			struct cpuid_regs b = cpuid(0x80000002 + i, 0);
			memcpy(brand + 16 * i, &b, 16);
		}
		brand[48] = 0;
	}
	uint32_t sig = cpuid(1, 0).eax;
	unsigned family = (sig >> 8) & 0xF, model = (sig >> 4) & 0xF;
	if (family == 0xF)
		family += (sig >> 20) & 0xFF;
	if (family == 6 || family >= 0xF)
		model |= ((sig >> 16) & 0xF) << 4;
	const char *b = brand;
	while (*b == ' ')
		b++;
	kprintf("cpu: %s family 0x%x model 0x%x stepping %u%s%s\n", vendor, family, model, sig & 0xF, *b ? ", " : "",
		b);
}

static uint64_t option_u64(const struct cmdline *cl, const char *key, uint64_t def, uint64_t min, uint64_t max)
{
	uint64_t v;
	int rc = cmdline_get_u64(cl, key, &v);
	if (rc == CMDLINE_NOT_FOUND)
		return def;
	if (rc != 0 || v < min || v > max) {
		kprintf("kestrel: option %s: expected a number from %lu to %lu; using %lu\n", key, min, max, def);
		return def;
	}
	return v;
}

#define OPTION_SHOW 40 /* characters of a bad option quoted back, "..." included */

/* The options Kestrel knows; flags take no value, the others need one. */
static const char *const option_flags[] = {"nomonitor", "debug_pagefault"};
static const char *const option_values[] = {"quantum", "timeout", "loglevel"};

static bool option_in(const char *const *names, unsigned n, const struct cmdline_arg *a)
{
	for (unsigned i = 0; i < n; i++)
		if (strlen(names[i]) == a->key_len && !strncmp(a->key, names[i], a->key_len))
			return true;
	return false;
}

/* An option Kestrel does not know is probably a typo, and a flag with a
 * value a misunderstanding: say so (the line may hold any byte), run on.
 * A value option given as a flag is its own parser's to report. */
static void warn_unknown_option(void *ctx, const struct cmdline_arg *a)
{
	char key[OPTION_SHOW + 1], val[OPTION_SHOW + 1];
	(void)ctx;
	bool flag = option_in(option_flags, sizeof(option_flags) / sizeof(option_flags[0]), a);
	fmt_quote(key, sizeof(key), a->key, a->key_len);
	if (flag && a->val)
		kprintf("kestrel: option %s takes no value; '%s=%s' ignored\n", key, key,
			fmt_quote(val, sizeof(val), a->val, a->val_len));
	else if (!flag && !option_in(option_values, sizeof(option_values) / sizeof(option_values[0]), a))
		kprintf("kestrel: unknown option '%s' ignored\n", key);
}

/* The last loglevel= wins; a bare "loglevel" after it is a mistake. */
static void parse_loglevel(const struct cmdline *cl)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	const char *lvl = "";
	size_t len = 0;
	if (!cmdline_get(cl, "loglevel", &lvl, &len) && !cmdline_flag(cl, "loglevel"))
		return;
	for (unsigned i = 0; i < 4; i++) {
		if (strlen(names[i]) == len && !strncmp(lvl, names[i], len)) {
			console_set_log_level((enum log_level)i);
			return;
		}
	}
	kprintf("kestrel: option loglevel: expected error, warn, info or debug\n");
}

/* What the tokenizer could not keep, said once each. */
static void warn_cmdline(const struct cmdline *cl)
{
	if (cl->dropped)
		kprintf("kestrel: command line has %u options beyond the first %u; they are ignored\n", cl->dropped,
			CMDLINE_MAX_ARGS);
	if (cl->bad_quote)
		kprintf("kestrel: command line has a quote left open, or text right after a closing quote\n");
}

static void parse_options(struct vmm_options *opt, const char *cmdline)
{
	struct cmdline cl;
	cmdline_parse(&cl, cmdline ? cmdline : "");
	warn_cmdline(&cl);
	cmdline_each(&cl, warn_unknown_option, 0);
	opt->quantum_ms = option_u64(&cl, "quantum", DEFAULT_QUANTUM_MS, 1, 1000);
	opt->timeout_ms = option_u64(&cl, "timeout", 0, 1, UINT64_MAX / 1000000);
	parse_loglevel(&cl);
	opt->monitor = !cmdline_flag(&cl, "nomonitor");
	opt->debug_pagefault = cmdline_flag(&cl, "debug_pagefault");
}

/* A deliberate host page fault, to see (and test) the fault report. */
#define UNMAPPED_ADDRESS 0x7EAD00000000ull /* canonical, above all RAM */

static void debug_pagefault(void)
{
	kprintf("kestrel: debug_pagefault: reading 0x%llx\n", UNMAPPED_ADDRESS);
	(void)*(volatile uint64_t *)(uintptr_t)UNMAPPED_ADDRESS;
}

/* GRUB passes a module's arguments, not its file name: the string starts
 * with the VM's NAME (docs/guests.md). */
static unsigned collect_modules(void)
{
	for (unsigned i = 0; i < boot_info.nmods; i++) {
		const struct mb2_module *m = &boot_info.mods[i];
		const char *s = m->string;
		while (*s == ' ')
			s++;
		modules[i] = (struct boot_module){s, i, (const void *)(uintptr_t)m->start, m->end - m->start};
	}
	return boot_info.nmods;
}

void kernel_main(uint32_t magic, uint64_t mbi)
{
	serial_init();
	gdt_init();
	idt_init();
	host_pic_mask();
	host_pic_unmask(SERIAL_IRQ);
	serial_irq_start(); /* taken in the scheduler's interrupt windows */
	fpu_init();
	kprintf("\nKestrel %s: an x86-64 microhypervisor\n", KESTREL_VERSION);
	const char *err;
	if (mb2_parse((const void *)(uintptr_t)mbi, magic, &boot_info, &err) != 0) {
		kprintf("kestrel: bad Multiboot2 information: %s\n", err);
		power_off(EXIT_BAD_BOOT);
	}
	static char shown[256]; /* the line may hold any byte, and be KiB long */
	const char *cl = boot_info.cmdline ? boot_info.cmdline : "";
	kprintf("boot: loader '%s', command line '%s'\n", boot_info.bootloader ? boot_info.bootloader : "?",
		fmt_quote(shown, sizeof(shown), cl, strlen(cl)));
	if (boot_info.mods_dropped)
		kprintf("kestrel: %u modules beyond the first %u ignored\n", boot_info.mods_dropped, MB2_MAX_MODULES);
	if (boot_info.mmap_dropped)
		kprintf("kestrel: %u memory map entries beyond the first %u ignored\n", boot_info.mmap_dropped,
			MB2_MAX_MMAP);
	mm_init(&boot_info);
	print_cpu();
	struct tsc_calibration cal = tsc_calibrate();
	kprintf("tsc: %lu.%03lu MHz (measured against the PIT", cal.hz / 1000000, cal.hz / 1000 % 1000);
	if (cal.cpuid_hz)
		kprintf("; CPUID claims %lu MHz", cal.cpuid_hz / 1000000);
	kprintf(")\n");
	struct vmm_options opt;
	parse_options(&opt, boot_info.cmdline);
	if (opt.debug_pagefault)
		debug_pagefault();
	unsigned nmods = collect_modules();
	for (unsigned i = 0; i < nmods; i++) {
		char shown[MODULE_SHOW + 1];
		kprintf("module %u: '%s', %lu bytes\n", i, vmm_module_shown(&modules[i], shown), modules[i].size);
	}
	if (!vmm_probe(&vmm)) {
		kprintf("vmx: not usable; powering off\n");
		power_off(EXIT_NO_VMX);
	}
	kprintf("vmx: usable\n");
	vmm_init(&vmm, &opt, modules, nmods);
	if (opt.monitor)
		vmm_monitor_start(&vmm);
	vmm_run(&vmm);
}
