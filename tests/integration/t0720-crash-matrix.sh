#!/bin/bash
# Crash safety: xhinv killed (SIGKILL, through the XHINV_CRASH_AT fault
# points) at every step of create, start, stop and rm in turn, then the
# plugin killed the same way at a step of each, under Go's net/rpc client
# running docker-machine's sequence; after each,
# xhinv reconcile must leave a consistent store:
#   - PRAGMA integrity_check is ok;
#   - no machine is left 'creating' or 'removing';
#   - every hypervisor running the store's files is recorded, and every
#     recorded one runs (no orphan);
#   - dnsmasq's reservations and leases name only live machines' MACs;
#   - no half-written file (*.tmp.*) is left;
#   - a second reconcile finds nothing.
. "$(dirname "$0")/lib.sh"
need_vm
Q="--iso $ISO $VMOPTS"

# Every QEMU running this store's machines, by pid.
running() { pgrep -f "qemu-system.*$STORE/machines/" | sort -n | tr '\n' ' '; }
recorded() {
	sql "SELECT pid FROM process WHERE ended_at IS NULL AND machine_id IS NOT NULL ORDER BY pid" | tr '\n' ' '
}

check() {	# check STEP: the invariants, after a crash at STEP and a reconcile
	local step=$1 bad=""
	x reconcile > "$STORE/rec.$step" 2>&1 || bad="$bad reconcile-failed"
	sed "s/^/# $step: /" "$STORE/rec.$step"
	[ "$(sqlite3 "$STORE/xhinv.db" "PRAGMA integrity_check")" = ok ] || bad="$bad integrity"
	[ "$(sql "SELECT count(*) FROM machine WHERE status IN ('creating', 'removing')")" = 0 ] || bad="$bad half-status"
	local r c
	r=$(running)
	c=$(recorded)
	[ "$r" = "$c" ] || bad="$bad orphan(running=$r,recorded=$c)"
	live=$(sql "SELECT mac FROM machines WHERE removed IS NULL" | sort | tr '\n' ' ')
	hosts=$(cut -d, -f1 "$STORE/network/shared/dnsmasq.hosts" 2>/dev/null | sort | tr '\n' ' ')
	[ "$hosts" = "$live" ] || bad="$bad reservations($hosts vs $live)"
	for m in $(awk '{ print $2 }' "$STORE/network/shared/dnsmasq.leases" 2>/dev/null); do
		case " $live " in *" $m "*) ;; *) bad="$bad lease($m)" ;; esac
	done
	[ -z "$(find "$STORE" -name '*.tmp.*' 2>/dev/null)" ] || bad="$bad tmp-files"
	[ "$(x reconcile 2>&1)" = "nothing to reconcile" ] || bad="$bad not-idempotent"
	ok "killed at $step: reconcile leaves the store consistent" test -z "$bad" ||
		{ diag "$bad"; show "$STORE/rec.$step"; }
}

crash() {	# crash STEP COMMAND...: run an xhinv command that dies at STEP
	local step=$1
	shift
	XHINV_CRASH_AT=$step x "$@" >"$STORE/out.$step" 2>&1
	local st=$?
	is "$st" 137 "$step: xhinv was killed there (SIGKILL)" || show "$STORE/out.$step"
}

n=0
for step in create:recorded create:files create:launched create:started \
	create:ip create:booted create:event; do
	n=$((n + 1))
	crash "$step" create "c$n" $Q
	check "$step"
	x rm -f "c$n" >/dev/null 2>&1
done

x create s1 $Q >/dev/null 2>"$STORE/err" || { show "$STORE/err"; bail "cannot create s1"; }
for step in start:launched start:started start:ip; do
	x stop s1 >/dev/null 2>&1
	crash "$step" start s1
	check "$step"
	x start s1 >/dev/null 2>&1
done
for step in stop:powerdown stop:gone; do
	[ "$(x status s1)" = running ] || x start s1 >/dev/null 2>&1
	crash "$step" stop s1
	# Killed after asking the guest to power off: the guest still does,
	# in its own time under TCG. Let it, so the checks see a settled VM.
	for _ in $(seq 300); do
		[ -z "$(running)" ] && break
		sleep 0.2
	done
	check "$step"
done
is "$(x status s1)" stopped "s1 ends stopped, as the stops meant"

for step in rm:removing rm:lease rm:files; do
	n=$((n + 1))
	x create "r$n" $Q >/dev/null 2>&1
	crash "$step" rm "r$n"
	check "$step"
	is "$(sql "SELECT status FROM machine WHERE name = 'r$n'")" removed "r$n: the rm is finished"
done
# The plugin: the client's sequence runs Create, Stop, Start, Remove; the
# plugin dies at STEP (the client sees its connection drop).
CLIENT=$TOP/build/rpcclient
[ -x "$CLIENT" ] || bail "no $CLIENT: make tests"
for step in create:ip stop:powerdown start:launched rm:lease; do
	n=$((n + 1))
	XHINV_CRASH_AT=$step ip netns exec "$NS" "$CLIENT" -plugin "$PLUGIN" \
	    -store "$STORE" -name "p$n" -sequence create -heartbeat 1s -poll 1s \
	    -flag xhyve-boot2docker-url="$ISO" -flag xhyve-memory-size=192 \
	    -flag xhyve-disk-size=256 -flag xhyve-cpu-count=1 \
	    >"$STORE/out.p.$step" 2>&1
	like "$(cat "$STORE/out.p.$step")" "call $(case $step in
	    create:*) echo Create ;; stop:*) echo Stop ;; start:*) echo Start ;;
	    rm:*) echo Remove ;; esac) -> error: .*(unexpected EOF|connection|shut down)" \
	    "plugin killed at $step: the client sees the call fail" || show "$STORE/out.p.$step"
	[ "$step" = stop:powerdown ] && for _ in $(seq 300); do
		[ -z "$(running)" ] && break
		sleep 0.2
	done
	check "plugin $step"
	x rm -f "p$n" >/dev/null 2>&1
done
done_testing
