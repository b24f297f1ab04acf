#!/bin/bash
# The plugin end to end: Go's net/rpc client (standing in for
# docker-machine) runs create's call sequence against a real VM, with a
# Heartbeat and GetState answered while Create runs, then GetState, GetIP,
# GetURL, Stop, Start, Remove, Close. xhinv sees what the plugin did.
. "$(dirname "$0")/lib.sh"
need_vm
CLIENT=$TOP/build/rpcclient
[ -x "$CLIENT" ] || bail "no $CLIENT: make tests"

# rpc ARGS...: the client against the plugin, inside the namespace.
rpc() {
	ip netns exec "$NS" "$CLIENT" -plugin "$PLUGIN" -store "$STORE" "$@"
}

out=$(rpc -name dm -sequence create -heartbeat 1s -poll 1s \
	-flag xhyve-boot2docker-url="$ISO" -flag xhyve-memory-size=192 \
	-flag xhyve-disk-size=256 -flag xhyve-cpu-count=1 \
	-flag engine-label=provider=test -wait-exit 15s 2>"$STORE/rpc.err")
ok "the create sequence runs without an unexpected error" test $? -eq 0 ||
	{ printf '%s\n' "$out" | show; show "$STORE/rpc.err"; }
line() { printf '%s\n' "$out" | grep -E "^call $1 -> " | head -${2:-1} | tail -1; }
is "$(line PreCreateCheck)" "call PreCreateCheck -> ok" "PreCreateCheck passes"
is "$(line Create)" "call Create -> ok" "Create succeeds"
like "$(printf '%s\n' "$out" | grep '^during Create:')" \
	'heartbeats=[1-9][0-9]* max=[0-9]+ms getstate=[1-9]' \
	"Heartbeat and GetState were answered while Create ran"
is "$(line GetState)" "call GetState -> 1" "GetState says Running after Create"
ip=$(line GetIP | sed -n 's/^call GetIP -> "\(.*\)"$/\1/p')
like "$ip" '^192\.168\.64\.[0-9]+$' "GetIP gives the address"
is "$(line GetURL)" "call GetURL -> \"tcp://$ip:2376\"" "GetURL is tcp://IP:2376"
is "$(line GetSSHUsername)" 'call GetSSHUsername -> "docker"' "GetSSHUsername is docker"
is "$(line GetSSHPort)" 'call GetSSHPort -> 22' "GetSSHPort is 22"
is "$(line GetSSHKeyPath)" "call GetSSHKeyPath -> \"$STORE/machines/dm/id_rsa\"" \
	"GetSSHKeyPath is the machine's id_rsa"
like "$out" 'ssh key .* mode 0600' "the key exists with mode 0600, as docker-machine demands"
is "$(line DriverName)" 'call DriverName -> "xhyve"' "DriverName is xhyve"
like "$(line GetConfigRaw 2)" "\"IPAddress\":\"$ip\".*\"MacAddr\":\"[0-9a-f:]{17}\".*\"UUID\":\"[0-9a-f-]{36}\"" \
	"the config saved after Create has the IP, MAC and UUID"
like "$out" 'call Stop -> ok' "Stop succeeds"
is "$(line GetURL 2)" "call GetURL -> error: Host is not running" \
	"GetURL of a stopped machine says Host is not running (no endless loop)"
is "$(line GetIP 2)" "call GetIP -> error: Host is not running" "so does GetIP"
is "$(line GetIP 3)" "call GetIP -> \"$ip\"" "Start gives back the same IP"
like "$out" 'call Remove -> ok' "Remove succeeds"
is "$(printf '%s\n' "$out" | grep '^call GetState' | tail -1)" "call GetState -> 4" \
	"a removed machine reads as Stopped"
like "$out" 'plugin exited status 0' "the plugin exits 0 after Close"

hist=$(x history dm)
for ev in create-begin start ip ssh-ready create powerdown stop rm lease-release; do
	like "$hist" " dm +$ev " "xhinv history shows the plugin's $ev"
done
like "$(x ls -a)" '^dm +removed ' "xhinv ls -a shows the machine removed"
mac=$(sql "SELECT mac FROM nic JOIN machine m ON m.id = machine_id WHERE m.name = 'dm'")
ok "Remove released the lease" sh -c "! grep -q ' $mac ' '$STORE/network/shared/dnsmasq.leases'"

