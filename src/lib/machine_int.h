/*
 * machine_int.h: what the machine module's files share (machine.c: the
 * lifecycle; machine_net.c: networks and leases; machine_image.c: ISOs, the
 * cache and kernel extraction; machine_gc.c: gc, cache prune, network
 * down; machine_share.c: shared folders). Not for other modules: they use
 * machine.h.
 */
#ifndef MACHINE_INT_H
#define MACHINE_INT_H

#include <stdint.h>

#include "cache.h"
#include "hv.h"
#include "iso.h"
#include "lease.h"
#include "machine.h"
#include "net.h"
#include "share.h"
#include "util.h"
#include "xherr.h"

#define NETWORK_NAME "shared"
#define DEFAULT_BRIDGE "xhbr0"
#define DEFAULT_SUBNET "192.168.64.0/24"
#define LEASE_RELEASE_MS 3000
#define BOOTPD_RELOAD_MS 10000	/* launchctl kickstart */
#define BOOTPD_TRIES 3		/* rewrites refused because bootpd wrote */
#define KILL_WAIT_MS 10000
#define LEASE_FILE_MAX (64u << 20)
#define WAIT_REREAD_MS 2000	/* a lease file is read again at least this often */

/* Helpers (machine.c) */
void mi_say(struct machine_ctx *ctx, const char *fmt, ...) XH_PRINTF(2, 3);
int mi_cancelled(struct machine_ctx *ctx);
/* A named point in a lifecycle operation; with XHINV_CRASH_AT=step the
 * process dies there (SIGKILL), as a crash or kill -9 would. */
void mi_step(struct machine_ctx *ctx, const char *step);
/* rm once the machine's lock is held (machine.c); reconcile finishes
 * interrupted operations with it. */
int mi_remove(struct machine_ctx *ctx, struct inv_machine *m, int state,
    unsigned flags, const char *final_status, const char *why,
    struct xherr *err);
/* <store>/machines, if it exists, is a directory (not a link); XHE_INVAL
 * otherwise. */
int mi_machines_dir_check(struct machine_ctx *ctx, struct xherr *err);
/* A JSON object from jansson's pack format; the caller's. */
char *mi_detail(const char *fmt, ...);
/* Append an event in its own transaction (takes det). */
int mi_event1(struct machine_ctx *ctx, int64_t machine_id, const char *kind,
    int64_t duration_ms, char *det, struct xherr *err);
int mi_lock_take(struct machine_ctx *ctx, const char *what, int *fdp,
    struct xherr *err);
/* 1: taken; 0: another process holds it (busy); -1: error. */
int mi_lock_try(struct machine_ctx *ctx, const char *what, int *fdp,
    struct xherr *err);
void mi_lock_drop(int fd);
int mi_record_exited(struct machine_ctx *ctx, int64_t machine_id, int64_t row,
    const struct proc_ident *p, int st, struct xherr *err);
char *mi_mfile(const struct inv_machine *m, const char *suffix);
/*
 * The files the driver makes in machine name's directory dir (its ISO
 * copy, disk, kernel, initrd, key, logs, pid and exit files, temporary
 * files), counted and sized, and deleted unless dry_run; everything else
 * (docker-machine's config.json and certificates) only counted. -1 (errno)
 * when dir cannot be read.
 */
struct mi_own {
	int own, other;
	int64_t bytes;			/* the own files' allocated bytes */
	char first_other[64];		/* one of the others, to name */
};
int mi_own_files(const char *dir, const char *name, int dry_run,
    struct mi_own *o);
/* The driver's files of m (machine_files.c); whole_dir: the directory is
 * ours, it goes too. */
void mi_remove_files(const struct inv_machine *m, int whole_dir);
/* A create's files: the ISO's copy (shared with the cache where the file
 * system allows), kernel and initrd, the disk, the SSH key. */
struct iso_info;
struct cache_entry;
int mi_create_files(struct machine_ctx *ctx, struct inv_machine *m,
    const struct iso_info *info, const struct cache_entry *ce,
    struct xherr *err);

