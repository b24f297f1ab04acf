/* xhinv disk resize NAME SIZE: grow a stopped machine's raw or qcow2 disk. */
#include "xhinv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "30000" (MB), "30000M", "30G", "1T": MiB. -1 when it is none of those. */
static int64_t
parse_size(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v <= 0)
		return -1;
	if (*end == 'M' || *end == 'm' || *end == '\0')
		;
	else if (*end == 'G' || *end == 'g')
		v = v > INT64_MAX / 1024 ? -1 : v * 1024;
	else if (*end == 'T' || *end == 't')
		v = v > INT64_MAX / (1024 * 1024) ? -1 : v * 1024 * 1024;
	else
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return v;
}

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
	if ((mb = parse_size(argv[optind + 2])) == -1)
		return cli_usage(cli, "size \"%s\": a number of MB, or with G or "
		    "T (30G)", argv[optind + 2]);
	if (machine_disk_resize(&cli->mctx, argv[optind + 1], mb, &err) == -1)
		return cli_fail(&err);
	printf("%s's disk is %lld MB\n", argv[optind + 1], (long long)mb);
	return 0;
}
