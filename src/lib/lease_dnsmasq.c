/* lease_dnsmasq: dnsmasq's lease file (one lease per line), read and
 * rewritten without one MAC's leases. Pure: no I/O. */
#include "lease.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

static struct lease *
add(struct lease_set *ls)
{
	struct lease *l;

	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 16;
		ls->v = xrealloc(ls->v, ls->cap * sizeof *ls->v);
	}
	l = &ls->v[ls->n++];
	memset(l, 0, sizeof *l);
	return l;
}

/* Split a line into at most max space-separated fields. */
static int
fields(const char *line, size_t len, const char *f[], size_t fl[], int max)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == max)
			return max + 1;
		f[n] = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		fl[n] = (size_t)(line + i - f[n]);
		n++;
	}
	return n;
}

static int
parse_i64(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static char *
opt_field(const char *s, size_t n)
{
	if (n == 1 && s[0] == '*')
		return NULL;
	return xstrndup(s, n);
}

/* One IPv4 lease line. Returns 1 and fills l (strings the caller's), or 0
 * with why (64 bytes) set. */
static int
parse_line(const char *p, size_t ll, struct lease *l, char *why)
{
	const char *f[5];
	size_t fl[5];
	char tmp[IDENT_IP_LEN + 8], mac[IDENT_MAC_LEN];
	int64_t exp;
	uint32_t ip;
	int n;

	/* A NUL would end the C strings below early and hide the rest. */
	if (memchr(p, '\0', ll) != NULL) {
		snprintf(why, 64, "contains a NUL byte");
		return 0;
	}
	n = fields(p, ll, f, fl, 5);
	if (n != 5) {
		if (n > 5)
			snprintf(why, 64, "more than 5 fields");
		else
			snprintf(why, 64, "expected 5 fields, found %d", n);
		return 0;
	}
	if (parse_i64(f[0], fl[0], &exp) == -1) {
		snprintf(why, 64, "expiry is not a number");
		return 0;
	}
	if (fl[1] >= sizeof tmp) {
		snprintf(why, 64, "hardware address too long");
		return 0;
	}
	memcpy(tmp, f[1], fl[1]);
	tmp[fl[1]] = '\0';
	if (ident_mac_canon(tmp, mac) == -1) {
		snprintf(why, 64, "not an Ethernet address");
		return 0;
	}
	if (fl[2] >= IDENT_IP_LEN) {
		snprintf(why, 64, "not an IPv4 address");
		return 0;
	}
	memcpy(tmp, f[2], fl[2]);
	tmp[fl[2]] = '\0';
	if (ident_ip_parse(tmp, &ip) == -1) {
		snprintf(why, 64, "not an IPv4 address");
		return 0;
	}
	memset(l, 0, sizeof *l);
	l->expires = exp;
	memcpy(l->mac, mac, sizeof mac);
	ident_ip_format(ip, l->ip);
	l->hostname = opt_field(f[3], fl[3]);
	l->client_id = opt_field(f[4], fl[4]);
	return 1;
}

/* A line that starts the DHCPv6 part of the file. */
static int
is_duid(const char *p, size_t ll)
{
	const char *f[5];
	size_t fl[5];

	return fields(p, ll, f, fl, 5) > 0 && fl[0] == 4 &&
	    memcmp(f[0], "duid", 4) == 0;
}

void
lease_parse_dnsmasq(const char *buf, size_t len, struct lease_set *out)
{
	const char *p = buf, *end;
	unsigned lineno = 0;
	int v6 = 0;

	memset(out, 0, sizeof *out);
	if (buf == NULL)
		return;
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl ? nl : end) - p);
		const char *line = p;
		char why[64];
		struct lease l;
		const char *f[1];
		size_t fl[1];

		lineno++;
		p = nl ? nl + 1 : end;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (fields(line, ll, f, fl, 0) == 0)
			continue;	/* blank */
		if (v6 || (v6 = is_duid(line, ll)))
			continue;	/* DHCPv6 leases follow a duid line */
		if (!parse_line(line, ll, &l, why)) {
			lease_set_bad(out, lineno, "%s", why);
			continue;
		}
		l.line = lineno;
		*add(out) = l;
	}
}

void
lease_dnsmasq_without(const char *buf, size_t len, const char *mac,
    struct buf *out, int *removed)
{
	const char *p = buf, *end;
	char canon[IDENT_MAC_LEN];
	int v6 = 0;

	*removed = 0;
	if (buf == NULL || ident_mac_canon(mac, canon) == -1) {
		if (buf != NULL)
			buf_add(out, buf, len);
		return;
	}
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t ll = (size_t)((nl ? nl : end) - p);
		char why[64];
		struct lease l;

		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (!v6)
			v6 = is_duid(p, ll);
		/* Only a well-formed IPv4 lease of that MAC goes; anything we
		 * cannot read is kept as it is. */
		if (!v6 && parse_line(p, ll, &l, why)) {
			int match = strcmp(l.mac, canon) == 0;
			free(l.hostname);
			free(l.client_id);
			if (match) {
				(*removed)++;
				p = next;
				continue;
			}
		}
		buf_add(out, p, (size_t)(next - p));
		p = next;
	}
}
