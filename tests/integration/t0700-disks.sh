#!/bin/bash
# Disk formats, resizing and disk-space accounting, on real QEMU guests:
# qcow2 made with qemu-img (exactly the requested virtual size, the user
# data at guest byte 0), ext4 made with libguestfs (partitioned, labelled,
# the keys inside: the guest mounts it without formatting), each booted to
# SSH with the machine's key; disk resize grows raw and qcow2 disks and
# the guest sees the new size; du's figures are stat's. Bad input: an
# unknown format, a shrink, a running machine, ext4 resize, libguestfs
# missing or failing, a store that runs out of space mid-create.
. "$(dirname "$0")/lib.sh"
need_vm
command -v qemu-img >/dev/null || bail "no qemu-img: scripts/install-deps installs it"

jget() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"; }
sectors() { x ssh "$1" cat /sys/block/vda/size 2>/dev/null | tr -d '\r'; }

# ---- bad input first: nothing may be made ----
out=$(x create bad --iso "$ISO" --disk-format vmdk 2>&1)
is "$?" 2 "an unknown disk format is a usage error"
like "$out" 'disk format "vmdk": use raw, qcow2 or ext4' "saying which formats exist"
out=$(XHINV_LIBGUESTFS=/nonexistent/libguestfs.so.0 x create bad --iso "$ISO" $VMOPTS --disk-format ext4 2>&1)
ok "ext4 without libguestfs fails" test $? -eq 1
like "$out" "ext4 disks are made with libguestfs: .*/nonexistent/libguestfs.so.0.*use the raw or qcow2 format, which need nothing" \
	"saying what is missing and that raw works without it"
ok "and leaves no machine directory" test ! -e "$STORE/machines/bad"
out=$(LIBGUESTFS_HV=/nonexistent/qemu x create bad --iso "$ISO" $VMOPTS --disk-format ext4 2>&1)
ok "ext4 with a libguestfs that fails fails" test $? -eq 1
like "$out" "libguestfs: cannot start its appliance: .*/nonexistent/qemu" "with libguestfs's reason"
ok "and leaves no machine directory" test ! -e "$STORE/machines/bad"
is "$(sql "SELECT count(*) FROM machine WHERE name = 'bad' AND status != 'failed'")" 0 \
	"the inventory holds only failed attempts"

# ---- qcow2 ----
x create q1 --iso "$ISO" $VMOPTS --disk-format qcow2 >/dev/null 2>"$STORE/err"
ok "create with a qcow2 disk" test $? -eq 0 || show "$STORE/err"
Q=$STORE/machines/q1/q1.qcow2
is "$(qemu-img info -U --output=json "$Q" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')" \
	$((256 * 1048576)) "its virtual size is exactly the 256 MB asked (the original made a tenth)"
is "$(x ssh q1 id -un 2>&1)" docker "the guest answers SSH with the machine's key"
like "$(cat "$STORE/machines/q1/console.log")" "disk-formatted dev=/dev/vda1" \
	"the guest found the user data at byte 0 and formatted the disk"
is "$(sectors q1)" $((256 * 2048)) "and sees 256 MB"
is "$(sql "SELECT format || ' ' || size_mb FROM disk d JOIN machine m ON m.id = d.machine_id WHERE m.name = 'q1'")" \
	"qcow2 256" "the inventory records the format"

# ---- resize ----
out=$(x disk resize q1 512 2>&1)
ok "resizing a running machine is refused" test $? -eq 1
like "$out" "q1 is running: stop it before resizing its disk" "saying what to do"
x stop q1 >/dev/null 2>&1
out=$(x disk resize q1 128 2>&1)
ok "a shrink is refused" test $? -eq 1
like "$out" "a disk cannot shrink: 128 MB is less than its 256 MB" "saying why"
out=$(x disk resize q1 12X 2>&1)
is "$?" 2 "a size that is not one is a usage error"
x disk resize q1 1G >/dev/null 2>"$STORE/err"
ok "grow the qcow2 disk to 1G" test $? -eq 0 || show "$STORE/err"
is "$(qemu-img info -U --output=json "$Q" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')" \
	$((1024 * 1048576)) "qemu-img sees 1024 MB"
like "$(x history q1)" " q1 +disk-resize .*\"from_mb\":256,\"to_mb\":1024" "the resize is in the history"
x start q1 >/dev/null 2>"$STORE/err"
ok "start again" test $? -eq 0 || show "$STORE/err"
is "$(sectors q1)" $((1024 * 2048)) "the guest sees 1024 MB"
like "$(cat "$STORE/machines/q1/console.log")" "disk-mounted dev=/dev/vda1" "and keeps its data partition"

# ---- ext4 through libguestfs ----
x create e1 --iso "$ISO" $VMOPTS --disk-format ext4 >/dev/null 2>"$STORE/err"
ok "create with an ext4 disk made by libguestfs" test $? -eq 0 || show "$STORE/err"
like "$(cat "$STORE/err")" "making the ext4 disk with libguestfs" "create says it (it takes a while)"
E=$STORE/machines/e1/e1.ext4disk
is "$(x ssh e1 id -un 2>&1)" docker "the guest answers SSH with the key libguestfs put inside"
log=$(cat "$STORE/machines/e1/console.log")
like "$log" "disk-mounted dev=/dev/vda1 at=/mnt/vda1 fstype=ext4" "the guest mounts the labelled ext4 partition"
ok "without formatting it" sh -c "! grep -q disk-formatting '$STORE/machines/e1/console.log'"
is "$(x ssh e1 "sudo tar -tf /var/lib/boot2docker/userdata.tar" 2>&1 | grep -c authorized_keys)" 2 \
	"boot2docker's userdata.tar is on it"
