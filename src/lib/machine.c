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

#define NETWORK_NAME "shared"
#define DEFAULT_BRIDGE "xhbr0"
#define DEFAULT_SUBNET "192.168.64.0/24"
#define LEASE_RELEASE_MS 3000
#define KILL_WAIT_MS 10000
#define LEASE_FILE_MAX (64u << 20)

/* Helpers */

static void XH_PRINTF(2, 3)
say(struct machine_ctx *ctx, const char *fmt, ...)
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

static int
cancelled(struct machine_ctx *ctx)
{
	return ctx->cancel != NULL && *ctx->cancel;
}

/* A JSON object from jansson's pack format; the result is the caller's. */
static char *
detail(const char *fmt, ...)
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
static int
event1(struct machine_ctx *ctx, int64_t machine_id, const char *kind,
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

	say(w->ctx, "waiting for another command working on %s", w->what);
}

static int
lock_take(struct machine_ctx *ctx, const char *what, int *fdp,
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

static void
lock_drop(int fd)
{
	if (fd != -1)
		close(fd);
}

/* The shared network */

struct net {
	struct inv_network row;
	struct net_config cfg;
	char *dir;
};

static void
net_release_all(struct net *n)
{
	inv_network_release(&n->row);
	free(n->dir);
	memset(n, 0, sizeof *n);
}

/* Load (or record) the network row and fill cfg; touches nothing else. */
static int
net_load(struct machine_ctx *ctx, struct net *n, struct xherr *err)
{
	uint32_t base;
	int prefix;

	memset(n, 0, sizeof *n);
	n->dir = xasprintf("%s/network/%s", ctx->store, NETWORK_NAME);
	if (inv_network_get(ctx->inv, NETWORK_NAME, &n->row, err) == -1) {
		if (err->code != XHE_NOTFOUND)
			goto fail;
		/* Two first creates at once: look again under the write lock,
		 * so only one records the network. */
		if (inv_begin(ctx->inv, err) == -1)
			goto fail;
		if (inv_network_get(ctx->inv, NETWORK_NAME, &n->row, err) == 0) {
			inv_rollback(ctx->inv);
			goto loaded;
		}
		if (err->code != XHE_NOTFOUND) {
			inv_rollback(ctx->inv);
			goto fail;
		}
		if (ident_subnet_parse(ctx->subnet, &base, &prefix) == -1 ||
		    prefix > 29) {
			inv_rollback(ctx->inv);
			xherr_set(err, XHE_INVAL, "XHINV_SUBNET %s is not an "
			    "IPv4 subnet a.b.c.d/n with n from 8 to 29",
			    ctx->subnet);
			goto fail;
		}
		if (net_check_ifname(ctx->bridge, err) == -1) {
			inv_rollback(ctx->inv);
			goto fail;
		}
		char gw[IDENT_IP_LEN], sub[IDENT_IP_LEN + 4];
		ident_ip_format(base + 1, gw);
		ident_ip_format(base, sub);
		snprintf(sub + strlen(sub), 4, "/%d", prefix);
		memset(&n->row, 0, sizeof n->row);
		snprintf(n->row.name, sizeof n->row.name, "%s", NETWORK_NAME);
		snprintf(n->row.kind, sizeof n->row.kind, "dnsmasq");
		n->row.bridge = xstrdup(ctx->bridge);
		n->row.subnet = xstrdup(sub);
		n->row.gateway = xstrdup(gw);
		n->row.lease_file = util_path_join(n->dir, "dnsmasq.leases");
		if (inv_network_insert(ctx->inv, &n->row, err) == -1) {
			inv_rollback(ctx->inv);
			goto fail;
		}
		if (inv_commit(ctx->inv, err) == -1)
			goto fail;
	}
loaded:
	if (ident_subnet_parse(n->row.subnet, &base, &prefix) == -1 ||
	    ident_ip_parse(n->row.gateway, &n->cfg.gateway) == -1) {
		xherr_set(err, XHE_INVAL, "network %s has a bad subnet %s",
		    n->row.name, n->row.subnet);
		goto fail;
	}
	n->cfg.bridge = n->row.bridge;
	n->cfg.subnet = base;
	n->cfg.prefix = prefix;
	n->cfg.dir = n->dir;
	return 0;
fail:
	net_release_all(n);
	return -1;
}

/* The pool machines get addresses from: after the gateway, before the
 * broadcast address. */
static void
net_pool(const struct net *n, uint32_t *lo, uint32_t *hi)
{
	uint32_t size = 1u << (32 - n->cfg.prefix);

	*lo = n->cfg.gateway + 1;
	*hi = n->cfg.subnet + size - 2;
}

struct hosts_acc {
	struct net_host *h;
	int n, cap;
};

static int
hosts_add(void *arg, const char *mac, const char *ip, const char *machine)
{
	struct hosts_acc *a = arg;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->h = xrealloc(a->h, (size_t)a->cap * sizeof *a->h);
	}
	a->h[a->n].mac = xstrdup(mac);
	a->h[a->n].ip = xstrdup(ip);
	a->h[a->n].name = xstrdup(machine);
	a->n++;
	return 0;
}

