/* xhinv create NAME [options]: make a machine and start it. */
#include "xhinv.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"

enum {
	O_ISO, O_SHA256, O_BACKEND, O_CPUS, O_MEMORY, O_DISK_SIZE, O_UUID,
	O_CMDLINE, O_TIMEOUT, O_SHARE, O_SHARE_ROOT, O_NFS_SHARE,
	O_NFS_SHARE_ROOT, O_DISK_FORMAT,
};
static const struct cmd_opt opts[] = {
	[O_ISO] = { 0, "iso", "SOURCE", "the ISO: a path, file://, http(s):// "
	    "URL, a GitHub\nreleases/latest API URL; default: the latest\n"
	    "boot2docker release (downloaded once, cached)" },
	[O_SHA256] = { 0, "sha256", "HEX",
	    "the ISO's expected checksum (or SOURCE#sha256=HEX)" },
	[O_BACKEND] = { 0, "backend", "NAME",
	    "qemu (Linux default) or xhyve (macOS default)" },
	[O_CPUS] = { 0, "cpus", "N", "virtual CPUs (default 1)" },
	[O_MEMORY] = { 0, "memory", "MB", "memory in MB (default 1024)" },
	[O_DISK_SIZE] = { 0, "disk-size", "MB",
	    "disk size in MB (default 20000)" },
	[O_UUID] = { 0, "uuid", "UUID",
	    "machine UUID; fixes the MAC and so the IP" },
	[O_CMDLINE] = { 0, "cmdline", "TEXT",
	    "kernel command line (default: the ISO's)" },
	[O_TIMEOUT] = { 0, "timeout", "S",
	    "seconds to wait for IP and SSH (default 120)" },
	[O_SHARE] = { 0, "share", "DIR",
	    "share a host folder over virtio-9p (repeatable)" },
	[O_SHARE_ROOT] = { 0, "share-root", "DIR",
	    "where the guest mounts them (/xhyve-virtio9p)" },
	[O_NFS_SHARE] = { 0, "nfs-share", "DIR", "export a host folder over "
	    "NFS, xhyve backend\nonly (repeatable)" },
	[O_NFS_SHARE_ROOT] = { 0, "nfs-share-root", "DIR",
	    "where the guest mounts them (/xhyve-nfsshares)" },
	[O_DISK_FORMAT] = { 0, "disk-format", "FORMAT", "raw (default), "
	    "qcow2 (qemu-img), or ext4 (made\nwith libguestfs, the user data "
	    "inside)" },
	{ 0 },
};

/* The shares of option opt as the user typed them, made absolute against
 * the current directory (symbolic links resolved) when they exist. */
static int
shares(struct cli *cli, int opt, char **v, int *n)
{
	const char *arg;
	char *abs;

	for (*n = 0; (arg = cli_nth(cli, opt, *n)) != NULL; (*n)++) {
		if (*n == SHARE_MAX)
			return cli_usage(cli, "--%s: at most %d shared folders",
			    opts[opt].name, SHARE_MAX);
		abs = realpath(arg, NULL);
		v[*n] = abs ? abs : xstrdup(arg);
	}
	return 0;
}

static int
create_run(struct cli *cli)
{
	struct machine_create_opts o;
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	char *p9[SHARE_MAX], *pnfs[SHARE_MAX];
	long long cpus = MACHINE_DEFAULT_CPUS, mem = MACHINE_DEFAULT_MEMORY_MB;
	long long disk = MACHINE_DEFAULT_DISK_MB, timeout = 0;
	int state, rc = 2, i;

	memset(&o, 0, sizeof o);
	o.name = cli->argv[0];
	o.iso = cli_value(cli, O_ISO) ? cli_value(cli, O_ISO) : "";
	o.sha256 = cli_value(cli, O_SHA256);
	o.backend = cli_value(cli, O_BACKEND);
	o.uuid = cli_value(cli, O_UUID);
	o.cmdline = cli_value(cli, O_CMDLINE);
	o.root_9p = cli_value(cli, O_SHARE_ROOT);
	o.root_nfs = cli_value(cli, O_NFS_SHARE_ROOT);
	o.disk_format = cli_value(cli, O_DISK_FORMAT);
	o.shares_9p = (const char *const *)p9;
	o.shares_nfs = (const char *const *)pnfs;
	if (cli_number(cli, O_CPUS, 1, MACHINE_MAX_CPUS, &cpus) == 2 ||
	    cli_number(cli, O_MEMORY, 1, 1 << 30, &mem) == 2 ||
	    cli_number(cli, O_DISK_SIZE, 1, MACHINE_MAX_DISK_MB, &disk) == 2 ||
	    cli_number(cli, O_TIMEOUT, 1, 86400, &timeout) == 2 ||
	    shares(cli, O_SHARE, p9, &o.n9p) == 2 ||
	    shares(cli, O_NFS_SHARE, pnfs, &o.nnfs) == 2)
		goto out;
	o.cpus = (int)cpus;
	o.memory_mb = (int)mem;
	o.disk_mb = disk;
	o.timeout_s = (int)timeout;
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

const struct cmd cmd_create = {
	.name = "create", .usage = "NAME [--iso SOURCE] [options]",
	.operands = "NAME", .summary = "create a machine and start it",
	.opts = opts, .flags = CMD_INV_RW, .fn = create_run,
};
