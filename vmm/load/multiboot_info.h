/* The boot information a Multiboot loader leaves for its kernel: the
 * Multiboot 0.6.96 multiboot_info structure or the Multiboot2 2.0 tags, and
 * where the modules go. Internal to vmm/load/multiboot.c. */
#ifndef KESTREL_VMM_MULTIBOOT_INFO_H
#define KESTREL_VMM_MULTIBOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/load/boot.h"

#define MB_PAGE 4096

#ifndef KESTREL_VERSION
#define KESTREL_VERSION "(unversioned)" /* the kernel build passes -DKESTREL_VERSION */
#endif
#define MB_LOADER_NAME "Kestrel " KESTREL_VERSION

struct mb_info_args {
	int format; /* IMAGE_MULTIBOOT1 or IMAGE_MULTIBOOT2 */
	const struct guest_boot *boot;
	uint64_t ram_size;
	uint64_t mods;      /* the first byte a module may take: past the kernel */
	uint64_t load_base; /* Multiboot2: the kernel's lowest loaded address */
	bool base_tag;      /* Multiboot2: the kernel asked for the load base address tag */
};

/* The first address at or above at, aligned to align, where size bytes stay
 * clear of 0x9FC00-0x100000 (EBDA, VGA, BIOS). */
uint64_t mb_place(uint64_t at, uint64_t size, uint64_t align);
/* Module i's address, the modules placed one after the other, page-aligned. */
uint64_t mb_module_addr(const struct mb_info_args *a, unsigned i);
/* The first byte past the last module. */
uint64_t mb_modules_end(const struct mb_info_args *a);
/* Bytes of information, strings included; its alignment is 8. */
uint64_t mb_info_size(const struct mb_info_args *a);
/* Write the information at guest-physical info (checked to fit); returns
 * what EBX gets, which is info. */
uint64_t mb_info_write(uint8_t *ram, const struct mb_info_args *a, uint64_t info);

#endif
