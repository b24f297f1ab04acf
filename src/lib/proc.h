/*
 * proc: the one owner of fork/exec/waitpid and of process identity.
 *
 * A stored pid means nothing on its own: after a crash or a host reboot the
 * number can belong to anything. A process is "ours" only while its pid, its
 * start time, its executable and the boot id all match what was recorded
 * when we started it (struct proc_ident). proc_check() says which of those
 * no longer hold; proc_signal() re-checks before sending anything, so we
 * never signal a stranger.
 *
 * Spawning: proc_spawn() starts argv[0] (resolved in PATH before fork) with
 * stdin from /dev/null, chosen stdout/stderr, every descriptor closed except
 * the ones listed in keep_fds. proc_run() runs a short command to completion
 * with a timeout and captures its output.
 *
 * Platform parts (reading another process's identity, the boot id) live in
 * proc_linux.c and proc_darwin.c.
 */
#ifndef PROC_H
#define PROC_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"
#include "xherr.h"

#define PROC_EXE_MAX 1024

struct proc_ident {
	pid_t pid;
	uint64_t start_time;	/* Linux: clock ticks after boot; macOS: µs since epoch */
	char boot_id[40];
	char exe[PROC_EXE_MAX];	/* absolute path of the executable */
};

enum proc_status {
	PROC_ALIVE = 0,		/* same pid, start time, executable and boot */
	PROC_GONE,		/* no such process, or a zombie */
	PROC_REUSED,		/* the pid now belongs to another process */
	PROC_REBOOTED,		/* recorded during an earlier boot of the host */
};

const char *proc_status_str(int status);

/* Parse the text of Linux's /proc/PID/stat (len bytes, need not end in
 * NUL): *state is field 3 (e.g. 'R', 'Z'), *start_time field 22 (clock
 * ticks after boot). The command name (field 2) may hold spaces and ')':
 * the fields resume after the last ')'. -1 when it is not that shape. */
int proc_parse_stat(const char *buf, size_t len, char *state,
    uint64_t *start_time);
/* Read the identity of a live process (platform code). */
int proc_ident_read(pid_t pid, struct proc_ident *out, struct xherr *err);
/* Call cb for each process (not this one) whose command line has an
 * argument containing needle: cmdline is its arguments, NUL-separated, len
 * bytes. A cb returning -1 stops the walk (platform code: /proc on Linux,
 * sysctl on macOS). */
typedef int (*proc_found_cb)(void *arg, pid_t pid, const char *cmdline,
    size_t len);
int proc_find(const char *needle, proc_found_cb cb, void *arg,
    struct xherr *err);
/* A descriptor that polls readable once pid has exited (Linux's pidfd), or
 * -1 with errno ENOSYS where there is none: callers then poll the pid
 * (platform code). */
int proc_pidfd_open(pid_t pid);
/* The current boot's id (platform code). */
int proc_boot_id(char out[40], struct xherr *err);
/* Compare a recorded identity with what runs now. Never fails: anything it
 * cannot read counts as PROC_GONE. */
int proc_check(const struct proc_ident *rec);

/*
 * proc_check for a caller that asks about the same process again and
 * again (the plugin's GetState): once a check has found it alive, a
 * descriptor that polls readable when it exits (proc_pidfd_open) is kept,
 * and the next checks of the same identity cost one poll instead of
 * reading /proc (or sysctl) and the executable's path. Not thread-safe:
 * one watch per caller. A zeroed struct is an empty watch.
 */
struct proc_watch {
	struct proc_ident id;	/* the identity found alive */
	int active;		/* fd is open */
	int fd;			/* its exit descriptor */
};
int proc_watch_check(struct proc_watch *w, const struct proc_ident *rec);
void proc_watch_release(struct proc_watch *w);
/* Send sig only if rec is still PROC_ALIVE. Returns 0 when sent, -1 with
 * XHE_NOTFOUND when the process is not (or no longer) ours. */
int proc_signal(const struct proc_ident *rec, int sig, struct xherr *err);
/* Wait until rec is no longer alive, up to timeout_ms (<0: forever).
 * Returns 0 when gone, -1 with XHE_TIMEOUT, or XHE_CANCELLED if *cancel was set. */
int proc_wait_gone(const struct proc_ident *rec, int timeout_ms,
    volatile sig_atomic_t *cancel, struct xherr *err);

struct proc_opts {
	const int *keep_fds;	/* descriptors the child keeps (CLOEXEC cleared) */
	int nkeep;
	int out_fd;		/* child's stdout, -1 for /dev/null */
	int err_fd;		/* child's stderr, -1 for /dev/null */
	int new_session;	/* setsid() in the child */
	/* Running setuid (effective uid root, real uid a user): the child
	 * runs as the real user, group and no other groups (QEMU then opens
	 * and writes the user's files with the user's rights, and creates
	 * nothing as root in a shared folder). */
	int as_real_user;
	/* > 0: the child's working directory (fchdir before exec), so the
	 * relative paths it is given resolve in a directory we checked. */
	int cwd_fd;
};

/* Find prog in PATH (or take it as is when it has a '/'). The result is the
 * caller's. */
char *proc_which(const char *prog, struct xherr *err);
int proc_spawn(char *const argv[], const struct proc_opts *opts, pid_t *pid,
    struct xherr *err);
/* Start argv detached from us (its own session, reparented to init) under
 * a supervisor process that waits for it and writes its exit status (the
 * exit code, or 128 + the signal number) to exitfile. stdout and stderr are
 * appended to log; keep_fds (nkeep of them) stay open in the program.
 * *pid is the program's pid. For programs that do not
 * daemonize themselves (xhyve) and whose exit status means something. */
int proc_spawn_supervised(char *const argv[], const char *log,
    const char *exitfile, const int *keep_fds, int nkeep, pid_t *pid,
    struct xherr *err);
/* Wait for a child of ours to exit, at most timeout_ms (then SIGKILL and
 * XHE_TIMEOUT). */
int proc_wait_child(pid_t pid, int timeout_ms, int *status, struct xherr *err);
/* Run argv to completion (at most timeout_ms, then SIGKILL), capturing
 * stdout and stderr together into out (may be NULL). *status is the wait
 * status. Returns -1 only when it could not run or timed out. */
int proc_run(char *const argv[], int timeout_ms, struct buf *out, int *status,
    struct xherr *err);
/* proc_run, where anything but exit 0 is a failure: "NAME exited with
 * status 1: LAST LINE OF ITS OUTPUT" in err. out (may be NULL) gets the
 * output either way. */
int proc_run_ok(char *const argv[], int timeout_ms, struct buf *out,
    struct xherr *err);
/* "exited with status 3" / "killed by signal 9"; static storage. */
const char *proc_status_text(int wstatus);
/* proc_run_ok of a command given as words split on spaces (a setting such
 * as XHINV_NFSD="sudo nfsd"; no shell, no quoting), then extra arguments. */
int proc_run_words(const char *words, const char *const *extra, int nextra,
    int timeout_ms, struct buf *out, struct xherr *err);

#endif
