/* nfs: /etc/exports blocks: nfs_exports_parse_blocks, nfs_exports_set
 * (add, replace on IP change: the original's #71), nfs_exports_remove
 * (every share, and v0.3.3's identifiers), refusals. Fixtures are in
 * tests/fixtures/exports/ (run from the repository root). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfs.h"
#include "tap.h"
#include "fixture.h"
#include "util.h"

#define FIX "tests/fixtures/exports/"
#define B "# BEGIN: docker-machine-driver-xhyve "
#define E "# END: docker-machine-driver-xhyve "

#define fixture(name, len) fixture_read(FIX, name, len)

static int
same(const struct buf *b, const char *s, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->p, s, n) == 0);
}

/* s with [from, to) replaced by with. The result is the caller's. */
static char *
splice(const char *s, size_t from, size_t to, const char *with)
{
	struct buf b;

	buf_init(&b);
	buf_add(&b, s, from);
	buf_add(&b, with, strlen(with));
	buf_add(&b, s + to, strlen(s) - to);
	buf_str(&b);
	return b.p;
}

static void
show(const struct buf *b)
{
	size_t i;

	printf("#   got: \"");
	for (i = 0; i < b->len; i++) {
		if (b->p[i] == '\n')
			printf("\\n");
		else
			putchar(b->p[i]);
	}
	printf("\"\n");
}

static void
test_parse(void)
{
	struct nfs_blocks bl;
	struct xherr err = XHERR_INIT;
	size_t len;
	char *buf = fixture("ours.exports", &len);

	ok(nfs_exports_parse_blocks(buf, len, &bl, &err) == 0,
	    "parse ours.exports: %s", err.msg);
	is_int(bl.n, 4, "four blocks of ours");
	if (bl.n == 4) {
		const struct nfs_block *b = &bl.v[0];
		is_str(b->id, "dev-/Users", "block 1: id");
		is_str(b->machine, "dev", "block 1: machine");
		is_str(b->share, "/Users", "block 1: share");
		is_str(b->body, "/Users 192.168.64.5 -alldirs -mapall=alice",
		    "block 1: the export line");
		is_str(b->ip, "192.168.64.5", "block 1: the client address");
		ok(b->begin_line == 3 && b->end_line == 5,
		    "block 1: lines 3-5");
		ok(b->start ==
		    strlen("# hand-written\n/opt/data -ro 10.0.0.7\n") &&
		    memcmp(buf + b->start, B "dev-/Users\n",
		    strlen(B "dev-/Users\n")) == 0 &&
		    memcmp(buf + b->end, "\n/srv", 5) == 0,
		    "block 1: byte range from BEGIN to past END");
		is_str(bl.v[1].machine, "other", "block 2: machine");
		is_str(bl.v[2].share, "/Volumes/Data", "block 3: share");
		is_str(bl.v[3].machine, "dev-test", "block 4: a machine name "
		    "with '-' splits at \"-/\"");
		is_str(bl.v[3].share, "/Users", "block 4: share");
	}
	nfs_blocks_release(&bl);
	ok(bl.v == NULL && bl.n == 0, "release empties");
	nfs_blocks_release(&bl);
	nfs_blocks_release(NULL);
	ok(1, "release twice, or NULL, is harmless");
	free(buf);

	buf = fixture("v033.exports", &len);
	ok(nfs_exports_parse_blocks(buf, len, &bl, &err) == 0 && bl.n == 2,
	    "v0.3.3 blocks parse");
	if (bl.n == 2) {
		is_str(bl.v[0].machine, "dev", "v0.3.3: the id is the machine");
		ok(bl.v[0].share == NULL, "v0.3.3: no share in the id");
		is_str(bl.v[0].ip, "192.168.64.3", "v0.3.3: its address");
	}
	nfs_blocks_release(&bl);
	free(buf);

	buf = fixture("foreign.exports", &len);
	ok(nfs_exports_parse_blocks(buf, len, &bl, &err) == 0 && bl.n == 0,
	    "other tools' blocks, and an unpaired BEGIN of another tag, are "
	    "not ours: no block, no error");
	nfs_blocks_release(&bl);
	free(buf);

	ok(nfs_exports_parse_blocks(NULL, 0, &bl, &err) == 0 && bl.n == 0,
	    "no file: no block");
	ok(nfs_exports_parse_blocks("", 0, &bl, &err) == 0 && bl.n == 0,
	    "empty file: no block");

	{
		const char *s = B "x-/a\n" E "x-/a";
		ok(nfs_exports_parse_blocks(s, strlen(s), &bl, &err) == 0 &&
		    bl.n == 1 && strcmp(bl.v[0].body, "") == 0 &&
		    bl.v[0].ip[0] == '\0' && bl.v[0].end == strlen(s),
		    "an empty block at the end without a newline");
		nfs_blocks_release(&bl);
		s = B "  x-/a \t\n/a 1.2.3.4\n/b\n" E "x-/a\r\n";
		ok(nfs_exports_parse_blocks(s, strlen(s), &bl, &err) == 0 &&
		    bl.n == 1 && strcmp(bl.v[0].id, "x-/a") == 0 &&
		    strcmp(bl.v[0].body, "/a 1.2.3.4\n/b") == 0 &&
		    strcmp(bl.v[0].ip, "1.2.3.4") == 0,
		    "blanks around the id; a two-line body; IP from its first "
		    "line");
		nfs_blocks_release(&bl);
		s = B "x-/a\n/a 1.2.3\n" E "x-/a\n";
		ok(nfs_exports_parse_blocks(s, strlen(s), &bl, &err) == 0 &&
		    bl.n == 1 && bl.v[0].ip[0] == '\0',
		    "a second field that is not IPv4: no ip");
		nfs_blocks_release(&bl);
	}
}

