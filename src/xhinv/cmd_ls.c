/* xhinv ls [-a] [-q] [--json] */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

struct ls {
	int quiet;
	json_t *json;
};

/* What a row shows in STATE: the lifecycle status unless the machine is
 * ready, then whether its process runs (checked by machine_refresh). */
static const char *
row_state(const struct inv_machine *m)
{
	if (strcmp(m->status, "ready") != 0)
		return m->status;
	return m->proc_row != 0 ? "running" : "stopped";
}

static int
ls_row(void *arg, const struct inv_machine *m)
{
	struct ls *l = arg;
	char created[32];

	if (l->quiet) {
		printf("%s\n", m->name);
		return 0;
	}
	if (l->json != NULL) {
		json_array_append_new(l->json, json_pack(
		    "{s:s,s:s,s:s,s:s?,s:s?,s:s,s:i,s:i,s:I,s:I,s:o?}",
		    "name", m->name, "state", row_state(m), "status", m->status,
		    "ip", m->ip[0] ? m->ip : NULL, "mac", m->mac[0] ? m->mac : NULL,
		    "uuid", m->uuid, "cpus", m->cpus, "memory_mb", m->memory_mb,
		    "disk_mb", (json_int_t)m->disk_mb,
		    "created_ms", (json_int_t)m->created_at,
		    "removed_ms", m->removed_at ? json_integer(m->removed_at) : NULL));
		return 0;
	}
	cli_time(m->created_at, created, sizeof created);
	/* "%6dM" pads as "%7s" of "%dM" would, without the snprintf. */
	printf("%-20s %-9s %-15s %-17s %4d %6dM %8lldM  %s\n", m->name,
	    row_state(m), m->ip[0] ? m->ip : "-", m->mac[0] ? m->mac : "-",
	    m->cpus, m->memory_mb, (long long)m->disk_mb, created);
	return 0;
}

enum { O_ALL, O_QUIET, O_JSON };
static const struct cmd_opt opts[] = {
	[O_ALL] = { 'a', "all", NULL, "include removed and failed machines" },
	[O_QUIET] = { 'q', "quiet", NULL, "names only" },
	[O_JSON] = { 0, "json", NULL, "JSON array" },
	{ 0 },
};

static int
ls_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct ls l = { cli_flag(cli, O_QUIET), NULL };
	int all = cli_flag(cli, O_ALL), json = cli_flag(cli, O_JSON);

	if (machine_refresh(&cli->mctx, &err) == -1)
		return cli_fail(&err);
	if (json && !l.quiet)
		l.json = json_array();
	else if (!l.quiet)
		printf("%-20s %-9s %-15s %-17s %4s %7s %9s  %s\n", "NAME",
		    "STATE", "IP", "MAC", "CPUS", "MEMORY", "DISK", "CREATED");
	if (inv_machine_each(cli->inv, all, ls_row, &l, &err) == -1) {
		json_decref(l.json);
		return cli_fail(&err);
	}
	if (l.json != NULL)
		return cli_json_print(l.json);
	return 0;
}

const struct cmd cmd_ls = {
	.name = "ls", .usage = "[-a] [-q] [--json]", .summary = "list machines",
	.opts = opts, .flags = CMD_INV_RW, .fn = ls_run,
};
