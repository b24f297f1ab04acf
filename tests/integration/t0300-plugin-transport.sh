#!/bin/bash
# t0300-plugin-transport: the plugin process and its wire layer against Go's
# own net/rpc client (tests/rpcclient) and against hostile raw bytes.
# Run from the repository root after `make tests`; prints TAP.
#
# Uses the test-only environment of plugin/main.c:
#   XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS  short watchdogs
#   XHYVE_PLUGIN_TEST_SLEEP=1          a slow Sleep(ms) method
set -u

PLUGIN=${PLUGIN:-build/docker-machine-driver-xhyve}
CLIENT=build/rpcclient
T=$(mktemp -d "${TMPDIR:-/tmp}/t0300.XXXXXX")
n=0
failed=0
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
diag() {
	sed 's/^/# /' "$@"
}

if [ ! -x "$PLUGIN" ]; then
	echo "Bail out! $PLUGIN not built: make tests"
	exit 1
fi

# The Go client, built offline with the standard library only.
have_go=0
if command -v go >/dev/null 2>&1; then
	export GOCACHE=${GOCACHE:-$PWD/build/go-cache} GOPROXY=off GOFLAGS=-mod=mod
	if [ ! -x "$CLIENT" ] || [ tests/rpcclient/main.go -nt "$CLIENT" ]; then
		(cd tests/rpcclient && go build -o ../../"$CLIENT" .) >"$T/gobuild" 2>&1
	fi
	[ -x "$CLIENT" ] && have_go=1
fi

# start_plugin NAME [ENV=VALUE...]: run the plugin in the background as
# docker-machine would; sets PID and PORT; output in $T/NAME.{out,err}.
start_plugin() {
	local name=$1
	shift
	env MACHINE_PLUGIN_TOKEN=42 MACHINE_PLUGIN_DRIVER_NAME=xhyve "$@" \
		"$PLUGIN" </dev/null >"$T/$name.out" 2>"$T/$name.err" &
	PID=$!
	pids+=("$PID")
	local i
	for i in $(seq 200); do
		[ -s "$T/$name.out" ] && break
		sleep 0.025
	done
	PORT=$(head -1 "$T/$name.out" | sed -n 's/^127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p')
}

