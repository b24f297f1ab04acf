#!/bin/bash
# Rewriting bootpd's lease file survives being killed at any moment: the
# file is the old one or the new one, never a mix, and a writer killed
# between its temporary file and the rename leaves only an orphan that the
# next rewrite removes. bootpd writing the file while we rewrite it makes
# us read it again instead of losing its write.
#
# The lease file is padded to ~60,000 foreign leases (~8 MB) so a rewrite
# takes long enough to be killed in the middle; strace delays fsync so one
# kill lands, for certain, after the temporary file is written and before
# the rename.
. "$(dirname "$0")/lib.sh"
need_vm
command -v strace >/dev/null || bail "no strace: scripts/install-deps installs it"
xhyve_doubles

# A removed machine whose lease is still in the file (pending: the file
# was immutable when it was removed), so every gc below rewrites it.
x create a1 $XOPTS >/dev/null 2>"$STORE/err"
ok "create a1" test $? -eq 0 || show "$STORE/err"
mac=$(sql "SELECT mac FROM machines WHERE name = 'a1' AND removed IS NULL")
bmac=$(echo "$mac" | sed 's/\b0\([0-9a-f]\)/\1/g')
bootpd_stop
chattr +i "$LEASES"
x rm a1 >/dev/null 2>&1
chattr -i "$LEASES"
is "$(sql "SELECT state FROM lease WHERE mac = '$mac'")" pending "a1's lease is pending"

awk 'BEGIN { for (i = 0; i < 60000; i++)
	printf "{\n\tname=foreign%d\n\tip_address=10.%d.%d.%d\n\thw_address=1,ee:%x:%x:%x:0:1\n\tidentifier=1,ee:%x:%x:%x:0:1\n\tlease=0x7fffffff\n}\n",
		i, i / 65536 % 256, i / 256 % 256, i % 256, i / 65536 % 256, i / 256 % 256, i % 256,
		i / 65536 % 256, i / 256 % 256, i % 256 }' >> "$LEASES"
chmod 0644 "$LEASES"
cp "$LEASES" "$STORE/old"
# The new file, as it must be: the old one without a1's block.
awk -v m="hw_address=1,$bmac" '
	/^\{/ { blk = $0 "\n"; inb = 1; drop = 0; next }
	inb { blk = blk $0 "\n"; if ($0 == "\t" m) drop = 1
	      if ($0 == "}") { if (!drop) printf "%s", blk; inb = 0 }; next }
	{ print }' "$STORE/old" > "$STORE/new"
old=$(md5sum < "$STORE/old")
new=$(md5sum < "$STORE/new")
ok "the expected new file differs from the old by a1's block" \
	test "$(( $(wc -l < "$STORE/old") - $(wc -l < "$STORE/new") ))" -eq 7

# Kills at spread-out moments: whatever the moment, old or new, whole.
mixed=0 olds=0 news=0
for delay in 0.00 0.02 0.05 0.08 0.11 0.15 0.2 0.3 0.45 0.7; do
	cp "$STORE/old" "$LEASES"
	# ip netns exec execs in place: $! is xhinv itself.
	ip netns exec "$NS" "$XHINV" -s "$STORE" gc >/dev/null 2>&1 &
	gcpid=$!
	sleep "$delay"
	kill -9 "$gcpid" 2>/dev/null
	wait "$gcpid" 2>/dev/null
	while ! gone "$gcpid"; do sleep 0.01; done
	case $(md5sum < "$LEASES") in
	"$old") olds=$((olds + 1)) ;;
	"$new") news=$((news + 1)) ;;
	*) mixed=$((mixed + 1)); cp "$LEASES" "$STORE/mixed.$delay" ;;
	esac
done
diag "killed gc 10 times: $olds left the old file, $news the new one"
is "$mixed" 0 "a gc killed at any moment leaves the old file or the new one, never a mix"

# A kill for certain between the temporary file and the rename: every
# fsync is held for 1 s, and the kill comes once the temporary file is
# there.
cp "$STORE/old" "$LEASES"
rm -f "$LEASES".tmp.*
ip netns exec "$NS" strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=1000000 \
	"$XHINV" -s "$STORE" gc >/dev/null 2>&1 &
spid=$!
for _ in $(seq 400); do
	ls "$LEASES".tmp.* >/dev/null 2>&1 && break
	sleep 0.02
done
tmpf=$(ls "$LEASES".tmp.* 2>/dev/null | head -1)
ok "the rewrite was caught with its temporary file written" test -n "$tmpf"
# strace's child is xhinv: kill it first (a dead tracer lets it go on).
xpid=$(pgrep -P "$spid" -x xhinv)
kill -9 $xpid "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
for p in $xpid; do while ! gone "$p"; do sleep 0.01; done; done
is "$(md5sum < "$LEASES")" "$old" "killed before the rename: the old file, whole"
ok "the orphan is left next to it" test -f "$tmpf"
touch -d '-2 min' "$tmpf"
out=$(x gc 2>&1)
ok "the next gc succeeds" test $? -eq 0 || echo "$out" | show
is "$(md5sum < "$LEASES")" "$new" "and writes the new file"
ok "and removes the orphan" test ! -e "$tmpf"
is "$(sql "SELECT state FROM lease WHERE mac = '$mac'")" released "the lease is released"

# bootpd writing the file between our read and our rename: ours is
# refused and done again on what bootpd wrote. strace holds each fsync
# for 0.5 s; a lease is added (by rename, as bootpd does) meanwhile.
bootpd_start
x create a2 $XOPTS >/dev/null 2>"$STORE/err"
ok "create a2" test $? -eq 0 || show "$STORE/err"
mac2=$(sql "SELECT mac FROM machines WHERE name = 'a2' AND removed IS NULL")
bmac2=$(echo "$mac2" | sed 's/\b0\([0-9a-f]\)/\1/g')
bootpd_stop
x kill a2 >/dev/null 2>&1
ip netns exec "$NS" strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=500000 \
	"$XHINV" -s "$STORE" rm a2 >"$STORE/rm.out" 2>&1 &
spid=$!
for _ in $(seq 400); do
	ls "$LEASES".tmp.* >/dev/null 2>&1 && break
	sleep 0.02
done
printf '{\n\tname=late\n\tip_address=10.255.0.1\n\thw_address=1,ee:ff:0:0:0:1\n\tidentifier=1,ee:ff:0:0:0:1\n\tlease=0x7fffffff\n}\n' > "$STORE/late"
cat "$LEASES" "$STORE/late" > "$LEASES.bootpd" && mv "$LEASES.bootpd" "$LEASES"
wait "$spid"
ok "rm succeeds" test $? -eq 0 || show "$STORE/rm.out"
ok "bootpd's lease written meanwhile is kept" grep -q 'hw_address=1,ee:ff:0:0:0:1$' "$LEASES"
ok "and a2's lease is gone" sh -c "! grep -q 'hw_address=1,$bmac2\$' '$LEASES'"
is "$(grep -c '^{' "$LEASES")" 60001 "every other lease is there"
done_testing
