/*
 * inv: the inventory, the only owner of SQLite.
 *
 *	struct inv *inv;
 *	inv_open(&inv, "<store>/xhinv.db", INV_RW, &err);	creates, migrates
 *	if (inv_begin(inv, &err) == -1 ||	one user action = one
 *	    inv_end(inv,			transaction, with its event
 *	    inv_machine_insert(...) == -1 ||	written inside it
 *	    inv_event(inv, id, "create-begin", -1, detail, &err) == -1,
 *	    &err) == -1)			inv_end commits, or rolls
 *		return -1;			back when a step failed
 *	inv_close(inv);
 *
 * Opening: WAL, foreign keys on, a busy timeout, migrations from schema/
 * applied in one IMMEDIATE transaction and tracked by PRAGMA user_version;
 * a database newer than this binary is refused (XHE_VERSION). Every
 * statement is prepared with bound parameters and cached per connection.
 *
 * A struct inv is one SQLite connection: use it from one thread at a time.
 * Strings in the structs below are the struct's; *_release() frees them.
 * Pointers handed to callbacks are borrowed for the duration of the call.
 */
#ifndef INV_H
#define INV_H

#include <stdint.h>

#include "ident.h"
#include "lease.h"
#include "proc.h"
#include "xherr.h"

enum inv_mode {
	INV_RW = 0,		/* create and migrate as needed */
	INV_RDONLY = 1,		/* read-only connection (created and migrated first) */
};

struct inv;

int inv_open(struct inv **out, const char *path, int mode, struct xherr *err);
void inv_close(struct inv *inv);
/* The schema version this binary knows (the last migration's number). */
int inv_schema_version(void);

/* BEGIN IMMEDIATE: take the write lock up front so two writers never
 * deadlock upgrading a read transaction. */
int inv_begin(struct inv *inv, struct xherr *err);
/* End the transaction inv_begin opened: commit when failed is 0 (rolling
 * back when the commit fails), roll back otherwise. 0, or -1 with err
 * set (by the failed step, or by the commit). Every transaction ends
 * here, so none is left open on a path that failed. */
int inv_end(struct inv *inv, int failed, struct xherr *err);
/* Roll back a transaction that wrote nothing (a no-op outside one). */
void inv_rollback(struct inv *inv);

struct inv_network {
	int64_t id;
	char name[32];
	char kind[16];			/* "dnsmasq" or "vmnet" */
	char *bridge;			/* NULL for vmnet */
	char *subnet;
	char *gateway;
	char *lease_file;
};
void inv_network_release(struct inv_network *n);
int inv_network_get(struct inv *inv, const char *name, struct inv_network *out,
    struct xherr *err);
/* Insert n (id is set). */
int inv_network_insert(struct inv *inv, struct inv_network *n,
    struct xherr *err);
int inv_network_get_id(struct inv *inv, int64_t id, struct inv_network *out,
    struct xherr *err);
int inv_network_set_lease_file(struct inv *inv, int64_t id, const char *path,
    struct xherr *err);
/* Whether this connection is read-only (INV_RDONLY). */
int inv_readonly(struct inv *inv);

struct inv_share {
	const char *kind;		/* "9p" or "nfs" */
	const char *host_path;
	const char *guest_path;
	const char *tag;		/* 9p mount tag, NULL for nfs */
	int position;
};
int inv_share_add(struct inv *inv, int64_t machine_id,
    const struct inv_share *s, struct xherr *err);
typedef int (*inv_share_cb)(void *arg, const struct inv_share *s);
/* A machine's shares, in position order. */
int inv_share_each(struct inv *inv, int64_t machine_id, inv_share_cb cb,
    void *arg, struct xherr *err);

struct inv_machine {
	int64_t id;
	char name[IDENT_NAME_MAX + 1];
	char uuid[40];
	char backend[8];
	char status[12];
	int cpus;
	int memory_mb;
	int64_t disk_mb;
	char *dir;
	int64_t image_id;		/* 0 when none */
	char *iso, *kernel, *initrd, *cmdline;
	int cmdline_given;		/* the user gave the command line */
	char *iso_stamp;		/* "size:mtime_ns" when kernel was extracted */
	int64_t created_at, removed_at;	/* removed_at 0 when live */
	/* the latest NIC (filled by the getters) */
	int64_t network_id;
	char mac[IDENT_MAC_LEN];
	char ip[IDENT_IP_LEN];
	/* the process we believe runs (proc_row 0 when none) */
	int64_t proc_row;
	struct proc_ident proc;
	char console[64];		/* its serial console, "" when none */
	/* the live disk (NULL and "" when none) */
	char *disk_path;
	char disk_format[8];		/* "raw", "qcow2", "ext4" */
};
void inv_machine_release(struct inv_machine *m);
/* The live machine called name; XHE_NOTFOUND if none. */
int inv_machine_get(struct inv *inv, const char *name, struct inv_machine *out,
    struct xherr *err);
