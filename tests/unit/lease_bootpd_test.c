/* lease_bootpd: /var/db/dhcpd_leases (macOS bootpd): lease_parse_bootpd,
 * lease_find / lease_find_client on its leases, lease_bootpd_without and
 * lease_format_bootpd. Fixtures are in tests/fixtures/leases/bootpd-*
 * (run from the repository root). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ident.h"
#include "lease.h"
#include "tap.h"
#include "fixture.h"
#include "util.h"

#define FIX "tests/fixtures/leases/"
#define NOW 0x6b0c0000		/* before every future fixture lease */

#define fixture(name, len) fixture_read(FIX, name, len)

static void
parse_str(const char *s, struct lease_set *ls)
{
	lease_parse_bootpd(s, strlen(s), ls);
}

/* The lease with that IP, or NULL. */
static const struct lease *
by_ip(const struct lease_set *ls, const char *ip)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (strcmp(ls->v[i].ip, ip) == 0)
			return &ls->v[i];
	return NULL;
}

static const char *
ip_of(const struct lease *l)
{
	return l ? l->ip : "(none)";
}

static void
is_problem(const struct lease_set *ls, size_t i, unsigned line,
    const char *msg_start)
{
	if (i >= ls->nbad) {
		ok(0, "problem %zu (line %u: %s) is reported", i, line,
		    msg_start);
		return;
	}
	ok(ls->bad[i].line == line &&
	    strncmp(ls->bad[i].msg, msg_start, strlen(msg_start)) == 0,
	    "problem %zu: line %u: %s", i, line, msg_start);
	if (ls->bad[i].line != line ||
	    strncmp(ls->bad[i].msg, msg_start, strlen(msg_start)) != 0)
		printf("#   got line %u: %s\n", ls->bad[i].line,
		    ls->bad[i].msg);
}

static void
test_basic(void)
{
	struct lease_set ls;
	struct buf b;
	size_t len;
	char *buf = fixture("bootpd-basic.leases", &len);
	char alt[IDENT_MAC_LEN];

	/* The original driver's unit vector, in both directions. */
	ident_mac_bootpd("02:f0:0d:60:01:03", alt);
	is_str(alt, "2:f0:d:60:1:3", "02:f0:0d:60:01:03 is written "
	    "2:f0:d:60:1:3");

	lease_parse_bootpd(buf, len, &ls);
	is_int(ls.n, 3, "basic: three leases");
	is_int(ls.nbad, 0, "basic: no problems");
	if (ls.n == 3) {
		const struct lease *l = &ls.v[0];
		is_str(l->mac, "02:f0:0d:60:01:03", "2:f0:d:60:1:3 reads "
		    "02:f0:0d:60:01:03");
		is_str(l->ip, "192.168.64.2", "lease 1: IP");
		is_str(l->hostname, "boot2docker", "lease 1: name");
		is_str(l->client_id, "1,2:f0:d:60:1:3", "lease 1: client id "
		    "as written");
		is_int(l->expires, 0x5ec8e4c1, "lease 1: hex expiry");
		is_int(l->line, 1, "lease 1: line of its '{'");

		l = &ls.v[1];
		is_str(l->mac, "00:00:00:00:00:00", "0:0:0:0:0:0 reads "
		    "00:00:00:00:00:00");
		is_str(l->hostname, NULL, "empty name= is NULL");
		is_int(l->line, 8, "lease 2: line of its '{'");

		l = &ls.v[2];
		is_str(l->mac, "52:54:00:0a:0b:0c", "52:54:0:a:b:c is "
		    "canonical");
		is_int(l->line, 15, "lease 3: line of its '{'");
	}
	/* Any spelling of the MAC finds it (dated 2020: now = 0). */
	ok(lease_find(&ls, "02:f0:0d:60:01:03", 0) == &ls.v[0] &&
	    lease_find(&ls, "2:f0:d:60:1:3", 0) == &ls.v[0] &&
	    lease_find(&ls, "02-F0-0D-60-01-03", 0) == &ls.v[0],
	    "lease_find: canonical, bootpd and dashed upper-case spellings");
	ok(lease_find(&ls, "02:f0:0d:60:01:03", NOW) == NULL,
	    "lease_find: the 2020 lease has expired by now");
	ok(lease_find_client(&ls, "1,2:f0:d:60:1:3", 0) == &ls.v[0],
	    "lease_find_client: the id as written");
	ok(lease_find_client(&ls, "01,02:F0:0D:60:01:03", 0) == &ls.v[0],
	    "lease_find_client: the id with leading zeros, upper case");
	ok(lease_find_client(&ls, "1,2:f0:d:60:1:4", 0) == NULL &&
	    lease_find_client(&ls, "2,2:f0:d:60:1:3", 0) == NULL,
	    "lease_find_client: another MAC or type is no match");
	ok(lease_find_client(&ls, "", 0) == NULL &&
	    lease_find_client(&ls, NULL, 0) == NULL,
	    "lease_find_client: empty or NULL id finds nothing");

	/* bootpd's exact style, byte for byte. */
	buf_init(&b);
	if (ls.n == 3) {
		lease_format_bootpd(&ls.v[0], &b);
		lease_format_bootpd(&ls.v[1], &b);
		lease_format_bootpd(&ls.v[2], &b);
	}
	ok(b.len == len && memcmp(b.p, buf, len) == 0, "format writes the "
	    "fixture back byte for byte");
	buf_release(&b);
	lease_set_release(&ls);
	ok(ls.v == NULL && ls.n == 0 && ls.bad == NULL, "release empties it");
	free(buf);
}

