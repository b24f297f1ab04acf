/* hv_qemu: the QEMU backend (Linux). */
#include "hv.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"

#define QEMU_START_MS 60000
#define QMP_IO_MS 5000

char *
hv_qemu_escape(const char *s)
{
	struct buf b;

	buf_init(&b);
	for (; *s; s++) {
		buf_addc(&b, *s);
		if (*s == ',')
			buf_addc(&b, ',');
	}
	buf_str(&b);
	return b.p;
}

static void
add_opt(struct strv *argv, const char *opt, const char *fmt_prefix,
    const char *path, const char *suffix)
{
	char *e = hv_qemu_escape(path);

	strv_add(argv, opt);
	strv_addf(argv, "%s%s%s", fmt_prefix, e, suffix);
	free(e);
}

void
hv_qemu_argv(const struct hv_vm *vm, struct strv *argv)
{
	int i;

	strv_add(argv, "qemu-system-x86_64");
	strv_add(argv, "-name");
	{
		char *e = hv_qemu_escape(vm->name);
		strv_addf(argv, "guest=%s", e);
		free(e);
	}
	strv_add(argv, "-uuid");
	strv_add(argv, vm->uuid);
	strv_add(argv, "-accel");
	strv_add(argv, vm->kvm ? "kvm" : "tcg");
	if (vm->kvm) {
		strv_add(argv, "-cpu");
		strv_add(argv, "host");
	}
	strv_add(argv, "-smp");
	strv_addf(argv, "%d", vm->cpus);
	strv_add(argv, "-m");
	strv_addf(argv, "%dM", vm->memory_mb);
	strv_add(argv, "-nodefaults");
	strv_add(argv, "-no-user-config");
	strv_add(argv, "-display");
	strv_add(argv, "none");
	/* Direct kernel boot, as xhyve's -f kexec,KERNEL,INITRD,CMDLINE. */
	strv_add(argv, "-kernel");
	strv_add(argv, vm->kernel);
	strv_add(argv, "-initrd");
	strv_add(argv, vm->initrd);
	strv_add(argv, "-append");
	strv_add(argv, vm->cmdline ? vm->cmdline : "");
	if (vm->iso)
		add_opt(argv, "-drive", "file=", vm->iso,
		    ",media=cdrom,readonly=on,if=ide");
	if (vm->disk) {
		char *e = hv_qemu_escape(vm->disk);
		strv_add(argv, "-drive");
		strv_addf(argv, "file=%s,format=%s,if=virtio,discard=unmap", e,
		    vm->disk_format ? vm->disk_format : "raw");
		free(e);
	}
	if (vm->tap_fd >= 0) {
		strv_add(argv, "-netdev");
		strv_addf(argv, "tap,id=net0,fd=%d", vm->tap_fd);
		strv_add(argv, "-device");
		strv_addf(argv, "virtio-net-pci,netdev=net0,mac=%s", vm->mac);
	}
	for (i = 0; i < vm->nshares; i++) {
		char *e = hv_qemu_escape(vm->shares[i].path);
		strv_add(argv, "-fsdev");
		strv_addf(argv, "local,id=fs%d,path=%s,security_model=mapped-xattr",
		    i, e);
		strv_add(argv, "-device");
		strv_addf(argv, "virtio-9p-pci,fsdev=fs%d,mount_tag=%s", i,
		    vm->shares[i].tag);
		free(e);
	}
	strv_add(argv, "-device");
	strv_add(argv, "virtio-rng-pci");
	if (vm->qmp_fd >= 0) {
		strv_add(argv, "-chardev");
		strv_addf(argv, "socket,id=qmp,fd=%d,server=on,wait=off",
		    vm->qmp_fd);
		strv_add(argv, "-mon");
		strv_add(argv, "chardev=qmp,mode=control");
	}
	if (vm->serial_log) {
		add_opt(argv, "-chardev", "file,id=serial0,path=",
		    vm->serial_log, "");
		strv_add(argv, "-serial");
		strv_add(argv, "chardev:serial0");
	}
	if (vm->pidfile) {
		strv_add(argv, "-pidfile");
		strv_add(argv, vm->pidfile);
	}
	strv_add(argv, "-daemonize");
}

