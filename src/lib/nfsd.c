/* nfsd: /etc/exports read and replaced safely, and macOS's nfsd told
 * (nfsd.h). The editing itself is nfs.c's, pure. */
#include "nfsd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

#define NFSD_MS 30000		/* nfsd checkexports / update */
#define EXPORTS_MAX (4u << 20)

/* Run "WORDS ARGS..." (the command's words, then ours). */
static int
nfsd(const char *words, const char *a1, const char *a2, const char *a3,
    struct xherr *err)
{
	const char *extra[] = { a1, a2, a3 };

	if (proc_run_words(words, extra, a3 ? 3 : a2 ? 2 : 1, NFSD_MS, NULL,
	    err) == -1)
		return xherr_wrap(err, "%s %s", words, a1);
	return 0;
}

/* Read the exports file (a missing one is empty) and its stat. */
int
nfsd_exports_read(const char *path, char **buf, size_t *len, struct stat *st,
    int *exists, struct xherr *err)
{
	*buf = NULL;
	*len = 0;
	*exists = stat(path, st) == 0;
	if (!*exists) {
		if (errno != ENOENT)
			return xherr_sys(err, "cannot stat %s", path);
		return 0;
	}
	return util_read_file(path, EXPORTS_MAX, buf, len, err);
}

/*
 * Replace the exports file with next: validated first by
 * `nfsd -F CANDIDATE checkexports` (on a copy in the store), written
 * atomically with the old file's owner and mode, then `nfsd update`.
 */
int
nfsd_exports_commit(const char *path, const char *store,
    const char *nfsd_words, const struct buf *next, const struct stat *st,
    int exists, struct xherr *err)
{
	char *cand = util_path_join(store, "exports.candidate");
	struct stat like;
	int rc = -1;
	struct xherr local = XHERR_INIT;

	if (err == NULL)
		err = &local;	/* NULL is allowed (xherr.h) */
	if (util_write_atomic(cand, next->p ? next->p : "", next->len, 0644,
	    err) == -1)
		goto out;
	if (nfsd(nfsd_words, "-F", cand, "checkexports", err) == -1) {
		xherr_wrap(err, "nfsd refuses the new %s", path);
		goto out;
	}
	if (exists) {
		like = *st;
	} else {
		memset(&like, 0, sizeof like);
		like.st_mode = 0644;	/* root's, as nfsd expects */
		like.st_uid = geteuid();
		like.st_gid = getegid();
	}
	if (util_write_atomic_as(path, next->p ? next->p : "",
	    next->len, &like, err) == -1) {
		if (err->code == XHE_PERM)
			xherr_wrap(err, "NFS shares need root to edit %s",
			    path);
		goto out;
	}
	rc = nfsd(nfsd_words, "update", NULL, NULL, err);
out:
	unlink(cand);
	free(cand);
	return rc;
}
