#include "inv.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <strings.h>
#include <unistd.h>

#include "schema.h"
#include "util.h"

#define INV_BUSY_MS 10000
#define INV_NSTMT 64

struct inv_stmt {
	const char *sql;	/* the static string it was prepared from */
	sqlite3_stmt *st;
};

struct inv {
	sqlite3 *db;
	char *path;
	struct inv_stmt cache[INV_NSTMT];
	int ncache;
};

int
inv_schema_version(void)
{
	return schema_nmigrations > 0 ?
	    schema_migrations[schema_nmigrations - 1].version : 0;
}

/* Why the file system under path cannot take writes, or "". */
static const char *
fs_problem(const char *path)
{
	char *dir = util_dir_name(path);
	struct statvfs sv;
	const char *why = "";

	if (statvfs(dir, &sv) == 0) {
		if (sv.f_flag & ST_RDONLY)
			why = " (its file system is read-only)";
		else if (sv.f_bavail == 0)
			why = " (its file system is full)";
	}
	free(dir);
	return why;
}

static int
dberr(struct inv *inv, struct xherr *err, const char *what)
{
	int code = sqlite3_errcode(inv->db) & 0xff;

	/* "unable to open database file" and "disk I/O error" say nothing
	 * of why: a read-only or full file system does. */
	return xherr_set(err, XHE_DB, "inventory %s: %s: %s%s", inv->path, what,
	    sqlite3_errmsg(inv->db), code == SQLITE_CANTOPEN ||
	    code == SQLITE_READONLY || code == SQLITE_FULL ||
	    code == SQLITE_IOERR ? fs_problem(inv->path) : "");
}

/* A cached prepared statement for a static SQL string, reset and unbound. */
static sqlite3_stmt *
stmt(struct inv *inv, const char *sql, struct xherr *err)
{
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < inv->ncache; i++)
		if (inv->cache[i].sql == sql) {
			sqlite3_reset(inv->cache[i].st);
			sqlite3_clear_bindings(inv->cache[i].st);
			return inv->cache[i].st;
		}
	if (sqlite3_prepare_v2(inv->db, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(inv, err, "cannot prepare a statement");
		return NULL;
	}
	if (inv->ncache < INV_NSTMT) {
		inv->cache[inv->ncache].sql = sql;
		inv->cache[inv->ncache].st = st;
		inv->ncache++;
	}
	/* Past the cache size statements leak until close; INV_NSTMT is
	 * above the number of distinct statements in this file. */
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void
bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, id);
}

/* Step a statement that returns no rows. */
static int
exec_done(struct inv *inv, sqlite3_stmt *st, struct xherr *err,
    const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, what);
	return 0;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

static void
col_copy(sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	if (s == NULL)
		dst[0] = '\0';
	else {
		strncpy(dst, (const char *)s, n - 1);
		dst[n - 1] = '\0';
	}
}

