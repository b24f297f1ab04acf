/* xhinv: the command table, global options and error reporting. */
#include "xhinv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"
#include "util.h"

#define XHINV_VERSION "0.1.0"

volatile sig_atomic_t cli_interrupted;

const struct cmd cli_commands[] = {
	{ "create", cmd_create, "NAME [--iso SOURCE] [options]",
	  "create a machine and start it",
	  "  --iso SOURCE         the ISO: a path, file://, http(s):// URL, a GitHub\n"
	  "                       releases/latest API URL; default: the latest\n"
	  "                       boot2docker release (downloaded once, cached)\n"
	  "  --sha256 HEX         the ISO's expected checksum (or SOURCE#sha256=HEX)\n"
	  "  --backend NAME       qemu (Linux default) or xhyve (macOS default)\n"
	  "  --cpus N             virtual CPUs (default 1)\n"
	  "  --memory MB          memory in MB (default 1024)\n"
	  "  --disk-size MB       disk size in MB (default 20000)\n"
	  "  --uuid UUID          machine UUID; fixes the MAC and so the IP\n"
	  "  --cmdline TEXT       kernel command line (default: the ISO's)\n"
	  "  --timeout S          seconds to wait for IP and SSH (default 120)\n"
	  "  --share DIR          share a host folder over virtio-9p (repeatable)\n"
	  "  --share-root DIR     where the guest mounts them (/xhyve-virtio9p)\n"
	  "  --nfs-share DIR      export a host folder over NFS, xhyve backend\n"
	  "                       only (repeatable)\n"
	  "  --nfs-share-root DIR\n"
	  "                       where the guest mounts them (/xhyve-nfsshares)\n"
	  "  --disk-format FORMAT\n"
	  "                       raw (default), qcow2 (qemu-img), or ext4 (made\n"
	  "                       with libguestfs, the user data inside)\n",
	  CMD_INV_RW },
	{ "start", cmd_power, "NAME [--timeout S]", "start a stopped machine",
	  "  --timeout S          seconds to wait for IP and SSH (default 120)\n",
	  CMD_INV_RW },
	{ "stop", cmd_power, "NAME [--timeout S]",
	  "stop a machine: ACPI power button, then SIGKILL after the timeout",
	  "  --timeout S          seconds to wait for ACPI shutdown (default 30)\n",
	  CMD_INV_RW },
	{ "kill", cmd_power, "NAME", "kill a machine's hypervisor at once", "",
	  CMD_INV_RW },
	{ "restart", cmd_power, "NAME [--timeout S]", "stop, then start",
	  "  --timeout S          seconds to wait for IP and SSH (default 120)\n",
	  CMD_INV_RW },
	{ "rm", cmd_rm, "[-f] NAME...",
	  "remove machines: stop, release lease and reservation, delete files",
	  "  -f, --force          kill the VM instead of a power-button stop, and\n"
	  "                       remove the machine even when its lease or its\n"
	  "                       files cannot be removed (gc retries those)\n",
	  CMD_INV_RW },
	{ "status", cmd_status, "NAME", "print a machine's state", "",
	  CMD_INV_RW },
	{ "ip", cmd_ip, "NAME", "print a running machine's IP address", "",
	  CMD_INV_RW },
	{ "ssh", cmd_ssh, "NAME [COMMAND...]",
	  "log in to a machine, or run a command in it, as user docker", "",
	  CMD_INV_RW },
	{ "ls", cmd_ls, "[-a] [-q] [--json]", "list machines",
	  "  -a, --all            include removed and failed machines\n"
	  "  -q, --quiet          names only\n"
	  "      --json           JSON array\n",
	  CMD_INV_RW },
	{ "leases", cmd_leases, "[--json]",
	  "list DHCP leases, with the machine owning each MAC",
	  "      --json           JSON array\n",
	  CMD_INV_RW },
	{ "inspect", cmd_inspect, "NAME", "print everything recorded about a "
	  "machine, as JSON", "", CMD_INV_RW },
	{ "history", cmd_history, "[NAME] [-n N] [--before ID] [--json]",
	  "print the event history, oldest first",
	  "  -n, --limit N        the newest N events (default 100, 0: all)\n"
	  "      --before ID      only events older than event ID (the next page)\n"
	  "      --json           JSON array\n",
	  CMD_INV_RO },
	{ "gc", cmd_gc, "[--dry-run] [--expired]",
	  "remove what the inventory proves stale",
	  "  -n, --dry-run        say what would be done, change nothing\n"
	  "      --expired        also expired leases of MACs the inventory issued\n",
	  CMD_INV_RW },
	{ "sql", cmd_sql, "[--write] [--json] QUERY",
	  "run one SQL statement on the inventory (read-only by default)",
	  "      --write          allow statements that change the inventory\n"
	  "      --json           JSON array of objects\n",
	  CMD_INV_RO },
	{ "network", cmd_network, "[status|down]",
	  "show the shared network, or stop its dnsmasq and bridge", "",
	  CMD_INV_RW },
	{ "cache", cmd_cache, "ls [--json] | pull [--sha256 HEX] [SOURCE] | prune [--dry-run]",
	  "the ISO download cache: list, fetch, remove what no machine uses",
	  "  ls --json            JSON array\n"
	  "  pull SOURCE          download (or revalidate) into the cache; no\n"
	  "                       SOURCE: the latest boot2docker release\n"
	  "  pull --sha256 HEX    refuse a file with another checksum\n"
	  "  prune -n, --dry-run  say what would be deleted\n",
	  CMD_INV_RW },
	{ "reconcile", cmd_reconcile, "[--dry-run] [--json]",
	  "compare the inventory with reality and repair the differences",
	  "  -n, --dry-run        say what differs and what would be done\n"
	  "      --json           JSON array of findings\n",
	  CMD_INV_RW },
	{ "du", cmd_du, "[--json]",
	  "disk space: each machine's disk, ISO and files; cache, leftovers",
	  "      --json           JSON object (bytes)\n",
	  CMD_INV_RW },
	{ "disk", cmd_disk, "resize NAME SIZE",
	  "grow a stopped machine's disk to SIZE (MB, or 30G, 1T; never shrink)",
	  "",
	  CMD_INV_RW },
	{ "help", cmd_help, "[COMMAND]", "show help for a command", "", 0 },
};
const int cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];

