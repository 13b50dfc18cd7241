/* A guest's linear-to-physical translation as the CPU makes it for a data
 * access (SDM 3A ch. 4): pure C, the paging registers in a struct and the
 * paging structures read and written through callbacks, so the host tests it. */
#ifndef KESTREL_VMM_PAGE_WALK_H
#define KESTREL_VMM_PAGE_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* Page-fault error code bits (SDM 3A 4.7, figure 4-12). */
#define PF_P    (1u << 0) /* 0: not present; 1: protection or reserved bit */
#define PF_W    (1u << 1) /* the access was a write */
#define PF_U    (1u << 2) /* a user-mode access (CPL 3) */
#define PF_RSVD (1u << 3) /* a reserved bit set in a paging-structure entry */

/* The access: a read, or a write; an implicit supervisor-mode access (the
 * TSS, descriptor tables) is supervisor whatever the CPL and ignores
 * RFLAGS.AC (SDM 3A 4.6). */
#define PAGE_WALK_WRITE    (1u << 0)
#define PAGE_WALK_IMPLICIT (1u << 1)

/* What the CPU consults for a translation. */
struct page_walk_regs {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t pdpte[4]; /* PAE paging: the PDPTE registers, not memory (SDM 3A 4.4.1) */
	unsigned cpl;
	bool ac;             /* RFLAGS.AC */
	unsigned maxphyaddr; /* CPUID.80000008H:EAX[7:0] */
};

/* Paging-structure entries (size 4 or 8) in guest-physical memory; false
 * when gpa is not guest RAM. */
struct page_walk_mem {
	bool (*read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	bool (*write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
	void *ctx;
};

enum page_walk_status {
	PAGE_WALK_OK,     /* gpa holds the translation */
	PAGE_WALK_FAULT,  /* #PF: error holds the error code */
	PAGE_WALK_NO_RAM, /* a paging-structure entry lies outside guest RAM (gpa: where) */
};

struct page_walk_result {
	uint64_t gpa;
	uint32_t error;
};

/* Translate gla for one access (PAGE_WALK_* flags). On success the accessed
 * bits of the entries used, and for a write the dirty bit of the last, are
 * set (SDM 3A 4.8); on a fault nothing is written. */
enum page_walk_status page_walk(const struct page_walk_regs *r, const struct page_walk_mem *m, uint64_t gla,
                                unsigned access, struct page_walk_result *out);

#endif
