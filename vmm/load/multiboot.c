/* Multiboot kernels (vmm/load/multiboot.h), started as GRUB starts them on a
 * PC BIOS: the header (Multiboot 0.6.96 section 3.1, Multiboot2 2.0 section
 * 3.1) and the image are checked in full before anything is copied; the
 * boot information is vmm/load/multiboot_info.c's. */
#include "vmm/load/multiboot.h"
#include "kernel/string.h"
#include "vmm/load/elf.h"
#include "vmm/load/multiboot_info.h"
#include "vmm/load/pc.h"

#define MB1_MAGIC        0x1BADB002u
#define MB1_BOOT_MAGIC   0x2BADB002u /* EAX at entry */
#define MB1_SEARCH       8192        /* the header lies in the image's first 8 KiB */
#define MB1_F_PAGE_ALIGN (1u << 0)   /* modules page-aligned: they always are */
#define MB1_F_MEMORY     (1u << 1)   /* mem_* and the memory map: always given */
#define MB1_F_VIDEO      (1u << 2)   /* a video mode table */
#define MB1_F_ADDRESS    (1u << 16)  /* the a.out kludge: the address fields */
#define MB1_F_REQUIRED   0xFFFFu     /* bits 0-15: refuse the image if one is not understood */

#define MB2_MAGIC      0xE85250D6u
#define MB2_BOOT_MAGIC 0x36D76289u
#define MB2_SEARCH     32768
#define MB2_ARCH_I386  0
#define MB2_OPTIONAL   1 /* tag flags bit 0 */

/* Multiboot2 header tags (3.1.3-3.1.13). */
enum {
	MB2_HTAG_END,
	MB2_HTAG_INFO_REQUEST,
	MB2_HTAG_ADDRESS,
	MB2_HTAG_ENTRY,
	MB2_HTAG_CONSOLE,
	MB2_HTAG_FRAMEBUFFER,
	MB2_HTAG_MODULE_ALIGN,
	MB2_HTAG_EFI_BS,
	MB2_HTAG_ENTRY_EFI32,
	MB2_HTAG_ENTRY_EFI64,
	MB2_HTAG_RELOCATABLE,
};
#define MB2_CONSOLE_REQUIRED 1 /* console_flags bit 0 */
#define MB2_RELOC_HIGHEST    2 /* preference: load as high as possible */

#define MB_STACK 0x8000 /* ESP: the spec leaves it undefined; Kestrel gives the top of the low pages */
#define MB_LIMIT (1ULL << 32)

/* What the header and the image say; addresses are physical, as linked. */
struct mb_kernel {
	int format;
	bool is_elf; /* else the a.out kludge: one range from the file */
	struct elf_image elf;
	uint64_t load_off, load_addr, load_size; /* a.out */
	uint64_t lo, hi;                         /* everything loaded, bss included */
	uint64_t entry;
	bool base_tag;
	bool reloc;
	uint64_t reloc_min, reloc_max, reloc_align;
	uint32_t reloc_pref;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)le_read(p, 4);
}

/* The a.out kludge: fields of Multiboot 3.1.3 (v1 offsets 12-28) or the v2
 * address and entry tags; hoff is where the header lies in the file. */
static const char *mb_parse_aout(size_t len, uint64_t hoff, uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
                                 uint32_t bss_end, uint32_t entry, struct mb_kernel *k)
{
	if (k->format == IMAGE_MULTIBOOT2 && load_addr == 0xFFFFFFFFu) { /* -1: from the file's start */
		if (header_addr < hoff)
			return "Multiboot2 header_addr is below the header's offset in the file (load_addr -1)";
		load_addr = (uint32_t)(header_addr - hoff);
	}
	if (load_addr > header_addr)
		return "Multiboot load_addr is above header_addr";
	if (header_addr - load_addr > hoff)
		return "Multiboot header_addr - load_addr is more than the header's offset in the file";
	k->load_off = hoff - (header_addr - load_addr);
	k->load_addr = load_addr;
	if (!load_end) {
		k->load_size = len - k->load_off;
	} else {
		if (load_end < load_addr)
			return "Multiboot load_end_addr is below load_addr";
		k->load_size = load_end - load_addr;
		if (k->load_size > len - k->load_off)
			return "Multiboot load_end_addr lies past the end of the image";
	}
	k->lo = load_addr;
	k->hi = load_addr + k->load_size;
	if (k->hi > MB_LIMIT)
		return "Multiboot load range runs past 4 GiB";
	if (bss_end) {
		if (bss_end < k->hi)
			return "Multiboot bss_end_addr is below the end of the loaded data";
		k->hi = bss_end;
	}
	if (entry < k->lo || entry >= load_addr + k->load_size)
		return "Multiboot entry_addr is not inside the loaded image";
	k->entry = entry;
	return NULL;
}

