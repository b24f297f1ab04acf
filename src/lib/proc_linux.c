/* proc_linux: process identity from /proc. */
#include "proc.h"
#include "priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The boot id cannot change while a process lives: read it once. */
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;
static char boot_id[40];
static int boot_errno;

static void
boot_read(void)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		boot_errno = errno ? errno : EIO;
		return;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) {
		boot_errno = EIO;
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strlen(buf) >= sizeof boot_id) {
		boot_errno = EINVAL;
		return;
	}
	memcpy(boot_id, buf, strlen(buf) + 1);
}

int
proc_boot_id(char out[40], struct xherr *err)
{
	pthread_once(&boot_once, boot_read);
	if (boot_errno != 0) {
		errno = boot_errno;
		return xherr_sys(err, "cannot read the boot id");
	}
	memcpy(out, boot_id, sizeof boot_id);
	return 0;
}

int
proc_ident_read(pid_t pid, struct proc_ident *out, struct xherr *err)
{
	char path[64], stat[1024], state;
	uint64_t start = 0;
	ssize_t n;
	int fd;

	memset(out, 0, sizeof *out);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return xherr_sys(err, "no process %d", (int)pid);
	n = read(fd, stat, sizeof stat);
	close(fd);
	if (n <= 0)
		return xherr_set(err, XHE_NOTFOUND, "no process %d", (int)pid);
	if (proc_parse_stat(stat, (size_t)n, &state, &start) == -1)
		return xherr_set(err, XHE_INVAL, "cannot parse %s", path);
	if (state == 'Z' || state == 'X')
		return xherr_set(err, XHE_NOTFOUND, "process %d has exited",
		    (int)pid);
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	n = readlink(path, out->exe, sizeof out->exe - 1);
	if (n == -1 && errno == EACCES) {
		/* Setuid and dropped (priv.h): a process we started as root
		 * (xhyve, dnsmasq before it drops) is ours to identify. */
		uid_t was = priv_raise();
		n = readlink(path, out->exe, sizeof out->exe - 1);
		priv_restore(was);
	}
	if (n == -1) {
		/* Kernel threads have no executable; nothing of ours is one. */
		return xherr_sys(err, "cannot read the executable of process %d",
		    (int)pid);
	}
	out->exe[n] = '\0';
	out->pid = pid;
	out->start_time = start;
	if (proc_boot_id(out->boot_id, err) == -1)
		return -1;
	return 0;
}

int
proc_find(const char *needle, proc_found_cb cb, void *arg, struct xherr *err)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return xherr_sys(err, "cannot read /proc");
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char path[64], buf[8192];
		ssize_t n;
		int fd;
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end != '\0' || pid <= 0 || pid == (long)getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;	/* gone meanwhile */
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;	/* kernel thread or zombie */
		buf[n] = '\0';
		for (char *a = buf; a < buf + n; a += strlen(a) + 1)
			if (strstr(a, needle) != NULL) {
				rc = cb(arg, (pid_t)pid, buf, (size_t)n);
				break;
			}
	}
	closedir(d);
	return rc;
}

int
proc_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	/* Headers older than Linux 5.3. */
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}
