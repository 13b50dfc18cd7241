/* Physical page allocator: a bitmap over the usable RAM of the memory map,
 * which never hands out reserved ranges (the kernel, the boot information,
 * the modules, the first MiB). */
#ifndef KESTREL_KERNEL_PMM_H
#define KESTREL_KERNEL_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/mb2.h"

#define PMM_PAGE 4096ull

struct pmm_range {
	uint64_t base, end; /* [base, end) */
};

struct pmm {
	uint8_t *bitmap;  /* bit set = page free; bit i is page (base/4096 + i) */
	uint8_t *managed; /* bit set = page is RAM this allocator may hand out */
	uint64_t base;   /* first managed physical address, page aligned */
	uint64_t pages;  /* pages the bitmap covers */
	uint64_t free, total;
	uint64_t hint; /* where the next search starts */
};

/*
 * Build the allocator. The bitmap itself is placed in the first usable,
 * unreserved stretch of RAM large enough for it, reached through to_virt
 * (identity in the kernel, an offset into a buffer in tests). Returns 0, or
 * -1 with *err when there is no usable memory.
 */
int pmm_init(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
	     size_t nres, void *(*to_virt)(uint64_t pa), const char **err);
uint64_t pmm_alloc(struct pmm *p); /* 0 when exhausted */
uint64_t pmm_alloc_contig(struct pmm *p, size_t npages, size_t align_pages);
/* 0, or -1 for a page that is not managed, or already free (double free). */
int pmm_free(struct pmm *p, uint64_t pa);
int pmm_free_contig(struct pmm *p, uint64_t pa, size_t npages);

#endif
