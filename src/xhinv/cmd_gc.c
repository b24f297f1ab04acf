/* xhinv gc [--dry-run] [--expired] */
#include "xhinv.h"

#include <stdio.h>

static void
report(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
}

int
cmd_gc(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "expired", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	int c, dry = 0, expired = 0, found = 0;
	int64_t bytes = 0;
	char h[16];

	while ((c = cli_getopt(cli, argc, argv, "nh", lo)) != -1) {
		if (c == 'n')
			dry = 1;
		else if (c == 'e')
			expired = 1;
		else
			return 2;
	}
	if (optind < argc)
		return cli_usage(cli, "unexpected argument \"%s\"", argv[optind]);
	if (machine_gc(&cli->mctx, dry, expired, report, NULL, &found,
	    &bytes, &err) == -1)
		return cli_fail(&err);
	if (found == 0) {
		printf("nothing to clean\n");
		return 0;
	}
	util_human_bytes(bytes, h, sizeof h);
	printf("%s %s of disk space (%lld bytes)\n", dry ? "would free" :
	    "freed", h, (long long)bytes);
	return 0;
}
