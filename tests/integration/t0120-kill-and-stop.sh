#!/bin/bash
# State from reality: a SIGKILLed hypervisor reads as Stopped and the change
# is recorded; a reused pid is not trusted; stop falls back to SIGKILL when
# the guest ignores the ACPI power button; kill is recorded.
. "$(dirname "$0")/lib.sh"
need_vm

x create k --iso "$ISO" $VMOPTS >/dev/null 2>"$STORE/err"
ok "create succeeds" test $? -eq 0 || show "$STORE/err"
pid=$(sql "SELECT pid FROM machines WHERE name = 'k' AND removed IS NULL")
ok "the hypervisor pid $pid is qemu" test "$(readlink /proc/$pid/exe)" = /usr/bin/qemu-system-x86_64
kill -9 "$pid"
while ! gone "$pid"; do sleep 0.05; done
is "$(x status k)" stopped "a SIGKILLed hypervisor reads as stopped, not error"
is "$(sql "SELECT kind FROM event ORDER BY id DESC LIMIT 1")" exited "an exited event is recorded"
like "$(sql "SELECT detail FROM event ORDER BY id DESC LIMIT 1")" "\"pid\":$pid" "with the pid"
is "$(sql "SELECT end_reason FROM process WHERE pid = $pid")" exited "the process row is ended"
like "$(x ls)" '^k +stopped ' "ls agrees"

x start k >/dev/null 2>&1
ok "start after a crash works" test $? -eq 0
out=$(x kill k)
ok "kill succeeds" test $? -eq 0
is "$(x status k)" stopped "killed machine is stopped"
is "$(sql "SELECT json_extract(detail, '$.reason') FROM event WHERE kind = 'kill' ORDER BY id DESC LIMIT 1")" \
	requested "the kill is recorded as requested"
is "$(sql "SELECT json_extract(detail, '$.method') FROM event WHERE kind = 'stop' ORDER BY id DESC LIMIT 1")" \
	kill "and the stop as done by kill"

# A guest that ignores the power button: stop must not hang.
x start k >/dev/null 2>&1
x ssh k sudo killall acpid
ok "acpid is gone in the guest" sh -c "! ip netns exec $NS $XHINV -s $STORE ssh k pidof acpid"
t0=$(date +%s)
x stop k --timeout 3 >/dev/null 2>&1
ok "stop succeeds anyway" test $? -eq 0
t1=$(date +%s)
ok "within the timeout plus the kill ($((t1 - t0)) s)" test $((t1 - t0)) -le 15
is "$(x status k)" stopped "the machine is stopped"
kinds=$(sql "SELECT group_concat(kind, ',') FROM (SELECT kind FROM event ORDER BY id DESC LIMIT 3)")
is "$kinds" "stop,kill,powerdown" "powerdown, then kill, then stop are recorded"
is "$(sql "SELECT json_extract(detail, '$.reason') FROM event WHERE kind = 'kill' ORDER BY id DESC LIMIT 1")" \
	"stop timeout" "the kill says why"

# A recorded pid that now belongs to another process is not trusted.
mid=$(sql "SELECT id FROM machine WHERE name = 'k'")
boot=$(cat /proc/sys/kernel/random/boot_id)
sleep 300 &
other=$!
start=$(sed 's/.*) //' /proc/$other/stat | cut -d' ' -f20)
x sql --write "INSERT INTO process (machine_id, role, pid, start_time, boot_id, exe, started_at) \
	VALUES ($mid, 'hypervisor', $other, $start + 1, '$boot', '/usr/bin/qemu-system-x86_64', 0)" >/dev/null
is "$(x status k)" stopped "a pid with another start time is not our VM"
like "$(sql "SELECT detail FROM event ORDER BY id DESC LIMIT 1")" 'reused' "recorded as a reused pid"
ok "and the other process was left alone" kill -0 $other
x sql --write "INSERT INTO process (machine_id, role, pid, start_time, boot_id, exe, started_at) \
	VALUES ($mid, 'hypervisor', $other, $start, '$boot', '/usr/bin/qemu-system-x86_64', 0)" >/dev/null
is "$(x status k)" stopped "same start time but another executable is not our VM either"
x sql --write "INSERT INTO process (machine_id, role, pid, start_time, boot_id, exe, started_at) \
	VALUES ($mid, 'hypervisor', $other, $start, 'another-boot', '$(readlink /proc/$other/exe)', 0)" >/dev/null
is "$(x status k)" stopped "a process recorded in an earlier boot is not trusted"
is "$(sql "SELECT end_reason FROM process ORDER BY id DESC LIMIT 1")" reboot "recorded as a reboot"
ok "sleep still runs" kill -0 $other
kill $other
x rm k >/dev/null 2>&1
ok "rm succeeds" test $? -eq 0
done_testing
