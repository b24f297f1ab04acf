#!/bin/bash
# The xhyve backend's lifecycle on Linux, with test doubles for what only
# macOS has (tests/xhyve): a fake xhyve that honours -M, -F and SIGTERM as
# xhyve does, a fake bootpd writing /var/db/dhcpd_leases-style blocks, a
# fake "launchctl" for the reload. Checks the state the inventory records,
# xhyve's exit codes, the console, the lease GC on the bootpd file (backup,
# owner and mode kept, foreign leases kept, pending without privilege) and
# the original's privilege checks.
. "$(dirname "$0")/lib.sh"
need_vm
xhyve_doubles

# A foreign lease (a MAC we never issued) that must survive everything.
printf '{\n\tname=other\n\tip_address=192.168.64.99\n\thw_address=1,a:b:c:d:e:f\n\tidentifier=1,a:b:c:d:e:f\n\tlease=0x%x\n}\n' \
	$(( $(date +%s) + 3600 )) >> "$LEASES"

out=$(x create x1 $XOPTS 2>"$STORE/err")
ok "create with the xhyve backend succeeds" test $? -eq 0 || show "$STORE/err"
like "$out" '^x1 is running at 192\.168\.64\.[0-9]+$' "it got an address from (fake) bootpd"
mac=$(sql "SELECT mac FROM machines WHERE name = 'x1' AND removed IS NULL")
uuid=$(sql "SELECT uuid FROM machine WHERE name = 'x1'")
want=$("$XD/fake-xhyve" -A -U "$uuid" -c 1 -m 64M -s 2:0,virtio-net \
	-f "kexec,$STORE/machines/x1/vmlinuz64,$STORE/machines/x1/initrd.img,x" -M | sed 's/^MAC: //')
is "$mac" "$want" "the MAC is the one xhyve -M printed"
like "$(x history x1)" ' x1 +mac .*"mac":"'"$mac" "the MAC lookup is recorded"
like "$(x inspect x1)" '"console": "/dev/ttys[0-9]{3}"' "inspect shows the COM1 console"
like "$(cat "$STORE/err")" 'Hook up your terminal emulator to /dev/ttys[0-9]{3}' \
	"and create tells it, as the original did"
pid=$(sql "SELECT pid FROM machines WHERE name = 'x1' AND removed IS NULL")
is "$(cat "$STORE/machines/x1/x1.pid")" "$pid" "xhyve wrote its pid file (-F), no newline"
# xhyve runs as root: it gets the files we opened below the store, never a
# path into a directory its user could change.
args=$(tr '\0' '\n' < "/proc/$pid/cmdline")
like "$args" '^3:0,ahci-cd,/dev/fd/[0-9]+$' "xhyve gets the ISO as /dev/fd/N"
like "$args" '^4:0,virtio-blk,/dev/fd/[0-9]+$' "and the disk"
like "$args" '^kexec,/dev/fd/[0-9]+,/dev/fd/[0-9]+,' "and the kernel and initrd"
disk_fd=$(printf '%s\n' "$args" | sed -n 's|^4:0,virtio-blk,/dev/fd/||p')
is "$(readlink "/proc/$pid/fd/$disk_fd")" "$STORE/machines/x1/x1.rawdisk" "which is the machine's own disk"
ip=$(x ip x1)
like "$(x leases)" "^$ip +$mac .* x1 +$LEASES" "xhinv leases shows the lease with its machine"
like "$(x leases)" "^192\.168\.64\.99 +0a:0b:0c:0d:0e:0f .* - +$LEASES" \
	"and a foreign lease with none"

x stop x1 >/dev/null 2>&1
ok "stop (SIGTERM: the power button)" test $? -eq 0
is "$(x status x1)" stopped "stopped"
is "$(sql "SELECT json_extract(detail, '$.method') || ' ' || json_extract(detail, '$.exit_code') || ' ' || json_extract(detail, '$.meaning') FROM event WHERE kind = 'stop' ORDER BY id DESC LIMIT 1")" \
	"acpi 1 poweroff" "the stop records xhyve's exit code 1 (poweroff)"
