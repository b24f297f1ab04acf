#!/bin/bash
# The inventory on a read-only or full file system: what only reads works
# (sql, history), and what cannot work says why in its one line, instead
# of SQLite's bare "unable to open database file".
. "$(dirname "$0")/lib.sh"
need_root
RO=$STORE/ro
FULL=""
trap 'umount "$RO" 2>/dev/null; [ -n "$FULL" ] && umount "$FULL" 2>/dev/null; cleanup' EXIT

mkdir -p "$STORE/s" "$RO"
X() { "$XHINV" -s "$1" "${@:2}"; }
X "$STORE/s" sql --write "INSERT INTO machine (name, uuid, backend, status, cpus, memory_mb,
	disk_mb, dir, created_at) VALUES ('a', 'u', 'qemu', 'ready', 1, 64, 32, '/x', 0)" > /dev/null ||
	bail "cannot make an inventory"
X "$STORE/s" sql --write "INSERT INTO event (at, machine_id, kind, detail) VALUES (0, 1, 'create', '{}')" > /dev/null
mount --bind "$STORE/s" "$RO" && mount -o remount,bind,ro "$RO" || bail "cannot make a read-only bind mount"
ok "the mount is read-only" sh -c "! touch '$RO/x' 2>/dev/null"

is "$(X "$RO" sql "SELECT name FROM machine" 2>&1)" "name
a" "sql reads an inventory on a read-only file system"
like "$(X "$RO" history a 2>&1)" ' a +create ' "so does history"
out=$(X "$RO" ls 2>&1)
ok "ls, which records what it finds, fails there" test $? -eq 1
like "$out" '^xhinv: .*\(its file system is read-only\)$' "saying why in its one line"
out=$(X "$RO" sql --write "DELETE FROM machine" 2>&1)
like "$out" '\(its file system is read-only\)' "and so does a write"
ok "nothing was left in the store" test "$(ls "$STORE/s")" = xhinv.db
umount "$RO"

# A full file system: reads still work.
FULL=$STORE/full
mkdir -p "$FULL"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$FULL" || bail "cannot mount a tmpfs"
cp "$STORE/s/xhinv.db" "$FULL/"
head -c 2m /dev/zero > "$FULL/filler" 2>/dev/null
is "$(df --output=avail "$FULL" | tail -1 | tr -d ' ')" 0 "the file system is full"
is "$(X "$FULL" sql "SELECT name FROM machine" 2>&1)" "name
a" "sql reads an inventory on a full file system"
out=$(X "$FULL" sql --write "INSERT INTO machine (name, uuid, backend, status, cpus, memory_mb,
	disk_mb, dir, created_at) SELECT 'b' || x, 'u', 'qemu', 'ready', 1, 64, 32, '/x', 0
	FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000)
	SELECT x FROM n)" 2>&1)
like "$out" '\(its file system is full\)' "a write that needs room says the file system is full"
done_testing
