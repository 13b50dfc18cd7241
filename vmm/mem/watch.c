/* Access watches (vmm/mem/watch.h). */
#include "vmm/mem/watch.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/paging.h"
#include "kernel/string.h"
#include "kernel/tsc.h"
#include "vmm/vm.h"
#include "vmm/vmx/vmx_caps.h"

#define PAGE_MASK (~(uint64_t)(PAGE_SIZE - 1))

static bool watch_on_page(const struct watch *w, uint64_t page_gpa)
{
	return w->gpa < page_gpa + PAGE_SIZE && page_gpa < w->gpa + w->len;
}

/* A read can only be stopped with every right gone (W without R is a
 * misconfiguration, SDM 3C 29.3.3.1; execute-only is not offered). */
static unsigned watch_mask(unsigned kinds)
{
	return kinds & WATCH_R ? EPT_PAGE_RWX : (kinds & WATCH_W ? EPT_PAGE_W : 0) | (kinds & WATCH_X ? EPT_PAGE_X : 0);
}

unsigned watch_hidden(const struct vm *vm, uint64_t page_gpa)
{
	unsigned m = 0;
	for (unsigned i = 0; i < vm->watch.n; i++)
		if (watch_on_page(&vm->watch.w[i], page_gpa))
			m |= watch_mask(vm->watch.w[i].kinds);
	return m;
}

/* The page's enforced rights: its granted ones less what watches hide,
 * or all of them (open) for a stepped instruction. */
static bool watch_apply(struct vm *vm, uint64_t page_gpa, bool open)
{
	struct ept_leaf leaf;
	bool lost;
	if (!ept_lookup(&vm->ept, page_gpa, &leaf))
		return false;
	unsigned rights = open ? leaf.granted : leaf.granted & ~watch_hidden(vm, page_gpa);
	if (!ept_protect(&vm->ept, page_gpa, rights, &lost))
		return false;
	if (lost)
		ept_invalidate(vm->vcpu.caps, &vm->ept);
	return true;
}

bool watch_apply_range(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (uint64_t p = gpa & PAGE_MASK; p < gpa + len; p += PAGE_SIZE)
		if (!watch_apply(vm, p, false))
			return false;
	return true;
}

const char *watch_add(struct vm *vm, uint64_t gpa, uint64_t len, unsigned kinds)
{
	if (!len || len > WATCH_LEN_MAX || !kinds || (kinds & ~(WATCH_R | WATCH_W | WATCH_X)))
		return "bad length or kind";
	if (gpa >= vm->opts.mem || len > vm->opts.mem - gpa)
		return "beyond its RAM";
	if (vm->watch.n == WATCH_MAX)
		return "too many watches (at most 16)";
	vm->watch.w[vm->watch.n++] = (struct watch){.gpa = gpa, .len = len, .kinds = kinds};
	if (!watch_apply_range(vm, gpa, len)) {
		vm->watch.n--;
		watch_apply_range(vm, gpa, len);
		return "no host memory to split its EPT page";
	}
	return 0;
}

const char *watch_remove(struct vm *vm, bool all, uint64_t gpa)
{
	struct watch_set *s = &vm->watch;
	bool found = false;
	for (unsigned i = 0; i < s->n;) {
		struct watch w = s->w[i];
		if (!all && w.gpa != gpa) {
			i++;
			continue;
		}
		s->w[i] = s->w[--s->n];
		watch_apply_range(vm, w.gpa, w.len); /* only rights given back: cannot fail */
		found = true;
		s->step.hit = -1; /* a step under way reports nothing: its watch may be gone or moved */
	}
	return found || all ? 0 : "no watch there";
}

static unsigned access_kind(const struct vm_exit *e)
{
	return e->ept.write ? WATCH_W : e->ept.fetch ? WATCH_X : WATCH_R;
}

/* The watch an access hits: one of its kind whose bytes hold the address
 * the CPU reports (SDM 3C table 28-7 gives the address, not the width). */
static int watch_match(const struct vm *vm, unsigned kind, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->watch.n; i++) {
		const struct watch *w = &vm->watch.w[i];
		if ((w->kinds & kind) && gpa >= w->gpa && gpa - w->gpa < w->len)
			return (int)i;
	}
	return -1;
}

bool watch_violation(struct vm *vm, const struct vm_exit *e)
{
	struct watch_step *st = &vm->watch.step;
	uint64_t page = e->gpa & PAGE_MASK;
	if (!watch_hidden(vm, page) || (st->on && st->npages == WATCH_STEP_PAGES))
		return false;
	if (!st->on) {
		*st = (struct watch_step){.on = true, .hit = -1, .rip = e->rip, .by_tf = !vm->vcpu.caps->mtf};
		if (st->by_tf)
			st->guest_tf = vcpu_trap_flag_step(&vm->vcpu, true, false);
		else
			vcpu_set_monitor_trap(&vm->vcpu, true);
	}
	st->page[st->npages++] = page;
	int hit = watch_match(vm, access_kind(e), e->gpa);
	if (hit >= 0 && st->hit < 0) {
		st->hit = hit;
		st->kind = access_kind(e);
		st->gpa = e->gpa;
		st->gla = e->gla;
		st->gla_valid = e->ept.gla_valid;
	}
	return watch_apply(vm, page, true);
}

/* The watched bytes after the instruction, up to 8, as a little-endian number. */
static uint64_t watch_value(struct vm *vm, const struct watch *w)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < w->len && i < 8; i++) {
		struct ept_leaf leaf;
		if (!ept_lookup(&vm->ept, w->gpa + i, &leaf))
			break;
		const uint8_t *byte = phys_to_virt(leaf.hpa);
		v |= (uint64_t)byte[0] << (8 * i);
	}
	return v;
}

static void watch_report(struct vm *vm, struct watch *w, const struct watch_step *st)
{
	struct watch_set *s = &vm->watch;
	uint64_t now = rdtsc();
	w->hits++;
	if (now - s->window_start >= tsc_hz()) {
		if (s->window_held)
			vm_note(vm, "watch: %lu hits not shown (over %u a second)", s->window_held,
			        WATCH_REPORTS_PER_S);
		s->window_start = now;
		s->window_shown = 0;
		s->window_held = 0;
	}
	if (s->window_shown == WATCH_REPORTS_PER_S) {
		s->window_held++;
		return;
	}
	s->window_shown++;
	w->shown++;
	static const char *const kind[] = {[WATCH_R] = "read", [WATCH_W] = "write", [WATCH_X] = "fetch"};
	char gla[24] = "-";
	if (st->gla_valid)
		fmt_snprintf(gla, sizeof(gla), "0x%lx", st->gla);
	if (st->kind == WATCH_W)
		vm_note(vm, "watch: write gpa=0x%lx gla=%s rip=0x%lx value=0x%lx", st->gpa, gla, st->rip,
		        watch_value(vm, w));
	else
		vm_note(vm, "watch: %s gpa=0x%lx gla=%s rip=0x%lx", kind[st->kind], st->gpa, gla, st->rip);
}

void watch_step_done(struct vm *vm)
{
	struct watch_step *st = &vm->watch.step;
	if (!st->on)
		return;
	if (st->by_tf)
		vcpu_trap_flag_step(&vm->vcpu, false, st->guest_tf);
	else
		vcpu_set_monitor_trap(&vm->vcpu, false);
	for (unsigned i = 0; i < st->npages; i++)
		watch_apply(vm, st->page[i], false);
	st->on = false;
	if (st->hit >= 0 && (unsigned)st->hit < vm->watch.n)
		watch_report(vm, &vm->watch.w[st->hit], st);
}
