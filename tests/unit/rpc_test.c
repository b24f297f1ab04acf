/*
 * rpc_test: the transport in process. A server thread runs
 * rpc_server_run(); this thread plays the client with recorded bytes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gob.h"
#include "rpc.h"
#include "tap.h"

#define FIX "tests/fixtures/gob/"

static const char *const pyref_tags[] = { "alpha", "beta" };
static const struct gob_flag pyref_flags[] = {
	{ GOB_FLAG_STRING, "pyref-url", "Docker URL to report", "PYREF_URL",
	    "tcp://127.0.0.1:2376", 0, NULL, 0 },
	{ GOB_FLAG_INT, "pyref-cpus", "Number of fake CPUs", "PYREF_CPUS",
	    NULL, 2, NULL, 0 },
	{ GOB_FLAG_BOOL, "pyref-fail-create", "Make Create fail",
	    "PYREF_FAIL_CREATE", NULL, 0, NULL, 0 },
	{ GOB_FLAG_STRINGS, "pyref-tag", "Tags (repeatable)", "", NULL, 0,
	    pyref_tags, 2 },
};

/* The pyref plugin's answers, plus a slow method. */
static int
handler(void *ctx, const char *method, const struct gob_value *arg,
    struct rpc_reply *reply)
{
	if (strcmp(method, "GetVersion") == 0)
		rpc_reply_int(reply, 1);
	else if (strcmp(method, "GetMachineName") == 0)
		rpc_reply_string(reply, "flag-lookup");
	else if (strcmp(method, "DriverName") == 0)
		rpc_reply_string(reply, "pyref");
	else if (strcmp(method, "GetCreateFlags") == 0)
		rpc_reply_flags(reply, pyref_flags, 4);
	else if (strcmp(method, "Slow") == 0)
		usleep(400 * 1000);
	else if (strcmp(method, "Fail") == 0)
		rpc_reply_error(reply, "it failed: %d", 42);
	else if (strcmp(method, "SetConfigRaw") != 0 &&
	    strcmp(method, "Close") != 0 && strcmp(method, "Heartbeat") != 0)
		return RPC_NOMETHOD;
	return 0;
}

