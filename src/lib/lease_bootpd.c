/*
 * lease_bootpd: macOS bootpd's /var/db/dhcpd_leases (declared in lease.h).
 *
 * One line-based scanner, scan(), walks the file and hands every block,
 * well-formed or not, with its byte range to a callback: the parser keeps
 * the leases and the problems, the rewriter copies around the blocks it
 * drops. Both therefore agree on what a block is and where it ends.
 */
#include "lease.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHY_LEN 96		/* = sizeof lease_problem.msg */
#define CID_MAX 255		/* octets of a client id compared by value */

struct span {
	const char *p;		/* NULL: the key was not seen */
	size_t n;
};

/* A block being read: the last value of each key, borrowed from the
 * input, and the first problem with one of its lines. */
struct block {
	unsigned line;		/* of its "{" */
	size_t start;		/* offset of the "{" line */
	int cut;		/* its "{" ended an unclosed block */
	struct span name, ip, hw, id, lease;
	char why[WHY_LEN];
};

struct scan_ops {
	/* Every block: l is its lease (the callee owns l's strings) or NULL
	 * with why saying what is wrong; [start, end) are its bytes; cut
	 * says that its "{" ended an unclosed block. */
	void (*block)(void *arg, const struct block *b, size_t end,
	    struct lease *l, const char *why);
	/* A line outside any block that is not blank. */
	void (*stray)(void *arg, unsigned line, const char *why);
};

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
span_is(struct span s, const char *word)
{
	size_t n = strlen(word);

	return s.n == n && memcmp(s.p, word, n) == 0;
}

/* "TYPE,REST": TYPE 1 to 8 hex digits (bootpd writes "1", others "01"). */
static int
split_type(struct span s, uint32_t *type, struct span *rest)
{
	uint32_t t = 0;
	size_t i;

	for (i = 0; i < s.n && i < 9 && ident_hex_digit(s.p[i]) >= 0; i++)
		t = t * 16 + (uint32_t)ident_hex_digit(s.p[i]);
	if (i == 0 || i > 8 || i == s.n || s.p[i] != ',')
		return -1;
	*type = t;
	rest->p = s.p + i + 1;
	rest->n = s.n - i - 1;
	return 0;
}

/* The canonical MAC of an Ethernet "1,MAC" value, or -1. */
static int
ether_mac(struct span s, char out[IDENT_MAC_LEN])
{
	struct span rest;
	uint32_t type;
	char tmp[IDENT_MAC_LEN];

	if (s.p == NULL || split_type(s, &type, &rest) == -1 || type != 1 ||
	    rest.n >= sizeof tmp)
		return -1;
	memcpy(tmp, rest.p, rest.n);
	tmp[rest.n] = '\0';
	return ident_mac_canon(tmp, out);
}

