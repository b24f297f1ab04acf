/* cmdline: one command's command line read against its entry: options by
 * index (flags, values, repeats, last value wins), the forms getopt_long
 * takes, usage errors (exit 2), -h/--help (exit 1), operand counts,
 * CMD_OPERANDS_END, actions with and without a default, cli_number and
 * the help text. The source is included: the unit tests link against the
 * libraries only, and cmdline.c belongs to xhinv. */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/xhinv/cmdline.c"

#include "tap.h"

#define MAXARGS 32

enum { O_ALL, O_QUIET, O_FORMAT, O_COUNT, O_SHARE, O_JSON, O_VERBOSE };
static const struct cmd_opt ls_opts[] = {
	[O_ALL] = { 'a', "all", NULL, "every machine" },
	[O_QUIET] = { 'q', "quiet", NULL, "names only" },
	[O_FORMAT] = { 'f', "format", "FMT", "output format" },
	[O_COUNT] = { 'n', NULL, "N", "at most N lines\n(a second line)" },
	[O_SHARE] = { 0, "share", "DIR", "a folder (repeatable)" },
	[O_JSON] = { 0, "json", NULL, "print JSON" },
	[O_VERBOSE] = { 'v', NULL, NULL, "say more" },
	{ 0, NULL, "NAME", "the machine (an operand line)" },
	{ 0 },
};

static const struct cmd_opt rm_opts[] = {
	{ 'f', "force", NULL, "remove a running machine" },
	{ 0 },
};

static const struct cmd_opt ssh_opts[] = {
	{ 't', NULL, NULL, "allocate a terminal" },
	{ 0 },
};

static const struct cmd cmd_t_ls = {
	.name = "ls", .usage = "[-aqv] [-f FMT] [NAME]", .operands = "[NAME]",
	.summary = "list machines", .opts = ls_opts,
};
static const struct cmd cmd_t_rm = {
	.name = "rm", .usage = "[-f] NAME...", .operands = "NAME...",
	.summary = "remove machines", .opts = rm_opts,
};
static const struct cmd cmd_t_status = {
	.name = "status", .usage = "NAME", .operands = "NAME",
	.summary = "print a machine's state",
};
static const struct cmd cmd_t_resize = {
	.name = "resize", .usage = "NAME SIZE", .operands = "NAME SIZE",
	.summary = "grow a disk",
};
static const struct cmd cmd_t_gc = {
	.name = "gc", .usage = "", .summary = "collect garbage",
};
static const struct cmd cmd_t_ssh = {
	.name = "ssh", .usage = "[-t] NAME [COMMAND...]",
	.operands = "NAME [COMMAND...]", .summary = "log in to a machine",
	.opts = ssh_opts, .flags = CMD_OPERANDS_END,
};

static const struct cmd_opt pull_opts[] = {
	{ 0, "sha256", "HEX", "the expected checksum" },
	{ 0 },
};
static const struct cmd_opt json_opts[] = {
	{ 0, "json", NULL, "print JSON" },
	{ 0 },
};
static const struct cmd cache_actions[] = {
	{ .name = "ls", .opts = json_opts },
	{ .name = "pull", .operands = "[SOURCE]", .opts = pull_opts },
	{ .name = "prune" },
	{ 0 },
};
static const struct cmd cmd_t_cache = {
	.name = "cache", .usage = "ls | pull [SOURCE] | prune",
	.summary = "the download cache", .actions = cache_actions,
};
static const struct cmd net_actions[] = {
	{ .name = "status", .opts = json_opts },
	{ .name = "up", .operands = "NAME" },
	{ 0 },
};
static const struct cmd cmd_t_net = {
	.name = "network", .usage = "[status | up NAME]",
	.summary = "the host network", .actions = net_actions,
	.default_action = "status",
};

/* The last parse: cli.argv points into av, so both live until the next. */
static struct cli cli;
static char *av[MAXARGS + 1];

/* Parse the NULL-terminated words against cmd in a fresh cli; with hush,
 * stdout (where the help goes) is /dev/null for the call. */
static int
vparse(int hush, const struct cmd *cmd, va_list ap)
{
	int n = 0, rc, fd = -1, null;

	free(cli.given);
	memset(&cli, 0, sizeof cli);
	av[n++] = (char *)cmd->name;
	while (n < MAXARGS && (av[n] = va_arg(ap, char *)) != NULL)
		n++;
	av[n] = NULL;
	if (hush) {
		fflush(stdout);
		fd = dup(STDOUT_FILENO);
		if ((null = open("/dev/null", O_WRONLY)) != -1) {
			dup2(null, STDOUT_FILENO);
			close(null);
		}
	}
	rc = cli_parse(&cli, cmd, n, av);
	if (hush) {
		fflush(stdout);
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
	}
	return rc;
}

