/*
 * nfsd: what the driver does to macOS's NFS server: /etc/exports read, and
 * replaced only after `nfsd -F CANDIDATE checkexports` accepts the new text
 * (the candidate in the store), written atomically with the old file's
 * owner and mode, then `nfsd update`. The caller holds the exports lock
 * and, setuid, root (priv.h). The text's editing is nfs.c's.
 *
 *	nfsd_exports_read("/etc/exports", &buf, &len, &st, &exists, &err);
 *	... nfs_exports_set(buf, len, ..., &next, ...) ...
 *	nfsd_exports_commit("/etc/exports", store, "nfsd", &next, &st, exists,
 *	    &err);
 */
#ifndef NFSD_H
#define NFSD_H

#include <sys/stat.h>

#include "util.h"
#include "xherr.h"

/* The file (a missing one is empty: *exists 0) and its stat. */
int nfsd_exports_read(const char *path, char **buf, size_t *len,
    struct stat *st, int *exists, struct xherr *err);
/* Replace path with next, as above; nfsd_words is the command (words split
 * on spaces, no shell), st and exists what nfsd_exports_read said. */
int nfsd_exports_commit(const char *path, const char *store,
    const char *nfsd_words, const struct buf *next, const struct stat *st,
    int exists, struct xherr *err);

#endif
