#!/bin/bash
# The security requirements: the plugin listens on 127.0.0.1 only; the
# store, machine directories (0700) and keys (0600) are private; no
# user-supplied string reaches a shell; names cannot escape the store
# ("../", absolute paths, symbolic links planted in the store: nothing
# outside it is written, truncated or deleted through them); `xhinv sql`
# is read-only unless --write is given. Mostly on the fast xhyve doubles;
# one QEMU machine for what only the QEMU launch opens (its log and the
# serial console file). Everything outside the store is a directory $OUT
# whose files are canaries.
. "$(dirname "$0")/lib.sh"
need_vm
xhyve_doubles
OUT=$(mktemp -d "/tmp/$TEST-outside.XXXXXX")
PLUG=""
stop_plugin() {
	[ -n "$PLUG" ] || return 0
	kill "$PLUG" 2>/dev/null
	wait "$PLUG" 2>/dev/null
	PLUG=""
}
# Put the store back if a step left a planted link (cleanup needs it).
unplant() {
	if [ -L "$STORE/machines" ] && [ -d "$STORE/machines.real" ]; then
		rm -f "$STORE/machines"
		mv "$STORE/machines.real" "$STORE/machines"
	fi
}
trap 'stop_plugin; unplant; bootpd_stop; rm -rf "$OUT"; cleanup' EXIT
cd "$OUT" || bail "cannot enter $OUT"

# refused DESCRIPTION PATTERN -- COMMAND...: exits non-zero with one line
# on stderr (a usage line after it allowed) matching PATTERN.
refused() {
	local desc=$1 pat=$2 out rc lines
	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$out" | grep -vc '^usage: ')
	T_N=$((T_N + 1))
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] &&
	    printf '%s\n' "$out" | head -1 | grep -Eq -- "$pat"; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		printf '#   status %s, stderr: %s\n' "$rc" "$out"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
}

# fails DESCRIPTION PATTERN -- COMMAND...: exits non-zero and its last
# stderr line (after any progress lines) matches PATTERN.
fails() {
	local desc=$1 pat=$2 out rc
	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	T_N=$((T_N + 1))
	if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | tail -1 | grep -Eq -- "$pat"; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		printf '#   status %s, stderr: %s\n' "$rc" "$out"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
}

