/* xhinv gc [--dry-run] [--expired] */
#include "xhinv.h"

#include <stdio.h>

static void
report(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
}

enum { O_DRY_RUN, O_EXPIRED };
static const struct cmd_opt opts[] = {
	[O_DRY_RUN] = { 'n', "dry-run", NULL,
	    "say what would be done, change nothing" },
	[O_EXPIRED] = { 0, "expired", NULL,
	    "also expired leases of MACs the inventory issued" },
	{ 0 },
};

static int
gc_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	int dry = cli_flag(cli, O_DRY_RUN), found = 0;
	int64_t bytes = 0;
	char h[16];

	if (machine_gc(&cli->mctx, dry, cli_flag(cli, O_EXPIRED), report, NULL, &found,
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

const struct cmd cmd_gc = {
	.name = "gc", .usage = "[--dry-run] [--expired]",
	.summary = "remove what the inventory proves stale",
	.opts = opts, .flags = CMD_INV_RW, .fn = gc_run,
};
