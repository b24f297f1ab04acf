/* machine_image: ISOs for machines: the cache, recording images, the boot
 * files taken out of an ISO once and linked into every machine made from
 * it, extracting the kernel again when a machine's ISO changed. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "kimg.h"
#include "machine_int.h"
#include "sha256.h"
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
	/* The same content was looked into before: its row says what
	 * iso_inspect would, and the ISO is not read. */
	struct inv_image known;
	struct xherr e = XHERR_INIT;
	if (sha256_valid_hex(ce->sha256) &&
	    inv_image_by_sha256(ctx->inv, ce->sha256, &known, &e) == 0) {
		info->volume_id = known.volume_id;
		info->kernel = known.kernel;
		info->initrd = known.initrd;
		info->cmdline = known.cmdline;
		known.volume_id = known.kernel = known.initrd = known.cmdline =
		    NULL;
		inv_image_release(&known);
		return 0;
	}
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

/* Boot files: <cache>/boot/<ISO sha256>/{kernel,initrd,pvh}, one row each. */

static const char *const boot_roles[3] = { "kernel", "initrd", "pvh" };

static char *
boot_dir(struct machine_ctx *ctx, const char *sha)
{
	char *cache = machine_cache_dir(ctx->store);
	char *dir = xasprintf("%s/boot/%s", cache, sha);

	free(cache);
	return dir;
}

/* sha256 of the first len bytes of fd, in hex. */
static int
hash_fd(int fd, int64_t len, char hex[65], struct xherr *err, const char *path)
{
	struct sha256 h;

	sha256_init(&h);
	if (util_hash_fd(fd, len, &h, err, path) == -1)
		return -1;
	sha256_hex(&h, hex);
	return 0;
}

/*
 * Is the recorded file f (at path) whole? Its size says so within the host
 * boot it was last known whole in: a renamed file is whole in the page
 * cache whatever happens to this process. After the host rebooted an
 * unsynced write may have been lost, so a sealed file is hashed again, and
 * an unsealed one is not trusted. 1 whole, 0 not (*why says why), -1
 * error.
 */
static int
boot_file_whole(const struct inv_boot_file *f, const char *path,
    const char *member, const char *boot_id, const char **why,
    struct xherr *err)
{
	struct stat st;
	char hex[65];
	int fd, rc = 0;

	*why = NULL;
	if (strcmp(f->member, member) != 0) {
		*why = "another member";
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ELOOP)
			return xherr_sys(err, "cannot open %s", path);
		*why = "missing";
		return 0;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != f->size) {
		*why = "size differs";
		goto out;
	}
	if (strcmp(f->boot_id, boot_id) == 0) {
		rc = 1;
		goto out;
	}
	if (f->sha256 == NULL) {
		*why = "unsealed, from an earlier boot";
		goto out;
	}
	if (hash_fd(fd, st.st_size, hex, err, path) == -1) {
		rc = -1;
		goto out;
	}
	rc = strcmp(hex, f->sha256) == 0;
	if (!rc)
		*why = "sha256 differs";
out:
	close(fd);
	return rc;
}

/* One boot file, as mi_boot_files_link works on it. */
struct bf {
	const char *role, *member;
	char *path;			/* in the cache */
	struct inv_boot_file f;		/* its row (f.id 0: none) */
	const char *why;		/* why it is (re)made; NULL: it is not */
};

/* Is b's recorded file whole (see boot_file_whole)? Sets b->why when not. */
static int
bf_check(struct machine_ctx *ctx, struct bf *b, const char *sha,
    const char *boot_id, struct xherr *err)
{
	struct xherr e = XHERR_INIT;

	b->why = "not recorded";
	if (inv_boot_file_get(ctx->inv, sha, b->role, &b->f, &e) == -1) {
		if (e.code != XHE_NOTFOUND) {
			*err = e;
			return -1;
		}
		return 0;
	}
	/* Recorded as none (a kernel without a PVH entry): that is known
	 * from the member alone. */
	if (b->f.size == 0 && b->f.path[0] == '\0') {
		b->why = strcmp(b->f.member, b->member) == 0 ? NULL :
		    "another member";
		return 0;
	}
	return boot_file_whole(&b->f, b->path, b->member, boot_id, &b->why,
	    err) == -1 ? -1 : 0;
}

