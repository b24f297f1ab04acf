# tests/integration/lib.sh: sourced by every tNNNN-*.sh test.
#
# Gives each test its own store, its own network namespace (all VM and DHCP
# traffic stays inside it) and TAP output for prove. On exit it removes
# every machine, stops the test's dnsmasq, kills any process the store
# recorded that is still ours (pid, start time and executable checked), and
# deletes the namespace and the store.
#
#   . "$(dirname "$0")/lib.sh"
#   need_vm                       # root, KVM/TCG, the test image
#   x create a --iso "$ISO" ...   # xhinv in the namespace, on the test store
#   ok "a runs" test "$(x status a)" = running
#   done_testing

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
XHINV=$TOP/build/xhinv
PLUGIN=$TOP/build/docker-machine-driver-xhyve
ISO=$TOP/build/image/xhtest.iso
TEST=$(basename "$0" .sh)
STORE=$(mktemp -d "/tmp/$TEST.XXXXXX")
# Searchable, like most home directories: root's store then lets dnsmasq
# (nobody once bound) re-read its reservations (a 0700 one keeps it root).
chmod 0711 "$STORE"
NS=""
# Small guests keep two of them comfortable on a 2-core machine.
VMOPTS="--memory 192 --disk-size 256 --timeout 90"
export XHINV_ACCEL=${XHINV_ACCEL:-tcg}
# Never ask the real GitHub: a create without --iso looks up the latest
# release; tests that want one start a local server and set this.
export XHINV_GITHUB_API=${XHINV_GITHUB_API:-http://127.0.0.1:9}
unset GITHUB_TOKEN http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
unset MACHINE_STORAGE_PATH
# ext4 disks: libguestfs's appliance needs a kernel; a host without one
# uses the one the test images were built from.
eval "$("$TOP/scripts/supermin-env")"

T_N=0
T_FAIL=0

# ok, is and like return 1 on failure, so `ok ... || show LOG` works.
ok() {
	# ok DESCRIPTION COMMAND...: passes when COMMAND succeeds.
	desc=$1
	shift
	T_N=$((T_N + 1))
	if "$@"; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
}

is() {
	# is GOT WANT DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $T_N - $3"
	else
		echo "not ok $T_N - $3"
		printf '#   got: %s\n#  want: %s\n' "$1" "$2"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
}

# _match WANT TEXT PATTERN DESCRIPTION: WANT 1, TEXT matches PATTERN
# (grep -E); WANT 0, it does not.
_match() {
	local m=0
	T_N=$((T_N + 1))
	printf '%s\n' "$2" | grep -Eq -- "$3" && m=1
	if [ "$m" = "$1" ]; then
		echo "ok $T_N - $4"
	else
		echo "not ok $T_N - $4"
		printf '#   text: %s\n# pattern: %s%s\n' "$2" "$3" \
			"$([ "$1" = 0 ] && echo ' (should not match)')"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
}
like() { _match 1 "$@"; }	# like TEXT PATTERN DESCRIPTION
unlike() { _match 0 "$@"; }	# unlike TEXT PATTERN DESCRIPTION

diag() {
	printf '# %s\n' "$*"
}

# show FILE...: a failing step's output, on stderr so prove shows it.
show() {
	sed 's/^/# /' "$@" >&2
}

bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# xhinv on the test store, inside the test's namespace when there is one.
x() {
	if [ -n "$NS" ]; then
		ip netns exec "$NS" "$XHINV" -s "$STORE" "$@"
	else
		"$XHINV" -s "$STORE" "$@"
	fi
}

# Run any command inside the namespace.
in_ns() {
	ip netns exec "$NS" "$@"
}

sql() {
	"$XHINV" -s "$STORE" sql "$1" | tail -n +2
}

# gone PID: the process has exited (a zombie not yet reaped counts).
gone() {
	[ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = Z ]
}

need_root() {
	[ "$(id -u)" -eq 0 ] || bail "$TEST needs root (network namespaces, bridges, taps)"
}

need_vm() {
	need_root
	[ -x "$XHINV" ] || bail "build first: make tests"
	[ -f "$ISO" ] || bail "no test image $ISO: make image"
	NS="xht$$"
	ip netns add "$NS" || bail "cannot create network namespace $NS"
	ip -n "$NS" link set lo up
}

# Processes the store recorded and that are still the ones it recorded.
recorded_live_pids() {
	[ -f "$STORE/xhinv.db" ] || return 0
	# sqlite3, not xhinv: this must work even on a database xhinv refuses.
	sqlite3 -separator "$(printf '\t')" "$STORE/xhinv.db" \
	    "SELECT pid, start_time, exe FROM process WHERE ended_at IS NULL" 2>/dev/null |
	while IFS="$(printf '\t')" read -r pid start exe; do
		[ -r "/proc/$pid/stat" ] || continue
		now=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)
		real=$(readlink "/proc/$pid/exe" 2>/dev/null)
		[ "$now" = "$start" ] && [ "$real" = "$exe" ] && echo "$pid"
	done
}

