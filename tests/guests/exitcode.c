/* exitcode: ends through the HC_SHUTDOWN hypercall with exit code 42. */
#include "guests/lib/console.h"
#include "guests/lib/hcall.h"

int main(void)
{
	printf("exiting with code 42 via HC_SHUTDOWN\n");
	hc_shutdown(42);
}
