/* Shared folders: what a machine shares, NFS exports, mounts over SSH. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine_int.h"
#include "nfs.h"
#include "nfsd.h"
#include "priv.h"
#include "share.h"
#include "ssh.h"
#include "util.h"

#define MOUNT_MS 60000		/* the guest's mount script, over SSH */

static int
share_row(void *arg, const struct inv_share *sh)
{
	struct mi_shares *s = arg;
	struct share *v;

	if (s->n == SHARE_MAX)
		return 0;
	v = &s->v[s->n++];
	v->kind = xstrdup(sh->kind);
	v->host = xstrdup(sh->host_path);
	v->guest = xstrdup(sh->guest_path);
	v->tag = sh->tag ? xstrdup(sh->tag) : NULL;
	if (strcmp(sh->kind, "9p") == 0) {
		s->hv[s->n9p].path = v->host;
		s->hv[s->n9p].tag = v->tag;
		s->n9p++;
	} else {
		s->nnfs++;
	}
	return 0;
}

/*
 * Setuid, the rows are the user's to edit, and what a share names is
 * served by root (xhyve's 9p, nfsd's exports): only a directory the
 * invoking user may read and enter themselves (access(2) asks as the real
 * uid) is shared. QEMU runs as the user and needs no such check, but gets
 * it too: one rule.
 */
static int
shares_user_may(const struct mi_shares *s, struct xherr *err)
{
	struct stat st;

	if (!priv_setuid())
		return 0;
	for (int i = 0; i < s->n; i++)
		if (stat(s->v[i].host, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    access(s->v[i].host, R_OK | X_OK) == -1)
			return xherr_set(err, XHE_PERM, "share %s: not a "
			    "directory you (uid %u) can read: refusing to share "
			    "it", s->v[i].host, (unsigned)getuid());
	return 0;
}

int
mi_shares_load(struct machine_ctx *ctx, int64_t machine_id,
    struct mi_shares *s, struct xherr *err)
{
	memset(s, 0, sizeof *s);
	if (inv_share_each(ctx->inv, machine_id, share_row, s, err) == -1 ||
	    shares_user_may(s, err) == -1) {
		mi_shares_release(s);
		return -1;
	}
	return 0;
}

void
mi_shares_release(struct mi_shares *s)
{
	for (int i = 0; i < s->n; i++) {
		free((char *)s->v[i].kind);
		free((char *)s->v[i].host);
		free((char *)s->v[i].guest);
		free((char *)s->v[i].tag);
	}
	memset(s, 0, sizeof *s);
}

int
mi_shares_record(struct machine_ctx *ctx, int64_t machine_id,
    const struct machine_create_opts *o, struct xherr *err)
{
	const char *root;
	int i;

	for (i = 0; i < o->n9p + o->nnfs; i++) {
		int nfs = i >= o->n9p, k = nfs ? i - o->n9p : i;
		const char *host = nfs ? o->shares_nfs[k] : o->shares_9p[k];
		char tag[16], *guest;
		struct inv_share sh;
		int rc;

		root = nfs ? o->root_nfs : o->root_9p;
		if (root == NULL || *root == '\0')
			root = nfs ? SHARE_NFS_ROOT : SHARE_9P_ROOT;
		if ((guest = share_guest_path(root, host, err)) == NULL)
			return -1;
		snprintf(tag, sizeof tag, "host-%d", k);
		sh.kind = nfs ? "nfs" : "9p";
		sh.host_path = host;
		sh.guest_path = guest;
		sh.tag = nfs ? NULL : tag;
		sh.position = k;
		rc = inv_share_add(ctx->inv, machine_id, &sh, err);
		free(guest);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* The login name of the user we act for: the real uid's (setuid-safe). */
static int
host_user(char *out, size_t n, struct xherr *err)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw == NULL || pw->pw_name == NULL || strlen(pw->pw_name) >= n)
		return xherr_set(err, XHE_FAIL, "no user name for uid %d "
		    "(NFS -mapall and 9p uname need one)", (int)getuid());
	snprintf(out, n, "%s", pw->pw_name);
	return 0;
}

static int
root_shares_export(struct machine_ctx *ctx, const struct inv_machine *m,
    const struct mi_shares *s, struct xherr *err)
{
	char user[256], *buf = NULL;
	size_t len = 0;
	struct buf cur, next;
	struct stat st;
	int exists, changed, any = 0, lock = -1, rc = -1;

	if (s->nnfs == 0)
		return 0;
	buf_init(&cur);
	buf_init(&next);
	if (host_user(user, sizeof user, err) == -1 ||
	    mi_lock_take(ctx, "exports", &lock, err) == -1 ||
	    nfsd_exports_read(ctx->exports, &buf, &len, &st, &exists, err) == -1)
		goto out;
	buf_add(&cur, buf ? buf : "", len);
	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].kind, "nfs") != 0)
			continue;
		next.len = 0;
		if (nfs_exports_set(cur.p, cur.len, m->name, s->v[i].host, m->ip,
		    user, &next, &changed, err) == -1) {
			xherr_wrap(err, "cannot export %s", s->v[i].host);
			goto out;
		}
		any |= changed;
		struct buf t = cur;
		cur = next;
		next = t;
	}
	if (any) {
		mi_say(ctx, "exporting %d folder%s to %s in %s", s->nnfs,
		    s->nnfs == 1 ? "" : "s", m->ip, ctx->exports);
		if (nfsd_exports_commit(ctx->exports, ctx->store,
		    ctx->nfsd, &cur, &st, exists, err) == -1 ||
		    mi_event1(ctx, m->id, "exports", -1, mi_detail("{s:s,s:s,s:i}",
		    "action", "set", "ip", m->ip, "shares", s->nnfs), err) == -1)
			goto out;
	}
	rc = 0;
