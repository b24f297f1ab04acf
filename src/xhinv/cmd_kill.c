/* xhinv kill NAME */
#include "xhinv.h"

#include <stdio.h>

int
cmd_kill(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	const char *name;

	if (cli_getopt(cli, argc, argv, "h", lo) != -1)
		return 2;
	if (cli_one_name(cli, argc, argv, &name))
		return 2;
	if (machine_kill(&cli->mctx, name, &err) == -1) {
		if (err.code == XHE_STATE) {
			fprintf(stderr, "xhinv: %s\n", err.msg);
			return 0;
		}
		return cli_fail(&err);
	}
	printf("%s is stopped\n", name);
	return 0;
}
