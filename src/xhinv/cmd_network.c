/* xhinv network [status|down] */
#include "xhinv.h"

#include <stdio.h>
#include <string.h>

static int
show_row(void *arg, int ncol, const char *const *names,
    const char *const *values)
{
	int i;

	(void)arg;
	for (i = 0; i < ncol; i++)
		printf("%-11s %s\n", names[i], values[i] ? values[i] : "-");
	return 0;
}

int
cmd_network(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	const char *what = "status";

	if (cli_getopt(cli, argc, argv, "h", lo) != -1)
		return 2;
	if (optind < argc)
		what = argv[optind++];
	if (optind < argc)
		return cli_usage(cli, "unexpected argument \"%s\"", argv[optind]);
	if (strcmp(what, "down") == 0) {
		if (machine_network_down(&cli->mctx, &err) == -1)
			return cli_fail(&err);
		printf("network down\n");
		return 0;
	}
	if (strcmp(what, "status") != 0)
		return cli_usage(cli, "unknown action \"%s\"", what);
	if (machine_refresh(&cli->mctx, &err) == -1)
		return cli_fail(&err);
	if (inv_sql(cli->inv,
	    "SELECT n.name, n.kind, n.bridge, n.subnet, n.gateway, n.lease_file, "
	    "(SELECT pid FROM process WHERE network_id = n.id AND ended_at IS NULL) "
	    "AS dhcp_pid, (SELECT count(*) FROM nic WHERE network_id = n.id AND "
	    "released_at IS NULL) AS reserved FROM network n", 0, show_row, NULL,
	    &err) == -1)
		return cli_fail(&err);
	return 0;
}
