#!/bin/bash
# t0600-manpages: the man pages say what the programs say, they render
# cleanly, and the shell completions are valid and complete what exists.
#
#   scripts/check-manpages    one TAP line per comparison it makes (xhinv's
#                             synopsis, global options, commands, and per
#                             command its usage, its options, and whether
#                             the program accepts them; the plugin's create
#                             flags from GetCreateFlags; environment names)
#   rendering                 mandoc -T lint, groff -ww
#   completions               bash -n, zsh -n; the bash completion function
#                             called as bash calls it (COMP_WORDS/COMP_CWORD)
#                             against stores whose machine rows are made
#                             with `xhinv sql --write`; the zsh one with the
#                             completion system's builtins stubbed
#
# What is expected is read from the programs (`xhinv help`, `xhinv help
# COMMAND`), never listed here. No VM, no root, no network.
. "$(dirname "$0")/lib.sh"

RPCCLIENT=$TOP/build/rpcclient
BASHCOMP=$TOP/completions/xhinv.bash
ZSHCOMP=$TOP/completions/_xhinv
for f in "$XHINV" "$PLUGIN" "$RPCCLIENT"; do
	[ -x "$f" ] || bail "no $f: make all build/rpcclient (make tests)"
done
for t in mandoc groff zsh; do
	command -v "$t" >/dev/null || bail "no $t: scripts/install-deps installs it"
done

# ---- the man pages against the programs --------------------------------

"$TOP/scripts/check-manpages" >"$STORE/check.out" 2>"$STORE/check.err"
check_rc=$?
[ "$check_rc" -eq 2 ] && { show "$STORE/check.out" "$STORE/check.err"; bail "check-manpages could not run"; }
nbad=0
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" true ;;
	"not ok - "*) ok "${line#not ok - }" false; nbad=$((nbad + 1)) ;;
	"#"*) echo "$line" ;;
	*) diag "$line" ;;
	esac
done <"$STORE/check.out"
[ -s "$STORE/check.err" ] && show "$STORE/check.err"
is "$check_rc" "$([ "$nbad" -eq 0 ] && echo 0 || echo 1)" \
    "check-manpages exits 0 exactly when nothing differs"

# ---- rendering ---------------------------------------------------------

for page in "$TOP/man/xhinv.1" "$TOP/man/docker-machine-driver-xhyve.1"; do
	name=$(basename "$page")
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	is "$out" "" "$name: mandoc -T lint -W warning says nothing"
	out=$(groff -mandoc -ww -z "$page" 2>&1)
	is "$out" "" "$name: groff -mandoc -ww says nothing"
	out=$(groff -mandoc -Tascii -P-cbu -rLL=78n "$page" 2>/dev/null | grep -c "^SEE ALSO")
	is "$out" 1 "$name: renders, with its SEE ALSO"
done

# ---- what the man pages say about exit statuses ---------------------------

"$XHINV" -s "$STORE/s0" help >/dev/null 2>&1
is "$?" 0 "xhinv help exits 0"
"$XHINV" -s "$STORE/s0" no-such-command >/dev/null 2>&1
is "$?" 2 "an unknown command exits 2"
"$XHINV" -s "$STORE/s0" history --limit x >/dev/null 2>&1
is "$?" 2 "a bad option value exits 2"
"$XHINV" -s "$STORE/s0" status no-such-machine >/dev/null 2>&1
is "$?" 1 "a machine that does not exist exits 1"
out=$(env -u MACHINE_PLUGIN_TOKEN "$PLUGIN" 2>&1 >/dev/null </dev/null)
is "$?" 1 "the plugin without MACHINE_PLUGIN_TOKEN exits 1"
like "$out" "^This is a Docker Machine plugin binary" "... saying what it is on stderr"

# ---- completions: syntax -----------------------------------------------------

ok "completions/xhinv.bash is valid bash (bash -n)" bash -n "$BASHCOMP"
ok "completions/_xhinv is valid zsh (zsh -n)" zsh -n "$ZSHCOMP"

# ---- completions: what they complete ------------------------------------------

S1=$STORE/s1 S2=$STORE/s2
add_machine() { # STORE NAME [STATUS]
	local status=${3:-ready} removed=NULL
	[ "$status" = removed ] && removed=1
	"$XHINV" -s "$1" sql --write "INSERT INTO machine (name, uuid, backend,
	    status, cpus, memory_mb, disk_mb, dir, created_at, removed_at) VALUES
	    ('$2', lower(hex(randomblob(16))), 'qemu', '$status', 1, 64, 64,
	    '$1/machines/$2', 0, $removed)" >/dev/null
}
for row in "$S1 alpha" "$S1 beta" "$S1 old removed" "$S2 gamma"; do
	# shellcheck disable=SC2086
	add_machine $row || bail "cannot make the machine row $row"
done
mkdir -p "$STORE/isos" && touch "$STORE/isos/one.iso" "$STORE/isos/two.iso"

