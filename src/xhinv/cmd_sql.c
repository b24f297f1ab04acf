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

int
cmd_sql(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "write", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	struct sqlout o = { NULL, 0 };
	int c, write = 0, rc;

	while ((c = cli_getopt(cli, argc, argv, "h", lo)) != -1) {
		switch (c) {
		case 'w':
			write = 1;
			break;
		case 'j':
			o.json = json_array();
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc)
		return cli_usage(cli, "no query given");
	if (optind + 1 < argc)
		return cli_usage(cli, "give the query as one argument (quote it)");
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
	if (inv_sql(cli->inv, argv[optind], write, row, &o, &err) == -1) {
		json_decref(o.json);
		return cli_fail(&err);
	}
	if (o.json != NULL)
		return cli_json_print(o.json);
	return 0;
}
