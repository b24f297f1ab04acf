/*
 * The command line of one command, read against its entry (xhinv.h):
 * getopt's tables are built from the entry's options, the operands are
 * counted against its operand words, and the help is printed from the
 * same entry, so what a command accepts and what its help says cannot
 * drift apart.
 */
#include "xhinv.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xherr.h"

#define HELP_COL 23		/* where an option's text starts */
#define CLI_HELP (-2)		/* getopt's code for -h and --help */

int
cli_usage(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xhinv %s: ", cli->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: xhinv %s %s\n", cli->cmd->name,
	    cli->cmd->usage);
	return 2;
}

static int
nopts(const struct cmd_opt *o)
{
	int n = 0;

	while (o != NULL && (o[n].letter || o[n].name || o[n].arg))
		n++;
	return n;
}

/* One help line: "  HEAD" then the text at HELP_COL, on the next line
 * when the head is too wide; each '\n' in the text starts a line there. */
static void
help_line(FILE *f, const char *action, int pad, const struct cmd_opt *o)
{
	struct buf head;
	const char *t;

	buf_init(&head);
	buf_addf(&head, "  %s%s", action ? action : "", action ? " " : "");
	if (o->letter || o->name) {
		if (o->letter)
			buf_addf(&head, "-%c%s", o->letter, o->name ? ", " : "");
		else if (pad)
			buf_addf(&head, "%s", "    ");	/* under the long names */
		if (o->name)
			buf_addf(&head, "--%s", o->name);
		if (o->arg)
			buf_addf(&head, " %s", o->arg);
	} else {
		buf_addf(&head, "%s", o->arg);	/* an operand */
	}
	if (head.len + 2 > HELP_COL)
		fprintf(f, "%s\n%*s", buf_str(&head), HELP_COL, "");
	else
		fprintf(f, "%-*s", HELP_COL, buf_str(&head));
	for (t = o->help; *t; t++) {
		fputc(*t, f);
		if (*t == '\n')
			fprintf(f, "%*s", HELP_COL, "");
	}
	fputc('\n', f);
	buf_release(&head);
}

void
cli_help(const struct cmd *cmd, FILE *f)
{
	const struct cmd *a;
	int i, any = 0, letters = 0;

	fprintf(f, "usage: xhinv [-s STORE] %s %s\n\n%s\n", cmd->name,
	    cmd->usage, cmd->summary);
	/* Long names line up after "-x, " when some option has a letter. */
	for (i = 0; i < nopts(cmd->opts); i++)
		letters |= cmd->opts[i].letter != 0;
	for (i = 0; i < nopts(cmd->opts); i++) {
		fprintf(f, "%s", any++ ? "" : "\noptions:\n");
		help_line(f, NULL, letters, &cmd->opts[i]);
	}
	for (a = cmd->actions; a != NULL && a->name != NULL; a++)
		for (i = 0; i < nopts(a->opts); i++) {
			fprintf(f, "%s", any++ ? "" : "\noptions:\n");
			help_line(f, a->name, 0, &a->opts[i]);
		}
}

/* How many operands the words allow: "NAME" one, "[NAME]" at most one,
 * "NAME..." one or more. *missing: the first word that must be given
 * when fewer than *min are. */
static void
operand_counts(const char *words, int have, int *min, int *max,
    char *missing, size_t n)
{
	const char *p = words ? words : "";
	size_t len;

	*min = *max = 0;
	missing[0] = '\0';
	while (*p) {
		len = strcspn(p, " ");
		if (len > 0) {
			int optional = p[0] == '[';
			int many = len >= 3 && memmem(p, len, "...", 3) != NULL;

			if (!optional) {
				if (*min == have && missing[0] == '\0') {
					size_t k, w = strcspn(p, ". ");

					for (k = 0; k < w && k + 1 < n; k++)
						missing[k] = (char)tolower(
						    (unsigned char)p[k]);
					missing[k] = '\0';
				}
				(*min)++;
			}
			if (many)
				*max = -1;
			else if (*max >= 0)
				(*max)++;
		}
		p += len;
		while (*p == ' ')
			p++;
	}
}

static const struct cmd *
find_action(const struct cmd *actions, const char *name)
{
	for (; actions->name != NULL; actions++)
		if (strcmp(actions->name, name) == 0)
			return actions;
	return NULL;
}

/* "ls, pull or prune" */
static void
action_list(const struct cmd *actions, struct buf *b)
{
	const struct cmd *a;

	for (a = actions; a->name != NULL; a++)
		buf_addf(b, "%s%s", a == actions ? "" : a[1].name ? ", " :
		    " or ", a->name);
}

static int
is_help(const char *s)
{
	return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0;
}

