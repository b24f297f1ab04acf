#!/bin/bash
# t0390-httpd-selftest: the test HTTP servers of httpd.sh, a real nginx and
# tests/httpd's faultd, answer as the download-cache tests expect. No VM;
# curl is the client; everything stays on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd.sh"
trap 'nginx_stop; faultd_stop; cleanup' EXIT

command -v curl >/dev/null 2>&1 || bail "needs curl"
command -v nginx >/dev/null 2>&1 || bail "needs nginx (apt-get install --no-install-recommends nginx)"

ROOT=$STORE/root	# 0700, as mktemp makes it: nginx's workers must still read it
W=$STORE/w
mkdir -p "$ROOT/releases/zchee" "$W"
SIZE=3000000
head -c $SIZE /dev/urandom >"$ROOT/test.iso"
REL=$ROOT/releases/zchee/docker-machine-driver-xhyve.json
printf '{"tag_name":"v0.4.0","assets":[{"name":"boot2docker.iso","browser_download_url":"http://127.0.0.1/x.iso"}]}\n' >"$REL"
SHA_ETAG="\"$(sha256sum "$ROOT/test.iso" | cut -c1-32)\""

# get NAME URL [CURL-ARGS...]: body in $W/NAME.body, headers in $W/NAME.hdr;
# sets rc (curl's exit status), code (HTTP status), size (body bytes read).
get() {
	local name=$1 url=$2 out
	shift 2
	out=$(curl -s --max-time 20 -o "$W/$name.body" -D "$W/$name.hdr" \
		-w '%{http_code} %{size_download}' "$@" "$url")
	rc=$?
	code=${out% *}
	size=${out#* }
}
# hdr NAME HEADER: that header's value in NAME's response.
hdr() {
	H=$2 awk '{ sub(/\r$/, "") } tolower(substr($0, 1, length(ENVIRON["H"]) + 2)) == tolower(ENVIRON["H"] ": ") {
		print substr($0, length(ENVIRON["H"]) + 3) }' "$W/$1.hdr"
}
# part FROM COUNT: bytes FROM.. of test.iso (COUNT 0: to the end)
part() {
	if [ "$2" -eq 0 ]; then tail -c +$(($1 + 1)) "$ROOT/test.iso"; else tail -c +$(($1 + 1)) "$ROOT/test.iso" | head -c "$2"; fi
}
same() {	# same NAME FROM COUNT: NAME's body is that part of test.iso
	part "$2" "$3" | cmp -s - "$W/$1.body"
}
# logline LOG PATH: the last log line for exactly PATH
logline() {
	P=$2 awk -F'\t' '$2 == ENVIRON["P"]' "$1" | tail -1
}
fields() {	# fields LOG: the distinct field counts of LOG's lines
	awk -F'\t' '{ print NF }' "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# ---- nginx ----------------------------------------------------------------
nginx_start "$ROOT"
ok "nginx_start" test $? -eq 0 || bail "nginx did not start"
like "$NGINX_URL" '^http://127\.0\.0\.1:[0-9]+$' "NGINX_URL is 127.0.0.1:PORT ($NGINX_URL)"
ok "NGINX_LOG exists" test -f "$NGINX_LOG"

get n_full "$NGINX_URL/test.iso"
is "$code $size" "200 $SIZE" "nginx: GET 200 with the whole file"
ok "nginx: body is the file" same n_full 0 0
etag=$(hdr n_full ETag)
like "$etag" '^"[0-9a-f]+-[0-9a-f]+"$' "nginx: ETag ($etag)"
like "$(hdr n_full Last-Modified)" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' "nginx: Last-Modified"
is "$(hdr n_full Content-Type)" application/octet-stream "nginx: .iso is application/octet-stream"

get n_304 "$NGINX_URL/test.iso" -H "If-None-Match: $etag"
is "$code $size" "304 0" "nginx: If-None-Match with the ETag: 304, no body"
get n_ims "$NGINX_URL/test.iso" -H "If-Modified-Since: $(hdr n_full Last-Modified)"
is "$code $size" "304 0" "nginx: If-Modified-Since Last-Modified: 304"
get n_206 "$NGINX_URL/test.iso" -H "Range: bytes=1000-1999"
is "$code $size $(hdr n_206 Content-Range)" "206 1000 bytes 1000-1999/$SIZE" "nginx: Range: 206 with Content-Range"
ok "nginx: 206 body is that range" same n_206 1000 1000
get n_ifr "$NGINX_URL/test.iso" -H "Range: bytes=2000000-" -H "If-Range: $etag"
is "$code $size" "206 1000000" "nginx: Range + matching If-Range: 206"
get n_ifr2 "$NGINX_URL/test.iso" -H "Range: bytes=2000000-" -H 'If-Range: "other"'
is "$code $size" "200 $SIZE" "nginx: Range + stale If-Range: 200, whole file"
get n_json "$NGINX_URL/releases/zchee/docker-machine-driver-xhyve.json"
is "$code $(hdr n_json Content-Type)" "200 application/json" "nginx: .json is application/json"

is "$(log_body_bytes "$NGINX_LOG" '^/test\.iso$')" $((SIZE + 1000 + 1000000 + SIZE)) \
	"nginx log: body bytes summed over /test.iso"
is "$(log_count "$NGINX_LOG" '^/test\.iso$' 304) $(log_count "$NGINX_LOG" '^/test\.iso$' 206)" "2 2" \
	"nginx log: two 304s, two 206s"
is "$(fields "$NGINX_LOG")" 8 "nginx log: 8 tab-separated fields on every line"
is "$(awk -F'\t' '$3 == 304' "$NGINX_LOG" | head -1)" "GET	/test.iso	304	0	-	-	$etag	-" \
	"nginx log: If-None-Match logged raw, empty fields as -"
is "$(logline "$NGINX_LOG" /test.iso | tail -1)" "GET	/test.iso	200	$SIZE	bytes=2000000-	\"other\"	-	-" \
	"nginx log: Range and If-Range logged"

npid=$NGINX_PID
workers=$(awk -v p="$npid" '{ sub(/.*\) /, ""); if ($2 == p) print FILENAME }' /proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3)
ok "nginx has a worker process" test -n "$workers"
nginx_stop
st=0
for p in $npid $workers; do gone "$p" || st=1; done
ok "nginx_stop: master and worker gone" test $st -eq 0
nginx_stop
ok "nginx_stop again: fine, NGINX_URL unset" test $? -eq 0 -a -z "${NGINX_URL:-}"

# ---- faultd ---------------------------------------------------------------
faultd_start "$ROOT"
ok "faultd_start (builds build/faultd when stale)" test $? -eq 0 || bail "faultd did not start"
like "$FAULTD_URL" '^http://127\.0\.0\.1:[0-9]+$' "FAULTD_URL is 127.0.0.1:PORT ($FAULTD_URL)"
U=$FAULTD_URL

# /files/
get f_full "$U/files/test.iso"
is "$code $size" "200 $SIZE" "faultd /files/: 200 with the whole file"
ok "faultd /files/: body is the file" same f_full 0 0
is "$(hdr f_full ETag)" "$SHA_ETAG" "faultd: ETag is \"hex(sha256[:16])\""
like "$(hdr f_full Last-Modified)" ' GMT$' "faultd: Last-Modified"
is "$(hdr f_full Accept-Ranges)" bytes "faultd: Accept-Ranges: bytes"
get f_ifr "$U/files/test.iso" -H "Range: bytes=1000000-" -H "If-Range: $SHA_ETAG"
is "$code $size $(hdr f_ifr Content-Range)" "206 2000000 bytes 1000000-2999999/$SIZE" \
	"faultd /files/: Range + matching If-Range: 206"
ok "faultd /files/: 206 body is that range" same f_ifr 1000000 0
get f_ifr2 "$U/files/test.iso" -H "Range: bytes=1000000-" -H 'If-Range: "0123"'
is "$code $size" "200 $SIZE" "faultd /files/: Range + stale If-Range: 200, whole file"
get f_304 "$U/files/test.iso" -H "If-None-Match: $SHA_ETAG"
is "$code $size" "304 0" "faultd /files/: If-None-Match: 304"
get f_ims "$U/files/test.iso" -H "If-Modified-Since: $(hdr f_full Last-Modified)"
is "$code $size" "304 0" "faultd /files/: If-Modified-Since: 304"
get f_416 "$U/files/test.iso" -H "Range: bytes=$SIZE-"
is "$code" 416 "faultd /files/: Range past the end: 416"
get f_esc "$U/files/../../../../etc/passwd" --path-as-is
is "$code" 404 "faultd /files/: .. cannot leave -root"
get f_dir "$U/files/releases"
is "$code" 404 "faultd /files/: a directory is 404"

printf aaaa >"$ROOT/e.bin"
get e1 "$U/files/e.bin"
printf bbbb >"$ROOT/e.bin"
touch -d '@1000000000' "$ROOT/e.bin"
get e2 "$U/files/e.bin"
is "$(hdr e1 ETag) $(hdr e2 ETag)" "\"$(printf aaaa | sha256sum | cut -c1-32)\" \"$(printf bbbb | sha256sum | cut -c1-32)\"" \
	"faultd: ETag recomputed when the file changes"

# /drop/N/
N=1234567
get d1 "$U/drop/$N/test.iso"
case $rc in 18 | 56) r=0 ;; *) r=1 ;; esac
ok "faultd /drop/: first request fails in curl (exit $rc: 56 reset, 18 partial)" test $r -eq 0
is "$code $size $(hdr d1 Content-Length)" "200 $N $SIZE" "faultd /drop/: 200, full Content-Length, exactly N bytes read"
ok "faultd /drop/: those are the first N bytes" same d1 0 $N
is "$(hdr d1 ETag)" "$SHA_ETAG" "faultd /drop/: the dropped answer carries the ETag"
get d2 "$U/drop/$N/test.iso" -H "Range: bytes=$N-" -H "If-Range: $(hdr d1 ETag)"
is "$rc $code $size" "0 206 $((SIZE - N))" "faultd /drop/: resume with Range + If-Range: 206, the rest"
cat "$W/d1.body" "$W/d2.body" | cmp -s - "$ROOT/test.iso"
ok "faultd /drop/: both parts make the file" test $? -eq 0
get d3 "$U/drop/$N/test.iso"
is "$rc $code $size" "0 200 $SIZE" "faultd /drop/: later requests are served normally"
is "$(log_body_bytes "$FAULTD_LOG" "^/drop/$N/")" $((N + SIZE - N + SIZE)) "faultd log: /drop/ body bytes = N + rest + whole"
is "$(log_count "$FAULTD_LOG" '^/drop/' 200) $(log_count "$FAULTD_LOG" '^/drop/' 206)" "2 1" "faultd log: /drop/ 200 x2, 206 x1"
get a1 "$U/drop/1000/test.iso?always=1"
s1="$code $size"
get a2 "$U/drop/1000/test.iso?always=1"
is "$s1 / $code $size" "200 1000 / 200 1000" "faultd /drop/?always=1: every request drops"
curl -s --max-time 20 -o "$W/resume.iso" "$U/drop/777/test.iso"
rc1=$?
curl -s --max-time 20 -C - -o "$W/resume.iso" "$U/drop/777/test.iso"
rc2=$?
cmp -s "$W/resume.iso" "$ROOT/test.iso"
ok "faultd /drop/: curl -C - completes the file (exits $rc1 then $rc2)" test $? -eq 0 -a $rc1 -ne 0 -a $rc2 -eq 0