int
hv_qemu_kvm_usable(void)
{
	const char *force = getenv("XHINV_ACCEL");
	char *cpuinfo = NULL;
	int found = 0, fd;

	if (force != NULL && strcmp(force, "tcg") == 0)
		return 0;
	if (force != NULL && strcmp(force, "kvm") == 0)
		return 1;
	if (util_read_file("/proc/cpuinfo", 16 << 20, &cpuinfo, NULL, NULL) == 0) {
		found = strstr(cpuinfo, " vmx") != NULL ||
		    strstr(cpuinfo, " svm") != NULL;
		free(cpuinfo);
	}
	if (!found)
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

/* sun_path holds 108 bytes; reach longer paths through the directory's
 * /proc/self/fd entry. *dirfd must be closed by the caller when != -1. */
static int
unix_addr(const char *path, struct sockaddr_un *sa, int *dirfd,
    struct xherr *err)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	*dirfd = -1;
	if (strlen(path) < sizeof sa->sun_path) {
		memcpy(sa->sun_path, path, strlen(path) + 1);
		return 0;
	}
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		return xherr_set(err, XHE_INVAL, "socket path too long: %s", path);
	}
	*slash = '\0';
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (*dirfd == -1)
		return xherr_sys(err, "cannot open the directory of %s", path);
	if ((size_t)snprintf(sa->sun_path, sizeof sa->sun_path,
	    "/proc/self/fd/%d/%s", *dirfd, strrchr(path, '/') + 1) >=
	    sizeof sa->sun_path) {
		close(*dirfd);
		*dirfd = -1;
		return xherr_set(err, XHE_INVAL, "socket name too long: %s", path);
	}
	return 0;
}

int
hv_qemu_qmp_listen(const char *path, struct xherr *err)
{
	struct sockaddr_un sa;
	int s, dirfd;

	if (unix_addr(path, &sa, &dirfd, err) == -1)
		return -1;
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s == -1) {
		xherr_sys(err, "cannot create socket %s", path);
		goto out;
	}
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    chmod(path, 0600) == -1 || listen(s, 4) == -1) {
		xherr_sys(err, "cannot listen on %s", path);
		close(s);
		s = -1;
	}
out:
	if (dirfd != -1)
		close(dirfd);
	return s;
}

int
hv_qemu_launch(const struct hv_vm *vm, struct proc_ident *out,
    struct xherr *err)
{
	struct strv argv;
	struct proc_opts o = { 0 };
	int keep[2], nkeep = 0, logfd = -1, status, rc = -1;
	pid_t pid;
	char *pidtext = NULL, *end;

	strv_init(&argv);
	hv_qemu_argv(vm, &argv);
	if (vm->tap_fd >= 0)
		keep[nkeep++] = vm->tap_fd;
	if (vm->qmp_fd >= 0)
		keep[nkeep++] = vm->qmp_fd;
	if (vm->log) {
		/* Not through a link planted in place of the log. */
		logfd = open(vm->log, O_WRONLY | O_CREAT | O_APPEND |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (logfd == -1) {
			xherr_sys(err, "cannot open %s", vm->log);
			goto out;
		}
		char *cmd = strv_join(&argv, " ");
		dprintf(logfd, "--- %s\n", cmd);
		free(cmd);
	}
	if (vm->pidfile)
		unlink(vm->pidfile);
	/* QEMU's file chardev follows links and truncates: give it no file
	 * (it would truncate ours anyway), so a planted link goes first. */
	if (vm->serial_log)
		unlink(vm->serial_log);
	o.keep_fds = keep;
	o.nkeep = nkeep;
	o.out_fd = logfd;
	o.err_fd = logfd;
	o.new_session = 1;
	/* Setuid (macOS's model, and tests of it here): QEMU runs as the
	 * real user, on the user's files, with the tap as a descriptor. */
	o.as_real_user = 1;
	if (proc_spawn(argv.v, &o, &pid, err) == -1)
		goto out;
	if (proc_wait_child(pid, QEMU_START_MS, &status, err) == -1)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *tail = util_file_last_line(vm->log);
		xherr_set(err, XHE_FAIL, "qemu-system-x86_64 %s: %s",
		    proc_status_text(status), tail ? tail : "no message");
		free(tail);
		goto out;
	}
	if (util_read_file(vm->pidfile, 64, &pidtext, NULL, err) == -1) {
		xherr_wrap(err, "qemu started but its pid file is missing");
		goto out;
	}
	long v = strtol(pidtext, &end, 10);
	if (end == pidtext || v <= 0) {
		xherr_set(err, XHE_FAIL, "bad pid file %s", vm->pidfile);
		goto out;
	}
	if (proc_ident_read((pid_t)v, out, err) == -1) {
		char *tail = util_file_last_line(vm->log);
		xherr_set(err, XHE_FAIL, "qemu exited right after starting: %s",
		    tail ? tail : "no message");
		free(tail);
		goto out;
	}
	rc = 0;
out:
	if (logfd != -1)
		close(logfd);
	free(pidtext);
	strv_release(&argv);
	return rc;
}

