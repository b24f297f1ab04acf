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
#include "ssh.h"
#include "util.h"
#include "watch.h"

#include "machine_int.h"


/* Helpers */

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
	if (o == NULL)
		return xstrdup("{}");
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

/* Append an event in its own transaction. */
int
mi_event1(struct machine_ctx *ctx, int64_t machine_id, const char *kind,
    int64_t duration_ms, char *det, struct xherr *err)
{
	int rc = -1;

	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	if (inv_event(ctx->inv, machine_id, kind, duration_ms, det, err) == -1) {
		inv_rollback(ctx->inv);
		goto out;
	}
	rc = inv_commit(ctx->inv, err);
out:
	free(det);
	return rc;
}

char *
machine_db_path(const char *store)
{
	return util_path_join(store, "xhinv.db");
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

/* Per-machine (and per-network) lock files: flock, released on close or
 * process death, so a crash never leaves a lock behind. */
struct waiting {
	struct machine_ctx *ctx;
	const char *what;
};

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
	if (util_mkdir_p(dir, 0700, err) == 0)
		rc = util_lock(path, ctx->cancel, say_waiting, &w, fdp, err);
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
	char *det = mi_detail("{s:i,s:s}", "pid", (int)p->pid, "reason",
	    proc_status_str(st));
	int rc = -1;

	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	if (inv_process_end(ctx->inv, row, end_reason(st), err) == -1 ||
	    (machine_id != 0 && inv_event(ctx->inv, machine_id, "exited", -1,
	    det, err) == -1)) {
		inv_rollback(ctx->inv);
		goto out;
	}
	rc = inv_commit(ctx->inv, err);
out:
	free(det);
	return rc;
}

struct refresh {
	struct machine_ctx *ctx;
	struct xherr *err;
	int failed;
};

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

/* The live machine; if its process is gone, record it and reload. */
static int
load(struct machine_ctx *ctx, const char *name, struct inv_machine *m,
    int *state, struct xherr *err)
{
	if (ident_check_name(name, err) == -1)
		return -1;
	if (inv_machine_get(ctx->inv, name, m, err) == -1)
		return -1;
	*state = MACHINE_STOPPED;
	if (m->proc_row == 0)
		return 0;
	int st = proc_check(&m->proc);
	if (st == PROC_ALIVE) {
		*state = MACHINE_RUNNING;
		return 0;
	}
	if (mi_record_exited(ctx, m->id, m->proc_row, &m->proc, st, err) == -1) {
		inv_machine_release(m);
		return -1;
	}
	inv_machine_release(m);
	return inv_machine_get(ctx->inv, name, m, err);
}

int
machine_get(struct machine_ctx *ctx, const char *name, struct inv_machine *m,
    int *state, struct xherr *err)
{
	return load(ctx, name, m, state, err);
}

/* Booting */

struct boot {
	int64_t t0;			/* monotonic start of the create/start */
	const char *since;		/* "create" or "start" */
	int launched;
	struct proc_ident proc;
	int64_t proc_row;
	int lease_seen;
	int64_t stale_expiry;		/* the MAC's lease before launch, -1: none */
};

char *
mi_mfile(const struct inv_machine *m, const char *suffix)
{
	return xasprintf("%s/%s%s", m->dir, m->name, suffix);
}


static int
wait_ip(struct machine_ctx *ctx, struct mi_net *n, struct inv_machine *m,
    struct boot *b, int64_t deadline, struct xherr *err)
{
	struct watch *w = NULL;
	int rc = -1;

