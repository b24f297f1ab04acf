/* config: the driver's JSON state and the create flags. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

/* Building gob values by hand (freed by gob_value_free). */

static struct gob_value *
node(enum gob_kind k)
{
	struct gob_value *v = xcalloc(1, sizeof *v);

	v->kind = k;
	return v;
}

static struct gob_value *
gstr(const char *s)
{
	struct gob_value *v = node(GOB_STRING);

	v->u.s.data = xstrdup(s);
	v->u.s.len = strlen(s);
	return v;
}

static struct gob_value *
iface(const char *name, struct gob_value *inner)
{
	struct gob_value *v = node(GOB_IFACE);

	v->u.iface.name = xstrdup(name);
	v->u.iface.value = inner;
	return v;
}

static struct gob_value *
gint(int64_t i)
{
	struct gob_value *v = node(GOB_INT);

	v->u.i = i;
	return iface("int", v);
}

static struct gob_value *
gbool(int b)
{
	struct gob_value *v = node(GOB_BOOL);

	v->u.b = b;
	return iface("bool", v);
}

static struct gob_value *
gstrs(int n, const char **s)
{
	struct gob_value *v = node(GOB_SLICE);
	int i;

	v->u.list.n = (size_t)n;
	v->u.list.items = xcalloc((size_t)n + 1, sizeof *v->u.list.items);
	for (i = 0; i < n; i++)
		v->u.list.items[i] = gstr(s[i]);
	return iface("[]string", v);
}

/* RPCFlags{Values: map} from alternating key, value arguments. */
static struct gob_value *
rpcflags(int n, ...)
{
	struct gob_value *m = node(GOB_MAP), *st = node(GOB_STRUCT);
	va_list ap;
	int i;

	m->u.map.n = (size_t)n;
	m->u.map.keys = xcalloc((size_t)n + 1, sizeof *m->u.map.keys);
	m->u.map.vals = xcalloc((size_t)n + 1, sizeof *m->u.map.vals);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		m->u.map.keys[i] = gstr(va_arg(ap, const char *));
		m->u.map.vals[i] = va_arg(ap, struct gob_value *);
	}
	va_end(ap);
	st->u.st.n = 1;
	st->u.st.type_name = "RPCFlags";
	st->u.st.fields = xcalloc(1, sizeof *st->u.st.fields);
	st->u.st.fields[0].name = "Values";
	st->u.st.fields[0].value = m;
	return iface("*rpcdriver.RPCFlags", st);
}

static json_t *
formatted(const struct config *c)
{
	char *s = config_format(c);
	json_t *j = json_loads(s, 0, NULL);

	free(s);
	return j;
}

static void
test_defaults_and_round_trip(void)
{
	struct config c, d;
	struct xherr err = XHERR_INIT;
	json_t *j;
	char *s;

	config_init(&c);
	j = formatted(&c);
	ok(j != NULL, "config_format makes JSON");
	is_int(json_integer_value(json_object_get(j, "CPU")), 1, "CPU defaults to 1");
	is_int(json_integer_value(json_object_get(j, "Memory")), 1024,
	    "Memory defaults to 1024");
	is_int(json_integer_value(json_object_get(j, "DiskSize")), 20000,
	    "DiskSize defaults to 20000");
	is_str(json_string_value(json_object_get(j, "Virtio9pRoot")),
	    "/xhyve-virtio9p", "Virtio9pRoot default");
	is_str(json_string_value(json_object_get(j, "NFSSharesRoot")),
	    "/xhyve-nfsshares", "NFSSharesRoot default");
	ok(json_is_array(json_object_get(j, "Virtio9p")), "Virtio9p is a list");
	is_int(json_integer_value(json_object_get(j, "SSHPort")), 22, "SSHPort 22");
	is_str(json_string_value(json_object_get(j, "SSHUser")), "docker",
	    "SSHUser docker");
	/* Every field of the original is there. */
	static const char *const names[] = { "IPAddress", "MachineName",
	    "SSHUser", "SSHPort", "SSHKeyPath", "StorePath", "SwarmMaster",
	    "SwarmHost", "SwarmDiscovery", "Boot2DockerURL", "CaCertPath",
	    "PrivateKeyPath", "CPU", "Memory", "DiskSize", "DiskNumber",
	    "MacAddr", "UUID", "Qcow2", "RawDisk", "NFSShares", "NFSSharesRoot",
	    "Virtio9p", "Virtio9pRoot", "NFSShare", "BootCmd", "BootKernel",
	    "BootInitrd", "Initrd", "Vmlinuz" };
	size_t i, missing = 0;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (json_object_get(j, names[i]) == NULL)
			missing++;
	is_int(missing, 0, "all the original's config.json fields are written");
	json_decref(j);

	/* docker-machine hands back what we gave it, re-indented. */
	const char *in = "{\n        \"MachineName\": \"dev\",\n"
	    "        \"StorePath\": \"/s\",\n        \"CPU\": 4,\n"
	    "        \"Virtio9p\": [\"/Users\", \"/tmp\"],\n"
	    "        \"RawDisk\": true, \"Unknown\": {\"x\": 1}\n}";
	ok(config_parse(&c, in, strlen(in), &err) == 0, "parse indented JSON "
	    "with an unknown field: %s", err.msg);
	is_str(c.machine_name, "dev", "MachineName");
	is_int(c.cpu, 4, "CPU");
	is_int(c.virtio9p.n, 2, "two 9p shares");
	ok(c.raw_disk, "RawDisk");
	is_int(c.memory, 1024, "missing fields keep their values");
	s = config_format(&c);
	config_init(&d);
	ok(config_parse(&d, s, strlen(s), &err) == 0, "our own output parses");
	char *s2 = config_format(&d);
	is_str(s2, s, "and formats back identically");
	free(s);
	free(s2);
	config_release(&d);
	config_release(&c);
}

