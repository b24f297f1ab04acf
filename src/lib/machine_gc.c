/* machine_gc: gc, cache prune, and taking the network down. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine_int.h"
#include "priv.h"
#include "sha256.h"
#include "util.h"

/* gc */

struct gc {
	struct machine_ctx *ctx;
	int dry_run;
	void (*report)(void *arg, const char *line);
	void *arg;
	int found;
	struct xherr *err;
	int expired;			/* --expired */
	char *needs_root;		/* a file we could not rewrite */
	int64_t bytes;			/* allocated bytes freed (or to be) */
};

static void XH_PRINTF(2, 3)
gc_say(struct gc *g, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	g->found++;
	if (g->report)
		g->report(g->arg, line);
}

static int
gc_process(void *arg, int64_t row, int64_t machine_id, const char *role,
    const struct proc_ident *p)
{
	struct gc *g = arg;
	int st = proc_check(p);

	if (st == PROC_ALIVE)
		return 0;
	gc_say(g, "%sprocess row %lld (%s, pid %d) is %s: marking it ended",
	    g->dry_run ? "would fix: " : "", (long long)row, role, (int)p->pid,
	    proc_status_str(st));
	if (g->dry_run)
		return 0;
	return mi_record_exited(g->ctx, machine_id, row, p, st, g->err);
}

static int
gc_leases(struct gc *g, struct mi_net *n)
{
	struct lease_set ls;
	int64_t now = util_now_ms() / 1000;
	size_t i;

	if (mi_read_leases(n, &ls, g->err) == -1)
		return -1;
	for (i = 0; i < ls.n; i++) {
		char owner[IDENT_NAME_MAX + 1];
		int live, r, dropped, pending;
		const struct lease *l = &ls.v[i];
		int expired = lease_expired(&ls, l, now);

		if (l->mac[0] == '\0')
			continue;	/* a client-id lease: no MAC of ours */
		r = inv_mac_owner(g->ctx->inv, l->mac, owner, &live, g->err);
		if (r == -1)
			goto fail;
		/* Never a MAC we did not issue; with --expired also the
		 * expired leases of MACs we did. */
		if (r == 0 || (live && !(g->expired && expired)))
			continue;
		gc_say(g, "%slease %s for %s: %s %s (in %s)", g->dry_run ?
		    "would release: " : "released: ", l->ip, l->mac, live ?
		    "expired, of machine" : "its MAC was issued to removed machine",
		    owner, n->row.lease_file);
		if (g->dry_run)
			continue;
		if (mi_lease_drop(g->ctx, n, l->mac, l->ip, &dropped, &pending,
		    g->err) == -1)
			goto fail;
		if (pending) {
			free(g->needs_root);
			g->needs_root = xstrdup(n->row.lease_file);
			continue;
		}
		char *det = mi_detail("{s:s,s:s,s:s,s:s,s:b}", "what", "lease",
		    "mac", l->mac, "ip", l->ip, "machine", owner, "expired",
		    expired);
		if (inv_begin(g->ctx->inv, g->err) == -1 ||
		    inv_end(g->ctx->inv,
		    inv_lease_set_state(g->ctx->inv, n->row.id, l->mac,
		    "released", g->err) == -1 ||
		    inv_event(g->ctx->inv, 0, "gc", -1, det, g->err) == -1,
		    g->err) == -1) {
			free(det);
			goto fail;
		}
		free(det);
	}
	lease_set_release(&ls);
	return 0;
fail:
	lease_set_release(&ls);
	return -1;
}

static int
gc_hosts(struct gc *g, struct mi_net *n)
{
	struct mi_hosts a = { 0 };
	struct buf want;
	char *path = net_hosts_path(&n->cfg), *have = NULL;
	size_t len = 0;
	int rc = -1;

	buf_init(&want);
	if (inv_nic_each_live(g->ctx->inv, n->row.id, mi_hosts_add, &a, g->err) == -1)
		goto out;
	net_hosts_format(a.h, a.n, &want);
	if (util_read_file(path, 16 << 20, &have, &len, NULL) == -1) {
		rc = 0;		/* no file: nothing reserved yet */
		goto out;
	}
	if (len == want.len && (len == 0 || memcmp(have, want.p, len) == 0)) {
		rc = 0;
		goto out;
	}
	gc_say(g, "%sDHCP reservations in %s differ from the inventory",
	    g->dry_run ? "would rewrite: " : "rewrote: ", path);
	rc = g->dry_run ? 0 : mi_net_sync_hosts(g->ctx, n, g->err);
out:
	buf_release(&want);
	mi_hosts_free(&a);
	free(have);
	free(path);
	return rc;
}

