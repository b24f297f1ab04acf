/*
 * fuzz_iso_pvd: libFuzzer target over iso_parse_pvd. The input is tried as
 * it is, and zero-padded (or cut) to one 2048-byte sector so the accepting
 * path is reached from short inputs too.
 *
 * Invariants: success only on a 2048-byte-or-longer buffer starting with
 * type 1 and "CD001"; the volume id is NUL-terminated within 33 bytes,
 * printable ASCII, without trailing blanks, and each byte is the
 * descriptor's byte (or '?' for one that is not printable); nothing is
 * written past volid[32]; a refusal leaves volid untouched.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void
check(const unsigned char *s, size_t len)
{
	char area[48];
	char *volid = area;
	size_t n, i;
	int r;

	memset(area, 'Z', sizeof area);
	r = iso_parse_pvd(s, len, volid);
	for (i = 33; i < sizeof area; i++)
		CHECK(area[i] == 'Z');
	if (r == -1) {
		for (i = 0; i < 33; i++)
			CHECK(area[i] == 'Z');
		CHECK(len < 2048 || s[0] != 1 || memcmp(s + 1, "CD001", 5) != 0);
		return;
	}
	CHECK(r == 0);
	CHECK(len >= 2048 && s[0] == 1 && memcmp(s + 1, "CD001", 5) == 0);
	CHECK(memchr(volid, '\0', 33) != NULL);
	n = strlen(volid);
	CHECK(n <= 32);
	CHECK(n == 0 || volid[n - 1] != ' ');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)volid[i], o = s[40 + i];
		CHECK(c >= 0x20 && c < 0x7f);
		CHECK(c == o || (c == '?' && (o < 0x20 || o >= 0x7f)));
	}
	/* What was cut off is only blanks and NULs. */
	for (i = n; i < 32; i++)
		CHECK(s[40 + i] == ' ' || s[40 + i] == '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char sector[2048];

	check(data, size);
	memset(sector, 0, sizeof sector);
	memcpy(sector, data, size < sizeof sector ? size : sizeof sector);
	check(sector, sizeof sector);
	return 0;
}
