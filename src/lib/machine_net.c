/* machine_net: the networks machines attach to, and their DHCP leases. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootpd.h"
#include "machine_int.h"
#include "priv.h"
#include "util.h"
#include "watch.h"

#include <sys/wait.h>
#include <time.h>

/* The shared network */

void
mi_net_release(struct mi_net *n)
{
	inv_network_release(&n->row);
	free(n->dir);
	memset(n, 0, sizeof *n);
}

/* n->row: the network called name, recorded with the fields fill sets when
 * it is missing. Two first creates at once look again under the write
 * lock, so only one records it. Touches nothing outside the inventory. */
static int
network_row(struct machine_ctx *ctx, const char *name,
    int (*fill)(struct machine_ctx *, struct mi_net *, struct xherr *),
    struct mi_net *n, struct xherr *err)
{
	struct xherr local = XHERR_INIT;

	if (err == NULL)
		err = &local;	/* NULL is allowed (xherr.h) */
	memset(n, 0, sizeof *n);
	n->dir = xasprintf("%s/network/%s", ctx->store, name);
	if (inv_network_get(ctx->inv, name, &n->row, err) == 0)
		return 0;
	if (err->code != XHE_NOTFOUND || inv_begin(ctx->inv, err) == -1)
		goto fail;
	/* Another process may have recorded it since: then nothing to add. */
	if (inv_network_get(ctx->inv, name, &n->row, err) == 0) {
		inv_rollback(ctx->inv);
		return 0;
	}
	if (err->code != XHE_NOTFOUND) {
		inv_rollback(ctx->inv);
		goto fail;
	}
	xherr_clear(err);
	memset(&n->row, 0, sizeof n->row);
	snprintf(n->row.name, sizeof n->row.name, "%s", name);
	if (inv_end(ctx->inv, fill(ctx, n, err) == -1 ||
	    inv_network_insert(ctx->inv, &n->row, err) == -1, err) == -1)
		goto fail;
	return 0;
fail:
	mi_net_release(n);
	return -1;
}

/* The shared network: a bridge and a dnsmasq of ours, on XHINV_SUBNET. */
static int
dnsmasq_fill(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	char gw[IDENT_IP_LEN], sub[IDENT_IP_LEN + 4];
	uint32_t base;
	int prefix;

	if (ident_subnet_parse(ctx->subnet, &base, &prefix) == -1 ||
	    prefix > 29)
		return xherr_set(err, XHE_INVAL, "XHINV_SUBNET %s is not an "
		    "IPv4 subnet a.b.c.d/n with n from 8 to 29", ctx->subnet);
	if (net_check_ifname(ctx->bridge, err) == -1)
		return -1;
	ident_ip_format(base + 1, gw);
	ident_ip_format(base, sub);
	snprintf(sub + strlen(sub), 4, "/%d", prefix);
	snprintf(n->row.kind, sizeof n->row.kind, "dnsmasq");
	n->row.bridge = xstrdup(ctx->bridge);
	n->row.subnet = xstrdup(sub);
	n->row.gateway = xstrdup(gw);
	n->row.lease_file = util_path_join(n->dir, "dnsmasq.leases");
	return 0;
}

/* Load (or record) the "shared" network's row and fill cfg. */
static int
dnsmasq_load(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	uint32_t base;
	int prefix;

	if (network_row(ctx, NETWORK_NAME, dnsmasq_fill, n, err) == -1)
		return -1;
	if (ident_subnet_parse(n->row.subnet, &base, &prefix) == -1 ||
	    ident_ip_parse(n->row.gateway, &n->cfg.gateway) == -1) {
		xherr_set(err, XHE_INVAL, "network %s has a bad subnet %s",
		    n->row.name, n->row.subnet);
		mi_net_release(n);
		return -1;
	}
	n->cfg.bridge = n->row.bridge;
	n->cfg.subnet = base;
	n->cfg.prefix = prefix;
	n->cfg.store = ctx->store;
	n->cfg.dir = n->dir;
	return 0;
}

