#!/bin/bash
# Two commands opening a store that has no inventory yet, at once: both
# switch the new file to WAL, and SQLite refused one of them at once with
# "database is locked" (about 1 pair in 80). 600 pairs, none may fail.
. "$(dirname "$0")/lib.sh"

fails=0
for i in $(seq 600); do
	d=$STORE/s$i
	"$XHINV" -s "$d" ls >/dev/null 2>"$STORE/e1" &
	p=$!
	"$XHINV" -s "$d" ls >/dev/null 2>"$STORE/e2"
	r2=$?
	wait "$p"
	r1=$?
	if [ "$r1" -ne 0 ] || [ "$r2" -ne 0 ]; then
		fails=$((fails + 1))
		cat "$STORE/e1" "$STORE/e2" >> "$STORE/errors"
	fi
	rm -rf "$d"
done
is "$fails" 0 "600 pairs of first opens, none refused" || show "$STORE/errors"
done_testing