	mi_say(ctx, "waiting for %s to get %s from dnsmasq (lease file %s)",
	    m->mac, m->ip, n->row.lease_file);
	if (util_mkdir_p(n->dir, 0700, err) == -1 ||
	    watch_open(&w, n->row.lease_file, err) == -1)
		return -1;
	for (;;) {
		struct lease_set ls;
		const struct lease *l;

		if (mi_read_leases(n, &ls, err) == -1)
			goto out;
		l = lease_find(&ls, m->mac, util_now_ms() / 1000);
		if (l != NULL && strcmp(l->ip, m->ip) == 0 &&
		    (b->stale_expiry < 0 || l->expires != b->stale_expiry ||
		    l->expires == 0)) {
			int64_t ms = util_mono_ms() - b->t0;
			char *det = mi_detail("{s:s,s:s,s:s}", "ip", l->ip, "mac",
			    l->mac, "since", b->since);
			if (inv_begin(ctx->inv, err) == -1 ||
			    inv_lease_seen(ctx->inv, n->row.id, l,
			    n->row.lease_file, err) == -1 ||
			    inv_event(ctx->inv, m->id, "ip", ms, det, err) == -1 ||
			    inv_commit(ctx->inv, err) == -1) {
				inv_rollback(ctx->inv);
				free(det);
				lease_set_release(&ls);
				goto out;
			}
			free(det);
			lease_set_release(&ls);
			b->lease_seen = 1;
			rc = 0;
			goto out;
		}
		lease_set_release(&ls);
		if (mi_cancelled(ctx)) {
			xherr_set(err, XHE_FAIL, "interrupted");
			goto out;
		}
		if (proc_check(&b->proc) != PROC_ALIVE) {
			char *log = util_path_join(m->dir, "console.log");
			xherr_set(err, XHE_FAIL, "the VM exited before it got an "
			    "IP address (see %s)", log);
			free(log);
			goto out;
		}
		int64_t left = deadline - util_mono_ms();
		if (left <= 0) {
			xherr_set(err, XHE_TIMEOUT, "no DHCP lease for MAC %s "
			    "(reserved IP %s) in %s after %lld s", m->mac, m->ip,
			    n->row.lease_file,
			    (long long)((util_mono_ms() - b->t0) / 1000));
			goto out;
		}
		if (watch_wait(w, left < 500 ? (int)left : 500) == -1) {
			xherr_sys(err, "cannot watch %s", n->row.lease_file);
			goto out;
		}
	}
out:
	watch_close(w);
	return rc;
}

/* Launch the VM, then wait for its lease and for SSH. */
static int
boot(struct machine_ctx *ctx, struct inv_machine *m, struct boot *b,
    int timeout_s, struct xherr *err)
{
	struct mi_net n;
	struct hv_vm vm;
	char tap[16];
	int tapfd = -1, qmpfd = -1, rc = -1;
	char *qmp = util_path_join(m->dir, "qmp.sock");
	char *serial = util_path_join(m->dir, "console.log");
	char *log = util_path_join(m->dir, "qemu.log");
	char *pidf = mi_mfile(m, ".pid");
	char *disk = mi_mfile(m, ".rawdisk");
	int64_t deadline = b->t0 + (int64_t)timeout_s * 1000;

	if (mi_net_load(ctx, &n, err) == -1)
		goto free;
	if (mi_net_up(ctx, &n, err) == -1)
		goto out;
	snprintf(tap, sizeof tap, "xht%lld", (long long)m->id);
	if (net_tap_open(n.cfg.bridge, tap, &tapfd, err) == -1)
		goto out;
	if ((qmpfd = hv_qemu_qmp_listen(qmp, err)) == -1)
		goto out;
	memset(&vm, 0, sizeof vm);
	vm.name = m->name;
	vm.uuid = m->uuid;
	vm.cpus = m->cpus;
	vm.memory_mb = m->memory_mb;
	vm.kernel = m->kernel;
	vm.initrd = m->initrd;
	vm.cmdline = m->cmdline;
	vm.iso = m->iso;
	vm.disk = disk;
	vm.disk_format = "raw";
	vm.mac = m->mac;
	vm.tap_fd = tapfd;
	vm.qmp_fd = qmpfd;
	vm.serial_log = serial;
	vm.pidfile = pidf;
	vm.log = log;
	vm.kvm = hv_qemu_kvm_usable();
	b->stale_expiry = mi_lease_expiry(&n, m->mac);
	mi_say(ctx, "starting %s (%s, %d CPU, %d MB)", m->name,
	    vm.kvm ? "kvm" : "tcg", m->cpus, m->memory_mb);
	if (hv_qemu_launch(&vm, &b->proc, err) == -1)
		goto out;
	b->launched = 1;
	close(tapfd);
	close(qmpfd);
	tapfd = qmpfd = -1;
	char *det = mi_detail("{s:i,s:s,s:s,s:s}", "pid", (int)b->proc.pid,
	    "exe", b->proc.exe, "accel", vm.kvm ? "kvm" : "tcg", "since",
	    b->since);
	if (inv_begin(ctx->inv, err) == -1 ||
	    inv_process_insert(ctx->inv, m->id, 0, "hypervisor", &b->proc,
	    &b->proc_row, err) == -1 ||
	    inv_event(ctx->inv, m->id, "start", -1, det, err) == -1 ||
	    inv_commit(ctx->inv, err) == -1) {
		inv_rollback(ctx->inv);
		free(det);
		goto out;
	}
	free(det);
	if (wait_ip(ctx, &n, m, b, deadline, err) == -1)
		goto out;
	mi_say(ctx, "waiting for SSH on %s:22", m->ip);
	int64_t left = deadline - util_mono_ms();
	if (ssh_wait(m->ip, 22, left > 0 ? (int)left : 1, ctx->cancel,
	    err) == -1)
		goto out;
	if (mi_event1(ctx, m->id, "ssh-ready", util_mono_ms() - b->t0,
	    mi_detail("{s:s,s:s}", "ip", m->ip, "since", b->since), err) == -1)
		goto out;
	rc = 0;
out:
	if (tapfd != -1)
		close(tapfd);
	if (qmpfd != -1)
		close(qmpfd);
	mi_net_release(&n);
free:
	free(qmp);
	free(serial);
	free(log);
	free(pidf);
	free(disk);
	return rc;
}