/* getopt_long over the entry's options: the results go to cli->given. */
static int
parse_options(struct cli *cli, const struct cmd *run, int argc, char **argv)
{
	const struct cmd_opt *opts = run->opts;
	int i, c, n = nopts(opts);
	struct option *lo = xcalloc((size_t)n + 2, sizeof *lo);
	struct buf so;
	int nlo = 0, rc = 0;

	buf_init(&so);
	buf_addf(&so, "%s", run->flags & CMD_OPERANDS_END ? "+:h" : ":h");
	for (i = 0; i < n; i++) {
		if (opts[i].letter)
			buf_addf(&so, "%c%s", opts[i].letter,
			    opts[i].arg ? ":" : "");
		if (opts[i].name)
			lo[nlo++] = (struct option){ opts[i].name,
			    opts[i].arg ? required_argument : no_argument,
			    NULL, 256 + i };
	}
	lo[nlo++] = (struct option){ "help", no_argument, NULL, CLI_HELP };
	/* One word can hold several options (-aq): room grows as they come. */
	size_t room = (size_t)argc + 1;

	cli->given = xcalloc(room, sizeof *cli->given);
	opterr = 0;
	optind = 0;		/* GNU: start afresh */
	while (rc == 0 &&
	    (c = getopt_long(argc, argv, buf_str(&so), lo, NULL)) != -1) {
		const char *bad = argv[optind - 1];

		if (c == 'h' || c == CLI_HELP) {
			cli_help(cli->cmd, stdout);
			rc = 1;
		} else if (c == '?') {
			rc = optopt > 0 && optopt < 256 ?
			    cli_usage(cli, "unknown option -%c", optopt) :
			    cli_usage(cli, "unknown option %s", bad);
		} else if (c == ':') {
			rc = optopt > 0 && optopt < 256 ?
			    cli_usage(cli, "-%c needs a value", optopt) :
			    cli_usage(cli, "%s needs a value", bad);
		} else {
			for (i = c >= 256 ? c - 256 : 0; c < 256 && i < n &&
			    opts[i].letter != c; i++)
				;
			if ((size_t)cli->ngiven == room) {
				room *= 2;
				cli->given = xrealloc(cli->given,
				    room * sizeof *cli->given);
			}
			cli->given[cli->ngiven].opt = i;
			cli->given[cli->ngiven++].value =
			    opts[i].arg ? optarg : NULL;
		}
	}
	free(lo);
	buf_release(&so);
	return rc;
}

int
cli_parse(struct cli *cli, const struct cmd *cmd, int argc, char **argv)
{
	char missing[32];
	struct buf names;
	int rc, min, max;

	cli->cmd = cli->run = cmd;
	if (cmd->actions != NULL) {
		buf_init(&names);
		action_list(cmd->actions, &names);
		rc = 0;
		if (argc > 1 && argv[1][0] != '-') {
			if ((cli->run = find_action(cmd->actions, argv[1])) == NULL)
				rc = cli_usage(cli, "unknown action \"%s\": say %s",
				    argv[1], buf_str(&names));
			argc--;
			argv++;
		} else if (argc > 1 && is_help(argv[1])) {
			cli_help(cmd, stdout);
			rc = 1;
		} else if (cmd->default_action != NULL) {
			cli->run = find_action(cmd->actions,
			    cmd->default_action);
		} else {
			rc = cli_usage(cli, "no action given: say %s",
			    buf_str(&names));
		}
		buf_release(&names);
		if (rc != 0)
			return rc;
	}
	if ((rc = parse_options(cli, cli->run, argc, argv)) != 0)
		return rc;
	cli->argc = argc - optind;
	cli->argv = argv + optind;
	operand_counts(cli->run->operands, cli->argc, &min, &max, missing,
	    sizeof missing);
	if (cli->argc < min)
		return cli_usage(cli, "no %s given", strcmp(missing, "name") ?
		    missing : "machine name");
	if (max >= 0 && cli->argc > max)
		return cli_usage(cli, "unexpected argument \"%s\"",
		    cli->argv[max]);
	return 0;
}

const char *
cli_nth(const struct cli *cli, int opt, int n)
{
	int i;

	for (i = 0; i < cli->ngiven; i++)
		if (cli->given[i].opt == opt && n-- == 0)
			return cli->given[i].value;
	return NULL;
}

int
cli_flag(const struct cli *cli, int opt)
{
	int i;

	for (i = 0; i < cli->ngiven; i++)
		if (cli->given[i].opt == opt)
			return 1;
	return 0;
}

const char *
cli_value(const struct cli *cli, int opt)
{
	int i;

	for (i = cli->ngiven - 1; i >= 0; i--)
		if (cli->given[i].opt == opt)
			return cli->given[i].value;
	return NULL;
}

int
cli_number(struct cli *cli, int opt, long long lo, long long hi,
    long long *out)
{
	const struct cmd_opt *o = &cli->run->opts[opt];
	const char *s = cli_value(cli, opt);
	char name[64];
	char *end;
	long long v;

	if (s == NULL)
		return 0;
	if (o->name)
		snprintf(name, sizeof name, "--%s", o->name);
	else
		snprintf(name, sizeof name, "-%c", o->letter);
	/* Digits, with a minus at most: strtoll alone takes " 5" and "+5". */
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)s[s[0] == '-']) || *end != '\0' ||
	    errno == ERANGE)
		return cli_usage(cli, "%s: \"%s\" is not a whole number", name,
		    s);
	if (v < lo || v > hi)
		return cli_usage(cli, "%s: %lld is out of range %lld-%lld", name,
		    v, lo, hi);
	*out = v;
	return 1;
}