/* vmnet: bootpd serves it and owns its lease file; we only read it (and
 * rewrite it to remove our leases). */
static int
vmnet_fill(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	(void)err;
	snprintf(n->row.kind, sizeof n->row.kind, "vmnet");
	/* vmnet's default Shared_Net_Address; bootpd hands out the rest. */
	n->row.subnet = xstrdup("192.168.64.0/24");
	n->row.gateway = xstrdup("192.168.64.1");
	n->row.lease_file = xstrdup(ctx->bootpd_leases);
	return 0;
}

/* vmnet's subnet and gateway, as recorded, for the pool (bootpd hands out
 * the addresses; we only check what it gave). */
static void
vmnet_cfg(struct mi_net *n)
{
	uint32_t base;
	int prefix;

	if (ident_subnet_parse(n->row.subnet, &base, &prefix) == 0 &&
	    ident_ip_parse(n->row.gateway, &n->cfg.gateway) == 0) {
		n->cfg.subnet = base;
		n->cfg.prefix = prefix;
	}
}

/*
 * Load (or record) the vmnet row. XHINV_BOOTPD_LEASES (or its default)
 * wins over the path recorded when the row was made: the record follows
 * the setting, with an event saying so (a read-only connection only uses
 * it), so a changed setting is never silently ignored.
 */
static int
vmnet_load(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	if (network_row(ctx, VMNET_NAME, vmnet_fill, n, err) == -1)
		return -1;
	if (strcmp(n->row.lease_file, ctx->bootpd_leases) == 0) {
		vmnet_cfg(n);
		return 0;
	}
	if (!inv_readonly(ctx->inv)) {
		char *det = mi_detail("{s:s,s:s}", "lease_file_was",
		    n->row.lease_file, "lease_file", ctx->bootpd_leases);
		int rc = 0;
		if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
		    inv_network_set_lease_file(ctx->inv, n->row.id,
		    ctx->bootpd_leases, err) == -1 ||
		    inv_event(ctx->inv, 0, "network-lease-file", -1, det,
		    err) == -1, err) == -1) {
			rc = -1;
		}
		free(det);
		if (rc == -1) {
			mi_net_release(n);
			return -1;
		}
	}
	free(n->row.lease_file);
	n->row.lease_file = xstrdup(ctx->bootpd_leases);
	vmnet_cfg(n);
	return 0;
}

int
mi_net_load(struct machine_ctx *ctx, int vmnet, struct mi_net *n,
    struct xherr *err)
{
	if (vmnet)
		return vmnet_load(ctx, n, err);
	return dnsmasq_load(ctx, n, err);
}

int
mi_net_load_id(struct machine_ctx *ctx, int64_t id, struct mi_net *n,
    struct xherr *err)
{
	struct inv_network row;
	int rc;

	if (inv_network_get_id(ctx->inv, id, &row, err) == -1)
		return -1;
	rc = mi_net_load(ctx, strcmp(row.kind, "vmnet") == 0,
	    n, err);
	inv_network_release(&row);
	return rc;
}

int
mi_net_is_vmnet(const struct mi_net *n)
{
	return strcmp(n->row.kind, "vmnet") == 0;
}

/* The pool machines get addresses from: after the gateway, before the
 * broadcast address. */
void
mi_net_pool(const struct mi_net *n, uint32_t *lo, uint32_t *hi)
{
	/* (A prefix outside 8..30 is no pool: never a shift by 32.) */
	uint32_t size = n->cfg.prefix >= 8 && n->cfg.prefix <= 30 ?
	    1u << (32 - n->cfg.prefix) : 2;

	*lo = n->cfg.gateway + 1;
	*hi = n->cfg.subnet + size - 2;
}