/* Kill a VM we launched whose start failed; record it. */
static void
boot_abort(struct machine_ctx *ctx, int64_t machine_id, struct boot *b)
{
	if (!b->launched)
		return;
	proc_signal(&b->proc, SIGKILL, NULL);
	proc_wait_gone(&b->proc, KILL_WAIT_MS, NULL, NULL);
	if (b->proc_row != 0 && inv_begin(ctx->inv, NULL) == 0) {
		char *det = mi_detail("{s:s}", "reason", "start failed");
		if (inv_process_end(ctx->inv, b->proc_row, "killed", NULL) == -1 ||
		    inv_event(ctx->inv, machine_id, "kill", -1, det, NULL) == -1)
			inv_rollback(ctx->inv);
		else
			inv_commit(ctx->inv, NULL);
		free(det);
	}
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
	return 0;
}

const char *
mi_base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Files a create makes inside the machine directory. */
static void
remove_machine_files(const struct inv_machine *m, int whole_dir)
{
	static const char *const fixed[] = { "boot2docker.iso", "id_rsa",
	    "id_rsa.pub", "qmp.sock", "console.log", "qemu.log" };
	char *p;
	size_t i;

	if (whole_dir) {
		util_rm_tree(m->dir, NULL);
		return;
	}
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		p = util_path_join(m->dir, fixed[i]);
		unlink(p);
		free(p);
	}
	if (m->kernel)
		unlink(m->kernel);
	if (m->initrd)
		unlink(m->initrd);
	p = mi_mfile(m, ".rawdisk");
	unlink(p);
	free(p);
	p = mi_mfile(m, ".pid");
	unlink(p);
	free(p);
}

static int
create_files(struct machine_ctx *ctx, struct inv_machine *m,
    const struct iso_info *info, const struct cache_entry *ce,
    struct xherr *err)
{
	char *pubpath = util_path_join(m->dir, "id_rsa.pub");
	char *pub = NULL, *disk = mi_mfile(m, ".rawdisk");
	const char *members[2] = { info->kernel, info->initrd };
	const char *dests[2] = { m->kernel, m->initrd };
	struct buf tar;
	size_t publen;
	int rc = -1;