static void
check_bad_file(const char *name, const char *want)
{
	struct nfs_blocks bl;
	struct xherr err = XHERR_INIT;
	struct buf out;
	size_t len;
	char *buf = fixture(name, &len);
	int changed = -1, removed = -1, rc;

	rc = nfs_exports_parse_blocks(buf, len, &bl, &err);
	ok(rc == -1 && err.code == XHE_INVAL && strcmp(err.msg, want) == 0 &&
	    bl.n == 0 && bl.v == NULL, "%s: parse refused", name);
	if (strcmp(err.msg, want) != 0)
		printf("#   got \"%s\"\n#  want \"%s\"\n", err.msg, want);
	buf_init(&out);
	xherr_clear(&err);
	rc = nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.9", "alice",
	    &out, &changed, &err);
	ok(rc == -1 && strcmp(err.msg, want) == 0 && out.len == 0 &&
	    changed == 0, "%s: set refuses to rewrite it", name);
	xherr_clear(&err);
	rc = nfs_exports_remove(buf, len, "dev", &out, &removed, &err);
	ok(rc == -1 && strcmp(err.msg, want) == 0 && out.len == 0 &&
	    removed == 0, "%s: remove refuses to rewrite it", name);
	buf_release(&out);
	free(buf);
}

static void
test_bad_files(void)
{
	struct nfs_blocks bl;
	struct xherr err = XHERR_INIT;
	const char *s;

	check_bad_file("bad-begin-no-end.exports",
	    "line 2: BEGIN dev-/Users has no END");
	check_bad_file("bad-end-no-begin.exports",
	    "line 3: END dev-/Users without a BEGIN");
	check_bad_file("bad-mismatch.exports",
	    "line 3: END dev-/Volumes/Data closes the BEGIN dev-/Users of "
	    "line 1");
	check_bad_file("bad-nested.exports",
	    "line 6: BEGIN dev-/Volumes/Data inside the block of dev-/Users "
	    "begun on line 4 (no END)");
	check_bad_file("bad-no-id.exports",
	    "line 2: BEGIN marker without an identifier");

	s = "/a\n" E "\n";
	ok(nfs_exports_parse_blocks(s, strlen(s), &bl, &err) == -1 &&
	    strcmp(err.msg, "line 2: END marker without an identifier") == 0,
	    "an END without identifier");
	s = B "x-/a\n" E "x-/a\0\n";
	ok(nfs_exports_parse_blocks(s, strlen(s) + 2, &bl, &err) == -1 &&
	    strcmp(err.msg, "line 2: NUL byte in a END marker") == 0,
	    "a NUL byte in a marker");
	s = B "x-/a\n/a 1.2.3.4\n" E "x-/b\x01\n";
	ok(nfs_exports_parse_blocks(s, strlen(s), &bl, &err) == -1 &&
	    strstr(err.msg, "END x-/b? closes") != NULL,
	    "control bytes are not echoed in messages");
	s = B "x-/a";
	ok(nfs_exports_parse_blocks(s, strlen(s), &bl, &err) == -1 &&
	    strcmp(err.msg, "line 1: BEGIN x-/a has no END") == 0,
	    "a BEGIN at the end without a newline");
}

