/* The guest's port bus, shared by IN/OUT and INS/OUTS exits. */
#ifndef KESTREL_VMM_EXIT_IO_BUS_H
#define KESTREL_VMM_EXIT_IO_BUS_H

#include <stdint.h>

#include "vmm/exit/exit.h"

static inline uint32_t io_size_mask(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

/* One access of e->io.size bytes to e->io.port; *val in (OUT) or out (IN). */
enum exit_action io_bus_access(struct vm *vm, const struct vm_exit *e, uint32_t *val);

#endif
