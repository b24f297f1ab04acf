/*
 * driver: the plugin's method table (docker-machine-protocol.md §5). Every
 * lifecycle method goes through machine.c and the inventory in
 * <StorePath>/xhinv.db, the same ones xhinv uses, so `xhinv ls` and
 * `xhinv history` show what docker-machine did.
 *
 * Concurrency: rpc.c runs calls on several threads. Lifecycle calls
 * (Create, Start, Stop, Kill, Restart, Remove) run one at a time on their
 * own inventory connection; GetState, GetIP and GetURL use a second one,
 * so docker-machine's polls and Heartbeats are answered while a long
 * Create runs. The config has a lock of its own.
 *
 * The original's bugs are fixed on purpose: no process is Stopped, not
 * Error; GetURL answers "Host is not running" instead of looping; Stop is
 * bounded (ACPI, then SIGKILL, both recorded); Remove releases the lease.
 */
#include "driver.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "inv.h"
#include "machine.h"
#include "proc.h"
#include "sha256.h"
#include "util.h"

/* docker-machine's state.State values (protocol doc §6.4). */
enum { STATE_RUNNING = 1, STATE_STOPPED = 4 };

#define HOST_NOT_RUNNING "Host is not running"

struct conn {
	pthread_mutex_t lock;
	struct inv *inv;
	char *store;			/* the store inv was opened on */
	struct proc_watch watch;	/* the machine's process, once alive */
};

struct driver {
	char *name;
	pthread_mutex_t cfg_lock;
	struct config cfg;
	struct conn op;			/* lifecycle calls, one at a time */
	struct conn q;			/* state queries */
};

struct driver *
driver_new(const char *name, struct xherr *err)
{
	struct driver *drv = xcalloc(1, sizeof *drv);

	drv->name = xstrdup(name);
	pthread_mutex_init(&drv->cfg_lock, NULL);
	pthread_mutex_init(&drv->op.lock, NULL);
	pthread_mutex_init(&drv->q.lock, NULL);
	config_init(&drv->cfg);
	return drv;
}

static void
conn_release(struct conn *c)
{
	inv_close(c->inv);
	proc_watch_release(&c->watch);
	free(c->store);
	pthread_mutex_destroy(&c->lock);
}

void
driver_free(struct driver *drv)
{
	if (drv == NULL)
		return;
	conn_release(&drv->op);
	conn_release(&drv->q);
	pthread_mutex_destroy(&drv->cfg_lock);
	config_release(&drv->cfg);
	free(drv->name);
	free(drv);
}

/* A snapshot of what the lifecycle needs from the config. */
struct target {
	char *store;
	char *name;
};

static void
target_get(struct driver *drv, struct target *t)
{
	pthread_mutex_lock(&drv->cfg_lock);
	t->store = drv->cfg.store_path[0] ? xstrdup(drv->cfg.store_path) :
	    machine_default_store();
	t->name = xstrdup(drv->cfg.machine_name);
	pthread_mutex_unlock(&drv->cfg_lock);
}

static void
target_release(struct target *t)
{
	free(t->store);
	free(t->name);
}

/* Progress from the lifecycle: docker-machine shows plugin stdout lines
 * as "(name) text" at info level. */
static void
progress(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stdout, "%s\n", msg);
	fflush(stdout);
}

/* Lock c and make sure its connection is on store. */
static int
conn_take(struct conn *c, const char *store, struct machine_ctx *ctx,
    struct xherr *err)
{
	pthread_mutex_lock(&c->lock);
	if (c->inv == NULL || strcmp(c->store, store) != 0) {
		char *db = machine_db_path(store);
		inv_close(c->inv);
		c->inv = NULL;
		free(c->store);
		c->store = xstrdup(store);
		if (machine_store_check(store, err) == -1 ||
		    util_mkdir_p(store, 0700, err) == -1 ||
		    inv_open(&c->inv, db, INV_RW, err) == -1) {
			free(db);
			pthread_mutex_unlock(&c->lock);
			return -1;
		}
		free(db);
	}
	machine_ctx_init(ctx, c->store, c->inv);
	ctx->progress = progress;
	ctx->watch = &c->watch;
	return 0;
}

static void
conn_drop(struct conn *c)
{
	pthread_mutex_unlock(&c->lock);
}

static int
reply_err(struct rpc_reply *reply, const struct xherr *err)
{
	return rpc_reply_error(reply, "%s", err->msg[0] ? err->msg : "failed");
}