/* Networks and leases (machine_net.c) */
struct mi_net {
	struct inv_network row;
	struct net_config cfg;
	char *dir;
};

struct mi_hosts {
	struct net_host *h;
	int n, cap;
};

#define VMNET_NAME "vmnet"

void mi_net_release(struct mi_net *n);
/* The network: vmnet shared mode with bootpd ("vmnet", xhyve's) when vmnet,
 * else the bridge with dnsmasq ("shared", QEMU's). Recorded on first use. */
int mi_net_load(struct machine_ctx *ctx, int vmnet, struct mi_net *n,
    struct xherr *err);
int mi_net_load_id(struct machine_ctx *ctx, int64_t id, struct mi_net *n,
    struct xherr *err);
int mi_net_is_vmnet(const struct mi_net *n);
void mi_net_pool(const struct mi_net *n, uint32_t *lo, uint32_t *hi);
int mi_hosts_add(void *arg, const char *mac, const char *ip,
    const char *machine);
void mi_hosts_free(struct mi_hosts *a);
int mi_net_daemon(struct machine_ctx *ctx, struct mi_net *n,
    struct proc_ident *id, int64_t *row, struct xherr *err);
int mi_net_sync_hosts(struct machine_ctx *ctx, struct mi_net *n,
    struct xherr *err);
int mi_net_up(struct machine_ctx *ctx, struct mi_net *n, struct xherr *err);
int mi_read_leases(const struct mi_net *n, struct lease_set *ls,
    struct xherr *err);
/* Remove every lease of mac from the network's lease file. *dropped: some
 * were; *pending: they could not be, for want of privilege (vmnet's file
 * is root's), which is not an error. */
int mi_lease_drop(struct machine_ctx *ctx, struct mi_net *n, const char *mac,
    const char *ip, int *dropped, int *pending, struct xherr *err);
int64_t mi_lease_expiry(const struct mi_net *n, const char *mac);

/* Shared folders (machine_share.c) */
struct mi_shares {
	struct share v[SHARE_MAX];	/* 9p first, by position */
	struct hv_share hv[SHARE_MAX];	/* the 9p ones, for the hypervisor */
	int n, n9p, nnfs;
};

/* One boot of a machine (create or start), step by step: what the lease
 * wait (machine_net.c) and the launch (machine.c) learn. */
struct mi_boot {
	int64_t t0;			/* monotonic start of the create/start */
	const char *since;		/* "create" or "start" */
	char bad_block[128];		/* the lease file's unreadable block
					 * for our MAC: "line N: why" */
	int launched;
	struct proc_ident proc;
	int64_t proc_row;
	int lease_seen;
	int64_t stale_expiry;		/* the MAC's lease before launch, -1: none */
	char accel[8];			/* tcg, kvm, hvf */
	char console[64];		/* xhyve's COM1 pty */
	const char *seal;		/* create: the ISO sha256 whose boot
					 * files to seal once launched */
};

/* Wait for this boot's DHCP lease of m's MAC (the lease file watched, not
 * polled) until deadline (monotonic ms); records it, with the IP. */
int mi_wait_ip(struct machine_ctx *ctx, struct mi_net *n, struct inv_machine *m,
    struct mi_boot *b, int64_t deadline, struct xherr *err);
/* A machine's files the hypervisor uses (machine_hv.c); the caller's. */
struct vm_paths {
	char *qmp, *serial, *log, *pidf, *disk, *exitf;
};

