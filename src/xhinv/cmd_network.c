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

static int
down_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;

	if (machine_network_down(&cli->mctx, &err) == -1)
		return cli_fail(&err);
	printf("network down\n");
	return 0;
}

static int
status_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;

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

static const struct cmd actions[] = {
	{ .name = "status", .flags = CMD_INV_RW, .fn = status_run },
	{ .name = "down", .flags = CMD_INV_RW, .fn = down_run },
	{ 0 },
};

const struct cmd cmd_network = {
	.name = "network", .usage = "[status|down]",
	.summary = "show the shared network, or stop its dnsmasq and bridge",
	.actions = actions, .default_action = "status",
};
