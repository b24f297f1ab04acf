#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"

const char *
proc_status_str(int status)
{
	switch (status) {
	case PROC_ALIVE:
		return "alive";
	case PROC_GONE:
		return "not running";
	case PROC_REUSED:
		return "pid reused by another process";
	case PROC_REBOOTED:
		return "recorded before the host rebooted";
	}
	return "unknown";
}

/* An executable replaced on disk reads back as "PATH (deleted)". */
int
proc_parse_stat(const char *buf, size_t len, char *state,
    uint64_t *start_time)
{
	const char *p = NULL, *end = buf + len;
	uint64_t v = 0;
	size_t i;
	int field;

	for (i = len; i > 0; i--)
		if (buf[i - 1] == ')') {
			p = buf + i;
			break;
		}
	/* ") S " at least: the state, then a space. */
	if (p == NULL || end - p < 3 || p[0] != ' ' || p[2] != ' ')
		return -1;
	*state = p[1];
	p += 1;
	for (field = 3; field < 22; field++) {
		while (p < end && *p != ' ')
			p++;
		if (p == end)
			return -1;
		p++;
	}
	if (p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p != ' ' && *p != '\n')
		return -1;
	*start_time = v;
	return 0;
}

static int
same_exe(const char *a, const char *b)
{
	static const char del[] = " (deleted)";
	size_t la = strlen(a), lb = strlen(b), ld = sizeof del - 1;

	if (la > ld && strcmp(a + la - ld, del) == 0)
		la -= ld;
	if (lb > ld && strcmp(b + lb - ld, del) == 0)
		lb -= ld;
	return la == lb && memcmp(a, b, la) == 0;
}

int
proc_check(const struct proc_ident *rec)
{
	struct proc_ident now;
	char boot[40];

	if (rec->pid <= 0)
		return PROC_GONE;
	if (proc_boot_id(boot, NULL) == 0 && rec->boot_id[0] != '\0' &&
	    strcmp(boot, rec->boot_id) != 0)
		return PROC_REBOOTED;
	if (proc_ident_read(rec->pid, &now, NULL) == -1)
		return PROC_GONE;
	if (now.start_time != rec->start_time || !same_exe(now.exe, rec->exe))
		return PROC_REUSED;
	return PROC_ALIVE;
}

int
proc_signal(const struct proc_ident *rec, int sig, struct xherr *err)
{
	int st = proc_check(rec);

	if (st != PROC_ALIVE)
		return xherr_set(err, XHE_NOTFOUND, "process %d is %s",
		    (int)rec->pid, proc_status_str(st));
	if (kill(rec->pid, sig) == -1)
		return xherr_sys(err, "cannot signal process %d", (int)rec->pid);
	return 0;
}

static int
same_ident(const struct proc_ident *a, const struct proc_ident *b)
{
	return a->pid == b->pid && a->start_time == b->start_time &&
	    strcmp(a->boot_id, b->boot_id) == 0 && strcmp(a->exe, b->exe) == 0;
}

void
proc_watch_release(struct proc_watch *w)
{
	if (w->active)
		close(w->fd);
	memset(w, 0, sizeof *w);
}

int
proc_watch_check(struct proc_watch *w, const struct proc_ident *rec)
{
	int st, fd;

	if (w->active && same_ident(&w->id, rec)) {
		struct pollfd p = { w->fd, POLLIN, 0 };

		if (poll(&p, 1, 0) == 0)
			return PROC_ALIVE;	/* not exited since found alive */
	}
	proc_watch_release(w);
	if ((st = proc_check(rec)) != PROC_ALIVE)
		return st;
	/* Checked again once the descriptor is open: the pid cannot have
	 * gone to another process between the two. */
	if ((fd = proc_pidfd_open(rec->pid)) >= 0) {
		if ((st = proc_check(rec)) == PROC_ALIVE) {
			w->id = *rec;
			w->fd = fd;
			w->active = 1;
		} else {
			close(fd);
		}
	}
	return st;
}

