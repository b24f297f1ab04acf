#include "nfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEGIN_MARK "# BEGIN: " NFS_TAG
#define END_MARK "# END: " NFS_TAG
#define SHARE_MAX 1023		/* macOS PATH_MAX - 1 */
#define USER_MAX 255

/* A printable, bounded copy of untrusted text for a message. */
static const char *
shown(const char *s, size_t n, char out[160])
{
	size_t i, m = 0;

	for (i = 0; i < n && m < 150; i++) {
		unsigned char c = (unsigned char)s[i];
		out[m++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (i < n) {
		memcpy(out + m, "...", 3);
		m += 3;
	}
	out[m] = '\0';
	return out;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* If line [s, e) (trailing blanks trimmed) is a marker starting with mark,
 * point *id at its identifier (blanks skipped) and return 1. */
static int
marker(const char *s, const char *e, const char *mark, const char **id)
{
	size_t n = strlen(mark);

	if ((size_t)(e - s) < n || memcmp(s, mark, n) != 0)
		return 0;
	s += n;
	if (s < e && *s != ' ' && *s != '\t')
		return 0;	/* "...-xhyvefoo": another tag */
	while (s < e && blank(*s))
		s++;
	*id = s;
	return 1;
}

static struct nfs_block *
add(struct nfs_blocks *bl)
{
	struct nfs_block *b;

	if (bl->n == bl->cap) {
		bl->cap = bl->cap ? bl->cap * 2 : 8;
		bl->v = xrealloc(bl->v, bl->cap * sizeof *bl->v);
	}
	b = &bl->v[bl->n++];
	memset(b, 0, sizeof *b);
	return b;
}

/* machine, share and ip from id and body. */
static void
split(struct nfs_block *b)
{
	const char *slash = strchr(b->id, '/'), *p = b->body, *f;
	char tmp[IDENT_IP_LEN];
	uint32_t ip;
	size_t n;
	int i;

	if (slash != NULL && slash > b->id && slash[-1] == '-') {
		b->machine = xstrndup(b->id, (size_t)(slash - 1 - b->id));
		b->share = xstrdup(slash);
	} else {
		b->machine = xstrdup(b->id);
	}
	/* The second field of the first line. */
	for (i = 0; i < 2; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		f = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r')
			p++;
		if (p == f)
			return;
	}
	n = (size_t)(p - f);
	if (n >= sizeof tmp)
		return;
	memcpy(tmp, f, n);
	tmp[n] = '\0';
	if (ident_ip_parse(tmp, &ip) == 0)
		ident_ip_format(ip, b->ip);
}

void
nfs_blocks_release(struct nfs_blocks *bl)
{
	size_t i;

	if (bl == NULL)
		return;
	for (i = 0; i < bl->n; i++) {
		free(bl->v[i].id);
		free(bl->v[i].machine);
		free(bl->v[i].share);
		free(bl->v[i].body);
	}
	free(bl->v);
	memset(bl, 0, sizeof *bl);
}

int
nfs_exports_parse_blocks(const char *buf, size_t len, struct nfs_blocks *out,
    struct xherr *err)
{
	const char *p = buf, *end;
	const char *open_id = NULL;	/* in the input */
	size_t open_idlen = 0, open_start = 0, body_start = 0;
	unsigned lineno = 0, open_line = 0;
	char s1[160], s2[160];

	memset(out, 0, sizeof *out);
	if (buf == NULL)
		return 0;
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end, *e = nl ? nl : end;
		const char *s = p, *id;
		size_t off = (size_t)(p - buf), idlen;
		int begin;

		lineno++;
		p = next;
		while (e > s && blank(e[-1]))
			e--;
		if (marker(s, e, BEGIN_MARK, &id))
			begin = 1;
		else if (marker(s, e, END_MARK, &id))
			begin = 0;
		else
			continue;
		idlen = (size_t)(e - id);
		if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
			xherr_set(err, XHE_INVAL, "line %u: NUL byte in a %s "
			    "marker", lineno, begin ? "BEGIN" : "END");
			goto fail;
		}
		if (idlen == 0) {
			xherr_set(err, XHE_INVAL, "line %u: %s marker without "
			    "an identifier", lineno, begin ? "BEGIN" : "END");
			goto fail;
		}
		if (begin && open_id != NULL) {
			xherr_set(err, XHE_INVAL, "line %u: BEGIN %s inside "
			    "the block of %s begun on line %u (no END)", lineno,
			    shown(id, idlen, s1),
			    shown(open_id, open_idlen, s2), open_line);
			goto fail;
		}
		if (begin) {
			open_id = id;
			open_idlen = idlen;
			open_start = off;
			open_line = lineno;
			body_start = (size_t)(next - buf);
			continue;
		}
		if (open_id == NULL) {
			xherr_set(err, XHE_INVAL, "line %u: END %s without a "
			    "BEGIN", lineno, shown(id, idlen, s1));
			goto fail;
		}
		if (idlen != open_idlen || memcmp(id, open_id, idlen) != 0) {
			xherr_set(err, XHE_INVAL, "line %u: END %s closes the "
			    "BEGIN %s of line %u", lineno, shown(id, idlen, s1),
			    shown(open_id, open_idlen, s2), open_line);
			goto fail;
		}
		{
			struct nfs_block *b = add(out);
			size_t bl = off - body_start;

			if (bl > 0 && buf[body_start + bl - 1] == '\n')
				bl--;
			if (bl > 0 && buf[body_start + bl - 1] == '\r')
				bl--;
			b->id = xstrndup(id, idlen);
			b->body = xstrndup(buf + body_start, bl);
			b->begin_line = open_line;
			b->end_line = lineno;
			b->start = open_start;
			b->end = (size_t)(next - buf);
			split(b);
		}
		open_id = NULL;
	}
	if (open_id != NULL) {
		xherr_set(err, XHE_INVAL, "line %u: BEGIN %s has no END",
		    open_line, shown(open_id, open_idlen, s1));
		goto fail;
	}
	return 0;
fail:
	nfs_blocks_release(out);
	return -1;
}

static int
check_share(const char *share, struct xherr *err)
{
	size_t n = strlen(share), i;
	char s[160];

	if (n == 0)
		return xherr_set(err, XHE_INVAL, "nfs share is empty");
	shown(share, n, s);
	if (share[0] != '/')
		return xherr_set(err, XHE_INVAL, "nfs share \"%s\" is not an "
		    "absolute path", s);
	if (n > SHARE_MAX)
		return xherr_set(err, XHE_INVAL, "nfs share \"%s\" is %zu "
		    "bytes long, the limit is %d", s, n, SHARE_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)share[i];
		if (c == ' ' || (c >= '\t' && c <= '\r'))
			return xherr_set(err, XHE_INVAL, "nfs share \"%s\" "
			    "contains white space at byte %zu: /etc/exports "
			    "cannot quote it; share a path without white space",
			    s, i + 1);
		if (c < 0x20 || c == 0x7f)
			return xherr_set(err, XHE_INVAL, "nfs share \"%s\" "
			    "contains the control byte 0x%02x", s, c);
		if (c == '"' || c == '\'' || c == '\\' || c == '#')
			return xherr_set(err, XHE_INVAL, "nfs share \"%s\" "
			    "contains %s, which /etc/exports would not read "
			    "as part of a path", s,
			    c == '"' ? "a double quote" :
			    c == '\'' ? "a single quote" :
			    c == '#' ? "'#'" : "a backslash");
	}
	if (n == 1)
		return 0;	/* "/" */
	if (share[n - 1] == '/')
		return xherr_set(err, XHE_INVAL, "nfs share \"%s\" ends with "
		    "'/': write it without", s);
	for (i = 0; i < n; ) {
		size_t j = i + 1, k;
		for (k = j; k < n && share[k] != '/'; k++)
			;
		if (k == j || (k - j == 1 && share[j] == '.') ||
		    (k - j == 2 && share[j] == '.' && share[j + 1] == '.'))
			return xherr_set(err, XHE_INVAL, "nfs share \"%s\" is "
			    "not a canonical path: it has an empty, '.' or "
			    "'..' component", s);
		i = k;
	}
	return 0;
}

