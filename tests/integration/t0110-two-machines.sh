#!/bin/bash
# Two machines created at once get distinct IPs and see each other; a
# machine re-created with the same UUID gets the same MAC and IP back.
. "$(dirname "$0")/lib.sh"
need_vm

uuid_a=6f1c3a52-0d7e-4c43-9a41-2b8e5d7f9a10
x create a --uuid "$uuid_a" --iso "$ISO" $VMOPTS >"$STORE/a.out" 2>"$STORE/a.err" &
pa=$!
x create b --iso "$ISO" $VMOPTS >"$STORE/b.out" 2>"$STORE/b.err" &
pb=$!
wait $pa
ra=$?
wait $pb
rb=$?
ok "create a (in parallel) succeeds" test $ra -eq 0 || show "$STORE/a.err"
ok "create b (in parallel) succeeds" test $rb -eq 0 || show "$STORE/b.err"
ipa=$(x ip a)
ipb=$(x ip b)
like "$ipa" '^192\.168\.64\.' "a has an address ($ipa)"
like "$ipb" '^192\.168\.64\.' "b has an address ($ipb)"
ok "the addresses differ" test "$ipa" != "$ipb"
is "$(sql "SELECT count(DISTINCT mac) FROM nic")" 2 "two distinct MACs"
is "$(sql "SELECT count(*) FROM process WHERE role = 'dhcp'")" 1 \
	"the two creates started one dnsmasq"
ok "a reaches b" x ssh a sudo ping -q -c 1 -W 2 "$ipb"
ok "b reaches a" x ssh b sudo ping -q -c 1 -W 2 "$ipa"
is "$(x ssh a hostname)" boot2docker "the guest keeps the ISO's hostname"
mac_a=$(sql "SELECT mac FROM machines WHERE name = 'a' AND removed IS NULL")

x rm a b >/dev/null 2>&1
ok "rm of both succeeds" test $? -eq 0
leases=$STORE/network/shared/dnsmasq.leases
is "$(grep -c . "$leases")" 0 "no lease left in the lease file"

# Each create made the next one's SSH key while its guest booted.
spare=$STORE/keys/spare
ok "a spare SSH key waits for the next create" test -f "$spare/id_rsa" -a -f "$spare/id_rsa.pub"
is "$(stat -c %a "$spare/id_rsa")" 600 "mode 0600"
want=$(cat "$spare/id_rsa.pub")
out=$(x create c --uuid "$uuid_a" --iso "$ISO" $VMOPTS 2>/dev/null)
ok "re-create with a's UUID succeeds" test $? -eq 0
is "$(cat "$STORE/machines/c/id_rsa.pub")" "$want" "c took the spare key"
is "$(x ssh c id -un)" docker "and logs in with it"
ok "and made the next spare" test -f "$spare/id_rsa"
ok "a different one" test "$(cat "$spare/id_rsa.pub")" != "$want"
is "$(sql "SELECT mac FROM machines WHERE name = 'c' AND removed IS NULL")" "$mac_a" \
	"the same UUID gives the same MAC"
is "$(x ip c)" "$ipa" "and the same IP"
is "$(sql "SELECT count(*) FROM nic WHERE mac = '$mac_a'")" 2 \
	"the ledger keeps both assignments of that MAC"
x rm c >/dev/null 2>&1
is "$(x gc)" "nothing to clean" "gc finds nothing left"
done_testing
