/*
 * fs_darwin: clonefile(2) on APFS. It makes a new file and refuses an
 * existing one, so the empty temporary file goes first and the clone
 * takes its name; out is then made to refer to the clone (dup2), so the
 * caller's fsync and rename apply to it. No copy_file_range: the caller
 * copies with read and write.
 */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/clonefile.h>
#include <sys/stat.h>
#include <unistd.h>

/* Point out at a fresh open of path. */
static int
reopen(int out, const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd == -1)
		return -1;
	if (dup2(fd, out) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
fs_clone_into(int out, const char *out_path, int in, mode_t mode)
{
	int e;

	if (unlink(out_path) == -1)
		return -1;
	if (fclonefileat(in, AT_FDCWD, out_path, CLONE_NOFOLLOW) == 0 &&
	    reopen(out, out_path, O_RDWR, 0) == 0 && fchmod(out, mode) == 0)
		return 0;
	/* Not APFS (or no room): an empty temporary file again, for the
	 * caller's copy. */
	e = errno;
	unlink(out_path);
	if (reopen(out, out_path, O_RDWR | O_CREAT | O_EXCL, mode) == -1)
		return -1;
	errno = e;
	return -1;
}

ssize_t
fs_copy_range(int in, off_t *off, int out, size_t n)
{
	(void)in;
	(void)off;
	(void)out;
	(void)n;
	errno = ENOSYS;
	return -1;
}
