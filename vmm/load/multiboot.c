/* Multiboot kernels (vmm/load/multiboot.h). */
#include "vmm/load/multiboot.h"

int multiboot_identify(const void *img, size_t len, const char **err)
{
	(void)img;
	(void)len;
	(void)err;
	return IMAGE_UNKNOWN;
}

int multiboot_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		   struct guest_entry *out, const char **err)
{
	(void)img;
	(void)len;
	(void)boot;
	(void)ram;
	(void)ram_size;
	(void)out;
	*err = "Multiboot kernels are not supported yet";
	return -1;
}
