/*
 * docker-machine-driver-xhyve: the plugin process (docker-machine-protocol.md
 * sections 2 and 9).
 *
 * Without MACHINE_PLUGIN_TOKEN=42 it says what it is and exits 1, like a Go
 * plugin. Otherwise it listens on 127.0.0.1:0, prints the address as the
 * first stdout line, serves one client through rpc.c with driver.c's
 * method table, and exits:
 *	0 after the reply to Close is written,
 *	0 when the client hangs up (after waiting, up to the heartbeat
 *	  timeout, for calls still running; 1 if some still are),
 *	1 when no Heartbeat arrived for the timeout.
 * Log lines go to stderr (docker-machine shows them with --debug).
 *
 * Environment for tests:
 *	XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS	watchdog (default 10000, 0: off)
 *	XHYVE_PLUGIN_TEST_SLEEP=1		adds a method Sleep(int ms) that
 *						sleeps, to test concurrency
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "priv.h"
#include "rpc.h"
#include "xherr.h"

static const char not_a_command[] =
    "This is a Docker Machine plugin binary.\n"
    "Plugin binaries are not intended to be invoked directly.\n"
    "Please use this plugin through the main 'docker-machine' binary.\n"
    "(API version: 1)\n";

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void
log_line(void *ctx, const char *line)
{
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s\n", line);
	pthread_mutex_unlock(&log_lock);
}

static int
test_sleep;

/* driver_dispatch, plus the test-only Sleep method when enabled. */
static int
dispatch(void *ctx, const char *method, const struct gob_value *arg,
    struct rpc_reply *reply)
{
	if (test_sleep && strcmp(method, "Sleep") == 0) {
		struct timespec ts;
		int64_t ms = 1000;

		if (arg != NULL && gob_int(arg, &ms) == -1)
			ms = 1000;
		if (ms < 0 || ms > 60000)
			return rpc_reply_error(reply, "Sleep: %lld ms out of range",
			    (long long)ms);
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		rpc_reply_int(reply, ms);
		return 0;
	}
	return driver_dispatch(ctx, method, arg, reply);
}

static unsigned
env_ms(const char *name, unsigned dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 24UL * 3600 * 1000) {
		fprintf(stderr, "ignoring %s=%s: not a number of milliseconds\n",
		    name, s);
		return dflt;
	}
	return (unsigned)v;
}

int
main(void)
{
	struct xherr err = XHERR_INIT;
	const char *token = getenv("MACHINE_PLUGIN_TOKEN");
	const char *name = getenv("MACHINE_PLUGIN_DRIVER_NAME");
	struct rpc_server *srv;
	struct driver *drv;
	unsigned hb_ms;
	int lfd, port, status = 1;
	enum rpc_end end;

	if (token == NULL || strcmp(token, "42") != 0) {
		fputs(not_a_command, stderr);
		return 1;
	}
	priv_scrub_env();	/* setuid: see priv.h */
	if (priv_drop() == -1) {
		fprintf(stderr, "cannot drop to uid %u: %s\n",
		    (unsigned)getuid(), strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (name == NULL || *name == '\0')
		name = "xhyve";
	hb_ms = env_ms("XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS",
	    RPC_HEARTBEAT_TIMEOUT_MS);
	test_sleep = getenv("XHYVE_PLUGIN_TEST_SLEEP") != NULL &&
	    strcmp(getenv("XHYVE_PLUGIN_TEST_SLEEP"), "1") == 0;

	if ((drv = driver_new(name, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	if ((lfd = rpc_listen(&port, &err)) == -1) {
		fprintf(stderr, "Error loading RPC server: %s\n", err.msg);
		return 1;
	}
	srv = rpc_server_new(lfd, dispatch, drv);
	rpc_server_set_heartbeat_timeout(srv, hb_ms);
	rpc_server_set_log(srv, log_line, NULL);
	rpc_server_set_quick(srv, driver_quick);
	/* Calls run concurrently: driver.c locks lifecycle calls itself and
	 * answers state queries (and Heartbeat) while a Create runs. */

	printf("127.0.0.1:%d\n", port);
	if (fflush(stdout) == EOF)
		return 1;

	end = rpc_server_run(srv, &err);
	switch (end) {
	case RPC_END_CLOSE:
		log_line(NULL, "closing plugin on server side");
		status = 0;
		break;
	case RPC_END_EOF:
		status = rpc_server_drain(srv, hb_ms) == 0 ? 0 : 1;
		log_line(NULL, status == 0 ? "client closed the connection" :
		    "client closed the connection; calls still running");
		break;
	case RPC_END_HEARTBEAT:
		fprintf(stderr, "no heartbeat for %u ms, exiting\n", hb_ms);
		status = 1;
		break;
	case RPC_END_ERROR:
		fprintf(stderr, "%s\n", err.msg);
		status = 1;
		break;
	}
	fflush(stdout);
	/* Calls still running (Close mid-Create, heartbeat loss): just go. */
	if (rpc_server_drain(srv, 0) > 0)
		_exit(status);
	rpc_server_free(srv);
	driver_free(drv);
	return status;
}
