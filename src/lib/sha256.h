/*
 * sha256: SHA-256 (FIPS 180-4), streaming. Pure. No listed dependency
 * exports a hash (libarchive's is internal), and pulling in a crypto
 * library for one digest is not worth its start-up cost.
 *
 *	struct sha256 h;
 *	sha256_init(&h);
 *	sha256_update(&h, data, len);	any number of times
 *	sha256_hex(&h, hex);		65 bytes: 64 hex digits and a NUL
 */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t state[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
void sha256_final(struct sha256 *h, unsigned char digest[32]);
void sha256_hex(struct sha256 *h, char hex[65]);
/* Whether whole blocks go through the CPU's SHA instructions (x86-64 with
 * the SHA extensions); sha256_use_portable(1) turns that off (tests
 * compare the two). */
int sha256_accelerated(void);
void sha256_use_portable(int on);
/* Is s 64 hex digits? (lower or upper case) */
int sha256_valid_hex(const char *s);

#endif