static void
test_set(void)
{
	struct xherr err = XHERR_INIT;
	struct buf out, again;
	size_t len;
	char *buf, *want;
	int changed = -1, removed = -1;
	const char *blk = B "dev-/Users\n/Users 192.168.64.5 -alldirs "
	    "-mapall=alice\n" E "dev-/Users\n";

	/* No file, empty file. */
	buf_init(&out);
	ok(nfs_exports_set(NULL, 0, "dev", "/Users", "192.168.64.5", "alice",
	    &out, &changed, &err) == 0 && changed == 1 &&
	    same(&out, blk, strlen(blk)), "set on no file: just the block, "
	    "in the original's format");
	buf_release(&out);
	ok(nfs_exports_set("", 0, "dev", "/Users", "192.168.064.005", "alice",
	    &out, &changed, &err) == 0 && changed == 1 &&
	    same(&out, blk, strlen(blk)), "set on an empty file; the IP is "
	    "written canonical");
	buf_release(&out);

	/* Appended to other tools' exports, which stay as they are. */
	buf = fixture("foreign.exports", &len);
	ok(nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.5", "alice",
	    &out, &changed, &err) == 0 && changed == 1 &&
	    out.len == len + strlen(blk) && memcmp(out.p, buf, len) == 0 &&
	    memcmp(out.p + len, blk, strlen(blk)) == 0,
	    "set on foreign.exports: appended, everything else byte for byte");
	buf_init(&again);
	ok(nfs_exports_remove(out.p, out.len, "dev", &again, &removed,
	    &err) == 0 && removed == 1 && same(&again, buf, len),
	    "set then remove gives the original bytes back");
	buf_release(&again);
	buf_release(&out);
	free(buf);

	/* Already there with the same line: nothing changes. */
	buf = fixture("ours.exports", &len);
	ok(nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.5", "alice",
	    &out, &changed, &err) == 0 && changed == 0 && same(&out, buf, len),
	    "set with the same line: unchanged, out is the file");
	buf_release(&out);

	/* The VM's IP changed (#71): the block is replaced in place. */
	want = splice(buf, strlen("# hand-written\n/opt/data -ro 10.0.0.7\n"),
	    strlen("# hand-written\n/opt/data -ro 10.0.0.7\n") + strlen(blk),
	    B "dev-/Users\n/Users 192.168.64.23 -alldirs -mapall=alice\n"
	    E "dev-/Users\n");
	ok(nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.23", "alice",
	    &out, &changed, &err) == 0 && changed == 1 &&
	    same(&out, want, strlen(want)),
	    "#71: a new IP replaces the block in place, the rest byte for "
	    "byte");
	if (!same(&out, want, strlen(want)))
		show(&out);
	buf_init(&again);
	ok(nfs_exports_set(out.p, out.len, "dev", "/Users", "192.168.64.23",
	    "alice", &again, &changed, &err) == 0 && changed == 0 &&
	    same(&again, out.p, out.len), "setting it again changes nothing");
	buf_release(&again);
	buf_release(&out);
	free(want);

	/* Another user also replaces it. */
	ok(nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.5", "bob",
	    &out, &changed, &err) == 0 && changed == 1 &&
	    strstr(buf_str(&out), "-mapall=bob\n") != NULL &&
	    strstr(out.p, "192.168.64.5 -alldirs -mapall=alice\n" E
	    "dev-/Users") == NULL, "a new user replaces the line");
	buf_release(&out);

	/* A new share of a known machine is appended. */
	ok(nfs_exports_set(buf, len, "dev", "/opt/src", "192.168.64.5",
	    "alice", &out, &changed, &err) == 0 && changed == 1 &&
	    out.len > len && memcmp(out.p, buf, len) == 0,
	    "a new share is appended");
	buf_release(&out);
	free(buf);

	/* Duplicates of the identifier: the first is replaced, the rest go. */
	{
		const char *dup = "/a -ro 1.1.1.1\n"
		    B "dev-/Users\n/Users 192.168.64.5 -alldirs -mapall=alice\n"
		    E "dev-/Users\n/b -ro 1.1.1.1\n"
		    B "dev-/Users\n/Users 192.168.64.8 -alldirs -mapall=alice\n"
		    E "dev-/Users\n/c -ro 1.1.1.1\n";
		const char *wantd = "/a -ro 1.1.1.1\n"
		    B "dev-/Users\n/Users 192.168.64.5 -alldirs -mapall=alice\n"
		    E "dev-/Users\n/b -ro 1.1.1.1\n/c -ro 1.1.1.1\n";
		ok(nfs_exports_set(dup, strlen(dup), "dev", "/Users",
		    "192.168.64.5", "alice", &out, &changed, &err) == 0 &&
		    changed == 1 && same(&out, wantd, strlen(wantd)),
		    "a duplicate block is dropped, even when the first is "
		    "right");
		buf_release(&out);
	}

	/* No newline at the end: one is added before the block (as the
	 * original did), and that newline is all that remove leaves. */
	buf = fixture("no-newline.exports", &len);
	ok(nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.5", "alice",
	    &out, &changed, &err) == 0 && changed == 1 &&
	    out.len == len + 1 + strlen(blk) && memcmp(out.p, buf, len) == 0 &&
	    out.p[len] == '\n' &&
	    memcmp(out.p + len + 1, blk, strlen(blk)) == 0,
	    "no final newline: one is added before the block");
	buf_init(&again);
	ok(nfs_exports_remove(out.p, out.len, "dev", &again, &removed,
	    &err) == 0 && removed == 1 && again.len == len + 1 &&
	    memcmp(again.p, buf, len) == 0 && again.p[len] == '\n',
	    "set then remove: the original plus its final newline");
	buf_release(&again);
	buf_release(&out);
	free(buf);

	/* A block at the end without a newline is replaced whole. */
	{
		const char *s = "/a -ro 1.1.1.1\n" B "dev-/Users\n/Users "
		    "192.168.64.5 -alldirs -mapall=alice\n" E "dev-/Users";
		ok(nfs_exports_set(s, strlen(s), "dev", "/Users",
		    "192.168.64.6", "alice", &out, &changed, &err) == 0 &&
		    changed == 1 && out.len == strlen(s) + 1 &&
		    strstr(buf_str(&out), "192.168.64.6") != NULL &&
		    out.p[out.len - 1] == '\n', "a last block without newline "
		    "is replaced, ending with one");
		buf_release(&out);
	}

	/* CRLF: the line compares equal without its CR. */
	buf = fixture("crlf.exports", &len);
	ok(nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.5", "alice",
	    &out, &changed, &err) == 0 && changed == 0 && same(&out, buf, len),
	    "crlf: the same line, unchanged");
	buf_release(&out);
	ok(nfs_exports_remove(buf, len, "dev", &out, &removed, &err) == 0 &&
	    removed == 1 && same(&out, "/opt/data -ro 10.0.0.7\r\n/srv -ro "
	    "10.0.0.8\r\n", strlen("/opt/data -ro 10.0.0.7\r\n/srv -ro "
	    "10.0.0.8\r\n")), "crlf: remove keeps the other lines' CRLF");
	buf_release(&out);
	free(buf);
}

