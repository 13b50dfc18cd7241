/* Extended page tables: one per guest, mapping its RAM and nothing else. */
#ifndef KESTREL_VMM_EPT_H
#define KESTREL_VMM_EPT_H

#include <stdbool.h>
#include <stdint.h>

struct ept {
	uint64_t pml4_pa;
	uint64_t pointer; /* the EPTP written to the VMCS */
	bool large_pages; /* 2 MiB leaves allowed */
	unsigned tables;  /* 4 KiB tables allocated */
	uint64_t span;    /* guest-physical end of the highest mapping: walks stop there */
};

/* Returns false when a page table cannot be allocated. */
bool ept_init(struct ept *ept, bool large_pages);
/* Map [gpa, gpa+size) to [hpa, hpa+size) read/write/execute, write-back. */
bool ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size);
struct vmx_caps;
/* INVEPT: the CPU forgets the translations it cached from this EPT. */
void ept_invalidate(const struct vmx_caps *caps, const struct ept *ept);
/* Free all tables (the guest must not run on this EPT again). */
void ept_destroy(struct ept *ept);

/* A guest page's rights, as an EPT leaf's bits 2:0 hold them. */
#define EPT_PAGE_R 1u
#define EPT_PAGE_W 2u
#define EPT_PAGE_X 4u
#define EPT_PAGE_RWX 7u

/* A leaf that maps guest RAM: its host address, page size, the rights the
 * CPU enforces now, and the rights the guest's memory layer grants (more
 * than the enforced ones while a watch hides some). */
struct ept_leaf {
	uint64_t hpa, size;
	unsigned rights, granted;
};

/* The leaf that maps gpa (hpa: gpa's own byte). False where gpa is not RAM. */
bool ept_lookup(const struct ept *ept, uint64_t gpa, struct ept_leaf *leaf);
/* Enforce these rights, a subset of the granted ones, on the 4 KiB guest
 * page at gpa, first splitting its 2 MiB leaf into 512 4 KiB leaves.
 * Rights must include R when they include W (write-only is a
 * misconfiguration, SDM 3C 29.3.3.1), and execute-only is not offered.
 * False, with nothing changed, when gpa is not RAM, the rights are refused,
 * or the split finds no page. *lost: a right was taken away, and the guest
 * must not run on this EPT before an INVEPT (SDM 3C 29.4.3.4). */
bool ept_protect(struct ept *ept, uint64_t gpa, unsigned rights, bool *lost);
/* Map the 4 KiB guest page at gpa to the host frame hpa, with the rights
 * the memory layer grants and those enforced (a subset), splitting as
 * ept_protect does. *lost: as for ept_protect; a new frame counts as
 * losing every right the old one had. */
bool ept_set_page(struct ept *ept, uint64_t gpa, uint64_t hpa, unsigned granted, unsigned rights, bool *lost);
/* Take W, granted and enforced, from every leaf, 2 MiB leaves kept whole.
 * Returns how many leaves had it: when any did, INVEPT before the guest
 * runs on this EPT again. */
uint64_t ept_write_protect_all(struct ept *ept);
/* Every 2 MiB leaf split into 4 KiB leaves (dirty flags per 4 KiB page);
 * false when a table could not be had (those split stay split). */
bool ept_split_all(struct ept *ept);
/* The EPT accessed and dirty flags (SDM 3C 29.3.5) of every leaf cleared:
 * INVEPT before the guest runs again. */
void ept_clear_dirty_all(struct ept *ept);
/* With EPT accessed and dirty flags on (PML needs them), or off. */
void ept_set_dirty_flags(struct ept *ept, bool on);
/* Every leaf that maps RAM, in address order. */
typedef void (*ept_leaf_fn)(void *ctx, uint64_t gpa, const struct ept_leaf *leaf);
void ept_for_each_leaf(const struct ept *ept, ept_leaf_fn fn, void *ctx);
/* The 2 MiB of guest RAM around gpa back under one 2 MiB leaf, when its 512
 * 4 KiB leaves map 2 MiB of contiguous, aligned host memory with the same
 * rights; their table is freed. True when merged: then INVEPT before the
 * guest runs on this EPT again, so that no cached walk still reaches the
 * freed table (SDM 3C 29.4.1, "paging-structure caches"). */
bool ept_merge(struct ept *ept, uint64_t gpa);

#endif
