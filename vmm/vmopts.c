/* Module string parsing: the VM's name and its options. A name is what the
 * operator types, so it is short, plain, and never a bare number (those are
 * VM ids in the monitor). */
#include "vmm/vmopts.h"
#include "kernel/cmdline.h"
#include "kernel/fmt.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int check_name(const struct cmdline_arg *a, struct vm_opts *out, char *err, size_t n)
{
	bool digits_only = true;
	if (a->val || a->key_len == 0 || a->key_len > VM_NAME_MAX) {
		fmt_snprintf(err, n, "bad or missing name '%.*s' (1-%d characters of A-Z a-z 0-9 _ -)", (int)a->key_len,
			     a->key, VM_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < a->key_len; i++) {
		if (!name_char(a->key[i])) {
			fmt_snprintf(err, n, "bad name '%.*s' (1-%d characters of A-Z a-z 0-9 _ -)", (int)a->key_len,
				     a->key, VM_NAME_MAX);
			return -1;
		}
		digits_only = digits_only && a->key[i] >= '0' && a->key[i] <= '9';
		out->name[i] = a->key[i];
	}
	out->name[a->key_len] = 0;
	if (digits_only) {
		fmt_snprintf(err, n, "name '%s' is all digits (numbers are VM ids)", out->name);
		return -1;
	}
	return 0;
}

static int parse_mem(const struct cmdline_arg *a, struct vm_opts *out, char *err, size_t n)
{
	uint64_t mem;
	if (parse_size(a->val, a->val_len, &mem) || mem < VM_MEM_MIN || mem > VM_MEM_MAX || mem % 4096) {
		fmt_snprintf(err, n, "bad mem size '%.*s' (1M to 1G, a multiple of 4K)", (int)a->val_len, a->val);
		return -1;
	}
	out->mem = mem;
	return 0;
}

int vmopts_parse(const char *s, struct vm_opts *out, char *err, size_t n)
{
	struct cmdline cl;
	cmdline_parse(&cl, s);
	*out = (struct vm_opts){.mem = VM_MEM_DEFAULT};
	if (cl.n == 0) {
		fmt_snprintf(err, n, "no name on the module line");
		return -1;
	}
	if (cl.truncated) {
		fmt_snprintf(err, n, "too many options");
		return -1;
	}
	if (check_name(&cl.args[0], out, err, n))
		return -1;
	for (unsigned i = 1; i < cl.n; i++) {
		const struct cmdline_arg *a = &cl.args[i];
		if (a->val && a->key_len == 3 && !__builtin_memcmp(a->key, "mem", 3)) {
			if (parse_mem(a, out, err, n))
				return -1;
		} else if (!a->val && a->key_len == 4 && !__builtin_memcmp(a->key, "com2", 4)) {
			out->com2 = true;
		} else {
			fmt_snprintf(err, n, "unknown option '%.*s'", (int)(a->key_len + (a->val ? 1 + a->val_len : 0)),
				     a->key);
			return -1;
		}
	}
	return 0;
}
