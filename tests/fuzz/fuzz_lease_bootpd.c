/*
 * fuzz_lease_bootpd: libFuzzer target over the bootpd lease-file parser,
 * lease_find, lease_find_client, lease_bootpd_without and
 * lease_format_bootpd. The input is a /var/db/dhcpd_leases file.
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - every lease's MAC is canonical, or "" and then it has a client id; its
 *    IP re-parses to itself; its expiry is not negative; hostname and
 *    client id are NULL or non-empty, one line, without blanks at the
 *    ends; lines rise and stay in the file; every problem names a line
 *    (strictly rising: one problem per line at most) and says something;
 *  - lease_find finds every MAC, under any spelling, and returns the
 *    lease of it that expires last; a lease is valid up to and including
 *    its expiry second, as bootpd has it; lease_find_client finds every client
 *    id and returns a lease expiring no earlier than any with that text;
 *  - lease_bootpd_without: dropping nothing gives the input back; dropping
 *    everything never grows the file, drops every lease whose block did
 *    not cut off an unclosed one, and the rest reads as the same leases
 *    less the dropped ones, with as many problems; on a file without
 *    problems only blank text is left; dropping one MAC leaves the other
 *    leases;
 *  - format -> parse gives every lease back (a missing client id as
 *    "1,MAC").
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "lease.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)
#define MAX_KEYS 8	/* bound the quadratic parts */

static int
canonical_mac(const char *m)
{
	char c[IDENT_MAC_LEN];
	int i;

	if (strlen(m) != 17 || ident_mac_canon(m, c) == -1 || strcmp(c, m) != 0)
		return 0;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? m[i] != ':' :
		    !((m[i] >= '0' && m[i] <= '9') ||
		    (m[i] >= 'a' && m[i] <= 'f')))
			return 0;
	return 1;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void
check_text(const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	CHECK(n > 0 && strchr(s, '\n') == NULL);
	CHECK(!blank(s[0]) && !blank(s[n - 1]));
}

/* a expires later than b (0 = never). */
static int
later(int64_t a, int64_t b)
{
	return b != 0 && (a == 0 || a > b);
}

static int
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same_lease(const struct lease *a, const struct lease *b)
{
	return a->expires == b->expires && strcmp(a->mac, b->mac) == 0 &&
	    strcmp(a->ip, b->ip) == 0 && same_text(a->hostname, b->hostname) &&
	    same_text(a->client_id, b->client_id);
}

static void
check_mac(const struct lease_set *ls, const char *mac)
{
	const struct lease *best = NULL, *f;
	char alt[IDENT_MAC_LEN];
	size_t i;

	for (i = 0; i < ls->n; i++) {
		const struct lease *l = &ls->v[i];
		if (strcmp(l->mac, mac) != 0)
			continue;
		if (best == NULL || l->expires == 0 ||
		    later(l->expires, best->expires))
			best = l;
	}
	CHECK(best != NULL);
	f = lease_find(ls, mac, -1);	/* nothing has expired at -1 */
	CHECK(f != NULL && strcmp(f->mac, mac) == 0);
	CHECK(f->expires == best->expires);
	ident_mac_bootpd(mac, alt);
	CHECK(lease_find(ls, alt, -1) == f);
	for (i = 0; i < 17; i++)
		alt[i] = mac[i] == ':' ? '-' : (char)(mac[i] >= 'a' ?
		    mac[i] - 'a' + 'A' : mac[i]);
	alt[17] = '\0';
	CHECK(lease_find(ls, alt, -1) == f);
	/* bootpd keeps a lease while now <= its expiry: at the end of time
	 * only those that never expire, or expire then, are left. */
	f = lease_find(ls, mac, INT64_MAX);
	CHECK(f == NULL || f->expires == 0 || f->expires == INT64_MAX);
	CHECK(f == NULL || !lease_expired(ls, f, INT64_MAX));
}

static void
check_client(const struct lease_set *ls, const char *cid)
{
	const struct lease *f = lease_find_client(ls, cid, -1);
	size_t i;

	CHECK(f != NULL && f->client_id != NULL);
	for (i = 0; i < ls->n; i++) {
		const struct lease *l = &ls->v[i];
		if (l->client_id != NULL && strcmp(l->client_id, cid) == 0)
			CHECK(!later(l->expires, f->expires));
	}
	f = lease_find_client(ls, cid, INT64_MAX);
	CHECK(f == NULL || f->expires == 0 || f->expires == INT64_MAX);
}

static int
drop_all(void *arg, const struct lease *l)
{
	(*(size_t *)arg)++;
	return 1;
}

static int
drop_none(void *arg, const struct lease *l)
{
	return 0;
}

static int
drop_mac(void *arg, const struct lease *l)
{
	return strcmp(l->mac, arg) == 0;
}

