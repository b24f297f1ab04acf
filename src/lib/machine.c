/*
 * machine: the lifecycle of one machine, and nothing else.
 *
 *	machine_create		check, image, row, disk and key, boot, record
 *	machine_start		boot a stopped machine: launch, lease, SSH
 *	machine_stop/kill	the power button, then SIGKILL; exit recorded
 *	machine_restart		stop, then start
 *	machine_rm		stop, release the lease, remove its files
 *	machine_get		a machine and whether it runs (the pid rule)
 *	machine_disk_resize	grow a stopped machine's disk
 *
 * Each takes the machine's lock, loads its row (paths derived from the
 * store and the name, never taken from the row), works through a backend
 * (machine_hv.c), and records every step as an event, so a crash at any
 * point leaves what reconcile (machine_reconcile.c) can finish. What every
 * step stands on (context, settings, progress, locks) is machine_ctx.c;
 * the network, its leases and the lease wait machine_net.c; the ISO
 * machine_image.c; shared folders machine_share.c.
 */
#include "machine.h"

#include <dirent.h>
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
#include <uuid/uuid.h>

#include "cache.h"
#include "disk.h"
#include "hv.h"
#include "ident.h"
#include "iso.h"
#include "lease.h"
#include "net.h"
#include "priv.h"
#include "ssh.h"
#include "utf8.h"
#include "util.h"
#include "watch.h"

#include "machine_int.h"

/* p's last component, in dir; the result is the caller's. */
static char *
rebase(const char *dir, const char *p)
{
	return p ? util_path_join(dir, util_base_name(p)) : NULL;
}

/*
 * Paths are derived, not trusted: what a machine's row names (directory,
 * kernel, initrd, ISO, disk) is acted on, by root too, so each is taken
 * as its last component inside <store>/machines/<name>, where the driver
 * puts them all. An edited inventory naming /etc/shadow as a disk then
 * names <dir>/shadow, which is the machine's own or nothing.
 */
static void
derive_paths(struct machine_ctx *ctx, struct inv_machine *m)
{
	char *dir = machine_dir(ctx->store, m->name), *v;

#define REBASE(f) do { v = rebase(dir, m->f); free(m->f); m->f = v; } while (0)
	REBASE(kernel);
	REBASE(initrd);
	REBASE(iso);
	REBASE(disk_path);
#undef REBASE
	free(m->dir);
	m->dir = dir;
}

static int
get(struct machine_ctx *ctx, const char *name, struct inv_machine *m,
    struct xherr *err)
{
	if (inv_machine_get(ctx->inv, name, m, err) == -1)
		return -1;
	derive_paths(ctx, m);
	return 0;
}

/* The live machine; if its process is gone, record it and reload. */
static int
load(struct machine_ctx *ctx, const char *name, struct inv_machine *m,
    int *state, struct xherr *err)
{
	if (ident_check_name(name, err) == -1)
		return -1;
	if (get(ctx, name, m, err) == -1)
		return -1;
	*state = MACHINE_STOPPED;
	if (m->proc_row == 0)
		return 0;
	int st = ctx->watch != NULL ? proc_watch_check(ctx->watch, &m->proc) :
	    proc_check(&m->proc);
	if (st == PROC_ALIVE) {
		*state = MACHINE_RUNNING;
		return 0;
	}
	if (mi_record_exited(ctx, m->id, m->proc_row, &m->proc, st, err) == -1) {
		inv_machine_release(m);
		return -1;
	}
	inv_machine_release(m);
	return get(ctx, name, m, err);
}

int
machine_get(struct machine_ctx *ctx, const char *name, struct inv_machine *m,
    int *state, struct xherr *err)
{
	return load(ctx, name, m, state, err);
}

/* mi_step "create:STEP" or "start:STEP". */
static void
boot_step(struct machine_ctx *ctx, const struct mi_boot *b, const char *step)
{
	char name[32];

	if (ctx->crash_at == NULL)
		return;
	snprintf(name, sizeof name, "%s:%s", b->since, step);
	mi_step(ctx, name);
}

