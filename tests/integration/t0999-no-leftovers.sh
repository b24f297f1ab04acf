#!/bin/bash
# Runs last: the tests before it left nothing behind. No QEMU, dnsmasq,
# nginx or faultd started for a test store is still running, no test
# network namespace remains, no test store directory is left in /tmp.
# What was already there before this run began (tests/run records it in
# $XHINV_LEFTOVERS_BEFORE, e.g. from an interrupted earlier run) is
# listed as a note, not blamed on this run.
set -u
here=$(dirname "$0")
n=0
failed=0
now=$("$here/../leftovers")
before=""
if [ -n "${XHINV_LEFTOVERS_BEFORE:-}" ] && [ -r "$XHINV_LEFTOVERS_BEFORE" ]; then
	before=$(cat "$XHINV_LEFTOVERS_BEFORE")
fi
if [ -n "$before" ]; then
	echo "# already there before this run began (not counted):"
	printf '%s\n' "$before" | sed 's/^/#   /'
fi
new=$(printf '%s\n' "$now" | grep -vxF -f <(printf '%s\n' "$before") | sed '/^$/d')
[ -n "$before" ] || new=$(printf '%s\n' "$now" | sed '/^$/d')
check() { # check DESCRIPTION KIND
	n=$((n + 1))
	local hits
	hits=$(printf '%s\n' "$new" | grep "^$2 " || true)
	if [ -z "$hits" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$hits" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}
check "no test process is left running" process
check "no test network namespace is left" netns
check "no test store is left in /tmp" store
echo "1..$n"
[ "$failed" -eq 0 ]