static void
hosts_free(struct hosts_acc *a)
{
	for (int i = 0; i < a->n; i++) {
		free((char *)a->h[i].mac);
		free((char *)a->h[i].ip);
		free((char *)a->h[i].name);
	}
	free(a->h);
}

/* The dnsmasq we recorded, if it is still ours and alive. */
static int
net_daemon(struct machine_ctx *ctx, struct net *n, struct proc_ident *id,
    int64_t *row, struct xherr *err)
{
	if (inv_process_network(ctx->inv, n->row.id, row, id, err) == -1)
		return -1;
	if (*row == 0)
		return 0;
	int st = proc_check(id);
	if (st == PROC_ALIVE)
		return 1;
	if (inv_begin(ctx->inv, err) == -1)
		return -1;
	if (inv_process_end(ctx->inv, *row, st == PROC_REBOOTED ? "reboot" :
	    st == PROC_REUSED ? "reused" : "exited", err) == -1) {
		inv_rollback(ctx->inv);
		return -1;
	}
	if (inv_commit(ctx->inv, err) == -1)
		return -1;
	*row = 0;
	return 0;
}

/* Rewrite the reservations file from the inventory; SIGHUP dnsmasq. */
static int
net_sync_hosts(struct machine_ctx *ctx, struct net *n, struct xherr *err)
{
	struct hosts_acc a = { 0 };
	struct proc_ident id;
	int64_t row;
	int rc = -1, alive;

	if (util_mkdir_p(n->dir, 0700, err) == -1)
		return -1;
	if (inv_nic_each_live(ctx->inv, n->row.id, hosts_add, &a, err) == -1)
		goto out;
	if (net_hosts_write(&n->cfg, a.h, a.n, err) == -1)
		goto out;
	if ((alive = net_daemon(ctx, n, &id, &row, err)) == -1)
		goto out;
	if (alive && net_dnsmasq_reload(&id, err) == -1)
		goto out;
	rc = 0;
out:
	hosts_free(&a);
	return rc;
}

/* Bridge up, reservations written, dnsmasq running. */
static int
net_up(struct machine_ctx *ctx, struct net *n, struct xherr *err)
{
	struct proc_ident id;
	int64_t row;
	int lock, rc = -1, alive;
	char *lockname = xasprintf("network-%s", NETWORK_NAME);

	if (lock_take(ctx, lockname, &lock, err) == -1) {
		free(lockname);
		return -1;
	}
	if (util_mkdir_p(n->dir, 0700, err) == -1)
		goto out;
	if (net_bridge_up(n->cfg.bridge, n->cfg.gateway, n->cfg.prefix,
	    err) == -1)
		goto out;
	if (net_sync_hosts(ctx, n, err) == -1)
		goto out;
	if ((alive = net_daemon(ctx, n, &id, &row, err)) == -1)
		goto out;
	if (!alive) {
		say(ctx, "starting dnsmasq on %s", n->cfg.bridge);
		if (net_dnsmasq_start(&n->cfg, &id, err) == -1)
			goto out;
		char *det = detail("{s:s,s:s,s:i}", "bridge", n->cfg.bridge,
		    "subnet", n->row.subnet, "pid", (int)id.pid);
		if (inv_begin(ctx->inv, err) == -1 ||
		    inv_process_insert(ctx->inv, 0, n->row.id, "dhcp", &id, NULL,
		    err) == -1 ||
		    inv_event(ctx->inv, 0, "network-up", -1, det, err) == -1 ||
		    inv_commit(ctx->inv, err) == -1) {
			inv_rollback(ctx->inv);
			free(det);
			net_dnsmasq_stop(&id, NULL);
			goto out;
		}
		free(det);
	}
	rc = 0;
out:
	lock_drop(lock);
	free(lockname);
	return rc;
}