/* Launch the VM, then wait for its lease and for SSH. */
static int
boot(struct machine_ctx *ctx, struct inv_machine *m, struct mi_boot *b,
    int timeout_s, struct xherr *err)
{
	struct mi_net n;
	struct vm_paths p;
	struct mi_shares sh;
	const struct mi_backend *be = mi_backend(m->backend);
	int rc = -1;
	int64_t deadline = b->t0 + (int64_t)timeout_s * 1000;

	if (mi_shares_load(ctx, m->id, &sh, err) == -1)
		return -1;
	vm_paths_init(m, &p);
	if ((m->network_id != 0 ? mi_net_load_id(ctx, m->network_id, &n, err) :
	    mi_net_load(ctx, mi_backend(m->backend)->vmnet, &n, err)) == -1) {
		vm_paths_release(&p);
		mi_shares_release(&sh);
		return -1;
	}
	b->stale_expiry = mi_lease_expiry(&n, m->mac);
	if (be->launch(ctx, m, &n, b, &p, &sh, err) == -1)
		goto out;
	boot_step(ctx, b, "launched");
	char *det = mi_detail("{s:i,s:s,s:s,s:s,s:s?}", "pid", (int)b->proc.pid,
	    "exe", b->proc.exe, "accel", b->accel, "since", b->since, "console",
	    b->console[0] ? b->console : NULL);
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_process_insert(ctx->inv, m->id, 0, "hypervisor", &b->proc,
	    &b->proc_row, err) == -1 ||
	    (b->console[0] && inv_process_set_console(ctx->inv, b->proc_row,
	    b->console, err) == -1) ||
	    inv_event(ctx->inv, m->id, "start", -1, det, err) == -1,
	    err) == -1) {
		free(det);
		goto out;
	}
	free(det);
	boot_step(ctx, b, "started");
	/* The guest boots meanwhile: hashing and syncing its boot files, and
	 * making the next create's SSH key, cost the create nothing it would
	 * not wait anyway. A failure leaves the files unsealed (taken out
	 * again after a reboot), or no spare key (the next create makes one). */
	if (b->seal != NULL) {
		struct xherr e = XHERR_INIT;
		if (mi_boot_files_seal(ctx, b->seal, &e) == -1)
			mi_say(ctx, "warning: boot files not sealed: %s", e.msg);
		if (mi_key_make_spare(ctx, &e) == -1)
			mi_say(ctx, "warning: no spare SSH key made: %s", e.msg);
	}
	if (mi_wait_ip(ctx, &n, m, b, deadline, err) == -1 ||
	    mi_shares_export(ctx, m, &sh, err) == -1)
		goto out;
	boot_step(ctx, b, "ip");
	mi_say(ctx, "waiting for SSH on %s:22", m->ip);
	int64_t left = deadline - util_mono_ms();
	if (ssh_wait(m->ip, 22, left > 0 ? (int)left : 1, ctx->cancel,
	    err) == -1)
		goto out;
	if (mi_event1(ctx, m->id, "ssh-ready", util_mono_ms() - b->t0,
	    mi_detail("{s:s,s:s}", "ip", m->ip, "since", b->since), err) == -1 ||
	    mi_shares_mount(ctx, m, &sh, n.row.gateway, err) == -1)
		goto out;
	rc = 0;
out:
	mi_net_release(&n);
	vm_paths_release(&p);
	mi_shares_release(&sh);
	return rc;
}

/* A clean-up step that failed, for the event recording the clean-up:
 * best effort goes on, but leaves a trace. */
static void
cleanup_failed(struct strv *failed, const char *what, const struct xherr *e)
{
	if (failed != NULL)
		strv_addf(failed, "%s: %s", what, e->msg[0] ? e->msg : "failed");
}

/* Kill a VM we launched whose start failed; record it, with why. */
static void
boot_abort(struct machine_ctx *ctx, int64_t machine_id, struct mi_boot *b,
    const char *reason, struct strv *failed)
{
	struct xherr e = XHERR_INIT;
	char *det;

	if (!b->launched)
		return;
	/* Gone already (XHE_NOTFOUND) is what the kill is for. */
	if ((proc_signal(&b->proc, SIGKILL, &e) == -1 &&
	    e.code != XHE_NOTFOUND) ||
	    proc_wait_gone(&b->proc, KILL_WAIT_MS, NULL, &e) == -1)
		cleanup_failed(failed, "kill the hypervisor", &e);
	if (b->proc_row == 0)
		return;
	det = mi_detail("{s:s}", "reason", reason);
	if (inv_begin(ctx->inv, &e) == -1 || inv_end(ctx->inv,
	    inv_process_end(ctx->inv, b->proc_row, "killed", &e) == -1 ||
	    inv_event(ctx->inv, machine_id, "kill", -1, det, &e) == -1,
	    &e) == -1)
		cleanup_failed(failed, "record the kill", &e);
	free(det);
}

/* Create */

static int64_t
host_memory_mb(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || size <= 0)
		return 1 << 20;
	return (int64_t)pages * size / 1048576;
}