int
mi_hosts_add(void *arg, const char *mac, const char *ip, const char *machine)
{
	struct mi_hosts *a = arg;

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

void
mi_hosts_free(struct mi_hosts *a)
{
	for (int i = 0; i < a->n; i++) {
		free((char *)a->h[i].mac);
		free((char *)a->h[i].ip);
		free((char *)a->h[i].name);
	}
	free(a->h);
}

/* The dnsmasq we recorded, if it is still ours and alive. */
int
mi_net_daemon(struct machine_ctx *ctx, struct mi_net *n, struct proc_ident *id,
    int64_t *row, struct xherr *err)
{
	if (inv_process_network(ctx->inv, n->row.id, row, id, err) == -1)
		return -1;
	if (*row == 0)
		return 0;
	int st = proc_check(id);
	if (st == PROC_ALIVE)
		return 1;
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_process_end(ctx->inv, *row, st == PROC_REBOOTED ? "reboot" :
	    st == PROC_REUSED ? "reused" : "exited", err) == -1, err) == -1)
		return -1;
	*row = 0;
	return 0;
}

/*
 * Rewrite the reservations file from the inventory; SIGHUP dnsmasq.
 * vmnet has no reservations: bootpd hands out addresses by MAC itself.
 */
static int
root_net_sync_hosts(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	struct mi_hosts a = { 0 };
	struct proc_ident id;
	int64_t row;
	int rc = -1, alive;

	if (mi_net_is_vmnet(n))
		return 0;
	if (util_mkdir_in(ctx->store, n->dir, 0755, err) == -1)
		return -1;
	if (inv_nic_each_live(ctx->inv, n->row.id, mi_hosts_add, &a, err) == -1)
		goto out;
	if (net_hosts_write(&n->cfg, a.h, a.n, err) == -1)
		goto out;
	if ((alive = mi_net_daemon(ctx, n, &id, &row, err)) == -1)
		goto out;
	if (alive && net_dnsmasq_reload(&id, err) == -1)
		goto out;
	rc = 0;
out:
	mi_hosts_free(&a);
	return rc;
}

/* Bridge up, reservations written, dnsmasq running. */
static int
root_net_up(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	struct proc_ident id;
	int64_t row;
	int lock, rc = -1, alive;
	char *lockname;

	if (mi_net_is_vmnet(n))
		return 0;	/* vmnet starts with xhyve, bootpd on demand */
	lockname = xasprintf("network-%s", NETWORK_NAME);
	if (mi_lock_take(ctx, lockname, &lock, err) == -1) {
		free(lockname);
		return -1;
	}
	if (util_mkdir_in(ctx->store, n->dir, 0755, err) == -1)
		goto out;
	if (net_bridge_up(n->cfg.bridge, n->cfg.gateway, n->cfg.prefix,
	    err) == -1)
		goto out;
	if (root_net_sync_hosts(ctx, n, err) == -1)
		goto out;
	if ((alive = mi_net_daemon(ctx, n, &id, &row, err)) == -1)
		goto out;
	if (!alive) {
		mi_say(ctx, "starting dnsmasq on %s", n->cfg.bridge);
		if (net_dnsmasq_start(&n->cfg, &id, err) == -1)
			goto out;
		char *det = mi_detail("{s:s,s:s,s:i}", "bridge", n->cfg.bridge,
		    "subnet", n->row.subnet, "pid", (int)id.pid);
		if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
		    inv_process_insert(ctx->inv, 0, n->row.id, "dhcp", &id, NULL,
		    err) == -1 ||
		    inv_event(ctx->inv, 0, "network-up", -1, det, err) == -1,
		    err) == -1) {
			free(det);
			net_dnsmasq_stop(&id, NULL);
			goto out;
		}
		free(det);
	}
	rc = 0;
out:
	mi_lock_drop(lock);
	free(lockname);
	return rc;
}

int
mi_read_leases(const struct mi_net *n, struct lease_set *ls, struct xherr *err)
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
	if (mi_net_is_vmnet(n))
		lease_parse_bootpd(buf, len, ls);
	else
		lease_parse_dnsmasq(buf, len, ls);
	free(buf);
	return 0;
}

static int
lease_present(const struct mi_net *n, const char *mac, int *present,
    struct xherr *err)
{
	struct lease_set ls;