ok "xhyve removed its pid file at exit" test ! -e "$STORE/machines/x1/x1.pid"

x start x1 >/dev/null 2>"$STORE/err"
ok "start again" test $? -eq 0 || show "$STORE/err"
is "$(x ip x1)" "$ip" "bootpd gives the same MAC the same address"
pid=$(sql "SELECT pid FROM machines WHERE name = 'x1' AND removed IS NULL")
kill -9 "$pid"
while ! gone "$pid"; do sleep 0.05; done
sleep 0.3
is "$(x status x1)" stopped "a SIGKILLed xhyve reads as stopped"
is "$(sql "SELECT json_extract(detail, '$.exit_code') || ' ' || json_extract(detail, '$.meaning') FROM event WHERE kind = 'exited' ORDER BY id DESC LIMIT 1")" \
	"137 killed by a signal" "its exit status is recorded"

FAKE_XHYVE_EXIT=3:1 x start x1 >/dev/null 2>&1
sleep 2.5
is "$(x status x1)" stopped "a guest that triple-faults stops"
is "$(sql "SELECT json_extract(detail, '$.exit_code') || ' ' || json_extract(detail, '$.meaning') FROM event WHERE kind = 'exited' ORDER BY id DESC LIMIT 1")" \
	"3 triple fault" "exit code 3 is recorded as a triple fault"

FAKE_XHYVE_IGNORE_ACPI=1 x start x1 >/dev/null 2>&1
x stop x1 --timeout 2 >/dev/null 2>&1
is "$(sql "SELECT group_concat(kind, ',') FROM (SELECT kind FROM event WHERE machine_id = (SELECT id FROM machine WHERE name = 'x1') ORDER BY id DESC LIMIT 3)")" \
	"stop,kill,powerdown" "a guest ignoring the power button: SIGTERM, timeout, SIGKILL"

# Lease GC on rm: only x1's block goes; a backup is kept; owner and mode
# stay; bootpd is asked to reload.
chmod 0640 "$LEASES"
before=$(cat "$LEASES")
x rm x1 >/dev/null 2>"$STORE/err"
ok "rm succeeds" test $? -eq 0 || show "$STORE/err"
bmac=$(echo "$mac" | sed 's/\b0\([0-9a-f]\)/\1/g')
ok "x1's lease is gone from the bootpd file" sh -c "! grep -q 'hw_address=1,$bmac\$' '$LEASES'"
ok "the foreign lease is still there" grep -q 'hw_address=1,a:b:c:d:e:f$' "$LEASES"
is "$(stat -c %a "$LEASES")" 640 "the file keeps its mode"
b=$(ls "$STORE"/backups/dhcpd_leases.* 2>/dev/null | head -1)
ok "a timestamped backup is in the store" test -f "$b"
is "$(cat "$b")" "$before" "holding the file as it was"
ok "bootpd was asked to reload" grep -q reload "$STORE/reloads"
like "$(x history x1)" ' x1 +lease-release ' "the release is in the history"

# Without the privilege to rewrite it (here: an immutable file), rm still
# succeeds and the lease is pending; gc says what it needs.
x create x2 $XOPTS >/dev/null 2>"$STORE/err"
ok "create x2" test $? -eq 0 || show "$STORE/err"
chattr +i "$LEASES"
out=$(x rm x2 2>&1)
ok "rm without the privilege still succeeds" test $? -eq 0
like "$out" "cannot remove x2's lease from $LEASES without root: recorded as pending; run sudo xhinv gc" \
	"and says what happened"
is "$(sql "SELECT state FROM lease WHERE mac = (SELECT mac FROM nic JOIN machine m ON m.id = machine_id WHERE m.name = 'x2')")" \
	pending "the lease is recorded as pending"
