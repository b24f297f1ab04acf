/*
 * rpc: net/rpc server over one HTTP CONNECT connection at a time. See
 * rpc.h for the calling sequence.
 *
 * Threads: the caller of rpc_server_run() is the only reader (accept,
 * handshake, decoding, watchdog). Each request goes to a pool of worker
 * threads (grown on demand up to RPC_MAX_INFLIGHT, idle ones kept) that
 * call the handler and write the reply under the connection's write lock;
 * a quick one (rpc_server_set_quick: GetState and the like) runs on the
 * reader itself, which saves two thread switches per call. A connection
 * is reference counted (reader + running calls) and its descriptor is
 * closed with the last reference, so a late reply
 * never goes to a reused descriptor. Workers wake the reader through a
 * pipe when it waits for them: after Close, or when all workers are busy.
 */
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "cond.h"
#include "mem.h"

#define HANDSHAKE_MAX		4096
#define HANDSHAKE_TIMEOUT_MS	10000
#define READ_CHUNK		65536

static const char http_ok[] = "HTTP/1.0 200 Connected to Go RPC\n\n";
static const char http_405[] = "HTTP/1.0 405 must CONNECT\n\n";
static const char http_404[] = "HTTP/1.0 404 Not Found\n\n";
static const char http_400[] = "HTTP/1.0 400 Bad Request\n\n";

struct conn {
	struct rpc_server *srv;
	int fd;
	unsigned refs;			/* under srv->lock */
	pthread_mutex_t wlock;		/* one reply at a time */
	int prelude_sent;		/* under wlock */
	struct gob_decoder *dec;	/* reader only, freed with the conn */
};

struct job {
	struct job *next;	/* run queue */
	struct conn *c;
	char *full;		/* ServiceMethod as received */
	const char *method;	/* after the last '.' */
	uint64_t seq;
	struct gob_value *arg;
	char *error;		/* set before dispatch: no handler call */
	size_t bytes;		/* its message's size on the wire */
};

