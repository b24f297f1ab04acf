/* hv_xhyve: the xhyve/hyperkit backend. The argv and the parsers are pure;
 * the launch runs the binary under proc_spawn_supervised(). */
#include "hv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ident.h"
#include "priv.h"
#include "util.h"

#define MAC_LOOKUP_MS 30000
#define START_MS 30000
#define CONSOLE_MS 2000

char *
hv_xhyve_binary(struct xherr *err)
{
	const char *set = getenv("XHYVE_BINARY");
	char *p;

	if (set != NULL && *set != '\0')
		return proc_which(set, err);
	if ((p = proc_which("xhyve", NULL)) != NULL)
		return p;
	if ((p = proc_which("hyperkit", NULL)) != NULL)
		return p;
	xherr_set(err, XHE_NOTFOUND, "neither xhyve nor hyperkit is in PATH "
	    "(or set XHYVE_BINARY to its path)");
	return NULL;
}

void
hv_xhyve_argv(const struct hv_vm *vm, const char *binary, int mac_lookup,
    struct strv *argv)
{
	int i;

	strv_add(argv, binary);
	strv_add(argv, "-A");
	strv_add(argv, "-U");
	strv_add(argv, vm->uuid);
	strv_add(argv, "-c");
	strv_addf(argv, "%d", vm->cpus);
	strv_add(argv, "-m");
	strv_addf(argv, "%dM", vm->memory_mb);
	strv_add(argv, "-l");
	strv_add(argv, "com1,autopty");
	strv_add(argv, "-s");
	strv_add(argv, "0:0,hostbridge");
	strv_add(argv, "-s");
	strv_add(argv, "31,lpc");
	strv_add(argv, "-s");
	strv_add(argv, "2:0,virtio-net");
	strv_add(argv, "-s");
	strv_addf(argv, "3:0,ahci-cd,%s", vm->iso);
	strv_add(argv, "-s");
	if (vm->disk_format != NULL && strcmp(vm->disk_format, "qcow2") == 0)
		strv_addf(argv, "4:0,virtio-blk,file://%s,format=qcow", vm->disk);
	else
		strv_addf(argv, "4:0,virtio-blk,%s", vm->disk);
	/* xhyve splits this at its first three commas only: the command
	 * line may hold commas and spaces, in one argv element. */
	strv_add(argv, "-f");
	strv_addf(argv, "kexec,%s,%s,%s", vm->kernel, vm->initrd,
	    vm->cmdline ? vm->cmdline : "");
	if (mac_lookup) {
		strv_add(argv, "-M");
		return;
	}
	strv_add(argv, "-F");
	strv_add(argv, vm->pidfile);
	for (i = 0; i < vm->nshares; i++) {
		strv_add(argv, "-s");
		strv_addf(argv, "%d,virtio-9p,%s=%s", 5 + i, vm->shares[i].tag,
		    vm->shares[i].path);
	}
}