static int
simple_exec(struct inv *inv, const char *sql, struct xherr *err)
{
	char *msg = NULL;

	if (sqlite3_exec(inv->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		xherr_set(err, XHE_DB, "inventory %s: %s", inv->path,
		    msg ? msg : sqlite3_errmsg(inv->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
user_version(struct inv *inv, int *v, struct xherr *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(inv->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return dberr(inv, err, "cannot read the schema version");
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return dberr(inv, err, "cannot read the schema version");
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
check_version(struct inv *inv, int have, struct xherr *err)
{
	if (have > inv_schema_version())
		return xherr_set(err, XHE_VERSION,
		    "inventory %s has schema version %d, newer than this "
		    "program's %d: use a newer xhinv", inv->path, have,
		    inv_schema_version());
	return 0;
}

static int
migrate(struct inv *inv, struct xherr *err)
{
	int have, i;
	char sql[64];

	if (user_version(inv, &have, err) == -1 ||
	    check_version(inv, have, err) == -1)
		return -1;
	if (have == inv_schema_version())
		return 0;
	if (simple_exec(inv, "BEGIN IMMEDIATE", err) == -1)
		return -1;
	/* Another process may have migrated while we waited for the lock. */
	if (user_version(inv, &have, err) == -1 ||
	    check_version(inv, have, err) == -1)
		goto fail;
	for (i = 0; i < schema_nmigrations; i++) {
		const struct schema_migration *m = &schema_migrations[i];
		if (m->version != i + 1) {
			xherr_set(err, XHE_FAIL, "migration %s is out of "
			    "sequence (expected number %d)", m->name, i + 1);
			goto fail;
		}
		if (m->version <= have)
			continue;
		if (simple_exec(inv, m->sql, err) == -1) {
			xherr_wrap(err, "migration %s failed", m->name);
			goto fail;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
	    inv_schema_version());
	if (simple_exec(inv, sql, err) == -1 ||
	    simple_exec(inv, "COMMIT", err) == -1)
		goto fail;
	return 0;
fail:
	sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* No PATH-wal, or an empty one: the database file holds everything. */
static int
wal_empty(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat st;
	int empty = stat(wal, &st) == -1 ? errno == ENOENT : st.st_size == 0;

	free(wal);
	return empty;
}

/* file:PATH?immutable=1, with the URI's special characters escaped. */
static char *
immutable_uri(const char *path)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	buf_add(&b, "file:", 5);
	for (p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#') {
			char esc[4];
			snprintf(esc, sizeof esc, "%%%02X", (unsigned char)*p);
			buf_add(&b, esc, 3);
		} else {
			buf_add(&b, p, 1);
		}
	}
	buf_add(&b, "?immutable=1", 12);
	buf_str(&b);
	return b.p;
}

/* No allocation statistics: with them every allocation SQLite makes takes
 * a global mutex (12 % of `xhinv history NAME`'s instructions, callgrind).
 * It must come before SQLite initialises; once it has, the call is
 * refused, harmlessly. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void
sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int
open_conn_name(struct inv *inv, const char *name, int flags,
    struct xherr *err);

static int
open_conn(struct inv *inv, int flags, struct xherr *err)
{
	return open_conn_name(inv, inv->path, flags, err);
}

static int
open_conn_name(struct inv *inv, const char *name, int flags,
    struct xherr *err)
{
	pthread_once(&sqlite_once, sqlite_configure);
	if (sqlite3_open_v2(name, &inv->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		xherr_set(err, XHE_DB, "cannot open inventory %s: %s%s",
		    inv->path, inv->db ? sqlite3_errmsg(inv->db) :
		    "out of memory", fs_problem(inv->path));
		sqlite3_close(inv->db);
		inv->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(inv->db, INV_BUSY_MS);
	sqlite3_extended_result_codes(inv->db, 1);
	/* No writable_schema tricks, no two-argument fts3_tokenizer (it
	 * hands out a function pointer): `xhinv sql` runs what users type. */
	sqlite3_db_config(inv->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(inv->db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0,
	    NULL);
	if (simple_exec(inv, "PRAGMA foreign_keys = ON", err) == -1)
		return -1;
	return 0;
}

/* Two processes opening a new inventory at once both switch it to WAL. The
 * switch needs the file to itself, and each holds a shared lock while it
 * asks, so SQLite answers one of them SQLITE_BUSY at once instead of
 * calling the busy handler (a deadlock for it): 10 of 800 parallel first
 * opens failed with "database is locked". Once the other's switch is done
 * the pragma finds WAL and needs no lock, so try again, bounded. */
static int
set_wal(struct inv *inv, struct xherr *err)
{
	int64_t end = util_mono_ms() + INV_BUSY_MS;
	int rc;

	while ((rc = sqlite3_exec(inv->db, "PRAGMA journal_mode = WAL", NULL,
	    NULL, NULL)) != SQLITE_OK) {
		if ((rc & 0xff) != SQLITE_BUSY || util_mono_ms() >= end)
			return xherr_set(err, XHE_DB, "inventory %s: %s",
			    inv->path, sqlite3_errmsg(inv->db));
		util_sleep_ms(5);
	}
	return 0;
}

int
inv_open(struct inv **out, const char *path, int mode, struct xherr *err)
{
	struct inv *inv = xcalloc(1, sizeof *inv);
	int v;

	*out = NULL;
	inv->path = xstrdup(path);
	/* A reader of a current database opens it once, read-only: no
	 * write, no WAL set-up and checkpoint on the way (history, ls and
	 * GetState pay for every open). */
	if (mode == INV_RDONLY && access(path, F_OK) == 0) {
		if (open_conn(inv, SQLITE_OPEN_READONLY, err) == 0 &&
		    user_version(inv, &v, err) == 0 &&
		    v == inv_schema_version()) {
			*out = inv;
			return 0;
		}
		xherr_clear(err);
		sqlite3_close(inv->db);
		inv->db = NULL;
		/* On a read-only or full file system a WAL database cannot
		 * get its -shm file. When its WAL is empty (everything is in
		 * the file) and no writer can grow it there, read it as
		 * immutable: no locks, no side files. */
		const char *why = fs_problem(path);
		if (why[0] != '\0' && wal_empty(path)) {
			char *uri = immutable_uri(path);
			int rc = open_conn_name(inv, uri, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_URI, err);
			free(uri);
			if (rc == 0 && user_version(inv, &v, err) == 0 &&
			    check_version(inv, v, err) == 0 &&
			    v == inv_schema_version()) {
				*out = inv;
				return 0;
			}
			if (rc == 0 && err->msg[0] == '\0')
				xherr_set(err, XHE_DB, "inventory %s has schema "
				    "version %d and cannot be brought up to %d%s",
				    path, v, inv_schema_version(), why);
			goto fail;
		}
	}
	if (open_conn(inv, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err) == -1)
		goto fail;
	/* A newer schema is refused before anything is written: switching
	 * to WAL would rewrite the file's header. */
	if (user_version(inv, &v, err) == -1 || check_version(inv, v, err) == -1)
		goto fail;
	if (set_wal(inv, err) == -1 ||
	    simple_exec(inv, "PRAGMA synchronous = NORMAL", err) == -1 ||
	    migrate(inv, err) == -1)
		goto fail;
	if (mode == INV_RDONLY) {
		/* Reopen read-only: the database now exists and is current. */
		sqlite3_close(inv->db);
		inv->db = NULL;
		if (open_conn(inv, SQLITE_OPEN_READONLY, err) == -1 ||
		    user_version(inv, &v, err) == -1 ||
		    check_version(inv, v, err) == -1)
			goto fail;
	}
	*out = inv;
	return 0;
fail:
	inv_close(inv);
	return -1;
}

void
inv_close(struct inv *inv)
{
	int i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->ncache; i++)
		sqlite3_finalize(inv->cache[i].st);
	sqlite3_close(inv->db);
	free(inv->path);
	free(inv);
}

int
inv_begin(struct inv *inv, struct xherr *err)
{
	return simple_exec(inv, "BEGIN IMMEDIATE", err);
}

void
inv_rollback(struct inv *inv)
{
	if (!sqlite3_get_autocommit(inv->db))
		sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
}

int
inv_end(struct inv *inv, int failed, struct xherr *err)
{
	if (!failed && simple_exec(inv, "COMMIT", err) == 0)
		return 0;
	inv_rollback(inv);
	return -1;
}

/* Networks */

void
inv_network_release(struct inv_network *n)
{
	free(n->bridge);
	free(n->subnet);
	free(n->gateway);
	free(n->lease_file);
	memset(n, 0, sizeof *n);
}

#define NETWORK_COLS "id, name, kind, bridge, subnet, gateway, lease_file"
static const char SQL_NETWORK_GET[] =
    "SELECT " NETWORK_COLS " FROM network WHERE name = ?1";
static const char SQL_NETWORK_GET_ID[] =
    "SELECT " NETWORK_COLS " FROM network WHERE id = ?1";

/* Step a bound NETWORK_COLS query into out; what names it for errors. */
static int
network_row(struct inv *inv, sqlite3_stmt *st, const char *what,
    struct inv_network *out, struct xherr *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return xherr_set(err, XHE_NOTFOUND, "no network %s",
			    what);
		return dberr(inv, err, "cannot read network");
	}
	out->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, out->name, sizeof out->name);
	col_copy(st, 2, out->kind, sizeof out->kind);
	out->bridge = col_dup(st, 3);
	out->subnet = col_dup(st, 4);
	out->gateway = col_dup(st, 5);
	out->lease_file = col_dup(st, 6);
	sqlite3_reset(st);
	return 0;
}

int
inv_network_get(struct inv *inv, const char *name, struct inv_network *out,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NETWORK_GET, err);
	char what[128];

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return -1;
	bind_text(st, 1, name);
	snprintf(what, sizeof what, "named %s", name);
	return network_row(inv, st, what, out, err);
}

int
inv_network_get_id(struct inv *inv, int64_t id, struct inv_network *out,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NETWORK_GET_ID, err);
	char what[32];

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof what, "%lld", (long long)id);
	return network_row(inv, st, what, out, err);
}

static const char SQL_NETWORK_INSERT[] =
    "INSERT INTO network (name, kind, bridge, subnet, gateway, lease_file, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int
inv_network_insert(struct inv *inv, struct inv_network *n, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NETWORK_INSERT, err);

	if (st == NULL)
		return -1;
	bind_text(st, 1, n->name);
	bind_text(st, 2, n->kind);
	bind_text(st, 3, n->bridge);
	bind_text(st, 4, n->subnet);
	bind_text(st, 5, n->gateway);
	bind_text(st, 6, n->lease_file);
	sqlite3_bind_int64(st, 7, util_now_ms());
	if (exec_done(inv, st, err, "cannot record network") == -1)
		return -1;
	n->id = sqlite3_last_insert_rowid(inv->db);
	return 0;
}

static const char SQL_NETWORK_LEASE_FILE[] =
    "UPDATE network SET lease_file = ?2 WHERE id = ?1";

int
inv_network_set_lease_file(struct inv *inv, int64_t id, const char *path,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NETWORK_LEASE_FILE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, path);
	return exec_done(inv, st, err, "cannot record the network's lease file");
}

int
inv_readonly(struct inv *inv)
{
	return sqlite3_db_readonly(inv->db, "main") == 1;
}

/* Shares */

