/* net: the shared network's dnsmasq (argv, supervision, reservations,
 * lease release) and interface names; portable. The bridge and tap
 * ioctls are in net_linux.c. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ident.h"

#define DNSMASQ_START_MS 10000
#define DNSMASQ_STOP_MS 5000
#define RELEASE_MS 5000

char *
net_lease_path(const struct net_config *cfg)
{
	return util_path_join(cfg->dir, "dnsmasq.leases");
}

char *
net_hosts_path(const struct net_config *cfg)
{
	return util_path_join(cfg->dir, "dnsmasq.hosts");
}

char *
net_pid_path(const struct net_config *cfg)
{
	return util_path_join(cfg->dir, "dnsmasq.pid");
}

int
net_check_ifname(const char *name, struct xherr *err)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ)
		return xherr_set(err, XHE_INVAL, "interface name \"%s\" must be "
		    "1 to %d characters", name, IFNAMSIZ - 1);
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return xherr_set(err, XHE_INVAL, "interface name \"%s\" "
			    "has a character other than [A-Za-z0-9._-]", name);
	}
	return 0;
}

void
net_dnsmasq_argv(const struct net_config *cfg, struct strv *argv)
{
	char net[IDENT_IP_LEN], mask[IDENT_IP_LEN];
	char *lease = net_lease_path(cfg), *hosts = net_hosts_path(cfg);
	char *pid = net_pid_path(cfg), *log = util_path_join(cfg->dir,
	    "dnsmasq.log");

	ident_ip_format(cfg->subnet, net);
	ident_ip_format(0xffffffffu << (32 - cfg->prefix), mask);
	strv_add(argv, "dnsmasq");
	strv_add(argv, "--conf-file=/dev/null");	/* ignore /etc/dnsmasq.conf */
	strv_add(argv, "--port=0");			/* no DNS */
	strv_addf(argv, "--interface=%s", cfg->bridge);
	strv_add(argv, "--bind-interfaces");		/* the bridge and nothing else */
	strv_add(argv, "--except-interface=lo");
	/* static: only reserved MACs (the hosts file) get an address. */
	strv_addf(argv, "--dhcp-range=%s,static,%s,12h", net, mask);
	strv_addf(argv, "--dhcp-hostsfile=%s", hosts);
	strv_addf(argv, "--dhcp-leasefile=%s", lease);
	strv_addf(argv, "--pid-file=%s", pid);
	strv_addf(argv, "--log-facility=%s", log);
	strv_add(argv, "--log-dhcp");
	strv_add(argv, "--dhcp-authoritative");
	strv_add(argv, "--dhcp-rapid-commit");
	strv_add(argv, "--no-resolv");
	strv_add(argv, "--no-hosts");
	strv_add(argv, "--no-ping");
	/* Keep root so it can write the lease file inside the store. */
	strv_add(argv, "--user=root");
	strv_add(argv, "--group=root");
	free(lease);
	free(hosts);
	free(pid);
	free(log);
}

static int
read_pid_file(const char *path, pid_t *pid)
{
	char *s = NULL, *end;
	long v;

	if (util_read_file(path, 64, &s, NULL, NULL) == -1)
		return -1;
	v = strtol(s, &end, 10);
	if (end == s || v <= 0 || (*end != '\0' && *end != '\n')) {
		free(s);
		return -1;
	}
	free(s);
	*pid = (pid_t)v;
	return 0;
}

/*
 * dnsmasq runs as root and opens its files (leases, log, pid) as root at
 * start, following links. They are safe only in a directory of ours that
 * nobody else can write: the network directory must belong to us and not
 * be group- or other-writable, and what is in place of one of its files
 * that is not a regular file of ours (a planted link) is removed first.
 */