struct rpc_server {
	int lfd;
	rpc_handler_fn *fn;
	void *ctx;
	rpc_log_fn *log;
	void *logctx;
	rpc_quick_fn *quick;
	unsigned hb_ms;
	int wake[2];			/* workers -> reader */
	struct gob_buf prelude;
	pthread_mutex_t lock;		/* the fields below */
	pthread_cond_t cond;		/* inflight went down */
	unsigned inflight;
	size_t inflight_bytes;		/* the running calls' messages */
	int closed;			/* a Close reply was written */
	struct job *queue, *queue_tail;	/* accepted, not yet running */
	pthread_cond_t work;		/* queue not empty, or stopping */
	pthread_cond_t gone;		/* a worker thread ended */
	unsigned threads, idle;		/* worker threads, idle ones */
	int stopping;
	uint64_t hb_deadline;		/* reader only */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void XH_PRINTF(2, 3)
logf_(struct rpc_server *srv, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (srv->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	srv->log(srv->logctx, line);
}

/* Replies. */

static void
reply_reset(struct rpc_reply *r)
{
	r->body.len = 0;
	free(r->error);
	r->error = NULL;
}

void
rpc_reply_empty(struct rpc_reply *r)
{
	reply_reset(r);
}

void
rpc_reply_int(struct rpc_reply *r, int64_t v)
{
	reply_reset(r);
	gob_enc_int(&r->body, v);
}

void
rpc_reply_string(struct rpc_reply *r, const char *s)
{
	reply_reset(r);
	if (s == NULL)
		s = "";
	gob_enc_string(&r->body, s, strlen(s));
}

void
rpc_reply_bytes(struct rpc_reply *r, const void *p, size_t len)
{
	reply_reset(r);
	gob_enc_bytes(&r->body, p, len);
}

void
rpc_reply_flags(struct rpc_reply *r, const struct gob_flag *flags, size_t n)
{
	reply_reset(r);
	gob_enc_flags(&r->body, flags, n);
}

int
rpc_reply_error(struct rpc_reply *r, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();	/* out of memory, as xmalloc */
	reply_reset(r);
	if (msg[0] == '\0') {	/* an empty Error means success on the wire */
		free(msg);
		msg = xstrdup("error");
	}
	r->error = msg;
	return 0;
}

/* Sockets. */

int
rpc_listen(int *port, struct xherr *err)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return xherr_sys(err, "cannot create the RPC socket");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		xherr_sys(err, "cannot bind the RPC socket to 127.0.0.1");
		goto fail;
	}
	if (listen(fd, 16) == -1) {
		xherr_sys(err, "cannot listen on the RPC socket");
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		xherr_sys(err, "cannot read the RPC socket's port");
		goto fail;
	}
	*port = ntohs(sin.sin_port);
	return fd;
fail:
	close(fd);
	return -1;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
wake_reader(struct rpc_server *srv)
{
	char c = 0;
	ssize_t w;

	do
		w = write(srv->wake[1], &c, 1);
	while (w == -1 && errno == EINTR);
	/* EAGAIN: the pipe is full, so the reader wakes anyway. */
}

static void
drain_wake(struct rpc_server *srv)
{
	char buf[64];

	while (read(srv->wake[0], buf, sizeof buf) > 0)
		;
}

/* Server. */

struct rpc_server *
rpc_server_new(int lfd, rpc_handler_fn *fn, void *ctx)
{
	struct rpc_server *srv = xcalloc(1, sizeof *srv);

	srv->lfd = lfd;
	srv->fn = fn;
	srv->ctx = ctx;
	srv->hb_ms = RPC_HEARTBEAT_TIMEOUT_MS;
	if (pipe2(srv->wake, O_CLOEXEC | O_NONBLOCK) == -1)
		abort();	/* only fails without descriptors or memory */
	gob_enc_prelude(&srv->prelude);
	pthread_mutex_init(&srv->lock, NULL);
	cond_init_mono(&srv->cond);
	pthread_cond_init(&srv->work, NULL);
	pthread_cond_init(&srv->gone, NULL);
	return srv;
}

void
rpc_server_set_heartbeat_timeout(struct rpc_server *srv, unsigned ms)
{
	srv->hb_ms = ms;
}

void
rpc_server_set_log(struct rpc_server *srv, rpc_log_fn *fn, void *ctx)
{
	srv->log = fn;
	srv->logctx = ctx;
}

void
rpc_server_set_quick(struct rpc_server *srv, rpc_quick_fn *fn)
{
	srv->quick = fn;
}

unsigned
rpc_server_drain(struct rpc_server *srv, unsigned timeout_ms)
{
	struct timespec ts;
	unsigned left;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&srv->lock);
	while (srv->inflight > 0)
		if (cond_wait_mono(&srv->cond, &srv->lock, &ts) == ETIMEDOUT)
			break;
	left = srv->inflight;
	pthread_mutex_unlock(&srv->lock);
	return left;
}

void
rpc_server_free(struct rpc_server *srv)
{
	if (srv == NULL)
		return;
	pthread_mutex_lock(&srv->lock);
	while (srv->inflight > 0)
		pthread_cond_wait(&srv->cond, &srv->lock);
	srv->stopping = 1;
	pthread_cond_broadcast(&srv->work);
	while (srv->threads > 0)
		pthread_cond_wait(&srv->gone, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	if (srv->lfd != -1)
		close(srv->lfd);
	close(srv->wake[0]);
	close(srv->wake[1]);
	gob_buf_release(&srv->prelude);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->cond);
	pthread_cond_destroy(&srv->work);
	pthread_cond_destroy(&srv->gone);
	free(srv);
}

static struct conn *
conn_new(struct rpc_server *srv, int fd)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->srv = srv;
	c->fd = fd;
	c->refs = 1;
	c->dec = gob_decoder_new();
	pthread_mutex_init(&c->wlock, NULL);
	return c;
}

static void
conn_unref(struct conn *c)
{
	struct rpc_server *srv = c->srv;
	unsigned left;

	pthread_mutex_lock(&srv->lock);
	left = --c->refs;
	pthread_mutex_unlock(&srv->lock);
	if (left > 0)
		return;
	close(c->fd);
	gob_decoder_free(c->dec);
	pthread_mutex_destroy(&c->wlock);
	free(c);
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->full);
	free(j->error);
	gob_value_free(j->arg);
	free(j);
}

/*
 * Header and body as one block; the prelude goes in front of the
 * connection's first reply. Returns 0 once written.
 */
