/* The host's own page tables: an identity map of all RAM and the low 4 GiB. */
#ifndef KESTREL_KERNEL_PAGING_H
#define KESTREL_KERNEL_PAGING_H

#include <stdint.h>

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE (2ull << 20)

/* Identity-map [0, top) with 2 MiB pages; tables come from alloc_page (which
 * returns zeroed, identity-mapped pages). Returns the new CR3, 0 on failure. */
uint64_t paging_init(uint64_t top, uint64_t (*alloc_page)(void *ctx), void *ctx);

static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }
static inline uint64_t virt_to_phys(const void *va) { return (uint64_t)(uintptr_t)va; }

#endif