# xhyve_doubles: the xhyve backend on Linux, with tests/xhyve's doubles for
# what only macOS has: fake xhyve, a fake bootpd serving $LEASES (started
# here: bootpd_start/bootpd_stop), a fake launchctl reload. XOPTS creates
# a small xhyve machine.
xhyve_doubles() {
	XD=$TOP/tests/xhyve
	LEASES=$STORE/dhcpd_leases
	SPOOL=$STORE/spool
	: > "$LEASES"
	chmod 0644 "$LEASES"
	export XHYVE_BINARY=$XD/fake-xhyve FAKE_BOOTPD_SPOOL=$SPOOL
	export FAKE_BOOTPD_LEASES=$LEASES FAKE_GUEST_SSHD=$TOP/build/fake-sshd
	export XHINV_BOOTPD_LEASES=$LEASES
	export XHINV_BOOTPD_RELOAD="$XD/fake-reload $STORE/reloads"
	XOPTS="--backend xhyve --iso $ISO --memory 256 --disk-size 64 --timeout 30"
	BOOTPD=""
	trap 'bootpd_stop; chattr -i "$LEASES" 2>/dev/null; cleanup' EXIT
	bootpd_start
}

bootpd_start() {
	"$XD/fake-bootpd" "$SPOOL" "$LEASES" &
	BOOTPD=$!
}

bootpd_stop() {
	[ -n "$BOOTPD" ] || return 0
	kill "$BOOTPD" 2>/dev/null
	wait "$BOOTPD" 2>/dev/null
	BOOTPD=""
}

# need_docker_machine: the real docker-machine client (v0.16.2) as DM: on
# PATH first (a user who has it), then ../shared/tools/ beside the project
# (CI and every development machine). Without it the test is skipped with
# the reason, except under CI=true, where its absence is a failure. Also
# the Docker image and the docker client built beside it.
DOCKER_ISO=$TOP/build/image/xhdocker.iso
DOCKER=$TOP/build/image/docker
need_docker_machine() {
	DM=$(command -v docker-machine 2>/dev/null) || DM=$TOP/../shared/tools/docker-machine
	if [ ! -x "$DM" ]; then
		[ "${CI:-}" = true ] &&
			bail "CI=true and no docker-machine on PATH or in ../shared/tools/"
		echo "1..0 # SKIP no docker-machine on PATH or in ../shared/tools/ (the real client; see README)"
		exit 0
	fi
	[ -f "$DOCKER_ISO" ] && [ -x "$DOCKER" ] || bail "no Docker image $DOCKER_ISO: make image"
	# docker-machine keeps its store in ours, finds the plugin on PATH and,
	# without this file, would try to send crash reports.
	touch "$STORE/no-error-report"
}

# docker-machine and docker, inside the namespace, on the test store.
dm() {
	MACHINE_STORAGE_PATH=$STORE PATH=$TOP/build:$PATH ip netns exec "$NS" "$DM" "$@"
}
dk() {
	ip netns exec "$NS" "$DOCKER" "$@"
}

# busybox_rootfs TAR: a tiny root file system for `docker import`.
busybox_rootfs() {
	"$TOP/scripts/busybox-rootfs" "$1" || bail "cannot build a busybox rootfs"
}

cleanup() {
	set +e
	if [ -n "$NS" ] && [ -f "$STORE/xhinv.db" ]; then
		for m in $("$XHINV" -s "$STORE" ls -q 2>/dev/null); do
			x rm -f "$m" >/dev/null 2>&1
		done
		x network down >/dev/null 2>&1
	fi
	for pid in $(recorded_live_pids); do
		kill -9 "$pid" 2>/dev/null
	done
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$STORE"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