# Bad input through the real client: errors, no crash, nothing created.
out=$(rpc -name b1 -sequence handshake -flag xhyve-uuid=not-a-uuid -heartbeat 0 2>&1)
like "$out" 'call SetConfigFromFlags -> error: "not-a-uuid" is not a UUID' \
	"a bad UUID flag is refused in SetConfigFromFlags"
out=$(rpc -name b2 -sequence handshake -flag xhyve-memory-size=8 -heartbeat 0 2>&1)
like "$out" 'call SetConfigFromFlags -> error: memory 8 MB is below the minimum' \
	"too little memory is refused"
out=$(rpc -name b3 -sequence calls -heartbeat 0 \
	-call 'SetConfigRaw bytes not json' \
	-call 'SetConfigRaw bytes [1,2]' \
	-call 'SetConfigRaw bytes {"CPU":"two"}' \
	-call 'SetConfigRaw string {}' \
	-call 'SetConfigRaw bytes {"MachineName":"b3","Virtio9p":true,"Virtio9pFolder":"/Users","NFSShare":true}' \
	-call 'GetConfigRaw' -call 'GetMachineName' -call 'GetState' -call 'GetURL' -call 'Frobnicate' 2>&1)
like "$out" 'call SetConfigRaw -> error: SetConfigRaw: config is not JSON' "non-JSON config is refused"
like "$out" 'call SetConfigRaw -> error: SetConfigRaw: config is not a JSON object' "a JSON array is refused"
like "$out" 'call SetConfigRaw -> error: SetConfigRaw: config field CPU must be an integer' \
	"a field of the wrong type is refused, by name"
like "$out" 'call SetConfigRaw -> error: SetConfigRaw: the argument is not \[\]byte' \
	"a string instead of []byte is refused"
like "$out" '"Virtio9p":\["/Users"\].*"NFSShare":false' \
	"minikube's legacy Virtio9p/NFSShare shape is accepted and upgraded"
like "$out" 'call GetMachineName -> "b3"' "GetMachineName echoes the config"
like "$out" 'call GetState -> 4' "an unknown machine is Stopped, not Error"
like "$out" 'call GetURL -> error: Host is not running' "and has no URL"
like "$out" "call Frobnicate -> error: rpc: can't find method RPCServerDriver.Frobnicate" \
	"an unknown method gets net/rpc's own error"

out=$(rpc -name b4 -sequence create -heartbeat 0 -poll 1s -flag xhyve-memory-size=192 2>&1)
like "$out" 'call PreCreateCheck -> error: cannot find the latest release at http://127\.0\.0\.1:9/repos/boot2docker/boot2docker/releases/latest: .*\(and none is cached\)' \
	"no URL and no way to look up the latest release: PreCreateCheck says where it looked"
out=$(rpc -name b6 -sequence create -heartbeat 0 -poll 1s -flag xhyve-boot2docker-sha256=abc \
	-flag xhyve-memory-size=192 2>&1)
like "$out" 'call PreCreateCheck -> error: --xhyve-boot2docker-sha256: "abc" is not 64 hex digits' \
	"PreCreateCheck refuses a malformed checksum before anything is made"
out=$(rpc -name b5 -sequence create -heartbeat 0 -poll 1s \
	-flag xhyve-boot2docker-url=/etc/passwd -flag xhyve-memory-size=192 2>&1)
like "$out" 'call PreCreateCheck -> error: /etc/passwd is not an ISO 9660 image' \
	"PreCreateCheck refuses a non-ISO, before anything is made"
out=$(rpc -name b5 -sequence calls -heartbeat 0 \
	-call "SetConfigRaw bytes {\"MachineName\":\"b5\",\"StorePath\":\"$STORE\"}" -call Remove 2>&1)
like "$out" 'call Remove -> ok' "Remove copes with a machine whose Create failed"
is "$(x ls -q)" "" "no live machine is left"
out=$(x gc); is "$out" "nothing to clean" "gc finds nothing left to clean" || diag "$out"
done_testing
