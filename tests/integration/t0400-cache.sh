#!/bin/bash
# The ISO cache against real servers on 127.0.0.1: nginx (Range, ETag,
# Last-Modified) and tests/httpd's faultd (dropped connections, short
# bodies, error statuses, GitHub API answers). Counts come from the
# servers' own access logs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd.sh"
need_root
trap 'nginx_stop; faultd_stop; [ -n "${FULL:-}" ] && umount "$FULL" 2>/dev/null; cleanup' EXIT

ROOT=$STORE/www
mkdir -p "$ROOT/files" "$ROOT/releases/boot2docker" "$ROOT/releases/acme"

# mkiso OUT LAYOUT [EXTRA]: a small boot2docker-style ISO (8 MB of padding,
# so a transfer can be dropped part way). LAYOUT 1806: boot/vmlinuz64 and
# boot/isolinux/isolinux.cfg; 1809: boot/vmlinuz and isolinux/isolinux.cfg.
mkiso() {
	local d=$STORE/isotree.$$ out=$1
	rm -rf "$d"
	mkdir -p "$d/boot"
	head -c 8388608 /dev/urandom > "$d/boot/pad.bin"
	echo "${3:-initrd}" > "$d/boot/initrd.img"
	if [ "$2" = 1806 ]; then
		echo kernel > "$d/boot/vmlinuz64"
		mkdir -p "$d/boot/isolinux"
		printf 'label b2d\n\tkernel /boot/vmlinuz64\n\tappend loglevel=3 base norestore\n' \
			> "$d/boot/isolinux/isolinux.cfg"
	else
		echo kernel > "$d/boot/vmlinuz"
		mkdir -p "$d/isolinux"
		printf 'label b2d\n\tkernel /boot/vmlinuz\n\tappend loglevel=3 waitusb=5 base\n' \
			> "$d/isolinux/isolinux.cfg"
	fi
	xorriso -as mkisofs -quiet -R -J -V "b2d-v$2" -o "$out" "$d" 2>/dev/null
	rm -rf "$d"
}
mkiso "$ROOT/files/b2d.iso" 1806
mkiso "$ROOT/files/b2d-1809.iso" 1809
mkiso "$ROOT/files/other.iso" 1806 other
cp "$ROOT/files/b2d.iso" "$ROOT/files/resume.iso"
head -c 40000 /dev/urandom > "$ROOT/files/notiso.bin"
d=$STORE/nokernel
mkdir -p "$d/boot/isolinux"
echo x > "$d/boot/initrd.img"
printf '\tappend base\n' > "$d/boot/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -R -V nok -o "$ROOT/files/nokernel.iso" "$d" 2>/dev/null
SIZE=$(stat -c %s "$ROOT/files/b2d.iso")
SHA=$(sha256sum "$ROOT/files/b2d.iso" | cut -d' ' -f1)

nginx_start "$ROOT/files" || bail "cannot start nginx"
faultd_start "$ROOT" || bail "cannot start faultd"
N=$NGINX_URL
F=$FAULTD_URL
export XHINV_GITHUB_API=$F/api

# --- first fetch, revalidation -------------------------------------------
out=$(x cache pull "$N/b2d.iso" 2>"$STORE/err")
ok "first pull succeeds" test $? -eq 0 || show "$STORE/err"
entry=$(echo "$out" | cut -d' ' -f1)
entry_meta=${entry%.iso}.meta
is "$(echo "$out" | cut -d' ' -f3)" "$SHA" "it reports the file's sha256"
is "$(sha256sum "$entry" | cut -d' ' -f1)" "$SHA" "the cache holds the file"
is "$(log_body_bytes "$NGINX_LOG" '^/b2d\.iso$')" "$SIZE" "one body transfer so far"
x cache pull "$N/b2d.iso" >/dev/null 2>&1
ok "an unchanged re-fetch succeeds" test $? -eq 0
is "$(log_count "$NGINX_LOG" '^/b2d\.iso$' 304)" 1 "it was a conditional request answered 304"
is "$(log_body_bytes "$NGINX_LOG" '^/b2d\.iso$')" "$SIZE" "and transferred no body"
like "$(tail -1 "$NGINX_LOG")" 'W?"[0-9a-f-]+"' "the request carried the ETag (If-None-Match)"
ls_out=$(x cache ls)
like "$ls_out" "^8\.[0-9]M +${SHA:0:12} .* 0  $N/b2d\.iso" "cache ls: size, sha256, users, URL"
like "$(x cache ls --json)" "\"sha256\": \"$SHA\"" "cache ls --json"
is "$(sql "SELECT count(*) FROM image WHERE url = '$N/b2d.iso' AND etag IS NULL AND sha256 = '$SHA'")" 1 \
	"the inventory records URL and sha256, not the ETag (the cache's own)"
