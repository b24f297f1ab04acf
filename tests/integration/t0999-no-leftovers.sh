#!/bin/bash
# Runs last: the tests before it left nothing behind. No QEMU, dnsmasq,
# nginx or faultd started for a test store is still running, no test
# network namespace remains, no test store directory is left in /tmp.
set -u
n=0
failed=0
check() { # check DESCRIPTION LIST
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}
procs=""
for p in /proc/[0-9]*; do
	cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
	case $cmd in
	*qemu-system*/tmp/t[0-9][0-9][0-9][0-9]-*|*dnsmasq*/tmp/t[0-9][0-9][0-9][0-9]-*|\
	*nginx*/tmp/nginx.*|*build/faultd*/tmp/t[0-9][0-9][0-9][0-9]-*)
		state=$(sed 's/.*) //' "$p/stat" 2>/dev/null | cut -c1)
		[ "$state" = Z ] || procs="$procs${p#/proc/} $cmd
" ;;
	esac
done
check "no test process is left running" "$(printf '%s' "$procs" | sed '/^$/d')"
check "no test network namespace is left" "$(ip netns list 2>/dev/null | grep -E '^(xht|xhdns)[0-9]' || true)"
check "no test store is left in /tmp" "$(ls -d /tmp/t[0-9][0-9][0-9][0-9]-*.?????? 2>/dev/null || true)"
echo "1..$n"
[ "$failed" -eq 0 ]
