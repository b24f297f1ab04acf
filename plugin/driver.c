/*
 * driver: PLACEHOLDER method table, enough for the transport's tests (see
 * driver.h). The real driver replaces this file.
 */
#include "driver.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct driver {
	char *name;
	pthread_mutex_t lock;
	char *machine;		/* MachineName from SetConfigRaw */
};

static const char *const tags_default[] = { "xhyve" };

static const struct gob_flag create_flags[] = {
	{ GOB_FLAG_STRING, "xhyve-boot2docker-url", "The URL of the boot2docker image",
	    "XHYVE_BOOT2DOCKER_URL", "", 0, NULL, 0 },
	{ GOB_FLAG_INT, "xhyve-cpu-count", "Number of CPUs for the machine",
	    "XHYVE_CPU_COUNT", NULL, 1, NULL, 0 },
	{ GOB_FLAG_BOOL, "xhyve-experimental-nfs-share", "Share /Users over NFS",
	    "XHYVE_EXPERIMENTAL_NFS_SHARE", NULL, 0, NULL, 0 },
	{ GOB_FLAG_STRINGS, "xhyve-test-tags", "Tags (repeatable)", "",
	    NULL, 0, tags_default, 1 },
};

/* Methods of the catalogue this placeholder does not do yet. */
static const char *const later[] = {
	"GetConfigRaw", "GetURL", "GetIP", "GetSSHHostname", "GetSSHKeyPath",
	"GetSSHPort", "GetSSHUsername", "GetState", "PreCreateCheck", "Create",
	"Remove", "Start", "Stop", "Restart", "Kill",
};

struct driver *
driver_new(const char *name, struct xherr *err)
{
	struct driver *drv = xcalloc(1, sizeof *drv);

	drv->name = xstrdup(name);
	drv->machine = xstrdup("");
	pthread_mutex_init(&drv->lock, NULL);
	return drv;
}

void
driver_free(struct driver *drv)
{
	if (drv == NULL)
		return;
	pthread_mutex_destroy(&drv->lock);
	free(drv->name);
	free(drv->machine);
	free(drv);
}

static int
set_config_raw(struct driver *drv, const struct gob_value *arg,
    struct rpc_reply *reply)
{
	const char *data;
	json_t *root, *name;
	json_error_t jerr;
	size_t len;

	if ((data = gob_str(arg, &len)) == NULL)
		return rpc_reply_error(reply, "SetConfigRaw: argument is not []byte");
	root = json_loadb(data, len, 0, &jerr);
	if (root == NULL)
		return rpc_reply_error(reply, "SetConfigRaw: bad JSON: %s",
		    jerr.text);
	name = json_object_get(root, "MachineName");
	if (json_is_string(name)) {
		pthread_mutex_lock(&drv->lock);
		free(drv->machine);
		drv->machine = xstrdup(json_string_value(name));
		pthread_mutex_unlock(&drv->lock);
	}
	json_decref(root);
	return 0;
}

static int
set_config_from_flags(const struct gob_value *arg, struct rpc_reply *reply)
{
	const struct gob_value *values = gob_field(arg, "Values");
	char *text;

	if (gob_iface_name(arg) == NULL ||
	    strcmp(gob_iface_name(arg), "*rpcdriver.RPCFlags") != 0 ||
	    (values != NULL && gob_unwrap(values)->kind != GOB_MAP))
		return rpc_reply_error(reply, "SetConfigFromFlags: argument "
		    "is not *rpcdriver.RPCFlags");
	/* The transport's tests read this line back. */
	text = gob_format(values);
	fprintf(stderr, "SetConfigFromFlags: %s\n", text);
	free(text);
	return 0;
}

int
driver_dispatch(void *ctx, const char *method, const struct gob_value *arg,
    struct rpc_reply *reply)
{
	struct driver *drv = ctx;
	size_t i;

	if (strcmp(method, "GetVersion") == 0) {
		rpc_reply_int(reply, 1);
	} else if (strcmp(method, "Heartbeat") == 0 ||
	    strcmp(method, "Close") == 0) {
		rpc_reply_empty(reply);
	} else if (strcmp(method, "DriverName") == 0) {
		rpc_reply_string(reply, drv->name);
	} else if (strcmp(method, "SetConfigRaw") == 0) {
		return set_config_raw(drv, arg, reply);
	} else if (strcmp(method, "GetMachineName") == 0) {
		pthread_mutex_lock(&drv->lock);
		rpc_reply_string(reply, drv->machine);
		pthread_mutex_unlock(&drv->lock);
	} else if (strcmp(method, "GetCreateFlags") == 0) {
		rpc_reply_flags(reply, create_flags,
		    sizeof create_flags / sizeof create_flags[0]);
	} else if (strcmp(method, "SetConfigFromFlags") == 0) {
		return set_config_from_flags(arg, reply);
	} else {
		for (i = 0; i < sizeof later / sizeof later[0]; i++)
			if (strcmp(method, later[i]) == 0)
				return rpc_reply_error(reply, "%s: not "
				    "implemented yet", method);
		return RPC_NOMETHOD;
	}
	return 0;
}