out=$(x gc 2>&1)
ok "gc without the privilege fails" test $? -eq 1
like "$out" "cannot rewrite $LEASES without root: run sudo xhinv gc" "saying what it needs"
chattr -i "$LEASES"
out=$(x gc 2>&1)
ok "gc with the privilege succeeds" test $? -eq 0
like "$out" "released: lease .* its MAC was issued to removed machine x2" "and releases it"
ok "the foreign lease survived" grep -q 'hw_address=1,a:b:c:d:e:f$' "$LEASES"

# gc --expired also drops expired leases of MACs we issued.
x create x3 $XOPTS >/dev/null 2>&1
m3=$(sql "SELECT mac FROM machines WHERE name = 'x3' AND removed IS NULL")
b3=$(echo "$m3" | sed 's/\b0\([0-9a-f]\)/\1/g')
x stop x3 >/dev/null 2>&1
sed -i "/hw_address=1,$b3\$/{n;n;s/lease=0x[0-9a-f]*/lease=0x5ec8e4c1/}" "$LEASES"
is "$(x gc)" "nothing to clean" "an expired lease of a live machine stays without --expired"
like "$(x gc --expired)" "released: lease .* expired, of machine x3" "--expired removes it"

# vmnet refuses: the MAC lookup fails as the original's did.
out=$(FAKE_XHYVE_VMNET_DENIED=1 x create x4 $XOPTS 2>&1)
ok "a create whose MAC lookup fails fails" test $? -eq 1
like "$(printf '%s\n' "$out" | tail -1)" \
	'Could not convert the UUID to MAC address: exited with status 1: virtio_net: Could not create vmnet interface, permission denied or no entitlement\?' \
	"with the original's message and xhyve's reason"
ok "and leaves no machine directory" test ! -e "$STORE/machines/x4"

# The original's privilege model (enforced on macOS; here on request).
cp "$XD/fake-xhyve" "$STORE/xhyve"
chmod 0755 "$STORE/xhyve"
out=$(XHINV_PRIV_CHECK=1 XHYVE_BINARY=$STORE/xhyve x create x5 $XOPTS 2>&1)
ok "a hypervisor binary without the setuid bit is refused" test $? -eq 1
is "$out" "xhinv: xhyve binary needs root owner and uid. See https://github.com/zchee/docker-machine-driver-xhyve#install" \
	"with the original's message"
chmod 4755 "$STORE/xhyve"
out=$(XHINV_PRIV_CHECK=1 XHYVE_BINARY=$STORE/xhyve x create x5 $XOPTS 2>&1)
is "$out" "xhinv: xhyve needs to be executed with the privileges of the user. please remove sudo on execute command" \
	"run by root (as under sudo): the original's message"
out=$(x create x5 $XOPTS 2>&1)
ok "create x5" test $? -eq 0 || diag "$out"
# bootpd gave x5 the address of stopped x3, whose lease gc --expired removed.
is "$(sql "SELECT n.ip FROM nic n JOIN machine m ON m.id = n.machine_id WHERE m.name = 'x5'")" \
	"$(sql "SELECT json_extract(detail, '$.ip') FROM event e JOIN machine m ON m.id = e.machine_id WHERE m.name = 'x3' AND kind = 'ip-lost'")" \
	"an address bootpd hands on is moved, with an ip-lost event on its old holder"
is "$(sql "SELECT coalesce(n.ip, '-') FROM nic n JOIN machine m ON m.id = n.machine_id WHERE m.name = 'x3' AND n.released_at IS NULL")" "-" \
	"and the old holder no longer claims it"
x rm -f x5 > /dev/null 2>&1