static void
test_hwtypes(void)
{
	struct lease_set ls;
	size_t len;
	char *buf = fixture("bootpd-hwtypes.leases", &len);
	const struct lease *l;

	lease_parse_bootpd(buf, len, &ls);
	is_int(ls.n, 6, "hwtypes: six leases");
	is_int(ls.nbad, 0, "hwtypes: no problems");
	l = by_ip(&ls, "192.168.64.10");
	ok(l && strcmp(l->mac, "0a:0b:0c:0d:0e:01") == 0, "type 1,");
	l = by_ip(&ls, "192.168.64.11");
	ok(l && strcmp(l->mac, "0a:0b:0c:0d:0e:02") == 0 &&
	    strcmp(l->client_id, "01,a:b:c:d:e:2") == 0,
	    "type 01, (two digits): MAC read, client id kept as written");
	l = by_ip(&ls, "192.168.64.12");
	ok(l && strcmp(l->mac, "0a:0b:0c:0d:0e:04") == 0,
	    "non-Ethernet hw_address: MAC from identifier=1,MAC");
	l = by_ip(&ls, "192.168.64.13");
	ok(l && strcmp(l->mac, "0a:0b:0c:0d:0e:05") == 0,
	    "no hw_address: MAC from identifier=1,MAC");
	l = by_ip(&ls, "192.168.64.14");
	ok(l && strcmp(l->mac, "0a:0b:0c:0d:0e:06") == 0 &&
	    l->client_id == NULL,
	    "type 0001, upper case, no identifier: MAC read, no client id");
	l = by_ip(&ls, "192.168.64.15");
	ok(l && l->mac[0] == '\0' && l->client_id &&
	    strcmp(l->client_id, "vm-text") == 0,
	    "ff, hw_address and a text identifier: no MAC, client id kept");
	ok(lease_find_client(&ls, "vm-text", NOW) == l,
	    "a text client id is found as exact text");
	ok(lease_find_client(&ls, "VM-TEXT", NOW) == NULL,
	    "a text client id is compared exactly");
	ok(lease_find_client(&ls, "1,a:b:c:d:e:2", NOW) ==
	    by_ip(&ls, "192.168.64.11"),
	    "1,... finds the lease written 01,...");
	ok(lease_find(&ls, "", NOW) == NULL,
	    "lease_find with an empty MAC finds no MAC-less lease");
	lease_set_release(&ls);
	free(buf);
}

