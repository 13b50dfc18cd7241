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
};

/* Returns false when a page table cannot be allocated. */
bool ept_init(struct ept *ept, bool large_pages);
/* Map [gpa, gpa+size) to [hpa, hpa+size) read/write/execute, write-back. */
bool ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size);
/* Free all tables (the guest must not run on this EPT again). */
void ept_destroy(struct ept *ept);

/* A guest page's rights, as an EPT leaf's bits 2:0 hold them. */
#define EPT_PAGE_R 1u
#define EPT_PAGE_W 2u
#define EPT_PAGE_X 4u
#define EPT_PAGE_RWX 7u

/* The leaf that maps gpa: its host address, rights and page size (4 KiB or
 * 2 MiB). False where gpa is not guest RAM. */
bool ept_lookup(const struct ept *ept, uint64_t gpa, uint64_t *hpa, unsigned *rights, uint64_t *page_size);
/* Give the 4 KiB guest page at gpa these rights, first splitting its 2 MiB
 * leaf into 512 4 KiB leaves. Rights must include R when they include W
 * (write-only is a misconfiguration, SDM 3C 29.3.3.1), and execute-only is
 * not offered. False, with nothing changed, when gpa is not RAM, the rights
 * are refused, or the split finds no page. *lost: a right was taken away,
 * and the guest must not run on this EPT before an INVEPT (SDM 3C 29.4.3.4). */
bool ept_protect(struct ept *ept, uint64_t gpa, unsigned rights, bool *lost);
/* The 2 MiB of guest RAM around gpa back under one 2 MiB leaf, when its 512
 * 4 KiB leaves map 2 MiB of contiguous, aligned host memory with the same
 * rights; their table is freed. True when merged: then INVEPT before the
 * guest runs on this EPT again, so that no cached walk still reaches the
 * freed table (SDM 3C 29.4.1, "paging-structure caches"). */
bool ept_merge(struct ept *ept, uint64_t gpa);

#endif
