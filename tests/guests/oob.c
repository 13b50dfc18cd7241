/*
 * oob: reads guest-physical 64 MiB, beyond its RAM when run with mem=8M. The
 * EPT has no mapping there, so Kestrel must stop this guest (EPT violation)
 * and only this guest. If the read returns, print "read returned" and exit 1.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/io.h"

#define OOB_GPA 0x4000000u /* 64 MiB */

int main(void)
{
	volatile uint32_t *p = phys_ptr(OOB_GPA);
	printf("reading GPA 0x%x\n", OOB_GPA);
	uint32_t v = *p;
	printf("read returned 0x%x\n", v);
	return 1;
}
