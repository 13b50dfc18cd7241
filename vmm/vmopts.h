/* A guest's module string: "NAME [mem=SIZE] [com2]". */
#ifndef KESTREL_VMM_VMOPTS_H
#define KESTREL_VMM_VMOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_NAME_MAX 15
#define VM_MEM_DEFAULT (8ull << 20)
#define VM_MEM_MIN (1ull << 20)
#define VM_MEM_MAX (1ull << 30)

struct vm_opts {
	char name[VM_NAME_MAX + 1];
	uint64_t mem;
	bool com2;
};

/* 0, or -1 with a message naming the problem written to err. */
int vmopts_parse(const char *s, struct vm_opts *out, char *err, size_t err_len);

#endif