# /short/
get s1 "$U/short/test.iso"
is "$rc $code $size $(hdr s1 Content-Length)" "18 200 $((SIZE / 2)) $SIZE" "faultd /short/: curl error 18, half the body of the full Content-Length"
ok "faultd /short/: the first half of the file" same s1 0 $((SIZE / 2))
get s2 "$U/short/test.iso"
is "$rc $size" "18 $((SIZE / 2))" "faultd /short/: every time"

# /status/
for c in 404 500 503; do
	get st$c "$U/status/$c/whatever.iso"
	is "$code $(head -1 "$W/st$c.body")" "$c $c $(case $c in 404) echo Not Found ;; 500) echo Internal Server Error ;; 503) echo Service Unavailable ;; esac)" \
		"faultd /status/$c/: status $c with a text body"
done

# /ratelimit/
now=$(date +%s)
get rl "$U/ratelimit/repos/zchee/docker-machine-driver-xhyve/releases/latest"
is "$code $(hdr rl X-RateLimit-Limit) $(hdr rl X-RateLimit-Remaining)" "403 60 0" "faultd /ratelimit/: 403, limit 60, remaining 0"
reset=$(hdr rl X-RateLimit-Reset)
ok "faultd /ratelimit/: X-RateLimit-Reset is about an hour ahead ($reset)" \
	test "${reset:-0}" -ge $((now + 3590)) -a "${reset:-0}" -le $((now + 3610))
