/*
 * xhinv: the command-line front end. main.c holds the command table and
 * turns errors into output; each cmd_<name>.c holds one command. Commands
 * get a struct cli with the store, the inventory (opened as the table's
 * flags say) and a machine context, and return the exit status:
 * 0 success, 1 failure, 2 usage.
 */
#ifndef XHINV_H
#define XHINV_H

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "inv.h"
#include "machine.h"
#include "xherr.h"

enum {
	CMD_INV_RW = 1,		/* open the inventory read-write */
	CMD_INV_RO = 2,		/* open it read-only */
	CMD_OPERANDS_END = 4,	/* options end at the first operand (ssh) */
};

struct cli;

/* One option of a command. An entry with no letter and no name is a help
 * line about an operand (its arg is the head). */
struct cmd_opt {
	int letter;		/* -x, or 0: the long name alone */
	const char *name;	/* --name, or NULL */
	const char *arg;	/* the value's name; NULL: a flag */
	const char *help;	/* a '\n' starts a continuation line */
};

/*
 * A command's entry owns all there is to say about it: its name, usage,
 * summary, options (with their help), operands and handler. main parses
 * the command line against the entry once, before the inventory is
 * opened: -h/--help print the help, and an unknown option or a wrong
 * number of operands is a usage error (exit 2), so a handler starts with
 * what it was given, already checked. A command with actions (cache ls,
 * cache pull, ...) has an entry per action, each with its own options.
 */
struct cmd {
	const char *name;
	const char *usage;	/* what follows the name in the usage line */
	const char *summary;	/* one line */
	const char *operands;	/* "NAME", "[NAME]", "NAME...", "QUERY" ... */
	const struct cmd_opt *opts;	/* ends with a zeroed entry; or NULL */
	const struct cmd *actions;	/* ends with a zeroed entry; or NULL */
	const char *default_action;	/* run when none is named; or NULL */
	int flags;
	int (*fn)(struct cli *cli);
};

/* One option found on the command line: its index in the table. */
struct cli_given {
	int opt;
	const char *value;	/* NULL for a flag */
};

struct cli {
	const struct cmd *cmd;	/* the command */
	const struct cmd *run;	/* its action, or the command itself */
	int argc;		/* operands */
	char **argv;
	struct cli_given *given;	/* options, in command-line order */
	int ngiven;
	char *store;
	struct inv *inv;
	struct machine_ctx mctx;
};

extern volatile sig_atomic_t cli_interrupted;

/* Print "xhinv: msg" and return the exit status for err. */
int cli_fail(const struct xherr *err);
/* Print a usage error for the current command and return 2. */
int cli_usage(struct cli *cli, const char *fmt, ...) XH_PRINTF(2, 3);
/* Print a command's help (usage, summary, options) to f. */
void cli_help(const struct cmd *cmd, FILE *f);
/* Parse argv (argv[0] the command's name) against cmd's entry into cli:
 * 0, 1 when the help was asked for (and printed), or 2 after printing a
 * usage error. */
int cli_parse(struct cli *cli, const struct cmd *cmd, int argc, char **argv);
/* Whether option opt (its index in the table) was given. */
int cli_flag(const struct cli *cli, int opt);
/* The value of option opt given last, or NULL. */
const char *cli_value(const struct cli *cli, int opt);
/* The n-th value (from 0) of a repeatable option, or NULL past the end. */
const char *cli_nth(const struct cli *cli, int opt, int n);
/* Option opt as a whole number in lo..hi: 1 and *out set when given, 0
 * when not, 2 after printing a usage error. */
int cli_number(struct cli *cli, int opt, long long lo, long long hi,
    long long *out);
/* Progress lines from the library go to stderr. */
void cli_progress(void *arg, const char *msg);
/* Download progress: one line on a terminal, nothing otherwise. */
void cli_download_progress(void *arg, int64_t done, int64_t total);
/* A JSON string of s, with bytes that are not UTF-8 written \xNN (json.c);
 * null for NULL. */
json_t *cli_json_str(const char *s);
/* Print o (and take it), indented, with a newline: 0, or 1 saying why. */
int cli_json_print(json_t *o);
/* "1.23s" */
void cli_duration(long long ms, char *out, size_t n);
/* "2026-11-28 14:00:00" in local time */
void cli_time(long long ms, char *out, size_t n);

/* The commands, in the order 'xhinv help' lists them (each defined in its
 * cmd_<name>.c; start, stop, restart and kill in cmd_power.c). */
extern const struct cmd cmd_create, cmd_start, cmd_stop, cmd_kill,
    cmd_restart, cmd_rm, cmd_status, cmd_ip, cmd_ssh, cmd_ls, cmd_leases,
    cmd_inspect, cmd_history, cmd_gc, cmd_sql, cmd_network, cmd_cache,
    cmd_reconcile, cmd_du, cmd_disk, cmd_help;

#endif
