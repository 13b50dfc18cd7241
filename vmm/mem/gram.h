/* Guest RAM through the VM's EPT: every host access to it, and the guest
 * writes the EPT holds back for copy-on-write, snapshots and dirty-page
 * logging (docs/memory.md). While vm->ram is set the RAM is one block the
 * VM owns alone with no write tracked, and the host reads and writes it
 * directly; otherwise every page is found through the EPT. */
#ifndef KESTREL_VMM_MEM_GRAM_H
#define KESTREL_VMM_MEM_GRAM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

enum gram_status {
	GRAM_OK,
	GRAM_NOT_RAM,   /* the address is beyond the guest's RAM */
	GRAM_NO_MEMORY, /* the copy or an EPT table found no host page */
};

/* Guest-physical to host pointer for [gpa, gpa+len) inside RAM and inside
 * one 4 KiB page (any span while vm->ram is set), else NULL. For writing,
 * the page is made the VM's own and writable first (gram_make_writable); when
 * that finds no host memory the VM is stopped, with a reason. */
const void *vm_gpa_read(struct vm *vm, uint64_t gpa, uint64_t len);
void *vm_gpa_write(struct vm *vm, uint64_t gpa, uint64_t len);
/* The page at gpa becomes the VM's own and writable: the snapshots that
 * lack it keep its frame, a frame that others share is copied first, the
 * dirty log counts it. *p: gpa's byte. A page that moved to a copy is
 * followed by an INVEPT: the violation that led here dropped the cached
 * translations of gpa itself (SDM 3C 29.4.3.3), not those of other linear
 * addresses that reach the old frame. */
enum gram_status gram_make_writable(struct vm *vm, uint64_t gpa, void **p);
/* gpa's byte for reading, or NULL beyond RAM. */
const void *gram_read_ptr(struct vm *vm, uint64_t gpa);
/* Host copies to and from guest RAM, across pages; false beyond RAM (or
 * with no memory for a copy), with what fits before that done. */
bool gram_read(struct vm *vm, uint64_t gpa, void *buf, uint64_t len);
/* Take W from every page (a snapshot, a clone, a dirty-log second): their
 * next write faults. Returns the EPT entries changed; INVEPT is done. */
uint64_t gram_protect_all(struct vm *vm);
/* dst's RAM is src's, every page shared copy-on-write (a clone). dst has
 * an empty EPT of its own. False: no memory for dst's tables (dst's
 * mapped pages are its to release). */
bool gram_share(struct vm *dst, struct vm *src);
/* Drop every page the VM maps (its snapshots keep what they lack first),
 * and the EPT with them. */
void gram_release(struct vm *vm);
/* Pages the VM alone maps, and those it shares with a clone or a snapshot. */
void gram_count(struct vm *vm, uint64_t *private_pages, uint64_t *shared_pages);

#endif
