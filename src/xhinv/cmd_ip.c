/* xhinv ip NAME */
#include "xhinv.h"

#include <stdio.h>

int
cmd_ip(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	const char *name;
	int state, rc = 0;

	if (cli_getopt(cli, argc, argv, "h", lo) != -1)
		return 2;
	if (cli_one_name(cli, argc, argv, &name))
		return 2;
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