int
machine_precheck(struct machine_ctx *ctx, const char *backend,
    struct xherr *err)
{
	const struct mi_backend *be = mi_backend_find(backend);

	if (be == NULL)
		return xherr_set(err, XHE_USAGE, "backend \"%s\": use qemu or "
		    "xhyve", backend);
	return be->precheck(ctx, err);
}

int
machine_check_create(const struct machine_create_opts *o, struct xherr *err)
{
	uuid_t u;

	if (ident_check_name(o->name, err) == -1)
		return -1;
	if (o->iso == NULL)
		return xherr_set(err, XHE_USAGE, "no ISO source given");
	if (o->cpus < 1 || o->cpus > MACHINE_MAX_CPUS)
		return xherr_set(err, XHE_USAGE, "CPU count %d is out of range "
		    "1-%d", o->cpus, MACHINE_MAX_CPUS);
	if (o->memory_mb < MACHINE_MIN_MEMORY_MB)
		return xherr_set(err, XHE_USAGE, "memory %d MB is below the "
		    "minimum of %d MB", o->memory_mb, MACHINE_MIN_MEMORY_MB);
	if (o->memory_mb > host_memory_mb())
		return xherr_set(err, XHE_USAGE, "memory %d MB is more than "
		    "this host has (%lld MB)", o->memory_mb,
		    (long long)host_memory_mb());
	if (o->disk_mb < MACHINE_MIN_DISK_MB || o->disk_mb > MACHINE_MAX_DISK_MB)
		return xherr_set(err, XHE_USAGE, "disk size %lld MB is out of "
		    "range %d-%lld MB", (long long)o->disk_mb,
		    MACHINE_MIN_DISK_MB, (long long)MACHINE_MAX_DISK_MB);
	if (o->uuid != NULL && *o->uuid != '\0' &&
	    (strlen(o->uuid) != 36 || uuid_parse(o->uuid, u) == -1))
		return xherr_set(err, XHE_USAGE, "\"%s\" is not a UUID "
		    "(expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", o->uuid);
	if (o->timeout_s < 0)
		return xherr_set(err, XHE_USAGE, "timeout %d is negative",
		    o->timeout_s);
	if (mi_backend_find(o->backend) == NULL)
		return xherr_set(err, XHE_USAGE, "backend \"%s\": use qemu or "
		    "xhyve", o->backend);
	if (o->disk_format != NULL && *o->disk_format != '\0' &&
	    strcmp(o->disk_format, "raw") != 0 &&
	    strcmp(o->disk_format, "qcow2") != 0 &&
	    strcmp(o->disk_format, "ext4") != 0)
		return xherr_set(err, XHE_USAGE, "disk format \"%s\": use raw, "
		    "qcow2 or ext4", o->disk_format);
	return mi_check_shares(o, err);
}

/* Undo a create that failed after its row was recorded. */
static int unexport(struct machine_ctx *ctx, const struct inv_machine *m,
    struct xherr *err);

static void
create_rollback(struct machine_ctx *ctx, struct inv_machine *m,
    struct mi_boot *b, int made_dir, const char *reason)
{
	struct xherr e = XHERR_INIT;
	struct strv failed;
	struct mi_net n;
	int dropped = 0, pending = 0;
	char *det, *why;

	strv_init(&failed);
	boot_abort(ctx, m->id, b, "create failed", &failed);
	if (mi_net_load(ctx, mi_backend(m->backend)->vmnet, &n, &e) == -1) {
		cleanup_failed(&failed, "load the network", &e);
	} else {
		if (m->mac[0] != '\0' && mi_lease_drop(ctx, &n, m->mac, m->ip,
		    &dropped, &pending, &e) == -1)
			cleanup_failed(&failed, "release the lease", &e);
		if (inv_begin(ctx->inv, &e) == -1 || inv_end(ctx->inv,
		    inv_nic_release(ctx->inv, m->id, &e) == -1 ||
		    (dropped && inv_lease_set_state(ctx->inv, n.row.id, m->mac,
		    "released", &e) == -1), &e) == -1)
			cleanup_failed(&failed, "record the release", &e);
		if (mi_net_sync_hosts(ctx, &n, &e) == -1)
			cleanup_failed(&failed, "rewrite the reservations", &e);
		mi_net_release(&n);
	}
	if (unexport(ctx, m, &e) == -1)
		cleanup_failed(&failed, "remove the NFS exports", &e);
	mi_remove_files(m, made_dir);
	why = failed.n > 0 ? strv_join(&failed, "; ") : NULL;
	det = mi_detail("{s:s,s:b,s:s?}", "reason", reason, "lease_released",
	    dropped, "cleanup_failed", why);
	if (inv_begin(ctx->inv, &e) == 0)
		inv_end(ctx->inv,
		    inv_nic_release(ctx->inv, m->id, &e) == -1 ||
		    inv_disk_remove(ctx->inv, m->id, &e) == -1 ||
		    inv_machine_set_status(ctx->inv, m->id, "failed", &e) == -1 ||
		    inv_event(ctx->inv, m->id, "create-failed",
		    util_mono_ms() - b->t0, det, &e) == -1, &e);
	free(det);
	free(why);
	strv_release(&failed);
}

