/*
 * reconcile: compare what the inventory records with what is there, and
 * repair each difference that is safe to repair, saying why. Phases, in
 * an order where each leaves the next a simpler world:
 *   1. recorded processes that are gone (crash, kill, reboot, pid reuse);
 *   2. processes of ours the inventory does not know: adopted when their
 *      machine (or network) is live and has none, else reported, never
 *      killed;
 *   3. machines: interrupted creates (rolled back) and removals
 *      (finished), directories deleted by hand, stale pid files, vmnet
 *      addresses that changed;
 *   4. half-written files left by killed writers;
 *   5. gc: leases, reservations and directories of removed machines.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ident.h"
#include "machine_int.h"
#include "util.h"

#define TEMP_AGE_S 60	/* a temporary file this old has no writer left */

struct rec {
	struct machine_ctx *ctx;
	int dry_run;
	void (*report)(void *arg, const struct machine_finding *f);
	void *arg;
	int found;
	struct xherr *err;
};

/* Report a finding and, once repaired, record it as a reconcile event. */
static int
finding(struct rec *r, int64_t machine_id, const char *kind,
    const char *machine, const char *what, const char *why,
    const char *action)
{
	struct machine_finding f;

	memset(&f, 0, sizeof f);
	f.kind = kind;
	f.machine = machine;
	snprintf(f.what, sizeof f.what, "%s", what);
	snprintf(f.why, sizeof f.why, "%s", why);
	snprintf(f.action, sizeof f.action, "%s%s", r->dry_run ? "would " : "",
	    action);
	r->found++;
	if (r->report)
		r->report(r->arg, &f);
	if (r->dry_run)
		return 0;
	return mi_event1(r->ctx, machine_id, "reconcile", -1,
	    mi_detail("{s:s,s:s?,s:s,s:s}", "kind", kind, "machine", machine,
	    "what", f.what, "action", f.action), r->err);
}

/* 1. Recorded processes that are not running any more. */
static int
gone_process(void *arg, int64_t row, int64_t machine_id, const char *role,
    const struct proc_ident *p)
{
	struct rec *r = arg;
	struct inv_machine m;
	char what[256], name[IDENT_NAME_MAX + 1] = "";
	int st = proc_check(p);

	if (st == PROC_ALIVE)
		return 0;
	if (machine_id != 0 && inv_machine_get_id(r->ctx->inv, machine_id, &m,
	    NULL) == 0) {
		snprintf(name, sizeof name, "%s", m.name);
		inv_machine_release(&m);
	}
	snprintf(what, sizeof what, "%s pid %d (%s) is not running: %s",
	    strcmp(role, "dhcp") == 0 ? "the network's dnsmasq" :
	    "the hypervisor", (int)p->pid, util_base_name(p->exe),
	    proc_status_str(st));
	if (!r->dry_run && mi_record_exited(r->ctx, machine_id, row, p, st,
	    r->err) == -1)
		return -1;
	return finding(r, machine_id, "exited", name[0] ? name : NULL, what,
	    "a pid counts only with its start time, executable and boot id, "
	    "so a reused pid is never taken for it", "record it as exited");
}

/* 2. Processes running our machines' (or networks') files, unrecorded. */
struct orphan_walk {
	struct rec *r;
	const char *machines;		/* "<store>/machines/" */
	const char *networks;		/* "<store>/network/" */
};

static int
is_hypervisor(const char *exe)
{
	const char *b = util_base_name(exe);

	return strncmp(b, "qemu-system", 11) == 0 || strcmp(b, "xhyve") == 0 ||
	    strcmp(b, "hyperkit") == 0;
}

/* The name after prefix in the argument holding it ("<pfx>NAME/..."). */
static int
name_after(const char *cmdline, size_t len, const char *prefix, char *out,
    size_t n)
{
	for (const char *a = cmdline; a < cmdline + len; a += strlen(a) + 1) {
		const char *p = strstr(a, prefix), *e;
		if (p == NULL)
			continue;
		p += strlen(prefix);
		e = strchr(p, '/');
		if (e == NULL || (size_t)(e - p) >= n || e == p)
			continue;
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
		return 0;
	}
	return -1;
}