static void
test_legacy_and_bad(void)
{
	struct config c;
	struct xherr err = XHERR_INIT;
	const char *in;

	config_init(&c);
	in = "{\"Virtio9p\": true, \"Virtio9pFolder\": \"/Volumes/src\"}";
	ok(config_parse(&c, in, strlen(in), &err) == 0,
	    "minikube's Virtio9p: true with Virtio9pFolder is accepted");
	ok(c.virtio9p.n == 1 && strcmp(c.virtio9p.v[0], "/Volumes/src") == 0,
	    "as one share of that folder");
	in = "{\"Virtio9p\": true}";
	config_parse(&c, in, strlen(in), &err);
	ok(c.virtio9p.n == 1 && strcmp(c.virtio9p.v[0], "/Users") == 0,
	    "Virtio9p: true alone shares /Users");
	in = "{\"Virtio9p\": false}";
	config_parse(&c, in, strlen(in), &err);
	is_int(c.virtio9p.n, 0, "Virtio9p: false shares nothing");
	in = "{\"NFSShare\": true, \"RawDisk\": true, \"QCow2\": false}";
	ok(config_parse(&c, in, strlen(in), &err) == 0, "minishift's shape");
	ok(c.nfs_shares.n == 1 && strcmp(c.nfs_shares.v[0], "/Users") == 0,
	    "NFSShare: true exports /Users");
	json_t *j = formatted(&c);
	ok(json_is_false(json_object_get(j, "NFSShare")),
	    "written back in the current shape");
	json_decref(j);

	static const struct { const char *json, *msg; } bad[] = {
		{ "", "config is not JSON" },
		{ "{\"CPU\": 1", "config is not JSON" },
		{ "[1, 2]", "config is not a JSON object" },
		{ "\"text\"", "config is not a JSON object" },
		{ "{\"CPU\": \"two\"}", "config field CPU must be an integer" },
		{ "{\"CPU\": 1.5}", "config field CPU must be an integer" },
		{ "{\"MachineName\": 7}", "config field MachineName must be a string" },
		{ "{\"RawDisk\": \"yes\"}", "config field RawDisk must be true or false" },
		{ "{\"NFSShares\": \"/Users\"}", "config field NFSShares must be a list" },
		{ "{\"Virtio9p\": [1]}", "config field Virtio9p must be a list" },
		{ "{\"Virtio9pFolder\": 3}", "Virtio9pFolder must be a string" },
	};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xherr_clear(&err);
		int r = config_parse(&c, bad[i].json, strlen(bad[i].json), &err);
		ok(r == -1 && strstr(err.msg, bad[i].msg) != NULL,
		    "bad config %s: %s", bad[i].json, err.msg);
	}
	/* A bad field changes nothing, not even the good fields before it. */
	in = "{\"CPU\": 8, \"Memory\": \"lots\"}";
	config_parse(&c, in, strlen(in), &err);
	ok(c.cpu != 8, "a rejected config leaves every field as it was");
	in = "{\"CPU\": null}";
	ok(config_parse(&c, in, strlen(in), &err) == 0, "null keeps a field");
	config_release(&c);
}

