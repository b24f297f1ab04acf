#!/bin/bash
# The full lifecycle with real dnsmasq and QEMU in a network namespace:
# create, SSH, stop (ACPI), start (same IP), restart, rm (lease gone), gc.
. "$(dirname "$0")/lib.sh"
need_vm

out=$(x create web --iso "$ISO" $VMOPTS 2>"$STORE/create.err")
ok "create succeeds" test $? -eq 0 || show "$STORE/create.err"
like "$out" '^web is running at 192\.168\.64\.[0-9]+$' "create reports the IP"
ip=$(x ip web)
like "$ip" '^192\.168\.64\.[0-9]+$' "ip prints the address"
is "$(x status web)" running "status says running"

out=$(x ssh web uname -a)
like "$out" '^Linux boot2docker ' "uname -a runs in the guest over SSH"
is "$(x ssh web id -un)" docker "we log in as docker"
is "$(x ssh web 'cat ~/.ssh/authorized_keys')" "$(cat "$STORE/machines/web/id_rsa.pub")" \
	"the key came in through the userdata tar"
like "$(x ssh web 'mount')" 'on /mnt/vda1 type ext4' "the guest formatted the disk"

key=$STORE/machines/web/id_rsa
is "$(stat -c %a "$key")" 600 "id_rsa is mode 0600"
like "$(head -1 "$key")" '^-----BEGIN RSA PRIVATE KEY-----$' "id_rsa is RSA in PEM form"
is "$(stat -c %a "$STORE/machines/web")" 700 "the machine directory is 0700"
for f in boot2docker.iso vmlinux initrd.img web.rawdisk id_rsa.pub web.pid; do
	ok "machine file $f exists" test -e "$STORE/machines/web/$f"
done
# The ISO ships a bzImage (boot2docker's format); QEMU boots the ELF inside
# it, taken out once into the boot-file cache, through its PVH entry.
is "$(od -An -c -N 4 "$STORE/machines/web/vmlinux" | tr -d ' ')" '177ELF' "the kernel booted is an ELF"
ok "with the PVH entry note" sh -c "readelf -n '$STORE/machines/web/vmlinux' | grep -q 'note type: (0x00000012)'"
is "$(sql "SELECT kernel FROM machine WHERE name = 'web'")" "$STORE/machines/web/vmlinux" \
	"the machine records the ELF as its kernel"
like "$(sql "SELECT detail FROM event WHERE kind = 'boot-files-extract'")" '"pvh":true' \
	"the extraction event says the ELF was taken out"

ls_out=$(x ls)
like "$ls_out" "^web +running +$ip " "ls shows web running with its IP"
is "$(x ls -q)" web "ls -q prints names"
like "$(x ls --json)" '"state": "running"' "ls --json"
like "$(x inspect web)" '"pid": [0-9]+' "inspect shows the process"

hist=$(x history web)
for ev in create-begin start ip ssh-ready create; do
	like "$hist" " web +$ev " "history has $ev"
done
ip_ms=$(sql "SELECT duration_ms FROM event WHERE kind = 'ip'")
ssh_ms=$(sql "SELECT duration_ms FROM event WHERE kind = 'ssh-ready'")
ok "create->IP and create->SSH durations are recorded ($ip_ms ms, $ssh_ms ms)" \
	test "$ip_ms" -gt 0 -a "$ssh_ms" -ge "$ip_ms"
diag "create to IP ${ip_ms} ms, to SSH ${ssh_ms} ms"

mac=$(sql "SELECT mac FROM machines WHERE name = 'web' AND removed IS NULL")
leases=$STORE/network/shared/dnsmasq.leases
like "$(cat "$leases")" " $mac $ip " "dnsmasq leased the reserved IP"

out=$(x create web --iso "$ISO" $VMOPTS 2>&1)
ok "a duplicate name is refused" test $? -eq 1
like "$out" 'machine web already exists' "and the message says so"

out=$(x stop web 2>&1)
ok "stop succeeds" test $? -eq 0
is "$(x status web)" stopped "status says stopped"
is "$(sql "SELECT json_extract(detail, '$.method') FROM event WHERE kind = 'stop'")" acpi \
	"the stop was an ACPI shutdown, recorded"
ok "the lease stays across stop" grep -q " $mac " "$leases"
out=$(x stop web 2>&1)
ok "stopping a stopped machine is not an error" test $? -eq 0
like "$out" 'already stopped' "and says so"
out=$(x ip web 2>&1)
ok "ip of a stopped machine fails" test $? -eq 1
like "$out" 'web is not running' "with a clear message"

x start web >/dev/null 2>&1
ok "start succeeds" test $? -eq 0
is "$(x ip web)" "$ip" "start gives back the same IP"
is "$(x ssh web echo hello)" hello "SSH works after start"
start_ip_ms=$(sql "SELECT duration_ms FROM event WHERE kind = 'ip' ORDER BY id DESC LIMIT 1")
diag "start to IP ${start_ip_ms} ms"

x restart web >/dev/null 2>&1
ok "restart succeeds" test $? -eq 0
is "$(x ip web)" "$ip" "restart keeps the IP"
is "$(sql "SELECT count(*) FROM event WHERE kind = 'start'")" 3 "three starts recorded"

x rm web >/dev/null 2>&1
ok "rm succeeds" test $? -eq 0
ok "rm leaves no lease for the machine's MAC" sh -c "! grep -q ' $mac ' '$leases'"
ok "rm drops the reservation" sh -c "! grep -q '$mac' '$STORE/network/shared/dnsmasq.hosts'"
ok "rm deletes the machine directory" test ! -e "$STORE/machines/web"
is "$(x ls -q)" "" "ls no longer lists web"
like "$(x ls -a)" '^web +removed ' "ls -a shows it removed"
is "$(sql "SELECT status FROM machine WHERE name = 'web'")" removed "the row stays, marked removed"
like "$(x history web)" ' web +rm ' "history survives rm"
is "$(sql "SELECT count(*) FROM process WHERE ended_at IS NULL AND machine_id IS NOT NULL")" 0 \
	"no live hypervisor row remains"
out=$(x gc)
is "$out" "nothing to clean" "gc finds nothing left to clean"
out=$(x status web 2>&1)
ok "status of a removed machine fails" test $? -eq 1
like "$out" 'no machine named web' "with a clear message"
is "$(sqlite3 "$STORE/xhinv.db" 'PRAGMA integrity_check')" ok "the inventory is intact"
done_testing
