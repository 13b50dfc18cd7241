/* Snapshot page bookkeeping (vmm/mem/snapbook.h). */
#include "vmm/mem/snapbook.h"

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

void snapbook_init(struct snap_book *b, uint32_t npages)
{
	*b = (struct snap_book){.npages = npages};
}

/* saved[npages], differs[npages], in_differs[npages / 64 rounded up]. */
size_t snapbook_bytes(uint32_t npages)
{
	size_t words = ((size_t)npages + 63) / 64;
	return 2 * ALIGN8((size_t)npages * 4) + words * 8;
}

void snapbook_take(struct snap_book *b, unsigned i, void *storage)
{
	uint8_t *p = storage;
	size_t list = ALIGN8((size_t)b->npages * 4);
	b->s[i] = (struct snap_pages){
	    .saved = (uint32_t *)p,
	    .differs = (uint32_t *)(p + list),
	    .in_differs = (uint64_t *)(p + 2 * list),
	};
	b->used |= 1u << i;
}

static bool differs(const struct snap_pages *s, uint32_t page)
{
	return (s->in_differs[page / 64] >> (page % 64)) & 1;
}

unsigned snapbook_preserve(struct snap_book *b, uint32_t page, uint32_t frame, int except)
{
	unsigned took = 0;
	for (unsigned i = 0; i < SNAP_MAX; i++) {
		struct snap_pages *s = &b->s[i];
		if (!(b->used & (1u << i)) || (int)i == except)
			continue;
		if (!s->saved[page]) {
			s->saved[page] = frame;
			s->nsaved++;
			took++;
		}
		if (!differs(s, page)) {
			s->in_differs[page / 64] |= 1ull << (page % 64);
			s->differs[s->ndiffers++] = page;
		}
	}
	return took;
}

void snapbook_rewound(struct snap_book *b, unsigned i)
{
	struct snap_pages *s = &b->s[i];
	for (uint32_t k = 0; k < s->ndiffers; k++)
		s->in_differs[s->differs[k] / 64] = 0; /* whole words: cheaper than bit by bit, same result */
	s->ndiffers = 0;
}

void snapbook_drop(struct snap_book *b, unsigned i, void (*release)(void *ctx, uint32_t frame), void *ctx)
{
	struct snap_pages *s = &b->s[i];
	for (uint32_t p = 0; s->nsaved && p < b->npages; p++)
		if (s->saved[p]) {
			release(ctx, s->saved[p]);
			s->nsaved--;
		}
	b->s[i] = (struct snap_pages){0};
	b->used &= ~(1u << i);
}
