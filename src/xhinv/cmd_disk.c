/* xhinv disk resize NAME SIZE: grow a stopped machine's raw or qcow2 disk. */
#include "xhinv.h"

#include "disk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
resize_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	const char *name = cli->argv[0], *size = cli->argv[1];
	int64_t mb;

	if ((mb = disk_parse_size(size)) == -1)
		return cli_usage(cli, "size \"%s\": a number of MB, or with G or "
		    "T (30G), up to 16T", size);
	if (machine_disk_resize(&cli->mctx, name, mb, &err) == -1)
		return cli_fail(&err);
	printf("%s's disk is %lld MB\n", name, (long long)mb);
	return 0;
}

static const struct cmd actions[] = {
	{ .name = "resize", .operands = "NAME SIZE", .flags = CMD_INV_RW,
	  .fn = resize_run },
	{ 0 },
};

const struct cmd cmd_disk = {
	.name = "disk", .usage = "resize NAME SIZE",
	.summary = "grow a stopped machine's disk to SIZE (MB, or 30G, 1T; never "
	    "shrink)",
	.actions = actions,
};
