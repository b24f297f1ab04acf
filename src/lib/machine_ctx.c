/*
 * machine_ctx: what every lifecycle step stands on: the context and its
 * settings (environment), progress and events, the store's paths and the
 * check that root may use it, per-machine and per-network locks, and
 * recording a process that exited.
 */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "priv.h"
#include "util.h"

#include "machine_int.h"

/* Per-machine (and per-network) lock files: flock, released on close or
 * process death, so a crash never leaves a lock behind. */
struct waiting {
	struct machine_ctx *ctx;
	const char *what;
};

struct refresh {
	struct machine_ctx *ctx;
	struct xherr *err;
	int failed;
};

void XH_PRINTF(2, 3)
mi_say(struct machine_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ctx->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ctx->progress(ctx->progress_arg, msg);
}

void
mi_step(struct machine_ctx *ctx, const char *step)
{
	if (ctx->crash_at != NULL && strcmp(ctx->crash_at, step) == 0)
		kill(getpid(), SIGKILL);
}

int
mi_cancelled(struct machine_ctx *ctx)
{
	return ctx->cancel != NULL && *ctx->cancel;
}

/* A JSON object from jansson's pack format; the result is the caller's. */
char *
mi_detail(const char *fmt, ...)
{
	json_error_t je;
	json_t *o;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	o = json_vpack_ex(&je, 0, fmt, ap);
	va_end(ap);
	/* Never an empty detail in silence: say what went wrong (callers
	 * pass text that may not be UTF-8 through utf8_visible). */
	if (o == NULL)
		o = json_pack("{s:s}", "detail_error", je.text);
	if (o == NULL)
		return xstrdup("{}");
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

char *
machine_db_path(const char *store)
{
	return util_path_join(store, "xhinv.db");
}

/* Whose is path (st): the invoking (real) user's or root's, and writable
 * by nobody else. */
static int
trusted(const char *path, const struct stat *st, const char *what,
    struct xherr *err)
{
	uid_t me = getuid();

	if (st->st_uid != me && st->st_uid != 0)
		return xherr_set(err, XHE_PERM, "%s %s belongs to uid %u, not "
		    "to you (uid %u) or root: refusing to use it (run as its "
		    "owner)", what, path, (unsigned)st->st_uid, (unsigned)me);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return xherr_set(err, XHE_PERM, "%s %s is writable by %s (mode "
		    "%03o): refusing to use it (chmod go-w)", what, path,
		    st->st_mode & S_IWOTH ? "others" : "its group",
		    (unsigned)(st->st_mode & 0777));
	return 0;
}

int
machine_store_check(const char *store, struct xherr *err)
{
	char *db = machine_db_path(store);
	struct stat st;
	int rc = -1;

	if (stat(store, &st) == -1) {
		rc = errno == ENOENT ? 0 : xherr_sys(err, "cannot use store %s",
		    store);
		goto out;
	}
	if (trusted(store, &st, "store", err) == -1)
		goto out;
	if (priv_setuid() && st.st_uid != getuid()) {
		xherr_set(err, XHE_PERM, "store %s belongs to uid %u: running "
		    "setuid, you (uid %u) act on your own store only", store,
		    (unsigned)st.st_uid, (unsigned)getuid());
		goto out;
	}
	if (lstat(db, &st) == -1) {
		rc = errno == ENOENT ? 0 : xherr_sys(err, "cannot use %s", db);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		xherr_set(err, XHE_PERM, "inventory %s is %s: refusing to use it",
		    db, S_ISLNK(st.st_mode) ? "a symbolic link" :
		    "not a regular file");
		goto out;
	}
	rc = trusted(db, &st, "inventory", err);
out:
	free(db);
	return rc;
}

char *
machine_dir(const char *store, const char *name)
{
	return xasprintf("%s/machines/%s", store, name);
}

char *
machine_default_store(void)
{
	const char *s = getenv("MACHINE_STORAGE_PATH"), *home;
	struct passwd *pw;

	if (s != NULL && *s != '\0')
		return xstrdup(s);
	home = getenv("HOME");
	if ((home == NULL || *home == '\0') && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	return xasprintf("%s/.docker/machine", home ? home : "/");
}

void
machine_ctx_init(struct machine_ctx *ctx, const char *store, struct inv *inv)
{
	const char *b = getenv("XHINV_BRIDGE"), *s = getenv("XHINV_SUBNET");

	memset(ctx, 0, sizeof *ctx);
	ctx->store = store;
	ctx->inv = inv;
	ctx->bridge = b && *b ? b : DEFAULT_BRIDGE;
	ctx->subnet = s && *s ? s : DEFAULT_SUBNET;
	ctx->api_base = getenv("XHINV_GITHUB_API");
	if (ctx->api_base != NULL && *ctx->api_base == '\0')
		ctx->api_base = NULL;
	ctx->token = getenv("GITHUB_TOKEN");
	s = getenv("XHINV_DOWNLOAD_STALL_S");
	ctx->stall_s = s ? atoi(s) : 0;
	s = getenv("XHINV_DOWNLOAD_ATTEMPTS");
	ctx->attempts = s ? atoi(s) : 0;
	s = getenv("XHINV_BOOTPD_LEASES");
	ctx->bootpd_leases = s && *s ? s : MACHINE_BOOTPD_LEASES;
	s = getenv("XHINV_BOOTPD_RELOAD");
	ctx->bootpd_reload = s && *s ? s :
	    "launchctl kickstart -k system/com.apple.bootpd";
	ctx->crash_at = getenv("XHINV_CRASH_AT");
	s = getenv("XHINV_EXPORTS");
	ctx->exports = s && *s ? s : "/etc/exports";
	s = getenv("XHINV_NFSD");
	ctx->nfsd = s && *s ? s : "nfsd";
	s = getenv("XHINV_PRIV_CHECK");
#ifdef __APPLE__
	ctx->enforce_priv = !(s && strcmp(s, "0") == 0);
#else
	ctx->enforce_priv = s && strcmp(s, "1") == 0;
#endif
	/* Setuid, the hypervisor binary must be root's and setuid. */
	if (priv_setuid())
		ctx->enforce_priv = 1;
}

char *
machine_cache_dir(const char *store)
{
	return util_path_join(store, "cache");
}

const char *
machine_state_str(int state)
{
	switch (state) {
	case MACHINE_RUNNING:
		return "running";
	default:
		return "stopped";
	}
}

static void
say_waiting(void *arg)
{
	struct waiting *w = arg;

	mi_say(w->ctx, "waiting for another command working on %s", w->what);
}

int
mi_lock_take(struct machine_ctx *ctx, const char *what, int *fdp,
    struct xherr *err)
{
	char *dir = util_path_join(ctx->store, "locks");
	char *path = xasprintf("%s/%s.lock", dir, what);
	struct waiting w = { ctx, what };
	int rc = -1;

	*fdp = -1;
	if (util_mkdir_in(ctx->store, dir, 0700, err) == 0)
		rc = util_lock(path, ctx->cancel, say_waiting, &w, fdp, err);
	free(dir);
	free(path);
	return rc;
}

int
mi_lock_try(struct machine_ctx *ctx, const char *what, int *fdp,
    struct xherr *err)
{
	char *dir = util_path_join(ctx->store, "locks");
	char *path = xasprintf("%s/%s.lock", dir, what);
	int rc = -1;

	*fdp = -1;
	if (util_mkdir_in(ctx->store, dir, 0700, err) == 0)
		rc = util_trylock(path, fdp, err);
	free(dir);
	free(path);
	return rc;
}

void
mi_lock_drop(int fd)
{
	if (fd != -1)
		close(fd);
}

/* Processes */

static const char *
end_reason(int st)
{
	switch (st) {
	case PROC_REBOOTED:
		return "reboot";
	case PROC_REUSED:
		return "reused";
	default:
		return "exited";
	}
}

/* Record that a machine's process is gone without a stop. */
int
mi_record_exited(struct machine_ctx *ctx, int64_t machine_id, int64_t row,
    const struct proc_ident *p, int st, struct xherr *err)
{
	struct inv_machine m;
	int code = -1;

	/* A supervisor (xhyve's) left its exit status: say what the guest
	 * did. A backend without one has no such file. */
	if (machine_id != 0 && inv_machine_get_id(ctx->inv, machine_id, &m,
	    NULL) == 0) {
		char *exitf = mi_mfile(&m, ".exit");
		if (hv_xhyve_exit_status(exitf, &code) == -1)
			code = -1;
		free(exitf);
		inv_machine_release(&m);
	}
	char *det = code >= 0 ? mi_detail("{s:i,s:s,s:i,s:s}", "pid",
	    (int)p->pid, "reason", proc_status_str(st), "exit_code", code,
	    "meaning", hv_xhyve_exit_meaning(code)) :
	    mi_detail("{s:i,s:s}", "pid", (int)p->pid, "reason",
	    proc_status_str(st));
	int rc = inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_process_end(ctx->inv, row, end_reason(st), err) == -1 ||
	    (machine_id != 0 && inv_event(ctx->inv, machine_id, "exited", -1,
	    det, err) == -1), err) == -1 ? -1 : 0;

	free(det);
	return rc;
}

static int
refresh_one(void *arg, int64_t row, int64_t machine_id, const char *role,
    const struct proc_ident *p)
{
	struct refresh *r = arg;
	int st = proc_check(p);

	if (st == PROC_ALIVE)
		return 0;
	if (mi_record_exited(r->ctx, machine_id, row, p, st, r->err) == -1) {
		r->failed = 1;
		return -1;
	}
	return 0;
}

int
machine_refresh(struct machine_ctx *ctx, struct xherr *err)
{
	struct refresh r = { ctx, err, 0 };

	if (inv_process_each_live(ctx->inv, refresh_one, &r, err) == -1)
		return -1;
	return 0;
}

char *
mi_mfile(const struct inv_machine *m, const char *suffix)
{
	return xasprintf("%s/%s%s", m->dir, m->name, suffix);
}

/* Paths below <store>/machines are used as they are, so a link planted in
 * its place would make create write, and rm delete, outside the store. */
int
mi_machines_dir_check(struct machine_ctx *ctx, struct xherr *err)
{
	char *dir = util_path_join(ctx->store, "machines");
	struct stat st;
	int rc = 0;

	if (lstat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		rc = xherr_set(err, XHE_INVAL, "%s is %s, not a directory: "
		    "machines are kept only inside the store", dir,
		    S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
	free(dir);
	return rc;
}

/* Append an event in its own transaction. */
int
mi_event1(struct machine_ctx *ctx, int64_t machine_id, const char *kind,
    int64_t duration_ms, char *det, struct xherr *err)
{
	int rc = inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_event(ctx->inv, machine_id, kind, duration_ms, det, err) == -1,
	    err) == -1 ? -1 : 0;

	free(det);
	return rc;
}