static void
test_macos15(void)
{
	struct lease_set ls;
	size_t len;
	char *buf = fixture("bootpd-macos15.leases", &len);
	const char *duid =
	    "ff,f1:f5:dd:7f:0:2:0:0:ab:11:b5:40:7c:3:e2:a9:8c:b3";
	const struct lease *l;

	lease_parse_bootpd(buf, len, &ls);
	is_int(ls.n, 4, "macos15: four leases");
	is_int(ls.nbad, 0, "macos15: ff, blocks are well-formed");
	if (ls.n == 4) {
		is_str(ls.v[0].mac, "", "a DUID lease has no MAC");
		is_str(ls.v[0].client_id, duid, "its client id is kept as "
		    "written");
		is_str(ls.v[0].hostname, "nixos", "its name is read");
		is_str(ls.v[1].mac, "f6:25:e2:48:58:1e",
		    "the pre-upgrade lease has its MAC");
	}
	l = lease_find_client(&ls, duid, NOW);
	is_str(ip_of(l), "192.168.64.30", "the DUID's newest lease wins over "
	    "its older one later in the file");
	l = lease_find_client(&ls, "ff,f1:f5:dd:7f:00:02:00:00:ab:11:b5:40:"
	    "7c:03:e2:a9:8c:b3", NOW);
	is_str(ip_of(l), "192.168.64.30", "the DUID with leading zeros "
	    "finds it too");
	l = lease_find_client(&ls, "FF,F1:F5:DD:7F:0:2:0:0:AB:11:B5:40:7C:3:"
	    "E2:A9:8C:B3", NOW);
	is_str(ip_of(l), "192.168.64.30", "and in upper case");
	ok(lease_find_client(&ls, "ff,f1:f5:dd:7f:0:2:0:0:ab:11:b5:40:7c:3:"
	    "e2:a9:8c", NOW) == NULL, "a prefix of the DUID is no match");
	l = lease_find_client(&ls, duid, 0x6b0c2b00);
	ok(l != NULL, "at its expiry second the DUID lease is still valid");
	l = lease_find_client(&ls, duid, 0x6b0c2b01);
	ok(l == NULL, "a second later: no DUID lease");
	l = lease_find_client(&ls, duid, 0x6b0c2900);
	is_str(ip_of(l), "192.168.64.30", "the older one expired: the newest "
	    "still answers");
	l = lease_find(&ls, "f6:25:e2:48:58:1e", NOW);
	is_str(ip_of(l), "192.168.64.29", "the MAC lease is found by MAC");
	l = lease_find_client(&ls, "1,f6:25:e2:48:58:1e", NOW);
	is_str(ip_of(l), "192.168.64.29", "and by its 1,MAC client id");
	lease_set_release(&ls);
	free(buf);
}

static void
test_newest(void)
{
	struct lease_set ls;
	size_t len;
	char *buf = fixture("bootpd-newest.leases", &len);
	const char *mac = "52:54:00:00:00:40";

	lease_parse_bootpd(buf, len, &ls);
	is_int(ls.n, 5, "newest: five leases");
	is_str(ip_of(lease_find(&ls, mac, NOW)), "192.168.64.41",
	    "the newest lease wins, not the first in the file");
	is_str(ip_of(lease_find(&ls, "52:54:0:0:0:40", NOW)), "192.168.64.41",
	    "the same by bootpd spelling");
	is_str(ip_of(lease_find(&ls, mac, 0x6b0c2a2f)), "192.168.64.41",
	    "a second before its expiry, the newest still answers");
	is_str(ip_of(lease_find(&ls, mac, 0x6b0c2a30)), "192.168.64.41",
	    "at its expiry second the lease is still valid, as bootpd has it "
	    "(now <= lease)");
	ok(lease_find(&ls, mac, 0x6b0c2a31) == NULL, "a second later it has "
	    "expired (and so have the older ones)");
	ok(!lease_expired(&ls, lease_find(&ls, mac, 0x6b0c2a30), 0x6b0c2a30),
	    "lease_expired agrees");
	is_str(ip_of(lease_find(&ls, "52:54:00:00:00:43", NOW)),
	    "192.168.64.44", "an expired lease never hides a live one");
	is_str(ip_of(lease_find(&ls, "52:54:00:00:00:43", 0)), "192.168.64.44",
	    "with nothing expired, still the newest");
	is_str(ip_of(lease_find_client(&ls, "1,52:54:0:0:0:40", NOW)),
	    "192.168.64.41", "lease_find_client: the newest too");
	lease_set_release(&ls);
	free(buf);

	parse_str("{\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=0x0\n}\n{\nip_address=10.0.0.2\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=0x7fffffff\n}\n", &ls);
	ok(ls.n == 2 && ls.v[0].expires == 0, "lease=0x0 reads as 0");
	is_str(ip_of(lease_find(&ls, "01:02:03:04:05:06", NOW)), "10.0.0.1",
	    "0 (never) outlives any dated lease, as for dnsmasq");
	lease_set_release(&ls);

	parse_str("{\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=0x7fffffffffffffff\n}\n", &ls);
	ok(ls.n == 1 && ls.v[0].expires == INT64_MAX,
	    "the largest expiry, 0x7fffffffffffffff, is read");
	lease_set_release(&ls);
	parse_str("{\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=0x00000000000000000000005ec8e4c1\n}\n", &ls);
	ok(ls.n == 1 && ls.v[0].expires == 0x5ec8e4c1,
	    "leading zeros do not count toward overflow");
	lease_set_release(&ls);
}

