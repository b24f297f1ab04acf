# bash completion for xhinv(1)                           -*- shell-script -*-
#
# Install as <completionsdir>/xhinv (bash-completion loads it on first use),
# or source it from ~/.bashrc.
#
# Nothing about the commands is written down here: it is all read from the
# program being completed (the first word of the line, so ./build/xhinv
# completes as itself):
#   commands              `xhinv help`
#   a command's options   the option lines of `xhinv help COMMAND`; an
#                         option line naming an action first ("ls --json")
#                         belongs to that action
#   operands              the usage line of `xhinv help COMMAND`:
#                         "a | b" alternatives are actions (cache ls|pull|prune),
#                         [x|y] is a choice of words (network status|down),
#                         NAME a machine, COMMAND an xhinv command (help),
#                         SOURCE/FILE/PATH a file, STORE/DIR a directory
#   option arguments      by the same names (--iso SOURCE: a file)
#   machine names         `xhinv [-s STORE] ls -q`, on the store given
#                         earlier on the line (-s, --store, --store=), else
#                         $MACHINE_STORAGE_PATH, else ~/.docker/machine; only
#                         when that store already has an inventory, so a TAB
#                         never creates one.

# compgen -W words are commands, options and machine names: no spaces, no
# globs, so COMPREPLY=($(compgen ...)) is safe; a "~/" is expanded by hand.
# shellcheck disable=SC2207,SC2088

# _xhinv_read_help BIN [COMMAND]: sets _xhinv_usage (the text after
# "xhinv [-s STORE] COMMAND" on the usage line), _xhinv_cmds (with no
# COMMAND) and _xhinv_specs (the option lines' left-hand parts).
_xhinv_read_help()
{
	local bin=$1 cmd=${2-} line prefix section="" spec
	_xhinv_usage="" _xhinv_cmds=() _xhinv_specs=()
	if [[ -n $cmd ]]; then
		line=$("$bin" help 2>/dev/null </dev/null | head -n 1)
		prefix=${line%%COMMAND*}
	fi
	while IFS= read -r line; do
		case $line in
		usage:*)
			if [[ -n $cmd ]]; then
				_xhinv_usage=${line#"$prefix$cmd"}
			else
				_xhinv_usage=${line#*COMMAND}
			fi
			continue ;;
		commands:) section=commands; continue ;;
		options:) section=options; continue ;;
		"") [[ $section == commands ]] && section=""; continue ;;
		esac
		case $section in
		commands)
			[[ $line =~ ^\ +([^ ]+) ]] && _xhinv_cmds+=("${BASH_REMATCH[1]}") ;;
		options)
			# An entry starts within the first 8 columns; deeper lines
			# continue the description.
			[[ $line =~ ^\ {1,7}[^\ ] ]] || continue
			spec=${line#"${line%%[! ]*}"}
			_xhinv_specs+=("${spec%%  *}") ;;
		esac
	done < <("$bin" help ${cmd:+"$cmd"} 2>/dev/null </dev/null)
}