/*
 * The directory of removed machine name: only the files the driver makes
 * go (a name may be in use again: docker-machine makes machines/NAME/ and
 * its config.json before the plugin's Create), and the directory only
 * once nothing else is left in it. Not while a create or rm of that name
 * holds its lock.
 */
static int
gc_dir(struct gc *g, const char *root, const char *name)
{
	char *path = util_path_join(root, name), *lockname;
	int lock = -1, busy, rc = 0;
	struct mi_own o;
	char h[16];

	lockname = xasprintf("machine-%s", name);
	busy = mi_lock_try(g->ctx, lockname, &lock, g->err);
	free(lockname);
	if (busy != 1) {
		free(path);
		return busy == -1 ? -1 : 0;	/* 0: in use right now */
	}
	if (mi_own_files(path, name, g->dry_run, &o) == -1) {
		rc = errno == ENOENT ? 0 : xherr_sys(g->err, "cannot read %s",
		    path);
		goto out;
	}
	if (o.own == 0 && o.other > 0)
		goto out;	/* someone else's directory now: not ours */
	g->bytes += o.bytes;
	util_human_bytes(o.bytes, h, sizeof h);
	if (o.other == 0)
		gc_say(g, "%sdirectory %s of removed machine %s (%s)",
		    g->dry_run ? "would delete: " : "deleted: ", path, name, h);
	else
		gc_say(g, "%s%d file%s of removed machine %s in %s (%s); the "
		    "directory stays: it holds %d other file%s (%s), not the "
		    "driver's", g->dry_run ? "would delete: " : "deleted: ",
		    o.own, o.own == 1 ? "" : "s", name, path, h, o.other,
		    o.other == 1 ? "" : "s", o.first_other);
	if (!g->dry_run) {
		char *det = mi_detail("{s:s,s:s,s:i,s:i}", "what", o.other ?
		    "files" : "directory", "path", path, "files", o.own, "kept",
		    o.other);
		/* Only an empty directory goes: if something was added
		 * meanwhile, it stays with it. */
		if (o.other == 0)
			rmdir(path);
		if (mi_event1(g->ctx, 0, "gc", -1, det, g->err) == -1)
			rc = -1;
	}
out:
	mi_lock_drop(lock);
	free(path);
	return rc;
}

static int
gc_dirs(struct gc *g)
{
	char *root;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (mi_machines_dir_check(g->ctx, g->err) == -1)
		return -1;
	root = util_path_join(g->ctx->store, "machines");
	d = opendir(root);
	if (d == NULL) {
		free(root);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct inv_machine m;
		struct xherr e = XHERR_INIT;

		if (de->d_name[0] == '.' || ident_check_name(de->d_name, NULL) == -1)
			continue;
		if (inv_machine_get(g->ctx->inv, de->d_name, &m, &e) == 0) {
			inv_machine_release(&m);
			continue;	/* a live machine */
		}
		if (e.code != XHE_NOTFOUND) {
			rc = xherr_set(g->err, e.code, "%s", e.msg);
			break;
		}
		/* Only directories of machines the inventory made and removed;
		 * anything else (another driver's machine) is not ours. */
		int used = inv_machine_name_was_used(g->ctx->inv, de->d_name, g->err);
		if (used == -1) {
			rc = -1;
			break;
		}
		if (!used)
			continue;
		if ((rc = gc_dir(g, root, de->d_name)) == -1)
			break;
	}
	closedir(d);
	free(root);
	return rc;
}

int
machine_gc(struct machine_ctx *ctx, int dry_run, int expired,
    void (*report)(void *arg, const char *line), void *arg, int *found,
    int64_t *bytes, struct xherr *err)
{
	struct gc g = { ctx, dry_run, report, arg, 0, err, expired, NULL, 0 };
	struct mi_net n;
	struct xherr nerr = XHERR_INIT;
	int rc = -1, lock = -1;

	if (mi_lock_take(ctx, "gc", &lock, err) == -1)
		return -1;
	if (inv_process_each_live(ctx->inv, gc_process, &g, err) == -1)
		goto out;
	/* Both lease sources: the bridge's dnsmasq and vmnet's bootpd. */
	static const char *const names[] = { NETWORK_NAME, VMNET_NAME };
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		struct inv_network row;
		if (inv_network_get(ctx->inv, names[k], &row, &nerr) == -1) {
			if (nerr.code == XHE_NOTFOUND)
				continue;
			*err = nerr;
			goto out;
		}
		int64_t id = row.id;
		inv_network_release(&row);
		if (mi_net_load_id(ctx, id, &n, err) == -1)
			goto out;
		if (gc_leases(&g, &n) == -1 ||
		    (!mi_net_is_vmnet(&n) && gc_hosts(&g, &n) == -1)) {
			mi_net_release(&n);
			goto out;
		}
		mi_net_release(&n);
	}
	if (gc_dirs(&g) == -1)
		goto out;
	if (g.needs_root != NULL) {
		xherr_set(err, XHE_PERM, "cannot rewrite %s without root: run "
		    "sudo xhinv gc", g.needs_root);
		goto out;
	}
	rc = 0;
