/* bootpd: macOS's DHCP server's lease file, rewritten without a MAC's
 * blocks, and bootpd asked to read it again (bootpd.h). */
#include "bootpd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lease.h"
#include "proc.h"
#include "util.h"

static int
drop_mac(void *arg, const struct lease *l)
{
	return strcmp(l->mac, (const char *)arg) == 0;
}

/*
 * A writer killed between its temporary file and the rename leaves
 * "<lease file>.tmp.XXXXXX" behind (never the lease file half-written).
 * Ours are the only ones with that name and every writer holds the lock,
 * so one older than a minute is an orphan: remove it.
 */
void
bootpd_orphans(const char *lease_file)
{
	char *dir = util_dir_name(lease_file);
	char *prefix = xasprintf("%s.tmp.", util_base_name(lease_file));
	size_t plen = strlen(prefix);
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			struct stat st;
			if (strncmp(e->d_name, prefix, plen) != 0 ||
			    strlen(e->d_name) != plen + 6 ||
			    fstatat(dirfd(d), e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode) ||
			    st.st_mtime > time(NULL) - 60)
				continue;
			unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	free(prefix);
	free(dir);
}

/* A copy of the lease file as it was, in <store>/backups. */
static char *
bootpd_backup(const char *store, const char *buf, size_t len,
    struct xherr *err)
{
	char stamp[32], *dir, *path;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	dir = util_path_join(store, "backups");
	path = xasprintf("%s/dhcpd_leases.%s.%d", dir, stamp, (int)getpid());
	if (util_mkdir_in(store, dir, 0700, err) == -1 ||
	    util_write_atomic(path, buf, len, 0600, err) == -1) {
		free(path);
		path = NULL;
	}
	free(dir);
	return path;
}

/*
 * One read-modify-write of the lease file without canon's blocks. bootpd
 * may write the file while we do: then the rename is refused (XHE_STATE)
 * and the caller reads it again.
 */
int
bootpd_rewrite(const char *lease_file, const char *store, const char *canon,
    int *removed, char **backup, struct xherr *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct buf out;
	struct stat st;
	int rc = -1;

	*removed = 0;
	if (stat(lease_file, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return xherr_sys(err, "cannot stat %s", lease_file);
	}
	if (util_read_file(lease_file, BOOTPD_FILE_MAX, &buf, &len,
	    err) == -1)
		return -1;
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_mac, (void *)canon, &out, removed);
	if (*removed > 0) {
		free(*backup);
		if ((*backup = bootpd_backup(store, buf, len, err)) == NULL ||
		    util_write_atomic_as(lease_file, out.p ? out.p : "",
		    out.len, &st, err) == -1)
			goto out;
	}
	rc = 0;
out:
	buf_release(&out);
	free(buf);
	return rc;
}

int
bootpd_reload(const char *words, int timeout_ms, struct xherr *err)
{
	return proc_run_words(words, NULL, 0, timeout_ms, NULL, err);
}