static void
test_v033(void)
{
	struct xherr err = XHERR_INIT;
	struct buf out;
	size_t len;
	char *buf = fixture("v033.exports", &len);
	int changed = -1, removed = -1;
	const char *want_rm = "/opt/data -ro 10.0.0.7\n" B "b2d\n/Users "
	    "192.168.64.4 -alldirs -mapall=alice\n" E "b2d\n"
	    "/srv -ro 10.0.0.8\n";
	const char *want_set = "/opt/data -ro 10.0.0.7\n" B "dev-/Users\n"
	    "/Users 192.168.64.9 -alldirs -mapall=alice\n" E "dev-/Users\n"
	    B "b2d\n/Users 192.168.64.4 -alldirs -mapall=alice\n" E "b2d\n"
	    "/srv -ro 10.0.0.8\n";

	buf_init(&out);
	ok(nfs_exports_remove(buf, len, "dev", &out, &removed, &err) == 0 &&
	    removed == 1 && same(&out, want_rm, strlen(want_rm)),
	    "remove takes v0.3.3's block of the machine, only that one");
	buf_release(&out);
	ok(nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.9", "alice",
	    &out, &changed, &err) == 0 && changed == 1 &&
	    same(&out, want_set, strlen(want_set)),
	    "set of the same share replaces v0.3.3's block in place");
	if (!same(&out, want_set, strlen(want_set)))
		show(&out);
	buf_release(&out);
	ok(nfs_exports_set(buf, len, "dev", "/opt/src", "192.168.64.9",
	    "alice", &out, &changed, &err) == 0 && changed == 1 &&
	    out.len > len && memcmp(out.p, buf, len) == 0,
	    "set of another share leaves v0.3.3's /Users block alone");
	buf_release(&out);
	ok(nfs_exports_remove(buf, len, "dev-", &out, &removed, &err) == 0 &&
	    removed == 0 && same(&out, buf, len),
	    "remove \"dev-\" does not take \"dev\"");
	buf_release(&out);
	free(buf);
}

