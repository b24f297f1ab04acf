/* xhinv status NAME */
#include "xhinv.h"

#include <stdio.h>

static int
status_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	const char *name = cli->argv[0];
	int state;

	if (machine_get(&cli->mctx, name, &m, &state, &err) == -1)
		return cli_fail(&err);
	printf("%s\n", machine_state_str(state));
	inv_machine_release(&m);
	return 0;
}

const struct cmd cmd_status = {
	.name = "status", .usage = "NAME", .operands = "NAME",
	.summary = "print a machine's state",
	.flags = CMD_INV_RW, .fn = status_run,
};
