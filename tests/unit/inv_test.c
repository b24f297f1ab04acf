/* inv: migrations, refusal of newer databases, reservations, history. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inv.h"
#include "schema.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/inv_test.XXXXXX";

static char *
dbpath(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	sqlite3_open(path, &db);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		printf("# raw_exec: %s\n", msg);
	sqlite3_free(msg);
	sqlite3_close(db);
}

static int
raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	sqlite3_open(path, &db);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int
count_cb(void *arg, int ncol, const char *const *names,
    const char *const *values)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_open_and_migrate(void)
{
	struct xherr err = XHERR_INIT;
	struct inv *inv;
	char *p = dbpath("fresh.db");

	ok(inv_open(&inv, p, INV_RW, &err) == 0, "open creates a database: %s",
	    err.msg);
	inv_close(inv);
	is_int(raw_int(p, "PRAGMA user_version"), inv_schema_version(),
	    "user_version is the latest migration");
	is_str(raw_int(p, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'machine'") == 1 ? "yes" : "no", "yes", "machine table exists");
	ok(raw_int(p, "SELECT count(*) FROM event_kind") >= 10,
	    "event kinds are seeded");
	ok(inv_open(&inv, p, INV_RW, &err) == 0, "reopening is a no-op");
	inv_close(inv);
	ok(inv_open(&inv, p, INV_RDONLY, &err) == 0, "read-only open works");
	inv_close(inv);
	free(p);

	/* An old database (version 0) with unrelated data is migrated and
	 * keeps that data. */
	p = dbpath("old.db");
	raw_exec(p, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x');");
	ok(inv_open(&inv, p, INV_RW, &err) == 0, "version-0 database migrates");
	inv_close(inv);
	is_int(raw_int(p, "SELECT count(*) FROM notes"), 1, "its data survives");
	is_int(raw_int(p, "PRAGMA user_version"), inv_schema_version(),
	    "and it is now current");
	free(p);

	/* A version-1 database with machines, images and events (what the
	 * first release wrote) is brought up to date and keeps them. */
	p = dbpath("v1.db");
	raw_exec(p, schema_migrations[0].sql);
	raw_exec(p, "INSERT INTO image (url, path, etag, last_modified, "
	    "sha256) VALUES ('file:///b.iso', '/b.iso', '\"e1\"', 'Mon', 'ab');"
	    "INSERT INTO machine (name, uuid, backend, status, cpus, memory_mb, "
	    "disk_mb, dir, image_id, cmdline, created_at) VALUES ('old', 'u', "
	    "'qemu', 'ready', 1, 64, 32, '/x', 1, 'base', 1);"
	    "INSERT INTO event (at, machine_id, kind) VALUES (1, 1, 'create');"
	    "PRAGMA user_version = 1;");
	is_int(raw_int(p, "PRAGMA user_version"), 1, "a version-1 database");
	xherr_clear(&err);
	ok(inv_open(&inv, p, INV_RW, &err) == 0, "migrates from version 1: %s",
	    err.msg);
	inv_close(inv);
	is_int(raw_int(p, "PRAGMA user_version"), inv_schema_version(),
	    "to the latest version");
	is_int(raw_int(p, "SELECT count(*) FROM machine WHERE name = 'old' AND "
	    "cmdline = 'base' AND cmdline_given = 0 AND iso_stamp IS NULL"), 1,
	    "the machine keeps its fields and gets the new ones");
	is_int(raw_int(p, "SELECT users FROM images WHERE url = 'file:///b.iso'"),
	    1, "the new images view sees it use its image");
	is_int(raw_int(p, "SELECT count(*) FROM image WHERE etag IS NULL AND "
	    "last_modified IS NULL AND sha256 = 'ab'"), 1, "the image's HTTP "
	    "validators are cleared (the cache's .meta owns them), its sha256 "
	    "kept");
	is_int(raw_int(p, "SELECT count(*) FROM event WHERE kind = 'create'"), 1,
	    "the history survives");
	is_int(raw_int(p, "SELECT count(*) FROM event_kind WHERE name = "
	    "'kernel-extract'"), 1, "new event kinds are added");
	/* 0010: what history NAME prints is in its index; live processes
	 * have an index of their own. */
	is_int(raw_int(p, "SELECT count(*) FROM pragma_index_xinfo("
	    "'event_machine') WHERE name IN ('machine_id', 'id', 'at', 'kind', "
	    "'duration_ms', 'detail')"), 6, "event_machine covers a history "
	    "page");
	is_int(raw_int(p, "SELECT partial FROM pragma_index_list('process') "
	    "WHERE name = 'process_live'"), 1, "process_live holds the live "
	    "processes only");
	free(p);

	/* A migration that fails leaves the database as it was. */
	p = dbpath("clash.db");
	raw_exec(p, "CREATE TABLE machine (x INTEGER);");
	xherr_clear(&err);
	ok(inv_open(&inv, p, INV_RW, &err) == -1, "a failing migration fails "
	    "the open");
	ok(strstr(err.msg, "0001-") != NULL, "the error names the migration: %s",
	    err.msg);
	is_int(raw_int(p, "PRAGMA user_version"), 0, "user_version unchanged");
	is_int(raw_int(p, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'event_kind'"), 0, "no half-applied migration");
	free(p);

	/* A newer database is refused, read-write and read-only. */
	p = dbpath("newer.db");
	ok(inv_open(&inv, p, INV_RW, &err) == 0, "create for the newer test");
	inv_close(inv);
	raw_exec(p, "PRAGMA user_version = 999");
	xherr_clear(&err);
	ok(inv_open(&inv, p, INV_RW, &err) == -1 && err.code == XHE_VERSION,
	    "a newer database is refused");
	ok(strstr(err.msg, "999") != NULL && strstr(err.msg, "newer") != NULL,
	    "the message says why: %s", err.msg);
	xherr_clear(&err);
	ok(inv_open(&inv, p, INV_RDONLY, &err) == -1 && err.code == XHE_VERSION,
	    "also read-only");
	is_int(raw_int(p, "PRAGMA user_version"), 999, "and it is not touched");
	free(p);

	/* Refused before anything is written: a newer database in rollback
	 * journal mode keeps every byte, and gets no WAL file. */
	p = dbpath("newer-delete.db");
	raw_exec(p, "PRAGMA journal_mode = DELETE; CREATE TABLE t (x); "
	    "PRAGMA user_version = 999");
	{
		char *before = NULL, *after = NULL, *wal = NULL;
		size_t nb = 0, na = 0;
		struct xherr e2 = XHERR_INIT;
		util_read_file(p, 1 << 20, &before, &nb, &e2);
		xherr_clear(&err);
		ok(inv_open(&inv, p, INV_RW, &err) == -1 &&
		    err.code == XHE_VERSION, "a newer rollback-journal database "
		    "is refused");
		util_read_file(p, 1 << 20, &after, &na, &e2);
		ok(before != NULL && after != NULL && nb == na &&
		    memcmp(before, after, nb) == 0,
		    "every byte of it is as it was (no WAL switch first)");
		wal = xasprintf("%s-wal", p);
		ok(access(wal, F_OK) == -1, "and no WAL file was made");
		free(before);
		free(after);
		free(wal);
	}
	free(p);

	/* Pragmas every connection gets. */
	p = dbpath("fresh.db");
	is_str(raw_int(p, "PRAGMA journal_mode") >= 0 ? "ok" : "bad", "ok",
	    "journal mode readable");
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		sqlite3_open(p, &db);
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
		sqlite3_step(st);
		is_str((const char *)sqlite3_column_text(st, 0), "wal",
		    "the database is in WAL mode");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	free(p);
}

static int64_t
add_machine(struct inv *inv, const char *name, struct xherr *err)
{
	struct inv_machine m;

	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "%s", name);
	snprintf(m.uuid, sizeof m.uuid, "00000000-0000-0000-0000-000000000001");
	snprintf(m.backend, sizeof m.backend, "qemu");
	snprintf(m.status, sizeof m.status, "ready");
	m.cpus = 1;
	m.memory_mb = 256;
	m.disk_mb = 64;
	m.dir = (char *)"/tmp/x";
	if (inv_machine_insert(inv, &m, err) == -1)
		return -1;
	return m.id;
}

static void
test_machines_and_reservations(void)
{
	struct xherr err = XHERR_INIT;
	struct inv *inv;
	struct inv_network net;
	struct inv_machine m;
	char *p = dbpath("res.db"), ip[IDENT_IP_LEN];
	int64_t a, b, c;
	uint32_t lo, hi;

	ok(inv_open(&inv, p, INV_RW, &err) == 0, "open");
	memset(&net, 0, sizeof net);
	snprintf(net.name, sizeof net.name, "shared");
	snprintf(net.kind, sizeof net.kind, "dnsmasq");
	net.bridge = (char *)"br";
	net.subnet = (char *)"10.9.0.0/29";
	net.gateway = (char *)"10.9.0.1";
	net.lease_file = (char *)"/tmp/leases";
	ok(inv_network_insert(inv, &net, &err) == 0, "network recorded");
	ident_ip_parse("10.9.0.2", &lo);
	ident_ip_parse("10.9.0.4", &hi);

	a = add_machine(inv, "a", &err);
	ok(a > 0, "machine a inserted");
	xherr_clear(&err);
	ok(add_machine(inv, "a", &err) == -1 && err.code == XHE_EXISTS,
	    "a duplicate live name is refused: %s", err.msg);
	ok(inv_nic_reserve(inv, a, net.id, "02:00:00:00:00:0a", lo, hi, ip,
	    &err) == 0, "reserve for a");
	is_str(ip, "10.9.0.2", "a gets the lowest address");
	b = add_machine(inv, "b", &err);
	ok(inv_nic_reserve(inv, b, net.id, "02:00:00:00:00:0b", lo, hi, ip,
	    &err) == 0, "reserve for b");
	is_str(ip, "10.9.0.3", "b gets the next one");
	xherr_clear(&err);
	c = add_machine(inv, "c", &err);
	ok(inv_nic_reserve(inv, c, net.id, "02:00:00:00:00:0a", lo, hi, ip,
	    &err) == -1 && err.code == XHE_EXISTS,
	    "a MAC reserved by a live machine is refused");

	/* Remove a; a new machine with a's MAC gets a's address back. */
	ok(inv_nic_release(inv, a, &err) == 0 &&
	    inv_machine_set_status(inv, a, "removed", &err) == 0, "remove a");
	ok(inv_nic_reserve(inv, b, net.id, "02:00:00:00:00:0c", lo, hi, ip,
	    &err) == 0, "reserve a second nic");
	is_str(ip, "10.9.0.2", "the lowest free address is reused");
	ok(inv_nic_release(inv, b, &err) == 0, "release b's nics");
	ok(inv_nic_reserve(inv, c, net.id, "02:00:00:00:00:0a", lo, hi, ip,
	    &err) == 0, "c reserves a's old MAC");
	is_str(ip, "10.9.0.2", "and gets a's old address");
	int64_t d = add_machine(inv, "d", &err);
	ok(inv_nic_reserve(inv, d, net.id, "02:00:00:00:00:0d", lo, hi, ip,
	    &err) == 0, "d reserves");
	int64_t e = add_machine(inv, "e", &err);
	ok(inv_nic_reserve(inv, e, net.id, "02:00:00:00:00:0e", lo, hi, ip,
	    &err) == 0, "e reserves the last address %s", ip);
	int64_t f = add_machine(inv, "f", &err);
	xherr_clear(&err);
	ok(inv_nic_reserve(inv, f, net.id, "02:00:00:00:00:0f", lo, hi, ip,
	    &err) == -1 && strstr(err.msg, "no free address") != NULL,
	    "an exhausted pool says so: %s", err.msg);

	char owner[IDENT_NAME_MAX + 1];
	int live;
	is_int(inv_mac_owner(inv, "02:00:00:00:00:0b", owner, &live, &err), 1,
	    "b's MAC is ours");
	ok(strcmp(owner, "b") == 0 && !live, "and released");
	is_int(inv_mac_owner(inv, "02:99:00:00:00:0b", owner, &live, &err), 0,
	    "an unknown MAC is not ours");

	/* The removed machine is gone from live lookups but not erased. */
	xherr_clear(&err);
	ok(inv_machine_get(inv, "a", &m, &err) == -1 && err.code == XHE_NOTFOUND,
	    "a removed machine is not live");
	ok(inv_machine_get_id(inv, a, &m, &err) == 0 &&
	    strcmp(m.status, "removed") == 0 && m.removed_at > 0,
	    "its row stays, marked removed");
	inv_machine_release(&m);
	is_int(inv_machine_name_was_used(inv, "a", &err), 1, "name a was used");
	ok(add_machine(inv, "a", &err) > 0, "and can be used again");
	inv_close(inv);
	free(p);
}

static int
hist_cb(void *arg, const struct inv_event *e)
{
	struct buf *b = arg;

	buf_addf(b, "%s:%s;", e->machine ? e->machine : "-", e->kind);
	return 0;
}

static void
test_history(void)
{
	struct xherr err = XHERR_INIT;
	struct inv *inv;
	struct buf b;
	char *p = dbpath("hist.db");
	int64_t a, c;
	int n = 0, more = -1;

	ok(inv_open(&inv, p, INV_RW, &err) == 0, "open");
	a = add_machine(inv, "a", &err);
	c = add_machine(inv, "c", &err);
	ok(inv_event(inv, a, "create-begin", -1, NULL, &err) == 0, "event 1");
	ok(inv_event(inv, c, "create-begin", -1, "{\"x\":1}", &err) == 0,
	    "event 2");
	ok(inv_event(inv, a, "create", 1234, NULL, &err) == 0, "event 3");
	xherr_clear(&err);
	ok(inv_event(inv, a, "no-such-kind", -1, NULL, &err) == -1,
	    "an unknown event kind is refused");
	xherr_clear(&err);
	ok(inv_event(inv, a, "create", -1, "not json", &err) == -1,
	    "a detail that is not JSON is refused");

	buf_init(&b);
	inv_history_each(inv, NULL, 0, 0, hist_cb, &b, &more, &err);
	is_str(buf_str(&b), "a:create-begin;c:create-begin;a:create;",
	    "history in order");
	ok(more == 0, "all of it: nothing more");
	buf_release(&b);
	buf_init(&b);
	inv_history_each(inv, "a", 0, 0, hist_cb, &b, &more, &err);
	is_str(buf_str(&b), "a:create-begin;a:create;", "history of one machine");
	buf_release(&b);
	buf_init(&b);
	inv_history_each(inv, NULL, 0, 2, hist_cb, &b, &more, &err);
	is_str(buf_str(&b), "c:create-begin;a:create;", "limit keeps the newest");
	ok(more == 1, "and says older events exist");
	buf_release(&b);
	buf_init(&b);
	inv_history_each(inv, NULL, 2, 2, hist_cb, &b, &more, &err);
	is_str(buf_str(&b), "a:create-begin;", "the next page: before the first id");
	ok(more == 0, "the last page says nothing more");
	buf_release(&b);
	buf_init(&b);
	inv_history_each(inv, "a", 0, 2, hist_cb, &b, &more, &err);
	ok(more == 0, "a full page with nothing older: nothing more");
	inv_history_each(inv, "a", 0, 1, hist_cb, &b, &more, &err);
	ok(more == 1, "one machine's page with older events: more");
	buf_release(&b);

	xherr_clear(&err);
	ok(inv_sql(inv, "UPDATE event SET kind = 'rm'", 1, count_cb, &n,
	    &err) == -1 && strstr(err.msg, "append-only") != NULL,
	    "events cannot be changed: %s", err.msg);
	xherr_clear(&err);
	ok(inv_sql(inv, "DELETE FROM event", 1, count_cb, &n, &err) == -1,
	    "events cannot be deleted");
	xherr_clear(&err);
	ok(inv_sql(inv, "DELETE FROM machine", 0, count_cb, &n, &err) == -1 &&
	    err.code == XHE_USAGE && strstr(err.msg, "--write") != NULL,
	    "sql refuses writes unless asked: %s", err.msg);
	xherr_clear(&err);
	ok(inv_sql(inv, "SELECT 1; SELECT 2", 0, count_cb, &n, &err) == -1,
	    "one statement at a time");
	n = 0;
	ok(inv_sql(inv, "SELECT * FROM history", 0, count_cb, &n, &err) == 0 &&
	    n == 3, "the history view has the 3 events");
	n = 0;
	ok(inv_sql(inv, "SELECT * FROM machines", 0, count_cb, &n, &err) == 0 &&
	    n == 2, "the machines view lists both");
	inv_close(inv);

	/* A read-only connection cannot write even by its own statements. */
	ok(inv_open(&inv, p, INV_RDONLY, &err) == 0, "open read-only");
	xherr_clear(&err);
	ok(inv_event(inv, a, "create", -1, NULL, &err) == -1,
	    "a read-only connection refuses writes");
	inv_close(inv);
	free(p);
}

static void
test_processes(void)
{
	struct xherr err = XHERR_INIT;
	struct inv *inv;
	struct inv_machine m;
	struct proc_ident self;
	char *p = dbpath("proc.db");
	int64_t a, row, row2;

	ok(inv_open(&inv, p, INV_RW, &err) == 0, "open");
	a = add_machine(inv, "a", &err);
	ok(proc_ident_read(getpid(), &self, &err) == 0, "read own identity");
	ok(inv_process_insert(inv, a, 0, "hypervisor", &self, &row, &err) == 0,
	    "record a process");
	xherr_clear(&err);
	ok(inv_process_insert(inv, a, 0, "hypervisor", &self, &row2, &err) == -1,
	    "one live process per machine");
	ok(inv_machine_get(inv, "a", &m, &err) == 0 && m.proc_row == row &&
	    m.proc.pid == self.pid && m.proc.start_time == self.start_time &&
	    strcmp(m.proc.exe, self.exe) == 0, "the machine carries it");
	is_int(proc_check(&m.proc), PROC_ALIVE, "and it is alive");
	inv_machine_release(&m);
	ok(inv_process_end(inv, row, "stopped", &err) == 0, "end it");
	ok(inv_machine_get(inv, "a", &m, &err) == 0 && m.proc_row == 0,
	    "no live process any more");
	inv_machine_release(&m);
	inv_close(inv);
	free(p);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_open_and_migrate();
	test_machines_and_reservations();
	test_history();
	test_processes();
	util_rm_tree(dir, NULL);
	return tap_done();
}
