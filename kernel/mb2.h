/* The Multiboot2 boot information (Multiboot2 specification 1.0, 3.6): parsed
 * and validated before anything uses it. */
#ifndef KESTREL_KERNEL_MB2_H
#define KESTREL_KERNEL_MB2_H

#include <stdbool.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36D76289u
#define MB2_MAX_MODULES 32
#define MB2_MAX_MMAP 128
#define MB2_MAX_INFO_SIZE (1u << 20)

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_BOOTLOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6

#define MB2_MEMORY_AVAILABLE 1

struct mb2_module {
	uint64_t start, end; /* [start, end) physical */
	const char *string;
};

struct mb2_mmap_entry {
	uint64_t base, length;
	uint32_t type;
};

struct mb2_info {
	uint64_t addr, size; /* the information structure itself */
	const char *cmdline;
	const char *bootloader;
	unsigned nmods;
	struct mb2_module mods[MB2_MAX_MODULES];
	unsigned nmmap;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	uint32_t mem_lower_kib, mem_upper_kib;
};

/*
 * Validate and extract the information at mbi (passed in EBX with magic in
 * EAX). Returns 0, or -1 with *err naming the problem; nothing of a garbled
 * structure is used.
 */
int mb2_parse(const void *mbi, uint32_t magic, struct mb2_info *out, const char **err);

#endif
