/* xhinv ssh NAME [COMMAND...]: exec ssh(1) as user docker with the
 * machine's key. The command words go to ssh as they are: the remote
 * shell interprets them, as with any ssh. */
#include "xhinv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh.h"
#include "util.h"

static int
login_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	struct strv sv;
	char *key;
	int state;

	if (machine_get(&cli->mctx, cli->argv[0], &m, &state, &err) == -1)
		return cli_fail(&err);
	if (state != MACHINE_RUNNING) {
		xherr_set(&err, XHE_STATE, "%s is not running", m.name);
		inv_machine_release(&m);
		return cli_fail(&err);
	}
	key = util_path_join(m.dir, "id_rsa");
	strv_init(&sv);
	ssh_client_argv(key, m.ip, cli->argv + 1, cli->argc - 1,
	    &sv);
	inv_machine_release(&m);
	free(key);
	inv_close(cli->inv);
	cli->inv = NULL;
	fflush(stdout);
	execvp(sv.v[0], sv.v);
	fprintf(stderr, "xhinv: cannot run ssh: %s\n", strerror(errno));
	strv_release(&sv);
	return 1;
}

/* Options end at the name: the rest belongs to the remote command. */
const struct cmd cmd_ssh = {
	.name = "ssh", .usage = "NAME [COMMAND...]",
	.operands = "NAME [COMMAND...]",
	.summary = "log in to a machine, or run a command in it, as user docker",
	.flags = CMD_INV_RW | CMD_OPERANDS_END, .fn = login_run,
};