out:
	mi_lock_drop(lock);
	free(g.needs_root);
	*found = g.found;
	*bytes = g.bytes;
	return rc;
}

struct any_running {
	char name[IDENT_NAME_MAX + 1];
};

static int
first_running(void *arg, const struct inv_machine *m)
{
	struct any_running *a = arg;

	if (m->proc_row != 0 && proc_check(&m->proc) == PROC_ALIVE &&
	    a->name[0] == '\0')
		snprintf(a->name, sizeof a->name, "%s", m->name);
	return 0;
}

static int network_down(struct machine_ctx *ctx, struct xherr *err);

/* dnsmasq and the bridge are root's (priv.h). */
int
machine_network_down(struct machine_ctx *ctx, struct xherr *err)
{
	uid_t was = priv_raise();
	int rc = network_down(ctx, err);

	priv_restore(was);
	return rc;
}

static int
network_down(struct machine_ctx *ctx, struct xherr *err)
{
	struct any_running a = { "" };
	struct mi_net n;
	struct proc_ident id;
	int64_t row;
	int alive, rc = -1;

	if (machine_refresh(ctx, err) == -1 ||
	    inv_machine_each(ctx->inv, 0, first_running, &a, err) == -1)
		return -1;
	if (a.name[0] != '\0')
		return xherr_set(err, XHE_STATE, "machine %s is running: stop "
		    "it before taking the network down", a.name);
	if (inv_network_get(ctx->inv, NETWORK_NAME, &n.row, err) == -1)
		return err->code == XHE_NOTFOUND ? 0 : -1;
	inv_network_release(&n.row);
	if (mi_net_load(ctx, 0, &n, err) == -1)	/* the bridge */
		return -1;
	if ((alive = mi_net_daemon(ctx, &n, &id, &row, err)) == -1)
		goto out;
	if (alive) {
		if (net_dnsmasq_stop(&id, err) == -1)
			goto out;
		char *det = mi_detail("{s:s,s:i}", "bridge", n.cfg.bridge, "pid",
		    (int)id.pid);
		if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
		    inv_process_end(ctx->inv, row, "stopped", err) == -1 ||
		    inv_event(ctx->inv, 0, "network-down", -1, det, err) == -1,
		    err) == -1) {
			free(det);
			goto out;
		}
		free(det);
	}
	if (net_bridge_down(n.cfg.bridge, err) == -1)
		goto out;
	rc = 0;
out:
	mi_net_release(&n);
	return rc;
}

/* cache prune */

struct prune {
	struct inv_image *v;
	size_t n, cap;
};

static int
prune_collect(void *arg, const struct inv_image *img)
{
	struct prune *p = arg;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	struct inv_image *c = &p->v[p->n++];
	memset(c, 0, sizeof *c);
	c->id = img->id;
	c->url = xstrdup(img->url);
	c->path = img->path ? xstrdup(img->path) : NULL;
	c->sha256 = img->sha256 ? xstrdup(img->sha256) : NULL;
	c->size = img->size;
	c->users = img->users;
	return 0;
}

/* <cache>/boot/<sha256>/ of ISOs no kept image has: the files taken out of
 * an ISO outlive it only in the machines that linked them. A kept image
 * has removed_at 0 after the loop above. */
