/* xhinv start|stop|restart NAME [--timeout S], xhinv kill NAME: one
 * handler for a machine's power, the entry's name saying which. */
#include "xhinv.h"

#include <stdio.h>
#include <string.h>

static const struct cmd_opt boot_opts[] = {
	{ 0, "timeout", "S", "seconds to wait for IP and SSH (default 120)" },
	{ 0 },
};
static const struct cmd_opt stop_opts[] = {
	{ 0, "timeout", "S", "seconds to wait for ACPI shutdown (default 30)" },
	{ 0 },
};
enum { O_TIMEOUT };

static int
power_run(struct cli *cli)
{
	const char *what = cli->cmd->name, *name = cli->argv[0];
	int kill = strcmp(what, "kill") == 0;
	int start = strcmp(what, "start") == 0;
	int restart = strcmp(what, "restart") == 0;
	struct xherr err = XHERR_INIT;
	long long timeout = 0;
	int rc;

	if (!kill && cli_number(cli, O_TIMEOUT, 1, 86400, &timeout) == 2)
		return 2;
	rc = start ? machine_start(&cli->mctx, name, (int)timeout, &err) :
	    restart ? machine_restart(&cli->mctx, name, (int)timeout, &err) :
	    kill ? machine_kill(&cli->mctx, name, &err) :
	    machine_stop(&cli->mctx, name, (int)timeout, &err);
	if (rc == -1) {
		/* Already so (running, stopped): said, not a failure. */
		if (err.code == XHE_STATE && !restart) {
			fprintf(stderr, "xhinv: %s\n", err.msg);
			return 0;
		}
		return cli_fail(&err);
	}
	printf("%s is %s\n", name, start || restart ? "running" : "stopped");
	return 0;
}

const struct cmd cmd_start = {
	.name = "start", .usage = "NAME [--timeout S]", .operands = "NAME",
	.summary = "start a stopped machine",
	.opts = boot_opts, .flags = CMD_INV_RW, .fn = power_run,
};
const struct cmd cmd_stop = {
	.name = "stop", .usage = "NAME [--timeout S]", .operands = "NAME",
	.summary = "stop a machine: ACPI power button, then SIGKILL after the "
	    "timeout",
	.opts = stop_opts, .flags = CMD_INV_RW, .fn = power_run,
};
const struct cmd cmd_kill = {
	.name = "kill", .usage = "NAME", .operands = "NAME",
	.summary = "kill a machine's hypervisor at once",
	.flags = CMD_INV_RW, .fn = power_run,
};
const struct cmd cmd_restart = {
	.name = "restart", .usage = "NAME [--timeout S]", .operands = "NAME",
	.summary = "stop, then start",
	.opts = boot_opts, .flags = CMD_INV_RW, .fn = power_run,
};
