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
	char mac[IDENT_MAC_LEN];	/* a bad block's Ethernet MAC, or "" */
};

struct lease_set {
	struct lease *v;
	size_t n, cap;
	struct lease_problem *bad;
	size_t nbad, badcap;
	/* The source's expiry rule: dnsmasq drops a lease once now reaches
	 * its expiry (0); bootpd keeps it while now <= lease= (1). */
	int valid_at_expiry;
};

/* dnsmasq's --dhcp-leasefile: "EXPIRY MAC IP HOSTNAME CLIENT-ID" per line;
 * DHCPv6 lines after a "duid" line are skipped. */
void lease_parse_dnsmasq(const char *buf, size_t len, struct lease_set *out);
void lease_set_release(struct lease_set *ls);
/* For the parsers: record the problem at line in ls->bad. */
void lease_set_bad(struct lease_set *ls, unsigned line, const char *fmt, ...)
    XH_PRINTF(3, 4);
/* Whether l (of ls) has expired at now (Unix seconds), by ls's source's
 * rule; a lease expiring at 0 never does. */
int lease_expired(const struct lease_set *ls, const struct lease *l,
    int64_t now);
/* For the parsers' finders: of the leases match accepts, the one that
 * expires last, ignoring those expired at now; NULL if none. */
const struct lease *lease_best(const struct lease_set *ls, int64_t now,
    int (*match)(const struct lease *l, const void *arg), const void *arg);
/* The lease for mac that expires last, ignoring those expired at now
 * (Unix seconds); NULL if none. */
const struct lease *lease_find(const struct lease_set *ls, const char *mac,
    int64_t now);
/* A copy of a dnsmasq lease file without the IPv4 lines for mac; *removed
 * counts them. Everything else is kept byte for byte. */
void lease_dnsmasq_without(const char *buf, size_t len, const char *mac,
    struct buf *out, int *removed);

/*
 * macOS bootpd's /var/db/dhcpd_leases (lease_bootpd.c). One block per
 * client, a line "{" to a line "}", "key=value" lines inside:
 *
 *	{
 *		name=boot2docker
 *		ip_address=192.168.64.2
 *		hw_address=1,2:f0:d:60:1:3
 *		identifier=1,2:f0:d:60:1:3
 *		lease=0x5ec8e4c1
 *	}
 *
 * Octets have no leading zero; the hardware type before the comma has any
 * width ("1", "01"); lease= is the expiry in hex Unix seconds. macOS 15
 * writes hw_address= and identifier= as "ff,<IAID+DUID octets>" for a
 * client that sends a DUID: such a lease has no MAC.
 *
 * What a lease_set from lease_parse_bootpd holds:
 *  - mac: from an Ethernet (type 1) hw_address=, else from an
 *    "identifier=1,MAC" client id; "" when the block has neither (a DUID
 *    lease: find it with lease_find_client). Never a non-canonical MAC.
 *  - client_id: identifier='s text as written ("1,2:f0:d:60:1:3",
 *    "ff,f1:..."); NULL when absent or empty.
 *  - hostname: name='s value; NULL when absent or empty.
 *  - expires: lease='s value (0x0 reads as 0, which struct lease takes as
 *    never expiring; bootpd does not write it).
 *  - line: the line of the block's "{".
 * Keys are matched exactly; blanks around "key=value" and CRLF endings are
 * ignored, unknown keys skipped, and a repeated key's last value wins. A
 * bare "name" line is name= with no value: bootpd writes it for a client
 * that sent a zero-length host name. A lease is valid while now <= lease=,
 * as bootpd has it (valid_at_expiry).
 * Skipped and reported in lease_set.bad (at the "{" line for a block):
 * a block with a line that is not key=value or holds a NUL byte, with no
 * IPv4 ip_address=, no hex lease=, or neither a MAC nor a client id; a
 * block not closed before the next "{" or the end of the file; a "}"
 * without "{"; any other text outside blocks. Problems come in line order;
 * a bad block's problem carries its MAC when its hw_address= (or
 * identifier=) names one.
 */
void lease_parse_bootpd(const char *buf, size_t len, struct lease_set *out);
/* The lease with that client id (as identifier= writes it) that expires
 * last, ignoring those expired at now; NULL if none. Ids are compared by
 * value when both read as "TYPE,OCTETS" (so "1,2:f0:d:60:1:3" matches
 * "01,02:f0:0d:60:01:03"), else as exact text. lease_find finds by MAC. */
const struct lease *lease_find_client(const struct lease_set *ls,
    const char *client_id, int64_t now);
/* Append to out a copy of a bootpd lease file without the blocks for which
 * drop(arg, lease) returns 1; *removed (may be NULL) counts them. drop sees
 * each well-formed block's lease as lease_parse_bootpd reads it (borrowed
 * for the call). A dropped block goes from the start of its "{" line to
 * the end of its "}" line, newline included; everything else (malformed
 * blocks, stray text, blank lines) is kept byte for byte, and so what is
 * left reads as before, less the dropped leases. For that, a block whose
 * "{" line ended an unclosed block is kept, and drop is not asked:
 * without it the unclosed block would run on into the text after it. A
 * NULL drop drops nothing. */
void lease_bootpd_without(const char *buf, size_t len,
    int (*drop)(void *arg, const struct lease *l), void *arg,
    struct buf *out, int *removed);
/* Append one block in bootpd's style (tab-indented, octets without leading
 * zeros, lower-case hex lease) for test doubles of bootpd: name= is the
 * hostname or empty; hw_address= is "1,MAC", or the client id when the
 * lease has no MAC; identifier= is the client id, or "1,MAC" when it has
 * none. l needs a MAC or a client id; a newline in a string is written
 * as '?', a negative expiry as 0x0. lease_parse_bootpd reads back l,
 * with client id "1,MAC" if l had none. */
void lease_format_bootpd(const struct lease *l, struct buf *out);

#endif