static void
test_remove(void)
{
	struct xherr err = XHERR_INIT;
	struct buf out;
	size_t len;
	char *buf = fixture("ours.exports", &len);
	int removed = -1;
	const char *want = "# hand-written\n/opt/data -ro 10.0.0.7\n\n"
	    "/srv -ro 10.0.0.8\n"
	    B "other-/Users\n/Users 192.168.64.6 -alldirs -mapall=alice\n"
	    E "other-/Users\n"
	    B "dev-test-/Users\n/Users 192.168.64.7 -alldirs -mapall=alice\n"
	    E "dev-test-/Users\n# trailing comment\n";

	buf_init(&out);
	ok(nfs_exports_remove(buf, len, "dev", &out, &removed, &err) == 0 &&
	    removed == 2 && same(&out, want, strlen(want)),
	    "remove dev: both its shares go; other, dev-test and the rest "
	    "stay byte for byte");
	if (!same(&out, want, strlen(want)))
		show(&out);
	buf_release(&out);
	ok(nfs_exports_remove(buf, len, "nobody", &out, &removed, &err) == 0 &&
	    removed == 0 && same(&out, buf, len),
	    "remove of a machine without blocks: the file as it was");
	buf_release(&out);
	ok(nfs_exports_remove(buf, len, "dev-test", &out, &removed,
	    &err) == 0 && removed == 1, "remove dev-test: its one block");
	buf_release(&out);
	ok(nfs_exports_remove(NULL, 0, "dev", &out, &removed, &err) == 0 &&
	    removed == 0 && out.len == 0, "remove on no file: nothing");
	buf_release(&out);
	ok(nfs_exports_remove(buf, len, "dev", &out, NULL, &err) == 0,
	    "removed may be NULL");
	buf_release(&out);
	free(buf);
}

static void
check_refused(const char *machine, const char *share, const char *ip,
    const char *user, const char *want, const char *what)
{
	struct xherr err = XHERR_INIT;
	struct buf out;
	int changed = -1, rc;

	buf_init(&out);
	buf_add(&out, "keep", 4);
	rc = nfs_exports_set("/a -ro 1.1.1.1\n", 15, machine, share, ip, user,
	    &out, &changed, &err);
	ok(rc == -1 && changed == 0 && same(&out, "keep", 4) &&
	    strstr(err.msg, want) != NULL, "refused: %s", what);
	if (strstr(err.msg, want) == NULL)
		printf("#   got \"%s\"\n#  want \"...%s...\"\n", err.msg, want);
	buf_release(&out);
}

