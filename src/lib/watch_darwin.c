/*
 * watch_darwin: kqueue on the file's directory (a rename into it, as
 * bootpd writes /var/db/dhcpd_leases, is a write to the directory) and on
 * the file itself (a write in place), re-opened after each change since a
 * rename leaves the old descriptor on the old file. Cross-compiled and
 * linked for macOS by `make macos`; never run here (no Mac).
 */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <unistd.h>

#include "util.h"

struct watch {
	int kq, dirfd, filefd;
	char *file;
};

static void
arm_file(struct watch *w)
{
	struct kevent ev;

	if (w->filefd != -1)
		close(w->filefd);
	w->filefd = open(w->file, O_RDONLY | O_EVTONLY | O_CLOEXEC);
	if (w->filefd == -1)
		return;		/* not there yet: the directory says when */
	EV_SET(&ev, w->filefd, EVFILT_VNODE, EV_ADD | EV_CLEAR,
	    NOTE_WRITE | NOTE_EXTEND | NOTE_DELETE | NOTE_RENAME, 0, NULL);
	kevent(w->kq, &ev, 1, NULL, 0, NULL);
}

int
watch_open(struct watch **out, const char *file, struct xherr *err)
{
	struct watch *w = xcalloc(1, sizeof *w);
	char *dir = util_dir_name(file);
	struct kevent ev;

	*out = NULL;
	w->kq = w->dirfd = w->filefd = -1;
	w->file = xstrdup(file);
	if ((w->kq = kqueue()) == -1) {
		xherr_sys(err, "cannot watch %s", file);
		goto fail;
	}
	if ((w->dirfd = open(dir, O_RDONLY | O_EVTONLY | O_CLOEXEC)) == -1) {
		xherr_sys(err, "cannot watch %s", dir);
		goto fail;
	}
	EV_SET(&ev, w->dirfd, EVFILT_VNODE, EV_ADD | EV_CLEAR, NOTE_WRITE, 0,
	    NULL);
	if (kevent(w->kq, &ev, 1, NULL, 0, NULL) == -1) {
		xherr_sys(err, "cannot watch %s", dir);
		goto fail;
	}
	arm_file(w);
	free(dir);
	*out = w;
	return 0;
fail:
	free(dir);
	watch_close(w);
	return -1;
}

int
watch_wait(struct watch *w, int timeout_ms)
{
	struct kevent ev[4];
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	int n = kevent(w->kq, NULL, 0, ev, 4, &ts);

	if (n == -1)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	/* A directory event may be another file's: the caller re-reads and
	 * looks, as it does after inotify's name-filtered events. */
	arm_file(w);
	return 1;
}

void
watch_close(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->filefd != -1)
		close(w->filefd);
	if (w->dirfd != -1)
		close(w->dirfd);
	if (w->kq != -1)
		close(w->kq);
	free(w->file);
	free(w);
}
