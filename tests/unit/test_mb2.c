/* Host tests for kernel/mb2.c: crafted Multiboot2 information blobs, one
 * well-formed, then one per way the format (spec 1.0, 3.6) can be broken. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mb2.c"

/* A blob under construction: 8-byte aligned storage, tags appended in order. */
struct blob {
	uint64_t words[1024];
	uint32_t len;
};

static uint8_t *blob_bytes(struct blob *b) { return (uint8_t *)b->words; }

static void blob_put32(struct blob *b, uint32_t off, uint32_t v) { memcpy(blob_bytes(b) + off, &v, 4); }

static void blob_init(struct blob *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Append a tag header plus payload; returns the tag's offset. */
static uint32_t blob_tag(struct blob *b, uint32_t type, const void *payload, uint32_t plen)
{
	uint32_t off = b->len;
	blob_put32(b, off, type);
	blob_put32(b, off + 4, 8 + plen);
	if (plen)
		memcpy(blob_bytes(b) + off + 8, payload, plen);
	b->len = (off + 8 + plen + 7) & ~7u;
	return off;
}

static uint32_t blob_string_tag(struct blob *b, uint32_t type, const char *s)
{
	return blob_tag(b, type, s, (uint32_t)strlen(s) + 1);
}

static uint32_t blob_module(struct blob *b, uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[64];
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, strlen(s) + 1);
	return blob_tag(b, MB2_TAG_TYPE_MODULE, p, 8 + (uint32_t)strlen(s) + 1);
}

static uint32_t blob_mmap(struct blob *b, uint32_t entry_size, unsigned n, const uint64_t (*e)[3])
{
	uint8_t p[4096] = {0};
	memcpy(p, &entry_size, 4);
	for (unsigned i = 0; i < n; i++) {
		uint32_t type = (uint32_t)e[i][2];
		memcpy(p + 8 + i * entry_size, &e[i][0], 8);
		memcpy(p + 8 + i * entry_size + 8, &e[i][1], 8);
		memcpy(p + 8 + i * entry_size + 16, &type, 4);
	}
	return blob_tag(b, MB2_TAG_TYPE_MMAP, p, 8 + n * entry_size);
}

static void blob_end(struct blob *b)
{
	blob_tag(b, MB2_TAG_TYPE_END, NULL, 0);
	blob_put32(b, 0, b->len);
}

static const uint64_t good_map[][3] = {
	{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2}, {0x100000, 0x7ee0000, 1},
};

static void blob_good(struct blob *b)
{
	blob_init(b);
	blob_string_tag(b, MB2_TAG_TYPE_CMDLINE, "quantum=10 loglevel=debug");
	blob_string_tag(b, MB2_TAG_TYPE_BOOT_LOADER_NAME, "GRUB 2.06");
	blob_module(b, 0x200000, 0x201000, "/guests/hello.bin hello");
	blob_module(b, 0x300000, 0x300000, "/guests/empty.bin empty");
	uint32_t mi[2] = {639, 130048};
	blob_tag(b, MB2_TAG_TYPE_BASIC_MEMINFO, mi, 8);
	uint32_t unknown = 0x12345;
	blob_tag(b, 21, &unknown, 4); /* load base address: not ours, skipped */
	blob_mmap(b, 24, 4, good_map);
	blob_end(b);
}

static int parse(struct blob *b, struct mb2_info *info, const char **err)
{
	*err = NULL;
	return mb2_parse(b->words, MB2_BOOTLOADER_MAGIC, info, err);
}

static struct mb2_info info; /* large: keep it off the test stack */

static void expect_error(struct blob *b, const char *what)
{
	const char *err;
	assert_int_equal(parse(b, &info, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, what));
	assert_int_equal(info.nmods, 0);
	assert_null(info.cmdline);
}

static void test_good_blob(void **state)
{
	(void)state;
	struct blob b;
	blob_good(&b);
	const char *err;
	assert_int_equal(parse(&b, &info, &err), 0);
	assert_string_equal(info.cmdline, "quantum=10 loglevel=debug");
	assert_string_equal(info.bootloader, "GRUB 2.06");
	assert_int_equal(info.nmods, 2);
	assert_int_equal(info.mods[0].start, 0x200000);
	assert_int_equal(info.mods[0].end, 0x201000);
	assert_string_equal(info.mods[0].string, "/guests/hello.bin hello");
	assert_int_equal(info.mods[1].start, info.mods[1].end);
	assert_true(info.has_meminfo);
	assert_int_equal(info.mem_lower_kib, 639);
	assert_int_equal(info.mem_upper_kib, 130048);
	assert_int_equal(info.nmmap, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(info.mmap[i].base, good_map[i][0]);
		assert_int_equal(info.mmap[i].length, good_map[i][1]);
		assert_int_equal(info.mmap[i].type, good_map[i][2]);
	}
	assert_int_equal(info.addr, (uintptr_t)b.words);
	assert_int_equal(info.size, b.len);
	assert_int_equal(info.mods_dropped + info.mmap_dropped, 0);
}