# bcomp WORD...: what the bash completion offers for the last word, sorted,
# on one line. Runs in a clean non-interactive bash, as bash would call it.
bcomp() {
	# shellcheck disable=SC2016
	env -u MACHINE_STORAGE_PATH ${BCOMP_ENV:+"$BCOMP_ENV"} bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMPREPLY=()
		_xhinv
		printf "%s\n" "${COMPREPLY[@]}"' bcomp "$BASHCOMP" "$XHINV" "$@" |
	    sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
# The commands `xhinv help` lists, and the option words of a command's help
# (of one action's lines when given), sorted, on one line.
help_commands() {
	"$XHINV" help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([^ ]*\) .*/\1/p' |
	    sort | tr '\n' ' ' | sed 's/ $//'
}
help_options() { # COMMAND [ACTION]
	"$XHINV" help "$1" | sed -n '/^options:/,$p' | grep -E '^ {1,7}[^ ]' |
	    sed -E 's/^ +//; s/  .*//' |
	    if [ -n "${2:-}" ]; then sed -n "s/^$2 //p"; else grep '^-'; fi |
	    grep -oE -- '(^|[ ,])--?[A-Za-z0-9][-A-Za-z0-9]*' | sed 's/^[ ,]//' |
	    sort -u | tr '\n' ' ' | sed 's/ $//'
}
# A command's actions: the first words of its usage's " | " alternatives.
help_actions() {
	local prefix usage
	prefix=$("$XHINV" help | head -n 1)
	prefix=${prefix%%COMMAND*}
	usage=$("$XHINV" help "$1" | head -n 1)
	usage=${usage#"$prefix$1 "}
	printf '%s\n' "$usage" | tr -s ' ' | awk -v RS=' [|] ' '{ print $1 }' |
	    sort | tr '\n' ' ' | sed 's/ $//'
}

is "$(bcomp "")" "$(help_commands)" "bash: every command of 'xhinv help' at the first word"
first=$(help_commands | cut -d' ' -f1)
is "$(bcomp "${first%??}")" "$(help_commands | tr ' ' '\n' | grep "^${first%??}" | tr '\n' ' ' | sed 's/ $//')" \
    "bash: a command from its first letters (${first%??} -> $first)"
for c in $("$XHINV" help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([^ ]*\) .*/\1/p'); do
	actions=$(help_actions "$c")
	if [ "$actions" = "$(echo "$actions" | cut -d' ' -f1)" ]; then
		is "$(bcomp "$c" -)" "$(help_options "$c")" "bash: the options of $c"
	else
		is "$(bcomp "$c" "")" "$actions" "bash: the actions of $c"
		for a in $actions; do
			is "$(bcomp "$c" "$a" -)" "$(help_options "$c" "$a")" \
			    "bash: the options of $c $a"
		done
	fi
done
is "$(bcomp -s "$S1" start "")" "alpha beta" "bash: machine names from the store of -s (removed ones left out)"
is "$(bcomp -s "$S2" start "")" "gamma" "bash: ... from another store"
is "$(bcomp --store "$S1" rm alpha b)" "beta" "bash: ... after --store STORE, for every NAME of rm"
is "$(bcomp --store = "$S2" ip "")" "gamma" "bash: ... after --store=STORE as bash splits it"
is "$(bcomp "--store=$S2" ip "")" "gamma" "bash: ... after --store=STORE in one word"
is "$(BCOMP_ENV=MACHINE_STORAGE_PATH=$S2 bcomp status "")" "gamma" \
    "bash: ... from \$MACHINE_STORAGE_PATH without -s"
is "$(bcomp -s "$S1" history -n 5 "")" "alpha beta" "bash: ... after an option's value (history -n 5)"
is "$(bcomp -s "$S1" create a --cpus "")" "" "bash: nothing for an option's number (--cpus N)"
is "$(bcomp -s "$STORE/none" start "")" "" "bash: no names from a store that does not exist"
ok "bash: ... which the completion did not create" test ! -e "$STORE/none"
is "$(bcomp -s "$S1" create a --iso "$STORE/isos/")" "$STORE/isos/one.iso $STORE/isos/two.iso" \
    "bash: files for --iso"
is "$(bcomp -s "$S1" help "")" "$(help_commands)" "bash: commands after help"

# ---- the zsh completion, with the completion system stubbed ----------------

zcomp() {
	# shellcheck disable=SC2016
	env -u MACHINE_STORAGE_PATH zsh -f -c '
		compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done
			[[ $1 == -- ]] && shift; print -rl -- "$@" }
		_describe() { local a=${@[-1]} e
			for e in ${(P)a}; do print -r -- ${e%%:*}; done }
		_files() { print -r -- "<files>" }
		_directories() { print -r -- "<directories>" }
		_message() { : }
		compset() { : }
		comp=$1; shift
		words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
		source $comp' zcomp "$ZSHCOMP" "$XHINV" "$@" 2>&1 |
	    sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
is "$(zcomp "")" "$(help_commands)" "zsh: every command of 'xhinv help' at the first word"
is "$(zcomp create -)" "$(help_options create)" "zsh: the options of create"
is "$(zcomp cache "")" "$(help_actions cache)" "zsh: the actions of cache"
is "$(zcomp -s "$S1" start "")" "alpha beta" "zsh: machine names from the store of -s"
is "$(zcomp -s "$S2" history -n 5 "")" "gamma" "zsh: ... from another store, after an option's value"
is "$(zcomp create a --iso "")" "<files>" "zsh: files for --iso"

done_testing
