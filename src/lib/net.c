/* net: the shared network's dnsmasq (argv, supervision, reservations,
 * lease release) and interface names; portable. The bridge and tap
 * ioctls are in net_linux.c. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
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
#define LEASES "dnsmasq.leases"
#define HOSTS "dnsmasq.hosts"
#define LOG "dnsmasq.log"

char *
net_hosts_path(const struct net_config *cfg)
{
	return util_path_join(cfg->dir, HOSTS);
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
net_dnsmasq_argv(const struct net_config *cfg,
    const struct net_dnsmasq_run *run, struct strv *argv)
{
	char net[IDENT_IP_LEN], mask[IDENT_IP_LEN];

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
	/* Re-read on SIGHUP as run->user, after dnsmasq's chdir("/"). */
	strv_addf(argv, "--dhcp-hostsfile=%s", run->hosts);
	/* Opened (as root) before dnsmasq leaves its working directory, the
	 * network directory we checked, and kept open. */
	strv_add(argv, "--dhcp-leasefile=" LEASES);
	strv_addf(argv, "--pid-file=%s", run->pid_file);
	strv_add(argv, "--log-facility=-");		/* stderr: our descriptor */
	strv_add(argv, "--log-dhcp");
	strv_add(argv, "--dhcp-authoritative");
	strv_add(argv, "--dhcp-rapid-commit");
	strv_add(argv, "--no-resolv");
	strv_add(argv, "--no-hosts");
	strv_add(argv, "--no-ping");
	strv_addf(argv, "--user=%s", run->user);
	strv_addf(argv, "--group=%s", run->group);
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
 * The network directory as a descriptor, opened below the store without
 * following links: it must be ours and writable by nobody else, and what
 * is in place of one of dnsmasq's files that is not a regular file of ours
 * (a planted link) is removed first. Root works in it only through the
 * descriptor (and dnsmasq through its working directory), so swapping a
 * directory on the way afterwards changes nothing.
 */
static int
dir_ours(const struct net_config *cfg, struct xherr *err)
{
	static const char *const names[] = { LEASES, LOG, HOSTS, "dnsmasq.pid" };
	struct stat st;
	size_t i;
	int dfd, up;

	if ((dfd = util_open_dir_in(cfg->store, cfg->dir, err)) == -1)
		return -1;
	if (fstat(dfd, &st) == -1) {
		xherr_sys(err, "cannot use %s", cfg->dir);
		goto fail;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		xherr_set(err, XHE_PERM, "network directory %s is not a "
		    "directory of uid %u that only it can write: refusing to "
		    "start dnsmasq (which starts as root) on it", cfg->dir,
		    (unsigned)geteuid());
		goto fail;
	}
	/* dnsmasq re-reads the reservations as the user it runs as: it
	 * must be able to reach them (and the directory above, ours too). */
	if ((st.st_mode & 0755) != 0755 && fchmod(dfd, 0755) == -1) {
		xherr_sys(err, "cannot make %s searchable", cfg->dir);
		goto fail;
	}
	if ((up = openat(dfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fstat(up, &st) == 0 && st.st_uid == geteuid() &&
		    (st.st_mode & 0111) != 0111)
			(void)fchmod(up, (st.st_mode & 07777) | 0111);
		close(up);
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    strcmp(names[i], "dnsmasq.pid") == 0) &&
		    unlinkat(dfd, names[i], 0) == -1) {
			xherr_sys(err, "cannot remove %s/%s", cfg->dir, names[i]);
			goto fail;
		}
	}
	return dfd;
fail:
	close(dfd);
	return -1;
}

/* Can anyone reach path (every directory on the way searchable by others,
 * the file readable by them)? */
static int
others_can_read(const char *path)
{
	char *p = xstrdup(path), *slash;
	struct stat st;
	int ok = stat(p, &st) == 0 && (st.st_mode & S_IROTH);

	while (ok && (slash = strrchr(p, '/')) != NULL && slash != p) {
		*slash = '\0';
		ok = stat(p, &st) == 0 && (st.st_mode & S_IXOTH);
	}
	free(p);
	return ok;
}

/* Whom dnsmasq runs as once bound (names, for its --user/--group): the
 * store's owner; for root's own store, nobody if nobody can read the
 * reservations file, else root. */