# Every path under $OUT (and under DIR...), with mode, type and size: what
# must not change.
tree() {
	find "$OUT" "$@" -printf '%p %M %s %l\n' 2>/dev/null | LC_ALL=C sort
}
# same_tree BEFORE DESCRIPTION: tree is still BEFORE (a diff if not).
same_tree() {
	local now
	now=$(tree)
	T_N=$((T_N + 1))
	if [ "$now" = "$1" ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		diff <(printf '%s\n' "$1") <(printf '%s\n' "$now") | sed 's/^/#   /'
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
}
canary() { # canary FILE: a file outside the store
	echo "canary $1" > "$1"
}
mid() { sql "SELECT id FROM machine WHERE name = '$1' AND status <> 'removed' ORDER BY id DESC LIMIT 1"; }

### Names: refused before anything is made, by every command taking one.
# A store of its own, made by xhinv under umask 000 inside a directory of
# ours, so "next to the store" can be watched.
OUTER=$STORE/outer
NSTORE=$OUTER/store
mkdir "$OUTER"
xn() { ip netns exec "$NS" "$XHINV" -s "$NSTORE" "$@"; }
(umask 000 && xn ls >/dev/null)
is "$(stat -c %a "$NSTORE" 2>&1)" 700 "a store xhinv makes is 0700 (under umask 000)"
snap() { find "$OUTER" "$OUT" -path "$NSTORE/xhinv.db*" -prune -o -printf '%p %M %s\n' | LC_ALL=C sort; }
before=$(snap)
long=$(printf 'a%.0s' $(seq 4096))
bad=("../x" "../../x" "a/b" "/abs" "$OUT/abs" ".." "." "" "$long"
	"a;touch pwned-1" "\$(touch pwned-2)" "\`touch pwned-3\`" "a b" "a
b" "a|b" "a>pwned-4" "a'b" 'a"b' "a\\b" "*" "~")
for n in "${bad[@]}"; do
	shown=$(printf '%s' "$n" | tr '\n' '?' | cut -c1-24)
	refused "create refuses the name \"$shown\"" '^xhinv( create)?: machine name ' \
		-- xn create "$n" $XOPTS
done
refused "a leading '-' is an option to create, never a name" "unknown option -x" \
	-- xn create -x $XOPTS
is "$(sqlite3 "$NSTORE/xhinv.db" 'SELECT count(*) FROM machine')" 0 "no row was recorded"
ok "no machines directory was made" test ! -e "$NSTORE/machines"

# The other commands taking a NAME: each bad name gets one line, exit 2.
names_refused() { # names_refused COMMAND... (the name goes after it)
	local n out rc fails=""
	for n in "../x" "/abs" "$OUT/abs" ".." "" "a;touch pwned-5" "\$(touch pwned-6)" "a
b" "a b" "$long"; do
		out=$(xn "$@" "$n" 2>&1 >/dev/null)
		rc=$?
		if [ "$rc" -ne 2 ] || [ "$(printf '%s\n' "$out" | grep -vc '^usage: ')" -ne 1 ] ||
		    ! printf '%s\n' "$out" | head -1 | grep -q '^xhinv[a-z ]*: machine name '; then
			fails="$fails [$(printf '%s' "$n" | cut -c1-20 | tr '\n' '?')] status $rc: $out;"
		fi
	done
	T_N=$((T_N + 1))
	if [ -z "$fails" ]; then
		echo "ok $T_N - $* refuses every bad name with one line"
	else
		echo "not ok $T_N - $* refuses every bad name with one line"
		printf '#   %s\n' "$fails"
		T_FAIL=$((T_FAIL + 1))
	fi
}
for c in rm "rm -f" ssh status ip inspect start stop kill restart; do
	names_refused $c
done
# disk resize NAME SIZE: the size after the name.
fails=""
for n in "../x" "/abs" ".." "a;touch pwned-7"; do
	out=$(xn disk resize "$n" 100 2>&1 >/dev/null)
	[ $? -eq 2 ] && printf '%s\n' "$out" | grep -q '^xhinv: machine name ' || fails="$fails $n: $out;"
done
is "$fails" "" "disk resize refuses them too"
is "$(snap)" "$before" "nothing appeared, changed or went next to the store or in the current directory"

### Modes of what create makes (umask 000: only the code's own modes count).
(umask 000 && x create m1 $XOPTS >/dev/null 2>"$STORE/err")
ok "create m1 (xhyve doubles)" test $? -eq 0 || show "$STORE/err"
M1=$STORE/machines/m1
is "$(stat -c %a "$STORE/machines")" 700 "the machines directory is 0700"
is "$(stat -c %a "$M1")" 700 "the machine directory is 0700"
is "$(stat -c %a "$M1/id_rsa")" 600 "id_rsa is 0600"
is "$(stat -c %a "$M1/id_rsa.pub")" 600 "id_rsa.pub is 0600"
is "$(stat -c %a "$M1/xhyve.log")" 600 "the hypervisor log is 0600"
ip=$(x ip m1)

### The plugin listens on 127.0.0.1 only (started as docker-machine does,
# inside the namespace, where m1's address is on lo).
ip netns exec "$NS" env MACHINE_PLUGIN_TOKEN=42 MACHINE_PLUGIN_DRIVER_NAME=xhyve \
	XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=30000 "$PLUGIN" </dev/null \
	>"$STORE/plugin.out" 2>"$STORE/plugin.err" &
PLUG=$!
for i in $(seq 200); do
	[ -s "$STORE/plugin.out" ] && break
	sleep 0.025
done
addr=$(head -1 "$STORE/plugin.out")
like "$addr" '^127\.0\.0\.1:[0-9]+$' "the plugin announces 127.0.0.1:PORT ($addr)"
port=${addr##*:}
is "$(readlink "/proc/$PLUG/exe")" "$(readlink -f "$PLUGIN")" "the pid is the plugin's"
# Its listening sockets, from the kernel's tables (state 0A: LISTEN).
inodes=$(ls -l "/proc/$PLUG/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
listening=$(for t in tcp tcp6; do
	awk -v t="$t" -v ino=" $inodes" '$4 == "0A" && index(ino, " " $10 " ") { print t, $2 }' \
		"/proc/$PLUG/net/$t"
done)
is "$listening" "tcp 0100007F:$(printf %04X "$port")" \
	"its only listening socket is IPv4 127.0.0.1:$port (not 0.0.0.0, not ::)"
ip netns exec "$NS" timeout 2 bash -c "exec 3<>/dev/tcp/$ip/$port" 2>/dev/null
ok "a connection to another local address ($ip) is refused" test $? -ne 0
resp=$(ip netns exec "$NS" timeout 2 bash -c \
	"exec 3<>/dev/tcp/127.0.0.1/$port && printf 'CONNECT /_goRPC_ HTTP/1.0\n\n' >&3 && head -c 34 <&3")
is "$resp" "HTTP/1.0 200 Connected to Go RPC" "one to 127.0.0.1 is answered"
stop_plugin

### No shell: no call in the sources that would start one...
shell_uses() {
	grep -rnE --include='*.c' --include='*.h' \
		'\b(system|popen|wordexp)[[:space:]]*\(|\bexecl[ep]?[[:space:]]*\(|"(/usr)?(/bin/)?(ba|da|z)?sh"|sh -c' "$@"
}
mkdir "$STORE/sample"
printf '%s\n' 'x = system("ls");' 'f = popen(cmd, "r");' 'execl("/bin/sh", "sh", "-c", s, NULL);' \
	'char *v[] = { "sh", "-c", s };' > "$STORE/sample/bad.c"
is "$(shell_uses "$STORE/sample" | wc -l)" 4 "the source check finds system, popen, execl and an argv with sh -c"
hits=$(shell_uses "$TOP/src" "$TOP/plugin")
is "$hits" "" "src/ and plugin/ have none of them"

# ...and strings full of shell syntax passed where they reach child
# processes (xhyve's argv, the guest's mount script) and files: an ISO
# path, a 9p share, a kernel command line; and a name with a leading '-'.
# Canaries are relative: a shell would make them in the current directory.
SB=$STORE/sandbox
mkdir -p "$SB/bin"
meta=" ;touch pwned-a;\$(touch pwned-b)\`touch pwned-c\`|touch pwned-d&'\"<x>"
weird_iso="$SB/b2d$meta.iso"
ln -s "$ISO" "$weird_iso"
share="$SB/share$meta"
mkdir "$share"
cmdline="console=ttyS0 $meta \$(touch $OUT/pwned-e)"
(cd "$SB" && PATH=$XD/bin:$PATH FAKE_SSH_LOG=$STORE/ssh.log x create $XOPTS \
	--iso "$weird_iso" --share "$share" --cmdline "$cmdline" -- -d >/dev/null 2>"$STORE/err")
ok "create -d with shell syntax in its ISO path, share and command line" test $? -eq 0 ||
	show "$STORE/err"
ok "its directory is machines/-d, in the store" test -d "$STORE/machines/-d"
pid=$(sql "SELECT pid FROM machines WHERE name = '-d' AND removed IS NULL")
args=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null)
ok "xhyve got the share path as one argument, verbatim" \
	grep -qxF -- "5,virtio-9p,host-0=$share" <<<"$args"
ok "and the command line, verbatim" grep -qF -- ",$cmdline" <<<"$args"
# Run the guest's mount script in a real shell with a logging sudo.
script=$(awk '/^==end==$/ { exit } go { print } /^docker@/ { getline; go = 1 }' "$STORE/ssh.log")
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >> %s/sudo.log\n' "$SB" > "$SB/bin/sudo"
printf '#!/bin/sh\necho 1000\n' > "$SB/bin/id"
chmod +x "$SB/bin/sudo" "$SB/bin/id"
(cd "$SB" && PATH=$SB/bin:/usr/bin:/bin sh -c "$script" >/dev/null 2>&1)
ok "the guest's mount script, run by sh, passes the share's guest path as one word" \
	grep -qxF -- "/xhyve-virtio9p$share" "$SB/sudo.log"
is "$(find "$SB" "$OUT" -name 'pwned-*' | wc -l)" 0 "no canary command ran (current directory and \$OUT)"
x rm -- -d >/dev/null 2>"$STORE/err"
ok "rm -- -d removes it" test $? -eq 0 || show "$STORE/err"
ok "and its directory" test ! -e "$STORE/machines/-d"

### xhinv sql is read-only unless --write is given.
dump() { sqlite3 "$STORE/xhinv.db" .dump | sha256sum; }
d0=$(dump)
v0=$(sqlite3 "$STORE/xhinv.db" 'PRAGMA user_version')
# SQLite's authorizer decides as the statement compiles; what it has no
# say on (VACUUM) sqlite3_stmt_readonly refuses.
writes='(.* is not allowed \(xhinv sql reads; see xhinv help sql\)|this statement writes; xhinv sql is read-only unless --write is given)'
for q in "DELETE FROM machine" "UPDATE machine SET cpus = 2 WHERE name = 'm1'" \
	"INSERT INTO machine SELECT * FROM machine WHERE 0" "DROP TABLE event" \
	"CREATE TABLE t (x)" "PRAGMA journal_mode = DELETE" "PRAGMA user_version = 99" \
	"VACUUM INTO '$OUT/vacuum.db'" "REPLACE INTO machine SELECT * FROM machine" \
	"WITH x AS (SELECT 1) DELETE FROM event" "PRAGMA writable_schema = 1" \
	"PRAGMA query_only = 0" "PRAGMA temp_store_directory = '$OUT'"; do
	refused "sql refuses without --write: $q" "^xhinv: sql: $writes\$" -- x sql "$q"
done
refused "sql refuses ATTACH of a new file" '^xhinv: sql: ATTACH is not allowed' \
	-- x sql "ATTACH DATABASE '$OUT/attach.db' AS y"
refused "and ATTACH of a URI asking for read-write-create" '^xhinv: sql: ATTACH is not allowed' \
	-- x sql "ATTACH DATABASE 'file:$OUT/uri.db?mode=rwc' AS y"
refused "sql refuses load_extension" '^xhinv: sql: the function load_extension\(\) is not allowed' \
	-- x sql "SELECT load_extension('$OUT/evil.so')"
refused "sql refuses fts3_tokenizer (it would leak a pointer)" \
	'^xhinv: sql: the function fts3_tokenizer\(\) is not allowed' \
	-- x sql "SELECT hex(fts3_tokenizer('simple'))"
for q in "DROP TRIGGER event_no_delete" "DROP TRIGGER event_no_update" "DROP TABLE event" \
	"ALTER TABLE event RENAME TO old_event" "CREATE TRIGGER t AFTER INSERT ON machine BEGIN SELECT 1; END" \
	"PRAGMA writable_schema = 1"; do
	refused "sql --write never changes the schema: $q" '^xhinv: sql: .* is not allowed \(xhinv sql reads and, with --write, changes rows' \
		-- x sql --write "$q"
done
refused "sql --write cannot delete the history (its trigger)" '^xhinv: sql: ' \
	-- x sql --write "DELETE FROM event"
refused "sql refuses a second statement after a read" '^xhinv: sql: give one statement at a time' \
	-- x sql "SELECT 1; DELETE FROM machine"
is "$(dump)" "$d0" "the database is unchanged (its dump)"
is "$(sqlite3 "$STORE/xhinv.db" 'PRAGMA user_version; PRAGMA journal_mode')" "$v0
wal" "user_version and journal_mode are unchanged"
is "$(ls "$OUT" | grep -c '\.db$')" 0 "no database file was made outside the store"
x sql --write "UPDATE machine SET cpus = 2 WHERE name = 'm1'" >/dev/null 2>"$STORE/err"
ok "with --write the UPDATE runs" test $? -eq 0 || show "$STORE/err"
is "$(sql "SELECT cpus FROM machine WHERE name = 'm1'")" 2 "and changed the row"
ok "which the dump sees" test "$(dump)" != "$d0"
x sql --write "UPDATE machine SET cpus = 1 WHERE name = 'm1'" >/dev/null

### Symbolic links planted in a machine directory (xhinv runs as root on a
# store its user can write: nothing outside may be written through them).
x stop m1 >/dev/null 2>&1
ok "m1 stopped" test "$(x status m1)" = stopped
mv "$M1/m1.rawdisk" "$STORE/m1.rawdisk"
truncate -s 100M "$OUT/big"
ln -s "$OUT/big" "$M1/m1.rawdisk"
refused "disk resize refuses a disk that is a symbolic link" 'm1\.rawdisk' -- x disk resize m1 80
is "$(stat -c %s "$OUT/big")" 104857600 "the file it points to keeps its size (not truncated to 80 MB)"
rm "$M1/m1.rawdisk"
mv "$STORE/m1.rawdisk" "$M1/m1.rawdisk"
x disk resize m1 80 >/dev/null 2>"$STORE/err"
ok "the real disk still grows" test $? -eq 0 || show "$STORE/err"
is "$(stat -c %s "$M1/m1.rawdisk")" 83886080 "to 80 MB"

# The hypervisor log, appended to at every start.
canary "$OUT/log"
mv "$M1/xhyve.log" "$STORE/xhyve.log"
ln -s "$OUT/log" "$M1/xhyve.log"
t0=$(tree)
fails "start refuses a log that is a symbolic link" \
	"^xhinv: cannot open $M1/xhyve\.log: Too many levels of symbolic links\$" -- x start m1
same_tree "$t0" "nothing outside was written"
is "$(x status m1)" stopped "m1 did not start"
rm "$M1/xhyve.log"
mv "$STORE/xhyve.log" "$M1/xhyve.log"
x stop m1 >/dev/null 2>&1	# (only if that start ran after all)

# The pid file and the exit-code file's temporary name.
canary "$OUT/pid"
canary "$OUT/exit"
ln -s "$OUT/pid" "$M1/m1.pid"
ln -s "$OUT/exit" "$M1/m1.exit.tmp"
t0=$(tree)
x start m1 >/dev/null 2>"$STORE/err"
ok "start with a planted pid file link and exit-file link" test $? -eq 0 || show "$STORE/err"
x stop m1 >/dev/null 2>"$STORE/err"
ok "stop" test $? -eq 0 || show "$STORE/err"
same_tree "$t0" "neither the pid file nor the exit code went outside"
is "$(sql "SELECT json_extract(detail, '$.exit_code') FROM event WHERE kind = 'stop' AND machine_id = $(mid m1) ORDER BY id DESC LIMIT 1")" \
	1 "and xhyve's exit code was still recorded"

# The machines directory itself replaced by a link to elsewhere, holding
# a directory named as a live machine (m1) and one as a removed one (-d).
mkdir -p "$OUT/machines/m1" "$OUT/machines/-d"
canary "$OUT/machines/m1/id_rsa"
canary "$OUT/machines/-d/keep"
mv "$STORE/machines" "$STORE/machines.real"
ln -s "$OUT/machines" "$STORE/machines"
t0=$(tree)
refused "rm refuses while machines/ is a symbolic link" 'machines' -- x rm m1
refused "rm -f too" 'machines' -- x rm -f m1
refused "create too" 'machines' -- x create c1 $XOPTS
refused "start too" 'machines' -- x start m1
refused "gc too" 'machines' -- x gc
same_tree "$t0" "nothing outside was made, written or deleted"
is "$(sql "SELECT count(*) FROM machine WHERE name = 'c1'")" 0 "no row for c1"
unplant

# locks/, cache/ and a cache entry's .part replaced by links: refused,
# never followed (nothing is created or written outside).
mkdir -p "$OUT/locks" "$OUT/cache"
canary "$OUT/cache/target"
mv "$STORE/locks" "$STORE/locks.real"
ln -s "$OUT/locks" "$STORE/locks"
t0=$(tree)
refused "a command taking a lock refuses locks/ as a symbolic link" \
	"$STORE/locks is a symbolic link: refusing to use it" -- x stop m1
same_tree "$t0" "no lock file was made outside the store"
rm "$STORE/locks"
mv "$STORE/locks.real" "$STORE/locks"
url=http://127.0.0.1:9/planted.iso
key=$(printf '%s' "$url" | sha256sum | cut -c1-20)
mkdir -p "$STORE/cache"
ln -s "$OUT/cache/target" "$STORE/cache/$key.part"
t0=$(tree)
refused "cache pull refuses a .part that is a symbolic link" \
	"$key\.part: Too many levels of symbolic links" -- x cache pull "$url"
same_tree "$t0" "the file it pointed to is untouched"
rm "$STORE/cache/$key.part"
mv "$STORE/cache" "$STORE/cache.real"
ln -s "$OUT/cache" "$STORE/cache"
t0=$(tree)
refused "cache pull refuses cache/ as a symbolic link" \
	"$STORE/cache is a symbolic link: refusing to use it" -- x cache pull "$url"
same_tree "$t0" "nothing was made in the directory it pointed to"
rm "$STORE/cache"
mv "$STORE/cache.real" "$STORE/cache"

# A machine directory replaced by a link: rm removes the link, not what it
# points to.
mkdir "$OUT/m1"
canary "$OUT/m1/id_rsa"
canary "$OUT/m1/m1.rawdisk"
mv "$M1" "$STORE/m1.real"
ln -s "$OUT/m1" "$M1"
t0=$(tree)
out=$(x rm m1 2>&1)
rc=$?
same_tree "$t0" "rm of a machine whose directory is a link deletes nothing outside"
ok "and the link is gone (or rm refused, saying why)" \
	test ! -L "$M1" -o "$rc" -ne 0 || diag "$out"
rm -rf "$M1" "$STORE/m1.real"

# A link planted where create would make the machine directory.
mkdir "$OUT/s1"
chmod 0755 "$OUT/s1"
canary "$OUT/s1/keep"
ln -s "$OUT/s1" "$STORE/machines/s1"
t0=$(tree)
refused "create refuses a machine directory that is a symbolic link" 'machines/s1' -- x create s1 $XOPTS
same_tree "$t0" "the directory it points to is untouched (mode, files)"
# docker-machine makes the machine directory before Create, so the plugin
# accepts an existing directory: but not a link.
ln -s "$OUT/s1" "$STORE/machines/p1"
out=$(ip netns exec "$NS" "$TOP/build/rpcclient" -plugin "$PLUGIN" -store "$STORE" -name p1 \
	-sequence create -heartbeat 1s -poll 1s -flag xhyve-backend=xhyve \
	-flag xhyve-boot2docker-url="$ISO" -flag xhyve-memory-size=256 \
	-flag xhyve-disk-size=64 -flag xhyve-cpu-count=1 -wait-exit 10s 2>&1)
like "$(printf '%s\n' "$out" | grep '^call Create ')" '^call Create -> error: .*machines/p1' \
	"the plugin's Create refuses a machine directory that is a symbolic link"
same_tree "$t0" "and writes nothing through it"
is "$(x ls -q | grep -c '^p1$')" 0 "p1 is not a live machine"
rm -f "$STORE/machines/s1" "$STORE/machines/p1"
# A real directory docker-machine made (mode 0755 here) is used, and made
# 0700.
mkdir -m 0755 "$STORE/machines/p2"
cfg='{"MachineName":"p2","StorePath":"'$STORE'","Boot2DockerURL":"'$ISO'","CPU":1,"Memory":256,"DiskSize":64,"Backend":"xhyve","Network":"shared"}'
out=$(ip netns exec "$NS" "$TOP/build/rpcclient" -plugin "$PLUGIN" -sequence calls \
	-call "SetConfigRaw bytes $cfg" -call Create -wait-exit 10s 2>&1)
like "$out" '^call Create -> ok' "the plugin's Create accepts a directory docker-machine made" ||
	diag "$out"
is "$(stat -c %a "$STORE/machines/p2")" 700 "and makes it 0700"
is "$(stat -c %a "$STORE/machines/p2/id_rsa")" 600 "its key is 0600"
x rm -f p2 >/dev/null 2>&1

### QEMU: its log (opened by us) and its serial console file (opened by
# QEMU, which truncates it) must not follow planted links either.
# The fake guests left their addresses on lo: QEMU's network must not
# reach them instead of its guest.
ip -n "$NS" addr flush dev lo scope global
XHINV_SUBNET=192.168.77.0/24 x create q1 --iso "$ISO" $VMOPTS >/dev/null 2>"$STORE/err"
ok "create q1 (QEMU)" test $? -eq 0 || show "$STORE/err"
x kill q1 >/dev/null 2>&1
Q1=$STORE/machines/q1
canary "$OUT/qlog"
canary "$OUT/qconsole"
mv "$Q1/qemu.log" "$STORE/qemu.log"
ln -s "$OUT/qlog" "$Q1/qemu.log"
rm -f "$Q1/console.log"
ln -s "$OUT/qconsole" "$Q1/console.log"
t0=$(tree)
fails "start refuses a QEMU log that is a symbolic link" \
	"^xhinv: cannot open $Q1/qemu\.log: Too many levels of symbolic links\$" -- x start q1
is "$(x status q1)" stopped "q1 did not start"
x kill q1 >/dev/null 2>&1	# (only if that start ran after all)
rm "$Q1/qemu.log"
mv "$STORE/qemu.log" "$Q1/qemu.log"
t0=$(tree)
x start q1 --timeout 3 >/dev/null 2>&1
same_tree "$t0" "QEMU's serial console did not truncate or write the file a link pointed to"
ok "the console log is a file of the machine's own" test -f "$Q1/console.log" -a ! -L "$Q1/console.log"

### dnsmasq starts as root and opens its lease and log files then: they
# must be in a network directory only root can write, reached without
# following links, and a link in place of one is removed, never followed.
# Once bound it runs unprivileged.
x stop q1 > /dev/null 2>&1
x network down > /dev/null 2>&1
NETD=$STORE/network/shared
canary "$OUT/leases-target"
canary "$OUT/log-target"
ln -sf "$OUT/leases-target" "$NETD/dnsmasq.leases"
ln -sf "$OUT/log-target" "$NETD/dnsmasq.log"
t0=$(tree)
x start q1 > "$STORE/err" 2>&1
ok "q1 starts (dnsmasq with it)" test $? -eq 0 || show "$STORE/err"
same_tree "$t0" "dnsmasq wrote its lease and log files, not through the planted links"
ok "its lease file is a file of its own" test -f "$NETD/dnsmasq.leases" -a ! -L "$NETD/dnsmasq.leases"
dpid=$(sql "SELECT pid FROM process WHERE role = 'dhcp' AND ended_at IS NULL")
is "$(awk '/^Uid:/ { print $2 " " $3 }' "/proc/$dpid/status" 2>&1)" "65534 65534" \
	"dnsmasq runs as nobody once bound (root's store, reachable by others)"
ok "and logs through the descriptor it was given" grep -q "dnsmasq.*started, version" "$NETD/dnsmasq.log"
: > "$NETD/dnsmasq.log"
kill -HUP "$dpid"
sleep 0.5
like "$(cat "$NETD/dnsmasq.log")" "read $(realpath "$NETD")/dnsmasq\.hosts" "as nobody it can re-read the reservations"
ok "... without a permission error" sh -c "! grep 'cannot read' '$NETD/dnsmasq.log'"
ok "no pid file in the network directory (it is written in a private one)" test ! -e "$NETD/dnsmasq.pid"
x stop q1 > /dev/null 2>&1
x network down > /dev/null 2>&1
mv "$NETD" "$NETD.real"
mkdir "$NETD"
chown 65534:65534 "$NETD"
ln -s "$OUT/log-target" "$NETD/dnsmasq.log"
t0=$(tree)
fails "a network directory another user owns is refused" \
	"^xhinv: network directory $NETD is not a directory of uid 0 that only it can write" -- x start q1
same_tree "$t0" "and nothing outside was written"
rm -rf "$NETD"
mv "$NETD.real" "$NETD"
# The directory swapped for a link to another directory root owns.
mkdir -p "$OUT/net/shared"
mv "$STORE/network" "$STORE/network.real"
ln -s "$OUT/net" "$STORE/network"
t0=$(tree)
fails "a network directory reached through a link is refused" \
	"^xhinv: $STORE/network is a symbolic link: refusing to use it" -- x start q1
same_tree "$t0" "and nothing there was written"
rm "$STORE/network"
mv "$STORE/network.real" "$STORE/network"
# A store only root can pass through: dnsmasq then keeps root (it could
# not re-read the reservations), and says nothing about it.
chmod 0700 "$STORE"
x start q1 > "$STORE/err" 2>&1
ok "q1 starts in a store of mode 0700" test $? -eq 0 || show "$STORE/err"
dpid=$(sql "SELECT pid FROM process WHERE role = 'dhcp' AND ended_at IS NULL")
is "$(awk '/^Uid:/ { print $2 }' "/proc/$dpid/status" 2>&1)" 0 "dnsmasq keeps root there"
x stop q1 > /dev/null 2>&1
x network down > /dev/null 2>&1
chmod 0711 "$STORE"
x rm -f q1 >/dev/null 2>&1

### Paths are derived, not trusted: an edited inventory naming files
# outside the machine's directory (a root-only file as the disk, the
# kernel, initrd and ISO) names the machine's own files instead.
x create t3 $XOPTS > /dev/null 2>&1
ok "create t3 (xhyve double)" test $? -eq 0
x stop t3 > /dev/null 2>&1
for f in disk kernel initrd iso; do canary "$OUT/$f"; done
x sql --write "UPDATE machine SET kernel = '$OUT/kernel', initrd = '$OUT/initrd', iso = '$OUT/iso',
	dir = '$OUT' WHERE name = 't3'" > /dev/null
x sql --write "UPDATE disk SET path = '$OUT/disk' WHERE machine_id = (SELECT id FROM machine WHERE name = 't3')" > /dev/null
t0=$(tree)
out=$(x start t3 2>&1)
ok "start of the edited machine fails" test $? -ne 0
is "$out" "xhinv: cannot use $STORE/machines/t3/iso: No such file or directory" \
	"naming the file in its own directory"
x rm -f t3 > /dev/null 2>&1
same_tree "$t0" "nothing the rows named outside was opened, written or removed (start, rm)"

### A store or inventory another user could have planted: root refuses it.
# (The user replaced xhinv.db with a copy naming a root-only file as a
# disk, and root's xhinv start handed it to QEMU.)
S2=$OUT/owned
"$XHINV" -s "$S2" sql --write "INSERT INTO machine (name, uuid, backend, status, cpus, memory_mb,
	disk_mb, dir, created_at) VALUES ('a', 'u', 'qemu', 'ready', 1, 64, 32, '/x', 0)" > /dev/null
chown -R 65534:65534 "$S2"
refused "root refuses a store another user owns" \
	"^xhinv: store $S2 belongs to uid 65534, not to you \(uid 0\) or root: refusing to use it" \
	-- "$XHINV" -s "$S2" ls
chown 0:0 "$S2"
refused "and an inventory another user owns in its own store" \
	"^xhinv: inventory $S2/xhinv\.db belongs to uid 65534" -- "$XHINV" -s "$S2" sql "SELECT 1"
chown -R 0:0 "$S2"
chmod 0707 "$S2"
refused "a store others can write" "^xhinv: store $S2 is writable by others \(mode 707\)" \
	-- "$XHINV" -s "$S2" ls
chmod 0700 "$S2"
mv "$S2/xhinv.db" "$OUT/real.db"
ln -s "$OUT/real.db" "$S2/xhinv.db"
refused "an inventory that is a symbolic link" "^xhinv: inventory $S2/xhinv\.db is a symbolic link" \
	-- "$XHINV" -s "$S2" ls
rm "$S2/xhinv.db"
mv "$OUT/real.db" "$S2/xhinv.db"
is "$("$XHINV" -s "$S2" sql "SELECT name FROM machine" | tail -1)" a "root's own store works"
# The user's own store, as the user (setuid-style: real uid the user).
chown -R 65534:65534 "$S2"
chmod 0755 "$OUT"
out=$(setpriv --ruid 65534 --euid 0 -- "$XHINV" -s "$S2" sql "SELECT name FROM machine" 2>&1)
is "$(printf '%s\n' "$out" | tail -1)" a "a user's own store, run setuid-style by that user, works"
out=$(setpriv --reuid 65534 --regid 65534 --clear-groups -- "$XHINV" -s "$S2" sql "SELECT name FROM machine" 2>&1)
is "$(printf '%s\n' "$out" | tail -1)" a "and as the user alone"
chmod 0700 "$OUT"
done_testing