# wait_exit PID SECONDS: sets st to the exit status, 999 if still running.
# (Not in a subshell: only this shell can wait for its children.)
wait_exit() {
	local i
	for i in $(seq $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		st=999
		return
	fi
	wait "$1" 2>/dev/null
	st=$?
}

# raw NAME BYTES...: connect, send printf-style bytes, collect the answer
# for up to a second into $T/NAME.resp (and close).
raw() {
	local name=$1
	shift
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf "$@" >&3
	timeout 1 cat <&3 >"$T/$name.resp"
	exec 3>&- 3<&-
}

connect='CONNECT /_goRPC_ HTTP/1.0\n\n'
# The real client's first request (pyref/09): Request type 65, then the
# header of RPCServerDriver.GetVersion at seq 0.
request_def='\x2f\xff\x81\x03\x01\x01\x07Request\x01\xff\x82\x00\x01\x02\x01\x0dServiceMethod\x01\x0c\x00\x01\x03Seq\x01\x06\x00\x00\x00'
getversion_hdr='\x1f\xff\x82\x01\x1aRPCServerDriver.GetVersion\x00'

# 1. Without the token: the Go plugin text and exit 1.
"$PLUGIN" </dev/null >"$T/notoken.out" 2>"$T/notoken.err"
st=$?
printf '%s\n' "This is a Docker Machine plugin binary." \
	"Plugin binaries are not intended to be invoked directly." \
	"Please use this plugin through the main 'docker-machine' binary." \
	"(API version: 1)" >"$T/notoken.want"
cmp -s "$T/notoken.err" "$T/notoken.want" && [ "$st" -eq 1 ] && [ ! -s "$T/notoken.out" ]
ok $? "no MACHINE_PLUGIN_TOKEN: exit 1 with the plugin message"

# 2. With the token: the address line, and a listener already accepting.
start_plugin addr XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=2000
[ -n "$PORT" ] && [ "$(wc -l <"$T/addr.out")" -eq 1 ]
ok $? "first stdout line is 127.0.0.1:PORT ($(head -1 "$T/addr.out"))"
raw addr "$connect"
[ "$(cat "$T/addr.resp")" = "HTTP/1.0 200 Connected to Go RPC" ] &&
	[ "$(wc -c <"$T/addr.resp")" -eq 34 ]
ok $? "CONNECT answered with exactly the 34 bytes of Go's server"
wait_exit "$PID" 5
ok $([ "$st" -eq 0 ]; echo $?) "connection closed by the client: exit 0 (got $st)"

# 3. CRLF, not CONNECT, a wrong path.
start_plugin http XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=1500
raw crlf 'CONNECT /_goRPC_ HTTP/1.0\r\nHost: x\r\n\r\n'
[ "$(cat "$T/crlf.resp")" = "HTTP/1.0 200 Connected to Go RPC" ]
ok $? "CONNECT with CRLF line endings accepted"
start_plugin http2 XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=1500
raw get 'GET /_goRPC_ HTTP/1.0\r\n\r\n'
printf 'HTTP/1.0 405 must CONNECT\n\n' | cmp -s - "$T/get.resp"
ok $? "GET answered 405 must CONNECT, connection closed"
raw path 'CONNECT /other HTTP/1.0\n\n'
grep -q '^HTTP/1.0 404' "$T/path.resp"
ok $? "CONNECT to another path: 404, and the plugin still accepts"
wait_exit "$PID" 5
ok $([ "$st" -eq 1 ]; echo $?) "without heartbeats it exits 1 after the timeout (got $st)"
grep -q 'no heartbeat for 1500 ms' "$T/http2.err"
ok $? "and says so on stderr"

# 4. Hostile bytes after the handshake: one stderr line, no crash, and
# the plugin serves the next connection.
hostile() {	# hostile NAME DESCRIPTION PATTERN BYTES
	local name=$1 desc=$2 pattern=$3
	shift 3
	start_plugin "$name" XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=4000
	raw "$name" "$connect$*"
	sleep 0.1
	local lines
	lines=$(grep -c 'rpc: dropped a connection' "$T/$name.err")
	[ "$lines" -eq 1 ] && grep -q "$pattern" "$T/$name.err"
	ok $? "$desc: connection dropped with one stderr line"
	raw "$name-again" "$connect"
	local again
	again=$(head -c 34 "$T/$name-again.resp")
	wait_exit "$PID" 5
	# the second connection's EOF ends the plugin normally
	[ "$again" = "HTTP/1.0 200 Connected to Go RPC" ] && [ "$st" -eq 0 ]
	ok $? "$desc: still serving afterwards, no crash (exit $st)"
	[ "$lines" -eq 1 ] || diag "$T/$name.err"
}
hostile garbage "garbage bytes" 'bad uint length byte' '\x80\x81\x82\x83garbage'
hostile huge "a 2^60 length prefix" 'bad message length' '\xf8\x10\x00\x00\x00\x00\x00\x00\x00\x01'
hostile unknown "a value of unknown type id 72" 'unknown type id 72' '\x03\xff\x90\x00'
hostile dup "a duplicate type definition" 'duplicate type definition' "$request_def$request_def"
hostile lowid "a definition of id 64" 'reserved id 64' '\x0c\xff\x7f\x02\x01\x02\xff\x80\x00\x01\x0c\x00\x00'
hostile notstruct "a header that is not a struct" 'not a struct' '\x03\x04\x00\x02'

# A valid header with an undecodable argument: the error goes to that seq.
start_plugin badarg XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=1500
raw badarg "$connect$request_def$getversion_hdr"'\x03\xff\x90\x00'
grep -q 'rpc: cannot decode the argument: gob: unknown type id 72' "$T/badarg.resp" &&
	grep -q 'RPCServerDriver.GetVersion' "$T/badarg.resp"
ok $? "undecodable argument: error reply for its request, then close"
wait_exit "$PID" 5
ok $([ "$st" -lt 128 ]; echo $?) "no crash (exit $st)"

# A truncated request, then the client goes away: EOF, exit 0.
start_plugin trunc XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=3000
raw trunc "$connect$request_def"'\x1f\xff\x82\x01\x1aRPCServer'
wait_exit "$PID" 5
ok $([ "$st" -eq 0 ]; echo $?) "truncated request then EOF: exit 0 (got $st)"
[ "$(wc -c <"$T/trunc.resp")" -eq 34 ]
ok $? "nothing sent after the CONNECT answer before a complete request"

if [ "$have_go" -eq 0 ]; then
	echo "Bail out! cannot build tests/rpcclient (golang-go): $(cat "$T/gobuild" 2>/dev/null)"
	exit 1
fi

# 5. docker-machine's handshake through Go's net/rpc client.
"$CLIENT" -plugin "$PLUGIN" -sequence handshake -name m1 -store "$T/store" \
	-flag xhyve-cpu-count=3 -flag xhyve-virtio-9p=/usr -flag xhyve-virtio-9p=/tmp \
	-flag engine-label=foo=bar -flag xhyve-rawdisk=true -flag xhyve-boot-cmd=quiet \
	-wait-exit 5s >"$T/hs.out" 2>"$T/hs.err"
st=$?
grep -q '^call GetVersion -> 1$' "$T/hs.out" &&
	grep -q '^call GetMachineName -> "m1"$' "$T/hs.out" &&
	grep -q '^call DriverName -> "xhyve"$' "$T/hs.out" &&
	grep -q '^call GetCreateFlags -> \[\*main.StringFlag.*\*main.IntFlag.*\*main.BoolFlag.*\*main.StringSliceFlag' "$T/hs.out" &&
	grep -q '^call SetConfigFromFlags -> ok$' "$T/hs.out" && [ "$st" -eq 0 ]
ok $? "handshake sequence with Go's client (GetCreateFlags decoded into registered mcnflag types)"
[ "$st" -eq 0 ] || diag "$T/hs.out" "$T/hs.err"
cfg=$(grep '^call GetConfigRaw -> ' "$T/hs.out")
case $cfg in *'"CPU":3'*'"RawDisk":true'*'"Virtio9p":["/usr","/tmp"]'*'"BootCmd":"quiet"'*) r=0 ;; *) r=1 ;; esac
[ $r -eq 0 ] && case $cfg in *'"SwarmHost":"tcp://0.0.0.0:3376"'*) ;; *) r=1 ;; esac
ok $r "SetConfigFromFlags: Go's RPCFlags (int, bool, string, []string in line) reach the config"
[ $r -eq 0 ] || diag "$T/hs.out"
grep -q '^plugin exited status 0$' "$T/hs.out"
ok $? "exit 0 after the Close reply"