/* An ELF kernel: its segments at p_paddr, e_entry translated from virtual to
 * physical through the PT_LOAD segment that holds it, as GRUB does. */
static const char *mb_parse_elf(const uint8_t *p, size_t len, struct mb_kernel *k)
{
	const char *why = elf_parse_header(p, len, &k->elf);
	if (!why)
		why = elf_check_segments(p, len, &k->elf, MB_LIMIT);
	if (why)
		return why;
	bool virt = false, phys = false;
	uint64_t entry = k->elf.entry;
	k->is_elf = true;
	k->lo = UINT64_MAX;
	k->hi = 0;
	for (uint32_t i = 0; i < k->elf.phnum; i++) {
		struct elf_seg s = elf_phdr(p, &k->elf, i);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		k->lo = s.paddr < k->lo ? s.paddr : k->lo;
		k->hi = s.paddr + s.memsz > k->hi ? s.paddr + s.memsz : k->hi;
		if (!virt && entry >= s.vaddr && entry - s.vaddr < s.memsz) {
			virt = true;
			k->entry = entry - s.vaddr + s.paddr;
		}
		phys = phys || (entry >= s.paddr && entry - s.paddr < s.memsz);
	}
	if (k->lo == UINT64_MAX)
		return "ELF has no PT_LOAD segment with memory";
	if (!virt && !phys)
		return "Multiboot kernel's ELF entry point is not inside a PT_LOAD segment";
	if (!virt)
		k->entry = entry;
	return NULL;
}

static const char *mb1_parse(const uint8_t *p, size_t len, size_t off, struct mb_kernel *k)
{
	const uint8_t *h = p + off;
	uint32_t flags = rd32(h + 4);
	k->format = IMAGE_MULTIBOOT1;
	if (flags & MB1_F_VIDEO)
		return "Multiboot kernel requires a video mode (header flag 2), and Kestrel has no display";
	if (flags & MB1_F_REQUIRED & ~(MB1_F_PAGE_ALIGN | MB1_F_MEMORY))
		return "Multiboot kernel requires a feature Kestrel does not know (a header flag in bits 3-15)";
	if (!(flags & MB1_F_ADDRESS)) {
		if (!elf_is_elf(p, len))
			return "Multiboot kernel is not ELF and gives no load addresses (header flag 16)";
		return mb_parse_elf(p, len, k);
	}
	size_t limit = len < MB1_SEARCH ? len : MB1_SEARCH;
	if (off + 32 > limit)
		return "Multiboot header's address fields run past the image or its first 8192 bytes";
	return mb_parse_aout(len, off, rd32(h + 12), rd32(h + 16), rd32(h + 20), rd32(h + 24), rd32(h + 28), k);
}

static bool mb1_valid(const uint8_t *h)
{
	return rd32(h) == MB1_MAGIC && (uint32_t)(rd32(h) + rd32(h + 4) + rd32(h + 8)) == 0;
}

static bool mb2_valid(const uint8_t *h)
{
	return rd32(h) == MB2_MAGIC && (uint32_t)(rd32(h) + rd32(h + 4) + rd32(h + 8) + rd32(h + 12)) == 0;
}

/* The first header with its magic and a good checksum, searched at align
 * within search bytes; 1 found (*off), 0 none, -1 with *why otherwise. A
 * good header past the limit, or only bad checksums, is worth a message. */
static int mb_find(const uint8_t *p, size_t len, size_t search, size_t align, size_t hsize, uint32_t magic,
                   bool (*valid)(const uint8_t *), size_t *off, const char **why)
{
	bool bad_sum = false;
	for (size_t o = 0; o + hsize <= len && o < 4 * search; o += align) {
		if (rd32(p + o) != magic)
			continue;
		if (!valid(p + o)) {
			bad_sum = bad_sum || o + hsize <= search;
			continue;
		}
		if (o + hsize > search) {
			*why = magic == MB1_MAGIC ? "Multiboot header lies past the first 8192 bytes of the image"
			                          : "Multiboot2 header lies past the first 32768 bytes of the image";
			return -1;
		}
		*off = o;
		return 1;
	}
	if (!bad_sum)
		return 0;
	*why = magic == MB1_MAGIC ? "Multiboot header checksum is wrong" : "Multiboot2 header checksum is wrong";
	return -1;
}

