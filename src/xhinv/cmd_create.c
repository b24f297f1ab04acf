/* xhinv create NAME [--iso SOURCE] [--sha256 HEX] [--cpus N] [--memory MB] [--disk-size MB]
 *	[--uuid UUID] [--cmdline TEXT] [--timeout S] [--share DIR]... [--share-root DIR]
 *	[--nfs-share DIR]... [--nfs-share-root DIR] */
#include "xhinv.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"

/* A share as the user typed it, made absolute against the current
 * directory (symbolic links resolved) when it exists. */
static int
add_share(struct cli *cli, const char *opt, const char *arg, char **v, int *n)
{
	char *abs;

	if (*n == SHARE_MAX) {
		cli_usage(cli, "%s: at most %d shared folders", opt, SHARE_MAX);
		return -1;
	}
	abs = realpath(arg, NULL);
	v[(*n)++] = abs ? abs : xstrdup(arg);
	return 0;
}

int
cmd_create(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iso", required_argument, NULL, 'i' },
		{ "sha256", required_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "disk-size", required_argument, NULL, 'd' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "cmdline", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "share", required_argument, NULL, 'S' },
		{ "share-root", required_argument, NULL, 'R' },
		{ "nfs-share", required_argument, NULL, 'N' },
		{ "nfs-share-root", required_argument, NULL, 'Q' },
		{ "disk-format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct machine_create_opts o;
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	char *p9[SHARE_MAX], *pnfs[SHARE_MAX];
	int state, c, rc = 2, i;
	long long v;

	memset(&o, 0, sizeof o);
	o.iso = "";		/* the latest boot2docker release */
	o.cpus = MACHINE_DEFAULT_CPUS;
	o.memory_mb = MACHINE_DEFAULT_MEMORY_MB;
	o.disk_mb = MACHINE_DEFAULT_DISK_MB;
	o.shares_9p = (const char *const *)p9;
	o.shares_nfs = (const char *const *)pnfs;
	while ((c = cli_getopt(cli, argc, argv, "h", lo)) != -1) {
		switch (c) {
		case 'i':
			o.iso = optarg;
			break;
		case 's':
			o.sha256 = optarg;
			break;
		case 'b':
			o.backend = optarg;
			break;
		case 'c':
			if (cli_int(cli, "--cpus", optarg, 1, MACHINE_MAX_CPUS, &v))
				goto out;
			o.cpus = (int)v;
			break;
		case 'm':
			if (cli_int(cli, "--memory", optarg, 1, 1 << 30, &v))
				goto out;
			o.memory_mb = (int)v;
			break;
		case 'd':
			if (cli_int(cli, "--disk-size", optarg, 1,
			    MACHINE_MAX_DISK_MB, &v))
				goto out;
			o.disk_mb = v;
			break;
		case 'u':
			o.uuid = optarg;
			break;
		case 'k':
			o.cmdline = optarg;
			break;
		case 't':
			if (cli_int(cli, "--timeout", optarg, 1, 86400, &v))
				goto out;
			o.timeout_s = (int)v;
			break;
		case 'S':
			if (add_share(cli, "--share", optarg, p9, &o.n9p) == -1)
				goto out;
			break;
		case 'R':
			o.root_9p = optarg;
			break;
		case 'N':
			if (add_share(cli, "--nfs-share", optarg, pnfs,
			    &o.nnfs) == -1)
				goto out;
			break;
		case 'Q':
			o.root_nfs = optarg;
			break;
		case 'F':
			o.disk_format = optarg;
			break;
		default:
			goto out;
		}
	}
	if (cli_one_name(cli, argc, argv, &o.name))
		goto out;
	if (machine_check_create(&o, &err) == -1) {
		rc = err.code == XHE_USAGE ? cli_usage(cli, "%s", err.msg) :
		    cli_fail(&err);
		goto out;
	}
	if (machine_create(&cli->mctx, &o, &err) == -1 ||
	    machine_get(&cli->mctx, o.name, &m, &state, &err) == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	printf("%s is %s at %s\n", m.name, machine_state_str(state), m.ip);
	inv_machine_release(&m);
	rc = 0;
out:
	for (i = 0; i < o.n9p; i++)
		free(p9[i]);
	for (i = 0; i < o.nnfs; i++)
		free(pnfs[i]);
	return rc;
}
