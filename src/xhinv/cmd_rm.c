/* xhinv rm [-f] NAME... */
#include "xhinv.h"

#include <stdio.h>

static const struct cmd_opt opts[] = {
	{ 'f', "force", NULL, "kill the VM instead of a power-button stop, and\n"
	    "remove the machine even when its lease or its\n"
	    "files cannot be removed (gc retries those)" },
	{ 0 },
};

static int
rm_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	int i, rc = 0;

	for (i = 0; i < cli->argc; i++) {
		xherr_clear(&err);
		if (machine_rm(&cli->mctx, cli->argv[i],
		    cli_flag(cli, 0) ? MACHINE_RM_FORCE : 0, &err) == -1) {
			int r = cli_fail(&err);
			if (r > rc)
				rc = r;
			continue;
		}
		printf("removed %s\n", cli->argv[i]);
	}
	return rc;
}

const struct cmd cmd_rm = {
	.name = "rm", .usage = "[-f] NAME...", .operands = "NAME...",
	.summary = "remove machines: stop, release lease and reservation, "
	    "delete files",
	.opts = opts, .flags = CMD_INV_RW, .fn = rm_run,
};
