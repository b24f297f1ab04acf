#!/bin/bash
# NFS shares and 9p shares on the xhyve backend, with the doubles of
# tests/xhyve (fake xhyve and bootpd, fake nfsd, and an ssh on PATH that
# records what would run in the guest). /etc/exports is a copy of a
# fixture holding other tools' blocks and hand-written lines, which must
# survive. Checks the original's export lines and identifiers, nfsd's
# checkexports before and update after every change, the update when the
# machine's IP changes (the original's #71), the removal on rm, and a
# refused file left exactly as it was.
. "$(dirname "$0")/lib.sh"
need_vm
xhyve_doubles
EXPORTS=$STORE/exports
cp "$TOP/tests/fixtures/exports/foreign.exports" "$EXPORTS"
chmod 0640 "$EXPORTS"
export XHINV_EXPORTS=$EXPORTS XHINV_NFSD="$XD/fake-nfsd $STORE/nfsd.log"
export PATH=$XD/bin:$PATH FAKE_SSH_LOG=$STORE/ssh.log
S1=$STORE/src
S2=$STORE/data
P9=$STORE/p9
mkdir -p "$S1" "$S2" "$P9"
user=$(id -un)
foreign=$(cat "$EXPORTS")

x create n1 $XOPTS --nfs-share "$S1" --nfs-share "$S2" --share "$P9" \
	>/dev/null 2>"$STORE/err"
ok "create with two NFS shares and a 9p share" test $? -eq 0 || show "$STORE/err"
ip=$(x ip n1)
is "$(sed -n '/^# BEGIN: docker-machine-driver-xhyve n1-/,/^# END: docker-machine-driver-xhyve n1-/p' "$EXPORTS")" \
"# BEGIN: docker-machine-driver-xhyve n1-$S1
$S1 $ip -alldirs -mapall=$user
# END: docker-machine-driver-xhyve n1-$S1
# BEGIN: docker-machine-driver-xhyve n1-$S2
$S2 $ip -alldirs -mapall=$user
# END: docker-machine-driver-xhyve n1-$S2" "one block per share, as the original wrote them"
is "$(grep -v 'docker-machine-driver-xhyve n1-' "$EXPORTS" | grep -v " $ip -alldirs")" "$foreign" \
	"everything else in the file is kept"
is "$(stat -c %a "$EXPORTS")" 640 "and its mode"
is "$(cat "$STORE/nfsd.log")" "checkexports 2 blocks
update" "nfsd checked the new file, then was told to update"
pid=$(sql "SELECT pid FROM machines WHERE name = 'n1' AND removed IS NULL")
like "$(tr '\0' ' ' < "/proc/$pid/cmdline")" " -s 5,virtio-9p,host-0=$P9 " \
	"xhyve gets the 9p share in slot 5, as the original"
# The first session's command: after "docker@IP --", up to the record's end.
script=$(awk '/^==end==$/ { exit } go { print } /^docker@/ { getline; go = 1 }' "$FAKE_SSH_LOG")
like "$script" "sudo mount -t 9p -o version=9p2000 -o trans=virtio -o uname='$user' -o dfltuid=\\\$\\(id -u docker\\) -o dfltgid=50 -o access=any 'host-0' '/xhyve-virtio9p$P9'" \
	"the guest mounts 9p with the original's options"
like "$script" "sudo /usr/local/etc/init.d/nfs-client start" "starts boot2docker's NFS client"
like "$script" "sudo mount -t nfs -o noacl,async '192.168.64.1:$S1' '/xhyve-nfsshares$S1'" \
	"and mounts each NFS share from the vmnet host address"
like "$(x history n1)" " n1 +exports .*\"action\":\"set\"" "the export is in the history"

# The IP changes while stopped (the lease was given away): the blocks
# follow it; the original kept the old address (#71).
x stop n1 >/dev/null 2>&1
bmac=$(sql "SELECT mac FROM machines WHERE name = 'n1' AND removed IS NULL" | sed 's/\b0\([0-9a-f]\)/\1/g')
awk -v m="hw_address=1,$bmac" 'BEGIN { RS = "}\n"; ORS = "}\n" }
	index($0, m) { sub(/ip_address=[0-9.]+/, "ip_address=192.168.64.77") } NF { print }' \
	"$LEASES" > "$STORE/l" && cat "$STORE/l" > "$LEASES"
: > "$STORE/nfsd.log"
x start n1 >/dev/null 2>"$STORE/err"
ok "start" test $? -eq 0 || show "$STORE/err"
is "$(x ip n1)" 192.168.64.77 "with a new address"
is "$(grep -c "^$S1 192.168.64.77 -alldirs" "$EXPORTS")" 1 "the export follows the new address"
is "$(grep -c " $ip -alldirs -mapall=$user" "$EXPORTS")" 0 "and the old address is gone"
is "$(cat "$STORE/nfsd.log")" "checkexports 2 blocks
update" "checked and updated again"
: > "$STORE/nfsd.log"
x stop n1 >/dev/null 2>&1
x start n1 >/dev/null 2>&1
is "$(cat "$STORE/nfsd.log")" "" "an unchanged address leaves the file and nfsd alone"

# nfsd refusing the file: the start fails, the file is untouched.
x stop n1 >/dev/null 2>&1
sed -i 's/192.168.64.77/192.168.64.78/' "$LEASES"
before=$(md5sum < "$EXPORTS")
out=$(FAKE_NFSD_REJECT=1 x start n1 2>&1)
ok "a start whose exports nfsd refuses fails" test $? -eq 1
like "$out" "nfsd refuses the new $EXPORTS: .*conflicts with existing export" "with nfsd's reason"
is "$(md5sum < "$EXPORTS")" "$before" "and /etc/exports is as it was"
ok "no candidate file is left in the store" test ! -e "$STORE/exports.candidate"

# rm removes every block of the machine, and only those.
: > "$STORE/nfsd.log"
x rm -f n1 >/dev/null 2>"$STORE/err"
ok "rm" test $? -eq 0 || show "$STORE/err"
is "$(cat "$EXPORTS")" "$foreign" "rm leaves the file as it was before the machine"
is "$(cat "$STORE/nfsd.log")" "checkexports 0 blocks
update" "and tells nfsd"

# Without the right to write the file, the create fails and says so.
chattr +i "$EXPORTS"
out=$(x create n2 $XOPTS --nfs-share "$S1" 2>&1)
ok "a create that cannot write /etc/exports fails" test $? -eq 1
like "$out" "NFS shares need root to edit $EXPORTS" "saying what it needs"
chattr -i "$EXPORTS"
is "$(cat "$EXPORTS")" "$foreign" "the file is untouched"
ok "and the machine was rolled back" test ! -e "$STORE/machines/n2"
done_testing
