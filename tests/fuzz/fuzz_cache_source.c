/*
 * fuzz_cache_source: libFuzzer target over cache_parse_source (what
 * --xhyve-boot2docker-url may be, with its "#sha256=HEX" pin) and
 * sha256_valid_hex. The input, up to its first NUL, is the source. A local
 * path goes through realpath(3), a read-only look-up: what resolves depends
 * on the machine, so only the shape of the answer is checked there.
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - sha256_valid_hex is true exactly for 64 hex digits;
 *  - a success has a URL without the fragment; a pin is accepted only as
 *    "#sha256=" and 64 hex digits after the first '#', and comes back as
 *    those digits in lower case (no '#': no pin);
 *  - "" is the default releases/latest URL under the given API base;
 *    http(s):// sources (any case) are kept as given, RELEASE exactly when
 *    they hold "/repos/" and end in "/releases/latest"; anything else is a
 *    local file with an absolute path, never a string with "://" other than
 *    a leading "file://";
 *  - a failure hands back no URL and says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)
#define API "http://127.0.0.1:9/api"

static int
hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!hex(s[i]))
			return 0;
	return 1;
}

static void
check_pin(const char *frag, const char *sha)
{
	int i;

	if (frag == NULL) {
		CHECK(sha[0] == '\0');
		return;
	}
	CHECK(strncmp(frag, "#sha256=", 8) == 0);
	CHECK(strlen(frag + 8) == 64 && all_hex(frag + 8, 64));
	CHECK(strlen(sha) == 64);
	for (i = 0; i < 64; i++) {
		char c = frag[8 + i];
		CHECK(sha[i] == (c >= 'A' && c <= 'F' ? c + 32 : c));
	}
}

static void
check_source(const char *given)
{
	static const char tail[] = "/releases/latest";
	struct xherr err = XHERR_INIT;
	struct cache_src s;
	const char *frag = strchr(given, '#');
	size_t n = frag ? (size_t)(frag - given) : strlen(given);
	size_t ul;

	memset(&s, 0x5a, sizeof s);
	if (cache_parse_source(given, API, &s, &err) == -1) {
		CHECK(s.url == NULL);
		CHECK(err.code != XHE_OK && err.msg[0] != '\0');
		CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
		return;
	}
	CHECK(s.url != NULL);
	check_pin(frag, s.sha256);
	ul = strlen(s.url);
	if (n == 0) {
		CHECK(s.kind == CACHE_RELEASE);
		CHECK(strcmp(s.url, API "/repos/" CACHE_DEFAULT_REPO
		    "/releases/latest") == 0);
	} else if (strncasecmp(given, "http://", 7) == 0 ||
	    strncasecmp(given, "https://", 8) == 0) {
		CHECK(ul == n && memcmp(s.url, given, n) == 0);
		CHECK((s.kind == CACHE_RELEASE) ==
		    (strstr(s.url, "/repos/") != NULL && ul >= sizeof tail &&
		    strcmp(s.url + ul - (sizeof tail - 1), tail) == 0));
		CHECK(s.kind == CACHE_RELEASE || s.kind == CACHE_HTTP);
	} else {
		CHECK(s.kind == CACHE_LOCAL);
		CHECK(s.url[0] == '/');
		CHECK(strncmp(given, "file://", 7) == 0 ||
		    memmem(given, n, "://", 3) == NULL);
	}
	cache_src_release(&s);
	CHECK(s.url == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t n;

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);
	CHECK(sha256_valid_hex(s) == (n == 64 && all_hex(s, 64)));
	check_source(s);
	free(s);
	return 0;
}