int
cli_fail(const struct xherr *err)
{
	fprintf(stderr, "xhinv: %s\n", err->msg[0] ? err->msg : "failed");
	/* Interrupted: the shell's 128 + SIGINT. */
	return err->code == XHE_USAGE ? 2 : err->code == XHE_CANCELLED ? 130 : 1;
}

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

void
cli_help(const struct cmd *cmd)
{
	printf("usage: xhinv [-s STORE] %s %s\n\n%s\n", cmd->name, cmd->usage,
	    cmd->summary);
	if (cmd->options[0] != '\0')
		printf("\noptions:\n%s", cmd->options);
}

int
cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == 'h') {
		cli_help(cli->cmd);
		exit(0);
	}
	if (c == '?') {
		fprintf(stderr, "usage: xhinv %s %s\n", cli->cmd->name,
		    cli->cmd->usage);
		return '?';
	}
	return c;
}

int
cli_int(struct cli *cli, const char *opt, const char *s, long long lo,
    long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE)
		return cli_usage(cli, "%s: \"%s\" is not a whole number", opt, s);
	if (v < lo || v > hi)
		return cli_usage(cli, "%s: %lld is out of range %lld-%lld", opt,
		    v, lo, hi);
	*out = v;
	return 0;
}

int
cli_one_name(struct cli *cli, int argc, char **argv, const char **name)
{
	if (optind >= argc)
		return cli_usage(cli, "no machine name given");
	if (optind + 1 < argc)
		return cli_usage(cli, "unexpected argument \"%s\"",
		    argv[optind + 1]);
	*name = argv[optind];
	return 0;
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

void
cli_time(long long ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
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
	for (i = 0; i < cli_ncommands; i++)
		fprintf(f, "  %-9s %s\n", cli_commands[i].name,
		    cli_commands[i].summary);
	fprintf(f, "\n'xhinv help COMMAND' or 'xhinv COMMAND --help' for more.\n");
}

static const struct cmd *
find_cmd(const char *name)
{
	int i;

	for (i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

int
cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		cli_help(cli->cmd);
		return 0;
	}
	if ((c = find_cmd(argv[1])) == NULL) {
		fprintf(stderr, "xhinv: no command \"%s\"\n", argv[1]);
		return 2;
	}
	cli_help(c);
	return 0;
}

int
main(int argc, char **argv)
{
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
	if ((cli.cmd = find_cmd(argv[i])) == NULL) {
		fprintf(stderr, "xhinv: no command \"%s\"; try 'xhinv help'\n",
		    argv[i]);
		return 2;
	}
	if (store != NULL && *store == '\0') {
		fprintf(stderr, "xhinv: the store directory is empty\n");
		return 2;
	}
	cli.store = store ? xstrdup(store) : machine_default_store();
	if (cli.cmd->flags & (CMD_INV_RW | CMD_INV_RO)) {
		if (machine_store_check(cli.store, &err) == -1 ||
		    util_mkdir_p(cli.store, 0700, &err) == -1)
			return cli_fail(&err);
		db = machine_db_path(cli.store);
		rc = inv_open(&cli.inv, db, (cli.cmd->flags & CMD_INV_RO) ?
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

	optind = 1;
	rc = cli.cmd->fn(&cli, argc - i, argv + i);
	fflush(stdout);
	if (ferror(stdout) && rc == 0) {
		fprintf(stderr, "xhinv: cannot write output\n");
		rc = 1;
	}
	inv_close(cli.inv);
	free(cli.store);
	return rc;
}
