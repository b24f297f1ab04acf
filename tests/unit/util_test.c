/* util: strv, buf, atomic writes, read/copy, rm_tree (never follows
 * symbolic links), mkdir_p. Works in its own directory under /tmp. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "helpers.h"
#include "util.h"

static char dir[] = "/tmp/util_test.XXXXXX";

static char *
path(const char *rel)
{
	return xasprintf("%s/%s", dir, rel);
}

static void
plain_write(const char *p, const char *s)
{
	FILE *f = fopen(p, "w");

	if (f == NULL || fputs(s, f) < 0 || fclose(f) != 0)
		ok(0, "write %s", p);
}

static void
put(const char *rel, const char *s)
{
	char *p = path(rel);

	plain_write(p, s);
	free(p);
}

static int
file_is(const char *p, const void *want, size_t wlen)
{
	char *got;
	size_t len;
	int same;

	if (util_read_file(p, 1 << 24, &got, &len, NULL) == -1)
		return 0;
	same = len == wlen && memcmp(got, want, len) == 0;
	free(got);
	return same;
}

static int
mode_of(const char *p)
{
	struct stat st;

	return lstat(p, &st) == -1 ? -1 : (int)(st.st_mode & 07777);
}

static char *
pattern(size_t n)
{
	char *p = xmalloc(n);
	uint32_t x = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (char)(x >> 16);
	}
	return p;
}

static void
test_strv(void)
{
	struct strv sv;
	char *s;
	int i, good = 1;

	strv_init(&sv);
	is_int(sv.n, 0, "strv: empty");
	ok(sv.v != NULL && sv.v[0] == NULL, "strv: empty vector is terminated");
	s = strv_join(&sv, " ");
	is_str(s, "", "strv: joining nothing gives \"\"");
	free(s);
	strv_add(&sv, "xhyve");
	strv_add(&sv, "-m");
	strv_addf(&sv, "%dM", 1024);
	strv_add(&sv, "");
	strv_add(&sv, "with space");
	is_int(sv.n, 5, "strv: five items");
	is_str(sv.v[2], "1024M", "strv_addf formats");
	ok(sv.v[5] == NULL, "strv: NULL after the last item");
	s = strv_join(&sv, " ");
	is_str(s, "xhyve -m 1024M  with space", "strv_join with a space");
	free(s);
	s = strv_join(&sv, ", ");
	is_str(s, "xhyve, -m, 1024M, , with space", "strv_join with \", \"");
	free(s);
	{
		char tmp[] = "mutable";
		strv_add(&sv, tmp);
		tmp[0] = 'X';
		is_str(sv.v[5], "mutable", "strv_add copies its argument");
	}
	for (i = 0; i < 1000; i++)
		strv_addf(&sv, "arg%d", i);
	is_int(sv.n, 1006, "strv grows past its first allocation");
	for (i = 0; i < 1000; i++) {
		char want[16];
		snprintf(want, sizeof want, "arg%d", i);
		if (strcmp(sv.v[6 + i], want) != 0)
			good = 0;
	}
	ok(good && sv.v[1006] == NULL, "strv: every item kept, still terminated");
	strv_release(&sv);
	ok(sv.v == NULL && sv.n == 0, "strv_release empties");
	strv_release(&sv);
	ok(1, "strv_release twice is harmless");
}

static void
test_buf(void)
{
	struct buf b;
	char big[1000];
	int i;

	buf_init(&b);
	is_str(buf_str(&b), "", "buf: empty buffer is \"\"");
	is_int(b.len, 0, "buf: empty length");
	buf_add(&b, "abc", 3);
	buf_addc(&b, 'd');
	buf_addf(&b, "-%d-%s", 42, "x");
	is_str(buf_str(&b), "abcd-42-x", "buf: add, addc, addf");
	is_int(b.len, 9, "buf: length");
	buf_add(&b, "", 0);
	is_int(b.len, 9, "buf: adding nothing");
	buf_add(&b, "\0z", 2);
	is_int(b.len, 11, "buf: binary data with a NUL");
	ok(memcmp(b.p, "abcd-42-x\0z", 12) == 0, "buf: bytes and terminator");
	buf_release(&b);
	ok(b.p == NULL && b.len == 0 && b.cap == 0, "buf_release empties");

	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_init(&b);
	buf_addf(&b, "<%s>", big);
	is_int(b.len, 1001, "buf_addf longer than the first allocation");
	ok(b.p[0] == '<' && b.p[1000] == '>' && b.p[1001] == '\0',
	    "buf_addf: contents and terminator");
	for (i = 0; i < 100000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	is_int(b.len, 101001, "buf: many single bytes");
	ok(b.p[1001] == 'a' && b.p[101000] == 'a' + 99999 % 26 &&
	    b.p[101001] == '\0', "buf: contents after growth");
	ok(b.cap > b.len, "buf: room for the terminator");
	buf_release(&b);
}

static void
test_path_join(void)
{
	char *s;

	s = util_path_join("a", "b");
	is_str(s, "a/b", "path_join a b");
	free(s);
	s = util_path_join("/store/", "machines");
	is_str(s, "/store/machines", "path_join does not double a slash");
	free(s);
	s = util_path_join("/", "x");
	is_str(s, "/x", "path_join from the root");
	free(s);
	static const char *const cases[][3] = {
		/* path, dir, base */
		{ "/store/machines/dev/dev.rawdisk", "/store/machines/dev",
		    "dev.rawdisk" },
		{ "dhcpd_leases", ".", "dhcpd_leases" },
		{ "/vmlinuz", "/", "vmlinuz" },
		{ "a/", "a", "" },
		{ "", ".", "" },
	};
	static const char *const lines[][2] = {
		{ "started\ndnsmasq: unknown interface br9\n\n", "dnsmasq: unknown interface br9" },
		{ "one line, no newline", "one line, no newline" },
		{ "a\r\nb  \r\n", "b" },
		{ "\n \n\t\n", NULL },
		{ "", NULL },
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		s = util_last_line(lines[i][0], strlen(lines[i][0]));
		if (lines[i][1] == NULL)
			ok(s == NULL, "last_line[%zu]: none", i);
		else
			is_str(s ? s : "(null)", lines[i][1], "last_line[%zu]", i);
		free(s);
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = util_dir_name(cases[i][0]);
		is_str(s, cases[i][1], "dir_name \"%s\"", cases[i][0]);
		free(s);
		is_str(util_base_name(cases[i][0]), cases[i][2],
		    "base_name \"%s\"", cases[i][0]);
	}
}

