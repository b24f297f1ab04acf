#!/bin/bash
# The user journey with the real docker-machine client (v0.16.2) and a real
# dockerd in the guest: create -d xhyve -> ls -> docker info -> docker
# import + run -> ssh, scp both ways -> stop -> start (the image is still
# there) -> regenerate-certs -f -> env -> restart -> rm -y, and then xhinv
# shows the machine removed with nothing left. Before that, bad
# --xhyve-boot2docker-url values fail in PreCreateCheck, before
# docker-machine records anything.
. "$(dirname "$0")/lib.sh"
need_vm
need_docker_machine

# dm_ok DESCRIPTION LOG ARGS...: docker-machine ARGS succeeds (its output in
# LOG, shown on failure).
dm_ok() {
	local desc=$1 log=$2
	shift 2
	dm "$@" > "$log" 2>&1
	ok "$desc" test $? -eq 0 || show "$log"
}

# docker_up SECONDS: the Docker API answers through the TLS endpoint
# docker-machine configured; the seconds it took go to $waited.
docker_up() {
	local t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$1" ]; do
		# shellcheck disable=SC2046 # config prints separate options
		dk $(dm config dev) info > "$STORE/info" 2>&1 && { waited=$((SECONDS - t0)); return 0; }
		sleep 1
	done
	show "$STORE/info"
	return 1
}

# --- Bad sources fail in PreCreateCheck: nothing is recorded.
echo notiso > "$STORE/notiso.iso"
mkdir -p "$STORE/nk"
echo readme > "$STORE/nk/README"
xorriso -as mkisofs -quiet -V nokernel -o "$STORE/nokernel.iso" "$STORE/nk" 2>/dev/null ||
	bail "xorriso cannot make an ISO"
i=0
while read -r src want; do
	i=$((i + 1))
	out=$(dm create -d xhyve --xhyve-boot2docker-url "$src" "bad$i" 2>&1)
	rc=$?
	is "$rc" 3 "create from $src fails in PreCreateCheck (docker-machine's exit 3)"
	like "$out" "^Error with pre-create check: \".*$want" "... saying why: $want"
	is "$(printf '%s\n' "$out" | grep -c '^Error')" 1 "... in one error line"
	ok "... and leaves no machine directory" test ! -e "$STORE/machines/bad$i"
done << EOF
$STORE/missing.iso No such file or directory
$STORE/notiso.iso is not an ISO 9660 image
$STORE/nokernel.iso the ISO has no kernel
http://127.0.0.1:9/b2d.iso cannot download http://127.0.0.1:9/b2d.iso
EOF
is "$(dm ls -q)" "" "docker-machine ls lists none of them"
is "$(x ls -a -q)" "" "nor does xhinv ls -a"

# --- create: the driver boots the machine, docker-machine provisions it.
t0=$SECONDS
dm_ok "docker-machine create -d xhyve dev succeeds" "$STORE/create.log" \
	create -d xhyve --xhyve-boot2docker-url "$DOCKER_ISO" --xhyve-cpu-count 0 \
	--xhyve-disk-size 4000 dev
diag "create took $((SECONDS - t0)) s"
like "$(cat "$STORE/create.log")" '^Docker is up and running!' "it says Docker is up and running"
ip=$(x ip dev)
like "$ip" '^192\.168\.64\.[0-9]+$' "xhinv knows its IP"
like "$(dm ls)" "^dev +- +xhyve +Running +tcp://$ip:2376 .*v20\.10" \
	"docker-machine ls: Running at tcp://IP:2376 with Docker 20.10"
is "$(dm url dev)" "tcp://$ip:2376" "docker-machine url"
insp=$(dm inspect dev)
like "$insp" "\"SSHKeyPath\": \"$STORE/machines/dev/id_rsa\"" "inspect: SSHKeyPath is the machine's key"
like "$insp" '"Backend": "qemu"' "inspect: the backend used"
like "$insp" "\"CPU\": $(nproc)," "inspect: CPU count 0 became every host CPU ($(nproc))"
like "$insp" "\"IPAddress\": \"$ip\"" "inspect: the IP"

