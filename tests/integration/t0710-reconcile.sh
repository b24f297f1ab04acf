#!/bin/bash
# xhinv reconcile: each difference between the inventory and reality, made
# on purpose, gives its line (what differed; why the repair is safe; what
# was done) and its repair, recorded as an event. A process the inventory
# cannot vouch for is reported and left running. A second run finds
# nothing; --dry-run changes nothing.
. "$(dirname "$0")/lib.sh"
need_vm
xhyve_doubles	# for the one vmnet case; the other machines are QEMU
Q="--backend qemu --iso $ISO $VMOPTS"
rec() { x reconcile 2>&1; }
qpid() { sql "SELECT pid FROM machines WHERE name = '$1' AND removed IS NULL"; }

x create m1 $Q >/dev/null 2>"$STORE/err" || { show "$STORE/err"; bail "cannot create m1"; }
is "$(rec)" "nothing to reconcile" "a consistent store: nothing to reconcile"

# A hypervisor that died.
pid=$(qpid m1)
kill -9 "$pid"
while ! gone "$pid"; do sleep 0.05; done
out=$(x reconcile --dry-run 2>&1)
like "$out" "^exited m1: the hypervisor pid $pid \\(qemu-system-x86_64\\) is not running: not running; a pid counts only with its start time, executable and boot id.*; would record it as exited$" \
	"--dry-run: a dead hypervisor is found"
is "$(sql "SELECT count(*) FROM process WHERE pid = $pid AND ended_at IS NULL")" 1 "and nothing changed"
like "$(rec)" "^exited m1: the hypervisor pid $pid .*; record it as exited$" "reconcile records it"
is "$(sql "SELECT count(*) FROM process WHERE pid = $pid AND ended_at IS NULL")" 0 "the process row is ended"
like "$(x history m1)" " m1 +reconcile .*\"kind\":\"exited\"" "the repair is an event"

# A pid reused by another process; the real hypervisor is then unknown:
# it is adopted, not killed.
x start m1 >/dev/null 2>&1
pid=$(qpid m1)
sleep 600 &
other=$!
x sql --write "UPDATE process SET pid = $other WHERE pid = $pid AND ended_at IS NULL" >/dev/null
out=$(rec)
like "$out" "^exited m1: the hypervisor pid $other \\(qemu-system-x86_64\\) is not running: pid reused by another process;" \
	"a reused pid is not taken for the hypervisor"
like "$out" "^orphan-adopted m1: qemu-system-x86_64 pid $pid runs machine m1, which has no hypervisor recorded; .*; adopt it" \
	"the real one is adopted"
ok "the process that reused the pid was left alone" kill -0 "$other"
kill "$other"
is "$(x status m1)" running "m1 reads as running again"
is "$(qpid m1)" "$pid" "with its real pid"

# A host reboot: processes recorded under another boot id.
kill -9 "$pid"
while ! gone "$pid"; do sleep 0.05; done
x sql --write "UPDATE process SET boot_id = '00000000-0000-4000-8000-000000000000' WHERE pid = $pid AND ended_at IS NULL" >/dev/null
like "$(rec)" "^exited m1: the hypervisor pid $pid .*: recorded before the host rebooted;" \
	"a changed boot id is a reboot"

# A stale pid file, and a half-written file.
echo 12345 > "$STORE/machines/m1/m1.pid"
echo half > "$STORE/machines/m1/id_rsa.tmp.AbC123"
touch -d '-5 min' "$STORE/machines/m1/id_rsa.tmp.AbC123"
out=$(rec)
like "$out" "^stale-pidfile m1: m1 has a pid file $STORE/machines/m1/m1.pid but no hypervisor running; .*; delete the pid file$" \
	"a stale pid file"
like "$out" "^half-written: $STORE/machines/m1/id_rsa.tmp.AbC123 was never finished .*; delete it" \
	"a half-written file"
ok "both are gone" test ! -e "$STORE/machines/m1/m1.pid" -a ! -e "$STORE/machines/m1/id_rsa.tmp.AbC123"

# A machine directory deleted by hand.
mac=$(sql "SELECT mac FROM machines WHERE name = 'm1' AND removed IS NULL")
rm -rf "$STORE/machines/m1"
like "$(rec)" "^dir-missing m1: the directory $STORE/machines/m1 of m1 is gone \\(deleted by hand\\); .*; remove it from the inventory, releasing its lease and reservation$" \
	"a directory deleted by hand"
is "$(sql "SELECT status FROM machine WHERE name = 'm1'")" removed "m1 is removed"
ok "its reservation is gone" sh -c "! grep -q '$mac' '$STORE/network/shared/dnsmasq.hosts'"