int
machine_create(struct machine_ctx *ctx, const struct machine_create_opts *o,
    struct xherr *err)
{
	struct inv_machine m;
	struct iso_info info;
	struct mi_boot b;
	struct mi_net n;
	struct inv_image img;
	struct cache_entry ce;
	uuid_t u;
	char uuid[40], *lockname = NULL, *stamp;
	const char *iso_src, *backend;
	const struct mi_backend *be;
	int xhyve;
	int lock = -1, made_dir = 0, rc = -1, recorded = 0, have_ce = 0;
	uint32_t lo, hi;
	struct stat st;

	memset(&m, 0, sizeof m);
	memset(&info, 0, sizeof info);
	memset(&img, 0, sizeof img);
	memset(&ce, 0, sizeof ce);
	memset(&n, 0, sizeof n);
	memset(&b, 0, sizeof b);
	b.t0 = util_mono_ms();
	b.since = "create";
	if (machine_check_create(o, err) == -1)
		return -1;
	if (o->uuid != NULL && *o->uuid != '\0') {
		uuid_parse(o->uuid, u);
	} else {
		uuid_generate_random(u);
	}
	uuid_unparse_lower(u, uuid);
	backend = o->backend != NULL && *o->backend != '\0' ? o->backend :
	    MACHINE_DEFAULT_BACKEND;
	be = mi_backend(backend);
	xhyve = be->vmnet;	/* MAC and IP learned, not reserved */
	if (be->create_check != NULL && be->create_check(ctx, err) == -1)
		return -1;

	/* The ISO: downloaded into the cache, or a local file. */
	if (util_mkdir_p(ctx->store, 0700, err) == -1)
		return -1;
	if (mi_image_get(ctx, o->iso, o->sha256, &ce, &info, err) == -1)
		return -1;
	have_ce = 1;
	/* Name it as the user knows it: the path, or the URL. */
	iso_src = ce.kind == CACHE_LOCAL ? ce.path : ce.url;
	/* Members named by the caller (the original's BootKernel and
	 * BootInitrd, paths inside the ISO) win over the name rules. */
	if (o->kernel_member != NULL && *o->kernel_member != '\0') {
		const char *k = o->kernel_member;
		while (*k == '/')
			k++;
		free(info.kernel);
		info.kernel = xstrdup(k);
	}
	if (o->initrd_member != NULL && *o->initrd_member != '\0') {
		const char *i = o->initrd_member;
		while (*i == '/')
			i++;
		free(info.initrd);
		info.initrd = xstrdup(i);
	}
	if (info.kernel == NULL) {
		xherr_set(err, XHE_INVAL, "ISO %s has no kernel (looked for %s)",
		    iso_src, ISO_KERNEL_NAMES);
		goto out;
	}
	if (info.initrd == NULL) {
		xherr_set(err, XHE_INVAL, "ISO %s has no initrd (looked for %s)",
		    iso_src, ISO_INITRD_NAMES);
		goto out;
	}
	if ((o->cmdline == NULL || *o->cmdline == '\0') && info.cmdline == NULL) {
		xherr_set(err, XHE_INVAL, "ISO %s has no isolinux.cfg with an "
		    "indented append line: give the kernel command line",
		    iso_src);
		goto out;
	}

	lockname = xasprintf("machine-%s", o->name);
	if (mi_lock_take(ctx, lockname, &lock, err) == -1)
		goto out;
	if (mi_net_load(ctx, be->vmnet, &n, err) == -1)
		goto out;

