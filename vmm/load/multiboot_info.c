/* Multiboot boot information (vmm/load/multiboot_info.h): version 1 as the
 * Multiboot Specification 0.6.96 section 3.3 lays out multiboot_info, version
 * 2 as tags (Multiboot2 Specification 2.0, 3.6), both as GRUB gives them on
 * a PC BIOS. Every field is little-endian and written byte by byte. */
#include "vmm/load/multiboot_info.h"
#include "kernel/string.h"
#include "vmm/load/elf.h"
#include "vmm/load/pc.h"

/* multiboot_info (Multiboot 3.3): offsets and flags. */
#define MBI_FLAGS       0
#define MBI_MEM_LOWER   4
#define MBI_MEM_UPPER   8
#define MBI_CMDLINE     16
#define MBI_MODS_COUNT  20
#define MBI_MODS_ADDR   24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR   48
#define MBI_LOADER_NAME 64
#define MBI_SIZE        116 /* through the framebuffer fields */
#define MBI_F_MEM       (1u << 0)
#define MBI_F_CMDLINE   (1u << 2)
#define MBI_F_MODS      (1u << 3)
#define MBI_F_MMAP      (1u << 6)
#define MBI_F_LOADER    (1u << 9)
#define MB1_MOD_SIZE    16 /* mod_start, mod_end, string, reserved */
#define MB1_MMAP_SIZE   24 /* size (20), base_addr, length, type */

/* Multiboot2 information tags (3.6). */
#define MB2_TAG_END         0
#define MB2_TAG_CMDLINE     1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE      3
#define MB2_TAG_MEMINFO     4
#define MB2_TAG_MMAP        6
#define MB2_TAG_LOAD_BASE   21
#define MB2_MMAP_ENTRY      24