/* Kestrel gives the command line (1), the boot loader name (2), modules
 * (3), basic memory information (4), the memory map (6) and, on request,
 * the load base address (21); the message names what else was asked for. */
static const char *mb2_request(uint32_t type)
{
	static const char *const missing[] = {
	    [5] = "Multiboot2 kernel requests the BIOS boot device (information tag 5), which Kestrel does not give",
	    [7] = "Multiboot2 kernel requests VBE information (information tag 7), and Kestrel has no display",
	    [8] = "Multiboot2 kernel requests framebuffer information (information tag 8), and Kestrel has no display",
	    [9] = "Multiboot2 kernel requests its ELF section headers (information tag 9), which Kestrel does not give",
	    [10] = "Multiboot2 kernel requests the APM table (information tag 10), which Kestrel does not give",
	    [11] = "Multiboot2 kernel requests an EFI 32-bit system table (information tag 11); Kestrel is a BIOS",
	    [12] = "Multiboot2 kernel requests an EFI 64-bit system table (information tag 12); Kestrel is a BIOS",
	    [13] = "Multiboot2 kernel requests SMBIOS tables (information tag 13), which Kestrel does not give",
	    [14] = "Multiboot2 kernel requests an ACPI 1.0 RSDP (information tag 14); Kestrel's guests have no ACPI",
	    [15] = "Multiboot2 kernel requests an ACPI 2.0 RSDP (information tag 15); Kestrel's guests have no ACPI",
	    [16] =
	        "Multiboot2 kernel requests networking information (information tag 16), which Kestrel does not give",
	    [17] = "Multiboot2 kernel requests the EFI memory map (information tag 17); Kestrel is a BIOS",
	    [18] = "Multiboot2 kernel requests EFI boot services (information tag 18); Kestrel is a BIOS",
	    [19] = "Multiboot2 kernel requests an EFI 32-bit image handle (information tag 19); Kestrel is a BIOS",
	    [20] = "Multiboot2 kernel requests an EFI 64-bit image handle (information tag 20); Kestrel is a BIOS",
	};
	if (type <= 4 || type == 6 || type == 21)
		return NULL;
	if (type < sizeof(missing) / sizeof(missing[0]))
		return missing[type];
	return "Multiboot2 kernel requests information of a type Kestrel does not know";
}

static const char *mb2_tag_info_request(const uint8_t *t, uint32_t size, bool optional, struct mb_kernel *k)
{
	for (uint32_t i = 8; i + 4 <= size; i += 4) {
		uint32_t type = rd32(t + i);
		const char *why = mb2_request(type);
		if (why && !optional)
			return why;
		k->base_tag = k->base_tag || type == 21;
	}
	return NULL;
}

/* One header tag; *addr and *entry point at the address and entry tags. */
static const char *mb2_tag(const uint8_t *t, uint32_t type, uint32_t size, bool optional, struct mb_kernel *k,
                           const uint8_t **addr, const uint8_t **entry)
{
	static const uint32_t sizes[] = {
	    [MB2_HTAG_ADDRESS] = 24, [MB2_HTAG_ENTRY] = 12, [MB2_HTAG_CONSOLE] = 12, [MB2_HTAG_RELOCATABLE] = 24};
	if (type < sizeof(sizes) / sizeof(sizes[0]) && size < sizes[type])
		return "Multiboot2 header tag is too small for its type";
	switch (type) {
	case MB2_HTAG_INFO_REQUEST:
		return mb2_tag_info_request(t, size, optional, k);
	case MB2_HTAG_ADDRESS:
		*addr = t;
		return NULL;
	case MB2_HTAG_ENTRY:
		*entry = t;
		return NULL;
	case MB2_HTAG_CONSOLE:
		if ((rd32(t + 8) & MB2_CONSOLE_REQUIRED) && !optional)
			return "Multiboot2 kernel requires a console (header tag 4), and Kestrel has no display";
		return NULL;
	case MB2_HTAG_FRAMEBUFFER:
		return optional ? NULL
		                : "Multiboot2 kernel requires a framebuffer (header tag 5), and Kestrel has no display";
	case MB2_HTAG_MODULE_ALIGN: /* modules are always page-aligned */
	case MB2_HTAG_EFI_BS:       /* 7-9 concern EFI only: a BIOS loader ignores them (3.1.10-3.1.12) */
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		return NULL;
	case MB2_HTAG_RELOCATABLE:
		k->reloc = true;
		k->reloc_min = rd32(t + 8);
		k->reloc_max = rd32(t + 12);
		k->reloc_align = rd32(t + 16) ? rd32(t + 16) : 1;
		k->reloc_pref = rd32(t + 20);
		return k->reloc_min > k->reloc_max ? "Multiboot2 relocatable tag has min_addr above max_addr" : NULL;
	}
	return optional ? NULL : "Multiboot2 kernel requires a header tag Kestrel does not know";
}