static void
test_refused(void)
{
	char *longpath;
	struct xherr err = XHERR_INIT;
	struct buf out;
	int removed = -1;

	check_refused("dev", "/Users/John Doe", "192.168.64.5", "alice",
	    "nfs share \"/Users/John Doe\" contains white space at byte 12: "
	    "/etc/exports cannot quote it", "a share with a space");
	check_refused("dev", "/Users/a\tb", "192.168.64.5", "alice",
	    "contains white space", "a share with a tab");
	check_refused("dev", "/Users/x\n/ 0.0.0.0", "192.168.64.5", "alice",
	    "\"/Users/x?/ 0.0.0.0\" contains white space",
	    "a share with a newline (not echoed raw)");
	check_refused("dev", "/Users ", "192.168.64.5", "alice",
	    "contains white space", "a share with a trailing space");
	check_refused("dev", "/Users/\"q\"", "192.168.64.5", "alice",
	    "contains a double quote", "a share with a double quote");
	check_refused("dev", "/Users/it's", "192.168.64.5", "alice",
	    "contains a single quote", "a share with a single quote");
	check_refused("dev", "/Users/a#b", "192.168.64.5", "alice",
	    "contains '#'", "a share with '#'");
	check_refused("dev", "/Users/a\\040b", "192.168.64.5", "alice",
	    "contains a backslash", "a share with a backslash");
	check_refused("dev", "/Users/\x01", "192.168.64.5", "alice",
	    "control byte 0x01", "a share with a control byte");
	check_refused("dev", "Users", "192.168.64.5", "alice",
	    "nfs share \"Users\" is not an absolute path", "a relative share");
	check_refused("dev", "", "192.168.64.5", "alice",
	    "nfs share is empty", "an empty share");
	check_refused("dev", "/Users/", "192.168.64.5", "alice",
	    "ends with '/'", "a trailing slash");
	check_refused("dev", "/Users//x", "192.168.64.5", "alice",
	    "not a canonical path", "an empty component");
	check_refused("dev", "/Users/./x", "192.168.64.5", "alice",
	    "not a canonical path", "a '.' component");
	check_refused("dev", "/Users/../etc", "192.168.64.5", "alice",
	    "not a canonical path", "a '..' component");
	longpath = xmalloc(1100);
	memset(longpath, 'a', 1099);
	longpath[0] = '/';
	longpath[1099] = '\0';
	check_refused("dev", longpath, "192.168.64.5", "alice",
	    "is 1099 bytes long, the limit is 1023", "a share too long");
	free(longpath);
	check_refused("dev", "/Users", "192.168.64", "alice",
	    "nfs client address \"192.168.64\" is not an IPv4 address",
	    "a short IP");
	check_refused("dev", "/Users", "fd00::5", "alice",
	    "is not an IPv4 address", "an IPv6 address");
	check_refused("dev", "/Users", "192.168.64.5 -maproot=root", "alice",
	    "is not an IPv4 address", "an IP with options glued on");
	check_refused("dev", "/Users", "192.168.64.5", "Alice",
	    "nfs user \"Alice\" is not a plain user name ([a-z_][a-z0-9_.-]*)",
	    "an upper-case user");
	check_refused("dev", "/Users", "192.168.64.5", "9lives",
	    "not a plain user name", "a user starting with a digit");
	check_refused("dev", "/Users", "192.168.64.5", "-alice",
	    "not a plain user name", "a user starting with '-'");
	check_refused("dev", "/Users", "192.168.64.5", "al ice",
	    "not a plain user name", "a user with a space");
	check_refused("dev", "/Users", "192.168.64.5", "",
	    "nfs user name is empty", "an empty user");
	check_refused("a/b", "/Users", "192.168.64.5", "alice",
	    "machine name \"a/b\" has '/'", "a machine name with '/'");
	check_refused("", "/Users", "192.168.64.5", "alice",
	    "machine name is empty", "an empty machine name");

	buf_init(&out);
	ok(nfs_exports_set("", 0, "d.e_v-1", "/", "10.0.0.1", "_svc.x-1", &out,
	    NULL, &err) == 0 && strstr(buf_str(&out), B "d.e_v-1-/\n/ "
	    "10.0.0.1 -alldirs -mapall=_svc.x-1\n") != NULL,
	    "accepted: \"/\", dots and dashes in names; changed may be NULL");
	buf_release(&out);
	ok(nfs_exports_remove("", 0, "../x", &out, &removed, &err) == -1 &&
	    removed == 0 && strstr(err.msg, "machine name") != NULL,
	    "remove refuses an invalid machine name");
	buf_release(&out);
}

int
main(void)
{
	test_parse();
	test_bad_files();
	test_set();
	test_v033();
	test_remove();
	test_refused();
	return tap_done();
}
