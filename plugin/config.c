#include "config.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum ftype { F_STR, F_INT, F_BOOL, F_STRV };

struct field {
	const char *json;
	enum ftype type;
	size_t off;
};

#define FS(name, member) { name, F_STR, offsetof(struct config, member) }
#define FI(name, member) { name, F_INT, offsetof(struct config, member) }
#define FB(name, member) { name, F_BOOL, offsetof(struct config, member) }
#define FV(name, member) { name, F_STRV, offsetof(struct config, member) }

/* In the order the original's Go struct writes them. */
static const struct field fields[] = {
	FS("IPAddress", ip_address),
	FS("MachineName", machine_name),
	FS("SSHUser", ssh_user),
	FI("SSHPort", ssh_port),
	FS("SSHKeyPath", ssh_key_path),
	FS("StorePath", store_path),
	FB("SwarmMaster", swarm_master),
	FS("SwarmHost", swarm_host),
	FS("SwarmDiscovery", swarm_discovery),
	FS("Boot2DockerURL", boot2docker_url),
	FS("CaCertPath", ca_cert_path),
	FS("PrivateKeyPath", private_key_path),
	FI("CPU", cpu),
	FI("Memory", memory),
	FI("DiskSize", disk_size),
	FI("DiskNumber", disk_number),
	FS("MacAddr", mac_addr),
	FS("UUID", uuid),
	FB("Qcow2", qcow2),
	FB("RawDisk", raw_disk),
	FV("NFSShares", nfs_shares),
	FS("NFSSharesRoot", nfs_shares_root),
	FV("Virtio9p", virtio9p),
	FS("Virtio9pRoot", virtio9p_root),
	FB("NFSShare", nfs_share),
	FS("BootCmd", boot_cmd),
	FS("BootKernel", boot_kernel),
	FS("BootInitrd", boot_initrd),
	FS("Initrd", initrd),
	FS("Vmlinuz", vmlinuz),
	FS("Boot2DockerSHA256", boot2docker_sha256),
	FS("Backend", backend),
	FS("Network", network),
	FS("DiskFormat", disk_format),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

#define AT(c, f, type) ((type *)((char *)(c) + (f)->off))

static void
set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = xstrdup(s ? s : "");
}

void
config_init(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NFIELDS; i++) {
		if (fields[i].type == F_STR)
			*AT(c, &fields[i], char *) = xstrdup("");
		else if (fields[i].type == F_STRV)
			strv_init(AT(c, &fields[i], struct strv));
	}
	set_str(&c->ssh_user, "docker");
	c->ssh_port = 22;
	c->cpu = 1;
	c->memory = 1024;
	c->disk_size = 20000;
	c->disk_number = -1;
	set_str(&c->nfs_shares_root, "/xhyve-nfsshares");
	set_str(&c->virtio9p_root, "/xhyve-virtio9p");
	set_str(&c->network, "shared");
}

void
config_release(struct config *c)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		if (fields[i].type == F_STR)
			free(*AT(c, &fields[i], char *));
		else if (fields[i].type == F_STRV)
			strv_release(AT(c, &fields[i], struct strv));
	}
	memset(c, 0, sizeof *c);
}

static const struct field *
field_named(const char *name)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].json, name) == 0)
			return &fields[i];
	return NULL;
}

static const char *
type_name(enum ftype t)
{
	switch (t) {
	case F_STR:
		return "a string";
	case F_INT:
		return "an integer";
	case F_BOOL:
		return "true or false";
	default:
		return "a list of strings";
	}
}

/* Does v fit field f? Legacy shapes are accepted where noted. */
static int
fits(const struct field *f, json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_null(v))
		return 1;	/* Go leaves the field as it is */
	switch (f->type) {
	case F_STR:
		return json_is_string(v);
	case F_INT:
		return json_is_integer(v);
	case F_BOOL:
		return json_is_boolean(v);
	case F_STRV:
		/* "Virtio9p": true is the pre-0.4 shape. */
		if (json_is_boolean(v) && strcmp(f->json, "Virtio9p") == 0)
			return 1;
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				return 0;
		return 1;
	}
	return 0;
}