out:
	mi_lock_drop(lock);
	free(buf);
	buf_release(&cur);
	buf_release(&next);
	return rc;
}

static int
root_shares_unexport(struct machine_ctx *ctx, const struct inv_machine *m,
    struct xherr *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct buf next;
	struct stat st;
	int exists, removed = 0, lock = -1, rc = -1;

	buf_init(&next);
	if (mi_lock_take(ctx, "exports", &lock, err) == -1 ||
	    nfsd_exports_read(ctx->exports, &buf, &len, &st, &exists, err) == -1)
		goto out;
	if (!exists) {
		rc = 0;
		goto out;
	}
	if (nfs_exports_remove(buf, len, m->name, &next, &removed, err) == -1) {
		xherr_wrap(err, "cannot remove %s's exports", m->name);
		goto out;
	}
	if (removed > 0) {
		mi_say(ctx, "removing %d export%s of %s from %s", removed,
		    removed == 1 ? "" : "s", m->name, ctx->exports);
		if (nfsd_exports_commit(ctx->exports, ctx->store,
		    ctx->nfsd, &next, &st, exists, err) == -1 ||
		    mi_event1(ctx, m->id, "exports", -1, mi_detail("{s:s,s:i}",
		    "action", "remove", "blocks", removed), err) == -1)
			goto out;
	}
	rc = 0;
out:
	mi_lock_drop(lock);
	free(buf);
	buf_release(&next);
	return rc;
}

int
mi_shares_mount(struct machine_ctx *ctx, const struct inv_machine *m,
    const struct mi_shares *s, const char *host_ip, struct xherr *err)
{
	char user[256], *key;
	struct buf script, out;
	int64_t t0 = util_mono_ms();
	int rc;

	if (s->n == 0)
		return 0;
	if (host_user(user, sizeof user, err) == -1)
		return -1;
	buf_init(&script);
	buf_init(&out);
	share_mount_script(s->v, s->n, mi_backend(m->backend)->ninep, host_ip,
	    user, &script);
	mi_say(ctx, "mounting %d shared folder%s in %s", s->n,
	    s->n == 1 ? "" : "s", m->name);
	key = util_path_join(m->dir, "id_rsa");
	rc = ssh_run(key, m->ip, buf_str(&script), MOUNT_MS, &out, err);
	free(key);
	if (rc == -1)
		xherr_wrap(err, "cannot mount the shared folders in %s", m->name);
	else
		rc = mi_event1(ctx, m->id, "share-mount", util_mono_ms() - t0,
		    mi_detail("{s:i,s:i}", "9p", s->n9p, "nfs", s->nnfs), err);
	buf_release(&script);
	buf_release(&out);
	return rc;
}

/* /etc/exports and nfsd are root's (priv.h). */
int
mi_shares_export(struct machine_ctx *ctx, const struct inv_machine *m,
    const struct mi_shares *s, struct xherr *err)
{
	uid_t was = priv_raise();
	int rc = root_shares_export(ctx, m, s, err);

	priv_restore(was);
	return rc;
}

/* /etc/exports and nfsd are root's (priv.h). */
int
mi_shares_unexport(struct machine_ctx *ctx, const struct inv_machine *m,
    struct xherr *err)
{
	uid_t was = priv_raise();
	int rc = root_shares_unexport(ctx, m, err);

	priv_restore(was);
	return rc;
}

/* Shares: existing directories, given once, within the slots. */
int
mi_check_shares(const struct machine_create_opts *o, struct xherr *err)
{
	const char *backend = o->backend && *o->backend ? o->backend :
	    MACHINE_DEFAULT_BACKEND;
	struct xherr local = XHERR_INIT;
	struct stat st;
	int i, j;

	if (err == NULL)
		err = &local;	/* NULL is allowed (xherr.h) */
	if (o->nnfs > 0 && !mi_backend(backend)->nfs)
		return xherr_set(err, XHE_USAGE, "NFS shares need the xhyve "
		    "backend (macOS nfsd exports them); share with 9p instead");
	if (o->n9p + o->nnfs > SHARE_MAX)
		return xherr_set(err, XHE_USAGE, "%d shared folders: at most %d",
		    o->n9p + o->nnfs, SHARE_MAX);
	if ((o->root_9p && *o->root_9p &&
	    share_check_path("9p share root", o->root_9p, err) == -1) ||
	    (o->root_nfs && *o->root_nfs &&
	    share_check_path("NFS share root", o->root_nfs, err) == -1)) {
		err->code = XHE_USAGE;
		return -1;
	}
	for (i = 0; i < o->n9p + o->nnfs; i++) {
		int nfs = i >= o->n9p;
		const char *h = nfs ? o->shares_nfs[i - o->n9p] : o->shares_9p[i];
		const char *what = nfs ? "NFS share" : "9p share";
		if (share_check_path(what, h, err) == -1) {
			err->code = XHE_USAGE;
			return -1;
		}
		if (stat(h, &st) == -1 || !S_ISDIR(st.st_mode))
			return xherr_set(err, XHE_USAGE, "%s %s: %s", what, h,
			    errno == ENOENT ? "no such directory" :
			    "not a directory");
		for (j = nfs ? o->n9p : 0; j < i; j++)
			if (strcmp(h, j >= o->n9p ? o->shares_nfs[j - o->n9p] :
			    o->shares_9p[j]) == 0)
				return xherr_set(err, XHE_USAGE, "%s %s is "
				    "given twice", what, h);
	}
	return 0;
}
