#!/bin/bash
# Every unit test program again, built with AddressSanitizer and UBSan
# (make asan-tests): a use-after-free or an overflow fails the run even
# where the plain build happens to pass.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0
failed=0
want=$(ls tests/unit/*_test.c | wc -l)
have=$(ls build/asan/tests/*_test 2>/dev/null | wc -l)
if [ "$have" -ne "$want" ]; then
	echo "Bail out! $want unit tests, $have built with sanitizers: make tests"
	exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in build/asan/tests/*_test; do
	n=$((n + 1))
	log=build/asan/$(basename "$t").log
	if "$t" >"$log" 2>&1; then
		echo "ok $n - $(basename "$t") under ASan/UBSan ($(grep -c '^ok' "$log") checks)"
	else
		echo "not ok $n - $(basename "$t") under ASan/UBSan (see $log)"
		grep -m3 -E 'ERROR|runtime error|^not ok' "$log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