# A process running a removed machine's files: reported, never killed.
x create m3 $Q >/dev/null 2>"$STORE/err" || show "$STORE/err"
pid=$(qpid m3)
x sql --write "UPDATE process SET ended_at = 1 WHERE pid = $pid" >/dev/null
x sql --write "UPDATE machine SET status = 'removed', removed_at = 1 WHERE name = 'm3'" >/dev/null
out=$(rec)
like "$out" "^orphan m3: qemu-system-x86_64 pid $pid runs files of machine m3, which the inventory has no live machine for; a process the inventory cannot vouch for is never killed; leave it running: kill $pid if it should not run$" \
	"an unknown process of a removed machine is reported"
ok "and left running" kill -0 "$pid"
kill -9 "$pid"

# An interrupted create and an interrupted rm.
out=$(XHINV_CRASH_AT=create:files x create c1 $Q 2>&1)
is "$?" 137 "a create killed after making its files (SIGKILL)"
is "$(sql "SELECT status FROM machine WHERE name = 'c1'")" creating "leaves the machine 'creating'"
like "$(rec)" "^create-interrupted c1: the create of c1 did not finish \\(status creating, and no process holds its lock\\); .*; roll it back: kill its VM, release its lease and reservation, delete its files, mark it failed$" \
	"reconcile rolls it back"
is "$(sql "SELECT status FROM machine WHERE name = 'c1'")" failed "c1 failed"
ok "its directory is gone" test ! -e "$STORE/machines/c1"
x create r1 $Q >/dev/null 2>"$STORE/err" || show "$STORE/err"
out=$(XHINV_CRASH_AT=rm:lease x rm r1 2>&1)
is "$?" 137 "an rm killed after releasing the lease"
like "$(rec)" "^rm-interrupted r1: the removal of r1 did not finish .*; finish it: release its lease and reservation, delete its files, mark it removed$" \
	"reconcile finishes it"
is "$(sql "SELECT status FROM machine WHERE name = 'r1'")" removed "r1 removed"
ok "its directory is gone" test ! -e "$STORE/machines/r1"

# A vmnet lease whose address changed (the xhyve doubles).
x create x1 $XOPTS >/dev/null 2>"$STORE/err" || show "$STORE/err"
bmac=$(sql "SELECT mac FROM machines WHERE name = 'x1' AND removed IS NULL" | sed 's/\b0\([0-9a-f]\)/\1/g')
old=$(x ip x1)
awk -v m="hw_address=1,$bmac" 'BEGIN { RS = "}\n"; ORS = "}\n" }
	index($0, m) { sub(/ip_address=[0-9.]+/, "ip_address=192.168.64.200") } NF { print }' \
	"$LEASES" > "$STORE/l" && cat "$STORE/l" > "$LEASES"
like "$(rec)" "^ip-changed x1: x1's lease in $LEASES says 192.168.64.200, the inventory $old; bootpd decides .*; record the new address$" \
	"a changed vmnet address"
is "$(x ip x1)" 192.168.64.200 "the inventory has the new address"

# The history in pages: each page says how to get the next one.
all=$(x history m1 -n 0 | tail -n +2 | awk '{ print $1 }' | tr '\n' ' ')
pages="" next="x history m1 -n 3" np=0
while [ -n "$next" ] && [ "$np" -lt 100 ]; do
	page=$($next 2>"$STORE/page.err" | tail -n +2 | awk '{ print $1 }' | tr '\n' ' ')
	pages="$page$pages"
	next=$(sed -n 's/^xhinv: older events: xhinv \(history .*\)$/x \1/p' "$STORE/page.err")
	np=$((np + 1))
done
is "$pages" "$all" "pages of 3, following --before, give the whole history once, in order"
diag "$np pages"
is "$(x history m1 -n 0 2>&1 >/dev/null)" "" "the whole history says nothing about more"
x history --before 0 >/dev/null 2>&1
is "$?" 2 "--before 0 is a usage error"

# JSON, and a last run that finds nothing.
echo half > "$STORE/network/shared/dnsmasq.hosts.tmp.ZzZzZz"
touch -d '-5 min' "$STORE/network/shared/dnsmasq.hosts.tmp.ZzZzZz"
out=$(x reconcile --json 2>&1)
is "$(sqlite3 :memory: "SELECT json_extract('$(echo "$out" | tr -d '\n' | sed "s/'/''/g")', '\$[0].kind')")" half-written \
	"--json: an array of findings"
is "$(rec)" "nothing to reconcile" "a second run finds nothing"
is "$(sqlite3 "$STORE/xhinv.db" "PRAGMA integrity_check")" ok "the database is intact"
done_testing