	if (mi_read_leases(n, &ls, err) == -1)
		return -1;
	*present = 0;
	for (size_t i = 0; i < ls.n; i++)
		if (strcmp(ls.v[i].mac, mac) == 0)
			*present = 1;
	lease_set_release(&ls);
	return 0;
}

/*
 * Remove mac's blocks from bootpd's lease file: under our lock, a
 * timestamped backup in the store, then a temporary file with the
 * original's owner and mode, fsync, rename; then ask bootpd to read it
 * again. Without the privilege to read or write the file: *pending.
 */
static int
bootpd_drop(struct machine_ctx *ctx, struct mi_net *n, const char *mac,
    int *dropped, int *pending, struct xherr *err)
{
	char canon[IDENT_MAC_LEN], *backup = NULL;
	int lock, removed = 0, rc = -1;
	struct xherr local = XHERR_INIT;

	if (err == NULL)
		err = &local;	/* NULL is allowed (xherr.h) */
	if (ident_mac_canon(mac, canon) == -1)
		return xherr_set(err, XHE_INVAL, "bad MAC %s", mac);
	if (mi_lock_take(ctx, "bootpd-leases", &lock, err) == -1)
		return -1;
	bootpd_orphans(n->row.lease_file);
	for (int tries = 0; ; tries++) {
		if (bootpd_rewrite(n->row.lease_file, ctx->store, canon,
		    &removed, &backup, err) == 0)
			break;
		if (err->code == XHE_PERM) {
			*pending = 1;
			xherr_clear(err);
			rc = 0;
			goto out;
		}
		if (err->code != XHE_STATE || tries == BOOTPD_TRIES)
			goto out;
		xherr_clear(err);
	}
	if (removed > 0) {
		*dropped = 1;
		mi_say(ctx, "removed %d lease%s of %s from %s (backup %s)",
		    removed, removed == 1 ? "" : "s", canon, n->row.lease_file,
		    backup);
		struct xherr rerr = XHERR_INIT;
		/* bootpd keeps leases in memory; a failure to make it read
		 * them again is said, not fatal: the file is already right. */
		if (bootpd_reload(ctx->bootpd_reload, BOOTPD_RELOAD_MS,
		    &rerr) == -1)
			mi_say(ctx, "warning: %s did not reload bootpd: %s",
			    ctx->bootpd_reload, rerr.msg);
	}
	rc = 0;
out:
	mi_lock_drop(lock);
	free(backup);
	return rc;
}

/* Remove every lease of mac from the lease file. With dnsmasq running,
 * dhcp_release asks it to; if the line is still there after that (or
 * dnsmasq is down), the file is rewritten with dnsmasq stopped, since
 * dnsmasq keeps leases in memory and would write them back. */
static int
root_lease_drop(struct machine_ctx *ctx, struct mi_net *n, const char *mac,
    const char *ip, int *dropped, int *pending, struct xherr *err)
{
	struct proc_ident id;
	int64_t row;
	int present, alive;
	char *buf = NULL;
	size_t len;

	*dropped = 0;
	*pending = 0;
	if (mi_net_is_vmnet(n))
		return bootpd_drop(ctx, n, mac, dropped, pending, err);
	if (lease_present(n, mac, &present, err) == -1)
		return -1;
	if (!present)
		return 0;
	if ((alive = mi_net_daemon(ctx, n, &id, &row, err)) == -1)
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
		mi_say(ctx, "dhcp_release did not drop %s (%s); rewriting the "
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
		if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
		    inv_process_end(ctx->inv, row, "stopped", err) == -1,
		    err) == -1) {
			return -1;
		}
		if (root_net_up(ctx, n, err) == -1)
			return -1;
	}
	return 0;
}

/* The expiry of mac's current lease (-1: none). A lease left by an earlier
 * boot stays in the file; only one whose expiry differs proves that this
 * boot did DHCP. */
int64_t
mi_lease_expiry(const struct mi_net *n, const char *mac)
{
	struct lease_set ls;
	const struct lease *l;
	int64_t e = -1;

	if (mi_read_leases(n, &ls, NULL) == -1)
		return -1;
	l = lease_find(&ls, mac, util_now_ms() / 1000);
	if (l != NULL)
		e = l->expires;
	lease_set_release(&ls);
	return e;
}