static int
parse(const struct cmd *cmd, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cmd);
	rc = vparse(0, cmd, ap);
	va_end(ap);
	return rc;
}

/* The same for calls that print the help. */
static int
parse_quiet(const struct cmd *cmd, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cmd);
	rc = vparse(1, cmd, ap);
	va_end(ap);
	return rc;
}

/* The operands of the last parse, joined by spaces. */
static const char *
operands(void)
{
	static char s[256];
	size_t n = 0;
	int i;

	s[0] = '\0';
	for (i = 0; i < cli.argc && n < sizeof s; i++)
		n += (size_t)snprintf(s + n, sizeof s - n, "%s%s",
		    i > 0 ? " " : "", cli.argv[i]);
	return s;
}

static void
test_values(void)
{
	is_int(parse(&cmd_t_ls, "-a", "--format", "json", "-n", "3", "web",
	    NULL), 0, "ls -a --format json -n 3 web");
	is_int(cli.ngiven, 3, "three options given");
	ok(cli_flag(&cli, O_ALL), "-a found by index");
	ok(!cli_flag(&cli, O_QUIET), "-q not given");
	ok(!cli_flag(&cli, O_JSON), "--json not given");
	is_str(cli_value(&cli, O_FORMAT), "json", "--format's value");
	is_str(cli_value(&cli, O_COUNT), "3", "-n's value");
	ok(cli_value(&cli, O_ALL) == NULL, "a flag has no value");
	ok(cli_value(&cli, O_SHARE) == NULL, "no value when not given");
	is_int(cli.argc, 1, "one operand");
	is_str(cli.argv[0], "web", "the operand");
	ok(cli.cmd == &cmd_t_ls && cli.run == &cmd_t_ls,
	    "cmd and run are the entry");

	is_int(parse(&cmd_t_ls, NULL), 0, "ls alone");
	is_int(cli.ngiven, 0, "nothing given");
	is_int(cli.argc, 0, "no operands");
	ok(!cli_flag(&cli, O_ALL) && cli_value(&cli, O_FORMAT) == NULL &&
	    cli_nth(&cli, O_SHARE, 0) == NULL, "flag, value, nth: nothing");

	is_int(parse(&cmd_t_ls, "--json", "-v", NULL), 0, "long-only flag and "
	    "letter-only flag");
	ok(cli_flag(&cli, O_JSON) && cli_flag(&cli, O_VERBOSE),
	    "--json and -v found");
	ok(cli.given[0].opt == O_JSON && cli.given[1].opt == O_VERBOSE,
	    "given in command-line order");
}

static void
test_repeats(void)
{
	is_int(parse(&cmd_t_ls, "-f", "a", "--share", "/x", "-a",
	    "--format", "b", "--share=/y", "--share", "/z", "-fc", NULL), 0,
	    "repeated --format and --share");
	is_str(cli_value(&cli, O_FORMAT), "c", "the last --format wins");
	is_str(cli_nth(&cli, O_FORMAT, 0), "a", "first --format");
	is_str(cli_nth(&cli, O_FORMAT, 1), "b", "second --format");
	is_str(cli_nth(&cli, O_FORMAT, 2), "c", "third --format");
	ok(cli_nth(&cli, O_FORMAT, 3) == NULL, "no fourth --format");
	is_str(cli_nth(&cli, O_SHARE, 0), "/x", "first --share");
	is_str(cli_nth(&cli, O_SHARE, 1), "/y", "second --share");
	is_str(cli_nth(&cli, O_SHARE, 2), "/z", "third --share");
	ok(cli_nth(&cli, O_SHARE, 3) == NULL, "no fourth --share");
	is_str(cli_value(&cli, O_SHARE), "/z", "the last --share wins");
	ok(cli_nth(&cli, O_QUIET, 0) == NULL, "nth of an absent option");
	is_int(cli.ngiven, 7, "seven options given");
}