static void
check_round_trip(const struct lease *l)
{
	struct lease_set again;
	struct lease want = *l;
	char mac[IDENT_MAC_LEN], cid[IDENT_MAC_LEN + 2];
	struct buf b;

	if (want.client_id == NULL) {
		ident_mac_bootpd(l->mac, mac);
		snprintf(cid, sizeof cid, "1,%s", mac);
		want.client_id = cid;
	}
	buf_init(&b);
	lease_format_bootpd(l, &b);
	lease_parse_bootpd(b.p, b.len, &again);
	CHECK(again.n == 1 && again.nbad == 0);
	CHECK(same_lease(&again.v[0], &want));
	lease_set_release(&again);
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct lease_set ls, again;
	const char *macs[MAX_KEYS], *cids[MAX_KEYS];
	size_t i, j, lines = 1, nmacs = 0, ncids = 0, seen = 0, k;
	unsigned prev = 0;
	struct buf out;
	int removed = -1;

	for (i = 0; i < size; i++)
		if (buf[i] == '\n')
			lines++;
	lease_parse_bootpd(buf, size, &ls);
	CHECK(ls.n + ls.nbad <= lines);
	for (i = 0; i < ls.n; i++) {
		const struct lease *l = &ls.v[i];
		uint32_t ip;
		char back[IDENT_IP_LEN];

		CHECK(l->mac[0] == '\0' ? l->client_id != NULL :
		    canonical_mac(l->mac));
		CHECK(ident_ip_parse(l->ip, &ip) == 0);
		ident_ip_format(ip, back);
		CHECK(strcmp(back, l->ip) == 0);
		CHECK(l->expires >= 0);
		CHECK(l->line > prev && l->line <= lines);
		prev = l->line;
		check_text(l->hostname);
		check_text(l->client_id);
		if (l->mac[0] != '\0') {
			for (j = 0; j < nmacs; j++)
				if (strcmp(macs[j], l->mac) == 0)
					break;
			if (j == nmacs && nmacs < MAX_KEYS)
				macs[nmacs++] = l->mac;
		}
		if (l->client_id != NULL) {
			for (j = 0; j < ncids; j++)
				if (strcmp(cids[j], l->client_id) == 0)
					break;
			if (j == ncids && ncids < MAX_KEYS)
				cids[ncids++] = l->client_id;
		}
		if (i < 16)
			check_round_trip(l);
	}
	prev = 0;
	for (i = 0; i < ls.nbad; i++) {
		CHECK(ls.bad[i].line > prev && ls.bad[i].line <= lines);
		prev = ls.bad[i].line;
		CHECK(memchr(ls.bad[i].msg, '\0', sizeof ls.bad[i].msg));
		CHECK(ls.bad[i].msg[0] != '\0');
	}
	for (i = 0; i < nmacs; i++)
		check_mac(&ls, macs[i]);
	for (i = 0; i < ncids; i++)
		check_client(&ls, cids[i]);
	CHECK(lease_find(&ls, "", 0) == NULL);
	CHECK(lease_find_client(&ls, "", 0) == NULL);

	/* Dropping nothing: the same bytes. */
	buf_init(&out);
	lease_bootpd_without(buf, size, drop_none, NULL, &out, &removed);
	CHECK(removed == 0 && out.len == size &&
	    (size == 0 || memcmp(out.p, buf, size) == 0));
	buf_release(&out);

	/* Dropping everything droppable. */
	buf_init(&out);
	lease_bootpd_without(buf, size, drop_all, &seen, &out, &removed);
	CHECK(out.len <= size);
	CHECK(removed >= 0 && (size_t)removed == seen && seen <= ls.n);
	/* buf_str: an empty buf has p == NULL (NULL + 0 is undefined). */
	lease_parse_bootpd(buf_str(&out), out.len, &again);
	CHECK(again.n == ls.n - seen);
	CHECK(again.nbad == ls.nbad);
	/* What is left is the kept leases, in order. */
	for (i = 0, k = 0; i < again.n; i++) {
		while (k < ls.n && !same_lease(&ls.v[k], &again.v[i]))
			k++;
		CHECK(k < ls.n);
		k++;
	}
	if (ls.nbad == 0) {
		CHECK(again.n == 0 && (size_t)removed == ls.n);
		for (i = 0; i < out.len; i++)
			CHECK(blank(out.p[i]) || out.p[i] == '\n');
	}
	lease_set_release(&again);
	buf_release(&out);

	/* Dropping one MAC leaves every other lease. */
	if (nmacs > 0) {
		size_t other = 0;

		for (i = 0; i < ls.n; i++)
			other += strcmp(ls.v[i].mac, macs[0]) != 0;
		buf_init(&out);
		lease_bootpd_without(buf, size, drop_mac, (void *)macs[0], &out,
		    &removed);
		CHECK(out.len <= size && removed >= 0);
		CHECK(removed == 0 ? out.len == size : out.len < size);
		lease_parse_bootpd(buf_str(&out), out.len, &again);
		CHECK(again.n == ls.n - (size_t)removed);
		CHECK(again.n >= other && again.nbad == ls.nbad);
		lease_set_release(&again);
		buf_release(&out);
	}

	/* NULL drop, NULL removed. */
	buf_init(&out);
	lease_bootpd_without(buf, size, NULL, NULL, &out, NULL);
	CHECK(out.len == size);
	buf_release(&out);
	lease_set_release(&ls);
	return 0;
}
