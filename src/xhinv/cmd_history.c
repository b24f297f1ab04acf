/* xhinv history [NAME] [-n N] [--before ID] [--json] */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>

struct page {
	json_t *arr;		/* NULL: text */
	long long first;	/* the id of the oldest event shown */
};

static int
show(void *arg, const struct inv_event *e)
{
	struct page *pg = arg;
	json_t *arr = pg->arr;
	char when[32], dur[32];

	if (pg->first == 0)
		pg->first = e->id;
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
	printf("%-8lld %-19s %-20s %-13s %8s  %s\n", (long long)e->id, when,
	    e->machine ? e->machine : "-", e->kind, dur,
	    e->detail ? e->detail : "");
	return 0;
}

enum { O_LIMIT, O_BEFORE, O_JSON };
static const struct cmd_opt opts[] = {
	[O_LIMIT] = { 'n', "limit", "N",
	    "the newest N events (default 100, 0: all)" },
	[O_BEFORE] = { 0, "before", "ID",
	    "only events older than event ID (the next page)" },
	[O_JSON] = { 0, "json", NULL, "JSON array" },
	{ 0 },
};

static int
history_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	const char *name = cli->argc ? cli->argv[0] : NULL;
	struct page pg = { NULL, 0 };
	long long limit = 100, before = 0;
	int more = 0;

	if (cli_number(cli, O_LIMIT, 0, 1LL << 40, &limit) == 2 ||
	    cli_number(cli, O_BEFORE, 1, INT64_MAX, &before) == 2)
		return 2;
	if (cli_flag(cli, O_JSON))
		pg.arr = json_array();
	else
		printf("%-8s %-19s %-20s %-13s %8s  %s\n", "ID", "TIME", "MACHINE",
		    "EVENT", "DURATION", "DETAIL");
	if (inv_history_each(cli->inv, name, before, limit, show, &pg, &more,
	    &err) == -1) {
		json_decref(pg.arr);
		return cli_fail(&err);
	}
	if (pg.arr != NULL && cli_json_print(pg.arr) != 0)
		return 1;
	/* The next page, on stderr: the rows on stdout stay just rows. */
	if (more)
		fprintf(stderr, "xhinv: older events: xhinv history%s%s -n %lld "
		    "--before %lld\n", name ? " " : "", name ? name : "", limit,
		    pg.first);
	return 0;
}

const struct cmd cmd_history = {
	.name = "history", .usage = "[NAME] [-n N] [--before ID] [--json]",
	.operands = "[NAME]", .summary = "print the event history, oldest first",
	.opts = opts, .flags = CMD_INV_RO, .fn = history_run,
};
