/* bootpd: the lease file rewritten without one MAC's blocks (a backup
 * first, the owner and mode kept), our orphaned temporary files removed,
 * the reload command run. On a copy of a fixture in a temporary store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "bootpd.h"
#include "tap.h"
#include "util.h"

static const char leases[] =
    "{\n\tname=dev\n\tip_address=192.168.64.2\n"
    "\thw_address=1,2a:cd:3c:ec:57:ba\n\tidentifier=1,2a:cd:3c:ec:57:ba\n"
    "\tlease=0x6b0c2a5b\n}\n"
    "{\n\tname=other\n\tip_address=192.168.64.3\n"
    "\thw_address=1,0a:0b:0c:0d:0e:0f\n\tidentifier=1,a:b:c:d:e:f\n"
    "\tlease=0x6b0c2a5b\n}\n";

int
main(void)
{
	char dir[] = "/tmp/bootpd_test.XXXXXX";
	struct xherr err = XHERR_INIT;
	char *file, *backup = NULL, *data = NULL, *old, *fresh;
	struct stat st;
	int removed = -1;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	file = util_path_join(dir, "dhcpd_leases");
	ok(util_write_atomic(file, leases, sizeof leases - 1, 0640, &err) == 0,
	    "a lease file, mode 0640");
	ok(bootpd_rewrite(file, dir, "2a:cd:3c:ec:57:ba", &removed, &backup,
	    &err) == 0 && removed == 1, "one block of the MAC removed (%s)",
	    err.msg);
	ok(util_read_file(file, BOOTPD_FILE_MAX, &data, NULL, &err) == 0 &&
	    strstr(data, "name=dev") == NULL && strstr(data, "name=other"),
	    "the file keeps the other lease only");
	ok(stat(file, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "with its mode");
	free(data);
	data = NULL;
	ok(backup != NULL && strncmp(backup, dir, strlen(dir)) == 0 &&
	    strstr(backup, "/backups/dhcpd_leases.") != NULL &&
	    util_read_file(backup, BOOTPD_FILE_MAX, &data, NULL, &err) == 0 &&
	    strcmp(data, leases) == 0, "the backup in <store>/backups is the "
	    "file as it was");
	free(data);
	free(backup);
	backup = NULL;
	ok(bootpd_rewrite(file, dir, "2a:cd:3c:ec:57:ba", &removed, &backup,
	    &err) == 0 && removed == 0 && backup == NULL,
	    "again: nothing to remove, no backup");

	/* Orphans: ours older than a minute go; a fresh one and others stay. */
	old = xasprintf("%s.tmp.ABCDEF", file);
	fresh = xasprintf("%s.tmp.GHIJKL", file);
	ok(util_write_atomic(old, "x", 1, 0600, &err) == 0 &&
	    util_write_atomic(fresh, "x", 1, 0600, &err) == 0, "two temporaries");
	struct utimbuf t = { time(NULL) - 120, time(NULL) - 120 };
	utime(old, &t);
	bootpd_orphans(file);
	ok(!util_exists(old) && util_exists(fresh) && util_exists(file),
	    "the stale one is removed, the fresh one and the file stay");

	ok(bootpd_reload("true", 5000, &err) == 0, "a reload command that works");
	xherr_clear(&err);
	ok(bootpd_reload("false", 5000, &err) == -1 && err.msg[0] != '\0',
	    "one that fails says so: %s", err.msg);
	free(old);
	free(fresh);
	free(file);
	util_rm_tree(dir, NULL);
	return tap_done();
}
