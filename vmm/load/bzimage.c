/* Multiboot kernels (vmm/load/bzimage.h). */
#include "vmm/load/bzimage.h"

int bzimage_identify(const void *img, size_t len, const char **err)
{
	(void)img;
	(void)len;
	(void)err;
	return IMAGE_UNKNOWN;
}

int bzimage_load(const void *img, size_t len, const struct guest_boot *boot, uint8_t *ram, uint64_t ram_size,
		   struct guest_entry *out, const char **err)
{
	(void)img;
	(void)len;
	(void)boot;
	(void)ram;
	(void)ram_size;
	(void)out;
	*err = "Linux kernels are not supported yet";
	return -1;
}