static void
apply(struct config *c, const struct field *f, json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_null(v))
		return;
	switch (f->type) {
	case F_STR:
		set_str(AT(c, f, char *), json_string_value(v));
		break;
	case F_INT:
		*AT(c, f, int64_t) = json_integer_value(v);
		break;
	case F_BOOL:
		*AT(c, f, int) = json_is_true(v);
		break;
	case F_STRV: {
		struct strv *sv = AT(c, f, struct strv);
		strv_release(sv);
		strv_init(sv);
		if (json_is_array(v))
			json_array_foreach(v, i, e)
				strv_add(sv, json_string_value(e));
		break;
	}
	}
}

int
config_parse(struct config *c, const char *json, size_t len,
    struct xherr *err)
{
	json_error_t je;
	json_t *root, *v, *legacy9p = NULL;
	const char *key;
	const struct field *f;

	root = json_loadb(json, len, JSON_DECODE_ANY, &je);
	if (root == NULL)
		return xherr_set(err, XHE_INVAL, "config is not JSON: line %d: %s",
		    je.line, je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return xherr_set(err, XHE_INVAL, "config is not a JSON object");
	}
	/* Check every known field first, so a bad one changes nothing. */
	json_object_foreach(root, key, v) {
		if ((f = field_named(key)) == NULL) {
			if (strcmp(key, "Virtio9pFolder") == 0 &&
			    !json_is_string(v) && !json_is_null(v)) {
				json_decref(root);
				return xherr_set(err, XHE_INVAL, "config field "
				    "Virtio9pFolder must be a string");
			}
			continue;
		}
		if (!fits(f, v)) {
			/* f->json, not key: key dies with root. */
			json_decref(root);
			return xherr_set(err, XHE_INVAL, "config field %s must "
			    "be %s", f->json, type_name(f->type));
		}
	}
	json_object_foreach(root, key, v) {
		if ((f = field_named(key)) == NULL)
			continue;
		if (f->type == F_STRV && json_is_boolean(v)) {
			legacy9p = v;
			continue;
		}
		apply(c, f, v);
	}
	/* Legacy: "Virtio9p": true shared one folder, /Users by default. */
	if (legacy9p != NULL) {
		strv_release(&c->virtio9p);
		strv_init(&c->virtio9p);
		if (json_is_true(legacy9p)) {
			const char *folder = json_string_value(
			    json_object_get(root, "Virtio9pFolder"));
			strv_add(&c->virtio9p, folder && *folder ? folder : "/Users");
		}
	}
	/* Legacy: "NFSShare": true exported /Users. */
	if (c->nfs_share && c->nfs_shares.n == 0)
		strv_add(&c->nfs_shares, "/Users");
	c->nfs_share = 0;
	json_decref(root);
	return 0;
}

char *
config_format(const struct config *c)
{
	json_t *o = json_object(), *a;
	size_t i, j;
	char *s;

	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];
		switch (f->type) {
		case F_STR:
			json_object_set_new(o, f->json,
			    json_string(*AT(c, f, char *)));
			break;
		case F_INT:
			json_object_set_new(o, f->json,
			    json_integer(*AT(c, f, int64_t)));
			break;
		case F_BOOL:
			json_object_set_new(o, f->json,
			    json_boolean(*AT(c, f, int)));
			break;
		case F_STRV:
			a = json_array();
			for (j = 0; j < AT(c, f, struct strv)->n; j++)
				json_array_append_new(a, json_string(
				    AT(c, f, struct strv)->v[j]));
			json_object_set_new(o, f->json, a);
			break;
		}
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

/* Create flags */

static const char *const no_values[] = { NULL };

