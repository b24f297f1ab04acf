/*
 * lease: pure parsers for DHCP lease files. Bytes in, a lease_set out; no
 * I/O. A malformed line or block never fails the parse: it is skipped and
 * reported in lease_set.bad with its line number, so one bad entry cannot
 * hide every good one.
 *
 *	struct lease_set ls;
 *	lease_parse_dnsmasq(buf, len, &ls);
 *	const struct lease *l = lease_find(&ls, mac, now);
 *	lease_set_release(&ls);
 *
 * MACs in a lease_set are canonical (lower case, two digits per octet)
 * whatever the file wrote.
 */
#ifndef LEASE_H
#define LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "ident.h"
#include "util.h"

struct lease {
	int64_t expires;		/* Unix seconds; 0 = never expires */
	char mac[IDENT_MAC_LEN];
	char ip[IDENT_IP_LEN];
	char *hostname;			/* NULL when the file has none */
	char *client_id;		/* NULL when the file has none */
	unsigned line;			/* first line of the entry, from 1 */
};

struct lease_problem {
	unsigned line;
	char msg[96];
};

struct lease_set {
	struct lease *v;
	size_t n, cap;
	struct lease_problem *bad;
	size_t nbad, badcap;
};

/* dnsmasq's --dhcp-leasefile: "EXPIRY MAC IP HOSTNAME CLIENT-ID" per line;
 * DHCPv6 lines after a "duid" line are skipped. */
void lease_parse_dnsmasq(const char *buf, size_t len, struct lease_set *out);
void lease_set_release(struct lease_set *ls);
/* The lease for mac that expires last, ignoring those expired at now
 * (Unix seconds); NULL if none. */
const struct lease *lease_find(const struct lease_set *ls, const char *mac,
    int64_t now);
/* A copy of a dnsmasq lease file without the IPv4 lines for mac; *removed
 * counts them. Everything else is kept byte for byte. */
void lease_dnsmasq_without(const char *buf, size_t len, const char *mac,
    struct buf *out, int *removed);

#endif