x stop e1 >/dev/null 2>&1
out=$(x disk resize e1 512 2>&1)
ok "an ext4 disk cannot be resized" test $? -eq 1
like "$out" "ext4 disks cannot be resized: the partition and file system inside would need growing too" \
	"saying why"

# ---- raw resize, seen by the guest ----
x create r1 --iso "$ISO" $VMOPTS >/dev/null 2>"$STORE/err"
ok "create with a raw disk (the default)" test $? -eq 0 || show "$STORE/err"
x stop r1 >/dev/null 2>&1
x disk resize r1 300 >/dev/null 2>&1
ok "grow the raw disk to 300 MB" test $? -eq 0
is "$(stat -c %s "$STORE/machines/r1/r1.rawdisk")" $((300 * 1048576)) "the file is 300 MB"
is "$(sql "SELECT disk_mb FROM machine WHERE name = 'r1'")" 300 "the inventory says so"
x start r1 >/dev/null 2>&1
is "$(sectors r1)" $((300 * 2048)) "the guest sees 300 MB"

# ---- du: stat's figures, each file once ----
x du --json > "$STORE/du.json" 2>"$STORE/err"
ok "du --json" test $? -eq 0 || show "$STORE/err"
R=$STORE/machines/r1/r1.rawdisk
i=$(sqlite3 :memory: "SELECT key FROM json_each(json_extract(readfile('$STORE/du.json'), '$.machines')) WHERE json_extract(value, '$.name') = 'r1'")
is "$(jget "$STORE/du.json" "\$.machines[$i].disk.apparent")" "$(stat -c %s "$R")" "r1's disk: apparent size as stat's"
is "$(jget "$STORE/du.json" "\$.machines[$i].disk.allocated")" "$(( $(stat -c %b "$R") * $(stat -c %B "$R") ))" \
	"and allocated blocks as stat's"
is "$(jget "$STORE/du.json" "\$.machines[$i].disk_mb")" 300 "with the size asked"
iso=$STORE/machines/r1/boot2docker.iso
is "$(jget "$STORE/du.json" "\$.machines[$i].iso.allocated")" "$(( $(stat -c %b "$iso") * $(stat -c %B "$iso") ))" \
	"its ISO copy (a copy of a local file) as stat's"
# The kernels and initrds are hard links into the cache's boot files, which
# du counts with the cache: du(1) too counts a file once, where it meets it
# first, so it is given the cache first and its line left out of the sum.
all=$(du -s -B1 "$STORE/cache" "$STORE/machines/r1" "$STORE/machines/q1" "$STORE/machines/e1" |
	tail -n +2 | awk '{ s += $1 } END { print s }')
is "$(jget "$STORE/du.json" '$.machines_total.allocated')" "$all" "the machines' total is du(1)'s"
like "$(x du)" "^r1: raw disk +300.0 MiB" "the table shows each machine's disk"

# A machine directory left behind is a leftover, and gc says what it frees.
mkdir -p "$STORE/machines/old"
head -c 1048576 /dev/urandom > "$STORE/machines/old/junk"
like "$(x du)" "leftovers of removed machines .* 1 directory" "du counts a leftover directory"

# ---- a store that fills up mid-create leaves nothing behind ----
SMALL=$STORE/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=100m tmpfs "$SMALL" || bail "cannot mount a small tmpfs"
trap 'umount "$SMALL" 2>/dev/null; cleanup' EXIT
head -c 40000000 /dev/zero > "$SMALL/filler"
out=$(ip netns exec "$NS" "$XHINV" -s "$SMALL/store" create full --iso "$ISO" $VMOPTS 2>&1)
ok "a create on a full file system fails" test $? -eq 1
like "$out" "No space left on device" "saying so"
ok "and leaves no machine directory" test ! -e "$SMALL/store/machines/full"
is "$(find "$SMALL/store" -name '*.tmp.*' -o -name '*.part' | wc -l)" 0 "nor a half-written file"
umount "$SMALL"

# ---- a disk larger than the file system can hold in one file ----
# ext4 with 1 KiB blocks holds files up to 4 TiB: ask for 5 TiB (within
# the 16 TiB xhinv accepts).
truncate -s 400M "$STORE/fs.img"
mkfs.ext4 -q -b 1024 -F "$STORE/fs.img" || bail "cannot make a 1 KiB-block ext4"
mount -o loop "$STORE/fs.img" "$SMALL" || bail "cannot loop-mount it"
trap 'umount "$SMALL" 2>/dev/null; cleanup' EXIT
out=$(ip netns exec "$NS" "$XHINV" -s "$SMALL/store" create huge --iso "$ISO" \
    --memory 192 --disk-size 5242880 --timeout 30 2>&1)
ok "a raw disk above the file system's largest file fails" test $? -eq 1
like "$(printf '%s\n' "$out" | tail -1)" \
	"^xhinv: cannot size disk .*/huge.rawdisk to 5242880 MB: larger than the store's file system can hold in one file$" \
	"in one line saying why" || printf '%s\n' "$out" | show
ok "and leaves no machine directory" test ! -e "$SMALL/store/machines/huge"
is "$("$XHINV" -s "$SMALL/store" sql "SELECT status FROM machine WHERE name = 'huge'" | tail -n +2)" \
	failed "the machine is recorded failed"
ip netns exec "$NS" "$XHINV" -s "$SMALL/store" network down >/dev/null 2>&1
umount "$SMALL"
trap cleanup EXIT
done_testing