# Setuid (macOS's model), on the user's own store. The environment is the
# user's, so root takes the lease file and the reload command from nowhere
# but their macOS defaults (/var/db/dhcpd_leases; launchctl in the system
# PATH): a private mount namespace puts the doubles there. The settings
# given are ignored.
U=$STORE/u
mkdir -m 0700 "$U"
chmod 0755 "$STORE"	# it stands in for /var/db, which anyone may read
chown 65534:65534 "$U"
printf '#!/bin/bash -p\nexec %s %s\n' "$XD/fake-reload" "$STORE/reloads" > "$STORE/launchctl"
chmod 0755 "$STORE/launchctl"
printf '#!/bin/sh\necho planted >> %s\n' "$STORE/planted" > "$STORE/planted-reload"
chmod 0755 "$STORE/planted-reload"
ux() {
	local s=$1
	shift
	XHYVE_BINARY=$STORE/xhyve XHINV_BOOTPD_LEASES=/etc/shadow \
	XHINV_BOOTPD_RELOAD="$STORE/planted-reload" XHINV_PRIV_CHECK=0 \
	unshare -m sh -c 'mount -t tmpfs tmpfs /var && mkdir /var/db &&
	mount --bind "$1" /var/db && mount -t tmpfs tmpfs /usr/local/sbin &&
	cp "$1/launchctl" /usr/local/sbin/ && shift && exec "$@"' sh "$STORE" \
	ip netns exec "$NS" setpriv --ruid 65534 --euid 0 -- "$XHINV" -s "$s" "$@"
}
refused=$(ux "$STORE" ls 2>&1)
ok "setuid, root's store is refused" test $? -ne 0
is "$refused" "xhinv: store $STORE belongs to uid 0: running setuid, you (uid 65534) act on your own store only" \
	"saying whose it is"
out=$(ux "$U" create x6 $XOPTS 2>&1)
rc=$?
printf "%s\n" "$out" > "$STORE/x6.out"
ok "setuid-style (real uid a user, effective uid root): create works" test $rc -eq 0 ||
	show "$STORE/x6.out"
is "$(find "$U" ! -user 65534 -printf "%P\n" | sort | tr '\n' ' ')" "machines/x6/x6.pid " \
	"everything in the user's store is the user's (made with the user's rights) but what root made: xhyve's pid file"
is "$(sqlite3 "$U/xhinv.db" "SELECT lease_file FROM network WHERE kind = 'vmnet'")" /var/db/dhcpd_leases \
	"bootpd's own, not the one the environment named"
pid=$(sqlite3 "$U/xhinv.db" "SELECT pid FROM machines WHERE name = 'x6' AND removed IS NULL")
is "$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status" 2>&1)" 0 "xhyve runs as root (vmnet)"
reloads0=$(wc -l < "$STORE/reloads" 2>/dev/null || echo 0)
ux "$U" rm -f x6 > "$STORE/x6.out" 2>&1
ok "setuid-style rm" test $? -eq 0 || show "$STORE/x6.out"
ok "the reload command from the user's environment was not run" test ! -e "$STORE/planted"
ok "launchctl from the system PATH was, after the lease went" \
	test "$(wc -l < "$STORE/reloads")" -gt "$reloads0"
chmod 0711 "$STORE"
is "$(x gc)" "nothing to clean" "gc finds nothing left to clean"

# What the lease reader cannot read is shown, one line each on stderr.
printf '{\n\tname=broken\n\tnot a key value line\n\thw_address=1,2:0:0:0:0:99\n\tlease=0x6b0c2a5b\n}\n' \
	>> "$LEASES"
bad=$(grep -n '^	name=broken$' "$LEASES" | cut -d: -f1)
err=$(x leases 2>&1 >/dev/null)
is "$err" "xhinv: leases: $LEASES line $((bad - 1)): line $((bad + 1)): not a key=value line" \
	"xhinv leases names the block it cannot read (file, line, what) on stderr"
# A changed XHINV_BOOTPD_LEASES wins over the path recorded with the network.
other=$STORE/other_leases
printf '{\n\tname\n\tip_address=192.168.64.77\n\thw_address=1,2:0:0:0:0:77\n\tlease=0x%x\n}\n' \
	"$(($(date +%s) + 600))" > "$other"