	snprintf(m.name, sizeof m.name, "%s", o->name);
	snprintf(m.uuid, sizeof m.uuid, "%s", uuid);
	snprintf(m.backend, sizeof m.backend, "%s", backend);
	snprintf(m.status, sizeof m.status, "creating");
	m.cpus = o->cpus;
	m.memory_mb = o->memory_mb;
	m.disk_mb = o->disk_mb;
	snprintf(m.disk_format, sizeof m.disk_format, "%s",
	    o->disk_format && *o->disk_format ? o->disk_format : "raw");
	m.dir = machine_dir(ctx->store, o->name);
	m.iso = util_path_join(m.dir, "boot2docker.iso");
	{
		char *k = util_path_join(m.dir, util_base_name(info.kernel));
		char *i = util_path_join(m.dir, util_base_name(info.initrd));
		m.kernel = k;
		m.initrd = i;
	}
	m.cmdline_given = o->cmdline && *o->cmdline;
	m.cmdline = xstrdup(m.cmdline_given ? o->cmdline : info.cmdline);
	ident_mac_from_uuid(u, m.mac);

	{
		struct inv_machine live;
		struct xherr gerr = XHERR_INIT;
		if (inv_machine_get(ctx->inv, o->name, &live, &gerr) == 0) {
			inv_machine_release(&live);
			xherr_set(err, XHE_EXISTS, "machine %s already exists",
			    o->name);
			goto out;
		}
		if (gerr.code != XHE_NOTFOUND) {
			*err = gerr;
			goto out;
		}
	}
	if (lstat(m.dir, &st) == 0 && !o->dir_may_exist) {
		xherr_set(err, XHE_EXISTS, "%s already exists and the inventory "
		    "has no live machine %s: remove it or run xhinv gc", m.dir,
		    o->name);
		goto out;
	}
	/* docker-machine makes the directory first; a link is not one. */
	if (lstat(m.dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		xherr_set(err, XHE_EXISTS, "%s is %s, not a directory: "
		    "refusing to create %s through it", m.dir,
		    S_ISLNK(st.st_mode) ? "a symbolic link" : "a file",
		    o->name);
		goto out;
	}
	if (mi_machines_dir_check(ctx, err) == -1)
		goto out;

	/* One transaction: the image, the row, its reservation, its disk and
	 * the events. */
	mi_net_pool(&n, &lo, &hi);
	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	char *disk = mi_mfile(&m, mi_disk_suffix(m.disk_format));
	char *det;
	/* The bridge's addresses are ours to reserve; vmnet's are bootpd's:
	 * an xhyve machine's MAC and IP are learned (-M, then the lease). */
	if (mi_image_record(ctx, o->iso, &ce, &info, &img, err) == -1 ||
	    (m.image_id = img.id, inv_machine_insert(ctx->inv, &m, err)) == -1 ||
	    (!xhyve && inv_nic_reserve(ctx->inv, m.id, n.row.id, m.mac, lo, hi,
	    m.ip, err) == -1) ||
	    inv_disk_insert(ctx->inv, m.id, disk, m.disk_format, m.disk_mb,
	    err) == -1 ||
	    mi_shares_record(ctx, m.id, o, err) == -1) {
		inv_rollback(ctx->inv);
		free(disk);
		goto out;
	}
	free(disk);
	char *isotext = utf8_visible(ce.url);	/* a path need not be UTF-8 */
	det = mi_detail("{s:s,s:s,s:s?,s:s?,s:s,s:i,s:i,s:I,s:s}", "uuid",
	    m.uuid, "backend", m.backend, "mac", xhyve ? NULL : m.mac, "ip",
	    xhyve ? NULL : m.ip, "iso", isotext, "cpus", m.cpus, "memory_mb",
	    m.memory_mb, "disk_mb", (json_int_t)m.disk_mb, "disk_format",
	    m.disk_format);
	free(isotext);
	if (inv_end(ctx->inv, inv_event(ctx->inv, m.id, "create-begin", -1,
	    det, err) == -1, err) == -1) {
		free(det);
		goto out;
	}
	free(det);
	recorded = 1;
	mi_step(ctx, "create:recorded");
	if (xhyve)
		mi_say(ctx, "creating %s: uuid %s, xhyve", m.name, m.uuid);
	else
		mi_say(ctx, "creating %s: uuid %s, mac %s, ip %s", m.name, m.uuid,
		    m.mac, m.ip);

	if (lstat(m.dir, &st) == -1) {
		if (util_mkdir_p(m.dir, 0700, err) == -1)
			goto out;
		made_dir = 1;
	}
	chmod(m.dir, 0700);
	if (mi_create_files(ctx, &m, &info, &ce, err) == -1)
		goto out;
	mi_step(ctx, "create:files");
	b.seal = ce.sha256;
	stamp = mi_iso_stamp(m.iso);
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_machine_set_boot(ctx->inv, m.id, m.kernel, m.initrd, m.cmdline,
	    stamp, err) == -1, err) == -1) {
		free(stamp);
		goto out;
	}
	free(stamp);
	if (be->learn != NULL && be->learn(ctx, &m, n.row.id, err) == -1)
		goto out;
	if (boot(ctx, &m, &b, o->timeout_s > 0 ? o->timeout_s :
	    MACHINE_DEFAULT_TIMEOUT_S, err) == -1)
		goto out;
	mi_step(ctx, "create:booted");
	if (mi_event1(ctx, m.id, "create", util_mono_ms() - b.t0,
	    mi_detail("{s:s}", "ip", m.ip), err) == -1)
		goto out;
	mi_step(ctx, "create:event");
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_machine_set_status(ctx->inv, m.id, "ready", err) == -1,
	    err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && recorded)
		create_rollback(ctx, &m, &b, made_dir, err ? err->msg : "failed");
	mi_lock_drop(lock);
	free(lockname);
	mi_net_release(&n);
	iso_info_release(&info);
	inv_image_release(&img);
	if (have_ce)
		cache_entry_release(&ce);
	inv_machine_release(&m);
	return rc;
}

