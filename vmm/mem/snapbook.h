/* The page bookkeeping of a VM's snapshots: which guest pages each one holds
 * aside, and which may differ from it now. Pure: a frame is a number (a host
 * page frame number, never 0), and the caller references and maps frames.
 *
 * The rule it keeps (docs/memory.md, "Snapshots"): before a guest page
 * changes, every snapshot that does not hold it yet keeps the frame that
 * holds it now; a snapshot that holds a page never lets it go until the
 * snapshot is dropped. So a snapshot's pages are its saved frames, and the
 * VM's own frames where it has none. */
#ifndef KESTREL_VMM_MEM_SNAPBOOK_H
#define KESTREL_VMM_MEM_SNAPBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_MAX 4 /* snapshots per VM */

struct snap_pages {
	uint32_t *saved;      /* [page]: frame holding the page as it was at the snapshot; 0: the VM's own */
	uint32_t *differs;    /* pages that may differ from the snapshot now, in the order first written */
	uint64_t *in_differs; /* a bit per page: listed in differs */
	uint32_t nsaved, ndiffers;
};

struct snap_book {
	uint32_t npages; /* guest pages */
	unsigned used;   /* a bit per slot in use */
	struct snap_pages s[SNAP_MAX];
};

void snapbook_init(struct snap_book *b, uint32_t npages);
/* Bytes of zeroed storage one snapshot's bookkeeping needs (8-aligned). */
size_t snapbook_bytes(uint32_t npages);
/* Slot i starts a snapshot on zeroed storage of snapbook_bytes(npages):
 * it holds nothing aside and nothing differs yet. */
void snapbook_take(struct snap_book *b, unsigned i, void *storage);
/* Page `page`, now in `frame`, is about to change: each used snapshot but
 * slot `except` (-1: none) that does not hold it keeps frame, and notes
 * that the page differs. Returns how many took frame: the references the
 * caller adds to it. */
unsigned snapbook_preserve(struct snap_book *b, uint32_t page, uint32_t frame, int except);
/* Slot i's pages are back in the VM (a rewind): nothing differs from it. */
void snapbook_rewound(struct snap_book *b, unsigned i);
/* Free slot i; release is called once for each frame it held aside. */
void snapbook_drop(struct snap_book *b, unsigned i, void (*release)(void *ctx, uint32_t frame), void *ctx);

#endif