static const char SQL_SHARE_ADD[] =
    "INSERT INTO share (machine_id, kind, host_path, guest_path, tag, position) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int
inv_share_add(struct inv *inv, int64_t machine_id, const struct inv_share *sh,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_SHARE_ADD, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	bind_text(st, 2, sh->kind);
	bind_text(st, 3, sh->host_path);
	bind_text(st, 4, sh->guest_path);
	bind_text(st, 5, sh->tag);
	sqlite3_bind_int(st, 6, sh->position);
	return exec_done(inv, st, err, "cannot record the share");
}

static const char SQL_SHARE_EACH[] =
    "SELECT kind, host_path, guest_path, tag, position FROM share "
    "WHERE machine_id = ?1 ORDER BY kind, position";

int
inv_share_each(struct inv *inv, int64_t machine_id, inv_share_cb cb, void *arg,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_SHARE_EACH, err);
	struct inv_share sh;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sh.kind = (const char *)sqlite3_column_text(st, 0);
		sh.host_path = (const char *)sqlite3_column_text(st, 1);
		sh.guest_path = (const char *)sqlite3_column_text(st, 2);
		sh.tag = (const char *)sqlite3_column_text(st, 3);
		sh.position = sqlite3_column_int(st, 4);
		if (cb(arg, &sh) == -1) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot list shares");
	return 0;
}

/* Machines */

void
inv_machine_release(struct inv_machine *m)
{
	free(m->dir);
	free(m->iso);
	free(m->kernel);
	free(m->initrd);
	free(m->cmdline);
	free(m->iso_stamp);
	free(m->disk_path);
	memset(m, 0, sizeof *m);
}

/* A machine row's columns: the SELECT list and the index of each come
 * from this one list, so they cannot drift apart. */
#define MACHINE_COLUMNS(X) \
	X(ID, "m.id") \
	X(NAME, "m.name") \
	X(UUID, "m.uuid") \
	X(BACKEND, "m.backend") \
	X(STATUS, "m.status") \
	X(CPUS, "m.cpus") \
	X(MEMORY_MB, "m.memory_mb") \
	X(DISK_MB, "m.disk_mb") \
	X(DIR, "m.dir") \
	X(IMAGE_ID, "m.image_id") \
	X(ISO, "m.iso") \
	X(KERNEL, "m.kernel") \
	X(INITRD, "m.initrd") \
	X(CMDLINE, "m.cmdline") \
	X(CREATED_AT, "m.created_at") \
	X(REMOVED_AT, "m.removed_at") \
	X(NETWORK_ID, "n.network_id") \
	X(MAC, "n.mac") \
	X(IP, "n.ip") \
	X(PROC_ROW, "p.id") \
	X(PID, "p.pid") \
	X(START_TIME, "p.start_time") \
	X(BOOT_ID, "p.boot_id") \
	X(EXE, "p.exe") \
	X(CMDLINE_GIVEN, "m.cmdline_given") \
	X(ISO_STAMP, "m.iso_stamp") \
	X(CONSOLE, "p.console") \
	X(DISK_PATH, "d.path") \
	X(DISK_FORMAT, "d.format")
#define MC_ENUM(id, sql) MC_##id,
enum { MACHINE_COLUMNS(MC_ENUM) MC_N };
#undef MC_ENUM
#define MC_SQL(id, sql) sql ", "
/* ... and a NULL after the last one, for the comma. */
#define MACHINE_COLS MACHINE_COLUMNS(MC_SQL) "NULL "
#define MACHINE_FROM \
    "FROM machine m " \
    "LEFT JOIN nic n ON n.id = (SELECT max(id) FROM nic WHERE machine_id = m.id) " \
    "LEFT JOIN process p ON p.machine_id = m.id AND p.ended_at IS NULL " \
    "LEFT JOIN disk d ON d.machine_id = m.id AND d.removed_at IS NULL "

static void
machine_row(sqlite3_stmt *st, struct inv_machine *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(st, MC_ID);
	col_copy(st, MC_NAME, m->name, sizeof m->name);
	col_copy(st, MC_UUID, m->uuid, sizeof m->uuid);
	col_copy(st, MC_BACKEND, m->backend, sizeof m->backend);
	col_copy(st, MC_STATUS, m->status, sizeof m->status);
	m->cpus = sqlite3_column_int(st, MC_CPUS);
	m->memory_mb = sqlite3_column_int(st, MC_MEMORY_MB);
	m->disk_mb = sqlite3_column_int64(st, MC_DISK_MB);
	m->dir = col_dup(st, MC_DIR);
	m->image_id = sqlite3_column_int64(st, MC_IMAGE_ID);
	m->iso = col_dup(st, MC_ISO);
	m->kernel = col_dup(st, MC_KERNEL);
	m->initrd = col_dup(st, MC_INITRD);
	m->cmdline = col_dup(st, MC_CMDLINE);
	m->created_at = sqlite3_column_int64(st, MC_CREATED_AT);
	m->removed_at = sqlite3_column_int64(st, MC_REMOVED_AT);
	m->network_id = sqlite3_column_int64(st, MC_NETWORK_ID);
	col_copy(st, MC_MAC, m->mac, sizeof m->mac);
	col_copy(st, MC_IP, m->ip, sizeof m->ip);
	m->proc_row = sqlite3_column_int64(st, MC_PROC_ROW);
	if (m->proc_row != 0) {
		m->proc.pid = (pid_t)sqlite3_column_int64(st, MC_PID);
		m->proc.start_time = (uint64_t)sqlite3_column_int64(st,
		    MC_START_TIME);
		col_copy(st, MC_BOOT_ID, m->proc.boot_id,
		    sizeof m->proc.boot_id);
		col_copy(st, MC_EXE, m->proc.exe, sizeof m->proc.exe);
	}
	m->cmdline_given = sqlite3_column_int(st, MC_CMDLINE_GIVEN);
	m->iso_stamp = col_dup(st, MC_ISO_STAMP);
	col_copy(st, MC_CONSOLE, m->console, sizeof m->console);
	m->disk_path = col_dup(st, MC_DISK_PATH);
	col_copy(st, MC_DISK_FORMAT, m->disk_format, sizeof m->disk_format);
}

static int
machine_one(struct inv *inv, sqlite3_stmt *st, struct inv_machine *out,
    const char *what, struct xherr *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		machine_row(st, out);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return xherr_set(err, XHE_NOTFOUND, "no machine named %s", what);
	return dberr(inv, err, "cannot read machine");
}

static const char SQL_MACHINE_GET[] =
    "SELECT " MACHINE_COLS MACHINE_FROM
    "WHERE m.name = ?1 AND m.removed_at IS NULL";

int
inv_machine_get(struct inv *inv, const char *name, struct inv_machine *out,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_MACHINE_GET, err);

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return -1;
	bind_text(st, 1, name);
	return machine_one(inv, st, out, name, err);
}

static const char SQL_MACHINE_GET_ID[] =
    "SELECT " MACHINE_COLS MACHINE_FROM "WHERE m.id = ?1";

int
inv_machine_get_id(struct inv *inv, int64_t id, struct inv_machine *out,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_MACHINE_GET_ID, err);
	char what[32];

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof what, "with id %lld", (long long)id);
	return machine_one(inv, st, out, what, err);
}