/* The backends (machine_hv.c): what differs between QEMU and xhyve. */
struct mi_backend {
	const char *name;		/* "qemu", "xhyve" */
	const char *log;		/* its own output, in the machine directory */
	int vmnet;			/* vmnet + bootpd: MAC and IP learned; else
					 * the bridge + dnsmasq: both reserved */
	int exit_file;			/* a supervisor records its exit code */
	int nfs;			/* NFS shares (macOS nfsd) */
	int ninep;			/* share_mount_script's 9p dialect */
	int pvh;			/* boots an ELF kernel's PVH entry
					 * (QEMU -kernel): the one inside a
					 * bzImage is taken out for it */
	/* Is everything it needs here (programs, privileges)? */
	int (*precheck)(struct machine_ctx *ctx, struct xherr *err);
	/* Before a create makes anything (NULL: nothing to check). */
	int (*create_check)(struct machine_ctx *ctx, struct xherr *err);
	/* After the row is recorded (NULL: nothing): xhyve learns the MAC. */
	int (*learn)(struct machine_ctx *ctx, struct inv_machine *m,
	    int64_t network_id, struct xherr *err);
	int (*launch)(struct machine_ctx *ctx, struct inv_machine *m,
	    struct mi_net *n, struct mi_boot *b, const struct vm_paths *p,
	    const struct mi_shares *sh, struct xherr *err);
	/* The ACPI power button. */
	int (*powerdown)(const struct inv_machine *m, const struct vm_paths *p,
	    struct xherr *err);
};
/* The backend called name; NULL or "" is the default. An unknown name is
 * NULL from mi_backend_find, the default from mi_backend (a row's name
 * passed the schema's CHECK). */
const struct mi_backend *mi_backend_find(const char *name);
const struct mi_backend *mi_backend(const char *name);
/* The disk file's suffix for a format (".rawdisk", ".qcow2", ".ext4disk"). */
const char *mi_disk_suffix(const char *format);
void vm_paths_init(const struct inv_machine *m, struct vm_paths *p);
void vm_paths_release(struct vm_paths *p);

/* The create options' shares, checked before anything is made. */
int mi_check_shares(const struct machine_create_opts *o, struct xherr *err);
int mi_shares_record(struct machine_ctx *ctx, int64_t machine_id,
    const struct machine_create_opts *o, struct xherr *err);
int mi_shares_load(struct machine_ctx *ctx, int64_t machine_id,
    struct mi_shares *s, struct xherr *err);
void mi_shares_release(struct mi_shares *s);
/* NFS shares: the machine's /etc/exports blocks for its current IP. */
int mi_shares_export(struct machine_ctx *ctx, const struct inv_machine *m,
    const struct mi_shares *s, struct xherr *err);
/* Remove every /etc/exports block of the machine (rm). */
int mi_shares_unexport(struct machine_ctx *ctx, const struct inv_machine *m,
    struct xherr *err);
/* Mount every share in the guest over SSH (each start). */
int mi_shares_mount(struct machine_ctx *ctx, const struct inv_machine *m,
    const struct mi_shares *s, const char *host_ip, struct xherr *err);

/* ISOs (machine_image.c) */
int mi_image_get(struct machine_ctx *ctx, const char *source,
    const char *sha256, struct cache_entry *ce, struct iso_info *info,
    struct xherr *err);
int mi_image_record(struct machine_ctx *ctx, const char *source,
    const struct cache_entry *ce, const struct iso_info *info,
    struct inv_image *img, struct xherr *err);
char *mi_iso_stamp(const char *path);
/* m's SSH key in dir: the spare an earlier create made, else made now
 * (an existing key is kept). */
int mi_key_take(struct machine_ctx *ctx, const char *dir, struct xherr *err);
/* Make the spare key the next create takes (create, while its guest
 * boots). */
int mi_key_make_spare(struct machine_ctx *ctx, struct xherr *err);
/* The kernel and initrd of m, linked from the boot-file cache (taken out
 * of ce's ISO there when not already whole; cache_get gives every entry's
 * sha256). */
int mi_boot_files_link(struct machine_ctx *ctx, const struct cache_entry *ce,
    const struct iso_info *info, struct inv_machine *m, struct xherr *err);
/* Hash and sync the boot files of the ISO with this sha256 that are not yet
 * (create, while its guest boots). */
int mi_boot_files_seal(struct machine_ctx *ctx, const char *sha256,
    struct xherr *err);
int mi_refresh_boot(struct machine_ctx *ctx, struct inv_machine *m,
    struct xherr *err);

#endif