static int
send_reply(struct conn *c, const char *full, uint64_t seq, const char *error,
    const struct gob_buf *body)
{
	struct gob_buf msg = { 0 }, out = { 0 };
	int rc;

	gob_enc_response(&msg, full, seq, error);
	if (error != NULL || body == NULL || body->len == 0)
		gob_enc_empty(&msg);
	else
		gob_buf_put(&msg, body->data, body->len);
	pthread_mutex_lock(&c->wlock);
	if (!c->prelude_sent) {
		gob_buf_put(&out, c->srv->prelude.data, c->srv->prelude.len);
		gob_buf_put(&out, msg.data, msg.len);
		rc = write_all(c->fd, out.data, out.len);
	} else {
		rc = write_all(c->fd, msg.data, msg.len);
	}
	if (rc == 0)
		c->prelude_sent = 1;
	pthread_mutex_unlock(&c->wlock);
	gob_buf_release(&msg);
	gob_buf_release(&out);
	return rc;
}

static void
run_job(struct job *j)
{
	struct rpc_server *srv = j->c->srv;
	struct rpc_reply reply = { { 0 }, NULL };
	int rc, sent, wake;
	int is_close = j->error == NULL && strcmp(j->method, "Close") == 0;

	if (j->error == NULL) {
		rc = srv->fn(srv->ctx, j->method, j->arg, &reply);
		if (rc == RPC_NOMETHOD) {
			reply_reset(&reply);
			reply.error = xasprintf("rpc: can't find method %s",
			    j->full);
			is_close = 0;
		} else if (rc != 0 && reply.error == NULL) {
			reply.error = xasprintf("%s failed", j->method);
		}
	} else {
		reply.error = j->error;
		j->error = NULL;
	}
	sent = send_reply(j->c, j->full, j->seq, reply.error, &reply.body) == 0;
	reply_reset(&reply);
	gob_buf_release(&reply.body);

	size_t bytes = j->bytes;

	conn_unref(j->c);
	job_free(j);
	/* A large argument's memory goes back to the system, not only to
	 * the allocator (40 pipelined 15 MB calls left 1 GB resident). */
	if (bytes >= RPC_TRIM_BYTES)
		mem_release();
	pthread_mutex_lock(&srv->lock);
	wake = (is_close && sent) || srv->inflight == RPC_MAX_INFLIGHT ||
	    srv->inflight_bytes >= RPC_MAX_INFLIGHT_BYTES;
	if (is_close && sent)
		srv->closed = 1;
	srv->inflight--;
	srv->inflight_bytes -= bytes;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
	if (wake)
		wake_reader(srv);
}

static void *
worker(void *arg)
{
	struct rpc_server *srv = arg;
	struct job *j;

	pthread_mutex_lock(&srv->lock);
	for (;;) {
		while (srv->queue == NULL && !srv->stopping) {
			srv->idle++;
			pthread_cond_wait(&srv->work, &srv->lock);
			srv->idle--;
		}
		if (srv->queue == NULL)
			break;
		j = srv->queue;
		srv->queue = j->next;
		pthread_mutex_unlock(&srv->lock);
		run_job(j);
		pthread_mutex_lock(&srv->lock);
	}
	srv->threads--;
	pthread_cond_broadcast(&srv->gone);
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

static void
start_job(struct rpc_server *srv, struct job *j)
{
	pthread_attr_t attr;
	pthread_t tid;
	int spawn;

	pthread_mutex_lock(&srv->lock);
	srv->inflight++;
	srv->inflight_bytes += j->bytes;
	j->c->refs++;
	j->next = NULL;
	if (srv->queue == NULL)
		srv->queue = j;
	else
		srv->queue_tail->next = j;
	srv->queue_tail = j;
	/* A thread per unfinished call, so a Heartbeat never waits behind
	 * a Create; threads stay for the next calls. */
	spawn = srv->threads < srv->inflight;
	if (spawn)
		srv->threads++;
	pthread_cond_signal(&srv->work);
	pthread_mutex_unlock(&srv->lock);
	if (!spawn)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, worker, srv) != 0) {
		pthread_mutex_lock(&srv->lock);
		srv->threads--;
		pthread_mutex_unlock(&srv->lock);
	}
	pthread_attr_destroy(&attr);
}

