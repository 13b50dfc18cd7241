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

#endif
