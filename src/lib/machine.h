/*
 * machine: the lifecycle, and the only module that calls several others
 * (inv, iso, disk, ssh, net, hv, lease, watch, cache). xhinv and the plugin
 * both drive machines through it, so both leave the same records. Its
 * files: machine.c (create, start, stop, rm), machine_net.c (networks and
 * leases), machine_image.c (ISOs), machine_gc.c (gc, cache prune, network
 * down), sharing machine_int.h.
 *
 *	struct machine_ctx ctx;
 *	machine_ctx_init(&ctx, store, inv);	settings from the environment
 *	ctx.progress = print_line;		optional: "waiting for IP..."
 *	ctx.cancel = &interrupted;		optional: SIGINT sets it
 *	machine_create(&ctx, &opts, &err);
 *	machine_stop(&ctx, "dev", 30, &err);
 *
 * Every step that changes recorded state is one inventory transaction with
 * its event. A create that fails is rolled back: VM killed, lease and
 * reservation released, files removed, a create-failed event recorded.
 * Operations on one machine are serialised by a lock file in
 * <store>/locks/; different machines proceed in parallel.
 *
 * State comes from reality: a recorded process counts as running only
 * while proc_check() says it is ours and alive; when it is not, the change
 * is recorded (an "exited" event) before anything is reported.
 */
#ifndef MACHINE_H
#define MACHINE_H

#include <signal.h>
#include <stdint.h>

#include "inv.h"
#include "util.h"
#include "xherr.h"

#define MACHINE_DEFAULT_CPUS 1
#define MACHINE_DEFAULT_MEMORY_MB 1024
#define MACHINE_DEFAULT_DISK_MB 20000
#define MACHINE_MIN_MEMORY_MB 64
#define MACHINE_MIN_DISK_MB 32
#define MACHINE_MAX_DISK_MB (16LL * 1024 * 1024)
#define MACHINE_MAX_CPUS 128
#define MACHINE_DEFAULT_TIMEOUT_S 120
#define MACHINE_DEFAULT_STOP_TIMEOUT_S 30
#define MACHINE_BOOTPD_LEASES "/var/db/dhcpd_leases"
#ifdef __APPLE__
#define MACHINE_DEFAULT_BACKEND "xhyve"
#else
#define MACHINE_DEFAULT_BACKEND "qemu"
#endif

struct proc_watch;

struct machine_ctx {
	const char *store;
	struct inv *inv;
	volatile sig_atomic_t *cancel;	/* may be NULL */
	void (*progress)(void *arg, const char *msg);	/* may be NULL */
	void *progress_arg;
	/* the shared network, from XHINV_BRIDGE / XHINV_SUBNET */
	const char *bridge;
	const char *subnet;
	/* downloads: XHINV_GITHUB_API, GITHUB_TOKEN, XHINV_DOWNLOAD_STALL_S,
	 * XHINV_DOWNLOAD_ATTEMPTS */
	const char *api_base;
	const char *token;
	int stall_s;
	int attempts;
	/* vmnet (xhyve): XHINV_BOOTPD_LEASES (default /var/db/dhcpd_leases)
	 * and XHINV_BOOTPD_RELOAD, the command (words split on spaces, no
	 * shell) that makes bootpd read it again; XHINV_PRIV_CHECK=1 enforces
	 * the original's privilege checks off macOS (tests) */
	const char *bootpd_leases;
	const char *bootpd_reload;
	int enforce_priv;
	/* NFS shares (xhyve): XHINV_EXPORTS (default /etc/exports) and
	 * XHINV_NFSD, macOS nfsd's command words (default "nfsd"), run as
	 * `nfsd -F FILE checkexports` and `nfsd update` */
	const char *exports;
	const char *nfsd;
	/* XHINV_CRASH_AT=STEP: SIGKILL ourselves at that step (the crash
	 * tests; the steps are the mi_step() calls, e.g. create:launched) */
	const char *crash_at;
	/* a caller asking about the same machine again and again (the
	 * plugin) keeps its process watched here: NULL, or one per thread */
	struct proc_watch *watch;
	/* bytes done and expected (-1: unknown), a few times a second */
	void (*download_progress)(void *arg, int64_t done, int64_t total);
};