int inv_machine_get_id(struct inv *inv, int64_t id, struct inv_machine *out,
    struct xherr *err);
typedef int (*inv_machine_cb)(void *arg, const struct inv_machine *m);
/* Live machines by name; with all, removed ones too (oldest first). A
 * callback returning -1 stops the walk (and the call returns -1). */
int inv_machine_each(struct inv *inv, int all, inv_machine_cb cb, void *arg,
    struct xherr *err);
/* Insert m (id and created_at are set). XHE_EXISTS if the name is live. */
int inv_machine_insert(struct inv *inv, struct inv_machine *m,
    struct xherr *err);
/* 'removed' and 'failed' also set removed_at. */
int inv_machine_set_status(struct inv *inv, int64_t id, const char *status,
    struct xherr *err);
/* After extracting the kernel and initrd (again): what boots now. */
int inv_machine_set_boot(struct inv *inv, int64_t id, const char *kernel,
    const char *initrd, const char *cmdline, const char *iso_stamp,
    struct xherr *err);
/* Was this name ever used by a machine that is now removed or failed? */
int inv_machine_name_was_used(struct inv *inv, const char *name,
    struct xherr *err);

/* Reserve an IP for a new NIC: the address this MAC had last time if it is
 * free, else the lowest free one in [lo, hi]. ip receives it. */
int inv_nic_reserve(struct inv *inv, int64_t machine_id, int64_t network_id,
    const char *mac, uint32_t lo, uint32_t hi, char ip[IDENT_IP_LEN],
    struct xherr *err);
/* A NIC whose address is not reserved but learned (vmnet: bootpd picks). */
int inv_nic_add(struct inv *inv, int64_t machine_id, int64_t network_id,
    const char *mac, struct xherr *err);
/*
 * Record the address a machine's live NIC was seen with. A DHCP server
 * that hands out an address another machine had recorded has taken it
 * back (its lease expired or was removed): that record is cleared and
 * *moved_from names the machine (0: none).
 */
int inv_nic_set_ip(struct inv *inv, int64_t machine_id, const char *ip,
    int64_t *moved_from, struct xherr *err);
int inv_nic_release(struct inv *inv, int64_t machine_id, struct xherr *err);
typedef int (*inv_nic_cb)(void *arg, const char *mac, const char *ip,
    const char *machine);
/* Live reservations on a network (for the DHCP hosts file). */
int inv_nic_each_live(struct inv *inv, int64_t network_id, inv_nic_cb cb,
    void *arg, struct xherr *err);

/* Who owns a MAC: 1 and the machine of the newest NIC with it (live says
 * whether that NIC is still reserved), or 0 if the inventory never issued it. */
int inv_mac_owner(struct inv *inv, const char *mac, char name[IDENT_NAME_MAX + 1],
    int *live, struct xherr *err);

int inv_disk_insert(struct inv *inv, int64_t machine_id, const char *path,
    const char *format, int64_t size_mb, struct xherr *err);
int inv_disk_remove(struct inv *inv, int64_t machine_id, struct xherr *err);
/* A grown disk: the disk row's size and the machine's disk_mb. */
int inv_disk_resize(struct inv *inv, int64_t machine_id, int64_t size_mb,
    struct xherr *err);

/* Record a started process (row is set). Exactly one of machine_id and
 * network_id is non-zero. */
int inv_process_insert(struct inv *inv, int64_t machine_id, int64_t network_id,
    const char *role, const struct proc_ident *p, int64_t *row,
    struct xherr *err);
int inv_process_end(struct inv *inv, int64_t row, const char *reason,
    struct xherr *err);
int inv_process_set_console(struct inv *inv, int64_t row, const char *tty,
    struct xherr *err);
/* The live process row of a network; *row 0 if none. */
int inv_process_network(struct inv *inv, int64_t network_id, int64_t *row,
    struct proc_ident *p, struct xherr *err);