/* Config methods */

static int
set_config_raw(struct driver *drv, const struct gob_value *arg,
    struct rpc_reply *reply)
{
	struct xherr err = XHERR_INIT;
	const char *data;
	size_t len;
	int rc;

	if ((data = gob_str(arg, &len)) == NULL ||
	    gob_unwrap(arg)->kind != GOB_BYTES)
		return rpc_reply_error(reply, "SetConfigRaw: the argument is "
		    "not []byte");
	pthread_mutex_lock(&drv->cfg_lock);
	rc = config_parse(&drv->cfg, data, len, &err);
	pthread_mutex_unlock(&drv->cfg_lock);
	if (rc == -1)
		return rpc_reply_error(reply, "SetConfigRaw: %s", err.msg);
	return 0;
}

static int
get_config_raw(struct driver *drv, struct rpc_reply *reply)
{
	char *json;

	pthread_mutex_lock(&drv->cfg_lock);
	json = config_format(&drv->cfg);
	pthread_mutex_unlock(&drv->cfg_lock);
	rpc_reply_bytes(reply, json, strlen(json));
	free(json);
	return 0;
}

static int
host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

/* The create request the config describes (strings borrowed from c). */
static void
create_opts(const struct config *c, struct machine_create_opts *o)
{
	memset(o, 0, sizeof *o);
	o->name = c->machine_name;
	o->iso = c->boot2docker_url;	/* "": the latest boot2docker */
	o->sha256 = c->boot2docker_sha256;
	o->backend = c->backend;
	/* As the original: a CPU count below 1 means every host CPU. */
	o->cpus = c->cpu < 1 ? host_cpus() :
	    c->cpu > MACHINE_MAX_CPUS ? MACHINE_MAX_CPUS + 1 : (int)c->cpu;
	o->memory_mb = c->memory > (1 << 30) ? (1 << 30) : (int)c->memory;
	o->disk_mb = c->disk_size;
	o->uuid = c->uuid;
	o->cmdline = c->boot_cmd;
	o->kernel_member = c->boot_kernel;
	o->initrd_member = c->boot_initrd;
	o->dir_may_exist = 1;
	o->shares_9p = (const char *const *)c->virtio9p.v;
	o->n9p = (int)c->virtio9p.n;
	o->root_9p = c->virtio9p_root;
	o->shares_nfs = (const char *const *)c->nfs_shares.v;
	o->nnfs = (int)c->nfs_shares.n;
	o->root_nfs = c->nfs_shares_root;
	/* Ours wins; else the original's booleans (qcow2 over raw). */
	o->disk_format = c->disk_format[0] ? c->disk_format :
	    c->qcow2 ? "qcow2" : "raw";
}

/* What this build cannot do yet, said before anything is created. */
static int
check_supported(const struct config *c, struct xherr *err)
{
	if (c->backend[0] != '\0' && strcmp(c->backend, "qemu") != 0 &&
	    strcmp(c->backend, "xhyve") != 0)
		return xherr_set(err, XHE_INVAL, "--xhyve-backend %s: use qemu "
		    "or xhyve", c->backend);
	if (strcmp(c->network, "shared") != 0)
		return xherr_set(err, XHE_INVAL, "--xhyve-network %s: the only "
		    "network mode is shared", c->network);
	if (c->boot2docker_sha256[0] != '\0' &&
	    !sha256_valid_hex(c->boot2docker_sha256))
		return xherr_set(err, XHE_INVAL, "--xhyve-boot2docker-sha256: "
		    "\"%s\" is not 64 hex digits", c->boot2docker_sha256);
	return 0;
}

static int
set_config_from_flags(struct driver *drv, const struct gob_value *arg,
    struct rpc_reply *reply)
{
	struct xherr err = XHERR_INIT;
	struct config next;
	struct machine_create_opts o;
	char *json;
	int rc = 0;

	/* Validate on a copy: nothing changes unless every flag is right. */
	config_init(&next);
	pthread_mutex_lock(&drv->cfg_lock);
	json = config_format(&drv->cfg);
	pthread_mutex_unlock(&drv->cfg_lock);
	if (config_parse(&next, json, strlen(json), &err) == -1 ||
	    config_set_flags(&next, arg, &err) == -1) {
		rc = rpc_reply_error(reply, "%s", err.msg);
		goto out;
	}
	create_opts(&next, &o);
	if (next.machine_name[0] == '\0')
		o.name = "flag-check";	/* the flag-lookup process has none */
	if (machine_check_create(&o, &err) == -1) {
		rc = rpc_reply_error(reply, "%s", err.msg);
		goto out;
	}
	pthread_mutex_lock(&drv->cfg_lock);
	config_release(&drv->cfg);
	drv->cfg = next;
	pthread_mutex_unlock(&drv->cfg_lock);
	free(json);
	return 0;
out:
	free(json);
	config_release(&next);
	return rc;
}