void machine_ctx_init(struct machine_ctx *ctx, const char *store,
    struct inv *inv);

struct machine_create_opts {
	const char *name;
	const char *iso;		/* source: path, file://, http(s)://, a
					 * releases/latest API URL, or "" for the
					 * latest boot2docker (see cache.h) */
	const char *sha256;		/* expected checksum, or NULL */
	const char *backend;		/* "qemu", "xhyve"; NULL or "": the host's */
	const char *disk_format;	/* "raw", "qcow2", "ext4"; NULL or "": raw */
	int cpus;
	int memory_mb;
	int64_t disk_mb;
	const char *uuid;		/* NULL or "": a random one */
	const char *cmdline;		/* NULL: the ISO's isolinux append line */
	const char *kernel_member;	/* NULL: found by name (iso.h rules) */
	const char *initrd_member;	/* NULL: found by name */
	int timeout_s;			/* for IP and SSH; 0: default */
	int dir_may_exist;		/* docker-machine made the directory */
	/* Shared folders (share.h): absolute host directories, mounted by
	 * the guest under the roots (NULL: the original's defaults) on each
	 * start. NFS needs the xhyve backend (macOS nfsd). */
	const char *const *shares_9p;
	int n9p;
	const char *root_9p;
	const char *const *shares_nfs;
	int nnfs;
	const char *root_nfs;
};

/* What a backend needs on this host, before anything is made: qemu, the
 * tools of the Linux network and root; xhyve, an xhyve or hyperkit binary
 * and the original's privilege model (where enforced). */
int machine_precheck(struct machine_ctx *ctx, const char *backend,
    struct xherr *err);
/* Check a create request before anything is made (usage errors). */
int machine_check_create(const struct machine_create_opts *o,
    struct xherr *err);
int machine_create(struct machine_ctx *ctx, const struct machine_create_opts *o,
    struct xherr *err);
/* XHE_STATE when already running / already stopped. */
int machine_start(struct machine_ctx *ctx, const char *name, int timeout_s,
    struct xherr *err);
int machine_stop(struct machine_ctx *ctx, const char *name, int timeout_s,
    struct xherr *err);
int machine_kill(struct machine_ctx *ctx, const char *name, struct xherr *err);
int machine_restart(struct machine_ctx *ctx, const char *name, int timeout_s,
    struct xherr *err);
/* Stop (MACHINE_RM_FORCE: kill) and remove: lease, reservation, files; the
 * row stays. MACHINE_RM_KEEP_DIR deletes only the files the driver made in
 * the machine directory and leaves the directory and everything else in it
 * (docker-machine's config.json and certificates: docker-machine deletes
 * them itself after the plugin's Remove returns). */
#define MACHINE_RM_FORCE 1u
#define MACHINE_RM_KEEP_DIR 2u
int machine_rm(struct machine_ctx *ctx, const char *name, unsigned flags,
    struct xherr *err);

enum machine_state {
	MACHINE_STOPPED = 0,
	MACHINE_RUNNING,
};
const char *machine_state_str(int state);
/* Record every recorded process that is no longer ours as ended (the cheap
 * part of reconcile; ls and status run it first). */
int machine_refresh(struct machine_ctx *ctx, struct xherr *err);
/* The live machine and its true state: its recorded process checked (and
 * recorded as ended when it is not ours any more). No hypervisor round
 * trip, so the plugin's GetState stays cheap. */
int machine_get(struct machine_ctx *ctx, const char *name,
    struct inv_machine *m, int *state, struct xherr *err);

/* Fetch an ISO into the cache (or check a local one) and record it as an
 * image; *warning (512 bytes, may be NULL) gets what the user should see. */
int machine_pull(struct machine_ctx *ctx, const char *source,
    const char *sha256, struct inv_image *img, char *warning,
    struct xherr *err);
/* Delete cached ISOs no live machine uses, and leftover partial downloads.
 * Reports each through report(arg, line); *found counts them; *freed sums
 * their bytes. */
int machine_cache_prune(struct machine_ctx *ctx, int dry_run,
    void (*report)(void *arg, const char *line), void *arg, int *found,
    int64_t *freed, struct xherr *err);