static int
check_user(const char *user, struct xherr *err)
{
	size_t n = strlen(user), i;
	char s[160];

	if (n == 0)
		return xherr_set(err, XHE_INVAL, "nfs user name is empty");
	if (n > USER_MAX)
		return xherr_set(err, XHE_INVAL, "nfs user name is %zu bytes "
		    "long, the limit is %d", n, USER_MAX);
	for (i = 0; i < n; i++) {
		char c = user[i];
		if ((c >= 'a' && c <= 'z') || c == '_' ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '.' || c == '-')))
			continue;
		return xherr_set(err, XHE_INVAL, "nfs user \"%s\" is not a "
		    "plain user name ([a-z_][a-z0-9_.-]*)", shown(user, n, s));
	}
	return 0;
}

/* The first blank-separated field of body is share. */
static int
exports_share(const char *body, const char *share)
{
	size_t n = strlen(share);

	while (*body == ' ' || *body == '\t')
		body++;
	return strncmp(body, share, n) == 0 && (body[n] == '\0' ||
	    body[n] == ' ' || body[n] == '\t' || body[n] == '\r' ||
	    body[n] == '\n');
}

/* A block that the block for machine's share replaces: the same
 * identifier, or v0.3.3's block of that machine exporting that share. */
static int
replaced(const struct nfs_block *b, const char *id, const char *machine,
    const char *share)
{
	if (strcmp(b->id, id) == 0)
		return 1;
	return b->share == NULL && strcmp(b->machine, machine) == 0 &&
	    exports_share(b->body, share);
}

