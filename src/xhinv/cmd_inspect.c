/* xhinv inspect NAME: the machine's record and true state as JSON. */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>

static int
add_share(void *arg, const struct inv_share *s)
{
	json_array_append_new(arg, json_pack("{s:s,s:o,s:o,s:o}", "kind",
	    s->kind, "host", cli_json_str(s->host_path), "guest",
	    cli_json_str(s->guest_path), "tag", cli_json_str(s->tag)));
	return 0;
}

static int
inspect_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	const char *name = cli->argv[0];
	json_t *o, *proc = NULL, *shares;
	int state;

	if (machine_get(&cli->mctx, name, &m, &state, &err) == -1)
		return cli_fail(&err);
	shares = json_array();
	if (inv_share_each(cli->inv, m.id, add_share, shares, &err) == -1) {
		json_decref(shares);
		inv_machine_release(&m);
		return cli_fail(&err);
	}
	if (m.proc_row != 0)
		proc = json_pack("{s:i,s:I,s:s,s:s,s:s?}", "pid", (int)m.proc.pid,
		    "start_time", (json_int_t)m.proc.start_time, "exe",
		    m.proc.exe, "boot_id", m.proc.boot_id, "console",
		    m.console[0] ? m.console : NULL);
	/* Paths and the command line are the user's text, UTF-8 or not. */
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:o,s:s?,s:s?,s:o,"
	    "s:o,s:o,s:o,s:I,s:o,s:o?}",
	    "name", m.name, "state", machine_state_str(state), "status", m.status,
	    "uuid", m.uuid, "backend", m.backend, "cpus", m.cpus,
	    "memory_mb", m.memory_mb, "disk_mb", (json_int_t)m.disk_mb,
	    "dir", cli_json_str(m.dir), "mac", m.mac[0] ? m.mac : NULL,
	    "ip", m.ip[0] ? m.ip : NULL, "iso", cli_json_str(m.iso),
	    "kernel", cli_json_str(m.kernel), "initrd", cli_json_str(m.initrd),
	    "cmdline", cli_json_str(m.cmdline),
	    "created_ms", (json_int_t)m.created_at, "shares", shares,
	    "process", proc);
	inv_machine_release(&m);
	return cli_json_print(o);
}

const struct cmd cmd_inspect = {
	.name = "inspect", .usage = "NAME", .operands = "NAME",
	.summary = "print everything recorded about a machine, as JSON",
	.flags = CMD_INV_RW, .fn = inspect_run,
};