# _xhinv_units USAGE: the operands of a usage, one per line, options
# ("[-f]", "[--iso SOURCE]", "[options]") left out and brackets removed.
_xhinv_units()
{
	local -a toks
	local tok unit="" depth=0 inner
	read -ra toks <<<"$1"
	for tok in "${toks[@]}"; do
		unit+="${unit:+ }$tok"
		inner=${tok//[^\[]/}
		depth=$((depth + ${#inner}))
		inner=${tok//[^\]]/}
		depth=$((depth - ${#inner}))
		((depth > 0)) && continue
		inner=${unit#\[}
		inner=${inner%\]}
		unit=""
		[[ $inner == -* || $inner == options ]] && continue
		printf '%s\n' "$inner"
	done
}

# _xhinv_split_alts USAGE: the alternatives of "a [x] | b [y]", one a line.
_xhinv_split_alts()
{
	local -a toks
	local tok cur="" depth=0 inner
	read -ra toks <<<"$1"
	for tok in "${toks[@]}"; do
		if [[ $tok == "|" ]] && ((depth == 0)); then
			printf '%s\n' "$cur"
			cur=""
			continue
		fi
		inner=${tok//[^\[]/}
		depth=$((depth + ${#inner}))
		inner=${tok//[^\]]/}
		depth=$((depth - ${#inner}))
		cur+="${cur:+ }$tok"
	done
	printf '%s\n' "$cur"
}

# _xhinv_options ACTION: from _xhinv_specs, the option words of the command
# (of ACTION's lines only, when the command has actions) in the caller's
# `words`, and " OPT=META" for those that take a value in its `takes`.
_xhinv_options()
{
	local spec opt meta
	local -a w
	words="" takes=" "
	for spec in "${_xhinv_specs[@]}"; do
		read -ra w <<<"$spec"
		if [[ ${w[0]} != -* ]]; then
			[[ ${w[0]} == "$1" ]] || continue
			w=("${w[@]:1}")
		fi
		((${#w[@]})) || continue
		meta=${w[${#w[@]} - 1]}
		[[ $meta == -* ]] && meta=""
		for opt in "${w[@]}"; do
			opt=${opt%,}
			[[ $opt == -* ]] || continue
			words+=" $opt"
			[[ -n $meta ]] && takes+="$opt=$meta "
		done
	done
}

# _xhinv_value BIN STORE KIND CUR: complete one value of the given kind.
_xhinv_value()
{
	local bin=$1 store=$2 kind=${3%...} cur=$4 db
	case $kind in
	*"|"*)
		COMPREPLY=($(compgen -W "${kind//|/ }" -- "$cur")) ;;
	NAME)
		db=${store:-${MACHINE_STORAGE_PATH:-$HOME/.docker/machine}}/xhinv.db
		[[ -f $db ]] || return 0
		COMPREPLY=($(compgen -W "$("$bin" ${store:+-s "$store"} ls -q \
		    2>/dev/null </dev/null)" -- "$cur")) ;;
	COMMAND)
		# xhinv's own commands (help COMMAND); COMMAND... is a remote one.
		[[ $3 == *... ]] && return 0
		_xhinv_read_help "$bin"
		COMPREPLY=($(compgen -W "${_xhinv_cmds[*]}" -- "$cur")) ;;
	SOURCE | FILE | PATH | ISO)
		compopt -o filenames 2>/dev/null
		while IFS= read -r db; do COMPREPLY+=("$db"); done \
		    < <(compgen -f -- "$cur") ;;
	STORE | DIR)
		compopt -o filenames 2>/dev/null
		while IFS= read -r db; do COMPREPLY+=("$db"); done \
		    < <(compgen -d -- "$cur") ;;
	esac
	return 0
}

_xhinv()
{
	local cur=${COMP_WORDS[COMP_CWORD]} bin=${COMP_WORDS[0]}
	local store="" cmd="" action="" i w spec words opt meta want="" n
	local takes=" "		# " OPT=META OPT=META ": options taking a value
	local -a alts=() units=() operands=()
	COMPREPLY=()
	[[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
	command -v "$bin" >/dev/null 2>&1 || return 0

	# The words before the cursor: global options, the command, its action,
	# its options and operands.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $cmd ]]; then
			case $w in
			-s | --store)
				# bash splits --store=DIR into --store, =, DIR
				[[ $w == --store && ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
				((i + 1 < COMP_CWORD)) && store=${COMP_WORDS[i + 1]}
				((i++)) ;;
			--store=*) store=${w#--store=} ;;
			-*) ;;
			*)
				cmd=$w
				_xhinv_read_help "$bin" "$cmd"
				alts=()
				while IFS= read -r n; do alts+=("$n"); done \
				    < <(_xhinv_split_alts "$_xhinv_usage")
				_xhinv_options "$action" ;;
			esac
			continue
		fi
		if [[ $takes == *" $w="* ]]; then
			((i++))
			continue
		fi
		[[ $w == -* ]] && continue
		if ((${#alts[@]} > 1)) && [[ -z $action ]]; then
			action=$w
			_xhinv_options "$action"
			continue
		fi
		operands+=("$w")
	done
	[[ $store == "~/"* ]] && store=$HOME/${store#"~/"}

	# Global options and the command.
	if [[ -z $cmd ]]; then
		case ${COMP_WORDS[COMP_CWORD - 1]} in
		-s | --store)
			((COMP_CWORD > 1)) && { _xhinv_value "$bin" "" STORE "$cur"; return 0; } ;;
		=)
			[[ ${COMP_WORDS[COMP_CWORD - 2]} == --store ]] &&
			    { _xhinv_value "$bin" "" STORE "$cur"; return 0; } ;;
		esac
		if [[ $cur == --store=* ]]; then
			_xhinv_value "$bin" "" STORE "${cur#--store=}"
			COMPREPLY=("${COMPREPLY[@]/#/--store=}")
			return 0
		fi
		_xhinv_read_help "$bin"
		if [[ $cur == -* ]]; then
			words=$("$bin" help 2>/dev/null </dev/null | sed -n '/^commands:/q;p' |
			    grep -oE -- '(^|[ ,[|])--?[A-Za-z0-9][-A-Za-z0-9]*' |
			    sed 's/^[ ,[|]//' | sort -u)
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "${_xhinv_cmds[*]}" -- "$cur"))
		fi
		return 0
	fi

	# An option's argument.
	w=${COMP_WORDS[COMP_CWORD - 1]}
	if [[ $takes == *" $w="* && $w != "$cmd" ]]; then
		meta=${takes#*" $w="}
		_xhinv_value "$bin" "$store" "${meta%% *}" "$cur"
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
	fi

	# An operand: the action, or the usage's operand at this position.
	if ((${#alts[@]} > 1)); then
		if [[ -z $action ]]; then
			COMPREPLY=($(compgen -W "$(printf '%s\n' "${alts[@]}" |
			    cut -d' ' -f1)" -- "$cur"))
			return 0
		fi
		want=""
		for w in "${alts[@]}"; do
			[[ ${w%% *} == "$action" ]] && want=${w#"$action"}
		done
	else
		want=$_xhinv_usage
	fi
	while IFS= read -r n; do units+=("$n"); done < <(_xhinv_units "$want")
	n=${#units[@]}
	((n == 0)) && return 0
	i=${#operands[@]}
	if ((i >= n)); then
		[[ ${units[n - 1]} == *... ]] || return 0
		i=$((n - 1))
	fi
	_xhinv_value "$bin" "$store" "${units[i]}" "$cur"
	return 0
}

complete -F _xhinv xhinv