static void
test_malformed(void)
{
	struct lease_set ls;
	size_t len;
	char *buf = fixture("bootpd-malformed.leases", &len);

	lease_parse_bootpd(buf, len, &ls);
	is_int(ls.n, 2, "malformed: the two good blocks are read");
	if (ls.n == 2) {
		is_str(ls.v[0].hostname, "good-1", "good-1 read");
		is_int(ls.v[0].line, 2, "good-1 at line 2");
		is_str(ls.v[1].hostname, "good-2", "good-2 read (after the "
		    "unclosed block)");
		is_int(ls.v[1].line, 43, "good-2 at line 43");
		ok(ls.v[1].client_id == NULL, "good-2 has no client id");
	}
	is_int(ls.nbad, 12, "malformed: twelve problems");
	is_problem(&ls, 0, 1, "text outside a { } block");
	is_problem(&ls, 1, 9, "no ip_address=");
	is_problem(&ls, 2, 14, "ip_address= is not an IPv4 address");
	is_problem(&ls, 3, 20, "lease= is not a hex time");
	is_problem(&ls, 4, 26, "no Ethernet hw_address= and no identifier=");
	is_problem(&ls, 5, 32, "line 35: not a key=value line");
	is_str(ls.nbad > 5 ? ls.bad[5].mac : "", "52:54:00:00:00:75",
	    "... a problem that names the block's MAC");
	is_str(ls.nbad > 1 ? ls.bad[1].mac : "", "52:54:00:00:00:71",
	    "... also when it is bad for want of an IP");
	is_str(ls.nbad > 0 ? ls.bad[0].mac : "x", "", "text outside blocks names none");
	is_problem(&ls, 6, 39, "'}' without '{'");
	is_problem(&ls, 7, 40, "no '}' before the '{' on line 43");
	is_problem(&ls, 8, 49, "lease= is not a hex time");
	is_problem(&ls, 9, 55, "no lease=");
	is_problem(&ls, 10, 60, "no Ethernet hw_address= and no identifier=");
	is_problem(&ls, 11, 66, "no '}' before the end of the file");
	ok(lease_find(&ls, "52:54:00:00:00:71", 0) == NULL &&
	    lease_find(&ls, "52:54:00:00:00:76", 0) == NULL,
	    "no lease comes from a malformed block");
	lease_set_release(&ls);
	free(buf);

	/* NUL bytes: in a block it is lost; outside it is stray text. */
	{
		static const char nul[] = "{\nname=a\0b\nip_address=10.0.0.1\n"
		    "hw_address=1,1:2:3:4:5:6\nlease=0x1\n}\nx\0\n";
		lease_parse_bootpd(nul, sizeof nul - 1, &ls);
		ok(ls.n == 0 && ls.nbad == 2, "NUL bytes: no lease, two "
		    "problems");
		is_problem(&ls, 0, 1, "line 2: contains a NUL byte");
		is_problem(&ls, 1, 7, "text outside");
		lease_set_release(&ls);
	}
	parse_str("{\n=x\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=0x1\n}\n", &ls);
	ok(ls.n == 0 && ls.nbad == 1, "an empty key is not key=value");
	lease_set_release(&ls);
	parse_str("{ name=x ip_address=10.0.0.1 }\n", &ls);
	ok(ls.n == 0 && ls.nbad == 1 && ls.bad[0].line == 1,
	    "a one-line block is not bootpd's format: reported");
	lease_set_release(&ls);
	parse_str("{\n", &ls);
	ok(ls.n == 0 && ls.nbad == 1 && ls.bad[0].line == 1,
	    "a lone '{' is an unterminated block");
	lease_set_release(&ls);
	parse_str("{\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6:7\n"
	    "lease=0x1\n}\n", &ls);
	ok(ls.n == 0 && ls.nbad == 1, "a seven-octet Ethernet address is no "
	    "MAC");
	lease_set_release(&ls);
	parse_str("{\nip_address=10.0.0.1\nhw_address=123456789,1:2:3:4:5:6\n"
	    "lease=0x1\n}\n", &ls);
	ok(ls.n == 0 && ls.nbad == 1, "a nine-digit hardware type is not "
	    "read as 1");
	lease_set_release(&ls);
	parse_str("{\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=0x\n}\n{\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=0x1g\n}\n{\nip_address=10.0.0.1\nhw_address=1,1:2:3:4:5:6\n"
	    "lease=\n}\n", &ls);
	ok(ls.n == 0 && ls.nbad == 3, "lease=0x, 0x1g and empty are refused");
	lease_set_release(&ls);
}

/* bootpd's own writer: a client with a zero-length host name gets a bare
 * "name" line; a bad block still says whose it was. */
