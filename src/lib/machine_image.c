/* machine_image: ISOs for machines: the cache, recording images, extracting
 * the kernel again when a machine's ISO changed. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "machine_int.h"
#include "util.h"

/* Images */

/* cache.c's check of a download before it becomes a cache entry: it must
 * be an ISO with a kernel and an initrd. */
static int
iso_check(void *arg, const char *path, struct xherr *err)
{
	struct iso_info info;
	struct xherr e = XHERR_INIT;

	(void)arg;
	if (iso_inspect(path, &info, &e) == -1)
		return xherr_set(err, XHE_INVAL, "not an ISO 9660 image");
	int rc = 0;
	if (info.kernel == NULL)
		rc = xherr_set(err, XHE_INVAL, "the ISO has no kernel (looked "
		    "for %s)", ISO_KERNEL_NAMES);
	else if (info.initrd == NULL)
		rc = xherr_set(err, XHE_INVAL, "the ISO has no initrd (looked "
		    "for %s)", ISO_INITRD_NAMES);
	iso_info_release(&info);
	return rc;
}

/* The ISO a source names: downloaded into the cache, or a local file. */
int
mi_image_get(struct machine_ctx *ctx, const char *source, const char *sha256,
    struct cache_entry *ce, struct iso_info *info, struct xherr *err)
{
	struct cache_opts co;
	char *dir = machine_cache_dir(ctx->store);
	int rc;

	memset(&co, 0, sizeof co);
	memset(info, 0, sizeof *info);
	/* The cache is inside the user's store: a link there is refused,
	 * never followed (root writes downloads into it). */
	struct stat st;
	if (lstat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		xherr_set(err, XHE_EXISTS, "%s is %s: refusing to use it "
		    "(remove it)", dir, S_ISLNK(st.st_mode) ?
		    "a symbolic link" : "not a directory");
		free(dir);
		return -1;
	}
	co.dir = dir;
	co.api_base = ctx->api_base;
	co.token = ctx->token;
	co.sha256 = sha256;
	co.stall_s = ctx->stall_s;
	co.attempts = ctx->attempts;
	co.validate = iso_check;
	co.progress = ctx->download_progress;
	co.progress_arg = ctx->progress_arg;
	co.cancel = ctx->cancel;
	rc = cache_get(&co, source, ce, err);
	free(dir);
	if (rc == -1)
		return -1;
	if (ce->warning[0] != '\0')
		mi_say(ctx, "warning: %s", ce->warning);
	if (ce->body_bytes > 0)
		mi_say(ctx, "downloaded %s (%lld bytes)", ce->url,
		    (long long)ce->body_bytes);
	if (iso_inspect(ce->path, info, err) == -1) {
		cache_entry_release(ce);
		return -1;
	}
	return 0;
}

