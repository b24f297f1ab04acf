#include "ssh.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "proc.h"

#define KEYGEN_MS 30000

int
ssh_keygen(const char *dir, struct xherr *err)
{
	char *key = util_path_join(dir, "id_rsa");
	char *pub = util_path_join(dir, "id_rsa.pub");
	char *argv[] = { "ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m",
	    "PEM", "-N", "", "-C", "", "-f", key, NULL };
	struct buf out;
	int status, rc = -1;

	buf_init(&out);
	if (util_exists(key)) {
		rc = 0;		/* as the original: an existing key is kept */
		goto done;
	}
	if (proc_run(argv, KEYGEN_MS, &out, &status, err) == -1) {
		xherr_wrap(err, "cannot generate the SSH key (is openssh-client "
		    "installed?)");
		goto done;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf_rtrim(&out);
		xherr_set(err, XHE_FAIL, "ssh-keygen %s: %s",
		    proc_status_text(status), out.len ? buf_str(&out) : "");
		goto done;
	}
	if (chmod(key, 0600) == -1 || chmod(pub, 0600) == -1) {
		xherr_sys(err, "cannot set the mode of %s", key);
		goto done;
	}
	rc = 0;
done:
	buf_release(&out);
	free(key);
	free(pub);
	return rc;
}

#define SSH_RETRY_MS 20
/* The first SYN a guest is sent can go unanswered: dnsmasq records the
 * lease before the guest has put the address on its interface, and the
 * kernel sends a SYN again only after a second. So for SSH_QUICK_MS a try
 * waits SSH_QUICK_CONNECT_MS for the connection and then starts afresh
 * (strace: every create lost 0.6 s in that second, its one connect taking
 * 1.02-1.04 s); after that, SSH_CONNECT_MS, for a guest that slow. */
#define SSH_QUICK_MS 5000
#define SSH_QUICK_CONNECT_MS 250
#define SSH_CONNECT_MS 2000
#define SSH_BANNER_MS 2000

/* One attempt: 1 banner seen, 0 not yet. */
static int
try_banner(const struct sockaddr_in *sa, int connect_ms)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct pollfd p;
	char buf[8];
	size_t got = 0;
	int64_t end;

	if (s == -1)
		return 0;
	if (connect(s, (const struct sockaddr *)sa, sizeof *sa) == -1 &&
	    errno != EINPROGRESS)
		goto no;
	p.fd = s;
	p.events = POLLOUT;
	if (poll(&p, 1, connect_ms) != 1)
		goto no;
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 || soerr)
		goto no;
	end = util_mono_ms() + SSH_BANNER_MS;
	while (got < 4) {
		int left = (int)(end - util_mono_ms());
		if (left <= 0)
			goto no;
		p.events = POLLIN;
		if (poll(&p, 1, left) != 1)
			goto no;
		ssize_t r = read(s, buf + got, 4 - got);
		if (r <= 0)
			goto no;
		got += (size_t)r;
	}
	close(s);
	return memcmp(buf, "SSH-", 4) == 0;
no:
	close(s);
	return 0;
}

int
ssh_wait(const char *ip, int port, int timeout_ms,
    volatile sig_atomic_t *cancel, struct xherr *err)
{
	struct sockaddr_in sa;
	int64_t t_start = util_mono_ms(), deadline = t_start + timeout_ms;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return xherr_set(err, XHE_INVAL, "bad IP address %s", ip);
	for (;;) {
		int64_t t0 = util_mono_ms();
		if (try_banner(&sa, t0 - t_start < SSH_QUICK_MS ?
		    SSH_QUICK_CONNECT_MS : SSH_CONNECT_MS))
			return 0;
		if (cancel != NULL && *cancel)
			return xherr_set(err, XHE_CANCELLED, "interrupted");
		if (util_mono_ms() >= deadline)
			return xherr_set(err, XHE_TIMEOUT, "no SSH answer from "
			    "%s:%d after %d s", ip, port, timeout_ms / 1000);
		/* A refused connect returns at once: do not spin, but try
		 * often: a create waits half the period on average for
		 * nothing, and a refused connect costs the guest little. */
		int64_t spent = util_mono_ms() - t0;
		if (spent < SSH_RETRY_MS)
			util_sleep_ms((int)(SSH_RETRY_MS - spent));
	}
}

void
ssh_client_argv(const char *key, const char *ip, char *const *cmd, int ncmd,
    struct strv *argv)
{
	int i;

	strv_add(argv, "ssh");
	strv_add(argv, "-i");
	strv_add(argv, key);
	/* Guests are re-created with new host keys on the same IPs. */
	strv_add(argv, "-o");
	strv_add(argv, "StrictHostKeyChecking=no");
	strv_add(argv, "-o");
	strv_add(argv, "UserKnownHostsFile=/dev/null");
	strv_add(argv, "-o");
	strv_add(argv, "LogLevel=ERROR");
	strv_add(argv, "-o");
	strv_add(argv, "IdentitiesOnly=yes");
	strv_add(argv, "-o");
	strv_add(argv, "ConnectTimeout=10");
	/* A guest that powers off mid-session never sends a RST. */
	strv_add(argv, "-o");
	strv_add(argv, "ServerAliveInterval=5");
	strv_add(argv, "-o");
	strv_add(argv, "ServerAliveCountMax=3");
	strv_addf(argv, "%s@%s", SSH_USER, ip);
	if (ncmd > 0) {
		strv_add(argv, "--");
		for (i = 0; i < ncmd; i++)
			strv_add(argv, cmd[i]);
	}
}

int
ssh_run(const char *key, const char *ip, const char *script, int timeout_ms,
    struct buf *out, struct xherr *err)
{
	char *cmd[1] = { (char *)script };
	struct strv argv;
	int rc;

	strv_init(&argv);
	ssh_client_argv(key, ip, cmd, 1, &argv);
	if ((rc = proc_run_ok(argv.v, timeout_ms, out, err)) == -1)
		xherr_wrap(err, "the command over SSH to %s", ip);
	strv_release(&argv);
	return rc;
}