	buf_init(&tar);
	if (ce->kind == CACHE_LOCAL) {
		/* The user's own file: a clone or a copy, never their inode. */
		mi_say(ctx, "copying %s to %s", ce->path, m->iso);
		if (util_copy_file(ce->path, m->iso, 0644, err) == -1)
			goto out;
	} else {
		const char *how;
		if (util_share_file(ce->path, m->iso, &how, err) == -1)
			goto out;
		mi_say(ctx, "%s %s from the cache (%s)", how, m->iso, ce->url);
	}
	if (iso_extract(m->iso, members, dests, 2, err) == -1)
		goto out;
	if (ssh_keygen(m->dir, err) == -1)
		goto out;
	if (util_read_file(pubpath, 64 << 10, &pub, &publen, err) == -1)
		goto out;
	if (disk_userdata_tar(pub, publen, &tar, err) == -1)
		goto out;
	mi_say(ctx, "creating a %lld MB disk", (long long)m->disk_mb);
	if (disk_create_raw(disk, m->disk_mb, tar.p, tar.len, err) == -1)
		goto out;
	rc = 0;
out:
	buf_release(&tar);
	free(pubpath);
	free(pub);
	free(disk);
	return rc;
}

/* Undo a create that failed after its row was recorded. */
static void
create_rollback(struct machine_ctx *ctx, struct inv_machine *m,
    struct boot *b, int made_dir, const char *reason)
{
	struct mi_net n;
	int dropped = 0;

	boot_abort(ctx, m->id, b);
	if (mi_net_load(ctx, &n, NULL) == 0) {
		mi_lease_drop(ctx, &n, m->mac, m->ip, &dropped, NULL);
		if (inv_begin(ctx->inv, NULL) == 0) {
			if (inv_nic_release(ctx->inv, m->id, NULL) == -1 ||
			    (dropped && inv_lease_set_state(ctx->inv, n.row.id,
			    m->mac, "released", NULL) == -1))
				inv_rollback(ctx->inv);
			else
				inv_commit(ctx->inv, NULL);
		}
		mi_net_sync_hosts(ctx, &n, NULL);
		mi_net_release(&n);
	}
	remove_machine_files(m, made_dir);
	if (inv_begin(ctx->inv, NULL) == 0) {
		char *det = mi_detail("{s:s,s:b}", "reason", reason,
		    "lease_released", dropped);
		if (inv_nic_release(ctx->inv, m->id, NULL) == -1 ||
		    inv_disk_remove(ctx->inv, m->id, NULL) == -1 ||
		    inv_machine_set_status(ctx->inv, m->id, "failed", NULL) == -1 ||
		    inv_event(ctx->inv, m->id, "create-failed",
		    util_mono_ms() - b->t0, det, NULL) == -1)
			inv_rollback(ctx->inv);
		else
			inv_commit(ctx->inv, NULL);
		free(det);
	}
}

int
machine_create(struct machine_ctx *ctx, const struct machine_create_opts *o,
    struct xherr *err)
{
	struct inv_machine m;
	struct iso_info info;
	struct boot b;
	struct mi_net n;
	struct inv_image img;
	struct cache_entry ce;
	uuid_t u;
	char uuid[40], *lockname = NULL, *stamp;
	const char *iso_src;
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
	if (mi_net_load(ctx, &n, err) == -1)
		goto out;

