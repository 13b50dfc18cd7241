/* Multiboot kernels, started as GRUB starts them: version 1 (the Multiboot
 * Specification 0.6.96) and version 2 (the Multiboot2 Specification 2.0).
 * Pure: works on buffers, no VMX, no allocation. */
#ifndef KESTREL_VMM_MULTIBOOT_H
#define KESTREL_VMM_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/load/boot.h"

/* IMAGE_MULTIBOOT1 or IMAGE_MULTIBOOT2 when img carries a header Kestrel can
 * satisfy; IMAGE_UNKNOWN otherwise, with *err saying why when it carries a
 * header Kestrel cannot satisfy (bad checksum, a required video mode, ...),
 * and *err untouched when it carries none. */
int multiboot_identify(const void *img, size_t len, const char **err);
/* Load a Multiboot kernel identified as such, its modules (boot->files) and
 * its information structure into ram, and fill out (protected mode, EAX the
 * magic, EBX the information); 0, or -1 with *err. */
int multiboot_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		   struct guest_entry *out, const char **err);

#endif