static const char *mb2_parse(const uint8_t *p, size_t len, size_t off, struct mb_kernel *k)
{
	const uint8_t *h = p + off, *addr = NULL, *entry = NULL;
	size_t limit = len < MB2_SEARCH ? len : MB2_SEARCH;
	uint32_t hlen = rd32(h + 8);
	k->format = IMAGE_MULTIBOOT2;
	if (rd32(h + 4) != MB2_ARCH_I386)
		return "Multiboot2 header is for an architecture other than i386";
	if (hlen < 24 || hlen > limit - off)
		return "Multiboot2 header_length runs past the image or its first 32768 bytes, or has no room for tags";
	const char *why = "Multiboot2 header has no end tag";
	for (uint32_t at = 16; at + 8 <= hlen;) {
		const uint8_t *t = h + at;
		uint32_t type = (uint32_t)le_read(t, 2), size = rd32(t + 4);
		bool optional = le_read(t + 2, 2) & MB2_OPTIONAL;
		if (size < 8 || size > hlen - at)
			return "Multiboot2 header tag runs past header_length";
		if (type == MB2_HTAG_END) {
			why = NULL;
			break;
		}
		const char *e = mb2_tag(t, type, size, optional, k, &addr, &entry);
		if (e)
			return e;
		at += (size + 7) & ~7u;
	}
	if (why)
		return why;
	if (addr && !entry)
		return "Multiboot2 address tag without an entry address tag";
	if (addr)
		return mb_parse_aout(len, off, rd32(addr + 8), rd32(addr + 12), rd32(addr + 16), rd32(addr + 20),
		                     rd32(entry + 8), k);
	if (!elf_is_elf(p, len))
		return "Multiboot2 kernel is not ELF and has no address tag";
	why = mb_parse_elf(p, len, k);
	if (!why && entry) {
		k->entry = rd32(entry + 8);
		if (k->entry < k->lo || k->entry >= k->hi)
			return "Multiboot2 entry address tag points outside the loaded kernel";
	}
	return why;
}

/* Multiboot2 before Multiboot: a kernel with both is started the newer way
 * unless only the older header can be satisfied. */
static int mb_parse(const uint8_t *p, size_t len, struct mb_kernel *k, const char **err)
{
	const char *why2 = NULL, *why1 = NULL;
	size_t off = 0;
	if (!p)
		return IMAGE_UNKNOWN;
	int found = mb_find(p, len, MB2_SEARCH, 8, 16, MB2_MAGIC, mb2_valid, &off, &why2);
	if (found > 0) {
		*k = (struct mb_kernel){0};
		if (!(why2 = mb2_parse(p, len, off, k)))
			return IMAGE_MULTIBOOT2;
	}
	found = mb_find(p, len, MB1_SEARCH, 4, 12, MB1_MAGIC, mb1_valid, &off, &why1);
	if (found > 0) {
		*k = (struct mb_kernel){0};
		if (!(why1 = mb1_parse(p, len, off, k)))
			return IMAGE_MULTIBOOT1;
	}
	if ((why2 || why1) && err)
		*err = why2 ? why2 : why1;
	return IMAGE_UNKNOWN;
}

int multiboot_identify(const void *img, size_t len, const char **err)
{
	struct mb_kernel k = {0};
	return mb_parse(img, len, &k, err);
}

/* One loaded range, moved by shift: inside RAM, clear of the low pages and
 * of 0x9FC00-0x100000. */
static const char *mb_check_range(uint64_t base, uint64_t size, uint64_t ram_size)
{
	if (!size)
		return NULL;
	if (base < LOADER_MIN_PADDR)
		return "Multiboot kernel loads below 0x8000 (the low 32 KiB hold Kestrel's GDT and the BIOS data area)";
	if (base < LOADER_HIGH_BASE && base + size > LOADER_EBDA)
		return "Multiboot kernel loads into 0x9FC00-0x100000 (the EBDA, the VGA window and the BIOS)";
	if (base >= ram_size || size > ram_size - base)
		return "Multiboot kernel loads outside guest RAM (raise mem=, or link it lower)";
	return NULL;
}