static void
test_bare_name_and_bad_mac(void)
{
	struct lease_set ls;

	parse_str("{\n\tname\n\tip_address=192.168.64.7\n"
	    "\thw_address=1,2:f0:d:60:1:7\n\tidentifier=1,2:f0:d:60:1:7\n"
	    "\tlease=0x6b0c2a5b\n}\n", &ls);
	is_int(ls.n, 1, "a bare name line: the block is read");
	is_int(ls.nbad, 0, "... with no problem");
	ok(ls.n == 1 && ls.v[0].hostname == NULL, "... and no host name");
	is_str(ip_of(lease_find(&ls, "02:f0:0d:60:01:07", NOW)), "192.168.64.7",
	    "... and found by its MAC");
	lease_set_release(&ls);

	parse_str("{\n\tname=x\n\tnamex\n\tip_address=192.168.64.8\n"
	    "\thw_address=1,2:f0:d:60:1:8\n\tlease=0x6b0c2a5b\n}\n", &ls);
	is_int(ls.n, 0, "another bare word is still malformed");
	is_problem(&ls, 0, 1, "line 3: not a key=value line");
	is_str(ls.nbad ? ls.bad[0].mac : "", "02:f0:0d:60:01:08",
	    "the bad block's problem names its MAC (given after the bad line)");
	lease_set_release(&ls);

	parse_str("}\n", &ls);
	is_str(ls.nbad ? ls.bad[0].mac : "x", "", "stray text names no MAC");
	lease_set_release(&ls);
}

static void
test_crlf_layout_empty(void)
{
	struct lease_set ls;
	size_t len;
	char *buf = fixture("bootpd-crlf.leases", &len);
	const struct lease *l;

	lease_parse_bootpd(buf, len, &ls);
	is_int(ls.n, 2, "crlf: both leases, the last without a newline");
	is_int(ls.nbad, 0, "crlf: no problems");
	if (ls.n == 2) {
		is_str(ls.v[0].hostname, "crlf", "crlf: no CR in the name");
		is_str(ls.v[0].client_id, "1,2:f0:d:60:1:50",
		    "crlf: no CR in the client id");
		is_str(ls.v[1].mac, "02:f0:0d:60:01:51", "crlf: last MAC");
		is_int(ls.v[1].expires, 0x6b0c2a5b, "crlf: last expiry");
	}
	lease_set_release(&ls);
	free(buf);

	buf = fixture("bootpd-layout.leases", &len);
	lease_parse_bootpd(buf, len, &ls);
	is_int(ls.n, 3, "layout: three leases");
	is_int(ls.nbad, 0, "layout: no problems");
	l = by_ip(&ls, "192.168.64.60");
	ok(l && strcmp(l->hostname, "spaced") == 0 &&
	    strcmp(l->mac, "02:f0:0d:60:01:60") == 0 &&
	    l->expires == 0x6b0c2a5b && l->line == 2,
	    "spaces for tabs, blanks around '=', 0X-less upper-case hex, "
	    "indented braces, unknown key");
	l = by_ip(&ls, "192.168.64.61");
	ok(l && strcmp(l->hostname, "last") == 0 && l->expires == 0x6b0c2a5b &&
	    l->client_id == NULL, "duplicate keys: the last wins");
	ok(by_ip(&ls, "192.168.64.1") == NULL, "the first ip_address= lost");
	l = by_ip(&ls, "192.168.64.62");
	ok(l && l->hostname == NULL && l->client_id == NULL,
	    "empty name= and identifier= are NULL (no trailing newline)");
	lease_set_release(&ls);
	free(buf);

	buf = fixture("bootpd-empty.leases", &len);
	lease_parse_bootpd(buf, len, &ls);
	ok(ls.n == 0 && ls.nbad == 0, "an empty file: nothing, no problem");
	lease_set_release(&ls);
	free(buf);
	lease_parse_bootpd(NULL, 0, &ls);
	ok(ls.n == 0 && ls.nbad == 0, "NULL: nothing, no problem");
	lease_set_release(&ls);
	parse_str("\n \t\r\n\n", &ls);
	ok(ls.n == 0 && ls.nbad == 0, "blank lines: nothing, no problem");
	lease_set_release(&ls);
}

/* drop() callbacks. */
static int
drop_all(void *arg, const struct lease *l)
{
	if (arg != NULL)
		(*(int *)arg)++;
	return 1;
}

static int
drop_mac(void *arg, const struct lease *l)
{
	return strcmp(l->mac, arg) == 0;
}

static int
drop_client(void *arg, const struct lease *l)
{
	return l->client_id != NULL && strcmp(l->client_id, arg) == 0;
}

static int
drop_not_one(void *arg, const struct lease *l)
{
	return 2;	/* only 1 drops */
}

/* Where line n (from 1) starts in s. */
static size_t
line_at(const char *s, size_t len, unsigned n)
{
	size_t i = 0;

	while (--n > 0 && i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		i = nl ? (size_t)(nl - s) + 1 : len;
	}
	return i;
}