const struct gob_flag config_flags[] = {
	{ GOB_FLAG_STRING, "xhyve-boot-cmd", "Command of booting kexec protocol",
	    "XHYVE_BOOT_CMD", "", 0, NULL, 0 },
	{ GOB_FLAG_STRING, "xhyve-boot-kernel",
	    "Absolute path to kernel file (like /boot/vmlinuz64)",
	    "XHYVE_BOOT_KERNEL", "", 0, NULL, 0 },
	{ GOB_FLAG_STRING, "xhyve-boot-initrd",
	    "Absolute path to ramdisk file (like /boot/initrd.img)",
	    "XHYVE_BOOT_INITRD", "", 0, NULL, 0 },
	{ GOB_FLAG_STRING, "xhyve-boot2docker-url",
	    "The URL of the boot2docker image. Defaults to the latest available "
	    "version", "XHYVE_BOOT2DOCKER_URL", "", 0, NULL, 0 },
	{ GOB_FLAG_INT, "xhyve-cpu-count",
	    "Number of CPUs for the host. Set -1 to use the max CPU count",
	    "XHYVE_CPU_COUNT", NULL, 1, NULL, 0 },
	{ GOB_FLAG_INT, "xhyve-disk-size", "Size of disk for the host in MB",
	    "XHYVE_DISK_SIZE", NULL, 20000, NULL, 0 },
	{ GOB_FLAG_INT, "xhyve-memory-size", "Size of memory for the host in MB",
	    "XHYVE_MEMORY_SIZE", NULL, 1024, NULL, 0 },
	{ GOB_FLAG_BOOL, "xhyve-qcow2", "Use qcow2 disk format", "XHYVE_QCOW2",
	    NULL, 0, NULL, 0 },
	{ GOB_FLAG_BOOL, "xhyve-rawdisk",
	    "Use a raw disk image (may be significantly faster, at the potential "
	    "cost of data durability)", "XHYVE_RAW_DISK", NULL, 0, NULL, 0 },
	{ GOB_FLAG_STRING, "xhyve-uuid", "The UUID for the machine",
	    "XHYVE_UUID", "", 0, NULL, 0 },
	{ GOB_FLAG_STRINGS, "xhyve-virtio-9p", "Setup virtio-9p folder share(s)",
	    "XHYVE_VIRTIO_9P", NULL, 0, no_values, 0 },
	{ GOB_FLAG_STRING, "xhyve-virtio-9p-root",
	    "Root path at which the virtio-9p shares are mounted",
	    "XHYVE_VIRTIO_9P_ROOT", "/xhyve-virtio9p", 0, NULL, 0 },
	{ GOB_FLAG_STRINGS, "xhyve-experimental-nfs-share",
	    "Setup NFS shared folder (requires root)",
	    "XHYVE_EXPERIMENTAL_NFS_SHARE", NULL, 0, no_values, 0 },
	{ GOB_FLAG_STRING, "xhyve-experimental-nfs-share-root",
	    "Root path at which the NFS shares will be mounted",
	    "XHYVE_EXPERIMENTAL_NFS_SHARE_ROOT", "/xhyve-nfsshares", 0, NULL, 0 },
	/* Ours. */
	{ GOB_FLAG_STRING, "xhyve-boot2docker-sha256",
	    "Expected sha256 of the boot2docker image (a download that differs "
	    "is refused)", "XHYVE_BOOT2DOCKER_SHA256", "", 0, NULL, 0 },
	{ GOB_FLAG_STRING, "xhyve-backend",
	    "Hypervisor: xhyve (macOS) or qemu (Linux); empty picks the host's",
	    "XHYVE_BACKEND", "", 0, NULL, 0 },
	{ GOB_FLAG_STRING, "xhyve-network",
	    "Network mode: shared (vmnet shared mode on macOS, a bridge with "
	    "dnsmasq on Linux)", "XHYVE_NETWORK", "shared", 0, NULL, 0 },
	{ GOB_FLAG_STRING, "xhyve-disk-format",
	    "Disk format: raw, qcow2 or ext4 (made with libguestfs, the keys "
	    "inside); empty: qcow2 with --xhyve-qcow2, else raw",
	    "XHYVE_DISK_FORMAT", "", 0, NULL, 0 },
};
const size_t config_nflags = sizeof config_flags / sizeof config_flags[0];

/* Which config field each flag sets, in config_flags order. */
static const char *const flag_field[] = {
	"BootCmd", "BootKernel", "BootInitrd", "Boot2DockerURL", "CPU",
	"DiskSize", "Memory", "Qcow2", "RawDisk", "UUID", "Virtio9p",
	"Virtio9pRoot", "NFSShares", "NFSSharesRoot", "Boot2DockerSHA256",
	"Backend", "Network", "DiskFormat",
};

static const char *
flag_kind_name(enum gob_flag_kind k)
{
	switch (k) {
	case GOB_FLAG_STRING:
		return "string";
	case GOB_FLAG_INT:
		return "int";
	case GOB_FLAG_BOOL:
		return "bool";
	default:
		return "[]string";
	}
}

