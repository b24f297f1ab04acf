#!/bin/bash
# Creates from downloaded ISOs with real QEMU: a create from an http URL,
# a second create that costs no body transfer (the cache answers, the server
# says 304), an ISO replaced in a machine's directory (what docker-machine
# upgrade does) taking effect at the next start, and the plugin's default
# source (the latest boot2docker release, from a local GitHub API).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd.sh"
need_vm
trap 'nginx_stop; faultd_stop; cleanup' EXIT
HTTPD_NETNS=$NS		# xhinv runs in the namespace: so do the servers

WWW=$STORE/www
mkdir -p "$WWW/files" "$WWW/releases/boot2docker"
ln "$ISO" "$WWW/files/xhtest.iso" 2>/dev/null || cp "$ISO" "$WWW/files/xhtest.iso"
SIZE=$(stat -c %s "$ISO")
nginx_start "$WWW/files" || bail "cannot start nginx"
N=$NGINX_URL

x create web --iso "$N/xhtest.iso" $VMOPTS >/dev/null 2>"$STORE/err"
ok "create from an http URL boots" test $? -eq 0 || show "$STORE/err"
is "$(x ssh web uname -s)" Linux "and answers SSH"
is "$(log_body_bytes "$NGINX_LOG" '^/xhtest\.iso$')" "$SIZE" "the ISO was downloaded once"
is "$(sql "SELECT users FROM images WHERE url = '$N/xhtest.iso'")" 1 "the image has one user"
entry=$(sql "SELECT path FROM image WHERE url = '$N/xhtest.iso'")
mine=$STORE/machines/web/boot2docker.iso
ok "the machine's ISO has the cache entry's bytes" cmp -s "$entry" "$mine"
if [ "$(stat -c %i "$entry")" = "$(stat -c %i "$mine")" ]; then
	diag "the machine's ISO is a hard link of the cache entry"
fi

# The kernel and initrd: taken out of the ISO once, into the cache, and
# sealed (hashed, synced) while the first guest booted.
sha=$(sha256sum < "$ISO" | cut -d' ' -f1)
bdir=$STORE/cache/boot/$sha
is "$(sql "SELECT group_concat(role, ' ') FROM (SELECT role FROM boot_file WHERE iso_sha256 = '$sha' AND sha256 IS NOT NULL ORDER BY role)")" \
	"initrd kernel pvh" "the kernel, initrd and the ELF in the kernel were taken out into the cache and sealed"
k_sha=$(sha256sum < "$bdir/kernel" | cut -d' ' -f1)
is "$(sql "SELECT sha256 FROM boot_file WHERE iso_sha256 = '$sha' AND role = 'kernel'")" "$k_sha" \
	"the seal is the kernel's sha256"
mk=$(sql "SELECT kernel FROM machine WHERE name = 'web' AND removed_at IS NULL")
is "$(stat -c %i "$mk")" "$(stat -c %i "$bdir/pvh")" "web's kernel is the cache's ELF (a hard link)"

# The second machine links them: no byte of the ISO is read (strace counts
# every read, pread and copy_file_range of a file ending in .iso).
in_ns strace -qq -y -e trace=read,pread64,readv,preadv,preadv2,copy_file_range,sendfile,mmap \
	-o "$STORE/strace" "$XHINV" -s "$STORE" create web2 --iso "$N/xhtest.iso" $VMOPTS \
	>/dev/null 2>"$STORE/err"
