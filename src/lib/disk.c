#include "disk.h"

#include "arc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static la_ssize_t
tar_write(struct archive *a, void *ctx, const void *data, size_t n)
{
	buf_add(ctx, data, n);
	return (la_ssize_t)n;
}

static int
tar_add(struct archive *a, const char *name, int type, int mode,
    const void *data, size_t len, struct xherr *err)
{
	struct archive_entry *e = arc.archive_entry_new();
	int rc = 0;

	arc.archive_entry_set_pathname(e, name);
	arc.archive_entry_set_filetype(e, (unsigned)type);
	arc.archive_entry_set_perm(e, (mode_t)mode);
	arc.archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	arc.archive_entry_set_mtime(e, 0, 0);
	arc.archive_entry_set_uid(e, 0);
	arc.archive_entry_set_gid(e, 0);
	if (arc.archive_write_header(a, e) != ARCHIVE_OK ||
	    (len > 0 && arc.archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = xherr_set(err, XHE_FAIL, "cannot build the user-data tar: %s",
		    arc.archive_error_string(a));
	arc.archive_entry_free(e);
	return rc;
}

int
disk_userdata_tar(const char *pubkey, size_t keylen, struct buf *out,
    struct xherr *err)
{
	struct archive *a;
	int rc = -1;

	/* boot2docker keeps only the first 4096 bytes: three 512-byte headers
	 * and the magic's data block come before the key's data. */
	if (keylen > DISK_MAX_KEY)
		return xherr_set(err, XHE_INVAL, "public key of %zu bytes does "
		    "not fit in the 4096 bytes boot2docker reads (at most %d)",
		    keylen, DISK_MAX_KEY);
	if (arc_load(err) == -1)
		return -1;
	a = arc.archive_write_new();
	arc.archive_write_set_format_ustar(a);
	arc.archive_write_set_bytes_per_block(a, 512);
	arc.archive_write_set_bytes_in_last_block(a, 512);
	if (arc.archive_write_open(a, out, NULL, tar_write, NULL) != ARCHIVE_OK) {
		xherr_set(err, XHE_FAIL, "cannot build the user-data tar: %s",
		    arc.archive_error_string(a));
		goto out;
	}
	/* Order and modes as the original driver's generateKeyBundle. */
	if (tar_add(a, DISK_MAGIC, AE_IFREG, 0, DISK_MAGIC,
	    strlen(DISK_MAGIC), err) == -1 ||
	    tar_add(a, ".ssh", AE_IFDIR, 0700, NULL, 0, err) == -1 ||
	    tar_add(a, ".ssh/authorized_keys", AE_IFREG, 0644, pubkey, keylen,
	    err) == -1 ||
	    tar_add(a, ".ssh/authorized_keys2", AE_IFREG, 0644, pubkey, keylen,
	    err) == -1)
		goto out;
	if (arc.archive_write_close(a) != ARCHIVE_OK) {
		xherr_set(err, XHE_FAIL, "cannot build the user-data tar: %s",
		    arc.archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	arc.archive_write_free(a);
	return rc;
}

int
disk_create_raw(const char *path, int64_t size_mb, const void *data,
    size_t len, struct xherr *err)
{
	int fd;
	const char *p = data;
	size_t off = 0;

	if (size_mb <= 0 || size_mb > INT64_MAX / 1048576)
		return xherr_set(err, XHE_INVAL, "disk size %lld MB is out of "
		    "range", (long long)size_mb);
	if ((uint64_t)len > (uint64_t)size_mb * 1048576)
		return xherr_set(err, XHE_INVAL, "disk of %lld MB cannot hold "
		    "%zu bytes of user data", (long long)size_mb, len);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1)
		return xherr_sys(err, "cannot create disk %s", path);
	if (ftruncate(fd, (off_t)size_mb * 1048576) == -1) {
		xherr_sys(err, "cannot size disk %s to %lld MB", path,
		    (long long)size_mb);
		goto fail;
	}
	while (off < len) {
		ssize_t w = pwrite(fd, p + off, len - off, (off_t)off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			xherr_sys(err, "cannot write disk %s", path);
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1) {
		xherr_sys(err, "cannot write disk %s", path);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	unlink(path);
	return -1;
}
