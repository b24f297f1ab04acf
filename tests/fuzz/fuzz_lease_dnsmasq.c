/*
 * fuzz_lease_dnsmasq: libFuzzer target over the dnsmasq lease-file parser,
 * lease_find and lease_dnsmasq_without. The input is a lease file.
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - every lease has a canonical MAC and an IP that re-parses to itself;
 *    hostname and client id hold no field separator; line numbers rise and
 *    stay within the file; every problem names a line and says something;
 *  - lease_find finds every parsed lease's MAC, under any spelling, and
 *    returns the lease of that MAC that expires last (0 = never);
 *  - lease_dnsmasq_without never grows the file, removes at least the
 *    parsed leases of that MAC, and the rest re-parses to exactly the other
 *    leases.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "lease.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)
#define MAX_MACS 8	/* bound the quadratic part */

static int
canonical_mac(const char *m)
{
	char c[IDENT_MAC_LEN];
	int i;

	if (strlen(m) != 17 || ident_mac_canon(m, c) == -1 || strcmp(c, m) != 0)
		return 0;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? m[i] != ':' :
		    !((m[i] >= '0' && m[i] <= '9') || (m[i] >= 'a' && m[i] <= 'f')))
			return 0;
	return 1;
}

static void
check_field(const char *s)
{
	if (s == NULL)
		return;
	CHECK(strchr(s, ' ') == NULL && strchr(s, '\t') == NULL &&
	    strchr(s, '\n') == NULL);
}

static void
check_mac(const struct lease_set *ls, const char *mac, const char *buf,
    size_t len)
{
	const struct lease *best = NULL, *f;
	struct lease_set again;
	struct buf out;
	unsigned char raw[6];
	char alt[IDENT_MAC_LEN];
	size_t i, same = 0;
	int removed = -1;

	for (i = 0; i < ls->n; i++) {
		const struct lease *l = &ls->v[i];
		if (strcmp(l->mac, mac) != 0)
			continue;
		same++;
		if (best == NULL || l->expires == 0 ||
		    (best->expires != 0 && l->expires > best->expires))
			best = l;
	}
	CHECK(same > 0);

	/* now = 0: nothing has expired (expiries are never negative). */
	f = lease_find(ls, mac, 0);
	CHECK(f != NULL && strcmp(f->mac, mac) == 0);
	CHECK(f->expires == best->expires);
	CHECK(ident_mac_parse(mac, raw) == 0);
	ident_mac_bootpd(mac, alt);
	CHECK(lease_find(ls, alt, 0) == f);
	for (i = 0; i < 17; i++)
		alt[i] = mac[i] == ':' ? '-' : (char)(mac[i] >= 'a' ?
		    mac[i] - 'a' + 'A' : mac[i]);
	alt[17] = '\0';
	CHECK(lease_find(ls, alt, 0) == f);
	f = lease_find(ls, mac, INT64_MAX);
	CHECK(f == NULL || f->expires == 0);

	buf_init(&out);
	lease_dnsmasq_without(buf, len, mac, &out, &removed);
	CHECK(out.len <= len);
	CHECK(removed >= 0 && (size_t)removed >= same);
	/* buf_str: an empty buf has p == NULL, and NULL + 0 is undefined
	 * behaviour in C (UBSan reports it inside the parser). */
	lease_parse_dnsmasq(buf_str(&out), out.len, &again);
	CHECK(again.n == ls->n - same);
	CHECK(again.nbad <= ls->nbad);
	for (i = 0; i < again.n; i++)
		CHECK(strcmp(again.v[i].mac, mac) != 0);
	CHECK(lease_find(&again, mac, 0) == NULL);
	lease_set_release(&again);
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct lease_set ls;
	const char *macs[MAX_MACS];
	size_t i, j, lines = 1, nmacs = 0;
	unsigned prev = 0;
	struct buf out;
	int removed;

	for (i = 0; i < size; i++)
		if (buf[i] == '\n')
			lines++;
	lease_parse_dnsmasq(buf, size, &ls);
	CHECK(ls.n + ls.nbad <= lines);
	for (i = 0; i < ls.n; i++) {
		const struct lease *l = &ls.v[i];
		uint32_t ip;
		char back[IDENT_IP_LEN];

		CHECK(canonical_mac(l->mac));
		CHECK(ident_ip_parse(l->ip, &ip) == 0);
		ident_ip_format(ip, back);
		CHECK(strcmp(back, l->ip) == 0);
		CHECK(l->expires >= 0);
		CHECK(l->line > prev && l->line <= lines);
		prev = l->line;
		check_field(l->hostname);
		check_field(l->client_id);
		for (j = 0; j < nmacs; j++)
			if (strcmp(macs[j], l->mac) == 0)
				break;
		if (j == nmacs && nmacs < MAX_MACS)
			macs[nmacs++] = l->mac;
	}
	prev = 0;
	for (i = 0; i < ls.nbad; i++) {
		CHECK(ls.bad[i].line > prev && ls.bad[i].line <= lines);
		prev = ls.bad[i].line;
		CHECK(memchr(ls.bad[i].msg, '\0', sizeof ls.bad[i].msg) != NULL);
		CHECK(ls.bad[i].msg[0] != '\0');
	}
	for (i = 0; i < nmacs; i++)
		check_mac(&ls, macs[i], buf, size);

	/* A MAC argument that does not parse removes nothing. */
	CHECK(lease_find(&ls, "not a mac", 0) == NULL);
	buf_init(&out);
	lease_dnsmasq_without(buf, size, "zz", &out, &removed);
	CHECK(removed == 0 && out.len == size &&
	    (size == 0 || memcmp(out.p, buf, size) == 0));
	buf_release(&out);
	lease_set_release(&ls);
	return 0;
}
