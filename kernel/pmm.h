/* The physical page allocator: one bit per 4 KiB page over the RAM the
 * Multiboot2 memory map calls available, minus what the caller reserves, and a
 * reference count per page so that guests can share pages (copy-on-write).
 * Pure bookkeeping: it never touches the pages, only the storage it is given. */
#ifndef KESTREL_KERNEL_PMM_H
#define KESTREL_KERNEL_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/mb2.h"

#define PMM_PAGE_SIZE 4096ULL
#define PMM_LOW_LIMIT 0x100000ULL        /* below 1 MiB: BIOS, IVT, EBDA: never handed out */
#define PMM_MAX_ADDR  (1ULL << 52)        /* MAXPHYADDR's architectural limit (SDM 4.1.4) */
#define PMM_REF_MAX   0xFFFFu             /* references one page can hold: a uint16_t each */

/* A physical range [start, end) in bytes that must never be handed out. */
struct pmm_range {
	uint64_t base, end;
};

enum pmm_status {
	PMM_OK = 0,
	PMM_ERR_NO_MEMORY = -1,     /* no available RAM above 1 MiB in the map */
	PMM_ERR_BITMAP_SIZE = -2,   /* the storage given is smaller than pmm_bitmap_bytes() */
	PMM_ERR_MISALIGNED = -3,    /* an address that is not page-aligned */
	PMM_ERR_UNMANAGED = -4,     /* a page this allocator never owned */
	PMM_ERR_NOT_ALLOCATED = -5, /* a page that is already free: double free */
	PMM_ERR_REF_OVERFLOW = -6,  /* a page that already has PMM_REF_MAX references */
	PMM_ERR_SHARED = -7,        /* freeing a page someone else still refers to */
};

struct pmm {
	uint64_t *free_map;    /* bit set: page free */
	uint64_t *managed_map; /* bit set: page owned by the allocator */
	uint16_t *refs;        /* per page: 0 while free, else its references */
	uint64_t base_pfn;     /* page frame number of bit 0 */
	uint64_t npages;       /* pages the bitmaps span */
	uint64_t free, total;
	uint64_t hint; /* word index where the next single-page search starts */
};

/* Bytes of storage pmm_init needs for this map: the two bitmaps, then a
 * uint16_t reference count per page, rounded up to a multiple of 8. */
size_t pmm_bitmap_bytes(const struct mb2_mmap_entry *map, size_t n);
/* The lowest page-aligned physical address of `bytes` available RAM that
 * avoids the reserved ranges (for the bitmap itself); 0 if there is none. */
uint64_t pmm_find_region(const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
			 size_t nres, uint64_t bytes);
/* Manage every whole page of type-1 RAM at or above 1 MiB that no other map
 * entry and no reserved range touches. bitmap: pmm_bitmap_bytes() bytes of
 * 8-byte aligned storage the caller keeps for the allocator's lifetime. */
int pmm_init_bitmap(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
		    size_t nres, void *bitmap, size_t bitmap_bytes);
/* As pmm_init_bitmap, with the bitmap placed in the first free stretch of RAM
 * that fits it (pmm_find_region), reached through to_virt (identity in the
 * kernel, an offset into a buffer in tests) and never handed out. 0, or -1
 * with *err naming the problem. */
int pmm_init(struct pmm *p, const struct mb2_mmap_entry *map, size_t n, const struct pmm_range *reserved,
	     size_t nres, void *(*to_virt)(uint64_t pa), const char **err);

/* One page; 0 when none is left. */
uint64_t pmm_alloc(struct pmm *p);
/* npages contiguous pages whose address is a multiple of align_pages pages
 * (0 or 1: any); 0 when no such run is free. */
uint64_t pmm_alloc_contig(struct pmm *p, size_t npages, size_t align_pages);
/* Give pages back: PMM_OK, or an error with nothing changed. */
int pmm_free(struct pmm *p, uint64_t pa);
int pmm_free_contig(struct pmm *p, uint64_t pa, size_t npages);
/* Freeing is for sole owners: pmm_free and pmm_free_contig refuse a range
 * with any page of more than one reference (PMM_ERR_SHARED). */

/* A page pmm_alloc / pmm_alloc_contig hands out has one reference.
 * pmm_ref adds one (a second guest maps the page, a snapshot keeps it);
 * pmm_unref drops one and frees the page with the last. Both return PMM_OK,
 * or PMM_ERR_MISALIGNED, _UNMANAGED, _NOT_ALLOCATED (a free page) or, for
 * pmm_ref, _REF_OVERFLOW (at PMM_REF_MAX), with nothing changed. */
int pmm_ref(struct pmm *p, uint64_t pa);
/* On PMM_OK, *left (unless NULL) is the references remaining; 0: the page is free again. */
int pmm_unref(struct pmm *p, uint64_t pa, unsigned *left);
/* References to pa; 0 for a free, unmanaged or misaligned page. */
unsigned pmm_refs(const struct pmm *p, uint64_t pa);

uint64_t pmm_free_count(const struct pmm *p);
uint64_t pmm_total_count(const struct pmm *p);

#endif