like "$(cat "$entry_meta")" '"etag": *"W?\\?"[0-9a-f-]+' "the cache's .meta holds the ETag"
perm=$(stat -c %a "$STORE/cache")
is "$perm" 700 "the cache directory is 0700"

# --- a changed remote --------------------------------------------------------
mkiso "$ROOT/files/b2d.iso" 1806 changed
SHA2=$(sha256sum "$ROOT/files/b2d.iso" | cut -d' ' -f1)
out=$(x cache pull "$N/b2d.iso" 2>/dev/null)
is "$(echo "$out" | cut -d' ' -f3)" "$SHA2" "a changed remote is downloaded again"
is "$(log_count "$NGINX_LOG" '^/b2d\.iso$' 200)" 2 "with a full 200 answer"
is "$(sha256sum "$entry" | cut -d' ' -f1)" "$SHA2" "and replaces the entry"

# --- resume ---------------------------------------------------------------
out=$(x cache pull "$F/drop/1000000/files/resume.iso" 2>"$STORE/err")
ok "a transfer dropped after 1 MB completes in the same run" test $? -eq 0 || show "$STORE/err"
is "$(echo "$out" | cut -d' ' -f3)" "$SHA" "with the right content"
is "$(log_count "$FAULTD_LOG" '^/drop/1000000/' 206)" 1 "the second request was a range (206)"
is "$(log_body_bytes "$FAULTD_LOG" '^/drop/1000000/')" "$SIZE" \
	"1 MB plus the rest: nothing transferred twice"
like "$(grep '^GET	/drop/1000000/.*	206	' "$FAULTD_LOG")" '	bytes=1000000-	"' \
	"the resume asked for bytes=1000000- with If-Range"

out=$(XHINV_DOWNLOAD_ATTEMPTS=1 x cache pull "$F/drop/2000000/files/resume.iso" 2>&1)
ok "a single attempt that drops fails" test $? -eq 1
like "$out" 'cannot download .*/drop/2000000/files/resume.iso: .*run again to resume' \
	"saying the part is kept"
ok "the partial file is there" sh -c "ls '$STORE'/cache/*.part >/dev/null 2>&1"
out=$(x cache pull "$F/drop/2000000/files/resume.iso" 2>"$STORE/err")
ok "the next run resumes it" test $? -eq 0 || show "$STORE/err"
is "$(echo "$out" | cut -d' ' -f3)" "$SHA" "to the right content"
is "$(log_body_bytes "$FAULTD_LOG" '^/drop/2000000/')" "$SIZE" "transferring only the rest"
ok "and leaves no partial file" sh -c "! ls '$STORE'/cache/*.part >/dev/null 2>&1"

XHINV_DOWNLOAD_ATTEMPTS=1 x cache pull "$F/drop/3000000/files/other.iso" >/dev/null 2>&1
mkiso "$ROOT/files/other.iso" 1806 other-changed
SHA3=$(sha256sum "$ROOT/files/other.iso" | cut -d' ' -f1)
out=$(x cache pull "$F/drop/3000000/files/other.iso" 2>/dev/null)
is "$(echo "$out" | cut -d' ' -f3)" "$SHA3" "a part of a file that changed since is thrown away"
is "$(log_count "$FAULTD_LOG" '^/drop/3000000/' 200)" 2 "If-Range failed, the whole new file came (200)"

# --- checksums --------------------------------------------------------------
out=$(x cache pull --sha256 "$(printf '0%.0s' $(seq 64))" "$N/b2d-1809.iso" 2>&1)
ok "a checksum mismatch fails" test $? -eq 1
like "$out" "sha256 of $N/b2d-1809.iso is [0-9a-f]{64}, expected 0{64}: the download was discarded" \
	"naming the URL and both sums"
is "$(sql "SELECT count(*) FROM image WHERE url = '$N/b2d-1809.iso'")" 0 "nothing was recorded"
ok "no partial file is left" sh -c "! ls '$STORE'/cache/*.part >/dev/null 2>&1"
SHA1809=$(sha256sum "$ROOT/files/b2d-1809.iso" | cut -d' ' -f1)
out=$(x cache pull "$N/b2d-1809.iso#sha256=$SHA1809" 2>&1)
ok "a #sha256= suffix with the right sum is accepted" test $? -eq 0 || echo "$out" | show
out=$(x cache pull "$N/b2d.iso#sha256=$SHA" 2>&1)
ok "a pinned sum that no longer matches the remote fails" test $? -eq 1
is "$(sha256sum "$entry" | cut -d' ' -f1)" "$SHA2" "and the good entry stays intact"

# --- both layouts ------------------------------------------------------------
is "$(sql "SELECT kernel || ' ' || initrd || ' | ' || cmdline FROM image WHERE url = '$N/b2d-1809.iso'")" \
	"boot/vmlinuz boot/initrd.img | loglevel=3 waitusb=5 base" \
	"18.09 layout: boot/vmlinuz, isolinux/isolinux.cfg"