# --- Docker through the TLS endpoint docker-machine set up.
ok "docker \$(docker-machine config dev) info answers" docker_up 60
like "$(cat "$STORE/info")" 'Server Version: 20\.10' "... from dockerd 20.10 in the guest"
like "$(cat "$STORE/info")" 'provider=xhyve' "... with docker-machine's provider label"
busybox_rootfs "$STORE/rootfs.tar"
# --shell: docker-machine guesses the shell from $SHELL, which CI may not set.
envout=$(dm env --shell bash dev) || envout=
ok "docker-machine env --shell bash succeeds" test -n "$envout"
eval "$envout"
ok "docker-machine env points DOCKER_HOST at the machine" test "${DOCKER_HOST-}" = "tcp://$ip:2376"
ok "docker import of a busybox rootfs" dk import "$STORE/rootfs.tar" xhtest/busybox:1
is "$(dk run --rm xhtest/busybox:1 /bin/echo hello from a container)" "hello from a container" \
	"docker run of it prints its output"
is "$(dk run --rm xhtest/busybox:1 /bin/uname -n | wc -c)" 13 \
	"the container has its own hostname (12 hex digits)"

# --- ssh and scp (OpenSSH's scp speaks SFTP: the guest has an SFTP server).
like "$(dm ssh dev cat /etc/os-release)" '^ID=boot2docker$' "docker-machine ssh: the guest is boot2docker to it"
is "$(dm ssh dev hostname)" dev "the provisioner set the hostname"
head -c 100000 /dev/urandom > "$STORE/up.bin"
dm_ok "docker-machine scp to the machine" "$STORE/scp1.log" scp "$STORE/up.bin" dev:/tmp/up.bin
is "$(dm ssh dev sha256sum /tmp/up.bin | cut -d' ' -f1)" "$(sha256sum < "$STORE/up.bin" | cut -d' ' -f1)" \
	"... arrives intact"
dm_ok "docker-machine scp from the machine" "$STORE/scp2.log" scp dev:/tmp/up.bin "$STORE/down.bin"
ok "... arrives intact" cmp -s "$STORE/up.bin" "$STORE/down.bin"

# --- stop, start: the image survives on the data disk.
dm_ok "docker-machine stop" "$STORE/stop.log" stop dev
like "$(dm ls)" '^dev +- +xhyve +Stopped ' "docker-machine ls: Stopped"
is "$(x status dev)" stopped "xhinv status: stopped"
t0=$SECONDS
dm_ok "docker-machine start" "$STORE/start.log" start dev
diag "start took $((SECONDS - t0)) s"
is "$(x ip dev)" "$ip" "the same IP after start"
ok "Docker answers as soon as docker-machine start returns" docker_up 1
like "$(dk images --format '{{.Repository}}:{{.Tag}}')" '^xhtest/busybox:1$' "the imported image is still there"
is "$(dk run --rm xhtest/busybox:1 /bin/echo still here)" "still here" "... and runs"

# --- new certificates, env, restart.
dm_ok "docker-machine regenerate-certs -f" "$STORE/regen.log" regenerate-certs -f dev
dm_ok "docker-machine env works with the new certificates" "$STORE/env.log" env --shell bash dev
ok "Docker answers with the new certificates" docker_up 60
dm_ok "docker-machine restart" "$STORE/restart.log" restart dev
ok "Docker answers as soon as docker-machine restart returns" docker_up 1
is "$(dk run --rm xhtest/busybox:1 /bin/echo after restart)" "after restart" "a container runs after restart"
mac=$(sql "SELECT mac FROM nic JOIN machine m ON m.id = machine_id WHERE m.name = 'dev'")

# --- rm: exit 0, and nothing left anywhere.
dm_ok "docker-machine rm -y exits 0" "$STORE/rm.log" rm -y dev
like "$(cat "$STORE/rm.log")" '^Successfully removed dev$' "it says so"
is "$(dm ls -q)" "" "docker-machine ls lists nothing"
ok "docker-machine deleted the machine directory" test ! -e "$STORE/machines/dev"
like "$(x ls -a)" '^dev +removed ' "xhinv ls -a: dev removed"
ok "xhinv leases: no lease of dev's MAC" sh -c "! '$XHINV' -s '$STORE' leases | grep -q '$mac'"
hist=$(x history dev)
for ev in create stop start rm lease-release; do
	like "$hist" " dev +$ev " "xhinv history shows $ev"
done
is "$(x reconcile)" "nothing to reconcile" "xhinv reconcile finds nothing"
is "$(x gc --dry-run)" "nothing to clean" "xhinv gc --dry-run finds nothing"
done_testing
