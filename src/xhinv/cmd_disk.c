/* xhinv disk resize NAME SIZE: grow a stopped machine's raw or qcow2 disk. */
#include "xhinv.h"

#include "disk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_disk(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	int64_t mb;

	if (cli_getopt(cli, argc, argv, "h", lo) != -1)
		return 2;
	if (optind >= argc || strcmp(argv[optind], "resize") != 0)
		return cli_usage(cli, "%s", optind < argc ? "the only action is "
		    "resize" : "no action given");
	if (argc - optind != 3)
		return cli_usage(cli, "resize needs a machine name and a size");
	if ((mb = disk_parse_size(argv[optind + 2])) == -1)
		return cli_usage(cli, "size \"%s\": a number of MB, or with G or "
		    "T (30G), up to 16T", argv[optind + 2]);
	if (machine_disk_resize(&cli->mctx, argv[optind + 1], mb, &err) == -1)
		return cli_fail(&err);
	printf("%s's disk is %lld MB\n", argv[optind + 1], (long long)mb);
	return 0;
}