static void test_minimal_blob(void **state)
{
	(void)state;
	struct blob b;
	blob_init(&b);
	blob_end(&b);
	const char *err;
	assert_int_equal(parse(&b, &info, &err), 0);
	assert_int_equal(info.size, 16);
	assert_null(info.cmdline);
	assert_null(info.bootloader);
	assert_false(info.has_meminfo);
	assert_int_equal(info.nmods + info.nmmap, 0);
}

static void test_reserved_field_ignored(void **state)
{
	(void)state;
	struct blob b;
	blob_good(&b);
	blob_put32(&b, 4, 0xdeadbeef); /* 3.6.1: "must be ignored by OS image" */
	const char *err;
	assert_int_equal(parse(&b, &info, &err), 0);
}

static void test_bad_magic(void **state)
{
	(void)state;
	struct blob b;
	blob_good(&b);
	const char *err;
	assert_int_equal(mb2_parse(b.words, 0x2BADB002, &info, &err), -1); /* Multiboot1's */
	assert_non_null(strstr(err, "magic"));
}

static void test_misaligned_or_null(void **state)
{
	(void)state;
	struct blob b;
	blob_good(&b);
	const char *err;
	assert_int_equal(mb2_parse(blob_bytes(&b) + 4, MB2_BOOTLOADER_MAGIC, &info, &err), -1);
	assert_non_null(strstr(err, "aligned"));
	assert_int_equal(mb2_parse(NULL, MB2_BOOTLOADER_MAGIC, &info, &err), -1);
}

static void test_total_size_bounds(void **state)
{
	(void)state;
	struct blob b;
	blob_good(&b);
	blob_put32(&b, 0, 8);
	expect_error(&b, "too small");
	blob_put32(&b, 0, 0);
	expect_error(&b, "too small");
	blob_put32(&b, 0, (1u << 20) + 8);
	expect_error(&b, "1 MiB");
}

static void test_truncated_total_size(void **state)
{
	(void)state;
	struct blob b;
	blob_good(&b);
	blob_put32(&b, 0, b.len - 8); /* the end tag falls outside */
	expect_error(&b, "no end tag");
	blob_put32(&b, 0, 40); /* inside the first tag */
	expect_error(&b, "past total_size");
}

static void test_tag_overrunning(void **state)
{
	(void)state;
	struct blob b;
	blob_init(&b);
	uint32_t off = blob_string_tag(&b, MB2_TAG_TYPE_CMDLINE, "abc");
	blob_end(&b);
	blob_put32(&b, off + 4, 4096);
	expect_error(&b, "past total_size");
	blob_put32(&b, off + 4, 0xFFFFFFFF); /* off + size would wrap in 32 bits */
	expect_error(&b, "past total_size");
}

static void test_missing_terminator(void **state)
{
	(void)state;
	struct blob b;
	blob_init(&b);
	blob_string_tag(&b, MB2_TAG_TYPE_CMDLINE, "abc");
	blob_put32(&b, 0, b.len);
	expect_error(&b, "no end tag");
	/* An end tag of the wrong size is no end tag either. */
	blob_init(&b);
	uint32_t pad = 0;
	blob_tag(&b, MB2_TAG_TYPE_END, &pad, 4);
	blob_put32(&b, 0, b.len);
	expect_error(&b, "end tag");
}

static void test_zero_size_tag(void **state)
{
	(void)state;
	struct blob b;
	blob_init(&b);
	uint32_t off = blob_string_tag(&b, MB2_TAG_TYPE_CMDLINE, "abc");
	blob_end(&b);
	blob_put32(&b, off + 4, 0);
	expect_error(&b, "smaller than its header");
	blob_put32(&b, off + 4, 7);
	expect_error(&b, "smaller than its header");
}