static uint64_t mb_align(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t mb_strsize(const char *s)
{
	return strlen(s ? s : "") + 1;
}

uint64_t mb_place(uint64_t at, uint64_t size, uint64_t align)
{
	at = mb_align(at, align);
	if (at < LOADER_HIGH_BASE && (at >= LOADER_EBDA || at + size > LOADER_EBDA))
		at = LOADER_HIGH_BASE;
	return at;
}

uint64_t mb_module_addr(const struct mb_info_args *a, unsigned i)
{
	uint64_t at = a->mods;
	for (unsigned f = 0;; f++) {
		at = mb_place(at, a->boot->files[f].size, MB_PAGE);
		if (f == i)
			return at;
		at += a->boot->files[f].size;
	}
}

uint64_t mb_modules_end(const struct mb_info_args *a)
{
	unsigned n = a->boot->nfiles;
	return n ? mb_module_addr(a, n - 1) + a->boot->files[n - 1].size : a->mods;
}

static uint64_t mb2_tag_size(uint64_t payload)
{
	return mb_align(8 + payload, 8);
}

uint64_t mb_info_size(const struct mb_info_args *a)
{
	const struct guest_boot *b = a->boot;
	uint64_t strings = mb_strsize(b->cmdline) + mb_strsize(MB_LOADER_NAME);
	if (a->format == IMAGE_MULTIBOOT1) {
		for (unsigned i = 0; i < b->nfiles; i++)
			strings += mb_strsize(b->files[i].string);
		return MBI_SIZE + MB1_MOD_SIZE * b->nfiles + MB1_MMAP_SIZE * LOADER_MAP_MAX + strings;
	}
	uint64_t n = 8 + mb2_tag_size(mb_strsize(b->cmdline)) + mb2_tag_size(mb_strsize(MB_LOADER_NAME));
	for (unsigned i = 0; i < b->nfiles; i++)
		n += mb2_tag_size(8 + mb_strsize(b->files[i].string));
	n += mb2_tag_size(8) + mb2_tag_size(8 + MB2_MMAP_ENTRY * LOADER_MAP_MAX);
	if (a->base_tag)
		n += mb2_tag_size(4);
	return n + mb2_tag_size(0);
}

static uint32_t mb_mem_upper_kib(uint64_t ram_size)
{
	return (uint32_t)((ram_size - LOADER_HIGH_BASE) >> 10);
}

static uint64_t mb_put_string(uint8_t *ram, uint64_t at, const char *s)
{
	uint64_t n = mb_strsize(s);
	memcpy(ram + at, s ? s : "", n);
	return at + n;
}

static void mb1_info_write(uint8_t *ram, const struct mb_info_args *a, uint64_t info)
{
	const struct guest_boot *b = a->boot;
	struct loader_range map[LOADER_MAP_MAX];
	unsigned nmap = loader_memory_map(a->ram_size, map);
	uint8_t *mbi = ram + info;
	uint64_t mods = info + MBI_SIZE, mmap = mods + MB1_MOD_SIZE * b->nfiles;
	uint64_t str = mmap + MB1_MMAP_SIZE * nmap;
	memset(mbi, 0, MBI_SIZE);
	le_write(mbi + MBI_FLAGS, MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MODS | MBI_F_MMAP | MBI_F_LOADER, 4);
	le_write(mbi + MBI_MEM_LOWER, loader_base_memory(a->ram_size) >> 10, 4);
	le_write(mbi + MBI_MEM_UPPER, mb_mem_upper_kib(a->ram_size), 4);
	le_write(mbi + MBI_CMDLINE, str, 4);
	str = mb_put_string(ram, str, b->cmdline);
	le_write(mbi + MBI_LOADER_NAME, str, 4);
	str = mb_put_string(ram, str, MB_LOADER_NAME);
	le_write(mbi + MBI_MODS_COUNT, b->nfiles, 4);
	le_write(mbi + MBI_MODS_ADDR, mods, 4);
	for (unsigned i = 0; i < b->nfiles; i++) {
		uint8_t *m = ram + mods + MB1_MOD_SIZE * i;
		uint64_t start = mb_module_addr(a, i);
		le_write(m, start, 4);
		le_write(m + 4, start + b->files[i].size, 4);
		le_write(m + 8, str, 4);
		le_write(m + 12, 0, 4);
		str = mb_put_string(ram, str, b->files[i].string);
	}
	le_write(mbi + MBI_MMAP_LENGTH, MB1_MMAP_SIZE * nmap, 4);
	le_write(mbi + MBI_MMAP_ADDR, mmap, 4);
	for (unsigned i = 0; i < nmap; i++) {
		uint8_t *e = ram + mmap + MB1_MMAP_SIZE * i;
		le_write(e, MB1_MMAP_SIZE - 4, 4); /* size excludes itself */
		le_write(e + 4, map[i].base, 8);
		le_write(e + 12, map[i].len, 8);
		le_write(e + 20, map[i].type, 4);
	}
}

/* A tag's header at *at; returns where its payload starts. */
static uint64_t mb2_info_tag(uint8_t *ram, uint64_t at, uint32_t type, uint64_t payload)
{
	le_write(ram + at, type, 4);
	le_write(ram + at + 4, 8 + payload, 4);
	memset(ram + at + 8, 0, mb2_tag_size(payload) - 8); /* padding too */
	return at + 8;
}

static uint64_t mb2_info_string(uint8_t *ram, uint64_t at, uint32_t type, const char *s)
{
	mb_put_string(ram, mb2_info_tag(ram, at, type, mb_strsize(s)), s);
	return at + mb2_tag_size(mb_strsize(s));
}

static void mb2_info_write(uint8_t *ram, const struct mb_info_args *a, uint64_t info)
{
	const struct guest_boot *b = a->boot;
	struct loader_range map[LOADER_MAP_MAX];
	unsigned nmap = loader_memory_map(a->ram_size, map);
	uint64_t at = info + 8, p;
	at = mb2_info_string(ram, at, MB2_TAG_CMDLINE, b->cmdline);
	at = mb2_info_string(ram, at, MB2_TAG_LOADER_NAME, MB_LOADER_NAME);
	for (unsigned i = 0; i < b->nfiles; i++) {
		uint64_t start = mb_module_addr(a, i), n = 8 + mb_strsize(b->files[i].string);
		p = mb2_info_tag(ram, at, MB2_TAG_MODULE, n);
		le_write(ram + p, start, 4);
		le_write(ram + p + 4, start + b->files[i].size, 4);
		mb_put_string(ram, p + 8, b->files[i].string);
		at += mb2_tag_size(n);
	}
	p = mb2_info_tag(ram, at, MB2_TAG_MEMINFO, 8);
	le_write(ram + p, loader_base_memory(a->ram_size) >> 10, 4);
	le_write(ram + p + 4, mb_mem_upper_kib(a->ram_size), 4);
	at += mb2_tag_size(8);
	p = mb2_info_tag(ram, at, MB2_TAG_MMAP, 8 + MB2_MMAP_ENTRY * nmap);
	le_write(ram + p, MB2_MMAP_ENTRY, 4); /* entry_size */
	le_write(ram + p + 4, 0, 4);          /* entry_version */
	for (unsigned i = 0; i < nmap; i++) {
		uint8_t *e = ram + p + 8 + MB2_MMAP_ENTRY * i;
		le_write(e, map[i].base, 8);
		le_write(e + 8, map[i].len, 8);
		le_write(e + 16, map[i].type, 4);
		le_write(e + 20, 0, 4);
	}
	at += mb2_tag_size(8 + MB2_MMAP_ENTRY * nmap);
	if (a->base_tag) {
		le_write(ram + mb2_info_tag(ram, at, MB2_TAG_LOAD_BASE, 4), a->load_base, 4);
		at += mb2_tag_size(4);
	}
	mb2_info_tag(ram, at, MB2_TAG_END, 0);
	at += 8;
	le_write(ram + info, at - info, 4); /* total_size */
	le_write(ram + info + 4, 0, 4);     /* reserved */
}

uint64_t mb_info_write(uint8_t *ram, const struct mb_info_args *a, uint64_t info)
{
	if (a->format == IMAGE_MULTIBOOT1)
		mb1_info_write(ram, a, info);
	else
		mb2_info_write(ram, a, info);
	return info;
}
