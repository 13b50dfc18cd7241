/* The host's physical memory: one page allocator over all usable RAM. */
#ifndef KESTREL_KERNEL_MM_H
#define KESTREL_KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>

/* A zeroed 4 KiB page, identity-mapped; 0 when memory is exhausted. */
uint64_t mm_alloc_page(void);
/* A page whose old contents stay: for a caller that overwrites all of it
 * at once (a copy-on-write copy), which zeroing first would only slow. */
uint64_t mm_alloc_page_uninit(void);
/* npages contiguous zeroed pages aligned to align_pages pages; 0 on failure. */
uint64_t mm_alloc_contig(size_t npages, size_t align_pages);
/* Pages of which we are the sole owner; panics otherwise (a host bookkeeping bug). */
void mm_free_contig(uint64_t pa, size_t npages);
/* Another reference to an allocated page. A failure is a bookkeeping bug of the host's: panic. */
void mm_ref_page(uint64_t pa);
/* Drop one reference; returns those left (0: freed). Panics on a bookkeeping bug. */
unsigned mm_unref_page(uint64_t pa);
unsigned mm_page_refs(uint64_t pa);
uint64_t mm_free_pages(void);
uint64_t mm_total_pages(void); /* pages the allocator manages */

struct mb2_info;
/* Build the allocator from the boot memory map and switch to our own page
 * tables; panics when there is no memory to run in. */
void mm_init(const struct mb2_info *info);

#endif
