/* machine_net: the networks machines attach to, and their DHCP leases. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine_int.h"
#include "util.h"

/* The shared network */


void
mi_net_release(struct mi_net *n)
{
	inv_network_release(&n->row);
	free(n->dir);
	memset(n, 0, sizeof *n);
}

/* Load (or record) the network row and fill cfg; touches nothing else. */
int
mi_net_load(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
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
	mi_net_release(n);
	return -1;
}

/* The pool machines get addresses from: after the gateway, before the
 * broadcast address. */
void
mi_net_pool(const struct mi_net *n, uint32_t *lo, uint32_t *hi)
{
	uint32_t size = 1u << (32 - n->cfg.prefix);

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
int
mi_net_sync_hosts(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	struct mi_hosts a = { 0 };
	struct proc_ident id;
	int64_t row;
	int rc = -1, alive;

	if (util_mkdir_p(n->dir, 0700, err) == -1)
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
int
mi_net_up(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err)
{
	struct proc_ident id;
	int64_t row;
	int lock, rc = -1, alive;
	char *lockname = xasprintf("network-%s", NETWORK_NAME);

	if (mi_lock_take(ctx, lockname, &lock, err) == -1) {
		free(lockname);
		return -1;
	}
	if (util_mkdir_p(n->dir, 0700, err) == -1)
		goto out;
	if (net_bridge_up(n->cfg.bridge, n->cfg.gateway, n->cfg.prefix,
	    err) == -1)
		goto out;
	if (mi_net_sync_hosts(ctx, n, err) == -1)
		goto out;
	if ((alive = mi_net_daemon(ctx, n, &id, &row, err)) == -1)
		goto out;
	if (!alive) {
		mi_say(ctx, "starting dnsmasq on %s", n->cfg.bridge);
		if (net_dnsmasq_start(&n->cfg, &id, err) == -1)
			goto out;
		char *det = mi_detail("{s:s,s:s,s:i}", "bridge", n->cfg.bridge,
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

/* Remove every lease of mac from the lease file. With dnsmasq running,
 * dhcp_release asks it to; if the line is still there after that (or
 * dnsmasq is down), the file is rewritten with dnsmasq stopped, since
 * dnsmasq keeps leases in memory and would write them back. */
int
mi_lease_drop(struct machine_ctx *ctx, struct mi_net *n, const char *mac,
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
		if (inv_begin(ctx->inv, err) == -1 ||
		    inv_process_end(ctx->inv, row, "stopped", err) == -1 ||
		    inv_commit(ctx->inv, err) == -1) {
			inv_rollback(ctx->inv);
			return -1;
		}
		if (mi_net_up(ctx, n, err) == -1)
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
