/* lock: exclusive flock()s on lock files, held by a descriptor, so a
 * crashed holder never leaves one held. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"

int
util_lock(const char *path, volatile sig_atomic_t *cancel,
    void (*waiting)(void *arg), void *arg, int *fdp, struct xherr *err)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	int waited = 0;

	*fdp = -1;
	if (fd == -1)
		return xherr_sys(err, "cannot open lock %s", path);
	for (;;) {
		struct stat held, named;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/* The lock file may have been deleted (cache prune)
			 * while we waited: then it locks nothing any more, and
			 * a fresh one is taken. */
			if (fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
			    held.st_ino == named.st_ino &&
			    held.st_dev == named.st_dev)
				break;
			close(fd);
			fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC |
			    O_NOFOLLOW, 0644);
			if (fd == -1)
				return xherr_sys(err, "cannot open lock %s", path);
			continue;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			xherr_sys(err, "cannot lock %s", path);
			close(fd);
			return -1;
		}
		if (!waited++ && waiting != NULL)
			waiting(arg);
		if (cancel != NULL && *cancel) {
			close(fd);
			return xherr_set(err, XHE_CANCELLED, "interrupted");
		}
		util_sleep_ms(50);
	}
	*fdp = fd;
	return 0;
}

int
util_trylock(const char *path, int *fdp, struct xherr *err)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	*fdp = -1;
	if (fd == -1)
		return xherr_sys(err, "cannot open lock %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		if (errno == EWOULDBLOCK)
			return 0;
		return xherr_sys(err, "cannot lock %s", path);
	}
	*fdp = fd;
	return 1;
}