/* Lifecycle */

static int
pre_create_check(struct driver *drv, struct rpc_reply *reply)
{
	struct xherr err = XHERR_INIT;
	struct machine_ctx ctx;
	struct inv_image img;
	struct target t;
	char *backend, *source, *sha256;
	int rc;

	pthread_mutex_lock(&drv->cfg_lock);
	rc = check_supported(&drv->cfg, &err);
	backend = xstrdup(drv->cfg.backend);
	source = xstrdup(drv->cfg.boot2docker_url);
	sha256 = xstrdup(drv->cfg.boot2docker_sha256);
	pthread_mutex_unlock(&drv->cfg_lock);
	if (rc == -1)
		goto out;
	target_get(drv, &t);
	if (conn_take(&drv->op, t.store, &ctx, &err) == 0) {
		/* The ISO is fetched into the cache (or a local one checked)
		 * here, before docker-machine records the machine: a bad
		 * --xhyve-boot2docker-url leaves nothing behind. Create then
		 * finds it in the cache. */
		rc = machine_precheck(&ctx, backend, &err);
		if (rc == 0 && machine_pull(&ctx, source, sha256[0] ? sha256 :
		    NULL, &img, NULL, &err) == 0)
			inv_image_release(&img);
		else if (rc == 0)
			rc = -1;
		conn_drop(&drv->op);
	} else {
		rc = -1;
	}
	target_release(&t);
out:
	free(backend);
	free(source);
	free(sha256);
	return rc == -1 ? reply_err(reply, &err) : 0;
}

static int
create(struct driver *drv, struct rpc_reply *reply)
{
	struct xherr err = XHERR_INIT;
	struct machine_ctx ctx;
	struct machine_create_opts o;
	struct inv_machine m;
	struct config snap;
	struct target t;
	char *json;
	int state, rc = -1;

	/* Work from a snapshot: SetConfigRaw may come in meanwhile. */
	config_init(&snap);
	pthread_mutex_lock(&drv->cfg_lock);
	json = config_format(&drv->cfg);
	pthread_mutex_unlock(&drv->cfg_lock);
	config_parse(&snap, json, strlen(json), NULL);
	free(json);
	target_get(drv, &t);
	if (check_supported(&snap, &err) == -1) {
		config_release(&snap);
		target_release(&t);
		return reply_err(reply, &err);
	}
	create_opts(&snap, &o);
	if (conn_take(&drv->op, t.store, &ctx, &err) == -1)
		goto out;
	rc = machine_create(&ctx, &o, &err);
	if (rc == 0)
		rc = machine_get(&ctx, t.name, &m, &state, &err);
	conn_drop(&drv->op);
	if (rc == -1)
		goto out;
	pthread_mutex_lock(&drv->cfg_lock);
	free(drv->cfg.ip_address);
	drv->cfg.ip_address = xstrdup(m.ip);
	/* What was really used: docker-machine inspect shows the config. */
	free(drv->cfg.backend);
	drv->cfg.backend = xstrdup(m.backend);
	drv->cfg.cpu = m.cpus;
	if (drv->cfg.ssh_key_path[0] == '\0') {
		/* As the original: <machine dir>/id_rsa, where Create wrote it. */
		char *dir = machine_dir(t.store, t.name);
		free(drv->cfg.ssh_key_path);
		drv->cfg.ssh_key_path = util_path_join(dir, "id_rsa");
		free(dir);
	}
	free(drv->cfg.mac_addr);
	drv->cfg.mac_addr = xstrdup(m.mac);
	free(drv->cfg.uuid);
	drv->cfg.uuid = xstrdup(m.uuid);
	free(drv->cfg.vmlinuz);
	drv->cfg.vmlinuz = xstrdup(strrchr(m.kernel, '/') + 1);
	free(drv->cfg.initrd);
	drv->cfg.initrd = xstrdup(strrchr(m.initrd, '/') + 1);
	pthread_mutex_unlock(&drv->cfg_lock);
	inv_machine_release(&m);
out:
	config_release(&snap);
	target_release(&t);
	return rc == -1 ? reply_err(reply, &err) : 0;
}

