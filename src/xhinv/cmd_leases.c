/* xhinv leases [--json]: the leases of every lease source the inventory
 * knows (the bridge's dnsmasq, vmnet's bootpd), each with the machine that
 * owns its MAC, or none; what could not be read, one line each on stderr. */
#include "xhinv.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void
owner_of(struct cli *cli, const char *mac, char *out, size_t n)
{
	char name[IDENT_NAME_MAX + 1];
	int live, r;

	r = mac[0] ? inv_mac_owner(cli->inv, mac, name, &live, NULL) : 0;
	if (r != 1)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%s%s", name, live ? "" : " (removed)");
}

static int
show(void *arg, const struct machine_lease *ml)
{
	struct cli *cli = ((void **)arg)[0];
	json_t *arr = ((void **)arg)[1];
	char owner[IDENT_NAME_MAX + 16], exp[32];
	const struct lease *l = ml->lease;

	if (ml->problem != NULL) {
		/* One line each, on stderr: stdout stays the leases. */
		fprintf(stderr, "xhinv: leases: %s line %u: %s\n", ml->source,
		    ml->problem->line, ml->problem->msg);
		return 0;
	}
	owner_of(cli, l->mac, owner, sizeof owner);
	if (arr != NULL) {
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s?,s:s?,"
		    "s:I,s:s,s:b}", "source", ml->source, "mac", l->mac, "ip", l->ip,
		    "hostname", l->hostname, "client_id", l->client_id, "expires",
		    (json_int_t)l->expires, "machine", owner, "expired",
		    ml->expired));
		return 0;
	}
	if (l->expires == 0)
		snprintf(exp, sizeof exp, "never");
	else
		cli_time(l->expires * 1000, exp, sizeof exp);
	printf("%-15s %-17s %-19s%s %-20s %s\n", l->ip, l->mac[0] ? l->mac : "-",
	    exp, ml->expired ? "*" : " ", owner, ml->source);
	return 0;
}

static const struct cmd_opt opts[] = {
	{ 0, "json", NULL, "JSON array" },
	{ 0 },
};

static int
leases_run(struct cli *cli)
{
	struct xherr err = XHERR_INIT;
	void *arg[2] = { cli, NULL };

	if (cli_flag(cli, 0))
		arg[1] = json_array();
	if (arg[1] == NULL)
		printf("%-15s %-17s %-20s %-20s %s\n", "IP", "MAC", "EXPIRES",
		    "MACHINE", "SOURCE");
	if (machine_leases(&cli->mctx, show, arg, &err) == -1) {
		json_decref(arg[1]);
		return cli_fail(&err);
	}
	if (arg[1] != NULL)
		return cli_json_print(arg[1]);
	return 0;
}

const struct cmd cmd_leases = {
	.name = "leases", .usage = "[--json]",
	.summary = "list DHCP leases, with the machine owning each MAC",
	.opts = opts, .flags = CMD_INV_RW, .fn = leases_run,
};