/* Record b as made now: size of its file, or none (exists 0). */
static int
bf_put(struct machine_ctx *ctx, struct bf *b, const char *sha,
    const char *boot_id, int exists, struct xherr *err)
{
	struct stat sb;

	inv_boot_file_release(&b->f);
	b->f.iso_sha256 = xstrdup(sha);
	b->f.role = xstrdup(b->role);
	b->f.member = xstrdup(b->member);
	b->f.path = xstrdup(exists ? b->path : "");
	b->f.size = !exists ? 0 : stat(b->path, &sb) == 0 ? sb.st_size : -1;
	b->f.boot_id = xstrdup(boot_id);
	return inv_boot_file_put(ctx->inv, &b->f, err);
}

/*
 * The kernel and initrd of m from the cached ISO ce, linked into m's
 * directory (m->kernel, m->initrd). They are taken out of the ISO only
 * when the cache has no whole copy of them; a second machine from the same
 * ISO reads none of it. For a backend that boots an ELF through its PVH
 * entry (QEMU), the ELF inside a bzImage is taken out too, once, and m
 * boots that (m->kernel becomes <dir>/vmlinux): the guest then decompresses
 * nothing, which under emulation takes seconds. 0 done, -1 error.
 */
int
mi_boot_files_link(struct machine_ctx *ctx, const struct cache_entry *ce,
    const struct iso_info *info, struct inv_machine *m, struct xherr *err)
{
	struct bf b[3] = {
		{ "kernel", info->kernel, NULL, { 0 }, NULL },
		{ "initrd", info->initrd, NULL, { 0 }, NULL },
		{ "pvh", info->kernel, NULL, { 0 }, NULL },
	};
	int nb = mi_backend(m->backend)->pvh ? 3 : 2;
	char boot_id[40], *dir = NULL, *lockname = NULL;
	struct iso_extract_stats st = { 0, 0 };
	int lock = -1, i, n = 0, pvh = 0, rc = -1;
	int64_t t0 = util_mono_ms(), pvh_ms = 0;

	if (!sha256_valid_hex(ce->sha256))
		return xherr_set(err, XHE_INVAL, "%s: its sha256 is not known",
		    ce->path);
	if (proc_boot_id(boot_id, err) == -1)
		return -1;
	dir = boot_dir(ctx, ce->sha256);
	lockname = xasprintf("boot-%s", ce->sha256);
	if (mi_lock_take(ctx, lockname, &lock, err) == -1 ||
	    util_mkdir_in(ctx->store, dir, 0700, err) == -1)
		goto out;
	for (i = 0; i < nb; i++) {
		b[i].path = util_path_join(dir, b[i].role);
		if (bf_check(ctx, &b[i], ce->sha256, boot_id, err) == -1)
			goto out;
	}
	if (b[0].why != NULL || b[1].why != NULL) {
		const char *ms[2], *ds[2];
		for (i = 0; i < 2; i++)
			if (b[i].why != NULL) {
				ms[n] = b[i].member;
				ds[n++] = b[i].path;
			}
		if (iso_extract(ce->path, ms, ds, n, ISO_EXTRACT_NOSYNC, &st,
		    err) == -1)
			goto out;
	}
	if (nb == 3 && b[2].why != NULL) {
		int64_t p0 = util_mono_ms();
		if ((pvh = kimg_pvh_from_bzimage(b[0].path, b[2].path, err)) == -1)
			goto out;
		pvh_ms = util_mono_ms() - p0;
		n++;
	}
	if (n > 0) {
		int failed = inv_begin(ctx->inv, err) == -1;
		if (failed)
			goto out;
		for (i = 0; i < nb && !failed; i++)
			if (b[i].why != NULL)
				failed = bf_put(ctx, &b[i], ce->sha256, boot_id,
				    i < 2 || pvh, err) == -1;
		char *det = mi_detail("{s:s,s:s,s:s,s:I,s:I,s:s?,s:s?,s:s?,"
		    "s:b,s:I}", "iso_sha256", ce->sha256, "kernel", b[0].member,
		    "initrd", b[1].member, "copied", (json_int_t)st.copied,
		    "decoded", (json_int_t)st.streamed, "kernel_why", b[0].why,
		    "initrd_why", b[1].why, "pvh_why", nb == 3 ? b[2].why : NULL,
		    "pvh", pvh, "pvh_ms", (json_int_t)pvh_ms);
		if (!failed)
			failed = inv_event(ctx->inv, m->id, "boot-files-extract",
			    util_mono_ms() - t0, det, err) == -1;
		free(det);
		if (inv_end(ctx->inv, failed, err) == -1)
			goto out;
		if (b[0].why != NULL || b[1].why != NULL)
			mi_say(ctx, "took %s and %s out of %s (%lld bytes)",
			    b[0].member, b[1].member, ce->path,
			    (long long)(st.copied + st.streamed));
		if (pvh)
			mi_say(ctx, "took the ELF kernel out of %s (%lld ms): "
			    "booting it through its PVH entry", b[0].member,
			    (long long)pvh_ms);
	}
	/* Boot the PVH ELF where there is one. */
	int use_pvh = nb == 3 && b[2].f.path != NULL && b[2].f.path[0] != '\0';
	if (use_pvh) {
		free(m->kernel);
		m->kernel = util_path_join(m->dir, "vmlinux");
	}
	const char *from[2] = { use_pvh ? b[2].path : b[0].path, b[1].path };
	const char *to[2] = { m->kernel, m->initrd };
	for (i = 0; i < 2; i++) {
		const char *how;
		if (util_share_file(from[i], to[i], &how, err) == -1)
			goto out;
		if (n == 0)
			mi_say(ctx, "%s %s from the boot-file cache", how, to[i]);
	}
	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	int failed = 0;
	for (i = 0; i < nb && !failed; i++)
		if (b[i].f.size > 0)
			failed = inv_boot_file_seen(ctx->inv, b[i].f.id, boot_id,
			    NULL, err) == -1;
	if (inv_end(ctx->inv, failed, err) == -1)
		goto out;
	rc = 0;
out:
	mi_lock_drop(lock);
	for (i = 0; i < 3; i++) {
		inv_boot_file_release(&b[i].f);
		free(b[i].path);
	}
	free(lockname);
	free(dir);
	return rc;
}

