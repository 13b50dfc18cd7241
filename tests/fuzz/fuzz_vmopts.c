/* libFuzzer harness for the module-option parser (vmm/load/vmopts.c, issue
 * 13, "Fuzzing"): any module line is accepted with options inside their
 * documented ranges, or refused with a message of printable ASCII alone;
 * nothing is read past the line's end. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.c"
#include "kernel/fmt.c"
#include "vmm/load/vmopts.c"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1); /* exactly the line and its NUL: ASan sees any overread */
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct vm_opts o;
	char err[96];
	err[0] = '\0';
	if (vmopts_parse(s, &o, err, sizeof(err)) == 0) {
		size_t n = strlen(o.name);
		CHECK(n >= 1 && n <= VMOPTS_NAME_MAX);
		CHECK(o.mem >= VMOPTS_MEM_MIN && o.mem <= VMOPTS_MEM_MAX && o.mem % 4096 == 0);
		CHECK(o.cmdline && (o.cmdline[0] == '\0' || (o.cmdline >= s && o.cmdline <= s + size)));
	} else {
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		for (const char *c = err; *c; c++) /* the line's bytes come back quoted safe (fmt_quote) */
			CHECK(*c >= 0x20 && *c < 0x7F);
	}
	free(s);
	return 0;
}