static void
test_write_atomic(void)
{
	struct xherr err = XHERR_INIT;
	char *p = path("atomic.txt"), *q;
	struct stat st1, st2;
	mode_t old = umask(077);

	ok(util_write_atomic(p, "first version\n", 14, 0644, &err) == 0,
	    "write_atomic creates: %s", err.msg);
	ok(file_is(p, "first version\n", 14), "... with the content");
	is_int(mode_of(p), 0644, "... mode 0644 in spite of umask 077");
	is_int(count_tmp(dir), 0, "... no temporary file left");
	stat(p, &st1);

	ok(util_write_atomic(p, "v2", 2, 0600, &err) == 0,
	    "write_atomic replaces: %s", err.msg);
	ok(file_is(p, "v2", 2), "... shorter content, nothing of the old left");
	is_int(mode_of(p), 0600, "... and the new mode");
	stat(p, &st2);
	ok(st1.st_ino != st2.st_ino, "... by rename (a new inode)");
	is_int(count_tmp(dir), 0, "... no temporary file left");
	umask(022);
	ok(util_write_atomic(p, "x", 1, 0755, &err) == 0 && mode_of(p) == 0755,
	    "mode 0755 honoured");
	ok(util_write_atomic(p, "", 0, 0640, &err) == 0 && file_is(p, "", 0) &&
	    mode_of(p) == 0640, "an empty file, mode 0640");
	umask(old);

	/* A symlink at the destination is replaced, not written through. */
	q = path("victim");
	plain_write(q, "victim content");
	unlink(p);
	if (symlink(q, p) == -1)
		ok(0, "symlink");
	ok(util_write_atomic(p, "new", 3, 0644, &err) == 0,
	    "write_atomic over a symlink");
	ok(file_is(q, "victim content", 14), "... the link target is untouched");
	{
		struct stat st;
		ok(lstat(p, &st) == 0 && S_ISREG(st.st_mode) && file_is(p, "new",
		    3), "... the link is replaced by a regular file");
	}
	free(q);
	free(p);

	p = path("no/such/dir/file");
	xherr_clear(&err);
	ok(util_write_atomic(p, "x", 1, 0644, &err) == -1,
	    "write_atomic into a missing directory fails");
	is_int(err.code, XHE_NOTFOUND, "... XHE_NOTFOUND");
	ok(strstr(err.msg, p) != NULL, "... message names the path: %s",
	    err.msg);
	free(p);

	/* Streaming form. */
	{
		struct util_atomic a;
		p = path("stream.txt");
		ok(util_atomic_open(&a, p, 0640, &err) == 0, "atomic_open");
		ok(!util_exists(p), "... the file is not there before commit");
		ok(util_atomic_write(&a, "hello ", 6, &err) == 0 &&
		    util_atomic_write(&a, "world", 5, &err) == 0,
		    "atomic_write twice");
		ok(util_atomic_commit(&a, &err) == 0, "atomic_commit: %s",
		    err.msg);
		ok(a.fd == -1 && a.tmp == NULL && a.path == NULL,
		    "... the struct is empty after commit");
		ok(file_is(p, "hello world", 11) && mode_of(p) == 0640,
		    "... content and mode");

		ok(util_atomic_open(&a, p, 0600, &err) == 0, "atomic_open again");
		util_atomic_write(&a, "discarded", 9, &err);
		util_atomic_abort(&a);
		ok(a.fd == -1 && a.tmp == NULL && a.path == NULL,
		    "... the struct is empty after abort");
		ok(file_is(p, "hello world", 11), "abort keeps the old file");
		is_int(count_tmp(dir), 0, "abort leaves no temporary file");
		free(p);
	}
}