/* A quick call, on the reader's thread: counted like any other. */
static void
run_here(struct rpc_server *srv, struct job *j)
{
	pthread_mutex_lock(&srv->lock);
	srv->inflight++;
	srv->inflight_bytes += j->bytes;
	j->c->refs++;
	pthread_mutex_unlock(&srv->lock);
	run_job(j);
}

/* What a request's ServiceMethod asks for; NULL error: dispatch. */
static struct job *
make_job(struct conn *c, char *full, uint64_t seq, struct gob_value *arg)
{
	struct job *j = xcalloc(1, sizeof *j);
	const char *dot = strrchr(full, '.');
	size_t svclen;

	j->c = c;
	j->full = full;
	j->seq = seq;
	j->arg = arg;
	if (dot == NULL) {
		j->error = xasprintf("rpc: service/method request ill-formed: %s",
		    full);
		return j;
	}
	svclen = (size_t)(dot - full);
	if (!((svclen == 15 && memcmp(full, "RPCServerDriver", 15) == 0) ||
	    (svclen == 15 && memcmp(full, "RpcServerDriver", 15) == 0))) {
		j->error = xasprintf("rpc: can't find service %s", full);
		return j;
	}
	j->method = dot + 1;
	return j;
}

/* Result of serving one connection. */
enum served {
	SERVED_EOF,
	SERVED_DROPPED,		/* protocol error: closed, keep accepting */
	SERVED_CLOSE,
	SERVED_HEARTBEAT,
	SERVED_ERROR,
};

static int
check_closed(struct rpc_server *srv)
{
	int closed;

	pthread_mutex_lock(&srv->lock);
	closed = srv->closed;
	pthread_mutex_unlock(&srv->lock);
	return closed;
}

static int
too_busy(struct rpc_server *srv)
{
	int busy;

	pthread_mutex_lock(&srv->lock);
	/* Also by size: decoded arguments waiting their turn are bounded. */
	busy = srv->inflight >= RPC_MAX_INFLIGHT ||
	    srv->inflight_bytes >= RPC_MAX_INFLIGHT_BYTES;
	pthread_mutex_unlock(&srv->lock);
	return busy;
}

/* Milliseconds poll() may sleep before the watchdog fires; -1: no limit. */
static int
hb_wait(struct rpc_server *srv, int *expired)
{
	uint64_t now;

	*expired = 0;
	if (srv->hb_ms == 0)
		return -1;
	now = now_ms();
	if (now >= srv->hb_deadline) {
		*expired = 1;
		return 0;
	}
	return (int)(srv->hb_deadline - now);
}

/*
 * Read the CONNECT request. Returns 0 with the bytes after the blank line
 * left in buf, or -1 (connection to drop); *end is set by the watchdog or
 * Close.
 */
static int
handshake(struct rpc_server *srv, struct conn *c, char *buf, size_t *len,
    enum served *end)
{
	uint64_t give_up = now_ms() + HANDSHAKE_TIMEOUT_MS;
	char *eol, *blank;
	size_t hlen, rest;

