/* xhinv history [NAME] [-n N] [--json] */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>

static int
show(void *arg, const struct inv_event *e)
{
	json_t *arr = arg;
	char when[32], dur[32];

	if (arr != NULL) {
		json_error_t je;
		json_t *d = json_loads(e->detail ? e->detail : "{}", 0, &je);
		json_array_append_new(arr, json_pack("{s:I,s:I,s:s?,s:s,s:o?,s:o?}",
		    "id", (json_int_t)e->id, "at_ms", (json_int_t)e->at,
		    "machine", e->machine, "kind", e->kind,
		    "duration_ms", e->duration_ms >= 0 ?
		    json_integer(e->duration_ms) : NULL, "detail", d));
		return 0;
	}
	cli_time(e->at, when, sizeof when);
	cli_duration(e->duration_ms, dur, sizeof dur);
	printf("%-19s %-20s %-13s %8s  %s\n", when, e->machine ? e->machine : "-",
	    e->kind, dur, e->detail ? e->detail : "");
	return 0;
}

int
cmd_history(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	const char *name = NULL;
	json_t *arr = NULL;
	long long limit = 100;
	int c, json = 0;

	while ((c = cli_getopt(cli, argc, argv, "n:h", lo)) != -1) {
		switch (c) {
		case 'n':
			if (cli_int(cli, "--limit", optarg, 0, 1LL << 40, &limit))
				return 2;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return cli_usage(cli, "unexpected argument \"%s\"", argv[optind]);
	if (json)
		arr = json_array();
	else
		printf("%-19s %-20s %-13s %8s  %s\n", "TIME", "MACHINE", "EVENT",
		    "DURATION", "DETAIL");
	if (inv_history_each(cli->inv, name, limit, show, arr, &err) == -1) {
		json_decref(arr);
		return cli_fail(&err);
	}
	if (arr != NULL) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(arr);
	}
	return 0;
}