static void
test_read_file(void)
{
	struct xherr err = XHERR_INIT;
	char *p = path("read.bin"), *data = pattern(200000), *got = NULL;
	size_t len = 7;

	util_write_atomic(p, data, 200000, 0644, &err);
	ok(util_read_file(p, 200000, &got, &len, &err) == 0,
	    "read 200000 bytes with max 200000: %s", err.msg);
	ok(len == 200000 && got != NULL && memcmp(got, data, len) == 0,
	    "... every byte");
	ok(got != NULL && got[200000] == '\0', "... NUL-terminated");
	free(got);
	got = (char *)"unset";
	xherr_clear(&err);
	ok(util_read_file(p, 199999, &got, &len, &err) == -1,
	    "max one byte short fails");
	is_int(err.code, XHE_INVAL, "... XHE_INVAL");
	ok(strstr(err.msg, "is larger than 199999 bytes") != NULL,
	    "... message: %s", err.msg);
	ok(got == NULL, "... *out is NULL");
	is_int(len, 0, "... *len is 0");
	xherr_clear(&err);
	ok(util_read_file(p, 0, &got, NULL, &err) == -1, "max 0 fails");
	free(p);

	p = path("empty");
	util_write_atomic(p, "", 0, 0644, &err);
	ok(util_read_file(p, 0, &got, &len, &err) == 0 && len == 0 &&
	    got != NULL && got[0] == '\0', "an empty file with max 0 reads \"\"");
	free(got);
	ok(util_read_file(p, 10, &got, NULL, &err) == 0,
	    "a NULL len is allowed");
	free(got);
	free(p);

	p = path("missing");
	xherr_clear(&err);
	ok(util_read_file(p, 10, &got, &len, &err) == -1, "a missing file");
	is_int(err.code, XHE_NOTFOUND, "... XHE_NOTFOUND");
	free(p);
	xherr_clear(&err);
	ok(util_read_file(dir, 10, &got, &len, &err) == -1,
	    "reading a directory fails");
	free(data);
}