is "$(sql "SELECT kernel || ' ' || initrd || ' | ' || cmdline FROM image WHERE url = '$N/b2d.iso'")" \
	"boot/vmlinuz64 boot/initrd.img | loglevel=3 base norestore" \
	"18.06 layout: boot/vmlinuz64, boot/isolinux/isolinux.cfg"

# --- eight concurrent pulls ----------------------------------------------
cp "$ROOT/files/b2d-1809.iso" "$ROOT/files/eight.iso"
pids=""
for i in 1 2 3 4 5 6 7 8; do
	x cache pull "$N/eight.iso" >"$STORE/p$i.out" 2>"$STORE/p$i.err" &
	pids="$pids $!"
done
wait $pids	# not a bare wait: the servers are background jobs too
okc=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(cut -d' ' -f3 "$STORE/p$i.out")" = "$SHA1809" ] && okc=$((okc + 1))
done
is "$okc" 8 "eight concurrent pulls all succeed"
is "$(log_count "$NGINX_LOG" '^/eight\.iso$' 200)" 1 "with one download"
is "$(log_body_bytes "$NGINX_LOG" '^/eight\.iso$')" "$(stat -c %s "$ROOT/files/eight.iso")" \
	"and one body's worth of bytes"

# --- GitHub releases/latest ------------------------------------------------
cat > "$ROOT/releases/boot2docker/boot2docker.json" <<EOF
{"tag_name": "v19.03.12", "html_url": "https://github.com/boot2docker/boot2docker/releases/tag/v19.03.12",
 "assets": [{"name": "boot2docker.iso", "browser_download_url": "$N/b2d-1809.iso"}]}
EOF
out=$(GITHUB_TOKEN=s3cret x cache pull 2>&1)
ok "no source: the latest boot2docker release is found and fetched" test $? -eq 0 || echo "$out" | show
like "$out" ' v19\.03\.12$' "with its tag"
like "$(grep '/api/repos/boot2docker/boot2docker/releases/latest' "$FAULTD_LOG")" '	token s3cret$' \
	"GITHUB_TOKEN is sent to the API"
out=$(x cache pull 2>/dev/null)
is "$(log_count "$FAULTD_LOG" '^/api/repos/boot2docker/' 304)" 1 "asking again is answered 304 (ETag kept)"
is "$(echo "$out" | cut -d' ' -f3)" "$SHA1809" "and gives the same image"

cat > "$ROOT/releases/acme/tools.json" <<EOF
{"tag_name": "v2.0", "assets": [{"name": "notes.txt", "browser_download_url": "$N/x"},
 {"name": "boot2docker.iso", "browser_download_url": "$N/b2d.iso"}]}
EOF
out=$(x cache pull "$F/api/v3/repos/acme/tools/releases/latest" 2>&1)
ok "a GitHub Enterprise releases/latest URL works" test $? -eq 0 || echo "$out" | show
like "$out" ' v2\.0$' "and picks the boot2docker.iso asset"

echo '{"name": "no tag here"}' > "$ROOT/releases/acme/notag.json"
out=$(x cache pull "$F/api/repos/acme/notag/releases/latest" 2>&1)
ok "an answer without tag_name fails" test $? -eq 1
like "$out" "$F/api/repos/acme/notag/releases/latest answered without a tag_name" "clearly"
echo '{"tag_name": ' > "$ROOT/releases/acme/broken.json"
out=$(x cache pull "$F/api/repos/acme/broken/releases/latest" 2>&1)
like "$out" "answered invalid JSON" "invalid JSON from the API fails clearly"
out=$(XHINV_GITHUB_API=$F/ratelimit x cache pull 2>&1)
ok "a rate-limited lookup with nothing cached fails" test $? -eq 1
like "$out" 'HTTP 403: \{"message":"API rate limit exceeded.*set GITHUB_TOKEN.*none is cached' \
	"saying why"
faultd_stop
out=$(x cache pull 2>&1)
ok "offline with a cached release: the create can go on" test $? -eq 0
like "$out" 'warning: cannot check the latest release at .*using the cached v19\.03\.12' \
	"with a one-line warning"
like "$(sql "SELECT kind FROM event ORDER BY id DESC LIMIT 1")" 'image-stale' "recorded in the history"
faultd_start "$ROOT"
F=$FAULTD_URL

