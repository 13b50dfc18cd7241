/* Linux bzImage kernels, loaded by the x86 boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst), version 2.06 or later, 32-bit entry.
 * Pure: works on buffers, no VMX, no allocation. */
#ifndef KESTREL_VMM_BZIMAGE_H
#define KESTREL_VMM_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/load/boot.h"

/* IMAGE_BZIMAGE when img is a bzImage Kestrel can boot; IMAGE_UNKNOWN
 * otherwise, with *err naming what it cannot serve when img is a Linux
 * kernel ("HdrS" at 0x202), and *err untouched when it is not one. */
int bzimage_identify(const void *img, size_t len, const char **err);
/* Load the kernel, its initrd (boot->files, concatenated) and command line,
 * the zero page with an e820 table and a GDT into ram, and fill out; 0, or
 * -1 with *err. */
int bzimage_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		 struct guest_entry *out, const char **err);

#endif