static void
test_copy_file(void)
{
	struct xherr err = XHERR_INIT;
	char *src = path("copy-src"), *dst = path("copy-dst");
	char *data = pattern(300001), *missing = path("nothing-here");

	util_write_atomic(src, data, 300001, 0600, &err);
	plain_write(dst, "old destination");
	ok(util_copy_file(src, dst, 0640, &err) == 0, "copy 300001 bytes: %s",
	    err.msg);
	ok(file_is(dst, data, 300001), "... byte-identical");
	is_int(mode_of(dst), 0640, "... with the requested mode");
	is_int(mode_of(src), 0600, "... the source is untouched");
	is_int(count_tmp(dir), 0, "... no temporary file left");

	xherr_clear(&err);
	ok(util_copy_file(missing, dst, 0644, &err) == -1, "a missing source");
	is_int(err.code, XHE_NOTFOUND, "... XHE_NOTFOUND");
	ok(file_is(dst, data, 300001), "... the destination is untouched");
	is_int(count_tmp(dir), 0, "... no temporary file left");

	util_write_atomic(src, "", 0, 0644, &err);
	ok(util_copy_file(src, dst, 0644, &err) == 0 && file_is(dst, "", 0),
	    "copy an empty file");
	free(dst);

	dst = path("no/such/dir/copy");
	xherr_clear(&err);
	ok(util_copy_file(src, dst, 0644, &err) == -1,
	    "copy into a missing directory fails: %s", err.msg);
	free(dst);
	free(src);
	free(missing);
	free(data);
}

/* tree/
 *   a/b/c/deep.txt, a/file.txt, top.txt
 *   link-dir  -> ../outside        (a directory outside the tree)
 *   a/link-file -> ../../outside/secret.txt
 *   dangling  -> nowhere
 *   fifo
 * outside/secret.txt, outside/sub/more.txt */