static int
run_as(const struct net_config *cfg, const char *hosts, char **user,
    char **group, struct xherr *err)
{
	struct stat st;
	struct passwd *pw;
	struct group *gr;

	if (stat(cfg->store, &st) == -1)
		return xherr_sys(err, "cannot use store %s", cfg->store);
	if (geteuid() != 0)
		pw = getpwuid(geteuid());
	else if (st.st_uid != 0)
		pw = getpwuid(st.st_uid);
	else if (others_can_read(hosts))
		pw = getpwnam("nobody");
	else
		pw = getpwuid(0);
	if (pw == NULL)
		return xherr_set(err, XHE_NOTFOUND, "no user name for uid %u, "
		    "the owner of %s: dnsmasq needs one to run as",
		    (unsigned)(geteuid() != 0 ? geteuid() : st.st_uid),
		    cfg->store);
	if ((gr = getgrgid(pw->pw_gid)) == NULL)
		return xherr_set(err, XHE_NOTFOUND, "no group name for gid %u "
		    "(of user %s): dnsmasq needs one to run as",
		    (unsigned)pw->pw_gid, pw->pw_name);
	*user = xstrdup(pw->pw_name);
	*group = xstrdup(gr->gr_name);
	return 0;
}

/* The last line dnsmasq logged after offset (its reason for failing). */
static char *
log_tail(int logfd, off_t offset)
{
	char buf[4096];
	ssize_t n = pread(logfd, buf, sizeof buf, offset);

	return n > 0 ? util_last_line(buf, (size_t)n) : NULL;
}

int
net_dnsmasq_start(const struct net_config *cfg, struct proc_ident *out,
    struct xherr *err)
{
	struct net_dnsmasq_run run = { 0 };
	struct proc_opts o = { 0 };
	struct strv argv;
	struct stat st;
	char piddir[] = "/tmp/xhinv-dnsmasq.XXXXXX";
	char *pidf = NULL, *user = NULL, *group = NULL, *dirabs = NULL;
	char *hosts = NULL, *tail;
	int dfd, hfd, logfd = -1, status, rc = -1;
	pid_t pid;

	strv_init(&argv);
	if ((dfd = dir_ours(cfg, err)) == -1)
		return -1;
	hfd = openat(dfd, HOSTS, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (hfd == -1) {
		xherr_sys(err, "cannot create %s/" HOSTS, cfg->dir);
		goto out;
	}
	close(hfd);
	logfd = openat(dfd, LOG, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (logfd == -1 || fstat(logfd, &st) == -1) {
		xherr_sys(err, "cannot open %s/" LOG, cfg->dir);
		goto out;
	}
	if ((dirabs = realpath(cfg->dir, NULL)) == NULL) {
		xherr_sys(err, "cannot resolve %s", cfg->dir);
		goto out;
	}
	hosts = util_path_join(dirabs, HOSTS);
	if (run_as(cfg, hosts, &user, &group, err) == -1)
		goto out;
	/* The pid file: dnsmasq writes it as root after leaving its working
	 * directory, so it goes where only we can write. */
	if (mkdtemp(piddir) == NULL) {
		xherr_sys(err, "cannot create a directory in /tmp");
		goto out;
	}
	pidf = util_path_join(piddir, "dnsmasq.pid");
	run.user = user;
	run.group = group;
	run.pid_file = pidf;
	run.hosts = hosts;
	net_dnsmasq_argv(cfg, &run, &argv);
	o.out_fd = -1;
	o.err_fd = logfd;
	o.cwd_fd = dfd;
	/* dnsmasq forks; its first process exits once the daemon is ready,
	 * with a non-zero status and a message when it is not. */
	if (proc_spawn(argv.v, &o, &pid, err) == -1 ||
	    proc_wait_child(pid, DNSMASQ_START_MS, &status, err) == -1)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		tail = log_tail(logfd, st.st_size);
		xherr_set(err, XHE_FAIL, "dnsmasq %s: %s",
		    proc_status_text(status), tail ? tail : "no message");
		free(tail);
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
	if (pidf != NULL) {
		unlink(pidf);
		rmdir(piddir);
	}
	if (logfd != -1)
		close(logfd);
	close(dfd);
	strv_release(&argv);
	free(pidf);
	free(user);
	free(group);
	free(hosts);
	free(dirabs);
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
	int dfd, rc;

	if ((dfd = util_open_dir_in(cfg->store, cfg->dir, err)) == -1)
		return -1;
	buf_init(&b);
	net_hosts_format(h, n, &b);
	rc = util_write_atomic_at(dfd, cfg->dir, HOSTS, b.p ? b.p : "", b.len,
	    0644, err);
	buf_release(&b);
	close(dfd);
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