static void
test_forms(void)
{
	is_int(parse(&cmd_t_ls, "--format=yaml", NULL), 0, "--format=yaml");
	is_str(cli_value(&cli, O_FORMAT), "yaml", "--opt=value");
	is_int(parse(&cmd_t_ls, "--format=", NULL), 0, "--format=");
	is_str(cli_value(&cli, O_FORMAT), "", "--opt= gives an empty value");
	is_int(parse(&cmd_t_ls, "-fyaml", NULL), 0, "-fyaml");
	is_str(cli_value(&cli, O_FORMAT), "yaml", "-xVALUE");
	is_int(parse(&cmd_t_ls, "-n12", NULL), 0, "-n12");
	is_str(cli_value(&cli, O_COUNT), "12", "-xVALUE, letter only");
	is_int(parse(&cmd_t_ls, "--format", "-a", NULL), 0,
	    "--format -a: the next word is the value");
	is_str(cli_value(&cli, O_FORMAT), "-a", "a value that starts with -");
	ok(!cli_flag(&cli, O_ALL), "and -a is not a flag there");

	is_int(parse(&cmd_t_ls, "-aq", NULL), 0, "-aq");
	ok(cli_flag(&cli, O_ALL) && cli_flag(&cli, O_QUIET), "both flags");
	is_int(cli.ngiven, 2, "two given");
	is_int(parse(&cmd_t_ls, "-aqv", NULL), 0, "-aqv");
	is_int(cli.ngiven, 3, "three given");
	/* More options than words: the list grows (the fuzz target found
	 * the fixed-size one overflowing). */
	is_int(parse(&cmd_t_ls, "-aaaa", "-qqqqqqqqqqqq", NULL), 0,
	    "-aaaa -qqqqqqqqqqqq");
	is_int(cli.ngiven, 16, "sixteen given from two words");
	is_int(parse(&cmd_t_ls, "--help=x", NULL), 2, "--help=x: a usage "
	    "error, not the help");
	is_int(parse(&cmd_t_ls, "-qfjson", NULL), 0, "-qfjson");
	ok(cli_flag(&cli, O_QUIET), "-q in a cluster with a value");
	is_str(cli_value(&cli, O_FORMAT), "json", "the value ends the cluster");
	is_int(parse(&cmd_t_ls, "-aqn", "7", NULL), 0, "-aqn 7");
	is_str(cli_value(&cli, O_COUNT), "7", "a cluster's last option takes "
	    "the next word");
}

static void
test_errors(void)
{
	is_int(parse(&cmd_t_ls, "--bogus", NULL), 2, "unknown long option");
	is_int(parse(&cmd_t_ls, "-Z", NULL), 2, "unknown short option");
	is_int(parse(&cmd_t_ls, "-aZ", NULL), 2, "unknown short option in a "
	    "cluster");
	is_int(parse(&cmd_t_ls, "--format", NULL), 2, "--format without a "
	    "value");
	is_int(parse(&cmd_t_ls, "-f", NULL), 2, "-f without a value");
	is_int(parse(&cmd_t_ls, "-n", NULL), 2, "-n without a value");
	is_int(parse(&cmd_t_ls, "web", "-f", NULL), 2, "-f without a value "
	    "after an operand");
	is_int(parse(&cmd_t_ls, "--json=yes", NULL), 2, "a value for a flag");
	is_int(parse(&cmd_t_ls, "--share", NULL), 2, "--share without a "
	    "value");
	is_int(parse(&cmd_t_ls, "-:", NULL), 2, "-: is no option");
	is_int(parse(&cmd_t_gc, "-a", NULL), 2, "an option for an entry "
	    "without options");
	is_int(parse(&cmd_t_rm, "--bogus", "web", NULL), 2, "unknown option "
	    "before a good operand");
}

static void
test_operands(void)
{
	is_int(parse(&cmd_t_status, NULL), 2, "NAME: none is too few");
	is_int(parse(&cmd_t_status, "web", NULL), 0, "NAME: one");
	is_int(parse(&cmd_t_status, "web", "db", NULL), 2, "NAME: two is too "
	    "many");
	is_int(parse(&cmd_t_ls, NULL), 0, "[NAME]: none");
	is_int(parse(&cmd_t_ls, "web", NULL), 0, "[NAME]: one");
	is_int(parse(&cmd_t_ls, "web", "db", NULL), 2, "[NAME]: two is too "
	    "many");
	is_int(parse(&cmd_t_rm, NULL), 2, "NAME...: none is too few");
	is_int(parse(&cmd_t_rm, "a", NULL), 0, "NAME...: one");
	is_int(parse(&cmd_t_rm, "a", "b", "c", "d", NULL), 0,
	    "NAME...: four");
	is_str(operands(), "a b c d", "the four in order");
	is_int(parse(&cmd_t_resize, NULL), 2, "NAME SIZE: none (no machine "
	    "name given)");
	is_int(parse(&cmd_t_resize, "web", NULL), 2, "NAME SIZE: one (no size "
	    "given)");
	is_int(parse(&cmd_t_resize, "web", "10G", NULL), 0, "NAME SIZE: two");
	is_str(operands(), "web 10G", "name and size");
	is_int(parse(&cmd_t_resize, "web", "10G", "x", NULL), 2, "NAME SIZE: "
	    "three is too many");
	is_int(parse(&cmd_t_gc, NULL), 0, "no operand words: none");
	is_int(parse(&cmd_t_gc, "x", NULL), 2, "no operand words: one is too "
	    "many");
	is_int(parse(&cmd_t_ssh, NULL), 2, "NAME [COMMAND...]: none is too "
	    "few");
	is_int(parse(&cmd_t_ssh, "web", NULL), 0, "NAME [COMMAND...]: one");
}