/* lease=0xHEX, at most INT64_MAX. */
static int
parse_expiry(struct span s, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (s.n < 3 || s.p[0] != '0' || (s.p[1] != 'x' && s.p[1] != 'X'))
		return -1;
	for (i = 2; i < s.n; i++) {
		int d = ident_hex_digit(s.p[i]);
		if (d < 0 || v > (INT64_MAX - d) / 16)
			return -1;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

/* Turn a closed block into a lease (1) or say why not (0). */
static int
finish(const struct block *b, struct lease *l, char *why)
{
	char tmp[IDENT_IP_LEN];
	uint32_t ip;
	int64_t exp;

	if (b->why[0] != '\0') {
		memcpy(why, b->why, WHY_LEN);
		return 0;
	}
	if (b->ip.p == NULL) {
		snprintf(why, WHY_LEN, "no ip_address=");
		return 0;
	}
	if (b->ip.n < sizeof tmp) {
		memcpy(tmp, b->ip.p, b->ip.n);
		tmp[b->ip.n] = '\0';
	}
	if (b->ip.n >= sizeof tmp || ident_ip_parse(tmp, &ip) == -1) {
		snprintf(why, WHY_LEN, "ip_address= is not an IPv4 address");
		return 0;
	}
	if (b->lease.p == NULL) {
		snprintf(why, WHY_LEN, "no lease=");
		return 0;
	}
	if (parse_expiry(b->lease, &exp) == -1) {
		snprintf(why, WHY_LEN, "lease= is not a hex time (0x...)");
		return 0;
	}
	memset(l, 0, sizeof *l);
	if (ether_mac(b->hw, l->mac) == -1 && ether_mac(b->id, l->mac) == -1)
		l->mac[0] = '\0';
	if (l->mac[0] == '\0' && (b->id.p == NULL || b->id.n == 0)) {
		snprintf(why, WHY_LEN,
		    "no Ethernet hw_address= and no identifier=");
		return 0;
	}
	l->expires = exp;
	ident_ip_format(ip, l->ip);
	if (b->name.p != NULL && b->name.n > 0)
		l->hostname = xstrndup(b->name.p, b->name.n);
	if (b->id.p != NULL && b->id.n > 0)
		l->client_id = xstrndup(b->id.p, b->id.n);
	l->line = b->line;
	return 1;
}

static void
close_block(const struct block *b, size_t end, const char *why,
    const struct scan_ops *ops, void *arg)
{
	struct lease l;
	char w[WHY_LEN];

	if (why != NULL)
		ops->block(arg, b, end, NULL, why);
	else if (finish(b, &l, w))
		ops->block(arg, b, end, &l, NULL);
	else
		ops->block(arg, b, end, NULL, w);
}

/* One non-blank line inside a block, s..e trimmed. */
static void
key_value(struct block *b, unsigned lineno, const char *s, const char *e)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *k;
	struct span key, val;
	int lost = b->why[0] != '\0';

	if (!lost && memchr(s, '\0', (size_t)(e - s)) != NULL) {
		snprintf(b->why, WHY_LEN, "line %u: contains a NUL byte",
		    lineno);
		return;
	}
	for (k = eq; k != NULL && k > s && blank(k[-1]); k--)
		;
	/* bootpd writes a bare "name" for a zero-length host name. */
	if (eq == NULL && e - s == 4 && memcmp(s, "name", 4) == 0) {
		b->name.p = e;
		b->name.n = 0;
		return;
	}
	if (eq == NULL || k == s) {
		if (!lost)
			snprintf(b->why, WHY_LEN, "line %u: not a key=value "
			    "line", lineno);
		return;
	}
	key.p = s;
	key.n = (size_t)(k - s);
	for (val.p = eq + 1; val.p < e && blank(*val.p); val.p++)
		;
	val.n = (size_t)(e - val.p);
	/* A lost block is still read for whose it was (its MAC). */
	if (lost && !span_is(key, "hw_address") && !span_is(key, "identifier"))
		return;
	if (span_is(key, "name"))
		b->name = val;
	else if (span_is(key, "ip_address"))
		b->ip = val;
	else if (span_is(key, "hw_address"))
		b->hw = val;
	else if (span_is(key, "identifier"))
		b->id = val;
	else if (span_is(key, "lease"))
		b->lease = val;
}

static void
scan(const char *buf, size_t len, const struct scan_ops *ops, void *arg)
{
	const char *p = buf, *end;
	struct block b;
	unsigned lineno = 0;
	int in = 0;

	if (buf == NULL)
		return;
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		const char *s = p, *e = nl ? nl : end;
		size_t off = (size_t)(p - buf);
		char why[WHY_LEN];

		lineno++;
		p = next;
		while (s < e && blank(*s))
			s++;
		while (e > s && blank(e[-1]))
			e--;
		if (s == e)
			continue;
		if (e - s == 1 && *s == '{') {
			if (in) {
				snprintf(why, sizeof why,
				    "no '}' before the '{' on line %u", lineno);
				close_block(&b, off, why, ops, arg);
			}
			memset(&b, 0, sizeof b);
			b.line = lineno;
			b.start = off;
			b.cut = in;
			in = 1;
		} else if (e - s == 1 && *s == '}') {
			if (in)
				close_block(&b, (size_t)(next - buf), NULL, ops,
				    arg);
			else
				ops->stray(arg, lineno, "'}' without '{'");
			in = 0;
		} else if (in) {
			key_value(&b, lineno, s, e);
		} else {
			ops->stray(arg, lineno, "text outside a { } block");
		}
	}
	if (in)
		close_block(&b, len, "no '}' before the end of the file", ops,
		    arg);
}

static void
parse_block(void *arg, const struct block *b, size_t end, struct lease *l,
    const char *why)
{
	struct lease_set *ls = arg;

	if (l == NULL) {
		lease_set_bad(ls, b->line, "%s", why);
		/* Whose lease it was, if it says: the IP wait names it. */
		if (ether_mac(b->hw, ls->bad[ls->nbad - 1].mac) == -1 &&
		    ether_mac(b->id, ls->bad[ls->nbad - 1].mac) == -1)
			ls->bad[ls->nbad - 1].mac[0] = '\0';
		return;
	}
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 16;
		ls->v = xrealloc(ls->v, ls->cap * sizeof *ls->v);
	}
	ls->v[ls->n++] = *l;
}

static void
parse_stray(void *arg, unsigned line, const char *why)
{
	lease_set_bad(arg, line, "%s", why);
}

