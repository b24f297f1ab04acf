/*
 * fuzz_ident: libFuzzer target over the ident parsers. The input, as a C
 * string (up to its first NUL), goes through every parser; the first 16
 * bytes are also a UUID for ident_mac_from_uuid.
 *
 * Round trips checked:
 *  - a valid name is 1..64 bytes of [A-Za-z0-9._-], not "." or "..";
 *    a refused one gets XHE_USAGE and a message;
 *  - a parsed MAC formats to 17 canonical characters that parse back to the
 *    same bytes, and so does its bootpd form; canon agrees with parse;
 *  - a parsed IP is at most 15 characters and formats and re-parses to the
 *    same number;
 *  - a parsed subnet has 8 <= prefix <= 30, no host bits, and "base/prefix"
 *    re-parses to itself;
 *  - a derived MAC is canonical, locally administered and unicast.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void
check_name(const char *s)
{
	struct xherr err = XHERR_INIT;
	size_t i, n = strlen(s);

	if (ident_check_name(s, &err) == 0) {
		CHECK(n >= 1 && n <= IDENT_NAME_MAX);
		CHECK(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
		for (i = 0; i < n; i++)
			CHECK((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9') ||
			    s[i] == '.' || s[i] == '_' || s[i] == '-');
		CHECK(strchr(s, '/') == NULL);
	} else {
		CHECK(err.code == XHE_USAGE);
		CHECK(err.msg[0] != '\0' &&
		    memchr(err.msg, '\0', sizeof err.msg) != NULL);
		CHECK(ident_check_name(s, NULL) == -1);
	}
}

static void
check_mac(const char *s)
{
	unsigned char mac[6], again[6];
	char canon[IDENT_MAC_LEN], c2[IDENT_MAC_LEN], bp[IDENT_MAC_LEN];

	if (ident_mac_parse(s, mac) == -1) {
		CHECK(ident_mac_canon(s, canon) == -1);
		ident_mac_bootpd(s, bp);
		CHECK(bp[0] == '\0');
		return;
	}
	ident_mac_format(mac, canon);
	CHECK(strlen(canon) == 17);
	CHECK(ident_mac_canon(s, c2) == 0 && strcmp(c2, canon) == 0);
	CHECK(ident_mac_canon(canon, c2) == 0 && strcmp(c2, canon) == 0);
	CHECK(ident_mac_parse(canon, again) == 0 && memcmp(mac, again, 6) == 0);
	ident_mac_bootpd(canon, bp);
	CHECK(strlen(bp) >= 11 && strlen(bp) <= 17);
	CHECK(ident_mac_parse(bp, again) == 0 && memcmp(mac, again, 6) == 0);
	/* No octet of the bootpd form has a leading zero. */
	{
		const char *p = bp;
		while (*p) {
			size_t k = strcspn(p, ":");
			CHECK(k == 1 || (k == 2 && p[0] != '0'));
			p += k;
			if (*p == ':')
				p++;
		}
	}
	ident_mac_bootpd(s, c2);
	CHECK(strcmp(c2, bp) == 0);
}

static void
check_ip(const char *s)
{
	uint32_t ip, again;
	char out[IDENT_IP_LEN];

	if (ident_ip_parse(s, &ip) == -1)
		return;
	CHECK(strlen(s) <= 15);
	ident_ip_format(ip, out);
	CHECK(ident_ip_parse(out, &again) == 0 && again == ip);
}

static void
check_subnet(const char *s)
{
	uint32_t base, b2, mask;
	int prefix, p2;
	char ipbuf[IDENT_IP_LEN], back[40];

	if (ident_subnet_parse(s, &base, &prefix) == -1)
		return;
	CHECK(prefix >= 8 && prefix <= 30);
	mask = 0xffffffffu << (32 - prefix);
	CHECK((base & ~mask) == 0);
	ident_ip_format(base, ipbuf);
	snprintf(back, sizeof back, "%s/%d", ipbuf, prefix);
	CHECK(ident_subnet_parse(back, &b2, &p2) == 0 && b2 == base &&
	    p2 == prefix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char mac[IDENT_MAC_LEN], ipbuf[IDENT_IP_LEN];
	unsigned char raw[6], uuid[16];
	uint32_t ip = 0, again;
	size_t i;

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	check_name(s);
	check_mac(s);
	check_ip(s);
	check_subnet(s);

	memset(uuid, 0, sizeof uuid);
	memcpy(uuid, data, size < 16 ? size : 16);
	ident_mac_from_uuid(uuid, mac);
	CHECK(strlen(mac) == 17);
	CHECK(ident_mac_parse(mac, raw) == 0 && (raw[0] & 3) == 2);
	{
		char c[IDENT_MAC_LEN];
		CHECK(ident_mac_canon(mac, c) == 0 && strcmp(c, mac) == 0);
	}
	for (i = 0; i < 4 && i < size; i++)
		ip = ip << 8 | data[i];
	ident_ip_format(ip, ipbuf);
	CHECK(ident_ip_parse(ipbuf, &again) == 0 && again == ip);
	free(s);
	return 0;
}