static const char *mb_check_kernel(const uint8_t *p, const struct mb_kernel *k, uint64_t shift, uint64_t ram_size)
{
	if (!k->is_elf)
		return mb_check_range(k->lo + shift, k->hi - k->lo, ram_size);
	for (uint32_t i = 0; i < k->elf.phnum; i++) {
		struct elf_seg s = elf_phdr(p, &k->elf, i);
		const char *why = s.type == PT_LOAD ? mb_check_range(s.paddr + shift, s.memsz, ram_size) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

/* Relocatable (Multiboot2 tag 10): the linked address when it is allowed
 * and fits, else the lowest (or, by preference, highest) aligned base in
 * [min_addr, max_addr] that does, leaving reserve bytes above it for the
 * modules and the information. Returns the shift. */
static uint64_t mb_relocate(const uint8_t *p, const struct mb_kernel *k, uint64_t ram_size, uint64_t reserve)
{
	uint64_t size = k->hi - k->lo, a = k->reloc_align;
	if (!k->reloc || (k->lo >= k->reloc_min && k->lo <= k->reloc_max && !mb_check_kernel(p, k, 0, ram_size)))
		return 0;
	uint64_t lo = k->reloc_min < LOADER_MIN_PADDR ? LOADER_MIN_PADDR : k->reloc_min;
	uint64_t top = ram_size < MB_LIMIT ? ram_size : MB_LIMIT;
	uint64_t base = (lo + a - 1) / a * a;
	if (k->reloc_pref == MB2_RELOC_HIGHEST && size + reserve <= top) {
		uint64_t hi = top - size - reserve < k->reloc_max ? top - size - reserve : k->reloc_max;
		if (hi / a * a >= lo)
			base = hi / a * a;
	}
	if (base > k->reloc_max || mb_check_kernel(p, k, base - k->lo, ram_size))
		return 0; /* nowhere better: the linked address gives the message */
	return base - k->lo;
}

int multiboot_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
                   struct guest_entry *out, const char **err)
{
	static const struct guest_boot none = {"", 0, 0, false};
	const uint8_t *p = img;
	const char *why = NULL;
	struct mb_kernel k = {0};
	boot = boot ? boot : &none;
	int format = mb_parse(p, len, &k, &why);
	uint64_t top = ram_size < MB_LIMIT ? ram_size : MB_LIMIT, shift = 0;
	struct mb_info_args a = {format, boot, ram_size, 0, 0, k.base_tag};
	if (format == IMAGE_UNKNOWN) {
		why = why ? why : "no Multiboot header";
	} else if (ram_size < LOADER_HIGH_BASE) {
		why = "Multiboot kernels need at least 1 MiB of guest RAM";
	} else {
		uint64_t reserve = mb_info_size(&a) + 8 + MB_PAGE;
		for (unsigned i = 0; i < boot->nfiles && !why; i++) {
			if (boot->files[i].size > top)
				why = "a Multiboot module is larger than guest RAM";
			reserve += (boot->files[i].size + MB_PAGE - 1) / MB_PAGE * MB_PAGE;
		}
		shift = why ? 0 : mb_relocate(p, &k, ram_size, reserve);
		why = why ? why : mb_check_kernel(p, &k, shift, ram_size);
	}
	uint64_t info = 0;
	if (!why) {
		a.load_base = k.lo + shift;
		a.mods = k.hi + shift;
	}
	if (!why) {
		uint64_t size = mb_info_size(&a), end = mb_modules_end(&a);
		info = end <= top ? mb_place(end, size, 8) : top;
		if (info > top || size > top - info)
			why = "Multiboot kernel, its modules and its boot information do not fit in guest RAM (raise "
			      "mem=)";
	}
	if (why) {
		*out = (struct guest_entry){0};
		if (err)
			*err = why;
		return -1;
	}
	if (k.is_elf)
		elf_copy_segments(p, &k.elf, ram, shift);
	else {
		memcpy(ram + k.lo + shift, p + k.load_off, k.load_size);
		memset(ram + k.lo + shift + k.load_size, 0, k.hi - k.lo - k.load_size);
	}
	for (unsigned i = 0; i < boot->nfiles; i++)
		memcpy(ram + mb_module_addr(&a, i), boot->files[i].data, boot->files[i].size);
	*out =
	    (struct guest_entry){.format = format, .mode = GUEST_PROT32, .entry = k.entry + shift, .stack = MB_STACK};
	loader_write_gdt(ram, out);
	out->cs = LOADER_SEL_CODE32;
	out->ds = LOADER_SEL_DATA;
	out->rax = format == IMAGE_MULTIBOOT1 ? MB1_BOOT_MAGIC : MB2_BOOT_MAGIC;
	out->rbx = mb_info_write(ram, &a, info);
	return 0;
}
