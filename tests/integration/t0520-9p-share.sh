#!/bin/bash
# A host folder shared over virtio-9p into a real QEMU guest: QEMU's
# -fsdev/virtio-9p-pci with the original's tags (host-0, host-1, ...), the
# guest mounting each share over SSH on every start, as the original did
# (§12). Reads and writes go both ways; a name with a space and a quote
# survives the shell the mount script runs in.
. "$(dirname "$0")/lib.sh"
need_vm

A=$STORE/share-a
B="$STORE/it's b"
mkdir -p "$A" "$B"
echo "from the host" > "$A/hello"
echo "second share" > "$B/note"

# Usage errors, before anything is made.
out=$(x create bad --iso "$ISO" --share "$STORE/nope" 2>&1)
is "$?" 2 "a share that does not exist is a usage error"
like "$out" "9p share $STORE/nope: no such directory" "saying which"
out=$(x create bad --iso "$ISO" --nfs-share "$A" 2>&1)
is "$?" 2 "NFS shares on the QEMU backend are refused"
like "$out" "NFS shares need the xhyve backend" "saying why"
out=$(x create bad --iso "$ISO" --share "$A" --share "$A" 2>&1)
like "$out" "9p share $A is given twice" "a share given twice is refused"
ok "and nothing was recorded" test -z "$(sql "SELECT name FROM machine WHERE name = 'bad'")"

# A relative path is taken against the current directory.
(cd "$STORE" && x create s1 --iso "$ISO" $VMOPTS --share share-a --share "$B" \
	>"$STORE/out" 2>"$STORE/err")
ok "create with two 9p shares" test $? -eq 0 || show "$STORE/err"
like "$(cat "$STORE/err")" "mounting 2 shared folders in s1" "create mounts them"
GA=/xhyve-virtio9p$A
GB="/xhyve-virtio9p$B"
is "$(sql "SELECT kind || ' ' || tag || ' ' || host_path || ' ' || guest_path FROM share ORDER BY position")" \
	"9p host-0 $A $GA
9p host-1 $B $GB" "the inventory records both, tagged as the original's slots"
like "$(x inspect s1)" "\"tag\": \"host-1\"" "inspect lists them"
pid=$(sql "SELECT pid FROM machines WHERE name = 's1' AND removed IS NULL")
like "$(tr '\0' ' ' < "/proc/$pid/cmdline")" \
	"-fsdev local,id=fs0,path=$A,security_model=mapped-xattr -device virtio-9p-pci,fsdev=fs0,mount_tag=host-0" \
	"QEMU exports the first share as host-0"

is "$(x ssh s1 cat "$GA/hello" 2>&1)" "from the host" "the guest reads the host's file"
is "$(x ssh s1 cat "\"$GB/note\"" 2>&1)" "second share" \
	"and the second share, its name quoted"
x ssh s1 "sudo sh -c 'echo from the guest > $GA/back'" >/dev/null 2>&1
is "$(cat "$A/back" 2>&1)" "from the guest" "the host reads what the guest wrote"
# Ownership is mapped (kept in xattrs), never passed through: even with
# QEMU as root (sudo), root in the guest cannot make a setuid-root file.
x ssh s1 "sudo sh -c 'echo x > $GA/suid; chown 0:0 $GA/suid; chmod 4755 $GA/suid; chown 123:45 $GA/back'" >/dev/null 2>&1
is "$(stat -c %a "$A/suid" 2>&1)" 600 "a file the guest made setuid-root is mode 0600 on the host"
is "$(x ssh s1 stat -c %a:%u "$GA/suid" 2>&1)" 4755:0 "while the guest sees the mode and owner it set"
is "$(x ssh s1 stat -c %u:%g "$GA/back" 2>&1)" 123:45 "a chown in the guest holds there"
is "$(stat -c %u "$A/back" 2>&1)" 0 "and changes nothing on the host"
like "$(getfattr -n user.virtfs.uid --only-values "$A/back" 2>/dev/null | od -An -tu4 | tr -d ' ')" '^123$' \
	"(it is the user.virtfs.uid attribute)"

# Mounts do not survive a reboot: every start mounts again.
x stop s1 >/dev/null 2>&1
x start s1 >/dev/null 2>"$STORE/err"
ok "start again" test $? -eq 0 || show "$STORE/err"
echo "after the restart" > "$A/later"
is "$(x ssh s1 cat "$GA/later" 2>&1)" "after the restart" "the share is mounted again"
is "$(sql "SELECT count(*) FROM event e JOIN machine m ON m.id = e.machine_id WHERE m.name = 's1' AND kind = 'share-mount'")" \
	2 "a share-mount event per start"