enum op { OP_START, OP_STOP, OP_KILL, OP_RESTART, OP_REMOVE };

static int
lifecycle(struct driver *drv, enum op op, struct rpc_reply *reply)
{
	struct xherr err = XHERR_INIT;
	struct machine_ctx ctx;
	struct target t;
	int rc = -1;

	target_get(drv, &t);
	if (conn_take(&drv->op, t.store, &ctx, &err) == -1)
		goto out;
	switch (op) {
	case OP_START:
		rc = machine_start(&ctx, t.name, 0, &err);
		break;
	case OP_STOP:
		rc = machine_stop(&ctx, t.name, 0, &err);
		break;
	case OP_KILL:
		rc = machine_kill(&ctx, t.name, &err);
		break;
	case OP_RESTART:
		rc = machine_restart(&ctx, t.name, 0, &err);
		break;
	case OP_REMOVE:
		/* As the original: stop (ACPI, bounded), then remove. The
		 * machine directory and docker-machine's files in it stay:
		 * docker-machine reads its config.json after Remove returns and
		 * deletes the directory itself. A create that failed halfway
		 * left no live machine: nothing to do. */
		rc = machine_rm(&ctx, t.name, MACHINE_RM_KEEP_DIR, &err);
		if (rc == -1 && err.code == XHE_NOTFOUND)
			rc = 0;
		break;
	}
	/* Already in the asked state: docker-machine checks that itself. */
	if (rc == -1 && err.code == XHE_STATE && op != OP_REMOVE)
		rc = 0;
	/* IPAddress in config.json follows the machine, as the original's. */
	char ip[IDENT_IP_LEN] = "";
	if (rc == 0 && (op == OP_START || op == OP_RESTART)) {
		struct inv_machine m;
		int state;
		if (machine_get(&ctx, t.name, &m, &state, NULL) == 0) {
			snprintf(ip, sizeof ip, "%s", m.ip);
			inv_machine_release(&m);
		}
	}
	conn_drop(&drv->op);
	if (rc == 0) {
		pthread_mutex_lock(&drv->cfg_lock);
		free(drv->cfg.ip_address);
		drv->cfg.ip_address = xstrdup(ip);
		pthread_mutex_unlock(&drv->cfg_lock);
	}
out:
	target_release(&t);
	return rc == -1 ? reply_err(reply, &err) : 0;
}

/* State queries: the true state, from the recorded process. */
static int
query(struct driver *drv, int *state, char ip[IDENT_IP_LEN],
    struct xherr *err)
{
	struct machine_ctx ctx;
	struct inv_machine m;
	struct target t;
	int rc;

	target_get(drv, &t);
	if (conn_take(&drv->q, t.store, &ctx, err) == -1) {
		target_release(&t);
		return -1;
	}
	rc = machine_get(&ctx, t.name, &m, state, err);
	if (rc == 0) {
		snprintf(ip, IDENT_IP_LEN, "%s", m.ip);
		inv_machine_release(&m);
	} else if (err->code == XHE_NOTFOUND) {
		/* Never created, failed, or removed: not running. */
		*state = MACHINE_STOPPED;
		ip[0] = '\0';
		rc = 0;
	}
	conn_drop(&drv->q);
	target_release(&t);
	return rc;
}

static int
get_state(struct driver *drv, struct rpc_reply *reply)
{
	struct xherr err = XHERR_INIT;
	char ip[IDENT_IP_LEN];
	int state;

	if (query(drv, &state, ip, &err) == -1)
		return reply_err(reply, &err);
	rpc_reply_int(reply, state == MACHINE_RUNNING ? STATE_RUNNING :
	    STATE_STOPPED);
	return 0;
}

static int
get_ip(struct driver *drv, const char *fmt, struct rpc_reply *reply)
{
	struct xherr err = XHERR_INIT;
	char ip[IDENT_IP_LEN], out[64];
	int state;

	if (query(drv, &state, ip, &err) == -1)
		return reply_err(reply, &err);
	if (state != MACHINE_RUNNING || ip[0] == '\0')
		return rpc_reply_error(reply, HOST_NOT_RUNNING);
	snprintf(out, sizeof out, fmt, ip);
	rpc_reply_string(reply, out);
	return 0;
}