int
nfs_exports_set(const char *buf, size_t len, const char *machine,
    const char *share, const char *ip, const char *user, struct buf *out,
    int *changed, struct xherr *err)
{
	struct nfs_blocks bl;
	char ipc[IDENT_IP_LEN], s[160], *id = NULL, *want = NULL;
	size_t i, cursor = 0, hits = 0, same = 0;
	uint32_t addr;
	int placed = 0;

	if (changed != NULL)
		*changed = 0;
	if (ident_check_name(machine, err) == -1 ||
	    check_share(share, err) == -1 || check_user(user, err) == -1)
		return -1;
	if (ident_ip_parse(ip, &addr) == -1)
		return xherr_set(err, XHE_INVAL, "nfs client address \"%s\" is "
		    "not an IPv4 address", shown(ip, strlen(ip), s));
	ident_ip_format(addr, ipc);
	if (buf == NULL)
		len = 0;
	if (nfs_exports_parse_blocks(buf, len, &bl, err) == -1)
		return -1;
	id = xasprintf("%s-%s", machine, share);
	want = xasprintf("%s %s -alldirs -mapall=%s", share, ipc, user);
	for (i = 0; i < bl.n; i++) {
		const struct nfs_block *b = &bl.v[i];
		if (replaced(b, id, machine, share)) {
			hits++;
			same += strcmp(b->id, id) == 0 &&
			    strcmp(b->body, want) == 0;
		}
	}
	if (hits == 1 && same == 1) {
		if (len > 0)
			buf_add(out, buf, len);
		goto done;
	}
	for (i = 0; i < bl.n; i++) {
		const struct nfs_block *b = &bl.v[i];
		if (!replaced(b, id, machine, share))
			continue;
		buf_add(out, buf + cursor, b->start - cursor);
		if (!placed)
			buf_addf(out, BEGIN_MARK " %s\n%s\n" END_MARK " %s\n",
			    id, want, id);
		placed = 1;
		cursor = b->end;
	}
	if (len > cursor)
		buf_add(out, buf + cursor, len - cursor);
	if (!placed) {
		if (len > 0 && buf[len - 1] != '\n')
			buf_addc(out, '\n');
		buf_addf(out, BEGIN_MARK " %s\n%s\n" END_MARK " %s\n", id, want,
		    id);
	}
	if (changed != NULL)
		*changed = 1;
done:
	free(id);
	free(want);
	nfs_blocks_release(&bl);
	return 0;
}

int
nfs_exports_remove(const char *buf, size_t len, const char *machine,
    struct buf *out, int *removed, struct xherr *err)
{
	struct nfs_blocks bl;
	size_t i, cursor = 0;
	int n = 0;

	if (removed != NULL)
		*removed = 0;
	if (ident_check_name(machine, err) == -1)
		return -1;
	if (buf == NULL)
		len = 0;
	if (nfs_exports_parse_blocks(buf, len, &bl, err) == -1)
		return -1;
	for (i = 0; i < bl.n; i++) {
		const struct nfs_block *b = &bl.v[i];
		/* The machine of "dev-/Users" and of v0.3.3's "dev". */
		if (strcmp(b->machine, machine) != 0)
			continue;
		buf_add(out, buf + cursor, b->start - cursor);
		cursor = b->end;
		n++;
	}
	if (len > cursor)
		buf_add(out, buf + cursor, len - cursor);
	if (removed != NULL)
		*removed = n;
	nfs_blocks_release(&bl);
	return 0;
}