/* Start, stop, kill */

static int
take(struct machine_ctx *ctx, const char *name, int *lock, struct xherr *err)
{
	char *lockname;
	int rc;

	if (ident_check_name(name, err) == -1 ||
	    mi_machines_dir_check(ctx, err) == -1)
		return -1;
	lockname = xasprintf("machine-%s", name);
	rc = mi_lock_take(ctx, lockname, lock, err);
	free(lockname);
	return rc;
}

/* The lifecycle's one shape: take the machine's lock, load it (with
 * whether it runs), do, release. */
typedef int (*machine_op)(struct machine_ctx *ctx, struct inv_machine *m,
    int state, void *arg, struct xherr *err);

static int
with_machine(struct machine_ctx *ctx, const char *name, machine_op op,
    void *arg, struct xherr *err)
{
	struct inv_machine m;
	int lock, state, rc = -1;

	if (take(ctx, name, &lock, err) == -1)
		return -1;
	if (load(ctx, name, &m, &state, err) == 0) {
		rc = op(ctx, &m, state, arg, err);
		inv_machine_release(&m);
	}
	mi_lock_drop(lock);
	return rc;
}

static int
start_op(struct machine_ctx *ctx, struct inv_machine *m, int state, void *arg,
    struct xherr *err)
{
	int timeout_s = *(int *)arg;
	struct mi_boot b;

	memset(&b, 0, sizeof b);
	b.t0 = util_mono_ms();
	b.since = "start";
	if (state == MACHINE_RUNNING)
		return xherr_set(err, XHE_STATE, "%s is already running",
		    m->name);
	if (strcmp(m->status, "ready") != 0)
		return xherr_set(err, XHE_STATE, "%s is %s, not ready to start",
		    m->name, m->status);
	if (mi_refresh_boot(ctx, m, err) == -1)
		return -1;
	if (boot(ctx, m, &b, timeout_s > 0 ? timeout_s :
	    MACHINE_DEFAULT_TIMEOUT_S, err) == -1) {
		boot_abort(ctx, m->id, &b, err && err->msg[0] ? err->msg :
		    "start failed", NULL);
		return -1;
	}
	return 0;
}

int
machine_start(struct machine_ctx *ctx, const char *name, int timeout_s,
    struct xherr *err)
{
	return with_machine(ctx, name, start_op, &timeout_s, err);
}

