/*
 * rpc: the plugin side of Go's net/rpc (gob codec, HTTP CONNECT) as
 * docker-machine speaks it (docker-machine-protocol.md sections 2.5 and 3).
 *
 *	int port;
 *	int lfd = rpc_listen(&port, &err);		127.0.0.1, ephemeral port
 *	printf("127.0.0.1:%d\n", port); fflush(stdout);
 *	struct rpc_server *srv = rpc_server_new(lfd, driver_dispatch, drv);
 *	rpc_server_set_heartbeat_timeout(srv, 10000);
 *	rpc_server_set_log(srv, log_line, NULL);
 *	switch (rpc_server_run(srv, &err)) {
 *	case RPC_END_CLOSE:	 the Close reply went out: exit 0
 *	case RPC_END_EOF:	 the client hung up: rpc_server_drain(), exit
 *	case RPC_END_HEARTBEAT: no Heartbeat arrived in time: exit 1
 *	case RPC_END_ERROR:	 err says why
 *	}
 *	rpc_server_free(srv);				waits for running calls
 *
 * Connections are served one at a time. Each request (header struct with
 * ServiceMethod and Seq, then the argument) runs in a thread of its own, so
 * a Heartbeat is answered while a long Create runs; replies go out in
 * completion order, each (with the type prelude before the first one) as
 * one write under a mutex. Service names RPCServerDriver and
 * RpcServerDriver are accepted; the handler sees the method name after the
 * last '.'. A connection whose byte stream cannot be decoded is answered
 * with an error where the request's Seq is known, then closed, with one
 * line to the log callback; the server then accepts the next connection.
 *
 * The heartbeat watchdog counts a Heartbeat when the request arrives, not
 * when it is answered, and runs from rpc_server_run() on.
 *
 * Handlers run concurrently: the handler does its own locking (driver.c
 * serialises lifecycle calls and keeps state queries apart).
 */
#ifndef RPC_H
#define RPC_H

#include <stddef.h>
#include <stdint.h>

#include "gob.h"
#include "xherr.h"

#define RPC_HEARTBEAT_TIMEOUT_MS	10000
#define RPC_MAX_INFLIGHT		32	/* calls running at once */
/* and the most their messages may hold in all: reading stops until
 * running calls finish (a 16 MB value still fits) */
#define RPC_MAX_INFLIGHT_BYTES		(48u << 20)
/* after a call whose message was this large, memory goes back */
#define RPC_TRIM_BYTES			(1u << 20)

/*
 * What a handler produces. Set it with the rpc_reply_* functions only: the
 * last one wins, and an error replaces any result (the client then gets
 * an empty struct, as from a Go server). Untouched: empty struct.
 */
struct rpc_reply {
	struct gob_buf body;	/* the encoded result message, or empty */
	char *error;		/* non-NULL: error reply with this text */
};

void rpc_reply_empty(struct rpc_reply *r);
void rpc_reply_int(struct rpc_reply *r, int64_t v);
void rpc_reply_string(struct rpc_reply *r, const char *s);	/* NULL: "" */
void rpc_reply_bytes(struct rpc_reply *r, const void *p, size_t len);
void rpc_reply_flags(struct rpc_reply *r, const struct gob_flag *flags,
    size_t n);
/* Error text (as the user will see it); returns 0. */
int rpc_reply_error(struct rpc_reply *r, const char *fmt, ...) XH_PRINTF(2, 3);

/* Returned by a handler that has no such method. */
#define RPC_NOMETHOD	1

/*
 * A handler: method is the part after the last '.', arg the decoded
 * argument (borrowed for the call; an empty struct for most methods).
 * Return 0 (result or error set in reply) or RPC_NOMETHOD, which makes
 * the reply "rpc: can't find method SERVICE.METHOD" as from Go.
 */
typedef int rpc_handler_fn(void *ctx, const char *method,
    const struct gob_value *arg, struct rpc_reply *reply);

/* Whether a method is quick: bounded, and never waiting for another call
 * to finish (a state query). A quick call runs on the reader thread as
 * soon as it is read, with no hand-off to a worker thread. */
typedef int rpc_quick_fn(void *ctx, const char *method);

/* One line, no newline: a connection closed on a protocol error, ... */
typedef void rpc_log_fn(void *ctx, const char *line);

enum rpc_end {
	RPC_END_ERROR = -1,	/* accept/poll failed; err says why */
	RPC_END_CLOSE = 0,	/* the reply to Close was written */
	RPC_END_EOF,		/* the client closed the connection */
	RPC_END_HEARTBEAT,	/* no Heartbeat arrived for the timeout */
};

/* A listening TCP socket on 127.0.0.1:0 (close-on-exec); -1 and err. */
int rpc_listen(int *port, struct xherr *err);

/* Takes over lfd (closed by rpc_server_free). */
struct rpc_server *rpc_server_new(int lfd, rpc_handler_fn *fn, void *ctx);
/* 0 disables the watchdog. Default RPC_HEARTBEAT_TIMEOUT_MS. */
void rpc_server_set_heartbeat_timeout(struct rpc_server *srv, unsigned ms);
void rpc_server_set_log(struct rpc_server *srv, rpc_log_fn *fn, void *ctx);
/* NULL (the default): every call goes to a worker thread. */
void rpc_server_set_quick(struct rpc_server *srv, rpc_quick_fn *fn);
/* Serve until one of enum rpc_end happens. */
enum rpc_end rpc_server_run(struct rpc_server *srv, struct xherr *err);
/* Wait up to timeout_ms for running calls; returns how many still run. */
unsigned rpc_server_drain(struct rpc_server *srv, unsigned timeout_ms);
/* Waits for every running call, then frees. NULL is fine. */
void rpc_server_free(struct rpc_server *srv);

#endif