/*
 * Hash and sync the unsealed boot files of ISO sha256 (create calls this
 * once its guest is launched, while it boots): from then on they are known
 * whole across reboots too.
 */
int
mi_boot_files_seal(struct machine_ctx *ctx, const char *sha256,
    struct xherr *err)
{
	struct inv_boot_file f;
	char boot_id[40], hex[65], *dir, *lockname, *path;
	int lock = -1, i, rc = 0;

	if (!sha256_valid_hex(sha256))
		return 0;
	if (proc_boot_id(boot_id, err) == -1)
		return -1;
	dir = boot_dir(ctx, sha256);
	lockname = xasprintf("boot-%s", sha256);
	if (mi_lock_take(ctx, lockname, &lock, err) == -1) {
		free(dir);
		free(lockname);
		return -1;
	}
	for (i = 0; i < 3 && rc == 0; i++) {
		struct xherr e = XHERR_INIT;
		struct stat st;
		int fd;
		if (inv_boot_file_get(ctx->inv, sha256, boot_roles[i], &f,
		    &e) == -1) {
			if (e.code != XHE_NOTFOUND)
				rc = xherr_set(err, e.code, "%s", e.msg);
			continue;
		}
		path = util_path_join(dir, boot_roles[i]);
		fd = -1;
		if (f.sha256 == NULL && f.size > 0 &&
		    strcmp(f.boot_id, boot_id) == 0 &&
		    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) != -1 &&
		    fstat(fd, &st) == 0 && st.st_size == f.size) {
			if (hash_fd(fd, st.st_size, hex, err, path) == -1)
				rc = -1;
			else if (fsync(fd) == -1)
				rc = xherr_sys(err, "cannot sync %s", path);
			else if (inv_begin(ctx->inv, err) == -1 ||
			    inv_end(ctx->inv, inv_boot_file_seen(ctx->inv, f.id,
			    boot_id, hex, err) == -1, err) == -1)
				rc = -1;
		}
		if (fd != -1)
			close(fd);
		free(path);
		inv_boot_file_release(&f);
	}
	mi_lock_drop(lock);
	free(dir);
	free(lockname);
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
	if (iso_extract(m->iso, members, dests, 2, 0, NULL, err) == -1)
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