static int
same_str(const struct buf *b, const char *s)
{
	return b->len == strlen(s) &&
	    (b->len == 0 || memcmp(b->p, s, b->len) == 0);
}

static int
only_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static void
test_without(void)
{
	struct lease_set ls;
	struct buf out, want;
	size_t len, a, b;
	char *buf = fixture("bootpd-malformed.leases", &len);
	int removed = -1, seen = 0;

	/* One good block out of a file of mostly malformed ones. */
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_mac, "52:54:00:00:00:70", &out,
	    &removed);
	a = line_at(buf, len, 2);
	b = line_at(buf, len, 9);
	buf_init(&want);
	buf_add(&want, buf, a);
	buf_add(&want, buf + b, len - b);
	is_int(removed, 1, "without: one block dropped by MAC");
	ok(out.len == want.len && memcmp(out.p, want.p, want.len) == 0,
	    "without: exactly lines 2-8 are gone, malformed blocks and stray "
	    "text kept byte for byte");
	buf_release(&out);
	buf_release(&want);

	/* Drop all: good-2 stays, as its "{" ended an unclosed block. */
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_all, &seen, &out, &removed);
	is_int(removed, 1, "drop-all: good-1 dropped");
	is_int(seen, 1, "drop is not asked about good-2");
	lease_parse_bootpd(buf_str(&out), out.len, &ls);
	ok(ls.n == 1 && ls.nbad == 12 &&
	    strcmp(ls.v[0].hostname, "good-2") == 0,
	    "drop-all: good-2 and the same twelve problems are left");
	lease_set_release(&ls);
	buf_init(&want);
	buf_add(&want, buf, line_at(buf, len, 2));
	buf_add(&want, buf + line_at(buf, len, 9), len - line_at(buf, len, 9));
	ok(out.len == want.len && memcmp(out.p, want.p, want.len) == 0,
	    "drop-all: exactly good-1's lines are gone");
	buf_release(&out);
	buf_release(&want);

	/* Why: without B, the unclosed A would be closed by the stray "}"
	 * and become a lease that was never there. */
	{
		const char *s = "{\nip_address=10.0.0.9\n"
		    "hw_address=1,1:2:3:4:5:9\nlease=0x1\n"
		    "{\nip_address=10.0.0.1\n"
		    "hw_address=1,1:2:3:4:5:6\nlease=0x1\n}\n}\n";
		buf_init(&out);
		seen = 0;
		lease_bootpd_without(s, strlen(s), drop_all, &seen, &out,
		    &removed);
		ok(removed == 0 && seen == 0 && same_str(&out, s),
		    "a block right after an unclosed one is kept");
		buf_release(&out);
	}

	/* Nothing dropped: the same bytes. */
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_not_one, NULL, &out, &removed);
	ok(removed == 0 && out.len == len && memcmp(out.p, buf, len) == 0,
	    "drop returning other than 1 keeps the block");
	buf_release(&out);
	buf_init(&out);
	lease_bootpd_without(buf, len, NULL, NULL, &out, NULL);
	ok(out.len == len && memcmp(out.p, buf, len) == 0,
	    "a NULL drop keeps everything (and removed may be NULL)");
	buf_release(&out);
	free(buf);

	/* A file of well-formed blocks only: blank text is all that stays. */
	buf = fixture("bootpd-layout.leases", &len);
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_all, NULL, &out, &removed);
	ok(removed == 3 && only_blank(out.p, out.len),
	    "drop-all on a well-formed file leaves only blank text");
	buf_release(&out);
	free(buf);
	buf = fixture("bootpd-basic.leases", &len);
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_all, NULL, &out, &removed);
	ok(removed == 3 && out.len == 0, "drop-all on bootpd's own output "
	    "leaves an empty file");
	buf_release(&out);
	free(buf);

	/* Foreign leases (other VMs, other tools) stay untouched. */
	buf = fixture("bootpd-macos15.leases", &len);
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_client,
	    "ff,f1:f5:dd:7f:0:2:0:0:ab:11:b5:40:7c:3:e2:a9:8c:b3", &out,
	    &removed);
	buf_init(&want);
	buf_add(&want, buf + line_at(buf, len, 8),
	    line_at(buf, len, 22) - line_at(buf, len, 8));
	is_int(removed, 2, "both leases of the DUID are dropped");
	ok(out.len == want.len && memcmp(out.p, want.p, want.len) == 0,
	    "the other VMs' blocks stay byte for byte");
	buf_release(&out);
	buf_release(&want);
	free(buf);

	/* CRLF, and a last block without a newline. */
	buf = fixture("bootpd-crlf.leases", &len);
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_mac, "02:f0:0d:60:01:51", &out,
	    &removed);
	a = line_at(buf, len, 8);
	ok(removed == 1 && out.len == a && memcmp(out.p, buf, a) == 0,
	    "crlf: the last block goes to the end of the file");
	buf_release(&out);
	buf_init(&out);
	lease_bootpd_without(buf, len, drop_mac, "02:f0:0d:60:01:50", &out,
	    &removed);
	ok(removed == 1 && out.len == len - a &&
	    memcmp(out.p, buf + a, len - a) == 0,
	    "crlf: the first block goes with its CRLF");
	buf_release(&out);
	free(buf);

	buf_init(&out);
	lease_bootpd_without(NULL, 0, drop_all, NULL, &out, &removed);
	ok(removed == 0 && out.len == 0, "NULL input: nothing, nothing "
	    "removed");
	buf_release(&out);
}

