#!/bin/bash
# Bad input gets one clear line, the right exit status (1 failure, 2 usage)
# and loses nothing: no half machine after a failed create.
. "$(dirname "$0")/lib.sh"
need_vm

# expect STATUS PATTERN DESCRIPTION -- COMMAND...
expect() {
	want=$1 pat=$2 desc=$3
	shift 4
	out=$("$@" 2>&1 >/dev/null)
	got=$?
	T_N=$((T_N + 1))
	first=$(printf '%s\n' "$out" | head -1)
	if [ "$got" -eq "$want" ] && printf '%s\n' "$first" | grep -Eq -- "$pat"; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		printf '#   status %s (want %s), stderr: %s\n' "$got" "$want" "$out"
		T_FAIL=$((T_FAIL + 1))
	fi
}

long=$(printf 'a%.0s' $(seq 65))
expect 2 'machine name is empty' "empty name" -- x create "" --iso "$ISO"
expect 2 'is 65 characters long, the limit is 64' "65-character name" -- x create "$long" --iso "$ISO"
expect 2 "has '/'" "a slash" -- x create "a/b" --iso "$ISO"
expect 2 "has ' '" "a space" -- x create "a b" --iso "$ISO"
expect 2 'cannot be "\."' '"."' -- x create . --iso "$ISO"
expect 2 'cannot be "\.\."' '".."' -- x create .. --iso "$ISO"
expect 2 "has byte 0xc3 at position 4" "non-ASCII" -- x create "caf$(printf '\303\251')" --iso "$ISO"
expect 2 'cannot be "\.\."' 'status ".." is refused too' -- x status ..
expect 2 'no machine name given' "no name" -- x create --iso "$ISO"
expect 1 'cannot find the latest release at http://127.0.0.1:9/repos/boot2docker/boot2docker/releases/latest: .*\(and none is cached\)' \
	"no ISO and no way to find the latest release: says where it looked" -- x create a
expect 2 '--cpus: 0 is out of range' "0 CPUs" -- x create a --iso "$ISO" --cpus 0
expect 2 '--cpus: "two" is not a whole number' "CPUs not a number" -- x create a --iso "$ISO" --cpus two
expect 2 'memory 0 MB is below|--memory: 0 is out of range' "0 MB memory" -- x create a --iso "$ISO" --memory 0
expect 2 'memory 8000000 MB is more than this host has' "absurd memory" -- x create a --iso "$ISO" --memory 8000000
expect 2 '--disk-size: 0 is out of range' "0 MB disk" -- x create a --iso "$ISO" --disk-size 0
expect 2 'disk size 8 MB is out of range' "tiny disk" -- x create a --iso "$ISO" --disk-size 8
expect 2 '--disk-size: 99999999999 is out of range' "absurd disk" -- x create a --iso "$ISO" --disk-size 99999999999
expect 2 '"not-a-uuid" is not a UUID' "invalid UUID" -- x create a --iso "$ISO" --uuid not-a-uuid
expect 2 'unrecognized option|unknown option' "unknown option" -- x create a --iso "$ISO" --bogus
expect 2 'no command "frobnicate"' "unknown command" -- x frobnicate
expect 1 'cannot use ISO /nonexistent.iso: No such file' "missing ISO" -- x create a --iso /nonexistent.iso
expect 1 'is not an ISO 9660 image' "a file that is not an ISO" -- x create a --iso /etc/passwd

mk() { # mk NAME FILE... : an ISO with the given boot files
	d=$STORE/iso-$1
	mkdir -p "$d/boot/isolinux"
	shift_name=$1
	shift
	for f in "$@"; do echo x > "$d/$f"; done
	xorriso -as mkisofs -quiet -R -J -V test -o "$STORE/$shift_name.iso" "$d" 2>/dev/null
}
mk nokernel boot/initrd.img boot/isolinux/isolinux.cfg
mk noinitrd boot/vmlinuz64 boot/isolinux/isolinux.cfg
mk nocfg boot/vmlinuz64 boot/initrd.img
expect 1 'has no kernel \(looked for vmlinuz64, vmlinuz, vmlinux, bzImage\)' "ISO without a kernel" \
	-- x create a --iso "$STORE/nokernel.iso"
expect 1 'has no initrd \(looked for initrd\*\)' "ISO without an initrd" \
	-- x create a --iso "$STORE/noinitrd.iso"
expect 1 'no isolinux.cfg with an indented append line' "ISO without a kernel command line" \
	-- x create a --iso "$STORE/nocfg.iso"
