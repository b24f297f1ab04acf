/*
 * fuzz_cmdline: libFuzzer target over cli_parse, which reads an xhinv
 * command's command line against its entry (src/xhinv/cmdline.c, included
 * here: it belongs to xhinv, not to the libraries the targets link). The
 * first byte picks one of the entries below (options of every kind: letter
 * and name, letter alone, name alone, flags and values, names sharing a
 * prefix; operand words "[NAME]", "NAME...", "NAME SIZE", "NAME
 * [COMMAND...]"; CMD_OPERANDS_END; actions with and without a default);
 * the rest, split at NUL bytes, is the words after the command's name
 * (at most MAX_WORDS).
 *
 * Invariants checked (abort() on violation):
 *  - the result is 0, 1 (help) or 2 (usage error);
 *  - on 0: cli.run is the entry or one of its actions, the one named by
 *    the first word, or the default when that starts with '-';
 *  - the operand count is within the bounds of the run entry's words;
 *  - every given option is an index of an option (not an operand line) in
 *    cli.run->opts, and has a value exactly when the option takes one, a
 *    value that lies in the input's words;
 *  - cli.argv[0..argc-1] lie in the argv array passed, and the operands
 *    keep their order on the command line (all of the words after the
 *    first operand under CMD_OPERANDS_END);
 *  - cli_flag, cli_value and cli_nth agree with the given list, and
 *    cli_number is 1 (in range) or 2 for every value given;
 *  - nothing leaks (LeakSanitizer).
 *
 * The parser prints the help and usage errors: stdout and stderr point at
 * /dev/null from the first input on. Only the stdio variables are replaced,
 * not descriptors 1 and 2, so libFuzzer's output (it keeps its own copy of
 * the original stderr) and the sanitizers' reports still reach the log.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/xhinv/cmdline.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)
#define MAX_WORDS 64	/* bound the work per input */

static const struct cmd_opt ls_opts[] = {
	{ 'a', "all", NULL, "letter and name, a flag" },
	{ 'f', "format", "FMT", "letter and name, a value" },
	{ 'q', NULL, NULL, "a letter alone, a flag" },
	{ 'n', NULL, "N", "a letter alone, a value" },
	{ 0, "json", NULL, "a name alone, a flag" },
	{ 0, "share", "DIR", "a name alone, a value\n(repeatable)" },
	{ 0, "share-root", "DIR", "a name sharing a prefix" },
	{ 0, "dry-run", NULL, "a flag sharing no prefix" },
	{ 0, NULL, "NAME", "an operand line" },
	{ 0 },
};
static const struct cmd_opt rm_opts[] = {
	{ 'f', "force", NULL, "a flag" },
	{ 0 },
};
static const struct cmd_opt resize_opts[] = {
	{ 0, "timeout", "S", "a value" },
	{ 'y', NULL, NULL, "a flag" },
	{ 0 },
};
static const struct cmd_opt ssh_opts[] = {
	{ 't', NULL, NULL, "a flag" },
	{ 'p', "port", "PORT", "a value" },
	{ 0 },
};
static const struct cmd_opt cache_ls_opts[] = {
	{ 0, "json", NULL, "a flag" },
	{ 'q', "quiet", NULL, "a flag" },
	{ 0 },
};
static const struct cmd_opt cache_pull_opts[] = {
	{ 0, "sha256", "HEX", "a value" },
	{ 'k', NULL, NULL, "a flag" },
	{ 0 },
};
static const struct cmd_opt net_status_opts[] = {
	{ 0, "json", NULL, "a flag" },
	{ 0 },
};
static const struct cmd_opt net_up_opts[] = {
	{ 'w', "wait", "SEC", "a value" },
	{ 0 },
};

static const struct cmd cache_actions[] = {
	{ .name = "ls", .opts = cache_ls_opts },
	{ .name = "pull", .operands = "[SOURCE]", .opts = cache_pull_opts },
	{ .name = "prune" },
	{ 0 },
};
static const struct cmd net_actions[] = {
	{ .name = "status", .opts = net_status_opts },
	{ .name = "up", .operands = "NAME", .opts = net_up_opts },
	{ .name = "down", .operands = "NAME..." },
	{ 0 },
};

static const struct cmd entries[] = {
	{ .name = "ls", .usage = "[options] [NAME]", .summary = "ls",
	  .operands = "[NAME]", .opts = ls_opts },
	{ .name = "rm", .usage = "[-f] NAME...", .summary = "rm",
	  .operands = "NAME...", .opts = rm_opts },
	{ .name = "resize", .usage = "NAME SIZE", .summary = "resize",
	  .operands = "NAME SIZE", .opts = resize_opts },
	{ .name = "ssh", .usage = "NAME [COMMAND...]", .summary = "ssh",
	  .operands = "NAME [COMMAND...]", .opts = ssh_opts,
	  .flags = CMD_OPERANDS_END },
	{ .name = "cache", .usage = "ls | pull [SOURCE] | prune",
	  .summary = "cache", .actions = cache_actions },
	{ .name = "network", .usage = "[status | up NAME | down NAME...]",
	  .summary = "network", .actions = net_actions,
	  .default_action = "status" },
};
#define NENTRIES (sizeof entries / sizeof entries[0])