/* What parse(format(l)) must give back for l's client id: l's, or the
 * "1,MAC" that format writes when l has none. */
static const char *
cid_back(const struct lease *l, char *tmp)
{
	char mac[IDENT_MAC_LEN];

	if (l->client_id != NULL)
		return l->client_id;
	ident_mac_bootpd(l->mac, mac);
	sprintf(tmp, "1,%s", mac);
	return tmp;
}

static void
check_round_trip(const struct lease *l, const char *what)
{
	struct lease_set ls;
	struct buf b;
	char tmp[32];
	const char *cid = cid_back(l, tmp);

	buf_init(&b);
	lease_format_bootpd(l, &b);
	lease_parse_bootpd(b.p, b.len, &ls);
	ok(ls.n == 1 && ls.nbad == 0 && strcmp(ls.v[0].mac, l->mac) == 0 &&
	    strcmp(ls.v[0].ip, l->ip) == 0 && ls.v[0].expires == l->expires &&
	    ((ls.v[0].hostname == NULL && l->hostname == NULL) ||
	    (ls.v[0].hostname && l->hostname &&
	    strcmp(ls.v[0].hostname, l->hostname) == 0)) &&
	    ls.v[0].client_id && strcmp(ls.v[0].client_id, cid) == 0,
	    "format -> parse round trip: %s", what);
	lease_set_release(&ls);
	buf_release(&b);
}

