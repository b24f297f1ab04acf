/* xhinv create NAME [--iso SOURCE] [--sha256 HEX] [--cpus N] [--memory MB] [--disk-size MB]
 *	[--uuid UUID] [--cmdline TEXT] [--timeout S] */
#include "xhinv.h"

#include <stdio.h>
#include <string.h>

int
cmd_create(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iso", required_argument, NULL, 'i' },
		{ "sha256", required_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "disk-size", required_argument, NULL, 'd' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "cmdline", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct machine_create_opts o;
	struct xherr err = XHERR_INIT;
	struct inv_machine m;
	int state, c;
	long long v;

	memset(&o, 0, sizeof o);
	o.iso = "";		/* the latest boot2docker release */
	o.cpus = MACHINE_DEFAULT_CPUS;
	o.memory_mb = MACHINE_DEFAULT_MEMORY_MB;
	o.disk_mb = MACHINE_DEFAULT_DISK_MB;
	while ((c = cli_getopt(cli, argc, argv, "h", lo)) != -1) {
		switch (c) {
		case 'i':
			o.iso = optarg;
			break;
		case 's':
			o.sha256 = optarg;
			break;
		case 'b':
			o.backend = optarg;
			break;
		case 'c':
			if (cli_int(cli, "--cpus", optarg, 1, MACHINE_MAX_CPUS, &v))
				return 2;
			o.cpus = (int)v;
			break;
		case 'm':
			if (cli_int(cli, "--memory", optarg, 1, 1 << 30, &v))
				return 2;
			o.memory_mb = (int)v;
			break;
		case 'd':
			if (cli_int(cli, "--disk-size", optarg, 1,
			    MACHINE_MAX_DISK_MB, &v))
				return 2;
			o.disk_mb = v;
			break;
		case 'u':
			o.uuid = optarg;
			break;
		case 'k':
			o.cmdline = optarg;
			break;
		case 't':
			if (cli_int(cli, "--timeout", optarg, 1, 86400, &v))
				return 2;
			o.timeout_s = (int)v;
			break;
		default:
			return 2;
		}
	}
	if (cli_one_name(cli, argc, argv, &o.name))
		return 2;
	if (machine_check_create(&o, &err) == -1)
		return err.code == XHE_USAGE ? cli_usage(cli, "%s", err.msg) :
		    cli_fail(&err);
	if (machine_create(&cli->mctx, &o, &err) == -1)
		return cli_fail(&err);
	if (machine_get(&cli->mctx, o.name, &m, &state, &err) == -1)
		return cli_fail(&err);
	printf("%s is %s at %s\n", m.name, machine_state_str(state), m.ip);
	inv_machine_release(&m);
	return 0;
}
