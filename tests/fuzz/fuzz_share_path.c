/*
 * fuzz_share_path: libFuzzer target over share_check_path, share_guest_path
 * and share_quote. The input up to its first NUL is a host path; after the
 * NUL, up to the next one, a share root (none: SHARE_9P_ROOT).
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - share_check_path accepts exactly the absolute paths without control
 *    bytes, "." or ".." components or a trailing '/' (other than "/"), as
 *    an independent check here says; a refusal is XHE_INVAL with a message
 *    naming the option;
 *  - share_guest_path succeeds exactly when both paths pass, and its result
 *    passes too, holds no "//", and has the same bytes as root and host
 *    with the slashes left out;
 *  - share_quote's output read back by sh's single-quote rules is the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

/* The rule of share.h, written the other way round. */
static int
good_path(const char *s)
{
	size_t n = strlen(s), i, start;

	if (n == 0 || s[0] != '/')
		return 0;
	if (n == 1)
		return 1;
	if (s[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	for (start = 0; start <= n; start = i + 1) {
		i = start;
		while (i < n && s[i] != '/')
			i++;
		if ((i - start == 1 && s[start] == '.') ||
		    (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
			return 0;
	}
	return 1;
}

static void
check_path(const char *s)
{
	struct xherr err = XHERR_INIT;
	int rc = share_check_path("fuzz share", s, &err);

	CHECK(rc == 0 || rc == -1);
	CHECK((rc == 0) == good_path(s));
	if (rc == -1) {
		CHECK(err.code == XHE_INVAL);
		CHECK(strncmp(err.msg, "fuzz share", 10) == 0);
		CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
	}
}

/* a then b, without their slashes; the caller's. */
static char *
unslashed(const char *a, const char *b)
{
	char *r = malloc(strlen(a) + strlen(b) + 1), *w = r;

	CHECK(r != NULL);
	for (; *a != '\0'; a++)
		if (*a != '/')
			*w++ = *a;
	for (; *b != '\0'; b++)
		if (*b != '/')
			*w++ = *b;
	*w = '\0';
	return r;
}

static void
check_guest(const char *root, const char *host)
{
	struct xherr err = XHERR_INIT;
	char *g = share_guest_path(root, host, &err), *x, *y;

	if (!good_path(root) || !good_path(host)) {
		CHECK(g == NULL && err.code == XHE_INVAL && err.msg[0] != '\0');
		return;
	}
	CHECK(g != NULL);
	CHECK(good_path(g));
	CHECK(strstr(g, "//") == NULL);
	x = unslashed(g, "");
	y = unslashed(root, host);
	CHECK(strcmp(x, y) == 0);
	free(x);
	free(y);
	free(g);
}

/* Read back a word sh would see: 'quoted' runs and \' between them. */
static void
check_quote(const char *s)
{
	struct buf q, back;
	const char *p;

	buf_init(&q);
	buf_init(&back);
	share_quote(&q, s);
	p = buf_str(&q);
	CHECK(q.len >= 2 && p[0] == '\'' && p[q.len - 1] == '\'');
	while (*p != '\0') {
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');
			CHECK(e != NULL);
			buf_add(&back, p + 1, (size_t)(e - p - 1));
			p = e + 1;
		} else {
			CHECK(p[0] == '\\' && p[1] == '\'');
			buf_addc(&back, '\'');
			p += 2;
		}
	}
	CHECK(strcmp(buf_str(&back), s) == 0);
	buf_release(&q);
	buf_release(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 2);
	const char *host, *root;
	size_t hl;

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = s[size + 1] = '\0';
	host = s;
	hl = strlen(host);
	root = hl < size ? s + hl + 1 : SHARE_9P_ROOT;
	check_path(host);
	check_path(root);
	check_guest(root, host);
	check_quote(host);
	free(s);
	return 0;
}