like "$(cat "$W/rl.body")" '^\{"message":"API rate limit exceeded for 127\.0\.0\.1\. .*"documentation_url":"https://docs\.github\.com/rest/overview/resources-in-the-rest-api#rate-limiting"\}$' \
	"faultd /ratelimit/: GitHub's JSON message"

# releases/latest
API=repos/zchee/docker-machine-driver-xhyve/releases/latest
get r1 "$U/api/$API" -H "Authorization: token ghp_selftest"
is "$code $(hdr r1 Content-Type)" "200 application/json; charset=utf-8" "faultd GitHub API path: 200 JSON"
ok "faultd GitHub API path: the release file" cmp -s "$W/r1.body" "$REL"
retag=$(hdr r1 ETag)
like "$retag" '^"[0-9a-f]{32}"$' "faultd GitHub API path: ETag"
get r2 "$U/api/v3/$API"
is "$code" 200 "faultd GHE API path (/api/v3/): 200"
ok "faultd GHE API path: the release file" cmp -s "$W/r2.body" "$REL"
get r3 "$U/api/$API" -H "If-None-Match: $retag" -H "Authorization: Bearer ghp_again"
is "$code $size" "304 0" "faultd API: If-None-Match: 304"
get r4 "$U/api/v3/$API" -H "If-None-Match: $retag"
is "$code" 304 "faultd GHE API: If-None-Match: 304"
get r5 "$U/api/repos/zchee/nothing/releases/latest"
is "$code $(cat "$W/r5.body")" '404 {"message":"Not Found","documentation_url":"https://docs.github.com/rest/releases/releases#get-the-latest-release"}' \
	"faultd API: unknown repository: GitHub's 404"