# --- bad answers ------------------------------------------------------------
expect_fail() { # expect_fail PATTERN DESCRIPTION SOURCE [STATUS]
	local o st
	o=$(x cache pull "$3" 2>&1)
	st=$?
	T_N=$((T_N + 1))
	if [ "$st" -eq "${4:-1}" ] && [ "$(printf '%s\n' "$o" | wc -l)" -eq 1 ] &&
	    printf '%s\n' "$o" | grep -Eq -- "$1"; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		printf '%s\n' "$o" | show
		T_FAIL=$((T_FAIL + 1))
	fi
}
expect_fail "cannot download $N/missing.iso: HTTP 404" "404: one line naming the URL" "$N/missing.iso"
expect_fail "cannot download $F/status/500/x.iso: HTTP 500" "500" "$F/status/500/x.iso"
expect_fail "cannot download http://127\.0\.0\.1:9/x\.iso: .*(refused|Failed to connect)" \
	"connection refused" "http://127.0.0.1:9/x.iso"
expect_fail "cannot download $F/short/files/b2d-1809.iso: .*(transfer closed|bytes remaining)" \
	"a body shorter than Content-Length" "$F/short/files/b2d-1809.iso"
expect_fail "$N/notiso.bin: not an ISO 9660 image" "a file that is not an ISO" "$N/notiso.bin"
expect_fail "$N/nokernel.iso: the ISO has no kernel \(looked for vmlinuz64" \
	"an ISO without a kernel" "$N/nokernel.iso"
expect_fail "the only URL fragment understood is #sha256=" "a bad URL fragment (usage: 2)" \
	"$N/b2d.iso#md5=1" 2
expect_fail "use a path, file://, http:// or https://" "an unknown scheme (usage: 2)" \
	"ftp://example.invalid/x.iso" 2
ok "none of them left a cache entry" test "$(sql "SELECT count(*) FROM image WHERE url LIKE '%notiso%' OR url LIKE '%missing%' OR url LIKE '%nokernel%'")" = 0

NSD=xhdns$$
ip netns add "$NSD"
out=$(ip netns exec "$NSD" "$XHINV" -s "$STORE" cache pull http://nonexistent.invalid/b2d.iso 2>&1)
ip netns del "$NSD"
like "$out" 'cannot download http://nonexistent\.invalid/b2d\.iso: .*resolve' \
	"a name that does not resolve (in an empty namespace: no traffic leaves)"

# A full disk: nothing half-written stays, the store's other entries are fine.
FULL=$STORE/fullstore
mkdir -p "$FULL"
mount -t tmpfs -o size=4m,mode=0700 tmpfs "$FULL"   # a store: only its owner writes
out=$("$XHINV" -s "$FULL" cache pull "$N/b2d.iso" 2>&1)
ok "a full disk fails the download" test $? -eq 1
like "$out" 'No space left on device' "saying so"
ok "and leaves no partial file" sh -c "! ls '$FULL'/cache/*.part >/dev/null 2>&1"
umount "$FULL"
FULL=""

# --- prune ------------------------------------------------------------------
used=$(sql "SELECT id FROM image WHERE url = '$N/b2d.iso'")
x sql --write "INSERT INTO machine (name, uuid, backend, status, cpus, memory_mb, disk_mb, dir,
	created_at, image_id) VALUES ('user', 'u', 'qemu', 'ready', 1, 64, 32, '/x', 0, $used)" >/dev/null
head -c 1000 /dev/zero > "$STORE/cache/0123456789abcdef0123.part"
n_before=$(sql "SELECT count(*) FROM images WHERE removed IS NULL")
# orphan_locks: lock files whose entry has no ISO.
orphan_locks() {
	for l in "$STORE"/cache/*.lock; do
		[ -e "$l" ] && [ ! -e "${l%.lock}.iso" ] && echo "$l"
	done | wc -l
}
nlocks=$(orphan_locks)
ok "failed downloads left lock files without an entry ($nlocks)" test "$nlocks" -gt 0
out=$(x cache prune --dry-run)
like "$out" "would delete: lock file of a failed download .*\.lock \(0 bytes\)" \
	"prune --dry-run finds them"
like "$out" "would delete: partial download .*0123456789abcdef0123.part" "prune --dry-run finds the leftover part"
like "$out" "would delete: image $N/b2d-1809.iso" "and unused images"
ok "but not the one a machine uses" sh -c "! printf '%s' '$out' | grep -q 'image $N/b2d.iso '"
is "$(sql "SELECT count(*) FROM images WHERE removed IS NULL")" "$n_before" "dry run changes nothing"
x cache prune >/dev/null
is "$(sql "SELECT url FROM images WHERE removed IS NULL")" "$N/b2d.iso" "prune keeps only the used image"
is "$(sha256sum "$entry" | cut -d' ' -f1)" "$SHA2" "whose file is intact"
ok "the part is gone" test ! -e "$STORE/cache/0123456789abcdef0123.part"
is "$(orphan_locks)" 0 "and every lock file of a failed download"
is "$(ls "$STORE/cache" | grep -c '\.iso$')" 1 "one ISO left in the cache"
is "$(x cache prune)" "nothing to prune" "a second prune finds nothing"
done_testing
