#!/bin/sh
# Run each host unit-test binary; print a combined closing line.
set -u
passed=0
failed=0
for t in "$@"; do
	if out=$("$t" 2>&1); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "$out"
		echo "unit: FAILED: $t"
	fi
	echo "$out" | grep -E '^\[  (PASSED|FAILED)  \]' | sed "s|^|$(basename "$t"): |"
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
