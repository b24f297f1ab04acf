/* Disk-space accounting: machines, the cache, partial downloads, leftovers. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "machine_int.h"
#include "util.h"

struct du_walk {
	struct machine_ctx *ctx;
	struct machine_du *out;
	struct util_usage *u;
	struct xherr *err;
	size_t cap;
};

static int
du_machine(void *arg, const struct inv_machine *m)
{
	struct du_walk *w = arg;
	struct machine_du_row *r;

	if (w->out->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->out->v = xrealloc(w->out->v, w->cap * sizeof *w->out->v);
	}
	r = &w->out->v[w->out->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", m->name);
	snprintf(r->format, sizeof r->format, "%s", m->disk_format[0] ?
	    m->disk_format : "raw");
	r->disk_mb = m->disk_mb;
	/* The disk, then the ISO (a name of a cache file, already counted,
	 * shows as shared), then whatever else the directory holds. */
	if ((m->disk_path && util_usage(w->u, m->disk_path, &r->disk,
	    w->err) == -1) ||
	    (m->iso && util_usage(w->u, m->iso, &r->iso, w->err) == -1) ||
	    util_usage(w->u, m->dir, &r->other, w->err) == -1)
		return -1;
	r->iso_shared = r->iso.shared > 0;
	return 0;
}

static void
add(struct util_size *to, const struct util_size *s)
{
	to->apparent += s->apparent;
	to->allocated += s->allocated;
	to->files += s->files;
}

/* The cache directory: entries, and .part files (downloads not finished). */
static int
du_cache(struct machine_ctx *ctx, struct util_usage *u, struct machine_du *out,
    struct xherr *err)
{
	char *dir = machine_cache_dir(ctx->store);
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d != NULL) {
		while (rc == 0 && (e = readdir(d)) != NULL) {
			size_t n = strlen(e->d_name);
			char *p;
			if (e->d_name[0] == '.')
				continue;
			p = util_path_join(dir, e->d_name);
			rc = util_usage(u, p, n > 5 && strcmp(e->d_name + n - 5,
			    ".part") == 0 ? &out->partial : &out->cache, err);
			free(p);
		}
		closedir(d);
	}
	free(dir);
	return rc;
}

/* Directories in <store>/machines that no live machine owns. */
static int
du_leftovers(struct machine_ctx *ctx, struct util_usage *u,
    struct machine_du *out, struct xherr *err)
{
	char *root = util_path_join(ctx->store, "machines");
	DIR *d = opendir(root);
	struct dirent *e;
	int rc = 0;

	if (d != NULL) {
		while (rc == 0 && (e = readdir(d)) != NULL) {
			struct inv_machine m;
			struct xherr ge = XHERR_INIT;
			char *p;

			if (e->d_name[0] == '.')
				continue;
			if (ident_check_name(e->d_name, NULL) == 0 &&
			    inv_machine_get(ctx->inv, e->d_name, &m, &ge) == 0) {
				inv_machine_release(&m);
				continue;
			}
			if (ge.code != XHE_OK && ge.code != XHE_NOTFOUND) {
				*err = ge;
				rc = -1;
				break;
			}
			p = util_path_join(root, e->d_name);
			rc = util_usage(u, p, &out->leftovers, err);
			out->nleftovers++;
			free(p);
		}
		closedir(d);
	}
	free(root);
	return rc;
}

int
machine_du(struct machine_ctx *ctx, struct machine_du *out, struct xherr *err)
{
	struct util_usage u = { 0 };
	struct du_walk w = { ctx, out, &u, err, 0 };
	char *backups = util_path_join(ctx->store, "backups");
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (du_cache(ctx, &u, out, err) == -1 ||
	    inv_machine_each(ctx->inv, 0, du_machine, &w, err) == -1 ||
	    du_leftovers(ctx, &u, out, err) == -1 ||
	    util_usage(&u, backups, &out->backups, err) == -1)
		goto out;
	for (size_t i = 0; i < out->n; i++) {
		add(&out->machines, &out->v[i].disk);
		add(&out->machines, &out->v[i].iso);
		add(&out->machines, &out->v[i].other);
	}
	add(&out->total, &out->cache);
	add(&out->total, &out->partial);
	add(&out->total, &out->machines);
	add(&out->total, &out->leftovers);
	add(&out->total, &out->backups);
	rc = 0;
out:
	if (rc == -1)
		machine_du_release(out);
	util_usage_release(&u);
	free(backups);
	return rc;
}

void
machine_du_release(struct machine_du *d)
{
	free(d->v);
	memset(d, 0, sizeof *d);
}
