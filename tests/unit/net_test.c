/* net: interface-name checks and dnsmasq hosts lines (pure parts only; the
 * bridge, taps and dnsmasq are tested in a network namespace by the
 * integration tests). */
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "tap.h"

static void
test_ifname(void)
{
	static const char *const good[] = { "xhbr0", "xht7", "br.lan_0-x",
	    "abcdefghijklmno" };
	static const char *const bad[] = { "", "abcdefghijklmnop", "eth 0",
	    "eth0\n", "br/0", "br:0", "\xc3\xa9th0", "eth0;reboot" };
	struct xherr err = XHERR_INIT;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ok(net_check_ifname(good[i], &err) == 0, "accepted: %s",
		    good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xherr_clear(&err);
		ok(net_check_ifname(bad[i], &err) == -1 &&
		    err.code == XHE_INVAL && strstr(err.msg, "interface name"),
		    "refused: bad[%zu]", i);
	}
}

static void
test_hosts(void)
{
	static const char *const names[] = { "default", NULL, "", "-x", "x-",
	    "my.machine", "a_b", "a\nb", "a,b",
	    "0123456789012345678901234567890123456789012345678901234567890123" };
	struct net_host h[sizeof names / sizeof names[0]];
	struct buf out;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		h[i].mac = "52:54:00:12:34:56";
		h[i].ip = "192.168.64.7";
		h[i].name = names[i];
	}
	buf_init(&out);
	net_hosts_format(h, (int)(sizeof h / sizeof h[0]), &out);
	/* Only a DNS label (1..63 of [A-Za-z0-9-], no '-' at an end) goes
	 * out as the hostname: anything else could add a field or a line. */
	is_str(buf_str(&out),
	    "52:54:00:12:34:56,192.168.64.7,default\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n"
	    "52:54:00:12:34:56,192.168.64.7\n",
	    "hostnames only when they are DNS labels");
	buf_release(&out);
}

/* The argv start runs: the lease file relative (dnsmasq opens it in the
 * directory we checked), the log to stderr (our descriptor), the pid file
 * and user as decided, no root once bound unless asked. */
static void
test_argv(void)
{
	struct net_config cfg = { .bridge = "xhbr0", .prefix = 24,
	    .gateway = 0xc0a84001u, .subnet = 0xc0a84000u, .store = "/s",
	    .dir = "/s/network/shared" };
	struct net_dnsmasq_run run = { .user = "nobody", .group = "nogroup",
	    .pid_file = "/tmp/xhinv-dnsmasq.X/dnsmasq.pid",
	    .hosts = "/s/network/shared/dnsmasq.hosts" };
	struct strv argv;
	char *all;

	strv_init(&argv);
	net_dnsmasq_argv(&cfg, &run, &argv);
	all = strv_join(&argv, " ");
	ok(strstr(all, " --dhcp-leasefile=dnsmasq.leases ") != NULL,
	    "the lease file is relative to the working directory");
	ok(strstr(all, " --log-facility=- ") != NULL, "it logs to stderr");
	ok(strstr(all, " --pid-file=/tmp/xhinv-dnsmasq.X/dnsmasq.pid ") != NULL,
	    "the pid file where start says");
	ok(strstr(all, " --dhcp-hostsfile=/s/network/shared/dnsmasq.hosts ") !=
	    NULL, "the reservations by their absolute path");
	ok(strstr(all, " --user=nobody --group=nogroup") != NULL,
	    "the user and group start chose");
	ok(strstr(all, "--dhcp-range=192.168.64.0,static,255.255.255.0,12h") !=
	    NULL, "static leases only, on the subnet");
	ok(strstr(all, "root") == NULL, "no root anywhere in it");
	free(all);
	strv_release(&argv);
}

int
main(void)
{
	test_ifname();
	test_hosts();
	test_argv();
	return tap_done();
}