/* ACPI power button, bounded wait, then SIGKILL; all recorded. */
static int
stop_running(struct machine_ctx *ctx, struct inv_machine *m, int timeout_s,
    int force, struct xherr *err)
{
	int64_t t0 = util_mono_ms();
	const char *method = "acpi";
	const struct mi_backend *be = mi_backend(m->backend);
	struct vm_paths p;
	struct xherr perr = XHERR_INIT;
	int rc = -1;

	vm_paths_init(m, &p);
	if (!force) {
		mi_say(ctx, "stopping %s (ACPI power button, up to %d s)", m->name,
		    timeout_s);
		if (be->powerdown(m, &p, &perr) == 0) {
			if (mi_event1(ctx, m->id, "powerdown", -1,
			    mi_detail("{s:i}", "timeout_s", timeout_s), err) == -1)
				goto out;
			mi_step(ctx, "stop:powerdown");
			if (proc_wait_gone(&m->proc, timeout_s * 1000,
			    ctx->cancel, NULL) == 0)
				goto gone;
		}
	}
	method = "kill";
	mi_say(ctx, "killing %s", m->name);
	if (mi_event1(ctx, m->id, "kill", -1, mi_detail("{s:s,s:s}", "reason",
	    force ? "requested" : perr.msg[0] ? "powerdown failed" :
	    "stop timeout", "error", perr.msg), err) == -1)
		goto out;
	if (proc_signal(&m->proc, SIGKILL, err) == -1 &&
	    proc_check(&m->proc) == PROC_ALIVE)
		goto out;
	if (proc_wait_gone(&m->proc, KILL_WAIT_MS, NULL, err) == -1)
		goto out;
gone:
	mi_step(ctx, "stop:gone");
	char *exitf = mi_mfile(m, ".exit");
	int code = -1;
	if (be->exit_file) {
		/* The supervisor writes it as xhyve goes: give it a moment. */
		for (int i = 0; i < 50 && hv_xhyve_exit_status(exitf, &code) == -1;
		    i++)
			util_sleep_ms(10);
	}
	free(exitf);
	char *det = code >= 0 ? mi_detail("{s:s,s:i,s:s}", "method", method,
	    "exit_code", code, "meaning", hv_xhyve_exit_meaning(code)) :
	    mi_detail("{s:s}", "method", method);
	/* The write lock is taken once the exit status is read, not
	 * while waiting for it. */
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_process_end(ctx->inv, m->proc_row, strcmp(method, "acpi") == 0 ?
	    "stopped" : "killed", err) == -1 ||
	    inv_event(ctx->inv, m->id, "stop", util_mono_ms() - t0, det,
	    err) == -1, err) == -1) {
		free(det);
		goto out;
	}
	free(det);
	rc = 0;
out:
	vm_paths_release(&p);
	return rc;
}

struct stop_arg {
	int timeout_s, force;
};

static int
stop_op(struct machine_ctx *ctx, struct inv_machine *m, int state, void *arg,
    struct xherr *err)
{
	const struct stop_arg *a = arg;

	if (state != MACHINE_RUNNING)
		return xherr_set(err, XHE_STATE, "%s is already stopped",
		    m->name);
	return stop_running(ctx, m, a->timeout_s > 0 ? a->timeout_s :
	    MACHINE_DEFAULT_STOP_TIMEOUT_S, a->force, err);
}

static int
stop_common(struct machine_ctx *ctx, const char *name, int timeout_s,
    int force, struct xherr *err)
{
	struct stop_arg a = { timeout_s, force };

	return with_machine(ctx, name, stop_op, &a, err);
}

int
machine_stop(struct machine_ctx *ctx, const char *name, int timeout_s,
    struct xherr *err)
{
	return stop_common(ctx, name, timeout_s, 0, err);
}

int
machine_kill(struct machine_ctx *ctx, const char *name, struct xherr *err)
{
	return stop_common(ctx, name, 0, 1, err);
}

int
machine_restart(struct machine_ctx *ctx, const char *name, int timeout_s,
    struct xherr *err)
{
	struct xherr local = XHERR_INIT;

	if (err == NULL)
		err = &local;	/* NULL is allowed (xherr.h) */
	if (machine_stop(ctx, name, 0, err) == -1 && err->code != XHE_STATE)
		return -1;
	return machine_start(ctx, name, timeout_s, err);
}

/* Remove */

static int
resize_op(struct machine_ctx *ctx, struct inv_machine *m, int state,
    void *arg, struct xherr *err)
{
	int64_t size_mb = *(int64_t *)arg;

	if (state == MACHINE_RUNNING)
		return xherr_set(err, XHE_STATE, "%s is running: stop it before "
		    "resizing its disk", m->name);
	if (m->disk_path == NULL)
		return xherr_set(err, XHE_NOTFOUND, "%s has no disk recorded",
		    m->name);
	if (size_mb == m->disk_mb)
		return 0;	/* already that size: nothing to do */
	if (disk_resize(m->disk_path, m->disk_format, m->disk_mb, size_mb,
	    err) == -1)
		return -1;
	char *det = mi_detail("{s:I,s:I,s:s}", "from_mb",
	    (json_int_t)m->disk_mb, "to_mb", (json_int_t)size_mb, "format",
	    m->disk_format);
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_disk_resize(ctx->inv, m->id, size_mb, err) == -1 ||
	    inv_event(ctx->inv, m->id, "disk-resize", -1, det, err) == -1,
	    err) == -1) {
		free(det);
		return -1;
	}
	free(det);
	mi_say(ctx, "grew %s's %s disk from %lld to %lld MB", m->name,
	    m->disk_format, (long long)m->disk_mb, (long long)size_mb);
	return 0;
}