void
lease_parse_bootpd(const char *buf, size_t len, struct lease_set *out)
{
	static const struct scan_ops ops = { parse_block, parse_stray };

	size_t blocks = 0;

	memset(out, 0, sizeof *out);
	out->valid_at_expiry = 1;	/* bootpd: valid while now <= lease= */
	/* Size the array once: growing it by doubling copied and faulted in
	 * most of a 10,000-lease parse. Every block opens with a '{'. */
	for (const char *p = buf, *e = buf + len; p != NULL && p < e &&
	    (p = memchr(p, '{', (size_t)(e - p))) != NULL; p++)
		blocks++;
	if (blocks > 0) {
		out->cap = blocks;
		out->v = xmalloc(blocks * sizeof *out->v);
	}
	scan(buf, len, &ops, out);
}

/* "TYPE,OCTETS" with 1- or 2-digit hex octets separated by ':'. */
static int
cid_parse(const char *s, uint32_t *type, unsigned char *oct, size_t *n)
{
	struct span all = { s, strlen(s) }, rest;
	size_t i = 0, k = 0;

	if (split_type(all, type, &rest) == -1)
		return -1;
	for (;;) {
		int a, c;
		if (k == CID_MAX || i == rest.n ||
		    (a = ident_hex_digit(rest.p[i])) < 0)
			return -1;
		i++;
		if (i < rest.n && (c = ident_hex_digit(rest.p[i])) >= 0) {
			a = a * 16 + c;
			i++;
		}
		oct[k++] = (unsigned char)a;
		if (i == rest.n)
			break;
		if (rest.p[i++] != ':')
			return -1;
	}
	*n = k;
	return 0;
}

static int
cid_same(const char *a, const char *b)
{
	unsigned char oa[CID_MAX], ob[CID_MAX];
	uint32_t ta, tb;
	size_t na, nb;

	if (cid_parse(a, &ta, oa, &na) == 0 && cid_parse(b, &tb, ob, &nb) == 0)
		return ta == tb && na == nb && memcmp(oa, ob, na) == 0;
	return strcmp(a, b) == 0;
}

static int
client_is(const struct lease *l, const void *client_id)
{
	return l->client_id != NULL && cid_same(l->client_id, client_id);
}

const struct lease *
lease_find_client(const struct lease_set *ls, const char *client_id,
    int64_t now)
{
	if (client_id == NULL || client_id[0] == '\0')
		return NULL;
	return lease_best(ls, now, client_is, client_id);
}

struct without {
	const char *buf;
	size_t cursor;
	struct buf *out;
	int removed;
	int (*drop)(void *arg, const struct lease *l);
	void *arg;
};

static void
without_block(void *arg, const struct block *b, size_t end, struct lease *l,
    const char *why)
{
	struct without *w = arg;

	if (l == NULL)
		return;		/* malformed: kept as it is */
	/* Without a block whose "{" ended an unclosed one, that one would
	 * run on into the text after it, and could even become a lease. */
	if (!b->cut && w->drop != NULL && w->drop(w->arg, l) == 1) {
		buf_add(w->out, w->buf + w->cursor, b->start - w->cursor);
		w->cursor = end;
		w->removed++;
	}
	free(l->hostname);
	free(l->client_id);
}

static void
without_stray(void *arg, unsigned line, const char *why)
{
}

void
lease_bootpd_without(const char *buf, size_t len,
    int (*drop)(void *arg, const struct lease *l), void *arg,
    struct buf *out, int *removed)
{
	static const struct scan_ops ops = { without_block, without_stray };
	struct without w = { buf, 0, out, 0, drop, arg };

	if (buf != NULL) {
		scan(buf, len, &ops, &w);
		buf_add(out, buf + w.cursor, len - w.cursor);
	}
	if (removed != NULL)
		*removed = w.removed;
}

/* A value on one line: a newline would end it and start a bogus key. */
static void
add_value(struct buf *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		buf_addc(out, *s == '\n' ? '?' : *s);
}

void
lease_format_bootpd(const struct lease *l, struct buf *out)
{
	char mac[IDENT_MAC_LEN] = "";

	if (l->mac[0] != '\0')
		ident_mac_bootpd(l->mac, mac);
	buf_addf(out, "{\n\tname=");
	add_value(out, l->hostname);
	buf_addf(out, "\n\tip_address=%s\n\thw_address=", l->ip);
	if (mac[0] != '\0')
		buf_addf(out, "1,%s", mac);
	else
		add_value(out, l->client_id);
	buf_addf(out, "\n\tidentifier=");
	if (l->client_id != NULL)
		add_value(out, l->client_id);
	else
		buf_addf(out, "1,%s", mac);
	buf_addf(out, "\n\tlease=0x%llx\n}\n",
	    (unsigned long long)(l->expires < 0 ? 0 : l->expires));
}
