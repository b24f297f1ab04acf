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

int
cmd_reconcile(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	json_t *arr = NULL;
	int c, dry = 0, json = 0, found = 0, rc;

	while ((c = cli_getopt(cli, argc, argv, "nh", lo)) != -1) {
		if (c == 'n')
			dry = 1;
		else if (c == 'j')
			json = 1;
		else
			return 2;
	}
	if (optind < argc)
		return cli_usage(cli, "unexpected argument \"%s\"", argv[optind]);
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