int
machine_disk_resize(struct machine_ctx *ctx, const char *name,
    int64_t size_mb, struct xherr *err)
{
	return with_machine(ctx, name, resize_op, &size_mb, err);
}

/* A machine with NFS shares: its /etc/exports blocks go with it. */
static int
unexport(struct machine_ctx *ctx, const struct inv_machine *m,
    struct xherr *err)
{
	struct mi_shares sh;
	int rc = 0;

	if (mi_shares_load(ctx, m->id, &sh, err) == -1)
		return -1;
	if (sh.nnfs > 0)
		rc = mi_shares_unexport(ctx, m, err);
	mi_shares_release(&sh);
	return rc;
}

/*
 * Everything rm does once the machine's lock is held: stop (force: kill),
 * lease, exports, files, then one transaction marking it final_status
 * ("removed", with an rm event; or "failed", with create-failed, for a
 * create found interrupted), why in the event's detail when given.
 */
int
mi_remove(struct machine_ctx *ctx, struct inv_machine *m, int state,
    unsigned flags, const char *final_status, const char *why,
    struct xherr *err)
{
	int force = (flags & MACHINE_RM_FORCE) != 0;
	struct mi_net n;
	int rc = -1, dropped = 0, have_net = 0, pending = 0;
	int failed = strcmp(final_status, "failed") == 0;

	memset(&n, 0, sizeof n);
	if (mi_machines_dir_check(ctx, err) == -1)
		return -1;
	if (state == MACHINE_RUNNING &&
	    stop_running(ctx, m, MACHINE_DEFAULT_STOP_TIMEOUT_S, force,
	    err) == -1)
		goto out;
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_machine_set_status(ctx->inv, m->id, "removing", err) == -1,
	    err) == -1) {
		goto out;
	}
	mi_step(ctx, "rm:removing");
	if (m->network_id != 0) {
		if (mi_net_load_id(ctx, m->network_id, &n, err) == -1)
			goto out;
		have_net = 1;
		if (mi_lease_drop(ctx, &n, m->mac, m->ip, &dropped, &pending,
		    err) == -1 && !force)
			goto out;
		if (pending)
			mi_say(ctx, "cannot remove %s's lease from %s without root: "
			    "recorded as pending; run sudo xhinv gc", m->name,
			    n.row.lease_file);
	}
	mi_step(ctx, "rm:lease");
	if (unexport(ctx, m, err) == -1 && !force)
		goto out;
	if (flags & MACHINE_RM_KEEP_DIR)
		mi_remove_files(m, 0);
	else if (util_rm_tree(m->dir, err) == -1 && !force)
		goto out;
	mi_step(ctx, "rm:files");
	char *det = mi_detail("{s:s,s:s,s:b,s:s?}", "mac", m->mac, "ip", m->ip,
	    "lease_released", dropped, "reason", why);
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_nic_release(ctx->inv, m->id, err) == -1 ||
	    inv_disk_remove(ctx->inv, m->id, err) == -1 ||
	    (have_net && inv_lease_set_state(ctx->inv, n.row.id, m->mac,
	    pending ? "pending" : "released", err) == -1) ||
	    (pending && inv_event(ctx->inv, m->id, "lease-pending", -1, det,
	    err) == -1) ||
	    inv_machine_set_status(ctx->inv, m->id, final_status, err) == -1 ||
	    (dropped && inv_event(ctx->inv, m->id, "lease-release", -1, det,
	    err) == -1) ||
	    inv_event(ctx->inv, m->id, failed ? "create-failed" : "rm", -1, det,
	    err) == -1, err) == -1) {
		free(det);
		goto out;
	}
	free(det);
	/* The reservation goes last: the row says removed before the IP can
	 * be handed to another machine. */
	if (have_net && mi_net_sync_hosts(ctx, &n, err) == -1)
		goto out;
	rc = 0;
out:
	mi_net_release(&n);
	return rc;
}

static int
rm_op(struct machine_ctx *ctx, struct inv_machine *m, int state, void *arg,
    struct xherr *err)
{
	return mi_remove(ctx, m, state, *(unsigned *)arg, "removed", NULL, err);
}

int
machine_rm(struct machine_ctx *ctx, const char *name, unsigned flags,
    struct xherr *err)
{
	return with_machine(ctx, name, rm_op, &flags, err);
}