static void
test_rm_tree(void)
{
	struct xherr err = XHERR_INIT;
	char *tree = path("tree"), *outside = path("outside"), *p;

	ok(util_mkdir_p(tree, 0755, &err) == 0, "mkdir tree");
	p = path("tree/a/b/c");
	util_mkdir_p(p, 0700, &err);
	free(p);
	p = path("outside/sub");
	util_mkdir_p(p, 0755, &err);
	free(p);
	put("tree/a/b/c/deep.txt", "deep");
	put("tree/a/file.txt", "file");
	put("tree/top.txt", "top");
	put("outside/secret.txt", "secret");
	put("outside/sub/more.txt", "more");
	p = path("tree/link-dir");
	ok(symlink(outside, p) == 0, "plant a symlink to a directory outside");
	free(p);
	p = path("tree/a/link-file");
	ok(symlink("../../outside/secret.txt", p) == 0,
	    "plant a symlink to a file outside");
	free(p);
	p = path("tree/dangling");
	ok(symlink("nowhere", p) == 0, "plant a dangling symlink");
	free(p);
	p = path("tree/fifo");
	ok(mkfifo(p, 0600) == 0, "make a fifo");
	free(p);
	p = path("tree/a/b/readonly");
	util_mkdir_p(p, 0755, &err);
	chmod(p, 0500);
	free(p);

	ok(util_rm_tree(tree, &err) == 0, "rm_tree: %s", err.msg);
	ok(!util_exists(tree), "the tree is gone");
	p = path("outside/secret.txt");
	ok(file_is(p, "secret", 6), "the file behind the link-to-dir survives");
	free(p);
	p = path("outside/sub/more.txt");
	ok(file_is(p, "more", 4), "the subdirectory behind it survives");
	free(p);
	is_int(count_names(outside, NULL), 2, "outside has both entries still");

	/* The path itself a symlink to a directory: only the link goes. */
	p = path("link-to-outside");
	ok(symlink(outside, p) == 0, "a top-level symlink to a directory");
	ok(util_rm_tree(p, &err) == 0, "rm_tree on it: %s", err.msg);
	ok(!util_exists(p), "the link is gone");
	is_int(count_names(outside, NULL), 2, "its target is untouched");
	free(p);

	/* A plain file, and a missing path. */
	p = path("lonely.txt");
	plain_write(p, "x");
	ok(util_rm_tree(p, &err) == 0 && !util_exists(p), "rm_tree on a file");
	ok(util_rm_tree(p, &err) == 0, "a missing path is not an error");
	free(p);

	/* Deep nesting. */
	{
		struct buf b;
		int i;
		buf_init(&b);
		buf_addf(&b, "%s/deep", dir);
		for (i = 0; i < 100; i++)
			buf_addf(&b, "/d%d", i);
		ok(util_mkdir_p(buf_str(&b), 0755, &err) == 0,
		    "mkdir_p 100 levels");
		p = path("deep");
		ok(util_rm_tree(p, &err) == 0 && !util_exists(p),
		    "rm_tree 100 levels");
		free(p);
		buf_release(&b);
	}

	/* BUG: with a trailing slash the last component is resolved
	 * through the symlink: fstatat(AT_SYMLINK_NOFOLLOW) and
	 * openat(O_NOFOLLOW) both follow "link/", so the directory outside
	 * is emptied, then unlinkat fails with ENOTDIR and the link stays.
	 * util.h: "never follows symbolic links". */
	p = path("tree2");
	util_mkdir_p(p, 0755, &err);
	free(p);
	p = path("tree2/link");
	if (symlink(outside, p) == -1)
		ok(0, "symlink tree2/link");
	free(p);
	p = path("tree2/link/");
	xherr_clear(&err);
	util_rm_tree(p, &err);
	is_int(count_names(outside, NULL), 2,
	    "rm_tree(\"tree2/link/\") does not empty the directory the link "
	    "points to (%s)", err.msg);
	free(p);
	p = path("outside/secret.txt");
	if (!util_exists(p)) {
		/* Put the victim back for the tests after this one. */
		plain_write(p, "secret");
		free(p);
		p = path("outside/sub");
		util_mkdir_p(p, 0755, &err);
	}
	free(p);
	free(tree);
	free(outside);
}