int
proc_wait_gone(const struct proc_ident *rec, int timeout_ms,
    volatile sig_atomic_t *cancel, struct xherr *err)
{
	int64_t deadline = util_mono_ms() + timeout_ms;
	int fd = proc_pidfd_open(rec->pid);
	int rc = -1;

	for (;;) {
		if (proc_check(rec) != PROC_ALIVE) {
			rc = 0;
			break;
		}
		if (cancel != NULL && *cancel) {
			xherr_set(err, XHE_CANCELLED, "interrupted");
			break;
		}
		int slice = 100;
		if (timeout_ms >= 0) {
			int64_t left = deadline - util_mono_ms();
			if (left <= 0) {
				xherr_set(err, XHE_TIMEOUT,
				    "process %d still running after %d ms",
				    (int)rec->pid, timeout_ms);
				break;
			}
			if (left < slice)
				slice = (int)left;
		}
		if (fd >= 0) {
			/* A pidfd becomes readable when the process exits. */
			struct pollfd p = { fd, POLLIN, 0 };
			poll(&p, 1, slice);
		} else {
			util_sleep_ms(slice < 20 ? slice : 20);
		}
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* As exec will see it: with the effective uid (a setuid caller's root). */
static int
can_exec(const char *path)
{
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS);
}

char *
proc_which(const char *prog, struct xherr *err)
{
	const char *path, *p;

	if (strchr(prog, '/') != NULL) {
		if (can_exec(prog) == -1) {
			xherr_sys(err, "cannot run %s", prog);
			return NULL;
		}
		return xstrdup(prog);
	}
	path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; ; ) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *cand = n ? xasprintf("%.*s/%s", (int)n, p, prog) :
		    xasprintf("./%s", prog);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    can_exec(cand) == 0)
			return cand;
		free(cand);
		if (e == NULL)
			break;
		p = e + 1;
	}
	xherr_set(err, XHE_NOTFOUND, "%s not found in PATH", prog);
	return NULL;
}

int
proc_spawn(char *const argv[], const struct proc_opts *opts, pid_t *pid,
    struct xherr *err)
{
	char *exe;
	int devnull, ep[2], i;
	pid_t child;
	int out_fd = opts ? opts->out_fd : -1;
	int err_fd = opts ? opts->err_fd : -1;