expect 1 'file://' "file:// URLs are accepted (then fail on the content)" -- \
	sh -c "ip netns exec $NS $XHINV -s $STORE create a --iso file://$STORE/nocfg.iso 2>&1 | sed 's|$STORE|file://|' >&2; exit 1"

for cmd in start stop kill restart status ip inspect ssh; do
	expect 1 'no machine named ghost' "$cmd of an unknown machine" -- x $cmd ghost
done
expect 1 'no machine named ghost' "rm of an unknown machine" -- x rm ghost
is "$(x ls -a -q)" "" "none of that created a machine"
ok "nor a machine directory" test ! -e "$STORE/machines/a"

# No privilege for the bridge: the create fails and leaves nothing.
out=$(ip netns exec "$NS" setpriv --bounding-set=-net_admin "$XHINV" -s "$STORE" \
	create np --iso "$ISO" $VMOPTS 2>&1 >/dev/null)
ok "a create without CAP_NET_ADMIN fails" test $? -eq 1
like "$(printf '%s\n' "$out" | tail -1)" 'no privilege to create the bridge xhbr0: run as root' \
	"and says what it needs"
ok "no directory is left" test ! -e "$STORE/machines/np"
is "$(sql "SELECT status FROM machine WHERE name = 'np'")" failed "the row is marked failed"
is "$(sql "SELECT count(*) FROM nic WHERE released_at IS NULL")" 0 "the reservation is released"
like "$(x history np)" ' np +create-failed ' "a create-failed event is recorded"

# A create that times out after QEMU started: VM killed, lease gone, files gone.
out=$(x create slow --iso "$ISO" --memory 192 --disk-size 256 --timeout 2 2>&1 >/dev/null)
ok "a create that times out fails" test $? -eq 1
like "$(printf '%s\n' "$out" | tail -1)" 'no DHCP lease for MAC .* after [0-9]+ s' "saying what it waited for"
ok "its directory is gone" test ! -e "$STORE/machines/slow"
is "$(sql "SELECT count(*) FROM process WHERE machine_id IS NOT NULL AND ended_at IS NULL")" 0 \
	"its hypervisor is recorded as ended"
pid=$(sql "SELECT pid FROM process WHERE role = 'hypervisor' ORDER BY id DESC LIMIT 1")
ok "and really gone" gone "$pid"
ok "the reservations file is empty" test ! -s "$STORE/network/shared/dnsmasq.hosts"
is "$(x ls -q)" "" "no live machine"

# A database newer than the binary is refused and left alone.
version=$(sqlite3 "$STORE/xhinv.db" 'PRAGMA user_version')
sqlite3 "$STORE/xhinv.db" 'PRAGMA user_version = 99'
expect 1 'has schema version 99, newer than this program' "a newer database is refused" -- x ls
is "$(sqlite3 "$STORE/xhinv.db" 'PRAGMA user_version')" 99 "and not modified"
sqlite3 "$STORE/xhinv.db" "PRAGMA user_version = $version"
expect 2 'writing machine without --write is not allowed' "sql is read-only by default" -- x sql "DELETE FROM machine"
expect 2 'no query given' "sql without a query" -- x sql

# The database checks a NIC's MAC and IP itself (schema 0008).
expect 1 'nic: a MAC is aa:bb:cc:dd:ee:ff \(lower-case hex\), an IP a.b.c.d' \
	"a hand-written MAC in another shape is refused" -- \
	x sql --write "INSERT INTO nic (machine_id, network_id, mac, created_at) VALUES (1, 1, '52:54:00:AB:CD:EF', 0)"
expect 1 'nic: a MAC is aa:bb:cc:dd:ee:ff \(lower-case hex\), an IP a.b.c.d' \
	"so is an IP that is not a dotted quad" -- \
	x sql --write "INSERT INTO nic (machine_id, network_id, mac, ip, created_at) VALUES (1, 1, '52:54:00:ab:cd:ef', '10.0.0.1; reboot', 0)"

# Interrupted (here while it waits for a machine's lock another holds): its
# own exit status, 130, and nothing recorded.
mkdir -p "$STORE/locks"
flock "$STORE/locks/machine-w1.lock" sleep 30 &
holder=$!
sleep 0.3
x create w1 --iso "$ISO" > "$STORE/w1.out" 2>&1 &
cpid=$!
sleep 1
kill -INT "$(pgrep -f -- "-s $STORE create w1")"	# xhinv itself, not x's subshell
wait "$cpid"
is "$?" 130 "an interrupted create exits 130"
like "$(tail -1 "$STORE/w1.out")" '^xhinv: .*interrupted' "saying it was interrupted"
is "$(x ls -a -q | grep -c '^w1$')" 0 "and records no machine"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
done_testing