is "$(logline "$FAULTD_LOG" "/api/$API" | head -1)" "GET	/api/$API	304	0	-	-	$retag	-	Bearer ghp_again" \
	"faultd log: Authorization is the 9th field"
is "$(P="/api/$API" awk -F'\t' '$2 == ENVIRON["P"] && $3 == 200 { print $9 }' "$FAULTD_LOG")" "token ghp_selftest" \
	"faultd log: the token of the first API request"
is "$(logline "$FAULTD_LOG" "/api/v3/$API" | cut -f9)" - "faultd log: - without Authorization"

# /hang/ and the rest
get h "$U/hang/slow.iso" --max-time 1
is "$rc $size" "28 0" "faultd /hang/: no answer, curl times out (28)"
for _ in $(seq 40); do
	[ -n "$(logline "$FAULTD_LOG" /hang/slow.iso)" ] && break
	sleep 0.05
done
is "$(logline "$FAULTD_LOG" /hang/slow.iso | cut -f1-4)" "GET	/hang/slow.iso	499	0" "faultd /hang/: logged 499 once the client left"
get x "$U/nothing/here"
is "$code" 404 "faultd: other paths 404"
is "$(fields "$FAULTD_LOG")" 9 "faultd log: 9 tab-separated fields on every line"

fpid=$FAULTD_PID
kill -TERM "$fpid"
wait "$fpid"
is "$?" 0 "faultd: SIGTERM exits 0"
faultd_stop
faultd_stop
ok "faultd_stop twice: fine, FAULTD_URL unset" test $? -eq 0 -a -z "${FAULTD_URL:-}"

done_testing