int
machine_leases(struct machine_ctx *ctx,
    int (*cb)(void *arg, const struct machine_lease *l), void *arg,
    struct xherr *err)
{
	static const char *const names[] = { NETWORK_NAME, VMNET_NAME };
	int64_t now = util_now_ms() / 1000;
	size_t k, i;

	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		struct inv_network row;
		struct xherr e = XHERR_INIT;
		struct lease_set ls;
		struct mi_net n;

		if (inv_network_get(ctx->inv, names[k], &row, &e) == -1) {
			if (e.code == XHE_NOTFOUND)
				continue;
			*err = e;
			return -1;
		}
		int64_t id = row.id;
		inv_network_release(&row);
		if (mi_net_load_id(ctx, id, &n, err) == -1)
			return -1;
		if (mi_read_leases(&n, &ls, err) == -1) {
			mi_net_release(&n);
			return -1;
		}
		int stop = 0;
		for (i = 0; i < ls.n && !stop; i++) {
			struct machine_lease ml = { &ls.v[i], NULL,
			    n.row.lease_file, lease_expired(&ls, &ls.v[i], now) };
			stop = cb(arg, &ml) == -1;
		}
		for (i = 0; i < ls.nbad && !stop; i++) {
			struct machine_lease ml = { NULL, &ls.bad[i],
			    n.row.lease_file, 0 };
			stop = cb(arg, &ml) == -1;
		}
		lease_set_release(&ls);
		mi_net_release(&n);
	}
	return 0;
}

/* What needs root, as root when we run setuid (priv.h); the rest of this
 * file runs with the user's rights. */
int
mi_net_sync_hosts(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	uid_t was = priv_raise();
	int rc = root_net_sync_hosts(ctx, n, err);

	priv_restore(was);
	return rc;
}

int
mi_net_up(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	uid_t was = priv_raise();
	int rc = root_net_up(ctx, n, err);

	priv_restore(was);
	return rc;
}

int
mi_lease_drop(struct machine_ctx *ctx, struct mi_net *n, const char *mac,
    const char *ip, int *dropped, int *pending, struct xherr *err)
{
	uid_t was = priv_raise();
	int rc = root_lease_drop(ctx, n, mac, ip, dropped, pending, err);

	priv_restore(was);
	return rc;
}

/* Booting */

/* bootpd gave machine `from`'s old address to `to`: say so in its history. */
static int
ip_moved(struct machine_ctx *ctx, int64_t from, const char *ip,
    const char *to, struct xherr *err)
{
	char *det = mi_detail("{s:s,s:s}", "ip", ip, "to", to);
	int rc = inv_event(ctx->inv, from, "ip-lost", -1, det, err);

	free(det);
	return rc;
}

/* The lease the VM's DHCP request produced: recorded, with the IP. */
static int
lease_seen(struct machine_ctx *ctx, struct mi_net *n, struct inv_machine *m,
    struct mi_boot *b, const struct lease *l, struct xherr *err)
{
	char *det = mi_detail("{s:s,s:s,s:s}", "ip", l->ip, "mac", l->mac,
	    "since", b->since);
	int learned = mi_net_is_vmnet(n), rc = -1;
	int64_t from = 0;

	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    (learned && inv_nic_set_ip(ctx->inv, m->id, l->ip, &from,
	    err) == -1) ||
	    (from != 0 && ip_moved(ctx, from, l->ip, m->name, err) == -1) ||
	    inv_lease_seen(ctx->inv, n->row.id, l, n->row.lease_file,
	    err) == -1 ||
	    inv_event(ctx->inv, m->id, "ip", util_mono_ms() - b->t0, det,
	    err) == -1, err) == -1) {
		goto out;
	}
	snprintf(m->ip, sizeof m->ip, "%s", l->ip);
	b->lease_seen = 1;
	rc = 0;
out:
	free(det);
	return rc;
}