static int
prune_boot_files(struct gc *g, const struct prune *p, const char *cache,
    int64_t *freed)
{
	char *dir = util_path_join(cache, "boot");
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		if (errno != ENOENT)
			rc = xherr_sys(g->err, "cannot read %s", dir);
		free(dir);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		int keep = 0, lock = -1;
		if (!sha256_valid_hex(de->d_name))
			continue;
		for (size_t i = 0; i < p->n && !keep; i++)
			keep = p->v[i].removed_at == 0 && p->v[i].sha256 != NULL &&
			    strcmp(p->v[i].sha256, de->d_name) == 0;
		if (keep)
			continue;
		char *sub = util_path_join(dir, de->d_name);
		char *lockname = xasprintf("boot-%s", de->d_name);
		int64_t bytes = 0, b;
		for (int r = 0; r < 3; r++) {
			static const char *const names[3] = { "kernel", "initrd",
			    "pvh" };
			char *f = util_path_join(sub, names[r]);
			if (util_file_size(f, NULL, &b, NULL) == 0)
				bytes += b;
			free(f);
		}
		gc_say(g, "%sboot files of ISO %s (%lld bytes), from no kept "
		    "image", g->dry_run ? "would delete: " : "deleted: ",
		    de->d_name, (long long)bytes);
		*freed += bytes;
		if (!g->dry_run && (mi_lock_take(g->ctx, lockname, &lock,
		    g->err) == -1 || util_rm_tree(sub, g->err) == -1 ||
		    inv_begin(g->ctx->inv, g->err) == -1 || inv_end(g->ctx->inv,
		    inv_boot_file_forget(g->ctx->inv, de->d_name, g->err) == -1,
		    g->err) == -1))
			rc = -1;
		mi_lock_drop(lock);
		free(lockname);
		free(sub);
	}
	closedir(d);
	free(dir);
	return rc;
}

struct partials {
	struct gc *g;
	int64_t *freed;
};

static void
prune_partial(void *arg, const char *path, int64_t bytes)
{
	struct partials *pp = arg;

	size_t l = strlen(path);
	int lck = l > 5 && strcmp(path + l - 5, ".lock") == 0;

	gc_say(pp->g, "%s%s %s (%lld bytes)", pp->g->dry_run ?
	    "would delete: " : "deleted: ", lck ? "lock file of a failed "
	    "download" : "partial download", path, (long long)bytes);
	*pp->freed += bytes;
	if (!pp->g->dry_run)
		unlink(path);
}

int
machine_cache_prune(struct machine_ctx *ctx, int dry_run,
    void (*report)(void *arg, const char *line), void *arg, int *found,
    int64_t *freed, struct xherr *err)
{
	struct gc g = { ctx, dry_run, report, arg, 0, err, 0, NULL, 0 };
	struct prune p = { NULL, 0, 0 };
	char *dir = machine_cache_dir(ctx->store);
	int lock = -1, rc = -1;
	size_t i;

	*freed = 0;
	if (mi_lock_take(ctx, "cache", &lock, err) == -1)
		goto out;
	if (inv_image_each(ctx->inv, 0, prune_collect, &p, err) == -1)
		goto out;
	for (i = 0; i < p.n; i++) {
		struct inv_image *img = &p.v[i];
		int64_t bytes = 0;
		/* Local files are the user's: never ours to delete. */
		if (img->users > 0 || strncmp(img->url, "file://", 7) == 0)
			continue;
		if (img->path != NULL)
			util_file_size(img->path, NULL, &bytes, NULL);
		gc_say(&g, "%simage %s (%lld bytes), used by no machine",
		    dry_run ? "would delete: " : "deleted: ", img->url,
		    (long long)bytes);
		*freed += bytes;
		if (dry_run)
			continue;
		char *det = mi_detail("{s:s,s:I}", "url", img->url, "bytes",
		    (json_int_t)bytes);
		if (cache_remove(dir, img->url, err) == -1 ||
		    inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
		    inv_image_removed(ctx->inv, img->id, err) == -1 ||
		    inv_event(ctx->inv, 0, "image-prune", -1, det, err) == -1,
		    err) == -1) {
			free(det);
			goto out;
		}
		free(det);
		img->removed_at = 1;
	}
	/* A dry run keeps everything: count as if it had deleted. */
	if (dry_run)
		for (i = 0; i < p.n; i++)
			if (p.v[i].users == 0 &&
			    strncmp(p.v[i].url, "file://", 7) != 0)
				p.v[i].removed_at = 1;
	if (prune_boot_files(&g, &p, dir, freed) == -1)
		goto out;
	struct partials pp = { &g, freed };
	if (cache_partials(dir, prune_partial, &pp, err) == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; i < p.n; i++)
		inv_image_release(&p.v[i]);
	free(p.v);
	mi_lock_drop(lock);
	free(dir);
	*found = g.found;
	return rc;
}

