/* A guest's options from its GRUB module line, after the path:
 * "NAME [mem=SIZE] [com2] [on_reset=restart|stop] [-- GUEST COMMAND LINE]"
 * (docs/guests.md). */
#ifndef KESTREL_VMM_VMOPTS_H
#define KESTREL_VMM_VMOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMOPTS_NAME_MAX    15          /* characters in a VM name */
#define VMOPTS_MEM_DEFAULT (8ULL << 20)
#define VMOPTS_MEM_MIN     (64ULL << 10) /* one real-mode segment: the IVT, the BDA, a flat image at 0x7C00 */
#define VMOPTS_MEM_MAX     (1ULL << 30)

struct vm_opts {
	char name[VMOPTS_NAME_MAX + 1];
	uint64_t mem; /* bytes of guest RAM, a multiple of 4 KiB */
	bool com2;    /* a second 16550A at 0x2F8, IRQ3 */
	bool reset_stops; /* on_reset=stop: a guest's reset ends it instead of restarting it */
	const char *cmdline; /* the guest's own command line: what follows " -- " in s, or "" */
};

/* The separator between Kestrel's options and the guest's command line. */
#define VMOPTS_CMDLINE_SEP " -- "

/* Parse s into out (defaults for what s leaves out): 0, or -1 with a message
 * naming the problem in err (err_len > 0). Name clashes are the caller's.
 * out->cmdline points into s, which must outlive out. */
int vmopts_parse(const char *s, struct vm_opts *out, char *err, size_t err_len);

#endif
