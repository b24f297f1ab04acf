/* xhinv: the command table, global options and error reporting. */
#include "xhinv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"
#include "util.h"

#define XHINV_VERSION "0.1.0"

volatile sig_atomic_t cli_interrupted;

/* The commands, in the order 'xhinv help' lists them. Each entry owns
 * its usage, options and help (cmd_<name>.c). */
static const struct cmd *const commands[] = {
	&cmd_create, &cmd_start, &cmd_stop, &cmd_kill, &cmd_restart, &cmd_rm,
	&cmd_status, &cmd_ip, &cmd_ssh, &cmd_ls, &cmd_leases, &cmd_inspect,
	&cmd_history, &cmd_gc, &cmd_sql, &cmd_network, &cmd_cache,
	&cmd_reconcile, &cmd_du, &cmd_disk, &cmd_help,
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

int
cli_fail(const struct xherr *err)
{
	fprintf(stderr, "xhinv: %s\n", err->msg[0] ? err->msg : "failed");
	/* Interrupted: the shell's 128 + SIGINT. */
	return err->code == XHE_USAGE ? 2 : err->code == XHE_CANCELLED ? 130 : 1;
}

void
cli_progress(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "xhinv: %s\n", msg);
}

void
cli_duration(long long ms, char *out, size_t n)
{
	if (ms < 0)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%lld.%02llds", ms / 1000, (ms % 1000) / 10);
}

/* Two digits of V, then SEP unless it is 0, and a terminating NUL. */
static char *
put2(char *o, int v, char sep)
{
	*o++ = (char)('0' + v / 10);
	*o++ = (char)('0' + v % 10);
	if (sep != 0)
		*o++ = sep;
	*o = '\0';
	return o;
}

void
cli_time(long long ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	int y;

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(out, n, "-");
		return;
	}
	y = tm.tm_year + 1900;
	if (n < sizeof "YYYY-MM-DD HH:MM:SS" || y < 0 || y > 9999) {
		strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
		return;
	}
	/* By hand: strftime was 5 % of `xhinv ls` at 2,000 rows. */
	out = put2(out, y / 100, 0);
	out = put2(out, y % 100, '-');
	out = put2(out, tm.tm_mon + 1, '-');
	out = put2(out, tm.tm_mday, ' ');
	out = put2(out, tm.tm_hour, ':');
	out = put2(out, tm.tm_min, ':');
	put2(out, tm.tm_sec, 0);
}

void
cli_download_progress(void *arg, int64_t done, int64_t total)
{
	static int64_t t0, last_done;
	static int active;
	int64_t now = util_mono_ms();
	char line[96];

	(void)arg;
	if (!isatty(2))
		return;
	if (!active || done < last_done) {
		t0 = now;
		active = 1;
	}
	last_done = done;
	double secs = (double)(now - t0) / 1000.0;
	double rate = secs > 0.2 ? (double)done / secs : 0;
	if (total > 0) {
		int pct = (int)(done * 100 / total);
		long eta = rate > 0 ? (long)((double)(total - done) / rate) : -1;
		snprintf(line, sizeof line, "%3d%%  %7.1f MB/s  ETA %s%lds", pct,
		    rate / 1048576.0, eta < 0 ? "?" : "", eta < 0 ? 0L : eta);
	} else {
		snprintf(line, sizeof line, "%lld MB  %7.1f MB/s",
		    (long long)(done >> 20), rate / 1048576.0);
	}
	fprintf(stderr, "\rxhinv: downloading %s\033[K", line);
	if (total > 0 && done >= total) {
		fprintf(stderr, "\n");
		active = 0;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	if (cli_interrupted) {
		/* A second interrupt: stop waiting for the clean-up too. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	cli_interrupted = 1;
}

static void
usage(FILE *f)
{
	int i;

	fprintf(f, "usage: xhinv [-s STORE] COMMAND [ARGS]\n"
	    "       xhinv --version | --help\n\n"
	    "The inventory and lifecycle of xhyve/QEMU docker machines.\n"
	    "STORE: -s/--store, else $MACHINE_STORAGE_PATH, else "
	    "~/.docker/machine\n\n"
	    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i]->name,
		    commands[i]->summary);
	fprintf(f, "\n'xhinv help COMMAND' or 'xhinv COMMAND --help' for more.\n");
}

static const struct cmd *
find_cmd(const char *name)
{
	int i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int
help_run(struct cli *cli)
{
	const struct cmd *c;

	if (cli->argc == 0) {
		usage(stdout);
		return 0;
	}
	if ((c = find_cmd(cli->argv[0])) == NULL) {
		fprintf(stderr, "xhinv: no command \"%s\"\n", cli->argv[0]);
		return 2;
	}
	cli_help(c, stdout);
	return 0;
}

const struct cmd cmd_help = {
	.name = "help", .usage = "[COMMAND]", .operands = "[COMMAND]",
	.summary = "show help for a command", .fn = help_run,
};

int
main(int argc, char **argv)
{
	const struct cmd *cmd;
	struct cli cli;
	struct xherr err = XHERR_INIT;
	struct sigaction sa;
	const char *store = NULL;
	char *db;
	int i, rc;

	/* Setuid, the environment is the user's: nothing in it names what
	 * root runs or rewrites (priv.h). */
	priv_scrub_env();
	if (priv_drop() == -1) {
		fprintf(stderr, "xhinv: cannot drop to uid %u: %s\n",
		    (unsigned)getuid(), strerror(errno));
		return 1;
	}
	memset(&cli, 0, sizeof cli);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--store") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "xhinv: %s needs a directory\n",
				    argv[i]);
				return 2;
			}
			store = argv[++i];
		} else if (strncmp(argv[i], "--store=", 8) == 0) {
			store = argv[i] + 8;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("xhinv %s (schema %d)\n", XHINV_VERSION,
			    inv_schema_version());
			return 0;
		} else {
			fprintf(stderr, "xhinv: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if ((cmd = find_cmd(argv[i])) == NULL) {
		fprintf(stderr, "xhinv: no command \"%s\"; try 'xhinv help'\n",
		    argv[i]);
		return 2;
	}
	/* The command line is read, and usage errors found, before the
	 * inventory is opened (or the store made). */
	if ((rc = cli_parse(&cli, cmd, argc - i, argv + i)) != 0)
		return rc == 1 ? 0 : rc;
	if (store != NULL && *store == '\0') {
		fprintf(stderr, "xhinv: the store directory is empty\n");
		return 2;
	}
	cli.store = store ? xstrdup(store) : machine_default_store();
	if (cli.run->flags & (CMD_INV_RW | CMD_INV_RO)) {
		if (machine_store_check(cli.store, &err) == -1 ||
		    util_mkdir_p(cli.store, 0700, &err) == -1)
			return cli_fail(&err);
		db = machine_db_path(cli.store);
		rc = inv_open(&cli.inv, db, (cli.run->flags & CMD_INV_RO) ?
		    INV_RDONLY : INV_RW, &err);
		free(db);
		if (rc == -1)
			return cli_fail(&err);
	}
	machine_ctx_init(&cli.mctx, cli.store, cli.inv);
	cli.mctx.cancel = &cli_interrupted;
	cli.mctx.progress = cli_progress;
	cli.mctx.download_progress = cli_download_progress;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = cli.run->fn(&cli);
	fflush(stdout);
	if (ferror(stdout) && rc == 0) {
		fprintf(stderr, "xhinv: cannot write output\n");
		rc = 1;
	}
	inv_close(cli.inv);
	free(cli.store);
	free(cli.given);
	return rc;
}