ok "a second create from the same URL boots" test $? -eq 0 || show "$STORE/err"
isobytes() {
	awk '/^(read|pread64|readv|preadv|preadv2|copy_file_range|sendfile)\([0-9]+<[^>]*\.iso>/ ||
	     /^mmap\(.*[0-9]+<[^>]*\.iso>/ { n = $NF; if (n ~ /^[0-9]+$/) s += n; else if ($1 ~ /^mmap/) s += 1 }
	     END { print s + 0 }' "$1"
}
is "$(isobytes "$STORE/strace")" 0 "and reads 0 bytes of the ISO"
ok "strace saw the create's reads (the count is not vacuous)" grep -q 'xhinv.db' "$STORE/strace"
is "$(sql "SELECT count(*) FROM event WHERE kind = 'boot-files-extract'")" 1 \
	"one extraction for two machines"
mk2=$(sql "SELECT kernel FROM machine WHERE name = 'web2' AND removed_at IS NULL")
is "$(stat -c %i "$mk2")" "$(stat -c %i "$bdir/pvh")" "web2's kernel is the same file"

is "$(log_count "$NGINX_LOG" '^/xhtest\.iso$' 304)" 1 "its request was answered 304"
is "$(log_body_bytes "$NGINX_LOG" '^/xhtest\.iso$')" "$SIZE" "so the cache hit cost no body bytes"
is "$(sql "SELECT users FROM images WHERE url = '$N/xhtest.iso'")" 2 "two users now"

# A host crash can tear files written without fsync. After a reboot (here a
# boot id other than the recorded one) a sealed file is hashed before it is
# trusted: a torn kernel (same size, lost bytes) is taken out again, the
# whole initrd is kept. The fault point stops each create after its files.
sqlite3 "$STORE/xhinv.db" "UPDATE boot_file SET boot_id = 'an-earlier-boot'"
head -c "$(stat -c %s "$bdir/kernel")" /dev/zero > "$STORE/torn"
mv "$STORE/torn" "$bdir/kernel"
XHINV_CRASH_AT=create:files x create t1 --iso "$N/xhtest.iso" $VMOPTS >/dev/null 2>&1
is "$?" 137 "a create killed after its files (SIGKILL)"
last_extract() { sql "SELECT detail FROM event WHERE kind = 'boot-files-extract' ORDER BY id DESC LIMIT 1"; }
like "$(last_extract)" '"kernel_why":"sha256 differs"' "the torn kernel was found by its hash and taken out again"
like "$(last_extract)" '"initrd_why":null' "the initrd, whole, was not"
is "$(sha256sum < "$bdir/kernel" | cut -d' ' -f1)" "$k_sha" "the cache's kernel is whole again"
# That create died before its seal: after another reboot the unsealed
# kernel is not trusted at all.
sqlite3 "$STORE/xhinv.db" "UPDATE boot_file SET boot_id = 'an-earlier-boot'"
XHINV_CRASH_AT=create:files x create t2 --iso "$N/xhtest.iso" $VMOPTS >/dev/null 2>&1
is "$?" 137 "a second create killed after its files"
like "$(last_extract)" '"kernel_why":"unsealed, from an earlier boot"' \
	"an unsealed file from an earlier boot is taken out again"
x reconcile >/dev/null 2>&1
is "$(sql "SELECT count(*) FROM machine WHERE name IN ('t1', 't2') AND status = 'failed'")" 2 \
	"reconcile rolled both back"

x rm web >/dev/null 2>&1
out=$(x cache prune --dry-run)
ok "prune keeps an image a machine still uses" sh -c "! printf '%s' '$out' | grep -q xhtest"
unlike "$out" "boot files of ISO $sha" "and its boot files"

# What docker-machine upgrade does: a new ISO written over the machine's.
x stop web2 >/dev/null 2>&1
d=$STORE/upgrade
xorriso -osirrox on -indev "$ISO" -extract / "$d" 2>/dev/null
chmod -R u+w "$d"
sed -i 's/^\(\tappend .*\)$/\1 xhtest-upgraded=1/' "$d/boot/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -R -J -V xhtest-v1.1.0 -o "$STORE/new.iso" "$d" 2>/dev/null
rm -rf "$d"
cat "$STORE/new.iso" > "$STORE/machines/web2/boot2docker.iso"
x start web2 >/dev/null 2>"$STORE/err"
ok "start after the ISO was replaced" test $? -eq 0 || show "$STORE/err"
like "$(x ssh web2 cat /proc/cmdline)" 'xhtest-upgraded=1' "boots the new ISO's kernel command line"
like "$(x history web2)" ' web2 +kernel-extract .*"volume_id":"xhtest-v1.1.0"' \
	"the re-extraction is recorded"
x cache pull "$N/xhtest.iso" >/dev/null 2>&1
ok "the cache noticed its entry was rewritten through the link" \
	cmp -s "$(sql "SELECT path FROM image WHERE url = '$N/xhtest.iso'")" "$ISO"
x rm web2 >/dev/null 2>&1

# The plugin's default source: the latest boot2docker, from a local API.
faultd_start "$WWW" || bail "cannot start faultd"
cat > "$WWW/releases/boot2docker/boot2docker.json" <<EOF
{"tag_name": "v1.0.0-xhtest", "assets": [{"name": "boot2docker.iso",
 "browser_download_url": "$N/xhtest.iso"}]}
EOF
export XHINV_GITHUB_API=$FAULTD_URL/api
out=$(ip netns exec "$NS" "$TOP/build/rpcclient" -plugin "$PLUGIN" -store "$STORE" -name dm \
	-sequence create -heartbeat 1s -poll 1s -flag xhyve-memory-size=192 \
	-flag xhyve-disk-size=256 2>"$STORE/rpc.err")
ok "docker-machine create with no URL (the latest release) works" test $? -eq 0 ||
	{ printf '%s\n' "$out" | show; show "$STORE/rpc.err"; }
is "$(log_count "$FAULTD_LOG" '^/api/repos/boot2docker/boot2docker/releases/latest$' 200)" 1 \
	"after one API lookup"
is "$(sql "SELECT tag FROM image WHERE url = '$N/xhtest.iso'")" v1.0.0-xhtest "the image records the tag"
is "$(x gc)" "nothing to clean" "gc finds nothing left to clean"

# With no machine left, prune takes the image and its boot files.
x rm dm >/dev/null 2>&1
out=$(x cache prune 2>&1)
like "$out" "deleted: boot files of ISO $sha \\([0-9]+ bytes\\), from no kept image" \
	"prune deletes the boot files of an ISO it deleted"
ok "their directory is gone" test ! -e "$bdir"
is "$(sql "SELECT count(*) FROM boot_file")" 0 "and their rows"
done_testing