static int
get_string(struct driver *drv, const char *what, struct rpc_reply *reply)
{
	char *s;

	pthread_mutex_lock(&drv->cfg_lock);
	if (strcmp(what, "GetMachineName") == 0) {
		s = xstrdup(drv->cfg.machine_name);
	} else if (strcmp(what, "GetSSHUsername") == 0) {
		s = xstrdup(drv->cfg.ssh_user[0] ? drv->cfg.ssh_user : "docker");
	} else {
		/* GetSSHKeyPath: where Create writes the key. */
		if (drv->cfg.ssh_key_path[0] != '\0') {
			s = xstrdup(drv->cfg.ssh_key_path);
		} else {
			char *store = drv->cfg.store_path[0] ?
			    xstrdup(drv->cfg.store_path) : machine_default_store();
			char *dir = machine_dir(store, drv->cfg.machine_name);
			s = util_path_join(dir, "id_rsa");
			free(dir);
			free(store);
		}
	}
	pthread_mutex_unlock(&drv->cfg_lock);
	rpc_reply_string(reply, s);
	free(s);
	return 0;
}

struct method {
	const char *name;
	int (*fn)(struct driver *drv, const char *name,
	    const struct gob_value *arg, struct rpc_reply *reply);
	int quick;	/* bounded, waits for no other call: run as read */
};

#define M(fname) static int fname(struct driver *drv, const char *name, \
    const struct gob_value *arg, struct rpc_reply *reply)
M(m_version) { rpc_reply_int(reply, 1); return 0; }
M(m_empty) { rpc_reply_empty(reply); return 0; }
M(m_driver_name) { rpc_reply_string(reply, drv->name); return 0; }
M(m_flags)
{
	rpc_reply_flags(reply, config_flags, config_nflags);
	return 0;
}
M(m_set_raw) { return set_config_raw(drv, arg, reply); }
M(m_get_raw) { return get_config_raw(drv, reply); }
M(m_set_flags) { return set_config_from_flags(drv, arg, reply); }
M(m_string) { return get_string(drv, name, reply); }
M(m_ssh_port) { rpc_reply_int(reply, 22); return 0; }
M(m_pre_create) { return pre_create_check(drv, reply); }
M(m_create) { return create(drv, reply); }
M(m_state) { return get_state(drv, reply); }
M(m_ip) { return get_ip(drv, "%s", reply); }
M(m_url) { return get_ip(drv, "tcp://%s:2376", reply); }
M(m_start) { return lifecycle(drv, OP_START, reply); }
M(m_stop) { return lifecycle(drv, OP_STOP, reply); }
M(m_kill) { return lifecycle(drv, OP_KILL, reply); }
M(m_restart) { return lifecycle(drv, OP_RESTART, reply); }
M(m_remove) { return lifecycle(drv, OP_REMOVE, reply); }

static const struct method methods[] = {
	{ "GetVersion", m_version, 1 },
	{ "Heartbeat", m_empty, 1 },
	{ "Close", m_empty, 0 },
	{ "DriverName", m_driver_name, 1 },
	{ "GetCreateFlags", m_flags, 0 },
	{ "SetConfigRaw", m_set_raw, 0 },
	{ "GetConfigRaw", m_get_raw, 0 },
	{ "SetConfigFromFlags", m_set_flags, 0 },
	{ "GetMachineName", m_string, 1 },
	{ "GetSSHUsername", m_string, 1 },
	{ "GetSSHKeyPath", m_string, 1 },
	{ "GetSSHPort", m_ssh_port, 1 },
	{ "GetSSHHostname", m_ip, 1 },
	{ "GetIP", m_ip, 1 },
	{ "GetURL", m_url, 1 },
	{ "GetState", m_state, 1 },
	{ "PreCreateCheck", m_pre_create, 0 },
	{ "Create", m_create, 0 },
	{ "Start", m_start, 0 },
	{ "Stop", m_stop, 0 },
	{ "Kill", m_kill, 0 },
	{ "Restart", m_restart, 0 },
	{ "Remove", m_remove, 0 },
};

int
driver_dispatch(void *ctx, const char *method, const struct gob_value *arg,
    struct rpc_reply *reply)
{
	size_t i;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(methods[i].name, method) == 0)
			return methods[i].fn(ctx, method, arg, reply);
	return RPC_NOMETHOD;
}

int
driver_quick(void *ctx, const char *method)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(methods[i].name, method) == 0)
			return methods[i].quick;
	return 0;
}