typedef int (*inv_process_cb)(void *arg, int64_t row, int64_t machine_id,
    const char *role, const struct proc_ident *p);
int inv_process_each_live(struct inv *inv, inv_process_cb cb, void *arg,
    struct xherr *err);

/* A lease seen in a lease file: insert or refresh it as active. */
int inv_lease_seen(struct inv *inv, int64_t network_id, const struct lease *l,
    const char *source, struct xherr *err);
/* Mark the leases of mac on a network (all IPs) with state. */
int inv_lease_set_state(struct inv *inv, int64_t network_id, const char *mac,
    const char *state, struct xherr *err);

struct inv_image {
	int64_t id;
	char *source;			/* as asked for ("" : latest boot2docker) */
	char *url;			/* download URL, or file:///path */
	char *resolved_url;		/* after redirects */
	char *tag;			/* release tag */
	char *path;
	char *sha256;			/* and size: of the file as recorded */
	char *volume_id, *kernel, *initrd, *cmdline;
	int64_t size;
	int64_t fetched_at, last_used_at, removed_at;	/* ms; 0: never */
	int users;			/* live machines using it (inv_image_each) */
};
void inv_image_release(struct inv_image *img);
/* Insert or update by url (and mark it used now); id is set. */
int inv_image_upsert(struct inv *inv, struct inv_image *img,
    struct xherr *err);
typedef int (*inv_image_cb)(void *arg, const struct inv_image *img);
/* Images not pruned (all: pruned too), oldest first. */
int inv_image_each(struct inv *inv, int all, inv_image_cb cb, void *arg,
    struct xherr *err);
int inv_image_removed(struct inv *inv, int64_t id, struct xherr *err);

/* The newest image recorded with this sha256 and a kernel and initrd
 * (only id, volume_id, kernel, initrd and cmdline set); XHE_NOTFOUND. */
int inv_image_by_sha256(struct inv *inv, const char *sha256,
    struct inv_image *img, struct xherr *err);

/* A kernel, initrd or PVH kernel derived from an ISO into the cache
 * (schema/0011-boot-files.sql). */
struct inv_boot_file {
	int64_t id;
	char *iso_sha256, *role, *member, *path;
	int64_t size;
	char *sha256;			/* NULL until sealed */
	char *boot_id;			/* last known whole in this host boot */
	int64_t made_at, sealed_at, used_at;	/* ms; 0: never */
};
void inv_boot_file_release(struct inv_boot_file *f);
/* XHE_NOTFOUND when none. */
int inv_boot_file_get(struct inv *inv, const char *iso_sha256,
    const char *role, struct inv_boot_file *f, struct xherr *err);
/* Insert or replace (iso_sha256, role): unsealed, made now; id is set. */
int inv_boot_file_put(struct inv *inv, struct inv_boot_file *f,
    struct xherr *err);
/* Known whole in boot boot_id: sealed with sha256 (hashed and synced), or,
 * sha256 NULL, used by a machine now. */
int inv_boot_file_seen(struct inv *inv, int64_t id, const char *boot_id,
    const char *sha256, struct xherr *err);
int inv_boot_file_forget(struct inv *inv, const char *iso_sha256,
    struct xherr *err);

/* Append to the history. machine_id 0: none; duration_ms < 0: none;
 * detail: a JSON object or NULL for {}. */
int inv_event(struct inv *inv, int64_t machine_id, const char *kind,
    int64_t duration_ms, const char *detail, struct xherr *err);

struct inv_event {
	int64_t id;
	int64_t at;
	const char *machine;		/* NULL when the event has none */
	const char *kind;
	int64_t duration_ms;		/* -1 when none */
	const char *detail;
};
typedef int (*inv_event_cb)(void *arg, const struct inv_event *e);
/* Events, oldest first; only those of machines named machine (every
 * machine that had that name) when not NULL; only those with ids below
 * before when before > 0; at most limit (the newest ones) when limit > 0,
 * setting *more when older ones exist (the next page: before = the first
 * id given). */
int inv_history_each(struct inv *inv, const char *machine, int64_t before,
    int64_t limit, inv_event_cb cb, void *arg, int *more, struct xherr *err);

typedef int (*inv_row_cb)(void *arg, int ncol, const char *const *names,
    const char *const *values);
/* Run user SQL (one statement). Unless allow_write, a statement that would
 * write is refused before it runs. */
int inv_sql(struct inv *inv, const char *sql, int allow_write, inv_row_cb cb,
    void *arg, struct xherr *err);

#endif