# 6. Service names and unknown methods (Go's texts), connection kept.
"$CLIENT" -plugin "$PLUGIN" -service RpcServerDriver -sequence raw \
	-method GetMachineName -reply string >"$T/v0.out" 2>&1
ok $? "the pre-0.5.1 service name RpcServerDriver is accepted"
"$CLIENT" -plugin "$PLUGIN" -service Foo -sequence none >"$T/svc.out" 2>&1
grep -q "rpc: can't find service Foo.GetVersion" "$T/svc.out"
ok $? "unknown service: rpc: can't find service Foo.GetVersion"
"$CLIENT" -plugin "$PLUGIN" -sequence raw -method Nope -wait-exit 5s >"$T/nm.out" 2>&1
grep -q "^call Nope -> error: rpc: can't find method RPCServerDriver.Nope$" "$T/nm.out" &&
	grep -q '^call Close -> ok$' "$T/nm.out" && grep -q '^plugin exited status 0$' "$T/nm.out"
ok $? "unknown method: Go's error text, and the connection still works"

# 7. A value of the wrong type for a method: an error reply.
"$CLIENT" -plugin "$PLUGIN" -sequence raw -method SetConfigRaw -arg int \
	-arg-int 5 -wait-exit 5s >"$T/wt.out" 2>&1
