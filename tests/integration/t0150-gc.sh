#!/bin/bash
# gc removes what the inventory proves stale and nothing else: leases of
# MACs it issued to removed machines (a foreign lease survives), directories
# of removed machines (another driver's directory survives), dead process
# rows, drifted reservations.
. "$(dirname "$0")/lib.sh"
need_vm

x create g --iso "$ISO" $VMOPTS >/dev/null 2>"$STORE/err"
ok "create succeeds" test $? -eq 0 || show "$STORE/err"
mac=$(sql "SELECT mac FROM machines WHERE name = 'g' AND removed IS NULL")
ip=$(x ip g)
x rm g >/dev/null 2>&1
ok "rm succeeds" test $? -eq 0
x network down >/dev/null
ok "network down stops dnsmasq" test "$(sql "SELECT count(*) FROM process WHERE role = 'dhcp' AND ended_at IS NULL")" = 0

leases=$STORE/network/shared/dnsmasq.leases
exp=$(( $(date +%s) + 3600 ))
{
	echo "$exp $mac $ip g 01:$mac"
	echo "$exp 02:aa:bb:cc:dd:ee 192.168.64.200 stranger *"
} >> "$leases"
mkdir -p "$STORE/machines/g" "$STORE/machines/othervm"
echo keep > "$STORE/machines/othervm/config.json"
boot=$(cat /proc/sys/kernel/random/boot_id)
x sql --write "INSERT INTO process (network_id, role, pid, start_time, boot_id, exe, started_at) \
	VALUES (1, 'dhcp', 999999, 1, '$boot', '/usr/sbin/dnsmasq', 0)" >/dev/null
echo "02:12:34:56:78:9a,192.168.64.77" > "$STORE/network/shared/dnsmasq.hosts"

out=$(x gc --dry-run)
like "$out" "would release: lease $ip for $mac: its MAC was issued to removed machine g" \
	"dry run reports the stale lease"
like "$out" "would delete: directory $STORE/machines/g of removed machine g" \
	"dry run reports the leftover directory"
like "$out" "would fix: process row [0-9]+ \(dhcp, pid 999999\) is not running" \
	"dry run reports the dead process row"
like "$out" "would rewrite: DHCP reservations" "dry run reports the drifted reservations"
ok "dry run does not mention the foreign lease" sh -c "! printf '%s' '$out' | grep -q stranger"
ok "dry run changed nothing: lease still there" grep -q " $mac " "$leases"
ok "dry run changed nothing: directory still there" test -d "$STORE/machines/g"

out=$(x gc)
ok "gc succeeds" test $? -eq 0
ok "the stale lease is gone" sh -c "! grep -q ' $mac ' '$leases'"
ok "the foreign lease survives" grep -q ' 02:aa:bb:cc:dd:ee ' "$leases"
ok "the removed machine's directory is gone" test ! -e "$STORE/machines/g"
is "$(cat "$STORE/machines/othervm/config.json")" keep "another driver's directory is untouched"
is "$(sql "SELECT count(*) FROM process WHERE pid = 999999 AND ended_at IS NULL")" 0 \
	"the dead process row is ended"
ok "the reservations match the inventory again" test ! -s "$STORE/network/shared/dnsmasq.hosts"
is "$(sql "SELECT count(*) FROM event WHERE kind = 'gc'")" 2 "gc events recorded (lease, directory)"
is "$(x gc)" "nothing to clean" "a second gc finds nothing"

# The name g in use again: docker-machine makes machines/g/ with its
# config.json and certificates before the plugin's Create (which may be
# downloading meanwhile). gc leaves them; it deletes only what the driver
# makes, and the directory only when nothing else is in it.
mkdir -p "$STORE/machines/g"
echo '{"Driver": "xhyve"}' > "$STORE/machines/g/config.json"
echo cert > "$STORE/machines/g/ca.pem"
is "$(x gc --dry-run)" "nothing to clean" "docker-machine's files under a reused name are not gc's"
x gc > /dev/null
ok "gc keeps them" test -f "$STORE/machines/g/config.json" -a -f "$STORE/machines/g/ca.pem"
head -c 4096 /dev/zero > "$STORE/machines/g/boot2docker.iso"
head -c 4096 /dev/zero > "$STORE/machines/g/g.rawdisk"
like "$(x gc --dry-run)" "would delete: 2 files of removed machine g in $STORE/machines/g .*the directory stays: it holds 2 other files" \
	"the driver's leftovers beside them would go, the directory would stay"
x gc > /dev/null
ok "so gc deletes the driver's files" test ! -e "$STORE/machines/g/boot2docker.iso" -a ! -e "$STORE/machines/g/g.rawdisk"
ok "and keeps docker-machine's" test -f "$STORE/machines/g/config.json" -a -f "$STORE/machines/g/ca.pem"
rm "$STORE/machines/g/config.json" "$STORE/machines/g/ca.pem"
# A create or rm of the name holding its lock: gc waits its turn.
head -c 4096 /dev/zero > "$STORE/machines/g/boot2docker.iso"
exec 9> "$STORE/locks/machine-g.lock"
flock 9
is "$(x gc --dry-run)" "nothing to clean" "nothing of a machine whose lock is held"
flock -u 9
exec 9>&-
like "$(x gc)" "deleted: directory $STORE/machines/g of removed machine g" "once free, its directory goes"
ok "all of it" test ! -e "$STORE/machines/g"
done_testing
