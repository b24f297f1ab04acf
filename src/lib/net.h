/*
 * net: the Linux "shared" network, the counterpart of vmnet shared mode.
 * Everything that needs CAP_NET_ADMIN lives here, with narrow requests:
 *
 *	net_bridge_up("xhbr0", gw, 24)		bridge with the host address
 *	net_tap_open("xhbr0", "xht7", &fd)	a tap in the bridge; the fd goes
 *						to QEMU and the tap vanishes
 *						when QEMU exits
 *	net_dnsmasq_start(&cfg, &ident)		DHCP only, bound to the bridge,
 *						lease/hosts/log files in cfg.dir,
 *						unprivileged once bound
 *	net_hosts_write(&cfg, entries...)	reservations (MAC -> IP), then
 *	net_dnsmasq_reload(&ident)		SIGHUP re-reads them
 *	net_lease_release(&cfg, ip, mac)	dhcp_release: drop one lease
 *
 * Interface names are checked (IFNAMSIZ, [A-Za-z0-9_.-]) before any
 * request, and dnsmasq is only ever started with argv built here.
 */
#ifndef NET_H
#define NET_H

#include <stdint.h>

#include "proc.h"
#include "util.h"
#include "xherr.h"

struct net_config {
	const char *bridge;		/* bridge interface name */
	uint32_t subnet;		/* network address */
	int prefix;			/* prefix length */
	uint32_t gateway;		/* host address on the bridge */
	const char *store;		/* the store dir lies in */
	const char *dir;		/* <store>/network/<name> */
};

/* How one dnsmasq runs (net_dnsmasq_start decides): whom it runs as once
 * bound, its pid file (in a private directory of ours, not the store),
 * and the absolute path of the reservations file it re-reads. */
struct net_dnsmasq_run {
	const char *user, *group;
	const char *pid_file;
	const char *hosts;
};

/* Files in cfg->dir; the results are the caller's. */
char *net_hosts_path(const struct net_config *cfg);

int net_check_ifname(const char *name, struct xherr *err);
int net_bridge_up(const char *bridge, uint32_t gw, int prefix,
    struct xherr *err);
int net_bridge_down(const char *bridge, struct xherr *err);
int net_tap_open(const char *bridge, const char *tap, int *fd,
    struct xherr *err);

/* The dnsmasq argv for cfg (pure, for tests and for start). It runs in
 * cfg->dir (the lease file is relative to it), logs to its stderr. */
void net_dnsmasq_argv(const struct net_config *cfg,
    const struct net_dnsmasq_run *run, struct strv *argv);
/*
 * Start dnsmasq and return its identity once it serves. It never opens a
 * path the store's user could redirect: it runs in the network directory
 * (opened below the store without following links, ours and writable by
 * nobody else), its lease file relative to it, its log our descriptor, its
 * pid file in a private directory of ours. Once bound it runs as the
 * store's owner (for root's own store: nobody, where nobody can reach the
 * reservations file it re-reads, else root).
 */
int net_dnsmasq_start(const struct net_config *cfg, struct proc_ident *out,
    struct xherr *err);
int net_dnsmasq_reload(const struct proc_ident *id, struct xherr *err);
/* SIGTERM, then wait (bounded); SIGKILL if it lingers. */
int net_dnsmasq_stop(const struct proc_ident *id, struct xherr *err);

struct net_host {
	const char *mac;
	const char *ip;
	const char *name;		/* sent as hostname only if a valid label */
};
/* One dhcp-hostsfile line per reservation (pure). */
void net_hosts_format(const struct net_host *h, int n, struct buf *out);
int net_hosts_write(const struct net_config *cfg, const struct net_host *h,
    int n, struct xherr *err);

/* Ask the running dnsmasq to drop the lease of ip/mac (dhcp_release). */
int net_lease_release(const struct net_config *cfg, const char *ip,
    const char *mac, struct xherr *err);

#endif