grep -q '^call SetConfigRaw -> error: SetConfigRaw: the argument is not \[\]byte$' "$T/wt.out" &&
	grep -q '^plugin exited status 0$' "$T/wt.out"
ok $? "an int instead of []byte: error reply, connection kept"

# 8. A Heartbeat is answered while a slow call runs, and heartbeats that
# arrive during it keep the watchdog (600 ms here) from firing.
XHYVE_PLUGIN_TEST_SLEEP=1 XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=600 \
	"$CLIENT" -plugin "$PLUGIN" -sequence heartbeat -sleep-ms 2000 \
	-heartbeat 0 -wait-exit 5s >"$T/hb.out" 2>&1
st=$?
grep -q '^heartbeats during Sleep: n=' "$T/hb.out" && [ "$st" -eq 0 ]
ok $? "Heartbeat answered during a 2 s call ($(grep -o 'median=[0-9]*us max=[0-9]*us' "$T/hb.out"))"
[ "$st" -eq 0 ] || diag "$T/hb.out"

# 9. The watchdog: no Heartbeat for 500 ms while connected: exit 1.
XHYVE_PLUGIN_TEST_SLEEP=1 XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=500 \
	"$CLIENT" -plugin "$PLUGIN" -sequence raw -method Sleep -arg int \
	-arg-int 2000 -heartbeat 0 -wait-exit 5s >"$T/wd.out" 2>&1
grep -q '^plugin exited status 1$' "$T/wd.out" &&
	grep -q 'no heartbeat for 500 ms' "$T/wd.out"
ok $? "no Heartbeat arriving for 500 ms during a long call: exit 1"

# 10. EOF without Close: exit 0.
"$CLIENT" -plugin "$PLUGIN" -sequence handshake -no-close -wait-exit 5s >"$T/eof.out" 2>&1
grep -q '^plugin exited status 0$' "$T/eof.out"
ok $? "client hangs up without Close: exit 0"

# 40 calls of 15 MB each, pipelined: the plugin bounds what it decodes
# ahead (48 MB of running calls' messages) and hands large arguments'
# memory back (it stayed at about 500 MB a second later; 941 MB at once).
"$CLIENT" -plugin "$PLUGIN" -store "$T/pipe" -heartbeat 1s -sequence none \
	-pipeline 40 -pipeline-bytes 15728640 > "$T/pipe.out" 2>&1
line=$(grep '^pipeline ' "$T/pipe.out")
echo "# $line"
rss=$(printf '%s\n' "$line" | sed -n 's/.*rss_kb_1s=\([0-9]*\).*/\1/p')
echo "$line" | grep -q ' errors=0 '
ok $? "40 pipelined 15 MB SetConfigRaw calls all succeed"
[ -n "$rss" ] && [ "$rss" -lt 262144 ]
ok $? "and a second later the plugin holds under 256 MB (${rss:-?} KB)"

# A value dripped in 1 KB writes is decoded once it is whole, not once per
# piece (before: a 15 MB one cost 32.7 s of the plugin's CPU).
XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS=0 "$CLIENT" -plugin "$PLUGIN" -store "$T/drip" -heartbeat 0 \
	-sequence none -pipeline 1 -pipeline-bytes 1572864 -drip 1024 > "$T/drip.out" 2>&1
line=$(grep '^pipeline ' "$T/drip.out")
echo "# $line"
echo "$line" | grep -q ' drip=1024 errors=0 '
ok $? "a 1.5 MB SetConfigRaw argument dripped in 1 KB writes succeeds"

echo "1..$n"
exit $((failed > 0))