static const char SQL_MACHINE_EACH_LIVE[] =
    "SELECT " MACHINE_COLS MACHINE_FROM
    "WHERE m.removed_at IS NULL ORDER BY m.name";
static const char SQL_MACHINE_EACH_ALL[] =
    "SELECT " MACHINE_COLS MACHINE_FROM "ORDER BY m.id";

int
inv_machine_each(struct inv *inv, int all, inv_machine_cb cb, void *arg,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, all ? SQL_MACHINE_EACH_ALL :
	    SQL_MACHINE_EACH_LIVE, err);
	struct inv_machine m;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		machine_row(st, &m);
		int stop = cb(arg, &m);
		inv_machine_release(&m);
		if (stop == -1) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot list machines");
	return 0;
}

static const char SQL_MACHINE_INSERT[] =
    "INSERT INTO machine (name, uuid, backend, status, cpus, memory_mb, "
    "disk_mb, dir, image_id, iso, kernel, initrd, cmdline, created_at, "
    "cmdline_given, iso_stamp) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?16)";

int
inv_machine_insert(struct inv *inv, struct inv_machine *m, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_MACHINE_INSERT, err);
	int rc;

	if (st == NULL)
		return -1;
	m->created_at = util_now_ms();
	bind_text(st, 1, m->name);
	bind_text(st, 2, m->uuid);
	bind_text(st, 3, m->backend);
	bind_text(st, 4, m->status);
	sqlite3_bind_int(st, 5, m->cpus);
	sqlite3_bind_int(st, 6, m->memory_mb);
	sqlite3_bind_int64(st, 7, m->disk_mb);
	bind_text(st, 8, m->dir);
	bind_id(st, 9, m->image_id);
	bind_text(st, 10, m->iso);
	bind_text(st, 11, m->kernel);
	bind_text(st, 12, m->initrd);
	bind_text(st, 13, m->cmdline);
	sqlite3_bind_int64(st, 14, m->created_at);
	sqlite3_bind_int(st, 15, m->cmdline_given ? 1 : 0);
	bind_text(st, 16, m->iso_stamp);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return xherr_set(err, XHE_EXISTS, "machine %s already exists",
		    m->name);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot record machine");
	m->id = sqlite3_last_insert_rowid(inv->db);
	return 0;
}

static const char SQL_MACHINE_STATUS[] =
    "UPDATE machine SET status = ?2, removed_at = CASE WHEN ?2 IN "
    "('removed', 'failed') THEN coalesce(removed_at, ?3) ELSE NULL END "
    "WHERE id = ?1";

int
inv_machine_set_status(struct inv *inv, int64_t id, const char *status,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_MACHINE_STATUS, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, status);
	sqlite3_bind_int64(st, 3, util_now_ms());
	return exec_done(inv, st, err, "cannot update machine status");
}

static const char SQL_MACHINE_BOOT[] =
    "UPDATE machine SET kernel = ?2, initrd = ?3, cmdline = ?4, iso_stamp = ?5 "
    "WHERE id = ?1";

int
inv_machine_set_boot(struct inv *inv, int64_t id, const char *kernel,
    const char *initrd, const char *cmdline, const char *iso_stamp,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_MACHINE_BOOT, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, kernel);
	bind_text(st, 3, initrd);
	bind_text(st, 4, cmdline);
	bind_text(st, 5, iso_stamp);
	return exec_done(inv, st, err, "cannot record the machine's kernel");
}

static const char SQL_MACHINE_NAME_USED[] =
    "SELECT count(*) FROM machine WHERE name = ?1 AND removed_at IS NOT NULL";

int
inv_machine_name_was_used(struct inv *inv, const char *name,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_MACHINE_NAME_USED, err);
	int n;

	if (st == NULL)
		return -1;
	bind_text(st, 1, name);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return dberr(inv, err, "cannot read machines");
	}
	n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n > 0;
}

/* NICs */

static const char SQL_NIC_PREVIOUS_IP[] =
    "SELECT ip FROM nic WHERE mac = ?1 AND network_id = ?2 AND ip IS NOT NULL "
    "ORDER BY id DESC LIMIT 1";
static const char SQL_NIC_IP_TAKEN[] =
    "SELECT count(*) FROM nic WHERE network_id = ?1 AND ip = ?2 "
    "AND released_at IS NULL";
static const char SQL_NIC_LIVE_IPS[] =
    "SELECT ip FROM nic WHERE network_id = ?1 AND released_at IS NULL "
    "AND ip IS NOT NULL";
static const char SQL_NIC_INSERT[] =
    "INSERT INTO nic (machine_id, network_id, mac, ip, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";

static int
ip_taken(struct inv *inv, int64_t network_id, const char *ip, int *taken,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NIC_IP_TAKEN, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, network_id);
	bind_text(st, 2, ip);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return dberr(inv, err, "cannot read reservations");
	}
	*taken = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return 0;
}

static int
pick_ip(struct inv *inv, int64_t network_id, const char *mac, uint32_t lo,
    uint32_t hi, char ip[IDENT_IP_LEN], struct xherr *err)
{
	sqlite3_stmt *st;
	uint32_t v;
	unsigned char *used;
	int taken = 0, rc;

	/* The address this MAC had before, when still free and in range. */
	if ((st = stmt(inv, SQL_NIC_PREVIOUS_IP, err)) == NULL)
		return -1;
	bind_text(st, 1, mac);
	sqlite3_bind_int64(st, 2, network_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, ip, IDENT_IP_LEN);
		sqlite3_reset(st);
		if (ident_ip_parse(ip, &v) == 0 && v >= lo && v <= hi) {
			if (ip_taken(inv, network_id, ip, &taken, err) == -1)
				return -1;
			if (!taken)
				return 0;
		}
	} else {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return dberr(inv, err, "cannot read reservations");
	}
	/* Else the lowest free address. */
	used = xcalloc(hi - lo + 1, 1);
	if ((st = stmt(inv, SQL_NIC_LIVE_IPS, err)) == NULL) {
		free(used);
		return -1;
	}
	sqlite3_bind_int64(st, 1, network_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(st, 0);
		if (s && ident_ip_parse((const char *)s, &v) == 0 && v >= lo &&
		    v <= hi)
			used[v - lo] = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(used);
		return dberr(inv, err, "cannot read reservations");
	}
	for (v = lo; v <= hi; v++)
		if (!used[v - lo])
			break;
	free(used);
	if (v > hi) {
		char a[IDENT_IP_LEN], b[IDENT_IP_LEN];
		ident_ip_format(lo, a);
		ident_ip_format(hi, b);
		return xherr_set(err, XHE_FAIL, "no free address left in %s-%s: "
		    "remove machines or run xhinv gc", a, b);
	}
	ident_ip_format(v, ip);
	return 0;
}

int
inv_nic_reserve(struct inv *inv, int64_t machine_id, int64_t network_id,
    const char *mac, uint32_t lo, uint32_t hi, char ip[IDENT_IP_LEN],
    struct xherr *err)
{
	sqlite3_stmt *st;
	int rc;