static void
test_format(void)
{
	static const char *fix[] = { "bootpd-basic.leases",
	    "bootpd-hwtypes.leases", "bootpd-macos15.leases",
	    "bootpd-newest.leases", "bootpd-crlf.leases",
	    "bootpd-layout.leases", "bootpd-malformed.leases" };
	struct lease l;
	struct buf b;
	size_t i, k;

	memset(&l, 0, sizeof l);
	l.expires = 0x6b0c2a5b;
	strcpy(l.mac, "02:f0:0d:60:01:03");
	strcpy(l.ip, "192.168.64.2");
	l.hostname = "boot2docker";
	buf_init(&b);
	lease_format_bootpd(&l, &b);
	is_str(buf_str(&b), "{\n\tname=boot2docker\n\tip_address=192.168.64.2"
	    "\n\thw_address=1,2:f0:d:60:1:3\n\tidentifier=1,2:f0:d:60:1:3\n"
	    "\tlease=0x6b0c2a5b\n}\n", "format: bootpd's exact style");
	buf_release(&b);
	check_round_trip(&l, "a MAC lease without client id (it gets "
	    "1,MAC)");

	l.hostname = NULL;
	l.client_id = "ff,1:2:3:4:0:1:0:1:2e:6f:a1:b2:52:55:55:ba:82:85";
	l.mac[0] = '\0';
	buf_init(&b);
	lease_format_bootpd(&l, &b);
	is_str(buf_str(&b), "{\n\tname=\n\tip_address=192.168.64.2\n"
	    "\thw_address=ff,1:2:3:4:0:1:0:1:2e:6f:a1:b2:52:55:55:ba:82:85\n"
	    "\tidentifier=ff,1:2:3:4:0:1:0:1:2e:6f:a1:b2:52:55:55:ba:82:85\n"
	    "\tlease=0x6b0c2a5b\n}\n", "format: a DUID lease as macOS 15 "
	    "writes it");
	buf_release(&b);
	check_round_trip(&l, "a DUID lease without name");

	l.hostname = "two\nlines";
	strcpy(l.mac, "52:54:00:00:00:01");
	l.client_id = NULL;
	l.expires = -5;
	buf_init(&b);
	lease_format_bootpd(&l, &b);
	ok(strstr(buf_str(&b), "\tname=two?lines\n") != NULL &&
	    strstr(b.p, "\tlease=0x0\n") != NULL,
	    "format: a newline in a name becomes '?', a negative expiry 0x0");
	buf_release(&b);

	for (k = 0; k < sizeof fix / sizeof fix[0]; k++) {
		struct lease_set ls;
		size_t len;
		char *buf = fixture(fix[k], &len);
		int all = 1;

		lease_parse_bootpd(buf, len, &ls);
		for (i = 0; i < ls.n; i++) {
			struct lease_set again;
			struct buf one;
			const struct lease *x = &ls.v[i], *y;
			char tmp[32];
			const char *cid = cid_back(x, tmp);

			buf_init(&one);
			lease_format_bootpd(x, &one);
			lease_parse_bootpd(one.p, one.len, &again);
			y = again.n == 1 ? &again.v[0] : NULL;
			if (y == NULL || strcmp(x->mac, y->mac) != 0 ||
			    strcmp(x->ip, y->ip) != 0 ||
			    x->expires != y->expires ||
			    (x->hostname == NULL) != (y->hostname == NULL) ||
			    (x->hostname && strcmp(x->hostname, y->hostname)) ||
			    y->client_id == NULL ||
			    strcmp(y->client_id, cid) != 0)
				all = 0;
			lease_set_release(&again);
			buf_release(&one);
		}
		ok(all && ls.n > 0, "round trip of every lease of %s (%zu)",
		    fix[k], ls.n);
		lease_set_release(&ls);
		free(buf);
	}
}

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_big(void)
{
	enum { N = 10000 };
	struct lease_set ls;
	struct lease l;
	struct buf b, out;
	char diag[160], mac[IDENT_MAC_LEN], cid[64];
	double t0, t1, t2;
	int i, removed, dated = 0;

	buf_init(&b);
	for (i = 0; i < N; i++) {
		char name[32];
		memset(&l, 0, sizeof l);
		snprintf(l.mac, sizeof l.mac, "52:54:00:%02x:%02x:%02x",
		    (i >> 16) & 255, (i >> 8) & 255, i & 255);
		snprintf(l.ip, sizeof l.ip, "10.%d.%d.%d", (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		snprintf(name, sizeof name, "vm-%d", i);
		l.hostname = name;
		l.expires = NOW + i;
		if (i % 10 == 9) {
			/* Every tenth a macOS 15 DUID client. */
			snprintf(cid, sizeof cid, "ff,%x:%x:0:2:0:0:ab:11:%x",
			    i & 255, (i >> 8) & 255, i % 7);
			l.client_id = cid;
			l.mac[0] = '\0';
		}
		lease_format_bootpd(&l, &b);
	}
	t0 = secs();
	lease_parse_bootpd(b.p, b.len, &ls);
	t1 = secs();
	is_int(ls.n, N, "10,000 entries: all read");
	is_int(ls.nbad, 0, "10,000 entries: no problems");
	snprintf(diag, sizeof diag, "parsed %d bootpd leases (%zu bytes) in "
	    "%.2f ms", N, b.len, (t1 - t0) * 1e3);
	tap_diag(diag);
	for (i = 0; i < (int)ls.n; i++)
		dated += ls.v[i].mac[0] != '\0';
	is_int(dated, N - N / 10, "10,000 entries: 9,000 with a MAC");
	snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", 7777 >> 8,
	    7777 & 255);
	is_str(ip_of(lease_find(&ls, mac, NOW)), "10.0.30.97",
	    "10,000 entries: lookup by MAC");
	ident_mac_bootpd(mac, cid);
	is_str(ip_of(lease_find(&ls, cid, NOW)), "10.0.30.97",
	    "10,000 entries: lookup by bootpd spelling");
	snprintf(cid, sizeof cid, "ff,%x:%x:0:2:0:0:ab:11:%x", 9999 & 255,
	    9999 >> 8, 9999 % 7);
	is_str(ip_of(lease_find_client(&ls, cid, NOW)), "10.0.39.15",
	    "10,000 entries: lookup by DUID client id");
	buf_init(&out);
	t1 = secs();
	lease_bootpd_without(b.p, b.len, drop_mac, mac, &out, &removed);
	t2 = secs();
	ok(removed == 1 && out.len < b.len, "10,000 entries: without drops "
	    "one");
	snprintf(diag, sizeof diag, "lease_bootpd_without over them in "
	    "%.2f ms", (t2 - t1) * 1e3);
	tap_diag(diag);
	buf_release(&out);
	lease_set_release(&ls);
	buf_release(&b);
}

int
main(void)
{
	test_basic();
	test_hwtypes();
	test_macos15();
	test_newest();
	test_malformed();
	test_crlf_layout_empty();
	test_bare_name_and_bad_mac();
	test_without();
	test_format();
	test_big();
	return tap_done();
}