	*len = 0;
	*end = SERVED_DROPPED;
	for (;;) {
		struct pollfd pfd[2] = {
			{ c->fd, POLLIN, 0 }, { srv->wake[0], POLLIN, 0 },
		};
		int expired, wait = hb_wait(srv, &expired);
		uint64_t now = now_ms();
		ssize_t n;

		if (expired) {
			*end = SERVED_HEARTBEAT;
			return -1;
		}
		if (check_closed(srv)) {
			*end = SERVED_CLOSE;
			return -1;
		}
		if (now >= give_up) {
			logf_(srv, "rpc: dropped a connection: no HTTP CONNECT "
			    "request within %d ms", HANDSHAKE_TIMEOUT_MS);
			return -1;
		}
		if (wait == -1 || (uint64_t)wait > give_up - now)
			wait = (int)(give_up - now);
		if (poll(pfd, 2, wait) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents)
			drain_wake(srv);
		if (!pfd[0].revents)
			continue;
		n = read(c->fd, buf + *len, HANDSHAKE_MAX - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (*len > 0)
				logf_(srv, "rpc: dropped a connection: it "
				    "closed during the HTTP request");
			return -1;
		}
		*len += (size_t)n;
		/* A request that is not CONNECT needs no more bytes. */
		if (memcmp(buf, "CONNECT ", *len < 8 ? *len : 8) != 0) {
			write_all(c->fd, http_405, sizeof http_405 - 1);
			logf_(srv, "rpc: dropped a connection: HTTP request "
			    "method is not CONNECT");
			return -1;
		}
		blank = NULL;
		for (eol = buf; eol != NULL && eol < buf + *len;) {
			char *nl = memchr(eol, '\n', (size_t)(buf + *len - eol));

			if (nl == NULL)
				break;
			if (nl + 1 < buf + *len && nl[1] == '\n') {
				blank = nl + 2;
				break;
			}
			if (nl + 2 < buf + *len && nl[1] == '\r' &&
			    nl[2] == '\n') {
				blank = nl + 3;
				break;
			}
			eol = nl + 1;
		}
		if (blank != NULL)
			break;
		if (*len == HANDSHAKE_MAX) {
			write_all(c->fd, http_400, sizeof http_400 - 1);
			logf_(srv, "rpc: dropped a connection: HTTP request "
			    "longer than %d bytes", HANDSHAKE_MAX);
			return -1;
		}
	}
	hlen = (size_t)(blank - buf);
	if (!(hlen >= 18 && memcmp(buf, "CONNECT /_goRPC_ ", 17) == 0)) {
		write_all(c->fd, http_404, sizeof http_404 - 1);
		logf_(srv, "rpc: dropped a connection: CONNECT to a path "
		    "other than /_goRPC_");
		return -1;
	}
	if (write_all(c->fd, http_ok, sizeof http_ok - 1) == -1)
		return -1;
	rest = *len - hlen;
	memmove(buf, blank, rest);
	*len = rest;
	return 0;
}

/* The header's ServiceMethod (a copy) and Seq; -1 when it is no header. */
static int
read_header(const struct gob_value *v, char **full, uint64_t *seq,
    struct xherr *err)
{
	const struct gob_value *m, *s;
	const char *str;
	size_t len;

	v = gob_unwrap(v);
	if (v == NULL || v->kind != GOB_STRUCT)
		return xherr_set(err, XHE_INVAL, "request header is a %s, not "
		    "a struct", v ? gob_kind_name(v->kind) : "nil");
	m = gob_field(v, "ServiceMethod");
	s = gob_field(v, "Seq");
	str = "";
	len = 0;
	if (m != NULL && (str = gob_str(m, &len)) == NULL)
		return xherr_set(err, XHE_INVAL, "request ServiceMethod is a "
		    "%s, not a string", gob_kind_name(m->kind));
	if (memchr(str, '\0', len) != NULL)
		return xherr_set(err, XHE_INVAL, "request ServiceMethod holds "
		    "a NUL byte");
	*seq = 0;
	if (s != NULL && gob_uint(s, seq) == -1)
		return xherr_set(err, XHE_INVAL, "request Seq is a %s, not an "
		    "unsigned integer", gob_kind_name(s->kind));
	*full = xstrndup(str, len);
	return 0;
}