static int
adopt(struct rec *r, int64_t machine_id, int64_t network_id,
    const char *role, const struct proc_ident *id)
{
	if (r->dry_run)
		return 0;
	if (inv_begin(r->ctx->inv, r->err) == -1 || inv_end(r->ctx->inv,
	    inv_process_insert(r->ctx->inv, machine_id, network_id, role, id,
	    NULL, r->err) == -1, r->err) == -1)
		return -1;
	return 0;
}

static int
orphan(void *arg, pid_t pid, const char *cmdline, size_t len)
{
	struct orphan_walk *w = arg;
	struct rec *r = w->r;
	struct proc_ident id;
	struct inv_machine m;
	struct inv_network net;
	char name[IDENT_NAME_MAX + 1], what[320], action[160];
	int dnsmasq, live, rc;

	if (proc_ident_read(pid, &id, NULL) == -1)
		return 0;		/* gone meanwhile */
	dnsmasq = strcmp(util_base_name(id.exe), "dnsmasq") == 0;
	if (!dnsmasq && !is_hypervisor(id.exe))
		return 0;		/* ssh sessions, editors, ... */
	if (name_after(cmdline, len, dnsmasq ? w->networks : w->machines, name,
	    sizeof name) == -1)
		return 0;
	if (dnsmasq) {
		if (inv_network_get(r->ctx->inv, name, &net, NULL) == -1)
			return 0;
		/* Recorded already (the common case): nothing to say. */
		struct proc_ident rec;
		int64_t row = 0;
		if (inv_process_network(r->ctx->inv, net.id, &row, &rec, NULL) == 0 && row != 0) {
			inv_network_release(&net);
			if (rec.pid == pid)
				return 0;
			snprintf(what, sizeof what, "dnsmasq pid %d serves network "
			    "%s, which has dnsmasq pid %d recorded", (int)pid,
			    name, (int)rec.pid);
			return finding(r, 0, "orphan", NULL, what, "a process "
			    "the inventory did not start is never killed",
			    "leave it running: kill it if it should not run");
		}
		snprintf(what, sizeof what, "dnsmasq pid %d serves network %s "
		    "but is not recorded", (int)pid, name);
		rc = adopt(r, 0, net.id, "dhcp", &id);
		inv_network_release(&net);
		return rc == -1 ? -1 : finding(r, 0, "orphan-adopted", NULL, what,
		    "it runs with the network's own configuration and the "
		    "network has no dnsmasq recorded", "adopt it (record it as "
		    "the network's dnsmasq)");
	}
	live = inv_machine_get(r->ctx->inv, name, &m, NULL) == 0;
	if (live && m.proc_row != 0 && m.proc.pid == pid &&
	    m.proc.start_time == id.start_time) {
		inv_machine_release(&m);
		return 0;		/* recorded */
	}
	if (live && m.proc_row == 0) {
		snprintf(what, sizeof what, "%s pid %d runs machine %s, which "
		    "has no hypervisor recorded", util_base_name(id.exe), (int)pid,
		    name);
		rc = adopt(r, m.id, 0, "hypervisor", &id);
		int64_t mid = m.id;
		inv_machine_release(&m);
		return rc == -1 ? -1 : finding(r, mid, "orphan-adopted", name,
		    what, "it runs the machine's own disk and pid file, and the "
		    "machine has no other", "adopt it (record it as the "
		    "machine's hypervisor)");
	}
	snprintf(what, sizeof what, "%s pid %d runs files of machine %s, which "
	    "%s", util_base_name(id.exe), (int)pid, name, !live ? "the inventory "
	    "has no live machine for" : "has another hypervisor recorded");
	snprintf(action, sizeof action, "leave it running: kill %d if it "
	    "should not run", (int)pid);
	if (live)
		inv_machine_release(&m);
	return finding(r, 0, "orphan", name, what, "a process the inventory "
	    "cannot vouch for is never killed", action);
}