static void
test_flags(void)
{
	struct config c;
	struct xherr err = XHERR_INIT;
	struct gob_value *f;
	const char *shares[] = { "/a", "/b" };
	size_t i;

	is_int(config_nflags, 18, "14 original flags and 4 of ours");
	static const char *const want[] = { "xhyve-boot-cmd", "xhyve-boot-kernel",
	    "xhyve-boot-initrd", "xhyve-boot2docker-url", "xhyve-cpu-count",
	    "xhyve-disk-size", "xhyve-memory-size", "xhyve-qcow2",
	    "xhyve-rawdisk", "xhyve-uuid", "xhyve-virtio-9p",
	    "xhyve-virtio-9p-root", "xhyve-experimental-nfs-share",
	    "xhyve-experimental-nfs-share-root" };
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		is_str(config_flags[i].name, want[i], "flag %zu is the original's", i);
	is_str(config_flags[4].envvar, "XHYVE_CPU_COUNT", "env var of cpu-count");
	is_str(config_flags[8].envvar, "XHYVE_RAW_DISK", "env var of rawdisk");
	is_int(config_flags[4].kind, GOB_FLAG_INT, "cpu-count is an int flag");
	is_int(config_flags[10].kind, GOB_FLAG_STRINGS, "virtio-9p is a string slice");
	is_int(config_flags[7].kind, GOB_FLAG_BOOL, "qcow2 is a bool");
	is_int(config_flags[5].ivalue, 20000, "disk size default");

	config_init(&c);
	f = rpcflags(8, "xhyve-cpu-count", gint(2), "xhyve-memory-size",
	    gint(2048), "xhyve-rawdisk", gbool(1), "xhyve-virtio-9p",
	    gstrs(2, shares), "xhyve-boot2docker-url",
	    iface("string", gstr("/tmp/b2d.iso")), "swarm-master", gbool(1),
	    "swarm-host", iface("string", gstr("tcp://0.0.0.0:3376")),
	    "engine-label", gstrs(1, shares));
	ok(config_set_flags(&c, f, &err) == 0, "set flags: %s", err.msg);
	gob_value_free(f);
	is_int(c.cpu, 2, "cpu-count -> CPU");
	is_int(c.memory, 2048, "memory-size -> Memory");
	ok(c.raw_disk, "rawdisk -> RawDisk");
	ok(c.virtio9p.n == 2 && strcmp(c.virtio9p.v[1], "/b") == 0,
	    "virtio-9p -> Virtio9p");
	is_str(c.boot2docker_url, "/tmp/b2d.iso", "boot2docker-url");
	ok(c.swarm_master, "swarm-master -> SwarmMaster");
	is_str(c.swarm_host, "tcp://0.0.0.0:3376", "swarm-host -> SwarmHost");
	is_int(c.ssh_port, 22, "SSHPort is 22");

	/* Wrong types leave the config alone. */
	f = rpcflags(2, "xhyve-disk-size", gint(9999), "xhyve-cpu-count",
	    iface("string", gstr("two")));
	xherr_clear(&err);
	ok(config_set_flags(&c, f, &err) == -1 &&
	    strstr(err.msg, "--xhyve-cpu-count takes a int value, got string"),
	    "a string for an int flag: %s", err.msg);
	gob_value_free(f);
	ok(c.disk_size != 9999, "and no other flag was applied");
	f = rpcflags(1, "xhyve-rawdisk", gint(1));
	xherr_clear(&err);
	ok(config_set_flags(&c, f, &err) == -1 && strstr(err.msg, "bool"),
	    "an int for a bool flag: %s", err.msg);
	gob_value_free(f);
	f = rpcflags(1, "xhyve-virtio-9p", iface("string", gstr("/a")));
	xherr_clear(&err);
	ok(config_set_flags(&c, f, &err) == -1 && strstr(err.msg, "[]string"),
	    "a string for a []string flag: %s", err.msg);
	gob_value_free(f);
	f = iface("*rpcdriver.Other", node(GOB_STRUCT));
	xherr_clear(&err);
	ok(config_set_flags(&c, f, &err) == -1 &&
	    strstr(err.msg, "not *rpcdriver.RPCFlags"), "another type: %s",
	    err.msg);
	gob_value_free(f);
	f = gstr("nope");
	xherr_clear(&err);
	ok(config_set_flags(&c, f, &err) == -1, "a plain string is refused");
	gob_value_free(f);
	ok(config_set_flags(&c, NULL, &err) == -1, "NULL is refused");
	config_release(&c);
}

int
main(void)
{
	test_defaults_and_round_trip();
	test_legacy_and_bad();
	test_flags();
	return tap_done();
}
