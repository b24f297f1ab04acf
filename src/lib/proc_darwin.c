/*
 * proc_darwin: process identity from libproc, the boot's from sysctl.
 * Written against Apple's documented interfaces (proc_pidinfo(3)'s
 * PROC_PIDTBSDINFO, proc_pidpath, sysctl kern.bootsessionuuid);
 * cross-compiled and linked for macOS by `make macos`, never run here.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <libproc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <sys/proc_info.h>
#include <sys/sysctl.h>
#include <unistd.h>

#include "util.h"

static pthread_once_t boot_once = PTHREAD_ONCE_INIT;
static char boot_id[40];
static int boot_errno;

static void
boot_read(void)
{
	size_t n = sizeof boot_id;

	if (sysctlbyname("kern.bootsessionuuid", boot_id, &n, NULL, 0) == -1)
		boot_errno = errno ? errno : EIO;
	boot_id[sizeof boot_id - 1] = '\0';
}

int
proc_boot_id(char out[40], struct xherr *err)
{
	pthread_once(&boot_once, boot_read);
	if (boot_errno != 0) {
		errno = boot_errno;
		return xherr_sys(err, "cannot read the boot session id");
	}
	memcpy(out, boot_id, sizeof boot_id);
	return 0;
}

int
proc_ident_read(pid_t pid, struct proc_ident *out, struct xherr *err)
{
	struct proc_bsdinfo bi;
	char path[PROC_PIDPATHINFO_MAXSIZE];

	memset(out, 0, sizeof *out);
	if (proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &bi, sizeof bi) !=
	    (int)sizeof bi)
		return xherr_set(err, XHE_NOTFOUND, "no process %d", (int)pid);
	if (bi.pbi_status == SZOMB)
		return xherr_set(err, XHE_NOTFOUND, "process %d has exited",
		    (int)pid);
	if (proc_pidpath(pid, path, sizeof path) <= 0)
		return xherr_sys(err, "cannot read the executable of process %d",
		    (int)pid);
	snprintf(out->exe, sizeof out->exe, "%s", path);
	out->pid = pid;
	/* Microseconds since the epoch: unique per pid as Linux's ticks are. */
	out->start_time = (unsigned long long)bi.pbi_start_tvsec * 1000000ULL +
	    bi.pbi_start_tvusec;
	return proc_boot_id(out->boot_id, err);
}

int
proc_find(const char *needle, proc_found_cb cb, void *arg, struct xherr *err)
{
	int mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_ALL, 0 };
	struct kinfo_proc *kp = NULL;
	size_t len = 0;
	int rc = 0, argmax;

	if (sysctl(mib, 4, NULL, &len, NULL, 0) == -1)
		return xherr_sys(err, "cannot list processes");
	kp = xmalloc(len);
	if (sysctl(mib, 4, kp, &len, NULL, 0) == -1) {
		free(kp);
		return xherr_sys(err, "cannot list processes");
	}
	{
		int am[2] = { CTL_KERN, KERN_ARGMAX };
		size_t sz = sizeof argmax;
		if (sysctl(am, 2, &argmax, &sz, NULL, 0) == -1)
			argmax = 256 * 1024;
	}
	char *buf = xmalloc((size_t)argmax);
	for (size_t i = 0; rc == 0 && i < len / sizeof *kp; i++) {
		pid_t pid = kp[i].kp_proc.p_pid;
		int am[3] = { CTL_KERN, KERN_PROCARGS2, pid };
		size_t sz = (size_t)argmax;
		int argc;
		char *p, *e;

		if (pid <= 0 || pid == getpid() ||
		    sysctl(am, 3, buf, &sz, NULL, 0) == -1 || sz <= sizeof argc)
			continue;
		/* argc, the executable path, NUL padding, then argv. */
		memcpy(&argc, buf, sizeof argc);
		p = buf + sizeof argc;
		e = buf + sz;
		p += strnlen(p, (size_t)(e - p));
		while (p < e && *p == '\0')
			p++;
		char *args = p;
		for (int a = 0; a < argc && p < e; a++, p += strlen(p) + 1)
			if (strstr(p, needle) != NULL) {
				rc = cb(arg, pid, args, (size_t)(e - args));
				break;
			}
	}
	free(buf);
	free(kp);
	return rc;
}

int
proc_pidfd_open(pid_t pid)
{
	/* No pidfd: a kqueue holding the process's NOTE_EXIT, which polls
	 * readable once the event is pending, is the same thing. */
	struct kevent ev;
	int kq = kqueue(), e;

	if (kq == -1)
		return -1;
	EV_SET(&ev, (uintptr_t)pid, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT,
	    0, NULL);
	if (kevent(kq, &ev, 1, NULL, 0, NULL) == -1) {
		e = errno;
		close(kq);
		errno = e;
		return -1;
	}
	fcntl(kq, F_SETFD, FD_CLOEXEC);
	return kq;
}
