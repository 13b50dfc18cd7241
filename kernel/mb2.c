/* Multiboot2 boot information parsing (Multiboot2 specification 1.0, section
 * 3.6 "Boot information format"): validate every tag before using it, so a
 * truncated or garbled structure is rejected with a message, not followed. */
#include "kernel/mb2.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* A string field from off to the end of the tag must hold its terminator. */
static const char *tag_string(const uint8_t *tag, uint32_t size, uint32_t off)
{
	if (off >= size)
		return 0;
	for (uint32_t i = off; i < size; i++)
		if (!tag[i])
			return (const char *)tag + off;
	return 0;
}

static int parse_module(struct mb2_info *out, const uint8_t *t, uint32_t size, const char **err)
{
	if (size < 17) {
		*err = "module tag too short";
		return -1;
	}
	if (out->nmods == MB2_MAX_MODULES) {
		*err = "more than 32 modules";
		return -1;
	}
	struct mb2_module *m = &out->mods[out->nmods];
	m->start = rd32(t + 8);
	m->end = rd32(t + 12);
	m->string = tag_string(t, size, 16);
	if (m->end < m->start) {
		*err = "module ends before it starts";
		return -1;
	}
	if (!m->string) {
		*err = "module string not NUL-terminated";
		return -1;
	}
	out->nmods++;
	return 0;
}

static int parse_mmap(struct mb2_info *out, const uint8_t *t, uint32_t size, const char **err)
{
	if (size < 16) {
		*err = "memory map tag too short";
		return -1;
	}
	uint32_t esize = rd32(t + 8);
	if (esize < 24 || esize % 8) {
		*err = "memory map entry size is not a multiple of 8 of at least 24";
		return -1;
	}
	for (uint32_t off = 16; off + esize <= size; off += esize) {
		if (out->nmmap == MB2_MAX_MMAP) {
			*err = "more than 128 memory map entries";
			return -1;
		}
		struct mb2_mmap_entry *e = &out->mmap[out->nmmap++];
		e->base = rd64(t + off);
		e->length = rd64(t + off + 8);
		e->type = rd32(t + off + 16);
	}
	return 0;
}

static int parse_tag(struct mb2_info *out, const uint8_t *t, uint32_t type, uint32_t size, const char **err)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		if (!(out->cmdline = tag_string(t, size, 8)))
			*err = "command line not NUL-terminated";
		return out->cmdline ? 0 : -1;
	case MB2_TAG_BOOTLOADER:
		if (!(out->bootloader = tag_string(t, size, 8)))
			*err = "boot loader name not NUL-terminated";
		return out->bootloader ? 0 : -1;
	case MB2_TAG_MODULE:
		return parse_module(out, t, size, err);
	case MB2_TAG_BASIC_MEMINFO:
		if (size < 16) {
			*err = "basic memory information tag too short";
			return -1;
		}
		out->mem_lower_kib = rd32(t + 8);
		out->mem_upper_kib = rd32(t + 12);
		return 0;
	case MB2_TAG_MMAP:
		return parse_mmap(out, t, size, err);
	}
	return 0; /* other tags are not needed */
}

int mb2_parse(const void *mbi, uint32_t magic, struct mb2_info *out, const char **err)
{
	const uint8_t *p = mbi;
	*out = (struct mb2_info){0};
	if (magic != MB2_BOOTLOADER_MAGIC) {
		*err = "bad boot loader magic (not Multiboot2)";
		return -1;
	}
	if (!p || ((uintptr_t)p & 7)) {
		*err = "information structure missing or not 8-byte aligned";
		return -1;
	}
	uint32_t total = rd32(p), reserved = rd32(p + 4);
	if (total < 16 || total > MB2_MAX_INFO_SIZE || reserved != 0) {
		*err = "information structure has a bad total size or reserved field";
		return -1;
	}
	out->addr = (uint64_t)(uintptr_t)p;
	out->size = total;
	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type = rd32(p + off), size = rd32(p + off + 4);
		if (size < 8 || size > total - off) {
			*err = "tag size runs past the end of the structure";
			return -1;
		}
		if (type == MB2_TAG_END)
			return size == 8 ? 0 : (*err = "end tag has a bad size", -1);
		if (parse_tag(out, p + off, type, size, err))
			return -1;
		off += (size + 7) & ~7u;
	}
	*err = "no end tag";
	return -1;
}
