/* xhinv ip NAME */
#include "xhinv.h"

#include <stdio.h>

static int
ip_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	const char *name = cli->argv[0];
	int state, rc = 0;

	if (machine_get(&cli->mctx, name, &m, &state, &err) == -1)
		return cli_fail(&err);
	if (state != MACHINE_RUNNING) {
		xherr_set(&err, XHE_STATE, "%s is not running", name);
		rc = cli_fail(&err);
	} else if (m.ip[0] == '\0') {
		xherr_set(&err, XHE_NOTFOUND, "%s has no IP address yet", name);
		rc = cli_fail(&err);
	} else {
		printf("%s\n", m.ip);
	}
	inv_machine_release(&m);
	return rc;
}

const struct cmd cmd_ip = {
	.name = "ip", .usage = "NAME", .operands = "NAME",
	.summary = "print a running machine's IP address",
	.flags = CMD_INV_RW, .fn = ip_run,
};
