/* xhinv sql [--write] [--json] QUERY */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

struct sqlout {
	json_t *json;
	int header;
};

static int
row(void *arg, int ncol, const char *const *names, const char *const *values)
{
	struct sqlout *o = arg;
	int i;

	if (o->json != NULL) {
		json_t *r = json_object();
		for (i = 0; i < ncol; i++)
			json_object_set_new(r, names[i],
			    cli_json_str(values[i]));
		json_array_append_new(o->json, r);
		return 0;
	}
	if (!o->header) {
		for (i = 0; i < ncol; i++)
			printf("%s%s", i ? "\t" : "", names[i]);
		printf("\n");
		o->header = 1;
	}
	for (i = 0; i < ncol; i++)
		printf("%s%s", i ? "\t" : "", values[i] ? values[i] : "");
	printf("\n");
	return 0;
}

enum { O_WRITE, O_JSON };
static const struct cmd_opt opts[] = {
	[O_WRITE] = { 0, "write", NULL,
	    "allow statements that change the inventory" },
	[O_JSON] = { 0, "json", NULL, "JSON array of objects" },
	{ 0 },
};

static int
sql_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct sqlout o = { NULL, 0 };
	int write = cli_flag(cli, O_WRITE), rc;

	if (cli_flag(cli, O_JSON))
		o.json = json_array();
	if (write) {
		/* The command table opened a read-only connection. */
		char *db = machine_db_path(cli->store);
		inv_close(cli->inv);
		cli->inv = NULL;
		rc = inv_open(&cli->inv, db, INV_RW, &err);
		free(db);
		if (rc == -1)
			return cli_fail(&err);
	}
	if (inv_sql(cli->inv, cli->argv[0], write, row, &o, &err) == -1) {
		json_decref(o.json);
		return cli_fail(&err);
	}
	if (o.json != NULL)
		return cli_json_print(o.json);
	return 0;
}

const struct cmd cmd_sql = {
	.name = "sql", .usage = "[--write] [--json] QUERY", .operands = "QUERY",
	.summary = "run one SQL statement on the inventory (read-only by "
	    "default)",
	.opts = opts, .flags = CMD_INV_RO, .fn = sql_run,
};