/* QMP: one connection per request. */
struct qmp {
	int fd;
	struct buf in;
};

static int
qmp_line(struct qmp *q, json_t **out, struct xherr *err)
{
	for (;;) {
		char *nl = q->in.len ? memchr(q->in.p, '\n', q->in.len) : NULL;
		if (nl != NULL) {
			size_t n = (size_t)(nl - q->in.p) + 1;
			json_error_t je;
			*out = json_loadb(q->in.p, n, 0, &je);
			memmove(q->in.p, q->in.p + n, q->in.len - n);
			q->in.len -= n;
			if (*out == NULL || !json_is_object(*out)) {
				json_decref(*out);
				return xherr_set(err, XHE_FAIL, "QMP sent bad "
				    "JSON: %s", je.text);
			}
			return 0;
		}
		char chunk[4096];
		ssize_t r = recv(q->fd, chunk, sizeof chunk, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return xherr_set(err, XHE_TIMEOUT, "QMP did not answer "
			    "in %d ms", QMP_IO_MS);
		if (r <= 0)
			return xherr_set(err, XHE_FAIL, "QMP closed the "
			    "connection");
		if (q->in.len > (1 << 20))
			return xherr_set(err, XHE_FAIL, "QMP line too long");
		buf_add(&q->in, chunk, (size_t)r);
	}
}

/* Send a command and return its "return" member (the caller's). */
static int
qmp_cmd(struct qmp *q, const char *cmd, json_t **ret, struct xherr *err)
{
	char *line = xasprintf("{\"execute\":\"%s\"}\n", cmd);
	size_t len = strlen(line), off = 0;
	json_t *msg;

	while (off < len) {
		ssize_t w = send(q->fd, line + off, len - off, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(line);
			return xherr_sys(err, "cannot send QMP %s", cmd);
		}
		off += (size_t)w;
	}
	free(line);
	for (;;) {
		if (qmp_line(q, &msg, err) == -1)
			return -1;
		if (json_object_get(msg, "event") != NULL) {
			json_decref(msg);
			continue;
		}
		json_t *e = json_object_get(msg, "error");
		if (e != NULL) {
			const char *desc = json_string_value(
			    json_object_get(e, "desc"));
			xherr_set(err, XHE_FAIL, "QMP %s: %s", cmd,
			    desc ? desc : "error");
			json_decref(msg);
			return -1;
		}
		json_t *r = json_object_get(msg, "return");
		if (r != NULL) {
			if (ret)
				*ret = json_incref(r);
			json_decref(msg);
			return 0;
		}
		json_decref(msg);
	}
}

static int
qmp_open(struct qmp *q, const char *path, struct xherr *err)
{
	struct sockaddr_un sa;
	struct timeval tv = { QMP_IO_MS / 1000, (QMP_IO_MS % 1000) * 1000 };
	int dirfd;
	json_t *greeting;

	buf_init(&q->in);
	q->fd = -1;
	if (unix_addr(path, &sa, &dirfd, err) == -1)
		return -1;
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd == -1) {
		xherr_sys(err, "cannot create a socket");
		goto fail;
	}
	setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(q->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		xherr_sys(err, "cannot connect to QMP socket %s", path);
		goto fail;
	}
	if (dirfd != -1)
		close(dirfd);
	dirfd = -1;
	if (qmp_line(q, &greeting, err) == -1)
		goto fail;
	if (json_object_get(greeting, "QMP") == NULL) {
		json_decref(greeting);
		xherr_set(err, XHE_FAIL, "%s is not a QMP socket", path);
		goto fail;
	}
	json_decref(greeting);
	if (qmp_cmd(q, "qmp_capabilities", NULL, err) == -1)
		goto fail;
	return 0;
fail:
	if (dirfd != -1)
		close(dirfd);
	if (q->fd != -1)
		close(q->fd);
	q->fd = -1;
	buf_release(&q->in);
	return -1;
}

static void
qmp_close(struct qmp *q)
{
	if (q->fd != -1)
		close(q->fd);
	buf_release(&q->in);
}

int
hv_qemu_powerdown(const char *qmp_path, struct xherr *err)
{
	struct qmp q;
	int rc;

	if (qmp_open(&q, qmp_path, err) == -1)
		return -1;
	rc = qmp_cmd(&q, "system_powerdown", NULL, err);
	qmp_close(&q);
	return rc;
}