static void test_unterminated_strings(void **state)
{
	(void)state;
	struct blob b;
	blob_init(&b);
	blob_tag(&b, MB2_TAG_TYPE_CMDLINE, "abcd", 4);
	blob_end(&b);
	expect_error(&b, "command line");
	blob_init(&b);
	blob_tag(&b, MB2_TAG_TYPE_BOOT_LOADER_NAME, "GRUB", 4);
	blob_end(&b);
	expect_error(&b, "boot loader name");
	blob_init(&b);
	uint32_t off = blob_module(&b, 0x1000, 0x2000, "abc");
	blob_end(&b);
	blob_put32(&b, off + 4, 16 + 3); /* the NUL falls outside the tag */
	expect_error(&b, "module string");
	blob_put32(&b, off + 4, 16);
	expect_error(&b, "module tag too small");
}

static void test_module_end_before_start(void **state)
{
	(void)state;
	struct blob b;
	blob_init(&b);
	blob_module(&b, 0x2000, 0x1fff, "m");
	blob_end(&b);
	expect_error(&b, "ends before it starts");
}

static void test_bad_mmap_entry_size(void **state)
{
	(void)state;
	static const uint32_t bad[] = {0, 8, 16, 20, 25, 28};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct blob b;
		blob_init(&b);
		blob_mmap(&b, bad[i], 1, good_map);
		blob_end(&b);
		expect_error(&b, "entry_size");
	}
	/* A larger, 8-aligned entry_size (a future version) is read by its prefix. */
	struct blob b;
	blob_init(&b);
	blob_mmap(&b, 32, 4, good_map);
	blob_end(&b);
	const char *err;
	assert_int_equal(parse(&b, &info, &err), 0);
	assert_int_equal(info.nmmap, 4);
	assert_int_equal(info.mmap[3].base, 0x100000);
	/* A partial trailing entry is refused. */
	blob_init(&b);
	uint32_t off = blob_mmap(&b, 24, 2, good_map);
	blob_end(&b);
	blob_put32(&b, off + 4, 16 + 24 + 8);
	expect_error(&b, "partial");
}

static void test_too_many_modules_and_entries(void **state)
{
	(void)state;
	static struct blob b;
	blob_init(&b);
	for (unsigned i = 0; i < MB2_MAX_MODULES + 3; i++)
		blob_module(&b, i * 0x1000, i * 0x1000 + 0x800, "m");
	static uint64_t map[MB2_MAX_MMAP + 5][3];
	for (unsigned i = 0; i < MB2_MAX_MMAP + 5; i++) {
		map[i][0] = i * 0x1000ULL;
		map[i][1] = 0x1000;
		map[i][2] = 1;
	}
	blob_mmap(&b, 24, MB2_MAX_MMAP + 5, map);
	blob_end(&b);
	const char *err;
	assert_int_equal(parse(&b, &info, &err), 0);
	assert_int_equal(info.nmods, MB2_MAX_MODULES);
	assert_int_equal(info.mods_dropped, 3);
	assert_int_equal(info.mods[MB2_MAX_MODULES - 1].start, (MB2_MAX_MODULES - 1) * 0x1000);
	assert_int_equal(info.nmmap, MB2_MAX_MMAP);
	assert_int_equal(info.mmap_dropped, 5);
}

static void test_every_truncation_is_refused_or_safe(void **state)
{
	(void)state;
	/* Cut the good blob at every length into a buffer of exactly that many
	 * bytes with total_size saying so: refused, and ASan sees no read past it. */
	struct blob b;
	blob_good(&b);
	for (uint32_t t = 8; t <= b.len; t++) {
		uint8_t *c = malloc(t);
		memcpy(c, b.words, t);
		if (t < b.len)
			memcpy(c, &t, 4);
		const char *err;
		assert_int_equal(mb2_parse(c, MB2_BOOTLOADER_MAGIC, &info, &err), t == b.len ? 0 : -1);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_blob),
		cmocka_unit_test(test_minimal_blob),
		cmocka_unit_test(test_reserved_field_ignored),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_misaligned_or_null),
		cmocka_unit_test(test_total_size_bounds),
		cmocka_unit_test(test_truncated_total_size),
		cmocka_unit_test(test_tag_overrunning),
		cmocka_unit_test(test_missing_terminator),
		cmocka_unit_test(test_zero_size_tag),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_module_end_before_start),
		cmocka_unit_test(test_bad_mmap_entry_size),
		cmocka_unit_test(test_too_many_modules_and_entries),
		cmocka_unit_test(test_every_truncation_is_refused_or_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