static void
test_order(void)
{
	is_int(parse(&cmd_t_rm, "a", "-f", "b", NULL), 0, "rm a -f b");
	ok(cli_flag(&cli, 0), "-f after an operand is an option");
	is_str(operands(), "a b", "the operands around it");
	is_int(parse(&cmd_t_ls, "web", "--format", "json", "-a", NULL), 0,
	    "ls web --format json -a");
	is_str(cli_value(&cli, O_FORMAT), "json", "a value after an operand");
	is_str(operands(), "web", "the operand");

	is_int(parse(&cmd_t_rm, "--", "-f", NULL), 0, "rm -- -f");
	ok(!cli_flag(&cli, 0), "-f after -- is no option");
	is_str(operands(), "-f", "it is an operand");
	is_int(parse(&cmd_t_rm, "-f", "a", "--", "-b", "--help", NULL), 0,
	    "rm -f a -- -b --help");
	ok(cli_flag(&cli, 0), "-f before -- is an option");
	is_str(operands(), "a -b --help", "after --: operands, --help too");
	is_int(parse(&cmd_t_rm, "-", NULL), 0, "rm -");
	is_str(operands(), "-", "- alone is an operand");

	is_int(parse(&cmd_t_ssh, "web", "ls", "-l", NULL), 0, "ssh web ls -l");
	is_str(operands(), "web ls -l", "everything after the name is an "
	    "operand");
	ok(!cli_flag(&cli, 0), "no option given");
	is_int(parse(&cmd_t_ssh, "-t", "web", "top", "-t", NULL), 0,
	    "ssh -t web top -t");
	is_int(cli.ngiven, 1, "only the -t before the name is an option");
	is_str(operands(), "web top -t", "the other is the command's");
	is_int(parse(&cmd_t_ssh, "web", "-h", NULL), 0, "ssh web -h");
	is_str(operands(), "web -h", "-h after the name is the command's");
	is_int(parse(&cmd_t_ssh, "web", "--bogus", NULL), 0,
	    "ssh web --bogus");
	is_str(operands(), "web --bogus", "so is an unknown option");
	is_int(parse(&cmd_t_ssh, "-x", "web", NULL), 2, "ssh -x web: "
	    "unknown option before the name");
	is_int(parse(&cmd_t_ssh, "--", "-t", "ls", NULL), 0, "ssh -- -t ls");
	is_str(operands(), "-t ls", "-- before the name");
}

static void
test_help(void)
{
	is_int(parse_quiet(&cmd_t_ls, "-h", NULL), 1, "ls -h");
	is_int(parse_quiet(&cmd_t_ls, "--help", NULL), 1, "ls --help");
	is_int(parse_quiet(&cmd_t_ls, "web", "-a", "--help", NULL), 1,
	    "ls web -a --help");
	is_int(parse_quiet(&cmd_t_ls, "-ah", NULL), 1, "ls -ah");
	is_int(parse_quiet(&cmd_t_ls, "web", "db", "-h", NULL), 1,
	    "help before the operand count: too many");
	is_int(parse_quiet(&cmd_t_status, "--help", NULL), 1,
	    "help before the operand count: too few");
	is_int(parse_quiet(&cmd_t_gc, "-h", NULL), 1, "gc -h (no options)");
	is_int(parse_quiet(&cmd_t_rm, "a", "b", "-h", "c", NULL), 1,
	    "rm a b -h c");
	is_int(parse_quiet(&cmd_t_ssh, "-h", NULL), 1, "ssh -h");
	is_int(parse_quiet(&cmd_t_ssh, "-t", "--help", "web", NULL), 1,
	    "ssh -t --help web");
}

