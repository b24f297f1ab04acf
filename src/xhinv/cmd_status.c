/* xhinv status NAME */
#include "xhinv.h"

#include <stdio.h>

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	const char *name;
	int state;

	if (cli_getopt(cli, argc, argv, "h", lo) != -1)
		return 2;
	if (cli_one_name(cli, argc, argv, &name))
		return 2;
	if (machine_get(&cli->mctx, name, &m, &state, &err) == -1)
		return cli_fail(&err);
	printf("%s\n", machine_state_str(state));
	inv_machine_release(&m);
	return 0;
}