static enum served
serve(struct rpc_server *srv, struct conn *c)
{
	char *buf = xmalloc(HANDSHAKE_MAX);
	size_t cap = HANDSHAKE_MAX, len, start = 0, want = 1;
	uint64_t offset = 0, seq = 0;	/* stream offset of buf[0] */
	char *full = NULL;		/* header read, argument pending */
	enum served end;
	struct xherr err = XHERR_INIT;

	if (handshake(srv, c, buf, &len, &end) == -1)
		goto out;
	for (;;) {
		struct gob_value *v;
		size_t n;
		int rc, expired, wait, busy;

		/* Decode what is there; only retry once `want` bytes are. */
		while (len - start >= want && !too_busy(srv)) {
			rc = gob_decode(c->dec, buf + start, len - start, &n,
			    &v, &err);
			if (rc == 0) {
				want = n;
				break;
			}
			if (rc == -1) {
				if (full != NULL) {
					char *e = xasprintf("rpc: cannot "
					    "decode the argument: %s", err.msg);

					send_reply(c, full, seq, e, NULL);
					free(e);
				}
				logf_(srv, "rpc: dropped a connection: bad "
				    "request stream (%s, stream offset %" PRIu64
				    ")", err.msg, offset + start);
				end = SERVED_DROPPED;
				goto out;
			}
			start += n;
			want = 1;
			if (full == NULL) {
				if (read_header(v, &full, &seq, &err) == -1) {
					gob_value_free(v);
					logf_(srv, "rpc: dropped a connection: "
					    "%s", err.msg);
					end = SERVED_DROPPED;
					goto out;
				}
				gob_value_free(v);
				continue;
			}
			{
				struct job *j = make_job(c, full, seq, v);

				j->bytes = n;
				full = NULL;
				if (j->error == NULL &&
				    strcmp(j->method, "Heartbeat") == 0)
					srv->hb_deadline = now_ms() + srv->hb_ms;
				if (j->error == NULL && srv->quick != NULL &&
				    srv->quick(srv->ctx, j->method))
					run_here(srv, j);
				else
					start_job(srv, j);
			}
		}
		if (start > 0) {
			memmove(buf, buf + start, len - start);
			len -= start;
			offset += start;
			start = 0;
			/* Give back what a large message made the buffer grow
			 * to, once little of it is in use. */
			if (cap > 4 * READ_CHUNK && len < READ_CHUNK) {
				cap = READ_CHUNK;
				buf = xrealloc(buf, cap);
			}
		}
		/* Grow with the bytes that come, not with what is claimed. */
		if (cap - len < READ_CHUNK / 4) {
			cap = cap < READ_CHUNK ? READ_CHUNK : 2 * cap;
			buf = xrealloc(buf, cap);
		}

		if (check_closed(srv)) {
			end = SERVED_CLOSE;
			goto out;
		}
		wait = hb_wait(srv, &expired);
		if (expired) {
			end = SERVED_HEARTBEAT;
			goto out;
		}
		busy = too_busy(srv);
		{
			struct pollfd pfd[2] = {
				{ c->fd, busy ? 0 : POLLIN, 0 },
				{ srv->wake[0], POLLIN, 0 },
			};
			ssize_t r;

			if (poll(pfd, 2, wait) == -1) {
				if (errno == EINTR)
					continue;
				logf_(srv, "rpc: poll: %s", strerror(errno));
				end = SERVED_ERROR;
				goto out;
			}
			if (pfd[1].revents)
				drain_wake(srv);
			if (!pfd[0].revents)
				continue;
			r = read(c->fd, buf + len, cap - len);
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				end = SERVED_EOF;
				goto out;
			}
			len += (size_t)r;
		}
	}
out:
	free(full);
	free(buf);
	if (end == SERVED_DROPPED)
		shutdown(c->fd, SHUT_RDWR);
	return end;
}

enum rpc_end
rpc_server_run(struct rpc_server *srv, struct xherr *err)
{
	srv->hb_deadline = now_ms() + srv->hb_ms;
	for (;;) {
		struct pollfd pfd[2] = {
			{ srv->lfd, POLLIN, 0 }, { srv->wake[0], POLLIN, 0 },
		};
		int expired, wait = hb_wait(srv, &expired), fd, one = 1;
		struct conn *c;
		enum served end;

		if (expired)
			return RPC_END_HEARTBEAT;
		if (check_closed(srv))
			return RPC_END_CLOSE;
		if (poll(pfd, 2, wait) == -1) {
			if (errno == EINTR)
				continue;
			xherr_sys(err, "cannot wait for an RPC connection");
			return RPC_END_ERROR;
		}
		if (pfd[1].revents)
			drain_wake(srv);
		if (!pfd[0].revents)
			continue;
		fd = accept4(srv->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE)
				continue;
			xherr_sys(err, "cannot accept an RPC connection");
			return RPC_END_ERROR;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c = conn_new(srv, fd);
		end = serve(srv, c);
		conn_unref(c);
		switch (end) {
		case SERVED_EOF:
			return RPC_END_EOF;
		case SERVED_CLOSE:
			return RPC_END_CLOSE;
		case SERVED_HEARTBEAT:
			return RPC_END_HEARTBEAT;
		case SERVED_ERROR:
			xherr_set(err, XHE_IO, "RPC connection failed");
			return RPC_END_ERROR;
		case SERVED_DROPPED:
			break;
		}
	}
}
