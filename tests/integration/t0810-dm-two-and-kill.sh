#!/bin/bash
# Two `docker-machine create -d xhyve` at once with the real client: distinct
# IPs, both serve Docker. Then the hypervisor of one is killed (SIGKILL):
# docker-machine ls says Stopped, never Error, and docker-machine start
# brings it back with the same IP and its images.
. "$(dirname "$0")/lib.sh"
need_vm
need_docker_machine

# docker-machine makes its CA and client certificate on the first create of
# a store, without a lock: two first creates at once each write their own
# and one machine ends up with certificates the other's CA did not sign.
# A create that fails in PreCreateCheck makes them first (docker-machine's
# race, not the driver's).
dm create -d xhyve --xhyve-boot2docker-url "$STORE/none.iso" setup > "$STORE/setup.log" 2>&1
ok "docker-machine has its CA before the two creates" test -s "$STORE/certs/ca.pem" ||
	show "$STORE/setup.log"
for n in a b; do
	dm create -d xhyve --xhyve-boot2docker-url "$DOCKER_ISO" --xhyve-disk-size 2000 "$n" \
		> "$STORE/create-$n.log" 2>&1 &
	eval "pid_$n=$!"
done
# shellcheck disable=SC2154 # set by the eval above
wait "$pid_a"
ok "the first of two simultaneous creates succeeds" test $? -eq 0 || show "$STORE/create-a.log"
# shellcheck disable=SC2154
wait "$pid_b"
ok "the second succeeds too" test $? -eq 0 || show "$STORE/create-b.log"
ipa=$(x ip a)
ipb=$(x ip b)
like "$ipa" '^192\.168\.64\.[0-9]+$' "a has an IP"
like "$ipb" '^192\.168\.64\.[0-9]+$' "b has an IP"
ok "their IPs differ ($ipa, $ipb)" test "$ipa" != "$ipb"
is "$(sql "SELECT count(DISTINCT mac) FROM nic JOIN machine m ON m.id = machine_id WHERE m.name IN ('a', 'b')")" 2 \
	"and their MACs"
busybox_rootfs "$STORE/rootfs.tar"
for n in a b; do
	# shellcheck disable=SC2046 # config prints separate options
	like "$(dk $(dm config "$n") info 2>&1)" 'Server Version: 20\.10' "$n serves Docker"
done
# shellcheck disable=SC2046
ok "an image imported into a" dk $(dm config a) import "$STORE/rootfs.tar" xhtest/busybox:1

# SIGKILL of a's QEMU: a crash, not a stop. What the guest had not written
# back yet would be lost with it, as on any crash: sync first, so the image
# is on the disk.
ok "sync in a" dm ssh a sync
pid=$(sql "SELECT pid FROM machines WHERE name = 'a' AND removed IS NULL")
like "$pid" '^[0-9]+$' "a's hypervisor pid is recorded"
kill -9 "$pid"
for _ in $(seq 50); do
	gone "$pid" && break
	sleep 0.1
done
ok "a's QEMU is gone" gone "$pid"
ls_out=$(dm ls)
like "$ls_out" '^a +- +xhyve +Stopped ' "docker-machine ls says a is Stopped"
ok "... never Error" sh -c "! printf '%s\n' '$ls_out' | grep -q Error"
is "$(dm status a)" Stopped "docker-machine status a: Stopped"
like "$(dm ls)" "^b +- +xhyve +Running +tcp://$ipb:2376" "b still runs"
like "$(x history a)" ' a +exited ' "xhinv history records a's exit"
dm start a > "$STORE/start.log" 2>&1
ok "docker-machine start a brings it back" test $? -eq 0 || show "$STORE/start.log"
is "$(x ip a)" "$ipa" "with the same IP"
# shellcheck disable=SC2046
like "$(dk $(dm config a) images --format '{{.Repository}}:{{.Tag}}' 2>&1)" '^xhtest/busybox:1$' \
	"and its image"
# shellcheck disable=SC2046
is "$(dk $(dm config a) run --rm xhtest/busybox:1 /bin/echo back again 2>&1)" "back again" \
	"which runs"

for n in a b; do
	dm rm -y "$n" > "$STORE/rm-$n.log" 2>&1
	ok "docker-machine rm -y $n" test $? -eq 0 || show "$STORE/rm-$n.log"
done
is "$(x ls -q)" "" "no live machine left"
is "$(x gc --dry-run)" "nothing to clean" "xhinv gc --dry-run finds nothing"
done_testing
