/* Multiboot2 boot information parser (Multiboot2 specification 1.0, 3.6
 * "Boot information format"). The loader is trusted to boot us, not to be
 * bug-free: every size is checked before anything is read through it. */
#include <stddef.h>

#include "kernel/mb2.h"

#define MB2_TAG_ALIGN 8
#define MB2_MMAP_ENTRY_MIN 24 /* base, length, type, reserved */

static uint32_t mb2_read32(const uint8_t *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t mb2_read64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* A NUL-terminated string in tag bytes [off, size), or NULL. */
static const char *mb2_tag_string(const uint8_t *tag, uint32_t size, uint32_t off)
{
	for (uint32_t i = off; i < size; i++)
		if (!tag[i])
			return (const char *)tag + off;
	return NULL;
}

static const char *mb2_parse_module(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	if (size < 17) /* type, size, mod_start, mod_end, at least the NUL */
		return "module tag too small";
	uint32_t start = mb2_read32(tag + 8), end = mb2_read32(tag + 12);
	const char *s = mb2_tag_string(tag, size, 16);
	if (!s)
		return "module string not NUL-terminated";
	if (end < start)
		return "module ends before it starts";
	if (out->nmods == MB2_MAX_MODULES) {
		out->mods_dropped++;
		return NULL;
	}
	out->mods[out->nmods++] = (struct mb2_module){start, end, s};
	return NULL;
}

static const char *mb2_parse_mmap(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	if (size < 16)
		return "memory map tag too small";
	uint32_t entry_size = mb2_read32(tag + 8);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8)
		return "memory map entry_size is not a multiple of 8 of at least 24";
	if ((size - 16) % entry_size)
		return "memory map tag holds a partial entry";
	for (uint32_t off = 16; off < size; off += entry_size) {
		if (out->nmmap == MB2_MAX_MMAP) {
			out->mmap_dropped++;
			continue;
		}
		const uint8_t *e = tag + off;
		out->mmap[out->nmmap++] = (struct mb2_mmap_entry){mb2_read64(e), mb2_read64(e + 8), mb2_read32(e + 16)};
	}
	return NULL;
}

/* One tag whose header and size were checked against total_size. */
static const char *mb2_parse_tag(const uint8_t *tag, uint32_t type, uint32_t size, struct mb2_info *out)
{
	switch (type) {
	case MB2_TAG_TYPE_CMDLINE:
	case MB2_TAG_TYPE_BOOT_LOADER_NAME: {
		const char *s = mb2_tag_string(tag, size, 8);
		if (!s)
			return type == MB2_TAG_TYPE_CMDLINE ? "command line not NUL-terminated"
							    : "boot loader name not NUL-terminated";
		const char **slot = type == MB2_TAG_TYPE_CMDLINE ? &out->cmdline : &out->bootloader;
		if (!*slot)
			*slot = s;
		return NULL;
	}
	case MB2_TAG_TYPE_MODULE:
		return mb2_parse_module(tag, size, out);
	case MB2_TAG_TYPE_BASIC_MEMINFO:
		if (size < 16)
			return "basic meminfo tag too small";
		out->has_meminfo = true;
		out->mem_lower_kib = mb2_read32(tag + 8);
		out->mem_upper_kib = mb2_read32(tag + 12);
		return NULL;
	case MB2_TAG_TYPE_MMAP:
		return mb2_parse_mmap(tag, size, out);
	}
	return NULL; /* a tag we do not use: skipped, as 3.6 allows */
}

static const char *mb2_walk(const uint8_t *p, uint32_t total, struct mb2_info *out)
{
	uint32_t off = 8; /* after total_size and reserved */
	while (total - off >= 8) {
		uint32_t type = mb2_read32(p + off), size = mb2_read32(p + off + 4);
		if (size < 8)
			return "tag smaller than its header";
		if (size > total - off)
			return "tag runs past total_size";
		if (type == MB2_TAG_TYPE_END)
			return size == 8 ? NULL : "end tag with size other than 8";
		const char *e = mb2_parse_tag(p + off, type, size, out);
		if (e)
			return e;
		uint32_t next = (size + MB2_TAG_ALIGN - 1) & ~(uint32_t)(MB2_TAG_ALIGN - 1);
		if (next > total - off)
			break;
		off += next;
	}
	return "no end tag";
}

int mb2_parse(const void *mbi, uint32_t magic, struct mb2_info *out, const char **err)
{
	const char *e = NULL;
	const uint8_t *p = mbi;
	*out = (struct mb2_info){0};
	if (magic != MB2_BOOTLOADER_MAGIC)
		e = "bad boot loader magic (not started by a Multiboot2 loader)";
	else if (!p || (uintptr_t)p % MB2_TAG_ALIGN)
		e = "information address not 8-byte aligned";
	else {
		/* 3.6.1: reserved "is always set to zero and must be ignored". */
		uint32_t total = mb2_read32(p);
		if (total < 16)
			e = "total_size too small for the fixed part and an end tag";
		else if (total > MB2_MAX_INFO_SIZE)
			e = "total_size larger than 1 MiB";
		else {
			out->addr = (uintptr_t)p;
			out->size = total;
			e = mb2_walk(p, total, out);
		}
	}
	if (e) {
		*out = (struct mb2_info){0};
		if (err)
			*err = e;
		return -1;
	}
	return 0;
}