	if ((exe = proc_which(argv[0], err)) == NULL)
		return -1;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull == -1) {
		free(exe);
		return xherr_sys(err, "cannot open /dev/null");
	}
	/* The exec error travels back through a close-on-exec pipe. */
	if (pipe2(ep, O_CLOEXEC) == -1) {
		close(devnull);
		free(exe);
		return xherr_sys(err, "cannot create a pipe");
	}
	child = fork();
	if (child == -1) {
		xherr_sys(err, "cannot fork to run %s", argv[0]);
		close(devnull);
		close(ep[0]);
		close(ep[1]);
		free(exe);
		return -1;
	}
	if (child == 0) {
		/* Only async-signal-safe calls from here to exec. */
		int e;
		struct sigaction dfl;
		sigset_t none;
		/* What both programs ignore or catch (SIGPIPE, SIGINT,
		 * SIGTERM) is the child's to decide: default, unblocked. */
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (opts && opts->new_session)
			setsid();
		/* Setuid, dropped or not (saved uid root): root back for a
		 * moment, then the real user for good, saved uid included. */
		if (opts && opts->as_real_user && getuid() != 0 &&
		    (geteuid() == 0 || seteuid(0) == 0) &&
		    (setgroups(0, NULL) == -1 ||
		    setgid(getgid()) == -1 || setuid(getuid()) == -1)) {
			e = errno;
			if (write(ep[1], &e, sizeof e) < 0)
				_exit(127);
			_exit(127);
		}
		if (opts && opts->cwd_fd > 0 && fchdir(opts->cwd_fd) == -1) {
			e = errno;
			if (write(ep[1], &e, sizeof e) < 0)
				_exit(127);
			_exit(127);
		}
		dup2(devnull, 0);
		dup2(out_fd >= 0 ? out_fd : devnull, 1);
		dup2(err_fd >= 0 ? err_fd : devnull, 2);
		for (i = 0; opts && i < opts->nkeep; i++) {
			int fl = fcntl(opts->keep_fds[i], F_GETFD);
			if (fl != -1)
				fcntl(opts->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC);
		}
		execv(exe, argv);
		e = errno;
		if (write(ep[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(ep[1]);
	close(devnull);
	int e = 0;
	ssize_t r;
	while ((r = read(ep[0], &e, sizeof e)) == -1 && errno == EINTR)
		;
	close(ep[0]);
	if (r == (ssize_t)sizeof e) {
		waitpid(child, NULL, 0);
		errno = e;
		xherr_sys(err, "cannot run %s", exe);
		free(exe);
		return -1;
	}
	free(exe);
	*pid = child;
	return 0;
}

/* Async-signal-safe pieces for the supervisor (it may be forked from the
 * multithreaded plugin: only such calls until it exits). */
static void
close_others(int keep1, int keep2)
{
	int fd;

	for (fd = 3; fd < 4096; fd++)
		if (fd != keep1 && fd != keep2)
			close(fd);
}

static void
put_status(const char *tmp, const char *path, int code)
{
	char num[16];
	int i = (int)sizeof num, fd;

	num[--i] = '\n';
	do {
		num[--i] = (char)('0' + code % 10);
		code /= 10;
	} while (code > 0 && i > 0);
	/* A fresh file: never through a link planted under this name. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return;
	if (write(fd, num + i, sizeof num - (size_t)i) > 0)
		fsync(fd);
	close(fd);
	rename(tmp, path);
}

int
proc_spawn_supervised(char *const argv[], const char *log,
    const char *exitfile, const int *keep_fds, int nkeep, pid_t *pid,
    struct xherr *err)
{
	char *exe, *tmp, *nope;
	int p[2], logfd, devnull = -1;
	pid_t a;

	if ((exe = proc_which(argv[0], err)) == NULL)
		return -1;
	tmp = xasprintf("%s.tmp", exitfile);
	nope = xasprintf("cannot execute %s\n", exe);
	/* O_NOFOLLOW: a link planted in place of the log must not make us
	 * append to whatever it points to. */
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (logfd == -1) {
		xherr_sys(err, "cannot open %s", log);
		goto fail;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull == -1 || pipe2(p, O_CLOEXEC) == -1) {
		xherr_sys(err, "cannot prepare to run %s", exe);
		goto fail;
	}
	a = fork();
	if (a == -1) {
		xherr_sys(err, "cannot fork to run %s", exe);
		close(p[0]);
		close(p[1]);
		goto fail;
	}
	if (a == 0) {
		/* Intermediate: a new session, then leave the supervisor to
		 * init so it never becomes our zombie. */
		setsid();
		if (fork() != 0)
			_exit(0);
		pid_t c = fork();
		if (c == 0) {
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			signal(SIGPIPE, SIG_DFL);
			dup2(devnull, 0);
			dup2(logfd, 1);
			dup2(logfd, 2);
			for (int k = 0; k < nkeep; k++) {
				int fl = fcntl(keep_fds[k], F_GETFD);
				if (fl != -1)
					fcntl(keep_fds[k], F_SETFD,
					    fl & ~FD_CLOEXEC);
			}
			execv(exe, argv);
			if (write(2, nope, strlen(nope)) < 0)
				_exit(127);
			_exit(127);
		}
		/* The supervisor holds nothing of ours: no locks, no sockets,
		 * not even our stdout (a caller reading it to EOF would wait
		 * for the VM to end). */
		int rfd = p[1];
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		close_others(rfd, -1);
		if (c == -1)
			_exit(1);
		if (write(rfd, &c, sizeof c) < 0)
			_exit(1);
		close(rfd);
		int st;
		while (waitpid(c, &st, 0) == -1)
			if (errno != EINTR)
				_exit(1);
		put_status(tmp, exitfile, WIFEXITED(st) ? WEXITSTATUS(st) :
		    128 + WTERMSIG(st));
		_exit(0);
	}
	close(p[1]);
	waitpid(a, NULL, 0);
	ssize_t r;
	while ((r = read(p[0], pid, sizeof *pid)) == -1 && errno == EINTR)
		;
	close(p[0]);
	if (r != (ssize_t)sizeof *pid) {
		xherr_set(err, XHE_FAIL, "cannot start %s", exe);
		goto fail;
	}
	close(logfd);
	close(devnull);
	free(exe);
	free(tmp);
	free(nope);
	return 0;
fail:
	if (logfd != -1)
		close(logfd);
	if (devnull != -1)
		close(devnull);
	free(exe);
	free(tmp);
	free(nope);
	return -1;
}

const char *
proc_status_text(int wstatus)
{
	static __thread char text[64];

	if (WIFEXITED(wstatus))
		snprintf(text, sizeof text, "exited with status %d",
		    WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(text, sizeof text, "killed by signal %d",
		    WTERMSIG(wstatus));
	else
		snprintf(text, sizeof text, "ended with wait status %#x",
		    wstatus);
	return text;
}

int
proc_wait_child(pid_t pid, int timeout_ms, int *status, struct xherr *err)
{
	int64_t deadline = util_mono_ms() + timeout_ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return xherr_sys(err, "cannot wait for process %d",
			    (int)pid);
		if (util_mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return xherr_set(err, XHE_TIMEOUT, "process %d did not "
			    "finish in %d ms", (int)pid, timeout_ms);
		}
		util_sleep_ms(10);
	}
	if (status)
		*status = st;
	return 0;
}

int
proc_run(char *const argv[], int timeout_ms, struct buf *out, int *status,
    struct xherr *err)
{
	struct proc_opts o = { 0 };
	int p[2], rc = -1, st = 0;
	pid_t pid;
	int64_t deadline = util_mono_ms() + timeout_ms;

	if (pipe2(p, O_CLOEXEC) == -1)
		return xherr_sys(err, "cannot create a pipe");
	o.out_fd = p[1];
	o.err_fd = p[1];
	if (proc_spawn(argv, &o, &pid, err) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	for (;;) {
		int left = (int)(deadline - util_mono_ms());
		if (timeout_ms >= 0 && left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			xherr_set(err, XHE_TIMEOUT, "%s did not finish in %d ms",
			    argv[0], timeout_ms);
			goto out;
		}
		struct pollfd pf = { p[0], POLLIN, 0 };
		int n = poll(&pf, 1, timeout_ms >= 0 ? left : -1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		char chunk[4096];
		ssize_t r = read(p[0], chunk, sizeof chunk);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out != NULL && out->len < (1u << 20))
			buf_add(out, chunk, (size_t)r);
	}
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			xherr_sys(err, "cannot wait for %s", argv[0]);
			goto out;
		}
	}
	if (status)
		*status = st;
	rc = 0;
out:
	close(p[0]);
	return rc;
}

int
proc_run_ok(char *const argv[], int timeout_ms, struct buf *out,
    struct xherr *err)
{
	struct buf own;
	struct buf *o = out ? out : &own;
	char *last;
	int status, rc = -1;

	buf_init(&own);
	if (proc_run(argv, timeout_ms, o, &status, err) == -1)
		goto done;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		goto done;
	}
	last = util_last_line(o->p ? o->p : "", o->len);
	xherr_set(err, XHE_FAIL, "%s %s%s%s", argv[0], proc_status_text(status),
	    last ? ": " : "", last ? last : "");
	free(last);
done:
	buf_release(&own);
	return rc;
}

int
proc_run_words(const char *words, const char *const *extra, int nextra,
    int timeout_ms, struct buf *out, struct xherr *err)
{
	char *copy = xstrdup(words), *w, *save = NULL;
	struct strv argv;
	int rc;

	strv_init(&argv);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		strv_add(&argv, w);
	for (int i = 0; i < nextra; i++)
		strv_add(&argv, extra[i]);
	free(copy);
	if (argv.n == 0) {
		strv_release(&argv);
		return xherr_set(err, XHE_INVAL, "an empty command");
	}
	rc = proc_run_ok(argv.v, timeout_ms, out, err);
	strv_release(&argv);
	return rc;
}
