/* xhinv du [--json]: disk space per machine, and what else the store holds. */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>

#include "util.h"

static json_t *
size_json(const struct util_size *s)
{
	return json_pack("{s:I,s:I}", "apparent", (json_int_t)s->apparent,
	    "allocated", (json_int_t)s->allocated);
}

static void
line(const char *what, const struct util_size *s, const char *note)
{
	char a[16], b[16];

	util_human_bytes(s->apparent, a, sizeof a);
	util_human_bytes(s->allocated, b, sizeof b);
	printf("%-34s %11s %11s  %s\n", what, a, b, note);
}

static int
json_out(const struct machine_du *d)
{
	json_t *o, *rows = json_array();

	for (size_t i = 0; i < d->n; i++) {
		const struct machine_du_row *r = &d->v[i];
		json_t *iso = size_json(&r->iso);
		json_object_set_new(iso, "shared", json_boolean(r->iso_shared));
		json_array_append_new(rows, json_pack(
		    "{s:s,s:s,s:I,s:o,s:o,s:o,s:I}", "name", r->name,
		    "disk_format", r->format, "disk_mb", (json_int_t)r->disk_mb,
		    "disk", size_json(&r->disk), "iso", iso,
		    "other", size_json(&r->other), "allocated",
		    (json_int_t)(r->disk.allocated + r->iso.allocated +
		    r->other.allocated)));
	}
	o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:o}", "machines", rows,
	    "machines_total", size_json(&d->machines), "cache",
	    size_json(&d->cache), "partial_downloads", size_json(&d->partial),
	    "leftovers", size_json(&d->leftovers), "leftover_dirs",
	    d->nleftovers, "backups", size_json(&d->backups), "total",
	    size_json(&d->total));
	return cli_json_print(o);
}

static const struct cmd_opt opts[] = {
	{ 0, "json", NULL, "JSON object (bytes)" },
	{ 0 },
};

static int
du_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct machine_du d;
	char what[IDENT_NAME_MAX + 64], note[64];

	if (machine_du(&cli->mctx, &d, &err) == -1)
		return cli_fail(&err);
	if (cli_flag(cli, 0)) {
		json_out(&d);
		machine_du_release(&d);
		return 0;
	}
	printf("%-34s %11s %11s  %s\n", "", "APPARENT", "ON DISK", "");
	for (size_t i = 0; i < d.n; i++) {
		const struct machine_du_row *r = &d.v[i];
		snprintf(what, sizeof what, "%s: %s disk", r->name, r->format);
		snprintf(note, sizeof note, "%lld MB asked", (long long)r->disk_mb);
		line(what, &r->disk, note);
		snprintf(what, sizeof what, "%s: ISO", r->name);
		line(what, &r->iso, r->iso_shared ? "a name of a cache file, "
		    "counted there" : "");
		snprintf(what, sizeof what, "%s: kernel, initrd, keys, logs",
		    r->name);
		line(what, &r->other, "");
	}
	line("machines", &d.machines, "");
	line("ISO cache", &d.cache, "");
	line("partial downloads", &d.partial, "");
	snprintf(note, sizeof note, "%d director%s; gc removes ours",
	    d.nleftovers, d.nleftovers == 1 ? "y" : "ies");
	line("leftovers of removed machines", &d.leftovers, note);
	line("lease-file backups", &d.backups, "");
	line("total", &d.total, "each file counted once");
	machine_du_release(&d);
	return 0;
}

const struct cmd cmd_du = {
	.name = "du", .usage = "[--json]",
	.summary = "disk space: each machine's disk, ISO and files; cache, "
	    "leftovers",
	.opts = opts, .flags = CMD_INV_RW, .fn = du_run,
};