	if (pick_ip(inv, network_id, mac, lo, hi, ip, err) == -1)
		return -1;
	if ((st = stmt(inv, SQL_NIC_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	sqlite3_bind_int64(st, 2, network_id);
	bind_text(st, 3, mac);
	bind_text(st, 4, ip);
	sqlite3_bind_int64(st, 5, util_now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return xherr_set(err, XHE_EXISTS, "MAC %s is already reserved by "
		    "a live machine (same UUID?)", mac);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot record reservation");
	return 0;
}

static const char SQL_NIC_ADD[] =
    "INSERT INTO nic (machine_id, network_id, mac, created_at) "
    "VALUES (?1, ?2, ?3, ?4)";

int
inv_nic_add(struct inv *inv, int64_t machine_id, int64_t network_id,
    const char *mac, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NIC_ADD, err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	sqlite3_bind_int64(st, 2, network_id);
	bind_text(st, 3, mac);
	sqlite3_bind_int64(st, 4, util_now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return xherr_set(err, XHE_EXISTS, "MAC %s already belongs to a "
		    "live machine", mac);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot record the NIC");
	return 0;
}

static const char SQL_NIC_IP_HOLDER[] =
    "SELECT o.machine_id FROM nic o JOIN nic me ON me.machine_id = ?1 "
    "AND me.released_at IS NULL AND o.network_id = me.network_id "
    "WHERE o.ip = ?2 AND o.released_at IS NULL AND o.machine_id != ?1";
static const char SQL_NIC_IP_DROP[] =
    "UPDATE nic SET ip = NULL WHERE machine_id = ?1 AND released_at IS NULL";
static const char SQL_NIC_SET_IP[] =
    "UPDATE nic SET ip = ?2 WHERE machine_id = ?1 AND released_at IS NULL";

int
inv_nic_set_ip(struct inv *inv, int64_t machine_id, const char *ip,
    int64_t *moved_from, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NIC_IP_HOLDER, err);
	int rc;

	*moved_from = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	bind_text(st, 2, ip);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*moved_from = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(inv, err, "cannot look up the address");
	if (*moved_from != 0) {
		if ((st = stmt(inv, SQL_NIC_IP_DROP, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, *moved_from);
		if (exec_done(inv, st, err, "cannot forget the address") == -1)
			return -1;
	}
	if ((st = stmt(inv, SQL_NIC_SET_IP, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	bind_text(st, 2, ip);
	return exec_done(inv, st, err, "cannot record the address");
}

static const char SQL_NIC_RELEASE[] =
    "UPDATE nic SET released_at = ?2 WHERE machine_id = ?1 "
    "AND released_at IS NULL";

int
inv_nic_release(struct inv *inv, int64_t machine_id, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NIC_RELEASE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	sqlite3_bind_int64(st, 2, util_now_ms());
	return exec_done(inv, st, err, "cannot release reservation");
}

static const char SQL_NIC_EACH_LIVE[] =
    "SELECT n.mac, n.ip, m.name FROM nic n JOIN machine m ON m.id = n.machine_id "
    "WHERE n.network_id = ?1 AND n.released_at IS NULL AND n.ip IS NOT NULL "
    "ORDER BY n.id";

int
inv_nic_each_live(struct inv *inv, int64_t network_id, inv_nic_cb cb,
    void *arg, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_NIC_EACH_LIVE, err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, network_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2)) == -1) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot list reservations");
	return 0;
}

static const char SQL_MAC_OWNER[] =
    "SELECT m.name, n.released_at IS NULL FROM nic n "
    "JOIN machine m ON m.id = n.machine_id WHERE n.mac = ?1 "
    "ORDER BY n.id DESC LIMIT 1";

int
inv_mac_owner(struct inv *inv, const char *mac, char name[IDENT_NAME_MAX + 1],
    int *live, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_MAC_OWNER, err);
	int rc;

	if (st == NULL)
		return -1;
	bind_text(st, 1, mac);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, name, IDENT_NAME_MAX + 1);
		*live = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot read reservations");
	name[0] = '\0';
	*live = 0;
	return 0;
}

/* Disks */

static const char SQL_DISK_INSERT[] =
    "INSERT INTO disk (machine_id, path, format, size_mb, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";

int
inv_disk_insert(struct inv *inv, int64_t machine_id, const char *path,
    const char *format, int64_t size_mb, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_DISK_INSERT, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	bind_text(st, 2, path);
	bind_text(st, 3, format);
	sqlite3_bind_int64(st, 4, size_mb);
	sqlite3_bind_int64(st, 5, util_now_ms());
	return exec_done(inv, st, err, "cannot record disk");
}

static const char SQL_DISK_REMOVE[] =
    "UPDATE disk SET removed_at = ?2 WHERE machine_id = ?1 "
    "AND removed_at IS NULL";

int
inv_disk_remove(struct inv *inv, int64_t machine_id, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_DISK_REMOVE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	sqlite3_bind_int64(st, 2, util_now_ms());
	return exec_done(inv, st, err, "cannot record disk removal");
}

static const char SQL_DISK_RESIZE[] =
    "UPDATE disk SET size_mb = ?2 WHERE machine_id = ?1 AND removed_at IS NULL";
static const char SQL_MACHINE_DISK_MB[] =
    "UPDATE machine SET disk_mb = ?2 WHERE id = ?1";

int
inv_disk_resize(struct inv *inv, int64_t machine_id, int64_t size_mb,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_DISK_RESIZE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	sqlite3_bind_int64(st, 2, size_mb);
	if (exec_done(inv, st, err, "cannot record the disk size") == -1 ||
	    (st = stmt(inv, SQL_MACHINE_DISK_MB, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, machine_id);
	sqlite3_bind_int64(st, 2, size_mb);
	return exec_done(inv, st, err, "cannot record the disk size");
}

/* Processes */

static const char SQL_PROCESS_INSERT[] =
    "INSERT INTO process (machine_id, network_id, role, pid, start_time, "
    "boot_id, exe, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

int
inv_process_insert(struct inv *inv, int64_t machine_id, int64_t network_id,
    const char *role, const struct proc_ident *p, int64_t *row,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_PROCESS_INSERT, err);

	if (st == NULL)
		return -1;
	bind_id(st, 1, machine_id);
	bind_id(st, 2, network_id);
	bind_text(st, 3, role);
	sqlite3_bind_int64(st, 4, p->pid);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)p->start_time);
	bind_text(st, 6, p->boot_id);
	bind_text(st, 7, p->exe);
	sqlite3_bind_int64(st, 8, util_now_ms());
	if (exec_done(inv, st, err, "cannot record process") == -1)
		return -1;
	if (row)
		*row = sqlite3_last_insert_rowid(inv->db);
	return 0;
}

static const char SQL_PROCESS_END[] =
    "UPDATE process SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 "
    "AND ended_at IS NULL";

int
inv_process_end(struct inv *inv, int64_t row, const char *reason,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_PROCESS_END, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, util_now_ms());
	bind_text(st, 3, reason);
	return exec_done(inv, st, err, "cannot record process end");
}

static const char SQL_PROCESS_CONSOLE[] =
    "UPDATE process SET console = ?2 WHERE id = ?1";

int
inv_process_set_console(struct inv *inv, int64_t row, const char *tty,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_PROCESS_CONSOLE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	bind_text(st, 2, tty && *tty ? tty : NULL);
	return exec_done(inv, st, err, "cannot record the console");
}

static void
process_cols(sqlite3_stmt *st, int i, struct proc_ident *p)
{
	memset(p, 0, sizeof *p);
	p->pid = (pid_t)sqlite3_column_int64(st, i);
	p->start_time = (uint64_t)sqlite3_column_int64(st, i + 1);
	col_copy(st, i + 2, p->boot_id, sizeof p->boot_id);
	col_copy(st, i + 3, p->exe, sizeof p->exe);
}

static const char SQL_PROCESS_NETWORK[] =
    "SELECT id, pid, start_time, boot_id, exe FROM process "
    "WHERE network_id = ?1 AND ended_at IS NULL";

int
inv_process_network(struct inv *inv, int64_t network_id, int64_t *row,
    struct proc_ident *p, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_PROCESS_NETWORK, err);
	int rc;

	*row = 0;
	memset(p, 0, sizeof *p);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, network_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*row = sqlite3_column_int64(st, 0);
		process_cols(st, 1, p);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(inv, err, "cannot read processes");
	return 0;
}

static const char SQL_PROCESS_EACH_LIVE[] =
    "SELECT id, coalesce(machine_id, 0), role, pid, start_time, boot_id, exe "
    "FROM process WHERE ended_at IS NULL ORDER BY id";

int
inv_process_each_live(struct inv *inv, inv_process_cb cb, void *arg,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_PROCESS_EACH_LIVE, err);
	struct proc_ident p;
	int rc;

