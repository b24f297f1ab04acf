/* xhinv start NAME [--timeout S] */
#include "xhinv.h"

#include <stdio.h>

int
cmd_start(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	const char *name;
	long long v;
	int c, timeout = 0;

	while ((c = cli_getopt(cli, argc, argv, "h", lo)) != -1) {
		if (c != 't' || cli_int(cli, "--timeout", optarg, 1, 86400, &v))
			return 2;
		timeout = (int)v;
	}
	if (cli_one_name(cli, argc, argv, &name))
		return 2;
	if (machine_start(&cli->mctx, name, timeout, &err) == -1) {
		if (err.code == XHE_STATE) {
			fprintf(stderr, "xhinv: %s\n", err.msg);
			return 0;
		}
		return cli_fail(&err);
	}
	printf("%s is running\n", name);
	return 0;
}