/* Record the image (inside the caller's transaction) and its events. */
int
mi_image_record(struct machine_ctx *ctx, const char *source,
    const struct cache_entry *ce, const struct iso_info *info,
    struct inv_image *img, struct xherr *err)
{
	memset(img, 0, sizeof *img);
	img->source = xstrdup(source ? source : "");
	img->url = xstrdup(ce->url);
	img->resolved_url = ce->final_url ? xstrdup(ce->final_url) : NULL;
	img->tag = ce->tag ? xstrdup(ce->tag) : NULL;
	img->path = xstrdup(ce->path);
	img->sha256 = ce->sha256[0] ? xstrdup(ce->sha256) : NULL;
	img->volume_id = info->volume_id ? xstrdup(info->volume_id) : NULL;
	img->kernel = info->kernel ? xstrdup(info->kernel) : NULL;
	img->initrd = info->initrd ? xstrdup(info->initrd) : NULL;
	img->cmdline = info->cmdline ? xstrdup(info->cmdline) : NULL;
	img->size = ce->size;
	img->fetched_at = ce->fetched_at;
	if (inv_image_upsert(ctx->inv, img, err) == -1)
		return -1;
	if (ce->body_bytes > 0) {
		char *det = mi_detail("{s:s,s:I,s:s?,s:s?}", "url", ce->url,
		    "bytes", (json_int_t)ce->body_bytes, "sha256",
		    ce->sha256[0] ? ce->sha256 : NULL, "tag", ce->tag);
		int rc = inv_event(ctx->inv, 0, "image-fetch", -1, det, err);
		free(det);
		if (rc == -1)
			return -1;
	}
	if (ce->warning[0] != '\0') {
		char *det = mi_detail("{s:s,s:s}", "url", ce->url, "warning",
		    ce->warning);
		int rc = inv_event(ctx->inv, 0, "image-stale", -1, det, err);
		free(det);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
machine_pull(struct machine_ctx *ctx, const char *source, const char *sha256,
    struct inv_image *img, char *warning, struct xherr *err)
{
	struct cache_entry ce;
	struct iso_info info;
	int rc = -1;

	memset(img, 0, sizeof *img);
	if (mi_image_get(ctx, source, sha256, &ce, &info, err) == -1)
		return -1;
	if (iso_check(NULL, ce.path, err) == -1) {
		xherr_wrap(err, "%s", ce.path);
		goto out;
	}
	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	if (inv_end(ctx->inv, mi_image_record(ctx, source, &ce, &info, img,
	    err) == -1, err) == -1) {
		inv_image_release(img);
		goto out;
	}
	if (warning != NULL)
		memcpy(warning, ce.warning, sizeof ce.warning);
	rc = 0;
out:
	cache_entry_release(&ce);
	iso_info_release(&info);
	return rc;
}

/* "size:mtime_ns" of a machine's ISO, to notice it was replaced. */
char *
mi_iso_stamp(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return NULL;
	return xasprintf("%lld:%lld", (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
}

/* docker-machine upgrade puts a new boot2docker.iso in the machine
 * directory; the original kept booting the kernel extracted at create time
 * (its #96). When the ISO changed since its kernel was extracted, extract
 * again, and take the new command line unless the user gave one. */
int
mi_refresh_boot(struct machine_ctx *ctx, struct inv_machine *m, struct xherr *err)
{
	struct iso_info info;
	char *stamp = mi_iso_stamp(m->iso), *kernel = NULL, *initrd = NULL;
	int rc = -1;

	memset(&info, 0, sizeof info);
	if (stamp == NULL)
		return xherr_sys(err, "cannot use %s", m->iso);
	if (m->iso_stamp == NULL || strcmp(stamp, m->iso_stamp) == 0) {
		rc = 0;		/* unchanged (or recorded before stamps existed) */
		if (m->iso_stamp == NULL && (inv_begin(ctx->inv, err) == -1 ||
		    inv_end(ctx->inv, inv_machine_set_boot(ctx->inv, m->id,
		    m->kernel, m->initrd, m->cmdline, stamp, err) == -1,
		    err) == -1))
			rc = -1;
		goto out;
	}
	mi_say(ctx, "%s changed since its kernel was extracted: extracting again",
	    m->iso);
	if (iso_inspect(m->iso, &info, err) == -1)
		goto out;
	if (info.kernel == NULL || info.initrd == NULL) {
		xherr_set(err, XHE_INVAL, "%s has no %s (looked for %s)", m->iso,
		    info.kernel == NULL ? "kernel" : "initrd", info.kernel == NULL ?
		    ISO_KERNEL_NAMES : ISO_INITRD_NAMES);
		goto out;
	}
	kernel = util_path_join(m->dir, util_base_name(info.kernel));
	initrd = util_path_join(m->dir, util_base_name(info.initrd));
	const char *members[2] = { info.kernel, info.initrd };
	const char *dests[2] = { kernel, initrd };
	if (iso_extract(m->iso, members, dests, 2, err) == -1)
		goto out;
	/* The new ISO may name them differently (vmlinuz64 -> vmlinuz). */
	if (m->kernel && strcmp(m->kernel, kernel) != 0)
		unlink(m->kernel);
	if (m->initrd && strcmp(m->initrd, initrd) != 0)
		unlink(m->initrd);
	const char *cmdline = !m->cmdline_given && info.cmdline ? info.cmdline :
	    m->cmdline;
	char *det = mi_detail("{s:s,s:s?,s:s,s:s,s:b}", "iso", m->iso, "volume_id",
	    info.volume_id, "kernel", info.kernel, "initrd", info.initrd,
	    "cmdline_changed", strcmp(cmdline, m->cmdline) != 0);
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_machine_set_boot(ctx->inv, m->id, kernel, initrd, cmdline, stamp,
	    err) == -1 ||
	    inv_event(ctx->inv, m->id, "kernel-extract", -1, det, err) == -1,
	    err) == -1) {
		free(det);
		goto out;
	}
	free(det);
	/* Boot what was just recorded. */
	free(m->kernel);
	free(m->initrd);
	m->kernel = kernel;
	m->initrd = initrd;
	kernel = initrd = NULL;
	if (cmdline != m->cmdline) {
		char *c = xstrdup(cmdline);
		free(m->cmdline);
		m->cmdline = c;
	}
	rc = 0;
out:
	iso_info_release(&info);
	free(stamp);
	free(kernel);
	free(initrd);
	return rc;
}