	if (st == NULL)
		return -1;
	/* Collect first: callbacks may write to the same table. */
	struct row { int64_t id, machine; char role[16]; struct proc_ident p; } *rows = NULL;
	size_t n = 0, cap = 0, i;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			rows = xrealloc(rows, cap * sizeof *rows);
		}
		rows[n].id = sqlite3_column_int64(st, 0);
		rows[n].machine = sqlite3_column_int64(st, 1);
		col_copy(st, 2, rows[n].role, sizeof rows[n].role);
		process_cols(st, 3, &p);
		rows[n].p = p;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(rows);
		return dberr(inv, err, "cannot list processes");
	}
	for (i = 0; i < n; i++)
		if (cb(arg, rows[i].id, rows[i].machine, rows[i].role,
		    &rows[i].p) == -1) {
			free(rows);
			return -1;
		}
	free(rows);
	return 0;
}

/* Leases */

static const char SQL_LEASE_SEEN[] =
    "INSERT INTO lease (network_id, mac, ip, hostname, client_id, expires_at, "
    "first_seen, last_seen, state, source) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'active', ?8) "
    "ON CONFLICT (network_id, mac, ip) DO UPDATE SET hostname = ?4, "
    "client_id = ?5, expires_at = ?6, last_seen = ?7, state = 'active', "
    "source = ?8";

int
inv_lease_seen(struct inv *inv, int64_t network_id, const struct lease *l,
    const char *source, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_LEASE_SEEN, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, network_id);
	bind_text(st, 2, l->mac);
	bind_text(st, 3, l->ip);
	bind_text(st, 4, l->hostname);
	bind_text(st, 5, l->client_id);
	if (l->expires == 0)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_int64(st, 6, l->expires * 1000);
	sqlite3_bind_int64(st, 7, util_now_ms());
	bind_text(st, 8, source);
	return exec_done(inv, st, err, "cannot record lease");
}

static const char SQL_LEASE_STATE[] =
    "UPDATE lease SET state = ?3, last_seen = ?4 WHERE network_id = ?1 "
    "AND mac = ?2 AND state <> ?3";

int
inv_lease_set_state(struct inv *inv, int64_t network_id, const char *mac,
    const char *state, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_LEASE_STATE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, network_id);
	bind_text(st, 2, mac);
	bind_text(st, 3, state);
	sqlite3_bind_int64(st, 4, util_now_ms());
	return exec_done(inv, st, err, "cannot record lease state");
}

/* Images */

void
inv_image_release(struct inv_image *img)
{
	free(img->source);
	free(img->url);
	free(img->resolved_url);
	free(img->tag);
	free(img->path);
	free(img->sha256);
	free(img->volume_id);
	free(img->kernel);
	free(img->initrd);
	free(img->cmdline);
	memset(img, 0, sizeof *img);
}

/* The HTTP validators (etag, last_modified) are the cache's alone, in its
 * .meta files (schema 0009). */
static const char SQL_IMAGE_UPSERT[] =
    "INSERT INTO image (url, path, size, volume_id, kernel, initrd, cmdline, "
    "fetched_at, last_used_at, source, resolved_url, tag, sha256) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (url) DO UPDATE SET path = ?2, size = ?3, volume_id = ?4, "
    "kernel = ?5, initrd = ?6, cmdline = ?7, fetched_at = coalesce(?8, "
    "fetched_at), last_used_at = ?9, source = ?10, resolved_url = ?11, "
    "tag = coalesce(?12, tag), sha256 = coalesce(?13, sha256), "
    "removed_at = NULL "
    "RETURNING id";

int
inv_image_upsert(struct inv *inv, struct inv_image *img, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_IMAGE_UPSERT, err);
	int rc;

	if (st == NULL)
		return -1;
	bind_text(st, 1, img->url);
	bind_text(st, 2, img->path);
	sqlite3_bind_int64(st, 3, img->size);
	bind_text(st, 4, img->volume_id);
	bind_text(st, 5, img->kernel);
	bind_text(st, 6, img->initrd);
	bind_text(st, 7, img->cmdline);
	bind_id(st, 8, img->fetched_at);
	sqlite3_bind_int64(st, 9, util_now_ms());
	bind_text(st, 10, img->source);
	bind_text(st, 11, img->resolved_url);
	bind_text(st, 12, img->tag);
	bind_text(st, 13, img->sha256 && *img->sha256 ? img->sha256 : NULL);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		img->id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return dberr(inv, err, "cannot record image");
	return 0;
}

static const char SQL_IMAGE_EACH_LIVE[] =
    "SELECT i.id, i.source, i.url, i.resolved_url, i.tag, i.path, i.sha256, "
    "i.volume_id, i.kernel, i.initrd, i.cmdline, "
    "i.size, i.fetched_at, i.last_used_at, i.removed_at, (SELECT count(*) "
    "FROM machine m WHERE m.image_id = i.id AND m.removed_at IS NULL) "
    "FROM image i WHERE i.removed_at IS NULL ORDER BY i.id";
static const char SQL_IMAGE_EACH_ALL[] =
    "SELECT i.id, i.source, i.url, i.resolved_url, i.tag, i.path, i.sha256, "
    "i.volume_id, i.kernel, i.initrd, i.cmdline, "
    "i.size, i.fetched_at, i.last_used_at, i.removed_at, (SELECT count(*) "
    "FROM machine m WHERE m.image_id = i.id AND m.removed_at IS NULL) "
    "FROM image i ORDER BY i.id";

