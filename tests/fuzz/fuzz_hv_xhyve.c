/*
 * fuzz_hv_xhyve: libFuzzer target over the xhyve output parsers,
 * hv_xhyve_parse_mac (xhyve -M) and hv_xhyve_parse_console (the COM1 line
 * of a running xhyve). The input is the program's output, as is; the first
 * byte also picks the tty buffer size (1..64) so the "does not fit" path
 * is reached.
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - a parsed MAC is 17 canonical characters (lower-case hex pairs and
 *    ':'), canonicalises to itself and parses back, and the input has a
 *    "MAC:" line;
 *  - a parsed tty fits the buffer, starts with "/dev/", holds no space and
 *    appears in the input after "COM1 connected to";
 *  - neither parser reads past len or writes past the tty buffer (the
 *    input is copied to exactly len bytes, the tty is exactly n; ASan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv.h"
#include "ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

/* Does needle occur in the first len bytes of hay? */
static int
contains(const char *hay, size_t len, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= len; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return 1;
	return 0;
}

static void
check_mac(const char *out, size_t len)
{
	char mac[18], c[IDENT_MAC_LEN];
	unsigned char raw[6];
	int i;

	if (hv_xhyve_parse_mac(out, len, mac) == -1)
		return;
	CHECK(memchr(mac, '\0', sizeof mac) == mac + 17);
	for (i = 0; i < 17; i++)
		CHECK(i % 3 == 2 ? mac[i] == ':' :
		    (mac[i] >= '0' && mac[i] <= '9') ||
		    (mac[i] >= 'a' && mac[i] <= 'f'));
	CHECK(ident_mac_canon(mac, c) == 0 && strcmp(c, mac) == 0);
	CHECK(ident_mac_parse(mac, raw) == 0);
	CHECK(contains(out, len, "MAC:"));
}

static void
check_console(const char *out, size_t len, size_t n)
{
	/* Exactly n bytes on the heap: ASan sees a write past them. */
	char *tty = malloc(n);
	size_t k;

	CHECK(tty != NULL);
	if (hv_xhyve_parse_console(out, len, tty, n) == 0) {
		k = strnlen(tty, n);
		CHECK(k < n);
		CHECK(strncmp(tty, "/dev/", 5) == 0);
		CHECK(strchr(tty, ' ') == NULL);
		CHECK(contains(out, len, "COM1 connected to"));
		CHECK(contains(out, len, tty));
	}
	free(tty);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, not NUL-terminated: the parsers take
	 * a length and must not look past it. */
	char *out = malloc(size ? size : 1);
	size_t n = size ? 1 + data[0] % 64 : 64;

	CHECK(out != NULL);
	memcpy(out, data, size);
	check_mac(out, size);
	check_console(out, size, n);
	check_console(out, size, 64);
	free(out);
	return 0;
}