	snprintf(m.name, sizeof m.name, "%s", o->name);
	snprintf(m.uuid, sizeof m.uuid, "%s", uuid);
	snprintf(m.backend, sizeof m.backend, "qemu");
	snprintf(m.status, sizeof m.status, "creating");
	m.cpus = o->cpus;
	m.memory_mb = o->memory_mb;
	m.disk_mb = o->disk_mb;
	m.dir = machine_dir(ctx->store, o->name);
	m.iso = util_path_join(m.dir, "boot2docker.iso");
	{
		char *k = util_path_join(m.dir, mi_base_name(info.kernel));
		char *i = util_path_join(m.dir, mi_base_name(info.initrd));
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

	/* One transaction: the image, the row, its reservation, its disk and
	 * the events. */
	mi_net_pool(&n, &lo, &hi);
	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	char *disk = mi_mfile(&m, ".rawdisk");
	char *det;
	if (mi_image_record(ctx, o->iso, &ce, &info, &img, err) == -1 ||
	    (m.image_id = img.id, inv_machine_insert(ctx->inv, &m, err)) == -1 ||
	    inv_nic_reserve(ctx->inv, m.id, n.row.id, m.mac, lo, hi, m.ip,
	    err) == -1 ||
	    inv_disk_insert(ctx->inv, m.id, disk, "raw", m.disk_mb, err) == -1) {
		inv_rollback(ctx->inv);
		free(disk);
		goto out;
	}
	free(disk);
	det = mi_detail("{s:s,s:s,s:s,s:s,s:i,s:i,s:I}", "uuid", m.uuid, "mac",
	    m.mac, "ip", m.ip, "iso", ce.url, "cpus", m.cpus, "memory_mb",
	    m.memory_mb, "disk_mb", (json_int_t)m.disk_mb);
	if (inv_event(ctx->inv, m.id, "create-begin", -1, det, err) == -1 ||
	    inv_commit(ctx->inv, err) == -1) {
		free(det);
		inv_rollback(ctx->inv);
		goto out;
	}
	free(det);
	recorded = 1;
	mi_say(ctx, "creating %s: uuid %s, mac %s, ip %s", m.name, m.uuid, m.mac,
	    m.ip);

	if (lstat(m.dir, &st) == -1) {
		if (util_mkdir_p(m.dir, 0700, err) == -1)
			goto out;
		made_dir = 1;
	}
	chmod(m.dir, 0700);
	if (create_files(ctx, &m, &info, &ce, err) == -1)
		goto out;
	stamp = mi_iso_stamp(m.iso);
	if (inv_begin(ctx->inv, err) == -1 ||
	    inv_machine_set_boot(ctx->inv, m.id, m.kernel, m.initrd, m.cmdline,
	    stamp, err) == -1 || inv_commit(ctx->inv, err) == -1) {
		inv_rollback(ctx->inv);
		free(stamp);
		goto out;
	}
	free(stamp);
	if (boot(ctx, &m, &b, o->timeout_s > 0 ? o->timeout_s :
	    MACHINE_DEFAULT_TIMEOUT_S, err) == -1)
		goto out;
	if (mi_event1(ctx, m.id, "create", util_mono_ms() - b.t0,
	    mi_detail("{s:s}", "ip", m.ip), err) == -1)
		goto out;
	if (inv_begin(ctx->inv, err) == -1 ||
	    inv_machine_set_status(ctx->inv, m.id, "ready", err) == -1 ||
	    inv_commit(ctx->inv, err) == -1) {
		inv_rollback(ctx->inv);
		goto out;
	}
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

	if (ident_check_name(name, err) == -1)
		return -1;
	lockname = xasprintf("machine-%s", name);
	rc = mi_lock_take(ctx, lockname, lock, err);
	free(lockname);
	return rc;
}


int
machine_start(struct machine_ctx *ctx, const char *name, int timeout_s,
    struct xherr *err)
{
	struct inv_machine m;
	struct boot b;
	int lock, state, rc = -1;