int
inv_image_each(struct inv *inv, int all, inv_image_cb cb, void *arg,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, all ? SQL_IMAGE_EACH_ALL :
	    SQL_IMAGE_EACH_LIVE, err);
	struct inv_image img;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&img, 0, sizeof img);
		img.id = sqlite3_column_int64(st, 0);
		img.source = col_dup(st, 1);
		img.url = col_dup(st, 2);
		img.resolved_url = col_dup(st, 3);
		img.tag = col_dup(st, 4);
		img.path = col_dup(st, 5);
		img.sha256 = col_dup(st, 6);
		img.volume_id = col_dup(st, 7);
		img.kernel = col_dup(st, 8);
		img.initrd = col_dup(st, 9);
		img.cmdline = col_dup(st, 10);
		img.size = sqlite3_column_int64(st, 11);
		img.fetched_at = sqlite3_column_int64(st, 12);
		img.last_used_at = sqlite3_column_int64(st, 13);
		img.removed_at = sqlite3_column_int64(st, 14);
		img.users = sqlite3_column_int(st, 15);
		int stop = cb(arg, &img);
		inv_image_release(&img);
		if (stop == -1) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot list images");
	return 0;
}

static const char SQL_IMAGE_REMOVED[] =
    "UPDATE image SET removed_at = ?2 WHERE id = ?1";

int
inv_image_removed(struct inv *inv, int64_t id, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_IMAGE_REMOVED, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, util_now_ms());
	return exec_done(inv, st, err, "cannot record image removal");
}

/* The newest image row recorded for a file with this content whose
 * kernel and initrd were found: what iso_inspect would say again. */
static const char SQL_IMAGE_BY_SHA[] =
    "SELECT id, volume_id, kernel, initrd, cmdline FROM image "
    "WHERE sha256 = ?1 AND kernel IS NOT NULL AND initrd IS NOT NULL "
    "ORDER BY last_used_at DESC, id DESC LIMIT 1";

int
inv_image_by_sha256(struct inv *inv, const char *sha256, struct inv_image *img,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_IMAGE_BY_SHA, err);
	int rc;

	memset(img, 0, sizeof *img);
	if (st == NULL)
		return -1;
	bind_text(st, 1, sha256);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		img->id = sqlite3_column_int64(st, 0);
		img->volume_id = col_dup(st, 1);
		img->kernel = col_dup(st, 2);
		img->initrd = col_dup(st, 3);
		img->cmdline = col_dup(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return xherr_set(err, XHE_NOTFOUND, "no image with sha256 %s",
		    sha256);
	if (rc != SQLITE_ROW)
		return dberr(inv, err, "cannot read images");
	return 0;
}

/* Boot files */

void
inv_boot_file_release(struct inv_boot_file *f)
{
	if (f == NULL)
		return;
	free(f->iso_sha256);
	free(f->role);
	free(f->member);
	free(f->path);
	free(f->sha256);
	free(f->boot_id);
	memset(f, 0, sizeof *f);
}

static const char SQL_BOOT_FILE_GET[] =
    "SELECT id, iso_sha256, role, member, path, size, sha256, boot_id, "
    "made_at, sealed_at, used_at FROM boot_file "
    "WHERE iso_sha256 = ?1 AND role = ?2";

int
inv_boot_file_get(struct inv *inv, const char *iso_sha256, const char *role,
    struct inv_boot_file *f, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_BOOT_FILE_GET, err);
	int rc;

	memset(f, 0, sizeof *f);
	if (st == NULL)
		return -1;
	bind_text(st, 1, iso_sha256);
	bind_text(st, 2, role);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		f->id = sqlite3_column_int64(st, 0);
		f->iso_sha256 = col_dup(st, 1);
		f->role = col_dup(st, 2);
		f->member = col_dup(st, 3);
		f->path = col_dup(st, 4);
		f->size = sqlite3_column_int64(st, 5);
		f->sha256 = col_dup(st, 6);
		f->boot_id = col_dup(st, 7);
		f->made_at = sqlite3_column_int64(st, 8);
		f->sealed_at = sqlite3_column_int64(st, 9);
		f->used_at = sqlite3_column_int64(st, 10);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return xherr_set(err, XHE_NOTFOUND, "no %s recorded for ISO %s",
		    role, iso_sha256);
	if (rc != SQLITE_ROW)
		return dberr(inv, err, "cannot read boot files");
	return 0;
}

/* A file written again starts unsealed. */
static const char SQL_BOOT_FILE_PUT[] =
    "INSERT INTO boot_file (iso_sha256, role, member, path, size, boot_id, "
    "made_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (iso_sha256, role) DO UPDATE SET member = ?3, path = ?4, "
    "size = ?5, sha256 = NULL, boot_id = ?6, made_at = ?7, sealed_at = NULL "
    "RETURNING id";

int
inv_boot_file_put(struct inv *inv, struct inv_boot_file *f, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_BOOT_FILE_PUT, err);
	int rc;

	if (st == NULL)
		return -1;
	f->made_at = util_now_ms();
	bind_text(st, 1, f->iso_sha256);
	bind_text(st, 2, f->role);
	bind_text(st, 3, f->member);
	bind_text(st, 4, f->path);
	sqlite3_bind_int64(st, 5, f->size);
	bind_text(st, 6, f->boot_id);
	sqlite3_bind_int64(st, 7, f->made_at);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		f->id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return dberr(inv, err, "cannot record a boot file");
	return 0;
}

/* sha256 NULL: used (and known whole) in this boot; else sealed. */
static const char SQL_BOOT_FILE_SEEN[] =
    "UPDATE boot_file SET boot_id = ?2, used_at = CASE WHEN ?3 IS NULL "
    "THEN ?4 ELSE used_at END, sha256 = coalesce(?3, sha256), "
    "sealed_at = CASE WHEN ?3 IS NULL THEN sealed_at ELSE ?4 END "
    "WHERE id = ?1";

int
inv_boot_file_seen(struct inv *inv, int64_t id, const char *boot_id,
    const char *sha256, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_BOOT_FILE_SEEN, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, boot_id);
	bind_text(st, 3, sha256);
	sqlite3_bind_int64(st, 4, util_now_ms());
	return exec_done(inv, st, err, "cannot record a boot file");
}

static const char SQL_BOOT_FILE_FORGET[] =
    "DELETE FROM boot_file WHERE iso_sha256 = ?1";

int
inv_boot_file_forget(struct inv *inv, const char *iso_sha256,
    struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_BOOT_FILE_FORGET, err);

	if (st == NULL)
		return -1;
	bind_text(st, 1, iso_sha256);
	return exec_done(inv, st, err, "cannot forget boot files");
}

/* Events */

static const char SQL_EVENT_INSERT[] =
    "INSERT INTO event (at, machine_id, kind, duration_ms, detail) "
    "VALUES (?1, ?2, ?3, ?4, coalesce(?5, '{}'))";

int
inv_event(struct inv *inv, int64_t machine_id, const char *kind,
    int64_t duration_ms, const char *detail, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, SQL_EVENT_INSERT, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, util_now_ms());
	bind_id(st, 2, machine_id);
	bind_text(st, 3, kind);
	if (duration_ms < 0)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_int64(st, 4, duration_ms);
	bind_text(st, 5, detail);
	return exec_done(inv, st, err, "cannot record event");
}

