/* xhinv cache ls [--json] | pull [--sha256 HEX] SOURCE | prune [--dry-run] */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

static void
human(int64_t bytes, char *out, size_t n)
{
	if (bytes >= 1024LL * 1024 * 1024)
		snprintf(out, n, "%.1fG", (double)bytes / (1024.0 * 1024 * 1024));
	else if (bytes >= 1024 * 1024)
		snprintf(out, n, "%.1fM", (double)bytes / (1024.0 * 1024));
	else if (bytes >= 1024)
		snprintf(out, n, "%.1fK", (double)bytes / 1024.0);
	else
		snprintf(out, n, "%lldB", (long long)bytes);
}

static void
age(int64_t ms, char *out, size_t n)
{
	int64_t s = (util_now_ms() - ms) / 1000;

	if (ms <= 0)
		snprintf(out, n, "-");
	else if (s < 120)
		snprintf(out, n, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(out, n, "%lldm", (long long)s / 60);
	else if (s < 172800)
		snprintf(out, n, "%lldh", (long long)s / 3600);
	else
		snprintf(out, n, "%lldd", (long long)s / 86400);
}

static int
ls_row(void *arg, const struct inv_image *img)
{
	json_t *arr = arg;
	char size[32], when[32], sha[16];

	if (arr != NULL) {
		json_array_append_new(arr, json_pack(
		    "{s:s,s:s,s:s?,s:s?,s:I,s:s?,s:s?,s:I,s:I,s:i,s:s?}",
		    "source", img->source ? img->source : "", "url", img->url,
		    "resolved_url", img->resolved_url, "tag", img->tag,
		    "size", (json_int_t)img->size, "sha256", img->sha256,
		    "volume_id", img->volume_id,
		    "fetched_ms", (json_int_t)img->fetched_at,
		    "last_used_ms", (json_int_t)img->last_used_at,
		    "users", img->users, "path", img->path));
		return 0;
	}
	human(img->size, size, sizeof size);
	age(img->fetched_at ? img->fetched_at : img->last_used_at, when,
	    sizeof when);
	snprintf(sha, sizeof sha, "%.12s", img->sha256 ? img->sha256 : "-");
	printf("%-7s %-12s %5s %5d  %s%s%s\n", size, sha, when, img->users,
	    img->url, img->tag ? "  " : "", img->tag ? img->tag : "");
	return 0;
}

static const struct cmd_opt ls_opts[] = {
	{ 0, "json", NULL, "JSON array" },
	{ 0 },
};
static const struct cmd_opt pull_opts[] = {
	{ 0, NULL, "SOURCE", "download (or revalidate) into the cache; no\n"
	    "SOURCE: the latest boot2docker release" },
	{ 0, "sha256", "HEX", "refuse a file with another checksum" },
	{ 0 },
};
enum { O_PULL_SHA256 = 1 };
static const struct cmd_opt prune_opts[] = {
	{ 'n', "dry-run", NULL, "say what would be deleted" },
	{ 0 },
};
static int
cache_ls(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	json_t *arr = cli_flag(cli, 0) ? json_array() : NULL;

	if (arr == NULL)
		printf("%-7s %-12s %5s %5s  %s\n", "SIZE", "SHA256", "AGE",
		    "USERS", "URL");
	if (inv_image_each(cli->inv, 0, ls_row, arr, &err) == -1) {
		json_decref(arr);
		return cli_fail(&err);
	}
	if (arr != NULL)
		return cli_json_print(arr);
	return 0;
}

static int
cache_pull(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct inv_image img;
	const char *sha = cli_value(cli, O_PULL_SHA256);
	const char *source = cli->argc ? cli->argv[0] : "";
	char warning[512] = "", size[32];

	if (machine_pull(&cli->mctx, source, sha, &img, warning, &err) == -1)
		return cli_fail(&err);
	human(img.size, size, sizeof size);
	printf("%s %s %s%s%s\n", img.path, size, img.sha256 ? img.sha256 : "-",
	    img.tag ? " " : "", img.tag ? img.tag : "");
	inv_image_release(&img);
	return 0;
}

static void
report(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
}

static int
cache_prune(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	int64_t freed = 0;
	int dry = cli_flag(cli, 0), found = 0;
	char size[32];

	if (machine_refresh(&cli->mctx, &err) == -1 ||
	    machine_cache_prune(&cli->mctx, dry, report, NULL, &found, &freed,
	    &err) == -1)
		return cli_fail(&err);
	human(freed, size, sizeof size);
	if (found == 0)
		printf("nothing to prune\n");
	else
		printf("%s %s\n", dry ? "would free" : "freed", size);
	return 0;
}

static const struct cmd actions[] = {
	{ .name = "ls", .opts = ls_opts, .flags = CMD_INV_RW, .fn = cache_ls },
	{ .name = "pull", .operands = "[SOURCE]", .opts = pull_opts,
	  .flags = CMD_INV_RW, .fn = cache_pull },
	{ .name = "prune", .opts = prune_opts, .flags = CMD_INV_RW,
	  .fn = cache_prune },
	{ 0 },
};

const struct cmd cmd_cache = {
	.name = "cache",
	.usage = "ls [--json] | pull [--sha256 HEX] [SOURCE] | prune [--dry-run]",
	.summary = "the ISO download cache: list, fetch, remove what no machine "
	    "uses",
	.actions = actions,
};
