/* The guest's port bus, shared by IN/OUT and INS/OUTS exits. */
#ifndef KESTREL_VMM_EXIT_IO_BUS_H
#define KESTREL_VMM_EXIT_IO_BUS_H

#include <stdint.h>

#include "vmm/exit/exit.h"

/* The bits an access of size bytes (1, 2 or 4) moves: a lookup, as this is
 * on every port exit's path. */
static inline uint32_t io_size_mask(unsigned size)
{
	static const uint32_t mask[8] = {0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
	return mask[size & 7];
}

/* One access of exit_io_size(e) bytes to e->io.port; *val in (OUT) or out (IN). */
enum exit_action io_bus_access(struct vm *vm, const struct vm_exit *e, uint32_t *val);

#endif
