/* sha256: NIST FIPS 180-4 vectors, streaming in odd pieces, and a file
 * compared with sha256sum(1); the SHA-instruction path against the
 * portable one on pseudo-random data of every length to 4 KB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "tap.h"
#include "util.h"

static void
hex_of(const void *p, size_t n, char out[65])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, p, n);
	sha256_hex(&h, out);
}

/* Both paths over the same bytes, cut at the same points. */
static int
paths_agree(const unsigned char *p, size_t n, size_t cut)
{
	struct sha256 h;
	char a[65], b[65];

	sha256_use_portable(0);
	sha256_init(&h);
	sha256_update(&h, p, cut);
	sha256_update(&h, p + cut, n - cut);
	sha256_hex(&h, a);
	sha256_use_portable(1);
	sha256_init(&h);
	sha256_update(&h, p, cut);
	sha256_update(&h, p + cut, n - cut);
	sha256_hex(&h, b);
	sha256_use_portable(0);
	return strcmp(a, b) == 0;
}

static void
test_paths(void)
{
	unsigned char *buf = xmalloc(4200);
	uint32_t x = 2463534242u;
	size_t n, bad = 0;

	tap_diag(sha256_accelerated() ? "SHA instructions: used" : "SHA "
	    "instructions: not on this CPU (both paths are the portable one)");
	for (n = 0; n < 4200; n++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[n] = (unsigned char)x;
	}
	for (n = 0; n <= 4200; n++)
		bad += !paths_agree(buf, n, n == 0 ? 0 : (n * 37) % n);
	is_int((int)bad, 0, "both paths agree on every length 0..4200");
	sha256_use_portable(1);
	ok(!sha256_accelerated(), "sha256_use_portable(1) turns them off");
	sha256_use_portable(0);
	free(buf);
}

int
main(void)
{
	char hex[65];
	struct sha256 h;
	size_t i;

	hex_of("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "empty input");
	hex_of("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "\"abc\"");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(two, strlen(two), hex);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "the 448-bit message");
	/* One million 'a', fed in pieces of 1, 63, 64, 65 and 1000 bytes. */
	static const size_t pieces[] = { 1, 63, 64, 65, 1000 };
	char *a = xmalloc(1000000);
	memset(a, 'a', 1000000);
	for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
		sha256_init(&h);
		for (i = 0; i < 1000000; i += pieces[k])
			sha256_update(&h, a + i, i + pieces[k] <= 1000000 ?
			    pieces[k] : 1000000 - i);
		sha256_hex(&h, hex);
		is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
		    "a million 'a' in pieces of %zu", pieces[k]);
	}
	free(a);
	/* Lengths around the padding boundary agree with sha256sum. */
	char path[] = "/tmp/sha256_test.XXXXXX";
	int fd = mkstemp(path);
	unsigned char buf[200];
	for (i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	int agree = 0;
	for (size_t n = 50; n < 140; n++) {
		FILE *f = fopen(path, "w");
		fwrite(buf, 1, n, f);
		fclose(f);
		char cmd[128], want[65] = "";
		snprintf(cmd, sizeof cmd, "sha256sum %s", path);
		FILE *p = popen(cmd, "r");
		if (p != NULL) {
			if (fscanf(p, "%64s", want) != 1)
				want[0] = '\0';
			pclose(p);
		}
		hex_of(buf, n, hex);
		agree += strcmp(hex, want) == 0;
	}
	is_int(agree, 90, "lengths 50..139 agree with sha256sum(1)");
	close(fd);
	unlink(path);
	ok(sha256_valid_hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	    "a digest is valid hex");
	ok(sha256_valid_hex("CDC76E5C9914FB9281A1C7E284D73E67F1809A48A497200E046D39CCC7112CD0"),
	    "upper case too");
	ok(!sha256_valid_hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd"),
	    "63 digits are not");
	ok(!sha256_valid_hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0a"),
	    "65 digits are not");
	ok(!sha256_valid_hex("xdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	    "a non-hex digit is not");
	test_paths();
	return tap_done();
}
