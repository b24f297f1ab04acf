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

int
cmd_ssh(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	struct strv sv;
	char *key;
	int state;

	/* '+': stop at the name, the rest belongs to the remote command. */
	if (cli_getopt(cli, argc, argv, "+h", lo) != -1)
		return 2;
	if (optind >= argc)
		return cli_usage(cli, "no machine name given");
	if (machine_get(&cli->mctx, argv[optind], &m, &state, &err) == -1)
		return cli_fail(&err);
	if (state != MACHINE_RUNNING) {
		xherr_set(&err, XHE_STATE, "%s is not running", m.name);
		inv_machine_release(&m);
		return cli_fail(&err);
	}
	key = util_path_join(m.dir, "id_rsa");
	strv_init(&sv);
	ssh_client_argv(key, m.ip, argv + optind + 1, argc - optind - 1, &sv);
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