/* A running vmnet machine whose lease now names another address. */
static int
rec_ip(struct rec *r, struct inv_machine *m)
{
	struct mi_net n;
	struct lease_set ls;
	const struct lease *l;
	char what[256];
	int64_t from = 0;
	int rc = 0;

	if (mi_net_load_id(r->ctx, m->network_id, &n, r->err) == -1)
		return -1;
	if (!mi_net_is_vmnet(&n) || mi_read_leases(&n, &ls, NULL) == -1) {
		mi_net_release(&n);
		return 0;	/* reserved addresses (dnsmasq) cannot drift */
	}
	l = lease_find(&ls, m->mac, util_now_ms() / 1000);
	if (l != NULL && strcmp(l->ip, m->ip) != 0) {
		snprintf(what, sizeof what, "%s's lease in %s says %s, the "
		    "inventory %s", m->name, n.row.lease_file, l->ip,
		    m->ip[0] ? m->ip : "nothing");
		if (!r->dry_run && (inv_begin(r->ctx->inv, r->err) == -1 ||
		    inv_end(r->ctx->inv, inv_nic_set_ip(r->ctx->inv, m->id,
		    l->ip, &from, r->err) == -1, r->err) == -1)) {
			rc = -1;
		} else {
			rc = finding(r, m->id, "ip-changed", m->name, what,
			    "bootpd decides vmnet's addresses; its newest unexpired "
			    "lease for the MAC is the truth", "record the new "
			    "address");
		}
	}
	lease_set_release(&ls);
	mi_net_release(&n);
	return rc;
}

/* 3. One live machine: interrupted operations, missing files. */
static int
rec_machine(struct rec *r, const struct inv_machine *row)
{
	struct machine_ctx *ctx = r->ctx;
	struct inv_machine m;
	char *lockname = xasprintf("machine-%s", row->name), what[320];
	int lock = -1, got, state, rc = 0;
	struct stat st;

	/* A machine whose lock is held is being worked on right now. */
	if ((got = mi_lock_try(ctx, lockname, &lock, r->err)) != 1) {
		free(lockname);
		return got;
	}
	if (inv_machine_get_id(ctx->inv, row->id, &m, r->err) == -1) {
		rc = -1;
		goto out;
	}
	state = m.proc_row != 0 && proc_check(&m.proc) == PROC_ALIVE ?
	    MACHINE_RUNNING : MACHINE_STOPPED;
	if (strcmp(m.status, "creating") == 0 ||
	    strcmp(m.status, "removing") == 0) {
		int creating = m.status[0] == 'c';
		snprintf(what, sizeof what, "the %s of %s did not finish (status "
		    "%s, and no process holds its lock)", creating ? "create" :
		    "removal", m.name, m.status);
		if (!r->dry_run && mi_remove(ctx, &m, state, MACHINE_RM_FORCE, creating ?
		    "failed" : "removed", creating ? "interrupted create, rolled "
		    "back by reconcile" : "interrupted rm, finished by "
		    "reconcile", r->err) == -1) {
			rc = -1;
			goto out;
		}
		rc = finding(r, m.id, creating ? "create-interrupted" :
		    "rm-interrupted", m.name, what, "every create and rm holds "
		    "the machine's lock while it runs: a free lock means the "
		    "process that began it is gone", creating ? "roll it back: "
		    "kill its VM, release its lease and reservation, delete its "
		    "files, mark it failed" : "finish it: release its lease "
		    "and reservation, delete its files, mark it removed");
		goto out;
	}
	if (lstat(m.dir, &st) == -1 && errno == ENOENT) {
		snprintf(what, sizeof what, "the directory %s of %s is gone "
		    "(deleted by hand)", m.dir, m.name);
		if (state == MACHINE_RUNNING) {
			rc = finding(r, m.id, "dir-missing", m.name, what,
			    "its VM still runs, from files already deleted",
			    "leave it: xhinv rm -f it when it may go");
			goto out;
		}
		if (!r->dry_run && mi_remove(ctx, &m, state, MACHINE_RM_FORCE, "removed",
		    "directory deleted by hand, removed by reconcile",
		    r->err) == -1) {
			rc = -1;
			goto out;
		}
		rc = finding(r, m.id, "dir-missing", m.name, what, "nothing can "
		    "start without its disk and kernel, and it is not running",
		    "remove it from the inventory, releasing its lease and "
		    "reservation");
		goto out;
	}
	if (state == MACHINE_STOPPED) {
		char *pidf = mi_mfile(&m, ".pid");
		if (lstat(pidf, &st) == 0) {
			snprintf(what, sizeof what, "%s has a pid file %s but no "
			    "hypervisor running", m.name, pidf);
			if (!r->dry_run)
				unlink(pidf);
			rc = finding(r, m.id, "stale-pidfile", m.name, what, "the "
			    "recorded hypervisor is gone; xhyve refuses to start "
			    "while its pid file exists", "delete the pid file");
		}
		free(pidf);
		if (rc == -1)
			goto out;
	}
	if (state == MACHINE_RUNNING && m.network_id != 0)
		rc = rec_ip(r, &m);
out:
	inv_machine_release(&m);
	mi_lock_drop(lock);
	free(lockname);
	return rc;
}