struct server {
	struct rpc_server *srv;
	int port;
	pthread_t tid;
	enum rpc_end end;
	uint64_t ended_ms;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *
run(void *arg)
{
	struct server *s = arg;
	struct xherr err = XHERR_INIT;

	s->end = rpc_server_run(s->srv, &err);
	s->ended_ms = now_ms();
	return NULL;
}

static void
server_start(struct server *s, unsigned hb_ms)
{
	struct xherr err = XHERR_INIT;
	int lfd = rpc_listen(&s->port, &err);

	s->srv = rpc_server_new(lfd, handler, NULL);
	rpc_server_set_heartbeat_timeout(s->srv, hb_ms);
	pthread_create(&s->tid, NULL, run, s);
}

static void
server_stop(struct server *s)
{
	pthread_join(s->tid, NULL);
	rpc_server_free(s->srv);
}

static int
dial(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char buf[34];
	size_t got = 0;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		return -1;
	write(fd, "CONNECT /_goRPC_ HTTP/1.0\n\n", 27);
	while (got < sizeof buf) {
		ssize_t n = read(fd, buf + got, sizeof buf - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return memcmp(buf, "HTTP/1.0 200 Connected to Go RPC\n\n", 34) == 0 ?
	    fd : -1;
}

/* Read until want bytes are in (or 2 s pass). */
static size_t
read_upto(int fd, uint8_t *buf, size_t have, size_t want)
{
	while (have < want) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 2000) <= 0)
			break;
		n = read(fd, buf + have, want - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	return have;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = xmalloc(1 << 16);

	*len = f ? fread(buf, 1, 1 << 16, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

/* Offsets where each request (header + argument) of a stream ends. */
static size_t
request_ends(const uint8_t *buf, size_t len, size_t *ends, size_t max)
{
	struct gob_decoder *dec = gob_decoder_new();
	struct xherr err = XHERR_INIT;
	size_t at = 0, n, k = 0, values = 0;
	struct gob_value *v;

	while (k < max && gob_decode(dec, buf + at, len - at, &n, &v,
	    &err) == 1) {
		gob_value_free(v);
		at += n;
		if (++values % 2 == 0)
			ends[k++] = at;
	}
	gob_decoder_free(dec);
	return k;
}

/* pyref/09 through the server: the recorded reply stream, byte for byte. */
static void
test_replay(void)
{
	size_t clen, slen, creq[16], sreq[16], nc, ns, i, have = 0, sent = 0;
	uint8_t *c2s = slurp(FIX "pyref-09-prelude.c2s.bin", &clen);
	uint8_t *s2c = slurp(FIX "pyref-09-prelude.s2c.bin", &slen);
	uint8_t got[4096];
	struct server s;
	int fd;

	nc = request_ends(c2s + 27, clen - 27, creq, 16);
	/* replies: skip the prelude's definitions, they come with reply 1 */
	ns = request_ends(s2c + 34, slen - 34, sreq, 16);
	is_int(nc, 7, "7 recorded requests");
	is_int(ns, 7, "7 recorded replies");
	server_start(&s, 5000);
	fd = dial(s.port);
	ok(fd != -1, "handshake");
	for (i = 0; i < nc && i < ns; i++) {
		write(fd, c2s + 27 + sent, creq[i] - sent);
		sent = creq[i];
		have = read_upto(fd, got, have, sreq[i]);
	}
	ok(have == slen - 34 && memcmp(got, s2c + 34, have) == 0,
	    "server output equals the recorded pyref-09 replies (%zu bytes)",
	    slen - 34);
	server_stop(&s);
	is_int(s.end, RPC_END_CLOSE, "ends with RPC_END_CLOSE after Close");
	close(fd);
	free(c2s);
	free(s2c);
}

/* The client's type definitions and first call, then our own calls. */
static size_t
client_prefix(uint8_t *out)
{
	size_t len;
	uint8_t *c2s = slurp(FIX "pyref-09-prelude.c2s.bin", &len);
	size_t ends[2];

	request_ends(c2s + 27, len - 27, ends, 1);	/* GetVersion */
	memcpy(out, c2s + 27, ends[0]);
	free(c2s);
	return ends[0];
}

static void
put_call(struct gob_buf *b, const char *method, uint64_t seq)
{
	struct gob_buf p = { 0 };

	gob_buf_put_int(&p, 65);			/* Request */
	gob_buf_put(&p, "\x01", 1);
	gob_buf_put_uint(&p, strlen(method));
	gob_buf_put(&p, method, strlen(method));
	gob_buf_put(&p, "\x01", 1);
	gob_buf_put_uint(&p, seq);
	gob_buf_put(&p, "\x00", 1);
	gob_buf_put_uint(b, p.len);
	gob_buf_put(b, p.data, p.len);
	gob_buf_put(b, "\x03\xff\x84\x00", 4);		/* struct{} */
	gob_buf_release(&p);
}

/* Read replies and return their headers in arrival order. */
static size_t
read_replies(int fd, struct gob_decoder *dec, char texts[][160], size_t max)
{
	uint8_t buf[8192];
	size_t have = 0, at = 0, n, k = 0, values = 0;
	struct xherr err = XHERR_INIT;
	struct gob_value *v;

	while (k < max) {
		struct pollfd p = { fd, POLLIN, 0 };
		int rc = gob_decode(dec, buf + at, have - at, &n, &v, &err);
		ssize_t r;

		if (rc == 1) {
			if (values++ % 2 == 0) {
				char *t = gob_format(v);

				snprintf(texts[k++], 160, "%s", t);
				free(t);
			}
			gob_value_free(v);
			at += n;
			continue;
		}
		if (rc == -1 || poll(&p, 1, 2000) <= 0)
			break;
		r = read(fd, buf + have, sizeof buf - have);
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	return k;
}

static void
test_concurrency_and_errors(void)
{
	uint8_t pre[256];
	size_t plen = client_prefix(pre);
	struct gob_buf b = { 0 };
	struct gob_decoder *dec = gob_decoder_new();
	char texts[8][160];
	struct server s;
	size_t k;
	int fd;

	server_start(&s, 5000);
	fd = dial(s.port);
	gob_buf_put(&b, pre, plen);
	put_call(&b, "RPCServerDriver.Slow", 1);
	put_call(&b, "RpcServerDriver.Heartbeat", 2);
	put_call(&b, "RPCServerDriver.Nope", 3);
	put_call(&b, "Other.GetState", 4);
	put_call(&b, "NoDot", 5);
	put_call(&b, "RPCServerDriver.Fail", 6);
	write(fd, b.data, b.len);
	k = read_replies(fd, dec, texts, 7);
	is_int(k, 7, "seven replies");
	is_str(texts[0], "{ServiceMethod:\"RPCServerDriver.GetVersion\"}",
	    "GetVersion first");
	is_str(texts[6], "{ServiceMethod:\"RPCServerDriver.Slow\",Seq:1}",
	    "the slow call's reply comes last (out of order)");
	for (k = 1; k < 6; k++)
		ok(strstr(texts[k], "Seq:1") == NULL, "reply %zu is not the "
		    "slow call's: %s", k, texts[k]);
	b.len = 0;
	gob_buf_release(&b);
	shutdown(fd, SHUT_WR);
	server_stop(&s);
	is_int(s.end, RPC_END_EOF, "client hangs up: RPC_END_EOF");
	close(fd);
	gob_decoder_free(dec);

	/* the error texts, one call at a time so the order is fixed */
	server_start(&s, 5000);
	fd = dial(s.port);
	dec = gob_decoder_new();
	gob_buf_put(&b, pre, plen);
	put_call(&b, "RPCServerDriver.Nope", 3);
	put_call(&b, "Other.GetState", 4);
	write(fd, b.data, b.len);
	k = read_replies(fd, dec, texts, 3);
	b.len = 0;
	put_call(&b, "NoDot", 5);
	write(fd, b.data, b.len);
	k += read_replies(fd, dec, texts + 3, 1);
	b.len = 0;
	put_call(&b, "RPCServerDriver.Fail", 6);
	write(fd, b.data, b.len);
	k += read_replies(fd, dec, texts + 4, 1);
	is_int(k, 5, "five replies");
	ok(strstr(texts[1] , "Error:\"rpc: can't find method RPCServerDriver."
	    "Nope\"") != NULL || strstr(texts[2], "Error:\"rpc: can't find "
	    "method RPCServerDriver.Nope\"") != NULL, "unknown method text");
	ok(strstr(texts[1], "can't find service Other.GetState") != NULL ||
	    strstr(texts[2], "can't find service Other.GetState") != NULL,
	    "unknown service text");
	is_str(texts[3], "{ServiceMethod:\"NoDot\",Seq:5,Error:\"rpc: service/"
	    "method request ill-formed: NoDot\"}", "ill-formed text");
	is_str(texts[4], "{ServiceMethod:\"RPCServerDriver.Fail\",Seq:6,"
	    "Error:\"it failed: 42\"}", "handler error");
	gob_buf_release(&b);
	close(fd);
	server_stop(&s);
	is_int(s.end, RPC_END_EOF, "RPC_END_EOF");
	gob_decoder_free(dec);
}

static void
test_watchdog(void)
{
	uint8_t pre[256];
	size_t plen = client_prefix(pre);
	struct gob_buf b = { 0 };
	struct server s;
	uint64_t t0 = now_ms();
	int fd, i;

	/* heartbeats every 100 ms keep a 300 ms watchdog quiet */
	server_start(&s, 300);
	fd = dial(s.port);
	write(fd, pre, plen);
	for (i = 0; i < 8; i++) {
		usleep(100 * 1000);
		b.len = 0;
		put_call(&b, "RPCServerDriver.Heartbeat", (uint64_t)i + 1);
		write(fd, b.data, b.len);
	}
	server_stop(&s);
	ok(s.end == RPC_END_HEARTBEAT && s.ended_ms - t0 >= 900,
	    "heartbeats kept it for %llu ms, then RPC_END_HEARTBEAT",
	    (unsigned long long)(s.ended_ms - t0));
	close(fd);
	/* a connected client that never heartbeats */
	t0 = now_ms();
	server_start(&s, 200);
	fd = dial(s.port);
	server_stop(&s);
	ok(s.end == RPC_END_HEARTBEAT && s.ended_ms - t0 < 1000,
	    "no heartbeat: RPC_END_HEARTBEAT after %llu ms",
	    (unsigned long long)(s.ended_ms - t0));
	close(fd);
	gob_buf_release(&b);
}

int
main(void)
{
	tap_diag("rpc transport in process");
	test_replay();
	test_concurrency_and_errors();
	test_watchdog();
	return tap_done();
}