struct machine_lease {
	const struct lease *lease;	/* NULL for a problem */
	const struct lease_problem *problem;	/* what could not be read */
	const char *source;		/* the lease file */
	int expired;
};
/* Every lease of every lease source the inventory knows (the bridge's
 * dnsmasq, vmnet's bootpd), then each source's malformed entries as
 * problems (file, line, what). */
int machine_leases(struct machine_ctx *ctx,
    int (*cb)(void *arg, const struct machine_lease *l), void *arg,
    struct xherr *err);
/* <store>/cache; the caller's. */
char *machine_cache_dir(const char *store);

/* gc: each finding is reported through report(arg, line); with dry_run
 * nothing changes; with expired, the expired leases of MACs the inventory
 * issued go too. *found counts findings, *bytes the disk space (allocated
 * bytes) freed or that would be. XHE_PERM when a lease file needs root to
 * be rewritten (the message says: run sudo xhinv gc). */
int machine_gc(struct machine_ctx *ctx, int dry_run, int expired,
    void (*report)(void *arg, const char *line), void *arg, int *found,
    int64_t *bytes, struct xherr *err);
/* Stop the shared network's dnsmasq and delete its bridge (refused while
 * a machine runs). */
int machine_network_down(struct machine_ctx *ctx, struct xherr *err);

/* Before a store is used: it and its inventory must belong to the real
 * user or root and be writable by nobody else, and the inventory must be
 * a regular file, not a link (root acts on nothing another user could
 * have planted). A store not made yet passes. XHE_PERM with why. */
int machine_store_check(const char *store, struct xherr *err);
/* <store>/xhinv.db, <store>/machines/<name>: results are the caller's. */
char *machine_db_path(const char *store);
char *machine_dir(const char *store, const char *name);
/* $MACHINE_STORAGE_PATH, else ~/.docker/machine; the caller's. */
char *machine_default_store(void);

/*
 * Disk space (machine_du.c), in bytes. Every file is counted once, where
 * it is first met: the cache first, so a machine's ISO that is a hard link
 * to a cache entry shows as shared (iso_shared) and costs it nothing.
 */
struct machine_du_row {
	char name[IDENT_NAME_MAX + 1];
	char format[8];			/* its disk's format */
	int64_t disk_mb;		/* the size asked for */
	struct util_size disk;		/* its disk image */
	struct util_size iso;		/* its boot2docker.iso */
	struct util_size other;		/* kernel, initrd, keys, logs */
	int iso_shared;
};
struct machine_du {
	struct machine_du_row *v;	/* live machines, by name */
	size_t n;
	struct util_size cache;		/* cache entries */
	struct util_size partial;	/* unfinished downloads (.part) */
	struct util_size machines;	/* the rows' sum */
	struct util_size leftovers;	/* machine directories no live machine owns */
	int nleftovers;
	struct util_size backups;	/* lease-file backups */
	struct util_size total;
};
int machine_du(struct machine_ctx *ctx, struct machine_du *out,
    struct xherr *err);
void machine_du_release(struct machine_du *d);

/* Grow a stopped machine's disk to size_mb (raw and qcow2; never shrink). */
int machine_disk_resize(struct machine_ctx *ctx, const char *name,
    int64_t size_mb, struct xherr *err);

/*
 * reconcile (machine_reconcile.c): compare the inventory with reality and
 * repair what is safe to repair, each finding reported through report as
 * what differed, why the repair is safe, and what was (with dry_run:
 * would be) done, and recorded as a reconcile event. Processes the
 * inventory cannot vouch for are reported, never killed.
 */
struct machine_finding {
	const char *kind;	/* exited, orphan, orphan-adopted,
				 * create-interrupted, rm-interrupted,
				 * dir-missing, stale-pidfile, ip-changed,
				 * half-written, gc */
	const char *machine;	/* NULL when none */
	char what[400];
	char why[200];
	char action[200];
};
int machine_reconcile(struct machine_ctx *ctx, int dry_run,
    void (*report)(void *arg, const struct machine_finding *f), void *arg,
    int *found, struct xherr *err);

#endif