	memset(&b, 0, sizeof b);
	b.t0 = util_mono_ms();
	b.since = "start";
	if (take(ctx, name, &lock, err) == -1)
		return -1;
	if (load(ctx, name, &m, &state, err) == -1)
		goto unlock;
	if (state == MACHINE_RUNNING) {
		xherr_set(err, XHE_STATE, "%s is already running", name);
		goto out;
	}
	if (strcmp(m.status, "ready") != 0) {
		xherr_set(err, XHE_STATE, "%s is %s, not ready to start", name,
		    m.status);
		goto out;
	}
	if (mi_refresh_boot(ctx, &m, err) == -1)
		goto out;
	if (boot(ctx, &m, &b, timeout_s > 0 ? timeout_s :
	    MACHINE_DEFAULT_TIMEOUT_S, err) == -1) {
		boot_abort(ctx, m.id, &b);
		goto out;
	}
	rc = 0;
out:
	inv_machine_release(&m);
unlock:
	mi_lock_drop(lock);
	return rc;
}

/* ACPI power button, bounded wait, then SIGKILL; all recorded. */
static int
stop_running(struct machine_ctx *ctx, struct inv_machine *m, int timeout_s,
    int force, struct xherr *err)
{
	int64_t t0 = util_mono_ms();
	const char *method = "acpi";
	char *qmp = util_path_join(m->dir, "qmp.sock");
	struct xherr perr = XHERR_INIT;
	int rc = -1;

	if (!force) {
		mi_say(ctx, "stopping %s (ACPI power button, up to %d s)", m->name,
		    timeout_s);
		if (hv_qemu_powerdown(qmp, &perr) == 0) {
			if (mi_event1(ctx, m->id, "powerdown", -1,
			    mi_detail("{s:i}", "timeout_s", timeout_s), err) == -1)
				goto out;
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
	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	char *det = mi_detail("{s:s}", "method", method);
	if (inv_process_end(ctx->inv, m->proc_row, strcmp(method, "acpi") == 0 ?
	    "stopped" : "killed", err) == -1 ||
	    inv_event(ctx->inv, m->id, "stop", util_mono_ms() - t0, det,
	    err) == -1) {
		free(det);
		inv_rollback(ctx->inv);
		goto out;
	}
	free(det);
	if (inv_commit(ctx->inv, err) == -1)
		goto out;
	rc = 0;
out:
	free(qmp);
	return rc;
}

static int
stop_common(struct machine_ctx *ctx, const char *name, int timeout_s,
    int force, struct xherr *err)
{
	struct inv_machine m;
	int lock, state, rc = -1;

	if (take(ctx, name, &lock, err) == -1)
		return -1;
	if (load(ctx, name, &m, &state, err) == -1)
		goto unlock;
	if (state != MACHINE_RUNNING) {
		xherr_set(err, XHE_STATE, "%s is already stopped", name);
		goto out;
	}
	rc = stop_running(ctx, &m, timeout_s > 0 ? timeout_s :
	    MACHINE_DEFAULT_STOP_TIMEOUT_S, force, err);
out:
	inv_machine_release(&m);
unlock:
	mi_lock_drop(lock);
	return rc;
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
	if (machine_stop(ctx, name, 0, err) == -1 && err->code != XHE_STATE)
		return -1;
	return machine_start(ctx, name, timeout_s, err);
}

/* Remove */

int
machine_rm(struct machine_ctx *ctx, const char *name, int force,
    struct xherr *err)
{
	struct inv_machine m;
	struct mi_net n;
	int lock, state, rc = -1, dropped = 0, have_net = 0;

	memset(&n, 0, sizeof n);
	if (take(ctx, name, &lock, err) == -1)
		return -1;
	if (load(ctx, name, &m, &state, err) == -1)
		goto unlock;
	if (state == MACHINE_RUNNING &&
	    stop_running(ctx, &m, MACHINE_DEFAULT_STOP_TIMEOUT_S, force,
	    err) == -1)
		goto out;
	if (inv_begin(ctx->inv, err) == -1 ||
	    inv_machine_set_status(ctx->inv, m.id, "removing", err) == -1 ||
	    inv_commit(ctx->inv, err) == -1) {
		inv_rollback(ctx->inv);
		goto out;
	}
	if (m.network_id != 0) {
		if (mi_net_load(ctx, &n, err) == -1)
			goto out;
		have_net = 1;
		if (mi_lease_drop(ctx, &n, m.mac, m.ip, &dropped, err) == -1 &&
		    !force)
			goto out;
	}
	if (util_rm_tree(m.dir, err) == -1 && !force)
		goto out;
	char *det = mi_detail("{s:s,s:s,s:b}", "mac", m.mac, "ip", m.ip,
	    "lease_released", dropped);
	if (inv_begin(ctx->inv, err) == -1 ||
	    inv_nic_release(ctx->inv, m.id, err) == -1 ||
	    inv_disk_remove(ctx->inv, m.id, err) == -1 ||
	    (have_net && inv_lease_set_state(ctx->inv, n.row.id, m.mac,
	    "released", err) == -1) ||
	    inv_machine_set_status(ctx->inv, m.id, "removed", err) == -1 ||
	    (dropped && inv_event(ctx->inv, m.id, "lease-release", -1, det,
	    err) == -1) ||
	    inv_event(ctx->inv, m.id, "rm", -1, det, err) == -1 ||
	    inv_commit(ctx->inv, err) == -1) {
		free(det);
		inv_rollback(ctx->inv);
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
	inv_machine_release(&m);
unlock:
	mi_lock_drop(lock);
	return rc;
}

