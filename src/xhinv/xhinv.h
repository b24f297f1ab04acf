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

#include "inv.h"
#include "machine.h"
#include "xherr.h"

enum {
	CMD_INV_RW = 1,		/* open the inventory read-write */
	CMD_INV_RO = 2,		/* open it read-only */
};

struct cli;

struct cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *usage;	/* arguments after the command name */
	const char *summary;	/* one line */
	const char *options;	/* option lines, "  -x, --long ARG  text\n" */
	int flags;
};

struct cli {
	const struct cmd *cmd;
	char *store;
	struct inv *inv;
	struct machine_ctx mctx;
};

extern volatile sig_atomic_t cli_interrupted;

/* Print "xhinv: msg" and return the exit status for err. */
int cli_fail(const struct xherr *err);
/* Print a usage error for the current command and return 2. */
int cli_usage(struct cli *cli, const char *fmt, ...) XH_PRINTF(2, 3);
/* Print the command's help (usage, summary, options) to stdout. */
void cli_help(const struct cmd *cmd);
/* getopt_long over a command's argv; handles --help. Returns the option,
 * -1 at the end, or '?' after printing a usage error (return 2). */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
    const struct option *longopts);
/* Strict number parsing for options: exit-2 errors on failure. */
int cli_int(struct cli *cli, const char *opt, const char *s, long long lo,
    long long hi, long long *out);
/* Exactly one machine name operand at optind. */
int cli_one_name(struct cli *cli, int argc, char **argv, const char **name);
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

#define CMD(name) int cmd_##name(struct cli *cli, int argc, char **argv)
CMD(create);
CMD(power);	/* start, stop, restart, kill */
CMD(rm);
CMD(status);
CMD(ip);
CMD(ssh);
CMD(ls);
CMD(inspect);
CMD(history);
CMD(gc);
CMD(sql);
CMD(network);
CMD(cache);
CMD(leases);
CMD(du);
CMD(reconcile);
CMD(disk);
CMD(help);

extern const struct cmd cli_commands[];
extern const int cli_ncommands;

#endif
