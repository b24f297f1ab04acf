/* xhinv rm [-f] NAME... */
#include "xhinv.h"

#include <stdio.h>

int
cmd_rm(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	int c, force = 0, rc = 0;

	while ((c = cli_getopt(cli, argc, argv, "fh", lo)) != -1) {
		if (c != 'f')
			return 2;
		force = 1;
	}
	if (optind >= argc)
		return cli_usage(cli, "no machine name given");
	for (; optind < argc; optind++) {
		xherr_clear(&err);
		if (machine_rm(&cli->mctx, argv[optind],
		    force ? MACHINE_RM_FORCE : 0, &err) == -1) {
			int r = cli_fail(&err);
			if (r > rc)
				rc = r;
			continue;
		}
		printf("removed %s\n", argv[optind]);
	}
	return rc;
}
