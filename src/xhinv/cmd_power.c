/* xhinv start|stop|restart NAME [--timeout S], xhinv kill NAME: one
 * handler for a machine's power, the command's name saying which. */
#include "xhinv.h"

#include <stdio.h>
#include <string.h>

int
cmd_power(struct cli *cli, int argc, char **argv)
{
	static const struct option timed[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *what = cli->cmd->name, *name;
	int kill = strcmp(what, "kill") == 0;
	int start = strcmp(what, "start") == 0;
	int restart = strcmp(what, "restart") == 0;
	struct xherr err = XHERR_INIT;
	long long v;
	int c, rc, timeout = 0;

	/* kill has no --timeout: timed + 1 is its table, help alone. */
	while ((c = cli_getopt(cli, argc, argv, "h", kill ? timed + 1 :
	    timed)) != -1) {
		if (c != 't' || cli_int(cli, "--timeout", optarg, 1, 86400, &v))
			return 2;
		timeout = (int)v;
	}
	if (cli_one_name(cli, argc, argv, &name))
		return 2;
	rc = start ? machine_start(&cli->mctx, name, timeout, &err) :
	    restart ? machine_restart(&cli->mctx, name, timeout, &err) :
	    kill ? machine_kill(&cli->mctx, name, &err) :
	    machine_stop(&cli->mctx, name, timeout, &err);
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