static int
each_machine(void *arg, const struct inv_machine *m)
{
	return rec_machine(arg, m);
}

/* 4. Temporary files ("NAME.tmp.XXXXXX", util's atomic writes) old
 * enough that no writer is left: a killed process's half-written file. */
static int
temp_files(struct rec *r, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *p, what[400];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = util_path_join(dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0) {
			rc = temp_files(r, p, depth - 1);
		} else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    strstr(e->d_name, ".tmp.") != NULL &&
		    st.st_mtime < time(NULL) - TEMP_AGE_S) {
			snprintf(what, sizeof what, "%s was never finished "
			    "(written %lld s ago)", p,
			    (long long)(time(NULL) - st.st_mtime));
			if (!r->dry_run)
				unlink(p);
			rc = finding(r, 0, "half-written", NULL, what, "files are "
			    "written under a temporary name and renamed when "
			    "complete: this one's writer died", "delete it (the "
			    "file it was to replace is whole)");
		}
		free(p);
	}
	closedir(d);
	return rc;
}

/* 5. gc's findings, as reconcile's. */
static void
gc_line(void *arg, const char *line)
{
	struct rec *r = arg;
	struct machine_finding f;

	memset(&f, 0, sizeof f);
	f.kind = "gc";
	snprintf(f.what, sizeof f.what, "%s", line);
	snprintf(f.why, sizeof f.why, "the inventory issued it to a machine "
	    "that is removed");
	snprintf(f.action, sizeof f.action, "%s", r->dry_run ? "would remove "
	    "it (xhinv gc)" : "removed it (xhinv gc)");
	r->found++;
	if (r->report)
		r->report(r->arg, &f);
}

int
machine_reconcile(struct machine_ctx *ctx, int dry_run,
    void (*report)(void *arg, const struct machine_finding *f), void *arg,
    int *found, struct xherr *err)
{
	struct rec r = { ctx, dry_run, report, arg, 0, err };
	char *machines = xasprintf("%s/machines/", ctx->store);
	char *networks = xasprintf("%s/network/", ctx->store);
	struct orphan_walk w = { &r, machines, networks };
	int lock = -1, rc = -1, gcfound = 0;
	int64_t bytes = 0;

	*found = 0;
	if (mi_lock_take(ctx, "reconcile", &lock, err) == -1)
		goto out;
	if (inv_process_each_live(ctx->inv, gone_process, &r, err) == -1 ||
	    proc_find(machines, orphan, &w, err) == -1 ||
	    proc_find(networks, orphan, &w, err) == -1 ||
	    inv_machine_each(ctx->inv, 0, each_machine, &r, err) == -1 ||
	    temp_files(&r, ctx->store, 3) == -1)
		goto out;
	if (machine_gc(ctx, dry_run, 0, gc_line, &r, &gcfound, &bytes,
	    err) == -1)
		goto out;
	rc = 0;
out:
	mi_lock_drop(lock);
	*found = r.found;
	free(machines);
	free(networks);
	return rc;
}