static int
read_leases(const struct net *n, struct lease_set *ls, struct xherr *err)
{
	char *buf = NULL;
	size_t len = 0;

	if (util_read_file(n->row.lease_file, LEASE_FILE_MAX, &buf, &len,
	    err) == -1) {
		if (err && err->code == XHE_NOTFOUND) {
			memset(ls, 0, sizeof *ls);
			return 0;
		}
		return -1;
	}
	lease_parse_dnsmasq(buf, len, ls);
	free(buf);
	return 0;
}

static int
lease_present(const struct net *n, const char *mac, int *present,
    struct xherr *err)
{
	struct lease_set ls;

	if (read_leases(n, &ls, err) == -1)
		return -1;
	*present = 0;
	for (size_t i = 0; i < ls.n; i++)
		if (strcmp(ls.v[i].mac, mac) == 0)
			*present = 1;
	lease_set_release(&ls);
	return 0;
}

/* Remove every lease of mac from the lease file. With dnsmasq running,
 * dhcp_release asks it to; if the line is still there after that (or
 * dnsmasq is down), the file is rewritten with dnsmasq stopped, since
 * dnsmasq keeps leases in memory and would write them back. */
static int
lease_drop(struct machine_ctx *ctx, struct net *n, const char *mac,
    const char *ip, int *dropped, struct xherr *err)
{
	struct proc_ident id;
	int64_t row;
	int present, alive;
	char *buf = NULL;
	size_t len;

	*dropped = 0;
	if (lease_present(n, mac, &present, err) == -1)
		return -1;
	if (!present)
		return 0;
	if ((alive = net_daemon(ctx, n, &id, &row, err)) == -1)
		return -1;
	if (alive && ip != NULL) {
		struct xherr rerr = XHERR_INIT;
		if (net_lease_release(&n->cfg, ip, mac, &rerr) == 0) {
			int64_t deadline = util_mono_ms() + LEASE_RELEASE_MS;
			while (util_mono_ms() < deadline) {
				if (lease_present(n, mac, &present, err) == -1)
					return -1;
				if (!present) {
					*dropped = 1;
					return 0;
				}
				util_sleep_ms(20);
			}
		}
		say(ctx, "dhcp_release did not drop %s (%s); rewriting the "
		    "lease file", mac, rerr.msg[0] ? rerr.msg : "still listed");
	}
	if (alive && net_dnsmasq_stop(&id, err) == -1)
		return -1;
	if (util_read_file(n->row.lease_file, LEASE_FILE_MAX, &buf, &len,
	    err) == -1)
		return -1;
	struct buf out;
	int removed;
	buf_init(&out);
	lease_dnsmasq_without(buf, len, mac, &out, &removed);
	free(buf);
	int rc = util_write_atomic(n->row.lease_file, out.p ? out.p : "",
	    out.len, 0644, err);
	buf_release(&out);
	if (rc == -1)
		return -1;
	*dropped = removed > 0;
	if (alive) {
		if (inv_begin(ctx->inv, err) == -1 ||
		    inv_process_end(ctx->inv, row, "stopped", err) == -1 ||
		    inv_commit(ctx->inv, err) == -1) {
			inv_rollback(ctx->inv);
			return -1;
		}
		if (net_up(ctx, n, err) == -1)
			return -1;
	}
	return 0;
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
static int
record_exited(struct machine_ctx *ctx, int64_t machine_id, int64_t row,
    const struct proc_ident *p, int st, struct xherr *err)
{
	char *det = detail("{s:i,s:s}", "pid", (int)p->pid, "reason",
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
	if (record_exited(r->ctx, machine_id, row, p, st, r->err) == -1) {
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
	if (record_exited(ctx, m->id, m->proc_row, &m->proc, st, err) == -1) {
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

static char *
mfile(const struct inv_machine *m, const char *suffix)
{
	return xasprintf("%s/%s%s", m->dir, m->name, suffix);
}

/* The expiry of mac's current lease (-1: none). A lease left by an earlier
 * boot stays in the file; only one whose expiry differs proves that this
 * boot did DHCP. */
static int64_t
lease_expiry(const struct net *n, const char *mac)
{
	struct lease_set ls;
	const struct lease *l;
	int64_t e = -1;

	if (read_leases(n, &ls, NULL) == -1)
		return -1;
	l = lease_find(&ls, mac, util_now_ms() / 1000);
	if (l != NULL)
		e = l->expires;
	lease_set_release(&ls);
	return e;
}

static int
wait_ip(struct machine_ctx *ctx, struct net *n, struct inv_machine *m,
    struct boot *b, int64_t deadline, struct xherr *err)
{
	struct watch *w = NULL;
	int rc = -1;

	say(ctx, "waiting for %s to get %s from dnsmasq (lease file %s)",
	    m->mac, m->ip, n->row.lease_file);
	if (util_mkdir_p(n->dir, 0700, err) == -1 ||
	    watch_open(&w, n->row.lease_file, err) == -1)
		return -1;
	for (;;) {
		struct lease_set ls;
		const struct lease *l;

		if (read_leases(n, &ls, err) == -1)
			goto out;
		l = lease_find(&ls, m->mac, util_now_ms() / 1000);
		if (l != NULL && strcmp(l->ip, m->ip) == 0 &&
		    (b->stale_expiry < 0 || l->expires != b->stale_expiry ||
		    l->expires == 0)) {
			int64_t ms = util_mono_ms() - b->t0;
			char *det = detail("{s:s,s:s,s:s}", "ip", l->ip, "mac",
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
		if (cancelled(ctx)) {
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
	struct net n;
	struct hv_vm vm;
	char tap[16];
	int tapfd = -1, qmpfd = -1, rc = -1;
	char *qmp = util_path_join(m->dir, "qmp.sock");
	char *serial = util_path_join(m->dir, "console.log");
	char *log = util_path_join(m->dir, "qemu.log");
	char *pidf = mfile(m, ".pid");
	char *disk = mfile(m, ".rawdisk");
	int64_t deadline = b->t0 + (int64_t)timeout_s * 1000;

	if (net_load(ctx, &n, err) == -1)
		goto free;
	if (net_up(ctx, &n, err) == -1)
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
	b->stale_expiry = lease_expiry(&n, m->mac);
	say(ctx, "starting %s (%s, %d CPU, %d MB)", m->name,
	    vm.kvm ? "kvm" : "tcg", m->cpus, m->memory_mb);
	if (hv_qemu_launch(&vm, &b->proc, err) == -1)
		goto out;
	b->launched = 1;
	close(tapfd);
	close(qmpfd);
	tapfd = qmpfd = -1;
	char *det = detail("{s:i,s:s,s:s,s:s}", "pid", (int)b->proc.pid,
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
	say(ctx, "waiting for SSH on %s:22", m->ip);
	int64_t left = deadline - util_mono_ms();
	if (ssh_wait(m->ip, 22, left > 0 ? (int)left : 1, ctx->cancel,
	    err) == -1)
		goto out;
	if (event1(ctx, m->id, "ssh-ready", util_mono_ms() - b->t0,
	    detail("{s:s,s:s}", "ip", m->ip, "since", b->since), err) == -1)
		goto out;
	rc = 0;
out:
	if (tapfd != -1)
		close(tapfd);
	if (qmpfd != -1)
		close(qmpfd);
	net_release_all(&n);
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
		char *det = detail("{s:s}", "reason", "start failed");
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

static const char *
base_name(const char *p)
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
	p = mfile(m, ".rawdisk");
	unlink(p);
	free(p);
	p = mfile(m, ".pid");
	unlink(p);
	free(p);
}

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
static int
image_get(struct machine_ctx *ctx, const char *source, const char *sha256,
    struct cache_entry *ce, struct iso_info *info, struct xherr *err)
{
	struct cache_opts co;
	char *dir = machine_cache_dir(ctx->store);
	int rc;

	memset(&co, 0, sizeof co);
	memset(info, 0, sizeof *info);
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
		say(ctx, "warning: %s", ce->warning);
	if (ce->body_bytes > 0)
		say(ctx, "downloaded %s (%lld bytes)", ce->url,
		    (long long)ce->body_bytes);
	if (iso_inspect(ce->path, info, err) == -1) {
		cache_entry_release(ce);
		return -1;
	}
	return 0;
}

/* Record the image (inside the caller's transaction) and its events. */
static int
image_record(struct machine_ctx *ctx, const char *source,
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
	img->etag = ce->etag ? xstrdup(ce->etag) : NULL;
	img->last_modified = ce->last_modified ? xstrdup(ce->last_modified) : NULL;
	img->volume_id = info->volume_id ? xstrdup(info->volume_id) : NULL;
	img->kernel = info->kernel ? xstrdup(info->kernel) : NULL;
	img->initrd = info->initrd ? xstrdup(info->initrd) : NULL;
	img->cmdline = info->cmdline ? xstrdup(info->cmdline) : NULL;
	img->size = ce->size;
	img->fetched_at = ce->fetched_at;
	if (inv_image_upsert(ctx->inv, img, err) == -1)
		return -1;
	if (ce->body_bytes > 0) {
		char *det = detail("{s:s,s:I,s:s?,s:s?}", "url", ce->url,
		    "bytes", (json_int_t)ce->body_bytes, "sha256",
		    ce->sha256[0] ? ce->sha256 : NULL, "tag", ce->tag);
		int rc = inv_event(ctx->inv, 0, "image-fetch", -1, det, err);
		free(det);
		if (rc == -1)
			return -1;
	}
	if (ce->warning[0] != '\0') {
		char *det = detail("{s:s,s:s}", "url", ce->url, "warning",
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
	if (image_get(ctx, source, sha256, &ce, &info, err) == -1)
		return -1;
	if (iso_check(NULL, ce.path, err) == -1) {
		xherr_wrap(err, "%s", ce.path);
		goto out;
	}
	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	if (image_record(ctx, source, &ce, &info, img, err) == -1 ||
	    inv_commit(ctx->inv, err) == -1) {
		inv_rollback(ctx->inv);
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
static char *
iso_stamp(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return NULL;
	return xasprintf("%lld:%lld", (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
}

static int
create_files(struct machine_ctx *ctx, struct inv_machine *m,
    const struct iso_info *info, const struct cache_entry *ce,
    struct xherr *err)
{
	char *pubpath = util_path_join(m->dir, "id_rsa.pub");
	char *pub = NULL, *disk = mfile(m, ".rawdisk");
	const char *members[2] = { info->kernel, info->initrd };
	const char *dests[2] = { m->kernel, m->initrd };
	struct buf tar;
	size_t publen;
	int rc = -1;

	buf_init(&tar);
	if (ce->kind == CACHE_LOCAL) {
		/* The user's own file: a clone or a copy, never their inode. */
		say(ctx, "copying %s to %s", ce->path, m->iso);
		if (util_copy_file(ce->path, m->iso, 0644, err) == -1)
			goto out;
	} else {
		const char *how;
		if (util_share_file(ce->path, m->iso, &how, err) == -1)
			goto out;
		say(ctx, "%s %s from the cache (%s)", how, m->iso, ce->url);
	}
	if (iso_extract(m->iso, members, dests, 2, err) == -1)
		goto out;
	if (ssh_keygen(m->dir, err) == -1)
		goto out;
	if (util_read_file(pubpath, 64 << 10, &pub, &publen, err) == -1)
		goto out;
	if (disk_userdata_tar(pub, publen, &tar, err) == -1)
		goto out;
	say(ctx, "creating a %lld MB disk", (long long)m->disk_mb);
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
	struct net n;
	int dropped = 0;

	boot_abort(ctx, m->id, b);
	if (net_load(ctx, &n, NULL) == 0) {
		lease_drop(ctx, &n, m->mac, m->ip, &dropped, NULL);
		if (inv_begin(ctx->inv, NULL) == 0) {
			if (inv_nic_release(ctx->inv, m->id, NULL) == -1 ||
			    (dropped && inv_lease_set_state(ctx->inv, n.row.id,
			    m->mac, "released", NULL) == -1))
				inv_rollback(ctx->inv);
			else
				inv_commit(ctx->inv, NULL);
		}
		net_sync_hosts(ctx, &n, NULL);
		net_release_all(&n);
	}
	remove_machine_files(m, made_dir);
	if (inv_begin(ctx->inv, NULL) == 0) {
		char *det = detail("{s:s,s:b}", "reason", reason,
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
	struct net n;
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
	if (image_get(ctx, o->iso, o->sha256, &ce, &info, err) == -1)
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
	if (lock_take(ctx, lockname, &lock, err) == -1)
		goto out;
	if (net_load(ctx, &n, err) == -1)
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
		char *k = util_path_join(m.dir, base_name(info.kernel));
		char *i = util_path_join(m.dir, base_name(info.initrd));
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
	net_pool(&n, &lo, &hi);
	if (inv_begin(ctx->inv, err) == -1)
		goto out;
	char *disk = mfile(&m, ".rawdisk");
	char *det;
	if (image_record(ctx, o->iso, &ce, &info, &img, err) == -1 ||
	    (m.image_id = img.id, inv_machine_insert(ctx->inv, &m, err)) == -1 ||
	    inv_nic_reserve(ctx->inv, m.id, n.row.id, m.mac, lo, hi, m.ip,
	    err) == -1 ||
	    inv_disk_insert(ctx->inv, m.id, disk, "raw", m.disk_mb, err) == -1) {
		inv_rollback(ctx->inv);
		free(disk);
		goto out;
	}
	free(disk);
	det = detail("{s:s,s:s,s:s,s:s,s:i,s:i,s:I}", "uuid", m.uuid, "mac",
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
	say(ctx, "creating %s: uuid %s, mac %s, ip %s", m.name, m.uuid, m.mac,
	    m.ip);

	if (lstat(m.dir, &st) == -1) {
		if (util_mkdir_p(m.dir, 0700, err) == -1)
			goto out;
		made_dir = 1;
	}
	chmod(m.dir, 0700);
	if (create_files(ctx, &m, &info, &ce, err) == -1)
		goto out;
	stamp = iso_stamp(m.iso);
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
	if (event1(ctx, m.id, "create", util_mono_ms() - b.t0,
	    detail("{s:s}", "ip", m.ip), err) == -1)
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
	lock_drop(lock);
	free(lockname);
	net_release_all(&n);
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
	rc = lock_take(ctx, lockname, lock, err);
	free(lockname);
	return rc;
}

/* docker-machine upgrade puts a new boot2docker.iso in the machine
 * directory; the original kept booting the kernel extracted at create time
 * (its #96). When the ISO changed since its kernel was extracted, extract
 * again, and take the new command line unless the user gave one. */
static int
refresh_boot(struct machine_ctx *ctx, struct inv_machine *m, struct xherr *err)
{
	struct iso_info info;
	char *stamp = iso_stamp(m->iso), *kernel = NULL, *initrd = NULL;
	int rc = -1;

	memset(&info, 0, sizeof info);
	if (stamp == NULL)
		return xherr_sys(err, "cannot use %s", m->iso);
	if (m->iso_stamp == NULL || strcmp(stamp, m->iso_stamp) == 0) {
		rc = 0;		/* unchanged (or recorded before stamps existed) */
		if (m->iso_stamp == NULL && inv_begin(ctx->inv, err) == 0 &&
		    (inv_machine_set_boot(ctx->inv, m->id, m->kernel, m->initrd,
		    m->cmdline, stamp, err) == -1 || inv_commit(ctx->inv, err) == -1)) {
			inv_rollback(ctx->inv);
			rc = -1;
		}
		goto out;
	}
	say(ctx, "%s changed since its kernel was extracted: extracting again",
	    m->iso);
	if (iso_inspect(m->iso, &info, err) == -1)
		goto out;
	if (info.kernel == NULL || info.initrd == NULL) {
		xherr_set(err, XHE_INVAL, "%s has no %s (looked for %s)", m->iso,
		    info.kernel == NULL ? "kernel" : "initrd", info.kernel == NULL ?
		    ISO_KERNEL_NAMES : ISO_INITRD_NAMES);
		goto out;
	}
	kernel = util_path_join(m->dir, base_name(info.kernel));
	initrd = util_path_join(m->dir, base_name(info.initrd));
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
	char *det = detail("{s:s,s:s?,s:s,s:s,s:b}", "iso", m->iso, "volume_id",
	    info.volume_id, "kernel", info.kernel, "initrd", info.initrd,
	    "cmdline_changed", strcmp(cmdline, m->cmdline) != 0);
	if (inv_begin(ctx->inv, err) == -1 ||
	    inv_machine_set_boot(ctx->inv, m->id, kernel, initrd, cmdline, stamp,
	    err) == -1 ||
	    inv_event(ctx->inv, m->id, "kernel-extract", -1, det, err) == -1 ||
	    inv_commit(ctx->inv, err) == -1) {
		inv_rollback(ctx->inv);
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
	if (refresh_boot(ctx, &m, err) == -1)
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
	lock_drop(lock);
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
		say(ctx, "stopping %s (ACPI power button, up to %d s)", m->name,
		    timeout_s);
		if (hv_qemu_powerdown(qmp, &perr) == 0) {
			if (event1(ctx, m->id, "powerdown", -1,
			    detail("{s:i}", "timeout_s", timeout_s), err) == -1)
				goto out;
			if (proc_wait_gone(&m->proc, timeout_s * 1000,
			    ctx->cancel, NULL) == 0)
				goto gone;
		}
	}
	method = "kill";
	say(ctx, "killing %s", m->name);
	if (event1(ctx, m->id, "kill", -1, detail("{s:s,s:s}", "reason",
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
	char *det = detail("{s:s}", "method", method);
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
	lock_drop(lock);
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
	struct net n;
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
		if (net_load(ctx, &n, err) == -1)
			goto out;
		have_net = 1;
		if (lease_drop(ctx, &n, m.mac, m.ip, &dropped, err) == -1 &&
		    !force)
			goto out;
	}
	if (util_rm_tree(m.dir, err) == -1 && !force)
		goto out;
	char *det = detail("{s:s,s:s,s:b}", "mac", m.mac, "ip", m.ip,
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
	if (have_net && net_sync_hosts(ctx, &n, err) == -1)
		goto out;
	rc = 0;
out:
	net_release_all(&n);
	inv_machine_release(&m);
unlock:
	lock_drop(lock);
	return rc;
}

/* gc */

struct gc {
	struct machine_ctx *ctx;
	int dry_run;
	void (*report)(void *arg, const char *line);
	void *arg;
	int found;
	struct xherr *err;
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
	return record_exited(g->ctx, machine_id, row, p, st, g->err);
}

static int
gc_leases(struct gc *g, struct net *n)
{
	struct lease_set ls;
	size_t i;

	if (read_leases(n, &ls, g->err) == -1)
		return -1;
	for (i = 0; i < ls.n; i++) {
		char owner[IDENT_NAME_MAX + 1];
		int live, r, dropped;

		r = inv_mac_owner(g->ctx->inv, ls.v[i].mac, owner, &live, g->err);
		if (r == -1)
			goto fail;
		if (r == 0 || live)
			continue;	/* not ours, or still reserved */
		gc_say(g, "%slease %s for %s: its MAC was issued to removed "
		    "machine %s", g->dry_run ? "would release: " : "released: ",
		    ls.v[i].ip, ls.v[i].mac, owner);
		if (g->dry_run)
			continue;
		if (lease_drop(g->ctx, n, ls.v[i].mac, ls.v[i].ip, &dropped,
		    g->err) == -1)
			goto fail;
		char *det = detail("{s:s,s:s,s:s,s:s}", "what", "lease", "mac",
		    ls.v[i].mac, "ip", ls.v[i].ip, "machine", owner);
		if (inv_begin(g->ctx->inv, g->err) == -1 ||
		    inv_lease_set_state(g->ctx->inv, n->row.id, ls.v[i].mac,
		    "released", g->err) == -1 ||
		    inv_event(g->ctx->inv, 0, "gc", -1, det, g->err) == -1 ||
		    inv_commit(g->ctx->inv, g->err) == -1) {
			free(det);
			inv_rollback(g->ctx->inv);
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
gc_hosts(struct gc *g, struct net *n)
{
	struct hosts_acc a = { 0 };
	struct buf want;
	char *path = net_hosts_path(&n->cfg), *have = NULL;
	size_t len = 0;
	int rc = -1;

	buf_init(&want);
	if (inv_nic_each_live(g->ctx->inv, n->row.id, hosts_add, &a, g->err) == -1)
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
	rc = g->dry_run ? 0 : net_sync_hosts(g->ctx, n, g->err);
out:
	buf_release(&want);
	hosts_free(&a);
	free(have);
	free(path);
	return rc;
}

static int
gc_dirs(struct gc *g)
{
	char *root = util_path_join(g->ctx->store, "machines");
	DIR *d = opendir(root);
	struct dirent *de;
	int rc = 0;

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
		char *path = util_path_join(root, de->d_name);
		gc_say(g, "%sdirectory %s of removed machine %s",
		    g->dry_run ? "would delete: " : "deleted: ", path, de->d_name);
		if (!g->dry_run) {
			char *det = detail("{s:s,s:s}", "what", "directory",
			    "path", path);
			if (util_rm_tree(path, g->err) == -1 ||
			    event1(g->ctx, 0, "gc", -1, det, g->err) == -1) {
				free(path);
				rc = -1;
				break;
			}
		}
		free(path);
	}
	closedir(d);
	free(root);
	return rc;
}

int
machine_gc(struct machine_ctx *ctx, int dry_run,
    void (*report)(void *arg, const char *line), void *arg, int *found,
    struct xherr *err)
{
	struct gc g = { ctx, dry_run, report, arg, 0, err };
	struct net n;
	struct xherr nerr = XHERR_INIT;
	int rc = -1, lock = -1;

	if (lock_take(ctx, "gc", &lock, err) == -1)
		return -1;
	if (inv_process_each_live(ctx->inv, gc_process, &g, err) == -1)
		goto out;
	if (inv_network_get(ctx->inv, NETWORK_NAME, &n.row, &nerr) == 0) {
		inv_network_release(&n.row);
		if (net_load(ctx, &n, err) == -1)
			goto out;
		if (gc_leases(&g, &n) == -1 || gc_hosts(&g, &n) == -1) {
			net_release_all(&n);
			goto out;
		}
		net_release_all(&n);
	} else if (nerr.code != XHE_NOTFOUND) {
		*err = nerr;
		goto out;
	}
	if (gc_dirs(&g) == -1)
		goto out;
	rc = 0;
out:
	lock_drop(lock);
	*found = g.found;
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

int
machine_network_down(struct machine_ctx *ctx, struct xherr *err)
{
	struct any_running a = { "" };
	struct net n;
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
	if (net_load(ctx, &n, err) == -1)
		return -1;
	if ((alive = net_daemon(ctx, &n, &id, &row, err)) == -1)
		goto out;
	if (alive) {
		if (net_dnsmasq_stop(&id, err) == -1)
			goto out;
		char *det = detail("{s:s,s:i}", "bridge", n.cfg.bridge, "pid",
		    (int)id.pid);
		if (inv_begin(ctx->inv, err) == -1 ||
		    inv_process_end(ctx->inv, row, "stopped", err) == -1 ||
		    inv_event(ctx->inv, 0, "network-down", -1, det, err) == -1 ||
		    inv_commit(ctx->inv, err) == -1) {
			free(det);
			inv_rollback(ctx->inv);
			goto out;
		}
		free(det);
	}
	if (net_bridge_down(n.cfg.bridge, err) == -1)
		goto out;
	rc = 0;
out:
	net_release_all(&n);
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
	c->size = img->size;
	c->users = img->users;
	return 0;
}

struct partials {
	struct gc *g;
	int64_t *freed;
};

static void
prune_partial(void *arg, const char *path, int64_t bytes)
{
	struct partials *pp = arg;

	gc_say(pp->g, "%spartial download %s (%lld bytes)", pp->g->dry_run ?
	    "would delete: " : "deleted: ", path, (long long)bytes);
	*pp->freed += bytes;
	if (!pp->g->dry_run)
		unlink(path);
}

int
machine_cache_prune(struct machine_ctx *ctx, int dry_run,
    void (*report)(void *arg, const char *line), void *arg, int *found,
    int64_t *freed, struct xherr *err)
{
	struct gc g = { ctx, dry_run, report, arg, 0, err };
	struct prune p = { NULL, 0, 0 };
	char *dir = machine_cache_dir(ctx->store);
	int lock = -1, rc = -1;
	size_t i;

	*freed = 0;
	if (lock_take(ctx, "cache", &lock, err) == -1)
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
		char *det = detail("{s:s,s:I}", "url", img->url, "bytes",
		    (json_int_t)bytes);
		if (cache_remove(dir, img->url, err) == -1 ||
		    inv_begin(ctx->inv, err) == -1 ||
		    inv_image_removed(ctx->inv, img->id, err) == -1 ||
		    inv_event(ctx->inv, 0, "image-prune", -1, det, err) == -1 ||
		    inv_commit(ctx->inv, err) == -1) {
			inv_rollback(ctx->inv);
			free(det);
			goto out;
		}
		free(det);
	}
	struct partials pp = { &g, freed };
	if (cache_partials(dir, prune_partial, &pp, err) == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; i < p.n; i++)
		inv_image_release(&p.v[i]);
	free(p.v);
	lock_drop(lock);
	free(dir);
	*found = g.found;
	return rc;
}
