/*
 * fuzz_net_ifname: libFuzzer target over net_check_ifname (bridge and tap
 * names, XHINV_BRIDGE among them, checked before any request to the
 * kernel) and, with the same bytes as a machine name, net_hosts_format
 * (one dnsmasq dhcp-hostsfile line per reservation). The input, up to its
 * first NUL, is the name.
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - a name is accepted exactly when it is 1..IFNAMSIZ-1 bytes of
 *    [A-Za-z0-9._-]; a refusal is XHE_INVAL with a message;
 *  - a hosts line is "MAC,IP\n", or "MAC,IP,NAME\n" when the name is a DNS
 *    label (1..63 of [A-Za-z0-9-], no '-' at either end): a name can
 *    never add a line, a field or a dnsmasq option.
 */
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)
#define MAC "52:54:00:12:34:56"
#define IP "192.168.64.7"
#define PAIR MAC "," IP	/* what every line starts with */

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static void
check_ifname(const char *s)
{
	struct xherr err = XHERR_INIT;
	size_t i, n = strlen(s);
	int good = n >= 1 && n < IFNAMSIZ;

	for (i = 0; good && i < n; i++)
		good = alnum(s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-';
	if (net_check_ifname(s, &err) == 0) {
		CHECK(good);
	} else {
		CHECK(!good);
		CHECK(err.code == XHE_INVAL && err.msg[0] != '\0');
		CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
	}
}

static void
check_hosts(const char *s)
{
	struct net_host h[2] = { { MAC, IP, s }, { MAC, IP, NULL } };
	struct buf out;
	size_t i, n = strlen(s);
	int label = n >= 1 && n <= 63 && s[0] != '-' && s[n - 1] != '-';
	const char *p;

	for (i = 0; label && i < n; i++)
		label = alnum(s[i]) || s[i] == '-';
	buf_init(&out);
	net_hosts_format(h, 2, &out);
	p = buf_str(&out);
	if (label) {
		CHECK(strncmp(p, PAIR ",", sizeof PAIR) == 0);
		p += sizeof PAIR;
		CHECK(strncmp(p, s, n) == 0 && p[n] == '\n');
		p += n + 1;
	} else {
		CHECK(strncmp(p, PAIR "\n", sizeof PAIR) == 0);
		p += sizeof PAIR;
	}
	CHECK(strcmp(p, PAIR "\n") == 0);
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	check_ifname(s);
	check_hosts(s);
	free(s);
	return 0;
}