# A share the guest cannot mount fails the start and says why.
x stop s1 >/dev/null 2>&1
x sql --write "UPDATE share SET guest_path = '/proc/no/such' WHERE position = 1" >/dev/null
out=$(x start s1 2>&1)
ok "a start whose mount fails fails" test $? -eq 1
like "$out" "cannot mount the shared folders in s1: the command over SSH to .* exited with status" \
	"with the guest's reason"

x rm -f s1 >/dev/null 2>&1
ok "rm leaves the host folders alone" test -f "$A/hello" -a -f "$A/back"
x network down >/dev/null 2>&1

# Setuid-style (macOS's model: effective uid root, real uid the user) on
# the user's own store: QEMU runs as the user, so root in the guest cannot
# make a root-owned, setuid-root file in the user's shared folder.
U=$STORE/user
mkdir -p "$U/store" "$U/share"
chown -R 65534:65534 "$U"
chmod 0711 "$STORE"
# The user's environment names their own programs first in PATH, and a
# bridge of theirs: setuid, root runs neither (the system's PATH, the
# default bridge).
mkdir -p "$U/bin"
for p in dnsmasq qemu-system-x86_64 dhcp_release ip; do
	printf '#!/bin/bash -p\necho "%s as $(id -u)" >> %s\nexit 1\n' "$p" "$U/planted" > "$U/bin/$p"
	chmod 0755 "$U/bin/$p"
done
chown -R 65534:65534 "$U"
# (and a LIBGUESTFS_ name longer than any fixed buffer: scrubbed too)
long=LIBGUESTFS_$(printf 'X%.0s' $(seq 300))
ux() { ip netns exec "$NS" env PATH="$U/bin:$PATH" XHINV_BRIDGE=eth0 "$long=1" \
	timeout 300 setpriv --ruid 65534 --euid 0 -- "$XHINV" -s "$U/store" "$@"; }
ux create su --iso "$ISO" $VMOPTS --share "$U/share" > "$STORE/su.out" 2>&1
ok "a setuid-style create with a 9p share" test $? -eq 0 || show "$STORE/su.out"
ok "no program from the user's PATH ran" test ! -e "$U/planted" || show "$U/planted"
is "$(find "$U/store" ! -user 65534 -printf "%P\n" | sort | tr '\n' ' ')" \
	"locks/network-shared.lock network network/shared network/shared/dnsmasq.hosts network/shared/dnsmasq.leases network/shared/dnsmasq.log " \
	"everything in the user's store is the user's but the network's files and lock, root's (dnsmasq starts as root)"
is "$(sqlite3 "$U/store/xhinv.db" "SELECT bridge FROM network WHERE kind = 'dnsmasq'")" xhbr0 \
	"the bridge is the default, not the one the environment named"
pid=$(sqlite3 "$U/store/xhinv.db" "SELECT pid FROM machines WHERE name = 'su' AND removed IS NULL")
is "$(stat -c %u "/proc/$pid" 2>&1)" 65534 "QEMU runs as the user, not as root"
dpid=$(sqlite3 "$U/store/xhinv.db" "SELECT pid FROM process WHERE role = 'dhcp' AND ended_at IS NULL")
is "$(awk '/^Uid:/ { print $2 }' "/proc/$dpid/status" 2>&1)" 65534 "dnsmasq runs as the store's owner once bound"
GS=/xhyve-virtio9p$U/share
ux ssh su "sudo sh -c 'echo x > $GS/f; chown 0:0 $GS/f; chmod 4755 $GS/f'" >/dev/null 2>&1
is "$(stat -c %u "$U/share/f" 2>&1)" 65534 \
	"a file root in the guest made and chowned to root is the user's on the host"
# The rows are the user's to edit: a share they cannot read themselves is
# refused before anything boots (root's xhyve or nfsd would serve it).
mkdir -m 0700 "$STORE/root-only"
ux stop su >/dev/null 2>&1
sqlite3 "$U/store/xhinv.db" "UPDATE share SET host_path = '$STORE/root-only'"
out=$(ux start su 2>&1)
ok "start with a share the user cannot read fails" test $? -ne 0
like "$out" "share $STORE/root-only: not a directory you \(uid 65534\) can read: refusing to share it" "saying why"
ux rm -f su >/dev/null 2>&1
ux network down >/dev/null 2>&1
chmod 0700 "$STORE"
done_testing