static int
files_ours(const struct net_config *cfg, struct xherr *err)
{
	char *paths[4];
	struct stat st;
	size_t i;
	int rc = 0;

	if (lstat(cfg->dir, &st) == -1)
		return xherr_sys(err, "cannot use %s", cfg->dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return xherr_set(err, XHE_PERM, "network directory %s is not a "
		    "directory of uid %u that only it can write: refusing to "
		    "start dnsmasq (which runs as root) on it", cfg->dir,
		    (unsigned)geteuid());
	paths[0] = net_lease_path(cfg);
	paths[1] = net_pid_path(cfg);
	paths[2] = util_path_join(cfg->dir, "dnsmasq.log");
	paths[3] = net_hosts_path(cfg);
	for (i = 0; i < 4; i++) {
		if (lstat(paths[i], &st) == 0 && (!S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid()) && unlink(paths[i]) == -1 && rc == 0)
			rc = xherr_sys(err, "cannot remove %s", paths[i]);
		free(paths[i]);
	}
	return rc;
}

int
net_dnsmasq_start(const struct net_config *cfg, struct proc_ident *out,
    struct xherr *err)
{
	struct strv argv;
	struct buf output;
	char *pidf = net_pid_path(cfg), *hosts = net_hosts_path(cfg);
	int status, rc = -1;
	pid_t pid;

	strv_init(&argv);
	buf_init(&output);
	if (files_ours(cfg, err) == -1)
		goto out;
	if (!util_exists(hosts) &&
	    util_write_atomic(hosts, "", 0, 0644, err) == -1)
		goto out;
	unlink(pidf);
	net_dnsmasq_argv(cfg, &argv);
	/* dnsmasq forks; its first process exits once the daemon is ready,
	 * with a non-zero status and a message when it is not. */
	if (proc_run(argv.v, DNSMASQ_START_MS, &output, &status, err) == -1)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *nl;
		buf_rtrim(&output);
		nl = output.len ? strrchr(buf_str(&output), '\n') : NULL;
		xherr_set(err, XHE_FAIL, "dnsmasq %s: %s",
		    proc_status_text(status),
		    output.len ? (nl ? nl + 1 : output.p) : "no message");
		goto out;
	}
	if (read_pid_file(pidf, &pid) == -1) {
		xherr_set(err, XHE_FAIL, "dnsmasq started but wrote no pid "
		    "file %s", pidf);
		goto out;
	}
	if (proc_ident_read(pid, out, err) == -1) {
		xherr_wrap(err, "dnsmasq exited right after starting");
		goto out;
	}
	rc = 0;
out:
	strv_release(&argv);
	buf_release(&output);
	free(pidf);
	free(hosts);
	return rc;
}

int
net_dnsmasq_reload(const struct proc_ident *id, struct xherr *err)
{
	if (proc_signal(id, SIGHUP, err) == -1)
		return xherr_wrap(err, "cannot reload dnsmasq");
	return 0;
}

int
net_dnsmasq_stop(const struct proc_ident *id, struct xherr *err)
{
	if (proc_check(id) != PROC_ALIVE)
		return 0;
	if (proc_signal(id, SIGTERM, err) == -1)
		return proc_check(id) == PROC_ALIVE ? -1 : 0;
	if (proc_wait_gone(id, DNSMASQ_STOP_MS, NULL, NULL) == 0)
		return 0;
	if (proc_signal(id, SIGKILL, err) == -1)
		return proc_check(id) == PROC_ALIVE ? -1 : 0;
	return proc_wait_gone(id, DNSMASQ_STOP_MS, NULL, err);
}

static int
valid_label(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

void
net_hosts_format(const struct net_host *h, int n, struct buf *out)
{
	int i;

	for (i = 0; i < n; i++) {
		if (valid_label(h[i].name))
			buf_addf(out, "%s,%s,%s\n", h[i].mac, h[i].ip, h[i].name);
		else
			buf_addf(out, "%s,%s\n", h[i].mac, h[i].ip);
	}
}

int
net_hosts_write(const struct net_config *cfg, const struct net_host *h, int n,
    struct xherr *err)
{
	struct buf b;
	char *path = net_hosts_path(cfg);
	int rc;

	buf_init(&b);
	net_hosts_format(h, n, &b);
	rc = util_write_atomic(path, b.p ? b.p : "", b.len, 0644, err);
	buf_release(&b);
	free(path);
	return rc;
}

int
net_lease_release(const struct net_config *cfg, const char *ip,
    const char *mac, struct xherr *err)
{
	char *argv[] = { "dhcp_release", (char *)cfg->bridge, (char *)ip,
	    (char *)mac, NULL };

	if (proc_run_ok(argv, RELEASE_MS, NULL, err) == -1)
		return xherr_wrap(err, "cannot release %s for %s on %s", ip, mac,
		    cfg->bridge);
	return 0;
}