static void
test_actions(void)
{
	is_int(parse(&cmd_t_cache, "pull", "--sha256", "abc", "src", NULL), 0,
	    "cache pull --sha256 abc src");
	ok(cli.cmd == &cmd_t_cache, "cmd is the command");
	ok(cli.run == &cache_actions[1], "run is pull");
	is_str(cli_value(&cli, 0), "abc", "pull's option");
	is_str(operands(), "src", "pull's operand");
	is_int(parse(&cmd_t_cache, "pull", NULL), 0, "cache pull");
	ok(cli.run == &cache_actions[1] && cli.argc == 0, "no operand");
	is_int(parse(&cmd_t_cache, "ls", "--json", NULL), 0, "cache ls --json");
	ok(cli.run == &cache_actions[0] && cli_flag(&cli, 0), "ls, --json");
	is_int(parse(&cmd_t_cache, "prune", NULL), 0, "cache prune");
	ok(cli.run == &cache_actions[2], "run is prune");

	is_int(parse(&cmd_t_cache, "frob", NULL), 2, "unknown action");
	is_int(parse(&cmd_t_cache, "", NULL), 2, "empty action");
	is_int(parse(&cmd_t_cache, NULL), 2, "no action, no default");
	is_int(parse(&cmd_t_cache, "--json", NULL), 2, "an option first, no "
	    "default");
	is_int(parse(&cmd_t_cache, "prune", "--json", NULL), 2, "an option "
	    "of another action");
	is_int(parse(&cmd_t_cache, "ls", "x", NULL), 2, "too many operands "
	    "for the action");
	is_int(parse(&cmd_t_cache, "pull", "a", "b", NULL), 2, "pull a b");

	is_int(parse(&cmd_t_net, NULL), 0, "no action, a default");
	ok(cli.run == &net_actions[0], "run is the default");
	is_int(parse(&cmd_t_net, "--json", NULL), 0, "an option first, a "
	    "default");
	ok(cli.run == &net_actions[0] && cli_flag(&cli, 0),
	    "the default's option");
	is_int(parse(&cmd_t_net, "up", "web", NULL), 0, "network up web");
	ok(cli.run == &net_actions[1], "run is up");
	is_str(operands(), "web", "up's operand");
	is_int(parse(&cmd_t_net, "up", NULL), 2, "network up: no name");
	is_int(parse(&cmd_t_net, "down", NULL), 2, "unknown action, a default");

	is_int(parse_quiet(&cmd_t_cache, "--help", NULL), 1, "cache --help");
	is_int(parse_quiet(&cmd_t_cache, "-h", NULL), 1, "cache -h");
	is_int(parse_quiet(&cmd_t_net, "--help", NULL), 1, "network --help");
	is_int(parse_quiet(&cmd_t_cache, "pull", "--help", NULL), 1,
	    "cache pull --help");
	is_int(parse_quiet(&cmd_t_cache, "prune", "x", "-h", NULL), 1,
	    "cache prune x -h");
}

