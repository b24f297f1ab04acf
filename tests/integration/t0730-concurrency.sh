#!/bin/bash
# Many users of one store at once: 4 `xhinv create` and 4 plugins (each
# under Go's net/rpc client, running docker-machine's create, stop, start,
# remove) at the same time, then 4 `xhinv rm`, with `xhinv ls` in a loop
# beside them all. No "database is locked" (or any other failure), no two
# machines with one IP or MAC, every action exactly once in the history,
# creates of different machines overlapping in time, and two starts of one
# machine serialised by its lock (one hypervisor, one start event).
. "$(dirname "$0")/lib.sh"
need_vm
CLIENT=$TOP/build/rpcclient
[ -x "$CLIENT" ] || bail "no $CLIENT: make tests"
Q="--iso $ISO $VMOPTS"

# ls in a loop until told to stop; one line per run: its exit status.
: > "$STORE/ls.runs"
(
	while [ ! -e "$STORE/ls.stop" ]; do
		"$XHINV" -s "$STORE" ls -a >/dev/null 2>>"$STORE/ls.err"
		echo $? >> "$STORE/ls.runs"
	done
) &
LSLOOP=$!

t0=$(date +%s%N)
pids=""
for i in 1 2 3 4; do
	x create "c$i" $Q >"$STORE/out.c$i" 2>&1 &
	pids="$pids $!"
	ip netns exec "$NS" "$CLIENT" -plugin "$PLUGIN" -store "$STORE" \
	    -name "p$i" -sequence create -heartbeat 1s -poll 1s \
	    -flag xhyve-boot2docker-url="$ISO" -flag xhyve-memory-size=192 \
	    -flag xhyve-disk-size=256 -flag xhyve-cpu-count=1 \
	    -wait-exit 15s >"$STORE/out.p$i" 2>&1 &
	pids="$pids $!"
done
failed=""
for p in $pids; do
	wait "$p" || failed="$failed $p"
done
t1=$(date +%s%N)
ok "4 xhinv creates and 4 plugin create/stop/start/remove sequences succeed" test -z "$failed" ||
	for f in "$STORE"/out.*; do diag "$f:"; show "$f"; done
diag "8 machines created in parallel in $(((t1 - t0) / 1000000)) ms"
for i in 1 2 3 4; do
	is "$(x status "c$i")" running "c$i runs"
done

ids="'c1','c2','c3','c4','p1','p2','p3','p4'"
is "$(sql "SELECT count(DISTINCT n.mac) || ' ' || count(DISTINCT n.ip) || ' ' || count(*)
    FROM nic n JOIN machine m ON m.id = n.machine_id WHERE m.name IN ($ids)")" "8 8 8" \
	"8 machines, 8 distinct MACs, 8 distinct IPs"
# Different machines are not serialised: every create began before the
# first one finished.
is "$(sql "SELECT (SELECT max(e.at) FROM event e JOIN machine m ON m.id = e.machine_id
    WHERE e.kind = 'create-begin' AND m.name IN ($ids)) <
    (SELECT min(e.at) FROM event e JOIN machine m ON m.id = e.machine_id
    WHERE e.kind = 'create' AND m.name IN ($ids)) AS overlapped")" 1 \
	"the 8 creates overlapped: all began before the first finished"

# Two starts of one machine at once: its lock lets one launch it.
x stop c1 >/dev/null 2>&1
before=$(sql "SELECT count(*) FROM event e JOIN machine m ON m.id = e.machine_id WHERE m.name = 'c1' AND e.kind = 'start'")
x start c1 >"$STORE/out.s1" 2>&1 &
s1=$!
x start c1 >"$STORE/out.s2" 2>&1 &
s2=$!
wait "$s1"; r1=$?
wait "$s2"; r2=$?
is "$r1 $r2" "0 0" "two starts of c1 at once both succeed" || show "$STORE/out.s1" "$STORE/out.s2"
is "$(sql "SELECT count(*) FROM event e JOIN machine m ON m.id = e.machine_id WHERE m.name = 'c1' AND e.kind = 'start'")" \
	$((before + 1)) "c1 was launched once (one start event)"
is "$(sql "SELECT count(*) FROM process p JOIN machine m ON m.id = p.machine_id WHERE m.name = 'c1' AND p.ended_at IS NULL")" 1 \
	"c1 has one hypervisor"
is "$(pgrep -fc "qemu-system.*$STORE/machines/c1/")" 1 "and one runs"

pids=""
for i in 1 2 3 4; do
	x rm "c$i" >"$STORE/out.rm$i" 2>&1 &
	pids="$pids $!"
done
failed=""
for p in $pids; do
	wait "$p" || failed="$failed $p"
done
ok "4 parallel removes succeed" test -z "$failed" || show "$STORE"/out.rm*
touch "$STORE/ls.stop"
wait "$LSLOOP"

runs=$(wc -l < "$STORE/ls.runs")
bad=$(grep -vcx 0 "$STORE/ls.runs")
diag "xhinv ls ran $runs times beside them, $bad failed"
ok "ls ran throughout (at least 20 times)" test "$runs" -ge 20
is "$bad" 0 "no ls failed" || show "$STORE/ls.err"
out=$(cat "$STORE"/out.* "$STORE/ls.err")
ok "no 'database is locked' anywhere" sh -c "! printf '%s' \"\$1\" | grep -qi 'locked'" - "$out" ||
	printf '%s\n' "$out" | grep -i locked | show

# Every action exactly once per machine (rm of a running machine stops it
# first: that stop is its own event).
for m in c1 c2 c3 c4 p1 p2 p3 p4; do
	got=$(sql "SELECT group_concat(kind || '=' || n, ' ') FROM (
	    SELECT e.kind, count(*) AS n FROM event e JOIN machine m ON m.id = e.machine_id
	    WHERE m.name = '$m' AND e.kind IN ('create-begin', 'create', 'create-failed', 'stop', 'rm')
	    GROUP BY e.kind ORDER BY e.kind)")
	case $m in
	c1) want="create=1 create-begin=1 rm=1 stop=2" ;;	# stop, rm
	c*) want="create=1 create-begin=1 rm=1 stop=1" ;;	# rm
	p*) want="create=1 create-begin=1 rm=1 stop=2" ;;	# Stop, Remove
	esac
	is "$got" "$want" "$m: each action once in the history"
done
is "$(sql "SELECT count(*) FROM machine WHERE name IN ($ids) AND status <> 'removed'")" 0 \
	"all 8 are removed"
rec=$(x reconcile 2>&1)
is "$rec" "nothing to reconcile" "and reconcile finds nothing to repair" ||
	{ printf '%s\n' "$rec" | show; x history -n 40 2>&1 | show; }
is "$(sqlite3 "$STORE/xhinv.db" "PRAGMA integrity_check")" ok "the database is intact"
done_testing
