#!/bin/bash
# Every fuzz target, briefly: its regression inputs first, then
# $FUZZ_SECONDS (default 5) of fuzzing from its seed corpus. Run longer by
# hand with `make fuzz FUZZ_SECONDS=600`.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0
failed=0
bins=$(find build/fuzz -maxdepth 1 -type f -name 'fuzz_*' ! -name '*.*' -perm -u+x 2>/dev/null | sort)
srcs=$(ls tests/fuzz/fuzz_*.c | wc -l)
if [ "$(echo "$bins" | grep -c .)" -ne "$srcs" ]; then
	echo "Bail out! $srcs fuzz targets in tests/fuzz, $(echo "$bins" | grep -c .) built: make tests"
	exit 1
fi
for bin in $bins; do
	n=$((n + 1))
	line=$(FUZZ_SECONDS=${FUZZ_SECONDS:-5} tests/fuzz/run "$bin")
	if [ $? -eq 0 ]; then
		echo "ok $n - $line"
	else
		echo "not ok $n - $line"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
