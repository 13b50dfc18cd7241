/* The Multiboot2 boot information (Multiboot2 specification 1.0, section 3.6):
 * validated tag by tag, then summarised into a struct the kernel reads.
 * Strings and module ranges point into the information itself. */
#ifndef KESTREL_KERNEL_MB2_H
#define KESTREL_KERNEL_MB2_H

#include <stdbool.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289 /* EAX at entry from a Multiboot2 loader */

#define MB2_TAG_TYPE_END              0
#define MB2_TAG_TYPE_CMDLINE          1
#define MB2_TAG_TYPE_BOOT_LOADER_NAME 2
#define MB2_TAG_TYPE_MODULE           3
#define MB2_TAG_TYPE_BASIC_MEMINFO    4
#define MB2_TAG_TYPE_MMAP             6

#define MB2_MEMORY_AVAILABLE        1
#define MB2_MEMORY_RESERVED         2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS              4
#define MB2_MEMORY_BADRAM           5

#define MB2_MAX_MODULES  128 /* the VMM runs up to 64 guests, and a guest may take files */
#define MB2_MAX_MMAP     128
#define MB2_MAX_INFO_SIZE (1u << 20) /* larger than any loader writes: corrupt */

struct mb2_module {
	uint64_t start, end; /* mod_start, mod_end: [start, end) */
	const char *string;  /* the module's command line, NUL-terminated */
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* MB2_MEMORY_* */
};

struct mb2_info {
	uint64_t addr, size; /* the information's own range: keep it out of the allocator */
	const char *cmdline;    /* NULL without a command-line tag */
	const char *bootloader; /* NULL without a boot-loader-name tag */
	struct mb2_module mods[MB2_MAX_MODULES];
	unsigned nmods;
	unsigned mods_dropped; /* modules beyond MB2_MAX_MODULES, ignored */
	bool has_meminfo;
	uint32_t mem_lower_kib, mem_upper_kib; /* KiB, from the basic meminfo tag */
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	unsigned nmmap;
	unsigned mmap_dropped; /* entries beyond MB2_MAX_MMAP, ignored */
};

/* Validate the information at mbi (as handed over with magic in EAX) and fill
 * out; 0 on success, -1 with *err naming the first problem found. */
int mb2_parse(const void *mbi, uint32_t magic, struct mb2_info *out, const char **err);

#endif
