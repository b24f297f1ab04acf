/*
 * file: files and directories as the driver needs them: written atomically
 * (a temporary file, fsync, rename), read whole, copied or shared (reflink,
 * hard link), directories made and removed without following links, and
 * opened below the store.
 */
#include "sha256.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "fs.h"

int
util_mkdir_p(const char *path, mode_t mode, struct xherr *err)
{
	char *p, *s;
	int rc = -1;

	if (path[0] == '\0')
		return xherr_set(err, XHE_INVAL, "cannot create a directory "
		    "with an empty path");
	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST) {
			xherr_sys(err, "cannot create directory %s", p);
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	struct stat st;
	if (stat(path, &st) == -1) {
		xherr_sys(err, "cannot create directory %s", path);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		xherr_set(err, XHE_EXISTS, "%s exists and is not a directory", path);
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static int
fsync_parent(const char *path)
{
	char *dir = util_dir_name(path);
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return -1;
	fsync(fd);
	close(fd);
	return 0;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Open a fresh temporary file next to path; *tmp is the caller's. */
static int
open_temp(const char *path, mode_t mode, char **tmp, struct xherr *err)
{
	int fd;

	*tmp = xasprintf("%s.tmp.XXXXXX", path);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd == -1) {
		xherr_sys(err, "cannot create a temporary file for %s", path);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	if (fchmod(fd, mode) == -1) {
		xherr_sys(err, "cannot set the mode of %s", *tmp);
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	return fd;
}

/*
 * fsync, close and rename tmp over path. With like set, path must still be
 * the file like describes (same inode, size and mtime): someone else
 * rewriting it meanwhile makes this fail with XHE_STATE, not lose their
 * write.
 */
static int
commit_temp_as(int fd, char *tmp, const char *path, const struct stat *like,
    int sync, struct xherr *err)
{
	struct stat now;

	if (sync && fsync(fd) == -1) {
		xherr_sys(err, "cannot write %s", path);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		xherr_sys(err, "cannot write %s", path);
		goto fail;
	}
	fd = -1;
	if (like != NULL && (stat(path, &now) == -1 ||
	    now.st_ino != like->st_ino || now.st_size != like->st_size ||
	    now.st_mtim.tv_sec != like->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != like->st_mtim.tv_nsec)) {
		xherr_set(err, XHE_STATE, "%s changed while it was being "
		    "rewritten", path);
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		xherr_sys(err, "cannot rename %s to %s", tmp, path);
		goto fail;
	}
	if (sync)
		fsync_parent(path);
	free(tmp);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

static int
commit_temp(int fd, char *tmp, const char *path, const struct stat *like,
    struct xherr *err)
{
	return commit_temp_as(fd, tmp, path, like, 1, err);
}

static int
write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    const struct stat *like, struct xherr *err)
{
	char *tmp;
	int fd;

	if ((fd = open_temp(path, mode, &tmp, err)) == -1)
		return -1;
	if (like != NULL && fchown(fd, like->st_uid, like->st_gid) == -1) {
		xherr_sys(err, "cannot give %s the owner of %s", tmp, path);
		goto fail;
	}
	if (like != NULL && fchmod(fd, mode) == -1) {
		xherr_sys(err, "cannot give %s the mode of %s", tmp, path);
		goto fail;
	}
	if (write_all(fd, data, len) == -1) {
		xherr_sys(err, "cannot write %s", path);
		goto fail;
	}
	return commit_temp(fd, tmp, path, like, err);
fail:
	close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int
util_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    struct xherr *err)
{
	return write_atomic(path, data, len, mode, NULL, err);
}

int
util_write_atomic_as(const char *path, const void *data, size_t len,
    const struct stat *like, struct xherr *err)
{
	return write_atomic(path, data, len, like->st_mode & 07777, like, err);
}

int
util_atomic_open(struct util_atomic *a, const char *path, mode_t mode,
    struct xherr *err)
{
	a->path = NULL;
	if ((a->fd = open_temp(path, mode, &a->tmp, err)) == -1)
		return -1;
	a->path = xstrdup(path);
	return 0;
}

int
util_atomic_write(struct util_atomic *a, const void *data, size_t len,
    struct xherr *err)
{
	if (write_all(a->fd, data, len) == -1)
		return xherr_sys(err, "cannot write %s", a->path);
	return 0;
}

int
util_atomic_commit(struct util_atomic *a, struct xherr *err)
{
	return util_atomic_commit_as(a, 1, err);
}

int
util_atomic_commit_as(struct util_atomic *a, int sync, struct xherr *err)
{
	int rc = commit_temp_as(a->fd, a->tmp, a->path, NULL, sync, err);

	free(a->path);
	a->path = a->tmp = NULL;
	a->fd = -1;
	return rc;
}

void
util_atomic_abort(struct util_atomic *a)
{
	if (a->fd != -1)
		close(a->fd);
	if (a->tmp != NULL)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	a->path = a->tmp = NULL;
	a->fd = -1;
}

int
util_read_file(const char *path, size_t max, char **out, size_t *len,
    struct xherr *err)
{
	struct buf b;
	struct stat st;
	ssize_t r;
	int fd;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return xherr_sys(err, "cannot open %s", path);
	buf_init(&b);
	/* Read a regular file straight into a buffer of its size (a 1 MB
	 * lease file read in 64 KB copies cost a tenth of its parse). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= max)
		buf_grow(&b, (size_t)st.st_size + 4096);	/* EOF fits too */
	for (;;) {
		buf_grow(&b, b.cap - b.len > 1 ? 0 : 65536);
		r = read(fd, b.p + b.len, b.cap - b.len - 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			xherr_sys(err, "cannot read %s", path);
			goto fail;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > max) {
			xherr_set(err, XHE_INVAL, "%s is larger than %zu bytes",
			    path, max);
			goto fail;
		}
		b.len += (size_t)r;
	}
	close(fd);
	buf_str(&b);
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
fail:
	close(fd);
	buf_release(&b);
	return -1;
}

int
util_hash_fd(int fd, int64_t len, struct sha256 *h, struct xherr *err,
    const char *path)
{
	char chunk[65536];
	int64_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, chunk, sizeof chunk, done);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return xherr_sys(err, "cannot read %s", path);
		sha256_update(h, chunk, (size_t)r);
		done += r;
	}
	return 0;
}

int
util_copy_range(int in, off_t off, off_t len, int out)
{
	while (len > 0) {
		ssize_t n = fs_copy_range(in, &off, out, (size_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* No copy_file_range here (or it stopped early): read
			 * and write what is left. */
			char chunk[65536];
			size_t want = len < (off_t)sizeof chunk ? (size_t)len :
			    sizeof chunk;
			ssize_t r = pread(in, chunk, want, off);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == 0)
				errno = EIO;	/* in is shorter than it said */
			if (r <= 0 || write_all(out, chunk, (size_t)r) == -1)
				return -1;
			n = r;
			off += r;
		}
		len -= n;
	}
	return 0;
}

int
util_copy_file(const char *src, const char *dst, mode_t mode,
    struct xherr *err)
{
	char *tmp = NULL;
	int in, out = -1;
	struct stat st;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in == -1)
		return xherr_sys(err, "cannot open %s", src);
	if (fstat(in, &st) == -1) {
		xherr_sys(err, "cannot stat %s", src);
		goto fail;
	}
	if ((out = open_temp(dst, mode, &tmp, err)) == -1)
		goto fail;
	if (fs_clone_into(out, tmp, in, mode) == 0)
		goto done;
	if (util_copy_range(in, 0, st.st_size, out) == -1) {
		xherr_sys(err, "cannot copy %s to %s", src, dst);
		goto fail;
	}
done:
	close(in);
	return commit_temp(out, tmp, dst, NULL, err);
fail:
	close(in);
	if (out != -1) {
		close(out);
		unlink(tmp);
	}
	free(tmp);
	return -1;
}

int
util_share_file(const char *src, const char *dst, const char **how,
    struct xherr *err)
{
	struct util_atomic a;
	int in = open(src, O_RDONLY | O_CLOEXEC);

	if (in == -1)
		return xherr_sys(err, "cannot open %s", src);
	if (util_atomic_open(&a, dst, 0644, err) == -1) {
		close(in);
		return -1;
	}
	if (fs_clone_into(a.fd, a.tmp, in, 0644) == 0) {
		close(in);
		*how = "reflink";
		return util_atomic_commit(&a, err);
	}
	util_atomic_abort(&a);
	close(in);
	if (link(src, dst) == 0) {
		*how = "hardlink";
		return 0;
	}
	*how = "copy";
	return util_copy_file(src, dst, 0644, err);
}

int
util_open_dir_in(const char *base, const char *path, struct xherr *err)
{
	size_t n = strlen(base);
	char *rel, *tok, *save;
	int fd, next;

	if (strncmp(path, base, n) != 0 || path[n] != '/')
		return xherr_set(err, XHE_INVAL, "%s is not inside %s", path,
		    base);
	if ((fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return xherr_sys(err, "cannot open %s", base);
	rel = xstrdup(path + n + 1);
	for (tok = strtok_r(rel, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		next = openat(fd, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next == -1) {
			if (errno == ELOOP || errno == ENOTDIR)
				xherr_set(err, XHE_PERM, "%s: %s is a symbolic "
				    "link or not a directory: refusing to use "
				    "it", path, tok);
			else
				xherr_sys(err, "cannot open %s", path);
			close(fd);
			free(rel);
			return -1;
		}
		close(fd);
		fd = next;
	}
	free(rel);
	return fd;
}

int
util_write_atomic_at(int dfd, const char *dir, const char *name,
    const void *data, size_t len, mode_t mode, struct xherr *err)
{
	char tmp[256];
	int fd = -1, i;

	for (i = 0; i < 100 && fd == -1; i++) {
		snprintf(tmp, sizeof tmp, "%s.tmp.%06lx", name,
		    (unsigned long)(((unsigned long)getpid() * 7919u +
		    (unsigned long)util_mono_ms() + (unsigned long)i * 104729u) &
		    0xffffff));
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST)
			return xherr_sys(err, "cannot create %s/%s", dir, tmp);
	}
	if (fd == -1)
		return xherr_set(err, XHE_FAIL, "cannot create a temporary file "
		    "for %s/%s", dir, name);
	if (fchmod(fd, mode) == -1 || write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		xherr_sys(err, "cannot write %s/%s", dir, tmp);
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		xherr_sys(err, "cannot write %s/%s", dir, tmp);
		goto fail;
	}
	if (renameat(dfd, tmp, dfd, name) == -1) {
		xherr_sys(err, "cannot rename %s/%s to %s", dir, tmp, name);
		goto fail;
	}
	fsync(dfd);
	return 0;
fail:
	unlinkat(dfd, tmp, 0);
	return -1;
}

int
util_mkdir_in(const char *base, const char *path, mode_t mode,
    struct xherr *err)
{
	size_t n = strlen(base);
	char *p, *s;
	int rc = -1;

	if (strncmp(path, base, n) != 0 || path[n] != '/')
		return xherr_set(err, XHE_INVAL, "%s is not inside %s", path,
		    base);
	if (util_mkdir_p(base, mode, err) == -1)
		return -1;
	p = xstrdup(path);
	for (s = p + n + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		struct stat st;
		*s = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST) {
			xherr_sys(err, "cannot create directory %s", p);
			goto out;
		}
		if (lstat(p, &st) == -1) {
			xherr_sys(err, "cannot create directory %s", p);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			xherr_set(err, XHE_EXISTS, "%s is a symbolic link: "
			    "refusing to use it (remove it)", p);
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			xherr_set(err, XHE_EXISTS, "%s exists and is not a "
			    "directory", p);
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static int
rm_at(int at, const char *name, struct xherr *err)
{
	struct stat st;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		return xherr_sys(err, "cannot stat %s", name);
	}
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(at, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1)
			return xherr_sys(err, "cannot open directory %s", name);
		DIR *d = fdopendir(fd);
		if (d == NULL) {
			close(fd);
			return xherr_sys(err, "cannot read directory %s", name);
		}
		struct dirent *de;
		int rc = 0;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (rm_at(dirfd(d), de->d_name, err) == -1) {
				rc = -1;
				break;
			}
		}
		closedir(d);
		if (rc == -1)
			return -1;
		if (unlinkat(at, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
			return xherr_sys(err, "cannot remove directory %s", name);
		return 0;
	}
	if (unlinkat(at, name, 0) == -1 && errno != ENOENT)
		return xherr_sys(err, "cannot remove %s", name);
	return 0;
}

int
util_rm_tree(const char *path, struct xherr *err)
{
	/* "link/" would make the kernel resolve the link before NOFOLLOW
	 * applies: work on the name without trailing slashes. */
	size_t n = strlen(path);
	char *p;
	int rc = 0;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && path[0] == '/'))
		return xherr_set(err, XHE_INVAL, "refusing to remove \"%s\"",
		    path);
	p = xstrndup(path, n);
	if (rm_at(AT_FDCWD, p, err) == -1)
		rc = xherr_wrap(err, "cannot remove %s", p);
	free(p);
	return rc;
}

int
util_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int
util_file_size(const char *path, int64_t *apparent, int64_t *allocated,
    struct xherr *err)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return xherr_sys(err, "cannot stat %s", path);
	if (apparent)
		*apparent = st.st_size;
	if (allocated)
		*allocated = (int64_t)st.st_blocks * 512;
	return 0;
}

char *
util_file_last_line(const char *path)
{
	char *s = NULL, *line;
	size_t len;

	if (path == NULL || util_read_file(path, 1 << 20, &s, &len, NULL) == -1)
		return NULL;
	line = util_last_line(s, len);
	free(s);
	return line;
}
