/* watch_linux: inotify on the file's directory. */
#include "watch.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "util.h"

struct watch {
	int fd;
	char *name;		/* base name of the watched file */
};

int
watch_open(struct watch **out, const char *file, struct xherr *err)
{
	struct watch *w = xcalloc(1, sizeof *w);
	char *dir = util_dir_name(file);

	*out = NULL;
	w->fd = -1;
	w->name = xstrdup(util_base_name(file));
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd == -1) {
		xherr_sys(err, "cannot watch %s", file);
		goto fail;
	}
	if (inotify_add_watch(w->fd, dir, IN_MODIFY | IN_CLOSE_WRITE |
	    IN_MOVED_TO | IN_CREATE | IN_DELETE) == -1) {
		xherr_sys(err, "cannot watch %s", dir);
		goto fail;
	}
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
	struct pollfd p = { w->fd, POLLIN, 0 };
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0, n;

	n = poll(&p, 1, timeout_ms);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	for (;;) {
		ssize_t r = read(w->fd, buf, sizeof buf);
		if (r <= 0)
			break;
		for (char *q = buf; q < buf + r; ) {
			struct inotify_event *e = (struct inotify_event *)q;
			if (e->len > 0 && strcmp(e->name, w->name) == 0)
				changed = 1;
			q += sizeof *e + e->len;
		}
	}
	return changed;
}

void
watch_close(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	free(w->name);
	free(w);
}
