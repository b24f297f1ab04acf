/*
 * fuzz_nfs_exports: libFuzzer target over nfs_exports_parse_blocks,
 * nfs_exports_set and nfs_exports_remove. The first input byte picks the
 * machine, share, IP and user; with its bit 6 set the share is the next
 * line of the input instead (so share validation is fuzzed too). The rest
 * is an /etc/exports file.
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - parse: blocks in order, each from a line start to a line end inside
 *    the file, without overlap; the id splits into machine and share as
 *    documented; ip is "" or canonical IPv4. A refused file names a line,
 *    and set and remove refuse it too, leaving out as it was;
 *  - remove: takes exactly the machine's blocks and their bytes, keeps
 *    every other block in order; without any, gives the file back;
 *  - set: accepted shares are absolute, one field, no quotes; the result
 *    parses, has exactly one block for the share with the wanted line,
 *    and the other blocks as before; setting again changes nothing;
 *    remove after set gives what remove before set gives (so, for a file
 *    without the machine's blocks, the original bytes), plus the newline
 *    set had to add to a file that did not end with one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "nfs.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static const char *machines[] = { "dev", "dev-", "dev-test", "a.b_c" };
static const char *shares[] = { "/Users", "/Users/x-/y", "/",
    "/Volumes/Data" };
static const char *ips[] = { "192.168.64.5", "10.0.0.1" };
static const char *users[] = { "alice", "_b.c-d" };

static int
same(const struct buf *b, const char *s, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->p, s, n) == 0);
}

static int
first_field_is(const char *body, const char *share)
{
	size_t n = strlen(share);

	while (*body == ' ' || *body == '\t')
		body++;
	return strncmp(body, share, n) == 0 && (body[n] == '\0' ||
	    strchr(" \t\r\n", body[n]) != NULL);
}

static int
replaced(const struct nfs_block *b, const char *id, const char *m,
    const char *s)
{
	return strcmp(b->id, id) == 0 || (b->share == NULL &&
	    strcmp(b->machine, m) == 0 && first_field_is(b->body, s));
}

static void
check_blocks(const char *buf, size_t len, const struct nfs_blocks *bl)
{
	size_t i, prev_end = 0;
	unsigned prev_line = 0;

	for (i = 0; i < bl->n; i++) {
		const struct nfs_block *b = &bl->v[i];
		uint32_t ip;
		char back[IDENT_IP_LEN];

		CHECK(b->start >= prev_end && b->start < b->end &&
		    b->end <= len);
		CHECK(b->start == 0 || buf[b->start - 1] == '\n');
		CHECK(b->end == len || buf[b->end - 1] == '\n');
		CHECK(b->begin_line > prev_line && b->end_line > b->begin_line);
		prev_end = b->end;
		prev_line = b->end_line;
		CHECK(b->id[0] != '\0' && b->machine && b->body);
		if (b->share != NULL) {
			size_t m = strlen(b->machine);
			CHECK(b->share[0] == '/' && !strchr(b->machine, '/'));
			CHECK(strncmp(b->id, b->machine, m) == 0 &&
			    b->id[m] == '-' &&
			    strcmp(b->id + m + 1, b->share) == 0);
		} else {
			CHECK(strcmp(b->id, b->machine) == 0);
		}
		if (b->ip[0] != '\0') {
			CHECK(ident_ip_parse(b->ip, &ip) == 0);
			ident_ip_format(ip, back);
			CHECK(strcmp(back, b->ip) == 0);
		}
	}
}

/* remove(buf, m) as struct buf; the blocks are buf's. */
static void
check_remove(const char *buf, size_t len, const struct nfs_blocks *bl,
    const char *m, struct buf *out)
{
	struct nfs_blocks after;
	struct xherr err = XHERR_INIT;
	size_t i, k, gone = 0, n = 0;
	int removed = -1;

	CHECK(nfs_exports_remove(buf, len, m, out, &removed, &err) == 0);
	for (i = 0; i < bl->n; i++)
		if (strcmp(bl->v[i].machine, m) == 0) {
			n++;
			gone += bl->v[i].end - bl->v[i].start;
		}
	CHECK(removed >= 0 && (size_t)removed == n);
	CHECK(out->len == len - gone);
	if (n == 0)
		CHECK(same(out, buf, len));
	CHECK(nfs_exports_parse_blocks(buf_str(out), out->len, &after,
	    &err) == 0);
	for (i = 0, k = 0; i < bl->n; i++) {
		if (strcmp(bl->v[i].machine, m) == 0)
			continue;
		CHECK(k < after.n && strcmp(after.v[k].id, bl->v[i].id) == 0 &&
		    strcmp(after.v[k].body, bl->v[i].body) == 0);
		k++;
	}
	CHECK(k == after.n);
	nfs_blocks_release(&after);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *m, *ip, *user, *share;
	char custom[256], *id, *want;
	struct nfs_blocks bl, after;
	struct xherr err = XHERR_INIT;
	struct buf out, rm0, rm1, again;
	size_t len, i, k, hits = 0, mine = 0;
	int changed = -1, removed = -1, rc, last_is_m = 0;
	unsigned char sel;

	if (size == 0)
		return 0;
	sel = data[0];
	buf++;
	len = size - 1;
	m = machines[sel & 3];
	share = shares[(sel >> 2) & 3];
	ip = ips[(sel >> 4) & 1];
	user = users[(sel >> 7) & 1];
	if (sel & 0x40) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		if (n >= sizeof custom)
			n = sizeof custom - 1;
		memcpy(custom, buf, n);
		custom[n] = '\0';
		share = custom;
		buf += nl ? n + 1 : n;
		len -= nl ? n + 1 : n;
	}
	if (len == 0)
		buf = NULL;	/* as for a missing file */

	rc = nfs_exports_parse_blocks(buf, len, &bl, &err);
	if (rc == -1) {
		CHECK(strncmp(err.msg, "line ", 5) == 0);
		CHECK(bl.n == 0 && bl.v == NULL);
		buf_init(&out);
		buf_add(&out, "X", 1);
		CHECK(nfs_exports_remove(buf, len, m, &out, &removed,
		    &err) == -1 && removed == 0 && same(&out, "X", 1));
		CHECK(nfs_exports_set(buf, len, m, share, ip, user, &out,
		    &changed, &err) == -1 && changed == 0 &&
		    same(&out, "X", 1));
		buf_release(&out);
		return 0;
	}
	CHECK(rc == 0);
	check_blocks(buf, len, &bl);

	buf_init(&rm0);
	check_remove(buf, len, &bl, m, &rm0);

	buf_init(&out);
	rc = nfs_exports_set(buf, len, m, share, ip, user, &out, &changed,
	    &err);
	if (rc == -1) {
		/* Only a share of ours can be refused here. */
		CHECK(share == custom && err.msg[0] != '\0' && out.len == 0 &&
		    changed == 0);
		buf_release(&out);
		buf_release(&rm0);
		nfs_blocks_release(&bl);
		return 0;
	}
	CHECK(share[0] == '/' && strpbrk(share, " \t\r\n\"'\\#") == NULL);
	CHECK(changed == 0 || changed == 1);
	if (changed == 0)
		CHECK(same(&out, buf, len));
	id = xasprintf("%s-%s", m, share);
	want = xasprintf("%s %s -alldirs -mapall=%s", share, ip, user);
	for (i = 0; i < bl.n; i++) {
		hits += replaced(&bl.v[i], id, m, share);
		if (strcmp(bl.v[i].machine, m) == 0 && bl.v[i].end == len)
			last_is_m = 1;
	}

	CHECK(nfs_exports_parse_blocks(buf_str(&out), out.len, &after,
	    &err) == 0);
	check_blocks(out.p, out.len, &after);
	for (i = 0, k = 0; i < after.n; i++) {
		if (strcmp(after.v[i].id, id) == 0) {
			CHECK(strcmp(after.v[i].body, want) == 0);
			CHECK(strcmp(after.v[i].machine, m) == 0 &&
			    after.v[i].share != NULL &&
			    strcmp(after.v[i].share, share) == 0);
			mine++;
			continue;
		}
		while (k < bl.n && replaced(&bl.v[k], id, m, share))
			k++;
		CHECK(k < bl.n && strcmp(bl.v[k].id, after.v[i].id) == 0 &&
		    strcmp(bl.v[k].body, after.v[i].body) == 0);
		k++;
	}
	while (k < bl.n && replaced(&bl.v[k], id, m, share))
		k++;
	CHECK(mine == 1 && k == bl.n);

	/* Idempotent. */
	buf_init(&again);
	CHECK(nfs_exports_set(out.p, out.len, m, share, ip, user, &again,
	    &changed, &err) == 0 && changed == 0 &&
	    same(&again, out.p, out.len));
	buf_release(&again);

	/* remove after set = remove before set (+ the added newline). */
	buf_init(&rm1);
	check_remove(out.p, out.len, &after, m, &rm1);
	if (hits == 0 && len > 0 && buf[len - 1] != '\n' && !last_is_m) {
		CHECK(rm1.len == rm0.len + 1 && rm1.p[rm0.len] == '\n' &&
		    (rm0.len == 0 || memcmp(rm1.p, rm0.p, rm0.len) == 0));
	} else {
		CHECK(same(&rm1, rm0.p, rm0.len));
	}
	buf_release(&rm1);
	nfs_blocks_release(&after);
	free(id);
	free(want);
	buf_release(&out);
	buf_release(&rm0);
	nfs_blocks_release(&bl);
	return 0;
}