/* The value after "KEY" on some line of out, up to the end of that line. */
static int
line_value(const char *out, size_t len, const char *key, char *val, size_t n)
{
	const char *p = out, *end = out + len;
	size_t k = strlen(key);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *hit = NULL;
		for (const char *q = p; q + k <= le; q++)
			if (memcmp(q, key, k) == 0) {
				hit = q + k;
				break;
			}
		if (hit != NULL) {
			while (hit < le && (*hit == ' ' || *hit == '\t'))
				hit++;
			const char *e = le;
			while (e > hit && (e[-1] == '\r' || e[-1] == ' ' ||
			    e[-1] == '\t'))
				e--;
			if (e == hit || (size_t)(e - hit) >= n)
				return -1;
			memcpy(val, hit, (size_t)(e - hit));
			val[e - hit] = '\0';
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -1;
}

int
hv_xhyve_parse_mac(const char *out, size_t len, char mac[18])
{
	char v[64];

	if (line_value(out, len, "MAC:", v, sizeof v) == -1)
		return -1;
	return ident_mac_canon(v, mac);
}

int
hv_xhyve_parse_console(const char *out, size_t len, char *tty, size_t n)
{
	if (line_value(out, len, "COM1 connected to", tty, n) == -1)
		return -1;
	if (strncmp(tty, "/dev/", 5) != 0 || strchr(tty, ' ') != NULL)
		return -1;
	return 0;
}

const char *
hv_xhyve_exit_meaning(int code)
{
	switch (code) {
	case 0:
		return "reset";
	case 1:
		return "poweroff";
	case 2:
		return "halt";
	case 3:
		return "triple fault";
	default:
		return code > 128 ? "killed by a signal" : "error";
	}
}

int
hv_xhyve_mac(const struct hv_vm *vm, const char *binary, char mac[18],
    struct xherr *err)
{
	struct strv argv;
	struct buf out;
	int status, rc = -1;

	strv_init(&argv);
	buf_init(&out);
	hv_xhyve_argv(vm, binary, 1, &argv);
	if (proc_run(argv.v, MAC_LOOKUP_MS, &out, &status, err) == -1)
		goto done;
	buf_rtrim(&out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* The original's message, with xhyve's own reason beside it. */
		const char *last = out.len ? strrchr(buf_str(&out), '\n') : NULL;
		xherr_set(err, XHE_FAIL, "Could not convert the UUID to MAC "
		    "address: %s%s%s", proc_status_text(status), out.len ? ": " : "",
		    out.len ? (last ? last + 1 : out.p) : "");
		goto done;
	}
	if (hv_xhyve_parse_mac(out.p ? out.p : "", out.len, mac) == -1) {
		xherr_set(err, XHE_FAIL, "Could not convert the UUID to MAC "
		    "address: no \"MAC: \" line in the output of %s -M", binary);
		goto done;
	}
	rc = 0;
done:
	strv_release(&argv);
	buf_release(&out);
	return rc;
}

int
hv_xhyve_exit_status(const char *exitfile, int *code)
{
	char *s = NULL, *end;
	long v;

	if (util_read_file(exitfile, 64, &s, NULL, NULL) == -1)
		return -1;
	v = strtol(s, &end, 10);
	free(s);
	if (end == s)
		return -1;
	unlink(exitfile);
	*code = (int)v;
	return 0;
}

/*
 * xhyve runs as root (vmnet) and opens the files it is given by path: a
 * path into a directory its user can change could be redirected to any
 * file. So the machine's files are opened here, below the store with
 * O_NOFOLLOW on every component (the disk read-write, the rest read-only),
 * and xhyve gets /dev/fd/N for each, which opens the file we opened
 * (macOS's fdesc, Linux's /proc). The pid file is xhyve's to create
 * (O_EXCL, so never through a link).
 */
struct held {
	int fd[4];
	char path[4][32];
};

static void
held_close(struct held *h)
{
	for (int i = 0; i < 4; i++)
		if (h->fd[i] != -1)
			close(h->fd[i]);
}

static int
hold_files(const struct hv_vm *vm, struct hv_vm *as, struct held *h,
    struct xherr *err)
{
	const char *want[4] = { vm->iso, vm->disk, vm->kernel, vm->initrd };
	const char **put[4] = { &as->iso, &as->disk, &as->kernel, &as->initrd };
	char *dir = util_dir_name(vm->disk);
	struct stat st;
	int dfd, i, rc = -1;

	*as = *vm;
	for (i = 0; i < 4; i++)
		h->fd[i] = -1;
	if ((dfd = util_open_dir_in(vm->store, dir, err)) == -1)
		goto out;
	for (i = 0; i < 4; i++) {
		if (want[i] == NULL)
			continue;
		const char *base = util_base_name(want[i]);
		if (strncmp(want[i], dir, strlen(dir)) != 0 ||
		    base != want[i] + strlen(dir) + 1) {
			xherr_set(err, XHE_INVAL, "%s is not in the machine "
			    "directory %s", want[i], dir);
			goto out;
		}
		h->fd[i] = openat(dfd, base, (i == 1 ? O_RDWR : O_RDONLY) |
		    O_NOFOLLOW | O_CLOEXEC);
		if (h->fd[i] == -1 || fstat(h->fd[i], &st) == -1) {
			xherr_sys(err, "cannot open %s", want[i]);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			xherr_set(err, XHE_INVAL, "%s is not a regular file",
			    want[i]);
			goto out;
		}
		snprintf(h->path[i], sizeof h->path[i], "/dev/fd/%d", h->fd[i]);
		*put[i] = h->path[i];
	}
	rc = 0;
out:
	if (dfd != -1)
		close(dfd);
	if (rc == -1)
		held_close(h);
	free(dir);
	return rc;
}

int
hv_xhyve_launch(const struct hv_vm *vm, const char *binary,
    const char *exitfile, struct proc_ident *out, char *console, size_t n,
    struct xherr *err)
{
	struct strv argv;
	struct hv_vm as;
	struct held held;
	char *log = NULL, *pidtext = NULL;
	size_t len = 0;
	pid_t pid;
	int64_t deadline = util_mono_ms() + START_MS;
	int rc = -1;

	console[0] = '\0';
	strv_init(&argv);
	if (hold_files(vm, &as, &held, err) == -1)
		goto out;
	hv_xhyve_argv(&as, binary, 0, &argv);
	unlink(vm->pidfile);	/* xhyve opens it O_EXCL */
	unlink(exitfile);
	/* The log is the user's, made before xhyve starts as root (vmnet;
	 * priv.h): root only appends to it. */
	int lfd = open(vm->log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (lfd != -1)
		close(lfd);
	uid_t was = priv_raise();
	rc = proc_spawn_supervised(argv.v, vm->log, exitfile, held.fd, 4, &pid,
	    err);
	priv_restore(was);
	held_close(&held);	/* xhyve has its own */
	if (rc == -1)
		goto out;
	rc = -1;
	/* Running once its pid file names it; the console line comes with it. */
	for (;;) {
		free(pidtext);
		pidtext = NULL;
		if (util_read_file(vm->pidfile, 64, &pidtext, NULL, NULL) == 0 &&
		    atoi(pidtext) == (int)pid)
			break;
		int code;
		if (kill(pid, 0) == -1 || hv_xhyve_exit_status(exitfile, &code) == 0) {
			char *tail = util_file_last_line(vm->log);
			xherr_set(err, XHE_FAIL, "%s exited while starting: %s",
			    binary, tail ? tail : "no message");
			free(tail);
			goto out;
		}
		if (util_mono_ms() > deadline) {
			kill(pid, SIGKILL);
			xherr_set(err, XHE_TIMEOUT, "%s wrote no pid file %s in %d s",
			    binary, vm->pidfile, START_MS / 1000);
			goto out;
		}
		util_sleep_ms(20);
	}
	if (proc_ident_read(pid, out, err) == -1)
		goto out;
	/*
	 * The pty line may trail the pid file by a moment; a console is a
	 * convenience, so wait for it briefly and start without it.
	 */
	deadline = util_mono_ms() + CONSOLE_MS;
	for (;;) {
		free(log);
		log = NULL;
		/* Whole lines only: the last one may still be being written. */
		if (util_read_file(vm->log, 1 << 20, &log, &len, NULL) == 0) {
			while (len > 0 && log[len - 1] != '\n')
				len--;
			if (hv_xhyve_parse_console(log, len, console, n) == 0)
				break;
		}
		console[0] = '\0';
		if (util_mono_ms() > deadline || kill(pid, 0) == -1)
			break;
		util_sleep_ms(20);
	}
	rc = 0;
out:
	strv_release(&argv);
	free(log);
	free(pidtext);
	return rc;
}