/* The operand bounds of each entry that runs, written out here rather than
 * read from the words the way the parser does; -1: no upper bound. */
static const struct {
	const struct cmd *run;
	int min, max;
} bounds[] = {
	{ &entries[0], 0, 1 },
	{ &entries[1], 1, -1 },
	{ &entries[2], 2, 2 },
	{ &entries[3], 1, -1 },
	{ &cache_actions[0], 0, 0 },
	{ &cache_actions[1], 0, 1 },
	{ &cache_actions[2], 0, 0 },
	{ &net_actions[0], 0, 0 },
	{ &net_actions[1], 1, 1 },
	{ &net_actions[2], 1, -1 },
};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

static int
count_opts(const struct cmd_opt *o)
{
	int n = 0;

	while (o != NULL && (o[n].letter || o[n].name || o[n].arg))
		n++;
	return n;
}

/* The checks on a successful parse of words w[0..n-1] (w[0] the name;
 * orig is w before getopt permuted it) from the input copy buf. */
static void
check_parsed(const struct cmd *cmd, const struct cli *cli, char **w,
    char **orig, int n, const char *buf, size_t size)
{
	const struct cmd_opt *o;
	const char *v;
	long long num;
	size_t b;
	int i, j, k, nopt, min = 0, max = 0, last, cnt;

	/* The entry that runs. */
	CHECK(cli->cmd == cmd && cli->run != NULL);
	if (cmd->actions == NULL)
		CHECK(cli->run == cmd);
	else if (n > 1 && orig[1][0] != '-')
		CHECK(strcmp(cli->run->name, orig[1]) == 0);
	else
		CHECK(cmd->default_action != NULL &&
		    strcmp(cli->run->name, cmd->default_action) == 0);
	for (b = 0; b < NBOUNDS && bounds[b].run != cli->run; b++)
		;
	CHECK(b < NBOUNDS);
	min = bounds[b].min;
	max = bounds[b].max;

	/* The operands: a count in bounds, in the array, in order. */
	CHECK(cli->argc >= min && (max < 0 || cli->argc <= max));
	CHECK(cli->argc == 0 || (cli->argv >= w &&
	    cli->argv + cli->argc <= w + n));
	for (i = 0, j = 1; i < cli->argc; i++, j++) {
		while (j < n && orig[j] != cli->argv[i])
			j++;
		CHECK(j < n);
	}
	if (cli->run->flags & CMD_OPERANDS_END && cli->argc > 0) {
		for (j = 1; j < n && orig[j] != cli->argv[0]; j++)
			;
		CHECK(n - j == cli->argc);
	}

	/* The options given. */
	o = cli->run->opts;
	nopt = count_opts(o);
	CHECK(cli->ngiven >= 0 && (cli->ngiven == 0 || cli->given != NULL));
	for (i = 0; i < cli->ngiven; i++) {
		k = cli->given[i].opt;
		CHECK(k >= 0 && k < nopt);
		CHECK(o[k].letter != 0 || o[k].name != NULL);
		v = cli->given[i].value;
		CHECK((v != NULL) == (o[k].arg != NULL));
		CHECK(v == NULL || (v >= buf && v + strlen(v) <= buf + size));
	}
	for (k = 0; k < nopt; k++) {
		for (i = 0, last = -1, cnt = 0; i < cli->ngiven; i++)
			if (cli->given[i].opt == k) {
				CHECK(cli_nth(cli, k, cnt) ==
				    cli->given[i].value);
				last = i;
				cnt++;
			}
		CHECK(cli_nth(cli, k, cnt) == NULL);
		CHECK(cli_flag(cli, k) == (last >= 0));
		CHECK(cli_value(cli, k) ==
		    (last >= 0 ? cli->given[last].value : NULL));
		if (last >= 0 && o[k].arg != NULL) {
			num = -12345;
			i = cli_number((struct cli *)cli, k, -1000, 1000,
			    &num);
			CHECK(i == 1 || i == 2);
			CHECK(i == 2 || (num >= -1000 && num <= 1000));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	const struct cmd *cmd;
	struct cli cli;
	char *w[MAX_WORDS + 2], *orig[MAX_WORDS + 2], *buf, *p;
	int n = 0, rc;

	if (null == NULL) {
		if ((null = fopen("/dev/null", "w")) == NULL)
			abort();
		stdout = null;
		stderr = null;
	}
	if (size == 0)
		return 0;
	cmd = &entries[data[0] % NENTRIES];
	data++;
	size--;
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	w[n++] = (char *)cmd->name;
	for (p = buf; p < buf + size && n <= MAX_WORDS; p += strlen(p) + 1)
		w[n++] = p;
	w[n] = NULL;
	memcpy(orig, w, sizeof w);

	memset(&cli, 0, sizeof cli);
	rc = cli_parse(&cli, cmd, n, w);
	CHECK(rc == 0 || rc == 1 || rc == 2);
	if (rc == 0)
		check_parsed(cmd, &cli, w, orig, n, buf, size);
	free(cli.given);
	free(buf);
	return 0;
}