like "$(XHINV_BOOTPD_LEASES=$other x leases 2>&1)" "192\.168\.64\.77 +02:00:00:00:00:77 .* $other\$" \
	"a reader uses the new setting (and reads bootpd's bare name line)"
XHINV_BOOTPD_LEASES=$other x gc > /dev/null 2>&1
is "$(sql "SELECT lease_file FROM network WHERE kind = 'vmnet'")" "$other" \
	"a writer records it: the record follows the setting"
is "$(sql "SELECT json_extract(detail, '$.lease_file_was') FROM event WHERE kind = 'network-lease-file' ORDER BY id DESC LIMIT 1")" \
	"$LEASES" "with an event saying what it was"
x gc > /dev/null 2>&1
is "$(sql "SELECT lease_file FROM network WHERE kind = 'vmnet'")" "$LEASES" "and back"

# Text that is not UTF-8 (a Latin-1 file name) is shown as \xNN, never
# lost: the create-begin event's detail, and inspect's JSON.
latin=$STORE/na$'\xef've.iso
cp "$ISO" "$latin"
x create x8 ${XOPTS/--iso $ISO/--iso $latin} > "$STORE/x8.out" 2>&1
ok "create from a Latin-1 named ISO" test $? -eq 0 || show "$STORE/x8.out"
is "$(sql "SELECT json_extract(detail, '$.iso') FROM event e JOIN machine m ON m.id = e.machine_id WHERE m.name = 'x8' AND kind = 'create-begin'")" \
	"file://$STORE/na\\xefve.iso" "the create-begin event records its name with \\xef"
x sql --write "UPDATE machine SET cmdline = cmdline || CAST(X'20ff' AS TEXT) WHERE name = 'x8'" > /dev/null
out=$(x inspect x8)
ok "inspect of a machine whose command line is not UTF-8 exits 0" test $? -eq 0
like "$out" '"cmdline": ".* \\\\xff"' "... and shows the byte as \\xff"
ok "... in valid JSON" python3 -c 'import json, sys; json.load(sys.stdin)' <<< "$out"
like "$(x sql --json "SELECT name, cmdline FROM machine WHERE name = 'x8'")" '"cmdline": ".* \\\\xff"' \
	"sql --json keeps the column, shown the same way"
out=$(x inspect x8 2>&1 > /dev/full)
ok "inspect into a full device fails" test $? -eq 1
is "$out" "xhinv: cannot write output" "saying so"
x rm -f x8 > /dev/null 2>&1

# No lease for a MAC whose block bootpd's file has but cannot be read: the
# timeout says so. (bootpd stopped: nothing answers; the UUID fixes the MAC.)
bootpd_stop
U=6a1c0e52-3c3e-4d0b-9a53-8f0e3d2a7b11
XO=${XOPTS/--timeout 30/--timeout 2}
x create x6 $XO --uuid "$U" > /dev/null 2>&1
mac=$(sql "SELECT n.mac FROM nic n JOIN machine m ON m.id = n.machine_id WHERE m.name = 'x6'" | head -1)
like "$mac" '^[0-9a-f:]{17}$' "a create bootpd never answers fails, its MAC recorded"
bmac=$(echo "$mac" | sed 's/:0\([0-9a-f]\)/:\1/g; s/^0\([0-9a-f]\)/\1/')
printf '{\n\tname=x6\n\tip_address=192.168.64.66\n\thw_address=1,%s\n\tlease=soon\n}\n' "$bmac" >> "$LEASES"
out=$(x create x7 $XO --uuid "$U" 2>&1)
like "$out" "no DHCP lease for MAC $mac in $LEASES after [0-9]+ s \(its block there could not be read: line [0-9]+: lease= is not a hex time" \
	"the IP wait's timeout names the MAC's unreadable block"
done_testing
