/* xhinv reconcile [--dry-run] [--json]: the inventory against reality. */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>

static void
line(void *arg, const struct machine_finding *f)
{
	json_t *arr = arg;

	if (arr != NULL) {
		json_array_append_new(arr, json_pack("{s:s,s:s?,s:s,s:s,s:s}",
		    "kind", f->kind, "machine", f->machine, "what", f->what,
		    "why", f->why, "action", f->action));
		return;
	}
	printf("%s%s%s: %s; %s; %s\n", f->kind, f->machine ? " " : "",
	    f->machine ? f->machine : "", f->what, f->why, f->action);
	fflush(stdout);
}

enum { O_DRY_RUN, O_JSON };
static const struct cmd_opt opts[] = {
	[O_DRY_RUN] = { 'n', "dry-run", NULL,
	    "say what differs and what would be done" },
	[O_JSON] = { 0, "json", NULL, "JSON array of findings" },
	{ 0 },
};

static int
reconcile_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	json_t *arr = NULL;
	int dry = cli_flag(cli, O_DRY_RUN), json = cli_flag(cli, O_JSON);
	int found = 0, rc;

	if (json)
		arr = json_array();
	rc = machine_reconcile(&cli->mctx, dry, line, arr, &found, &err);
	if (json) {
		if (cli_json_print(arr) != 0 && rc == 0)
			return 1;
	} else if (rc == 0 && found == 0) {
		printf("nothing to reconcile\n");
	}
	return rc == -1 ? cli_fail(&err) : 0;
}

const struct cmd cmd_reconcile = {
	.name = "reconcile", .usage = "[--dry-run] [--json]",
	.summary = "compare the inventory with reality and repair the "
	    "differences",
	.opts = opts, .flags = CMD_INV_RW, .fn = reconcile_run,
};