/* The newest ?1 events with ids below ?3, found newest first through the
 * primary key or event_machine(machine_id, id), then given oldest first: a
 * page costs its size, not the size of the history. */
static const char SQL_HISTORY_ALL[] =
    "SELECT * FROM (SELECT e.id, e.at, m.name, e.kind, e.duration_ms, e.detail "
    "FROM event e LEFT JOIN machine m ON m.id = e.machine_id "
    "WHERE e.id < ?3 ORDER BY e.id DESC LIMIT ?1) ORDER BY id";
static const char SQL_HISTORY_MACHINE[] =
    "SELECT * FROM (SELECT e.id, e.at, m.name, e.kind, e.duration_ms, e.detail "
    "FROM machine m JOIN event e ON e.machine_id = m.id "
    "WHERE m.name = ?2 AND e.id < ?3 ORDER BY e.id DESC LIMIT ?1) ORDER BY id";

int
inv_history_each(struct inv *inv, const char *machine, int64_t before,
    int64_t limit, inv_event_cb cb, void *arg, int *more, struct xherr *err)
{
	sqlite3_stmt *st = stmt(inv, machine ? SQL_HISTORY_MACHINE :
	    SQL_HISTORY_ALL, err);
	struct inv_event e;
	int64_t n = 0, first = 0;
	int rc;

	*more = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	if (machine)
		bind_text(st, 2, machine);
	sqlite3_bind_int64(st, 3, before > 0 ? before : INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		e.machine = (const char *)sqlite3_column_text(st, 2);
		e.kind = (const char *)sqlite3_column_text(st, 3);
		e.duration_ms = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 4);
		e.detail = (const char *)sqlite3_column_text(st, 5);
		if (n++ == 0)
			first = e.id;
		if (cb(arg, &e) == -1) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(inv, err, "cannot read history");
	/* A full page: is there an older event? The same query, one row. */
	if (limit > 0 && n == limit) {
		sqlite3_bind_int64(st, 1, 1);
		sqlite3_bind_int64(st, 3, first);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return dberr(inv, err, "cannot read history");
		*more = rc == SQLITE_ROW;
	}
	return 0;
}

/* User SQL */

/*
 * What `xhinv sql` may do, decided by SQLite's authorizer as it compiles
 * the statement (sqlite3_stmt_readonly alone lets PRAGMA writable_schema,
 * query_only and friends through). Read-only: reading, functions and a
 * few PRAGMAs that only report. --write adds changing rows, never the
 * schema: no table, index, view or trigger is made, dropped or altered,
 * so the history's append-only triggers stay. Never: ATTACH, DETACH,
 * other PRAGMAs, fts3_tokenizer.
 */
struct sql_auth {
	int allow_write;
	char denied[96];
};

static int
sql_authorize(void *arg, int action, const char *a, const char *b,
    const char *db, const char *trigger)
{
	static const char *const report[] = { "table_info", "table_xinfo",
	    "table_list", "index_list", "index_info", "index_xinfo",
	    "foreign_key_list", "function_list", "pragma_list",
	    "collation_list", "database_list", "compile_options" };
	struct sql_auth *au = arg;
	size_t i;

	(void)db;
	/* What a trigger or view does on the statement's behalf is checked
	 * by SQLite when they were made: ours. */
	if (trigger != NULL)
		return SQLITE_OK;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		if (b != NULL && strcasecmp(b, "fts3_tokenizer") != 0 &&
		    strcasecmp(b, "load_extension") != 0)
			return SQLITE_OK;
		snprintf(au->denied, sizeof au->denied, "the function %s()", b);
		return SQLITE_DENY;
	case SQLITE_PRAGMA:
		for (i = 0; i < sizeof report / sizeof report[0]; i++)
			if (a != NULL && strcasecmp(a, report[i]) == 0)
				return SQLITE_OK;
		/* user_version and schema_version only read, no "= N". */
		if (a != NULL && b == NULL && (strcasecmp(a, "user_version") == 0 ||
		    strcasecmp(a, "schema_version") == 0))
			return SQLITE_OK;
		snprintf(au->denied, sizeof au->denied, "PRAGMA %s%s%s",
		    a ? a : "", b ? " = " : "", b ? b : "");
		return SQLITE_DENY;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		if (au->allow_write)
			return SQLITE_OK;
		snprintf(au->denied, sizeof au->denied, "writing %s without "
		    "--write", a ? a : "");
		return SQLITE_DENY;
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		if (au->allow_write)
			return SQLITE_OK;
		break;
	}
	if (au->denied[0] == '\0')
		snprintf(au->denied, sizeof au->denied, "%s",
		    action == SQLITE_ATTACH || action == SQLITE_DETACH ?
		    (action == SQLITE_ATTACH ? "ATTACH" : "DETACH") :
		    action == SQLITE_TRANSACTION ||
		    action == SQLITE_SAVEPOINT ? "a transaction without --write" :
		    "changing the schema");
	return SQLITE_DENY;
}

int
inv_sql(struct inv *inv, const char *sql, int allow_write, inv_row_cb cb,
    void *arg, struct xherr *err)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	const char **names = NULL, **values = NULL;
	struct sql_auth au = { allow_write, "" };
	int ncol, i, rc, ret = -1;

	sqlite3_set_authorizer(inv->db, sql_authorize, &au);
	rc = sqlite3_prepare_v2(inv->db, sql, -1, &st, &tail);
	sqlite3_set_authorizer(inv->db, NULL, NULL);
	if (rc != SQLITE_OK && au.denied[0] != '\0')
		return xherr_set(err, XHE_USAGE, "sql: %s is not allowed "
		    "(xhinv sql reads%s; see xhinv help sql)", au.denied,
		    allow_write ? " and, with --write, changes rows" : "");
	if (rc != SQLITE_OK)
		return xherr_set(err, XHE_USAGE, "sql: %s",
		    sqlite3_errmsg(inv->db));
	if (st == NULL)
		return xherr_set(err, XHE_USAGE, "sql: empty statement");
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' ||
	    *tail == ';' || *tail == '\r'))
		tail++;
	if (tail && *tail != '\0') {
		xherr_set(err, XHE_USAGE, "sql: give one statement at a time "
		    "(extra text: %.40s)", tail);
		goto out;
	}
	if (!allow_write && !sqlite3_stmt_readonly(st)) {
		xherr_set(err, XHE_USAGE, "sql: this statement writes; "
		    "xhinv sql is read-only unless --write is given");
		goto out;
	}
	ncol = sqlite3_column_count(st);
	names = xcalloc((size_t)ncol + 1, sizeof *names);
	values = xcalloc((size_t)ncol + 1, sizeof *values);
	for (i = 0; i < ncol; i++)
		names[i] = sqlite3_column_name(st, i);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			values[i] = (const char *)sqlite3_column_text(st, i);
		if (cb(arg, ncol, names, values) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		xherr_set(err, XHE_FAIL, "sql: %s", sqlite3_errmsg(inv->db));
		goto out;
	}
	ret = 0;
out:
	free(names);
	free(values);
	sqlite3_finalize(st);
	return ret;
}