/* The gob value of one flag as the JSON the field table understands. */
static json_t *
flag_json(const struct gob_flag *fl, const struct gob_value *v)
{
	const struct gob_value *u = gob_unwrap(v);
	int64_t i;
	int b;
	size_t k, len;
	const char *s;

	if (u == NULL)
		return NULL;
	switch (fl->kind) {
	case GOB_FLAG_STRING:
		if (u->kind != GOB_STRING)
			return NULL;
		s = gob_str(u, &len);
		if (memchr(s, '\0', len) != NULL)
			return NULL;
		return json_stringn(s, len);
	case GOB_FLAG_INT:
		if (u->kind != GOB_INT || gob_int(u, &i) == -1)
			return NULL;
		return json_integer(i);
	case GOB_FLAG_BOOL:
		if (u->kind != GOB_BOOL || gob_bool(u, &b) == -1)
			return NULL;
		return json_boolean(b);
	case GOB_FLAG_STRINGS: {
		json_t *a;
		if (u->kind != GOB_SLICE)
			return NULL;
		a = json_array();
		for (k = 0; k < u->u.list.n; k++) {
			const struct gob_value *e = u->u.list.items[k];
			if (e->kind != GOB_STRING ||
			    memchr(e->u.s.data, '\0', e->u.s.len) != NULL) {
				json_decref(a);
				return NULL;
			}
			json_array_append_new(a, json_stringn(e->u.s.data,
			    e->u.s.len));
		}
		return a;
	}
	}
	return NULL;
}

int
config_set_flags(struct config *c, const struct gob_value *arg,
    struct xherr *err)
{
	const struct gob_value *values;
	json_t *obj;
	size_t i;
	char *json;
	int rc;

	if (gob_iface_name(arg) == NULL ||
	    strcmp(gob_iface_name(arg), "*rpcdriver.RPCFlags") != 0)
		return xherr_set(err, XHE_INVAL, "the argument is not "
		    "*rpcdriver.RPCFlags");
	values = gob_field(arg, "Values");
	if (values != NULL && (gob_unwrap(values) == NULL ||
	    gob_unwrap(values)->kind != GOB_MAP))
		return xherr_set(err, XHE_INVAL, "RPCFlags.Values is not a map");
	obj = json_object();
	for (i = 0; i < config_nflags; i++) {
		const struct gob_value *v = gob_map_get(values, config_flags[i].name);
		json_t *j;

		if (v == NULL)
			continue;	/* the client sends every flag; keep defaults */
		if ((j = flag_json(&config_flags[i], v)) == NULL) {
			json_decref(obj);
			return xherr_set(err, XHE_INVAL, "flag --%s takes a %s "
			    "value, got %s (or text that is not UTF-8)",
			    config_flags[i].name,
			    flag_kind_name(config_flags[i].kind),
			    gob_iface_name(v) ? gob_iface_name(v) :
			    gob_unwrap(v) ? gob_kind_name(gob_unwrap(v)->kind) :
			    "nil");
		}
		json_object_set_new(obj, flag_field[i], j);
	}
	/* The swarm options of docker-machine itself, as the original. */
	{
		static const char *const swarm[][2] = {
			{ "swarm-master", "SwarmMaster" },
			{ "swarm-host", "SwarmHost" },
			{ "swarm-discovery", "SwarmDiscovery" },
		};
		for (i = 0; i < 3; i++) {
			const struct gob_value *v = gob_unwrap(gob_map_get(values,
			    swarm[i][0]));
			int b;
			if (v == NULL)
				continue;
			if (v->kind == GOB_BOOL && gob_bool(v, &b) == 0)
				json_object_set_new(obj, swarm[i][1], json_boolean(b));
			else if (v->kind == GOB_STRING && memchr(v->u.s.data, '\0',
			    v->u.s.len) == NULL)
				json_object_set_new(obj, swarm[i][1],
				    json_stringn(v->u.s.data, v->u.s.len));
		}
	}
	json_object_set_new(obj, "SSHUser", json_string("docker"));
	json_object_set_new(obj, "SSHPort", json_integer(22));
	json = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	rc = config_parse(c, json, strlen(json), err);
	free(json);
	return rc;
}