static void
test_mkdir_p(void)
{
	struct xherr err = XHERR_INIT;
	char *p = path("m/n/o"), *f = path("plain-file"), *q;
	mode_t old = umask(022);

	ok(util_mkdir_p(p, 0750, &err) == 0, "mkdir_p three levels");
	is_int(mode_of(p), 0750, "... last level mode 0750 (umask 022)");
	q = path("m");
	is_int(mode_of(q), 0750, "... first level too");
	free(q);
	ok(util_mkdir_p(p, 0750, &err) == 0, "mkdir_p on an existing directory");
	free(p);
	p = path("m/n/o/");
	ok(util_mkdir_p(p, 0750, &err) == 0, "a trailing slash");
	free(p);
	p = path("m//x///y");
	ok(util_mkdir_p(p, 0750, &err) == 0, "doubled slashes");
	free(p);
	ok(util_mkdir_p("/", 0755, &err) == 0, "mkdir_p \"/\"");
	ok(util_mkdir_p(dir, 0755, &err) == 0, "mkdir_p of an existing tree");

	plain_write(f, "not a directory");
	xherr_clear(&err);
	ok(util_mkdir_p(f, 0755, &err) == -1, "mkdir_p on an existing file");
	is_int(err.code, XHE_EXISTS, "... XHE_EXISTS");
	ok(strstr(err.msg, "exists and is not a directory") != NULL &&
	    strstr(err.msg, f) != NULL, "... says so: %s", err.msg);
	ok(file_is(f, "not a directory", 15), "... the file is untouched");

	q = xasprintf("%s/sub/dir", f);
	xherr_clear(&err);
	ok(util_mkdir_p(q, 0755, &err) == -1, "mkdir_p through a file");
	ok(err.code != XHE_OK && strstr(err.msg, "cannot create directory") &&
	    strstr(err.msg, "Not a directory"), "... says why: %s", err.msg);
	free(q);

	/* Through a symlink to a directory: followed (it is a path, as
	 * mkdir -p does). */
	q = path("m-link");
	if (symlink("m", q) == -1)
		ok(0, "symlink m-link");
	free(q);
	q = path("m-link/z");
	ok(util_mkdir_p(q, 0755, &err) == 0, "mkdir_p through a symlink");
	free(q);

	/* "" must fail cleanly. Under AddressSanitizer this call shows a
	 * heap-buffer-overflow in util_mkdir_p: the loop starts at p + 1,
	 * past the 1-byte copy of "". See the report. */
	xherr_clear(&err);
	ok(util_mkdir_p("", 0755, &err) == -1, "mkdir_p \"\" fails: %s",
	    err.msg);
	umask(old);
	free(f);
}

static void
test_file_size(void)
{
	struct xherr err = XHERR_INIT;
	char *p = path("sparse");
	int64_t ap = -1, al = -1;
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd == -1 || ftruncate(fd, 64 << 20) == -1 ||
	    pwrite(fd, "x", 1, 0) != 1)
		ok(0, "make a sparse file");
	if (fd != -1)
		close(fd);
	ok(util_file_size(p, &ap, &al, &err) == 0, "file_size");
	is_int(ap, 64 << 20, "apparent size");
	ok(al > 0 && al < (1 << 20), "allocated size is small: %lld",
	    (long long)al);
	ok(util_file_size(p, NULL, NULL, &err) == 0, "NULL outputs allowed");
	free(p);
	p = path("no-file");
	xherr_clear(&err);
	ok(util_file_size(p, &ap, &al, &err) == -1 &&
	    err.code == XHE_NOTFOUND, "file_size of a missing file");
	ok(!util_exists(p), "util_exists: missing");
	free(p);
	p = path("dangling-link");
	if (symlink("nowhere", p) == -1)
		ok(0, "symlink");
	ok(util_exists(p), "util_exists: a dangling symlink exists (lstat)");
	free(p);
}

/* util_usage: stat's figures, a hard-linked file counted once, symbolic
 * links not followed; util_human_bytes. */
