#!/bin/bash
# The times ls and history print are the local time date(1) gives for the
# same instant, in zones with and without a half-hour offset, across a
# year and a day boundary (xhinv writes them by hand, not with strftime).
. "$(dirname "$0")/lib.sh"

x ls >/dev/null
# 2023-12-31 23:59:59 UTC plus 123 ms; and 1999-01-01 00:00:09 UTC.
a=1704067199123 b=915148809000
x sql --write "INSERT INTO machine (name, uuid, backend, status, cpus, memory_mb,
	disk_mb, dir, created_at) VALUES ('t1', '00000000-0000-4000-8000-000000000001',
	'qemu', 'ready', 1, 64, 32, '$STORE/machines/t1', $a), ('t2',
	'00000000-0000-4000-8000-000000000002', 'qemu', 'ready', 1, 64, 32,
	'$STORE/machines/t2', $b)" >/dev/null
x sql --write "INSERT INTO event (at, machine_id, kind) VALUES ($b, 2, 'stop')" >/dev/null
for tz in UTC Asia/Kolkata America/St_Johns; do
	want_a=$(TZ=$tz date -d "@$((a / 1000))" '+%Y-%m-%d %H:%M:%S')
	want_b=$(TZ=$tz date -d "@$((b / 1000))" '+%Y-%m-%d %H:%M:%S')
	is "$(TZ=$tz x ls | awk '$1 == "t1" { print $(NF - 1), $NF }')" "$want_a" \
		"ls CREATED in $tz is date's $want_a"
	is "$(TZ=$tz x ls | awk '$1 == "t2" { print $(NF - 1), $NF }')" "$want_b" \
		"ls CREATED in $tz is date's $want_b"
	is "$(TZ=$tz x history t2 | awk 'NR == 2 { print $2, $3 }')" "$want_b" \
		"history TIME in $tz is date's $want_b"
done
like "$(x ls | head -1)" '^NAME +STATE +IP +MAC +CPUS +MEMORY +DISK +CREATED$' "ls header"
like "$(x ls | awk '$1 == "t1"')" '^t1 +stopped +- +- +1 +64M +32M  ' "ls row: sizes in M, right-aligned"
done_testing