static void
test_number(void)
{
	long long v;

	is_int(parse(&cmd_t_ls, NULL), 0, "ls");
	v = 42;
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 0, "-n absent: 0");
	is_int(v, 42, "out untouched");
	is_int(parse(&cmd_t_ls, "-n", "7", NULL), 0, "ls -n 7");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 1, "-n 7: 1");
	is_int(v, 7, "the value");
	is_int(parse(&cmd_t_ls, "-n", "1", "-n", "10", NULL), 0, "ls -n 1 "
	    "-n 10");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 1, "the last -n");
	is_int(v, 10, "the upper bound is in range");
	is_int(parse(&cmd_t_ls, "-n", "-5", NULL), 0, "ls -n -5");
	is_int(cli_number(&cli, O_COUNT, -5, 5, &v), 1, "a negative lower "
	    "bound");
	is_int(v, -5, "the value");
	is_int(parse(&cmd_t_ls, "--format", "9223372036854775807", NULL), 0,
	    "ls --format LLONG_MAX");
	is_int(cli_number(&cli, O_FORMAT, 0, LLONG_MAX, &v), 1, "LLONG_MAX");
	ok(v == LLONG_MAX, "the value");

	v = 42;
	is_int(parse(&cmd_t_ls, "-n", "x", NULL), 0, "ls -n x");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 2, "not a number: 2");
	is_int(parse(&cmd_t_ls, "-n", "5x", NULL), 0, "ls -n 5x");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 2, "trailing junk: 2");
	is_int(parse(&cmd_t_ls, "-n", "11", NULL), 0, "ls -n 11");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 2, "above the range: 2");
	is_int(parse(&cmd_t_ls, "-n", "0", NULL), 0, "ls -n 0");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 2, "below the range: 2");
	is_int(parse(&cmd_t_ls, "-n", "99999999999999999999", NULL), 0,
	    "ls -n 99999999999999999999");
	is_int(cli_number(&cli, O_COUNT, 1, LLONG_MAX, &v), 2, "overflow: 2");
	is_int(parse(&cmd_t_ls, "-n", "-99999999999999999999", NULL), 0,
	    "ls -n -99999999999999999999");
	is_int(cli_number(&cli, O_COUNT, LLONG_MIN, 0, &v), 2,
	    "underflow: 2");
	is_int(parse(&cmd_t_ls, "-n", " 5", NULL), 0, "ls -n ' 5'");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 2, "a leading space: 2");
	is_int(parse(&cmd_t_ls, "-n", "+5", NULL), 0, "ls -n +5");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 2, "a plus sign: 2");
	is_int(parse(&cmd_t_ls, "-n", "-", NULL), 0, "ls -n -");
	is_int(cli_number(&cli, O_COUNT, -5, 10, &v), 2, "a minus alone: 2");
	is_int(parse(&cmd_t_ls, "-n", "", NULL), 0, "ls -n ''");
	is_int(cli_number(&cli, O_COUNT, 1, 10, &v), 2, "empty: 2");
	is_int(parse(&cmd_t_ls, "--format=", NULL), 0, "ls --format=");
	is_int(cli_number(&cli, O_FORMAT, 1, 10, &v), 2, "empty, long: 2");
	is_int(v, 42, "out untouched by the errors");

	is_int(parse(&cmd_t_ls, "-a", NULL), 0, "ls -a");
	is_int(cli_number(&cli, O_ALL, 1, 10, &v), 0, "a flag has no number");
	is_int(parse(&cmd_t_cache, "pull", "--sha256", "12", NULL), 0,
	    "cache pull --sha256 12");
	is_int(cli_number(&cli, 0, 1, 100, &v), 1, "an action's option");
	is_int(v, 12, "its value");
}

/* The help of cmd, as text. */
static char *
help_of(const struct cmd *cmd)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (f == NULL)
		return NULL;
	cli_help(cmd, f);
	fclose(f);
	return s;
}

static void
test_help_text(void)
{
	static const char head[] = "usage: xhinv [-s STORE] ls [-aqv] "
	    "[-f FMT] [NAME]\n\nlist machines\n\noptions:\n";
	char *s;

	s = help_of(&cmd_t_ls);
	ok(s != NULL && strncmp(s, head, strlen(head)) == 0,
	    "ls: usage line, summary, options");
	ok(s != NULL && strstr(s, "\n  -a, --all            every machine\n")
	    != NULL, "a letter and a name");
	ok(s != NULL && strstr(s, "\n  -f, --format FMT     output format\n")
	    != NULL, "an option with a value");
	ok(s != NULL && strstr(s, "\n  -n N                 at most N lines\n"
	    "                       (a second line)\n") != NULL,
	    "a continuation line");
	ok(s != NULL && strstr(s, "\n      --share DIR      a folder") != NULL,
	    "a long name alone lines up with the others");
	ok(s != NULL && strstr(s, "\n  NAME                 the machine") !=
	    NULL, "an operand line");
	free(s);

	s = help_of(&cmd_t_cache);
	ok(s != NULL && strstr(s, "\n  pull --sha256 HEX    the expected "
	    "checksum\n") != NULL, "an action's option");
	ok(s != NULL && strstr(s, "\n  ls --json            print JSON\n") !=
	    NULL, "another action's option");
	free(s);

	s = help_of(&cmd_t_gc);
	ok(s != NULL && strcmp(s, "usage: xhinv [-s STORE] gc \n\n"
	    "collect garbage\n") == 0, "no options: no options heading");
	free(s);

	memset(&cli, 0, sizeof cli);
	cli.cmd = cli.run = &cmd_t_status;
	is_int(cli_usage(&cli, "%s", "a test usage error"), 2,
	    "cli_usage returns 2");
}

int
main(void)
{
	test_values();
	test_repeats();
	test_forms();
	test_errors();
	test_operands();
	test_order();
	test_help();
	test_actions();
	test_number();
	free(cli.given);
	memset(&cli, 0, sizeof cli);
	test_help_text();
	return tap_done();
}