static void
test_usage(void)
{
	struct xherr err = XHERR_INIT;
	struct util_usage u = { 0 };
	struct util_size a = { 0 }, b = { 0 };
	char *t = xasprintf("%s/du", dir), *f, *g, *l;
	char h[16];
	struct stat st;

	util_mkdir_p(t, 0700, &err);
	f = xasprintf("%s/f", t);
	g = xasprintf("%s/g", t);
	l = xasprintf("%s/l", t);
	util_write_atomic(f, "0123456789", 10, 0600, &err);
	link(f, g);
	symlink("/etc", l);
	ok(util_usage(&u, f, &a, &err) == 0, "usage of a file");
	stat(f, &st);
	ok(a.apparent == 10 && a.allocated == (int64_t)st.st_blocks * 512 &&
	    a.files == 1, "apparent 10, allocated as stat's");
	ok(util_usage(&u, t, &b, &err) == 0, "usage of its directory");
	stat(t, &st);
	ok(b.apparent == 0 && b.shared == 2 &&
	    b.allocated == (int64_t)st.st_blocks * 512,
	    "both names of the file already counted: only the directory "
	    "(shared %lld)", (long long)b.shared);
	util_usage_release(&u);
	memset(&b, 0, sizeof b);
	ok(util_usage(&u, t, &b, &err) == 0 && b.apparent == 10 &&
	    b.files == 1 && b.shared == 1, "afresh: the file once, the "
	    "symbolic link not followed");
	util_usage_release(&u);
	memset(&b, 0, sizeof b);
	ok(util_usage(&u, "/nonexistent/x", &b, &err) == 0 && b.allocated == 0,
	    "a missing path adds nothing");
	for (int i = 0; i < 300; i++) {	/* grow the inode set */
		char *p = xasprintf("%s/n%d", t, i);
		util_write_atomic(p, "x", 1, 0600, &err);
		free(p);
	}
	memset(&b, 0, sizeof b);
	ok(util_usage(&u, t, &b, &err) == 0 && b.files == 301,
	    "301 files counted once each (%lld)", (long long)b.files);
	memset(&b, 0, sizeof b);
	ok(util_usage(&u, t, &b, &err) == 0 && b.files == 0 && b.shared == 302,
	    "and none twice");
	util_usage_release(&u);
	util_human_bytes(0, h, sizeof h);
	is_str(h, "0 B", "0 B");
	util_human_bytes(1023, h, sizeof h);
	is_str(h, "1023 B", "1023 B");
	util_human_bytes(1536, h, sizeof h);
	is_str(h, "1.5 KiB", "1.5 KiB");
	util_human_bytes(20000LL * 1048576, h, sizeof h);
	is_str(h, "19.5 GiB", "20000 MB");
	free(f);
	free(g);
	free(l);
	free(t);
}

static void
test_open_dir_in(void)
{
	struct xherr err = XHERR_INIT;
	char *base = xasprintf("%s/odi", dir), *sub = xasprintf("%s/a/b", base);
	char *other = xasprintf("%s/other", dir), *link = xasprintf("%s/a", base);
	char *data = NULL, *path;
	struct stat st;
	int dfd;

	ok(util_mkdir_in(base, sub, 0755, &err) == 0, "made %s", sub);
	dfd = util_open_dir_in(base, sub, &err);
	ok(dfd >= 0, "a directory below base opens");
	ok(util_write_atomic_at(dfd, sub, "f", "one\n", 4, 0640, &err) == 0,
	    "written atomically in it");
	ok(util_write_atomic_at(dfd, sub, "f", "two\n", 4, 0640, &err) == 0,
	    "and again over it");
	path = xasprintf("%s/f", sub);
	ok(util_read_file(path, 64, &data, NULL, &err) == 0 &&
	    strcmp(data, "two\n") == 0, "the second content is there");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "with the mode asked for (umask aside)");
	if (dfd >= 0)
		close(dfd);
	/* "a" swapped for a link to another directory: refused, not followed. */
	char *ob = xasprintf("%s/b", other);
	ok(util_mkdir_p(ob, 0755, &err) == 0, "another tree");
	free(ob);
	ok(util_rm_tree(link, &err) == 0 && symlink(other, link) == 0,
	    "a link in place of a/");
	xherr_clear(&err);
	ok(util_open_dir_in(base, sub, &err) == -1 && err.code == XHE_PERM &&
	    strstr(err.msg, "a is a symbolic link or not a directory") != NULL,
	    "a link on the way is refused: %s", err.msg);
	xherr_clear(&err);
	ok(util_open_dir_in(base, "/etc", &err) == -1 && err.code == XHE_INVAL,
	    "a path outside base is refused");
	free(data);
	free(path);
	free(base);
	free(sub);
	free(other);
	free(link);
}

int
main(void)
{
	struct xherr err = XHERR_INIT;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_strv();
	test_buf();
	test_path_join();
	test_write_atomic();
	test_read_file();
	test_copy_file();
	test_rm_tree();
	test_mkdir_p();
	test_file_size();
	test_usage();
	test_open_dir_in();
	ok(util_rm_tree(dir, &err) == 0, "remove %s: %s", dir, err.msg);
	return tap_done();
}
