/* usage: disk usage of files and trees (a file with several names counts
 * once), and sizes for people. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Usage: an open-addressing set of (device, inode), so a file with
 * several names (a cache entry hard-linked into machines) counts once. */
struct util_inode {
	uint64_t dev, ino;
};

static uint64_t
inode_hash(uint64_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL ^ dev;

	return h ^ (h >> 29);
}

static int
inodes_put(struct util_usage *u, uint64_t dev, uint64_t ino)
{
	size_t i;

	if (2 * (u->nseen + 1) > u->capseen) {
		struct util_inode *old = u->seen;
		size_t oldcap = u->capseen;
		u->capseen = oldcap ? oldcap * 2 : 64;
		u->seen = xcalloc(u->capseen, sizeof *u->seen);
		u->nseen = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].ino != 0)
				inodes_put(u, old[i].dev, old[i].ino);
		free(old);
	}
	for (i = inode_hash(dev, ino) & (u->capseen - 1); u->seen[i].ino != 0;
	    i = (i + 1) & (u->capseen - 1))
		if (u->seen[i].dev == dev && u->seen[i].ino == ino)
			return 0;
	u->seen[i].dev = dev;
	u->seen[i].ino = ino;
	u->nseen++;
	return 1;
}

void
util_usage_release(struct util_usage *u)
{
	free(u->seen);
	memset(u, 0, sizeof *u);
}

static void
usage_count(struct util_usage *u, const struct stat *st, struct util_size *out)
{
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return;
	if (S_ISREG(st->st_mode) &&
	    !inodes_put(u, (uint64_t)st->st_dev, (uint64_t)st->st_ino + 1)) {
		out->shared++;
		return;
	}
	if (S_ISREG(st->st_mode))
		out->apparent += st->st_size;
	out->allocated += (int64_t)st->st_blocks * 512;
	out->files += S_ISREG(st->st_mode);
}

static int
usage_at(struct util_usage *u, int dfd, const char *name,
    struct util_size *out, struct xherr *err)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;	/* gone meanwhile */
		return xherr_sys(err, "cannot stat %s", name);
	}
	usage_count(u, &st, out);
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return xherr_sys(err, "cannot open %s", name);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return xherr_sys(err, "cannot read %s", name);
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (usage_at(u, dirfd(d), e->d_name, out, err) == -1) {
			closedir(d);
			return xherr_wrap(err, "in %s", name);
		}
	}
	closedir(d);
	return 0;
}

int
util_usage(struct util_usage *u, const char *path, struct util_size *out,
    struct xherr *err)
{
	return usage_at(u, AT_FDCWD, path, out, err);
}

void
util_human_bytes(int64_t n, char *out, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int i = -1;

	if (n < 1024 && n > -1024) {
		snprintf(out, len, "%lld B", (long long)n);
		return;
	}
	while ((v >= 1024 || v <= -1024) && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, len, "%.1f %s", v, unit[i]);
}
