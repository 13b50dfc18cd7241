/* Guest images: recognise the format (flat real-mode binary, ELF32, ELF64,
 * Multiboot 1 and 2 kernels, Linux bzImage), validate everything, then copy
 * into guest RAM with what the format's boot loader would leave there, and
 * describe the initial CPU state (docs/guests.md). Pure: works on buffers,
 * no VMX, no allocation. */
#ifndef KESTREL_VMM_LOADER_H
#define KESTREL_VMM_LOADER_H

#include "vmm/load/boot.h"

/* The image's format, or IMAGE_UNKNOWN (empty or malformed ELF). */
int loader_detect(const void *img, size_t len);
/* As loader_detect, with *err (when err is not NULL) saying why on IMAGE_UNKNOWN. */
int loader_identify(const void *img, size_t len, const char **err);
/* Whether the format takes files besides the image (Multiboot modules, an
 * initrd) and a command line. */
bool loader_takes_files(int format);
/* A name for the format, for messages ("Multiboot2 kernel"). */
const char *loader_format_name(int format);
/* Validate img (and boot, which may be NULL: no command line, no files)
 * against a guest RAM of ram_size bytes, then load it into ram and fill out;
 * 0, or -1 with *err and ram untouched. Every format also gets the BIOS data
 * area a PC BIOS leaves (loader_write_bda). */
int loader_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		struct guest_entry *out, const char **err);

#endif
