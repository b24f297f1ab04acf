/*
 * driver: the plugin's method table (docker-machine-protocol.md sections 5
 * and 6): one rpc_handler_fn that rpc.c calls for each request.
 *
 *	struct driver *drv = driver_new("xhyve", &err);
 *	srv = rpc_server_new(lfd, driver_dispatch, drv);
 *	...
 *	driver_free(drv);
 *
 * Every method of the catalogue; lifecycle methods go through machine.c
 * and the store's inventory, as xhinv does.
 */
#ifndef DRIVER_H
#define DRIVER_H

#include "gob.h"
#include "rpc.h"
#include "xherr.h"

struct driver;

/* name: what DriverName returns (MACHINE_PLUGIN_DRIVER_NAME). */
struct driver *driver_new(const char *name, struct xherr *err);
void driver_free(struct driver *drv);	/* NULL is fine */
/* An rpc_handler_fn; ctx is the struct driver. Thread-safe. */
int driver_dispatch(void *ctx, const char *method, const struct gob_value *arg,
    struct rpc_reply *reply);
/* rpc_quick_fn: the state queries and constant answers, which neither
 * wait for a lifecycle call nor take long (see methods[] in driver.c). */
int driver_quick(void *ctx, const char *method);

#endif