/*
 * 1: this boot's lease is in the file (and recorded), 0: not yet. A lease
 * left by an earlier boot keeps its expiry; only a renewed one counts.
 */
static int
lease_check(struct machine_ctx *ctx, struct mi_net *n, struct inv_machine *m,
    struct mi_boot *b, struct xherr *err)
{
	struct lease_set ls;
	const struct lease *l;
	int rc = 0;

	if (mi_read_leases(n, &ls, err) == -1)
		return -1;
	/* A block for our MAC the parser had to skip: the timeout says so. */
	for (size_t i = 0; i < ls.nbad; i++)
		if (strcmp(ls.bad[i].mac, m->mac) == 0)
			snprintf(b->bad_block, sizeof b->bad_block, "line %u: %s",
			    ls.bad[i].line, ls.bad[i].msg);
	l = lease_find(&ls, m->mac, util_now_ms() / 1000);
	/* Reserved (bridge): the lease must carry that address; learned
	 * (vmnet): whichever bootpd gave. */
	if (l != NULL && (mi_net_is_vmnet(n) || strcmp(l->ip, m->ip) == 0) &&
	    (b->stale_expiry < 0 || l->expires != b->stale_expiry ||
	    l->expires == 0))
		rc = lease_seen(ctx, n, m, b, l, err) == -1 ? -1 : 1;
	lease_set_release(&ls);
	return rc;
}

/*
 * Wait for the VM's lease: the file is read again when the watch says it
 * changed (a 10,000-lease file takes milliseconds to parse, and other
 * daemons write in /var/db too), and every WAIT_REREAD_MS regardless.
 */
int
mi_wait_ip(struct machine_ctx *ctx, struct mi_net *n, struct inv_machine *m,
    struct mi_boot *b, int64_t deadline, struct xherr *err)
{
	struct watch *w = NULL;
	int64_t next_read = 0, left;
	int rc = -1, changed = 1, got;

	if (m->ip[0] != '\0' && !mi_net_is_vmnet(n))
		mi_say(ctx, "waiting for %s to get %s from dnsmasq (lease file %s)",
		    m->mac, m->ip, n->row.lease_file);
	else
		mi_say(ctx, "waiting for a lease for %s in %s", m->mac,
		    n->row.lease_file);
	if (util_mkdir_in(ctx->store, n->dir, 0700, err) == -1 ||
	    watch_open(&w, n->row.lease_file, err) == -1)
		return -1;
	for (;;) {
		if (changed || util_mono_ms() >= next_read) {
			if ((got = lease_check(ctx, n, m, b, err)) != 0) {
				rc = got == 1 ? 0 : -1;
				goto out;
			}
			next_read = util_mono_ms() + WAIT_REREAD_MS;
		}
		if (mi_cancelled(ctx)) {
			xherr_set(err, XHE_CANCELLED, "interrupted");
			goto out;
		}
		if (proc_check(&b->proc) != PROC_ALIVE) {
			char *log = util_path_join(m->dir, "console.log");
			xherr_set(err, XHE_FAIL, "the VM exited before it got an "
			    "IP address (see %s)", log);
			free(log);
			goto out;
		}
		if ((left = deadline - util_mono_ms()) <= 0) {
			int resv = m->ip[0] && !mi_net_is_vmnet(n);
			xherr_set(err, XHE_TIMEOUT, "no DHCP lease for MAC %s%s%s%s "
			    "in %s after %lld s%s%s%s", m->mac, resv ?
			    " (reserved IP " : "", resv ? m->ip : "", resv ? ")" : "",
			    n->row.lease_file,
			    (long long)((util_mono_ms() - b->t0) / 1000),
			    b->bad_block[0] ? " (its block there could not be "
			    "read: " : "", b->bad_block, b->bad_block[0] ? ")" : "");
			goto out;
		}
		/* Short waits: the VM's death and ^C are noticed within one. */
		if ((changed = watch_wait(w, left < 500 ? (int)left : 500)) == -1) {
			xherr_sys(err, "cannot watch %s", n->row.lease_file);
			goto out;
		}
	}
out:
	watch_close(w);
	return rc;
}
