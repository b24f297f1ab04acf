/* ident: machine names, MAC derivation/parsing/bootpd form, IPv4, subnets. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "tap.h"
#include "helpers.h"

static int
name_ok(const char *name)
{
	struct xherr err = XHERR_INIT;

	return ident_check_name(name, &err) == 0;
}

static void
test_names(void)
{
	struct xherr err = XHERR_INIT;
	char n64[IDENT_NAME_MAX + 1], n65[IDENT_NAME_MAX + 2];

	memset(n64, 'a', sizeof n64 - 1);
	n64[sizeof n64 - 1] = '\0';
	memset(n65, 'b', sizeof n65 - 1);
	n65[sizeof n65 - 1] = '\0';

	ok(name_ok("default"), "a plain name is accepted");
	ok(name_ok("a"), "a one-character name is accepted");
	ok(name_ok("vm-01_test.local"), "letters, digits, '-', '_', '.'");
	ok(name_ok("ABCxyz019"), "upper and lower case and digits");
	ok(name_ok("a..b"), "\"a..b\" is one path component and is accepted");
	ok(name_ok("..."), "\"...\" is a plain file name and is accepted");
	ok(name_ok(".hidden"), "a leading dot is accepted");
	ok(name_ok("-x"), "a leading dash is accepted (never passed as an option)");
	is_int(strlen(n64), 64, "the 64-character name is 64 long");
	ok(name_ok(n64), "64 characters is the limit and is accepted");

	ok(ident_check_name("", &err) == -1, "an empty name is refused");
	is_int(err.code, XHE_USAGE, "empty: XHE_USAGE");
	is_str(err.msg, "machine name is empty", "empty: message");

	xherr_clear(&err);
	ok(ident_check_name(n65, &err) == -1, "65 characters is refused");
	is_int(err.code, XHE_USAGE, "too long: XHE_USAGE");
	is_str(err.msg, "machine name is 65 characters long, the limit is 64",
	    "too long: message names the length and the limit");

	xherr_clear(&err);
	ok(ident_check_name(".", &err) == -1, "\".\" is refused");
	is_str(err.msg, "machine name cannot be \".\"", "\".\": message");
	xherr_clear(&err);
	ok(ident_check_name("..", &err) == -1, "\"..\" is refused");
	is_str(err.msg, "machine name cannot be \"..\"", "\"..\": message");

	xherr_clear(&err);
	ok(ident_check_name("a/b", &err) == -1, "a slash is refused");
	is_int(err.code, XHE_USAGE, "slash: XHE_USAGE");
	ok(strstr(err.msg, "'/' at position 2") != NULL,
	    "slash: message names the character and position: %s", err.msg);
	ok(!name_ok("/abs"), "a leading slash is refused");
	ok(!name_ok("trailing/"), "a trailing slash is refused");
	ok(!name_ok("../escape"), "a relative escape is refused");

	xherr_clear(&err);
	ok(ident_check_name("my vm", &err) == -1, "a space is refused");
	ok(strstr(err.msg, "' ' at position 3") != NULL, "space: message: %s",
	    err.msg);
	ok(!name_ok("tab\there"), "a tab is refused");
	ok(!name_ok("nl\n"), "a newline is refused");
	ok(!name_ok("a\x7f"), "DEL is refused");
	ok(!name_ok("a:b"), "':' is refused");
	ok(!name_ok("a*b"), "'*' is refused");
	ok(!name_ok("a\\b"), "a backslash is refused");
	ok(!name_ok("$(x)"), "shell syntax is refused");

	xherr_clear(&err);
	ok(ident_check_name("caf\xc3\xa9", &err) == -1,
	    "UTF-8 letters (non-ASCII bytes) are refused");
	ok(strstr(err.msg, "byte 0xc3 at position 4") != NULL &&
	    strchr(err.msg, '\xc3') == NULL,
	    "a non-printable byte is named, not copied raw into the message: %s",
	    err.msg);
	ok(!name_ok("\xff"), "byte 0xff is refused");
	ok(!name_ok("\xe0\xa5\xa6"), "a non-ASCII digit (U+0966) is refused");
	ok(!name_ok("a\x01"), "a control character is refused");

	/* A NUL ends the name: the check sees only what precedes it, like
	 * every C consumer of the name. */
	ok(name_ok("good\0/bad"), "bytes after a NUL are not part of the name");

	ok(ident_check_name("a b", NULL) == -1, "a NULL err is allowed");
}

static void
test_mac_from_uuid(void)
{
	unsigned char u1[16], u2[16], zero[16] = { 0 }, ones[16];
	char a[IDENT_MAC_LEN], b[IDENT_MAC_LEN], c[IDENT_MAC_LEN];
	unsigned char mac[6];
	int i, all_good = 1, distinct = 1;

	for (i = 0; i < 16; i++)
		u1[i] = (unsigned char)i;
	memcpy(u2, u1, 16);
	u2[15] ^= 1;
	memset(ones, 0xff, sizeof ones);

	ident_mac_from_uuid(u1, a);
	ident_mac_from_uuid(u1, b);
	is_str(a, b, "the same UUID gives the same MAC");
	/* Golden values (FNV-1a 64, low 48 bits, first octet adjusted),
	 * computed independently: a change here would move every existing
	 * machine to a new MAC and a new IP. */
	is_str(a, "de:94:77:85:17:75", "UUID 00..0f gives the pinned MAC");
	ident_mac_from_uuid(zero, c);
	is_str(c, "1e:b9:60:ff:64:65", "the all-zero UUID gives the pinned MAC");
	{
		/* 4F1E5C2A-9B3D-4E6F-8A7B-1C2D3E4F5A6B */
		static const unsigned char u3[16] = { 0x4f, 0x1e, 0x5c, 0x2a,
		    0x9b, 0x3d, 0x4e, 0x6f, 0x8a, 0x7b, 0x1c, 0x2d, 0x3e, 0x4f,
		    0x5a, 0x6b };
		ident_mac_from_uuid(u3, c);
		is_str(c, "fe:17:ef:c6:63:55", "a v4 UUID gives the pinned MAC");
	}
	ident_mac_from_uuid(u2, b);
	ok(strcmp(a, b) != 0, "UUIDs differing in one bit give different MACs");
	is_int(strlen(a), 17, "the MAC is 17 characters");
	ok(ident_mac_parse(a, mac) == 0, "the derived MAC parses");
	ok(mac[0] & 0x02, "locally-administered bit set");
	ok(!(mac[0] & 0x01), "multicast bit clear");
	ident_mac_from_uuid(ones, c);
	ok(ident_mac_parse(c, mac) == 0 && (mac[0] & 3) == 2,
	    "all-ones UUID: bits still right (%s)", c);

	/* Many UUIDs: bits always right, the format always canonical, and no
	 * collision among a small sample. */
	{
		char seen[256][IDENT_MAC_LEN];
		unsigned char u[16];
		char canon[IDENT_MAC_LEN];
		int j;

		for (i = 0; i < 256; i++) {
			memset(u, 0, sizeof u);
			u[0] = (unsigned char)i;
			u[8] = (unsigned char)(255 - i);
			ident_mac_from_uuid(u, seen[i]);
			if (ident_mac_parse(seen[i], mac) == -1 ||
			    (mac[0] & 3) != 2 ||
			    ident_mac_canon(seen[i], canon) == -1 ||
			    strcmp(canon, seen[i]) != 0)
				all_good = 0;
			for (j = 0; j < i; j++)
				if (strcmp(seen[i], seen[j]) == 0)
					distinct = 0;
		}
		ok(all_good, "256 UUIDs: every MAC canonical, local, unicast");
		ok(distinct, "256 UUIDs: 256 distinct MACs");
	}
}

static void
check_canon(const char *in, const char *want)
{
	char out[IDENT_MAC_LEN] = "unchanged";

	if (want == NULL) {
		ok(ident_mac_canon(in, out) == -1, "MAC \"%s\" is refused",
		    vis(in));
		return;
	}
	ok(ident_mac_canon(in, out) == 0, "MAC \"%s\" parses", vis(in));
	is_str(out, want, "MAC \"%s\" canonical form", vis(in));
}

static void
test_mac_parse(void)
{
	unsigned char mac[6];
	char out[IDENT_MAC_LEN];
	static const unsigned char all[6] = { 0, 0x1, 0xab, 0xcd, 0xef, 0xff };

	ok(ident_mac_parse("02:f0:0d:60:01:03", mac) == 0, "parse canonical");
	ok(mac[0] == 0x02 && mac[1] == 0xf0 && mac[2] == 0x0d &&
	    mac[3] == 0x60 && mac[4] == 0x01 && mac[5] == 0x03,
	    "parse gives the right bytes");
	ident_mac_format(all, out);
	is_str(out, "00:01:ab:cd:ef:ff", "format: lower case, two digits");

	check_canon("52:54:00:00:00:11", "52:54:00:00:00:11");
	check_canon("52:54:00:AB:CD:EF", "52:54:00:ab:cd:ef");
	check_canon("2:f0:d:60:1:3", "02:f0:0d:60:01:03");
	check_canon("0:0:0:0:0:0", "00:00:00:00:00:00");
	check_canon("f:F:a:A:0:9", "0f:0f:0a:0a:00:09");
	check_canon("52-54-00-ab-cd-ef", "52:54:00:ab:cd:ef");
	check_canon("FF:FF:FF:FF:FF:FF", "ff:ff:ff:ff:ff:ff");

	check_canon("", NULL);
	check_canon("52:54:00:00:00", NULL);		/* five octets */
	check_canon("52:54:00:00:00:", NULL);		/* empty sixth */
	check_canon("52:54:00:00:00:11:22", NULL);	/* seven octets */
	check_canon("52:54:00:00:00:11:", NULL);	/* trailing separator */
	check_canon("52:54:00:00:00:11 ", NULL);	/* trailing space */
	check_canon(" 52:54:00:00:00:11", NULL);	/* leading space */
	check_canon("52:54:00:00:00:11x", NULL);	/* trailing junk */
	check_canon("52:54:00:00:00:111", NULL);	/* three digits */
	check_canon("520:54:00:00:00:11", NULL);	/* three digits */
	check_canon("52::54:00:00:00:11", NULL);	/* empty octet */
	check_canon("52:54:00:0g:00:11", NULL);		/* not hex */
	check_canon("52.54.00.00.00.11", NULL);		/* wrong separator */
	check_canon("525400000011", NULL);		/* no separators */
	check_canon("5254.0000.0011", NULL);		/* Cisco form */
	check_canon("1,52:54:00:00:00:11", NULL);	/* bootpd hw_address */
	check_canon(":52:54:00:00:00:11", NULL);
	/* '-' and ':' are accepted per separator, so they can be mixed. */
	check_canon("52-54:00-00:00-11", "52:54:00:00:00:11");
}

static void
check_bootpd(const char *in, const char *want)
{
	char out[IDENT_MAC_LEN];

	ident_mac_bootpd(in, out);
	is_str(out, want, "bootpd form of \"%s\"", vis(in));
}

static void
test_mac_bootpd(void)
{
	/* The original driver's unit test vector. */
	check_bootpd("02:f0:0d:60:01:03", "2:f0:d:60:1:3");
	check_bootpd("00:00:00:00:00:00", "0:0:0:0:0:0");
	check_bootpd("52:54:00:00:00:11", "52:54:0:0:0:11");
	check_bootpd("0a:0b:0c:0d:0e:0f", "a:b:c:d:e:f");
	check_bootpd("10:20:30:40:50:60", "10:20:30:40:50:60");
	check_bootpd("22:f0:9d:06:cf:32", "22:f0:9d:6:cf:32");	/* issue #15 */
	check_bootpd("aa:bb:cc:dd:ee:0f", "aa:bb:cc:dd:ee:f");	/* last octet */
	check_bootpd("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff");
	check_bootpd("2:f0:d:60:1:3", "2:f0:d:60:1:3");	/* idempotent */
	check_bootpd("not a mac", "");
	check_bootpd("", "");
}

static void
check_ip(const char *in, const char *want)
{
	uint32_t ip = 0xdeadbeef;
	char out[IDENT_IP_LEN];

	if (want == NULL) {
		ok(ident_ip_parse(in, &ip) == -1, "IP \"%s\" is refused",
		    vis(in));
		is_int(ip, 0xdeadbeef, "IP \"%s\": the output is untouched",
		    vis(in));
		return;
	}
	ok(ident_ip_parse(in, &ip) == 0, "IP \"%s\" parses", vis(in));
	ident_ip_format(ip, out);
	is_str(out, want, "IP \"%s\" formats back", vis(in));
}

static void
test_ip(void)
{
	uint32_t ip;
	char out[IDENT_IP_LEN];

	ok(ident_ip_parse("192.168.64.11", &ip) == 0 && ip == 0xc0a8400bu,
	    "192.168.64.11 is 0xc0a8400b");
	ident_ip_format(0, out);
	is_str(out, "0.0.0.0", "format 0");
	ident_ip_format(0xffffffffu, out);
	is_str(out, "255.255.255.255", "format all ones (15 characters)");
	ident_ip_format(0x0a000001u, out);
	is_str(out, "10.0.0.1", "format 10.0.0.1");

	check_ip("0.0.0.0", "0.0.0.0");
	check_ip("255.255.255.255", "255.255.255.255");
	check_ip("1.2.3.4", "1.2.3.4");
	/* Leading zeros: up to three digits per octet, read as decimal (not
	 * octal as inet_aton would): 010 is ten. */
	check_ip("010.001.000.099", "10.1.0.99");
	check_ip("000.000.000.000", "0.0.0.0");
	check_ip("0001.1.1.1", NULL);		/* four digits */
	check_ip("1.1.1.0001", NULL);

	check_ip("256.1.1.1", NULL);
	check_ip("1.1.1.256", NULL);
	check_ip("1.999.1.1", NULL);
	check_ip("1.2.3", NULL);		/* missing octet */
	check_ip("1.2.3.", NULL);		/* empty last octet */
	check_ip("1.2.3.4.", NULL);		/* trailing dot */
	check_ip("1.2.3.4.5", NULL);
	check_ip(".1.2.3.4", NULL);
	check_ip("1..2.3", NULL);
	check_ip("", NULL);
	check_ip("1.2.3.4 ", NULL);
	check_ip(" 1.2.3.4", NULL);
	check_ip("1.2.3.4/24", NULL);
	check_ip("-1.2.3.4", NULL);
	check_ip("+1.2.3.4", NULL);
	check_ip("0x7f.0.0.1", NULL);
	check_ip("127.1", NULL);		/* inet_aton shorthand */
	check_ip("2130706433", NULL);		/* one number */
	check_ip("1.2.3.4\n", NULL);
	check_ip("a.b.c.d", NULL);
}

static void
check_subnet(const char *in, const char *want_base, int want_prefix)
{
	uint32_t base = 0xdeadbeef;
	int prefix = -7;
	char out[IDENT_IP_LEN];

	if (want_base == NULL) {
		ok(ident_subnet_parse(in, &base, &prefix) == -1,
		    "subnet \"%s\" is refused", vis(in));
		ok(base == 0xdeadbeef && prefix == -7,
		    "subnet \"%s\": outputs untouched", vis(in));
		return;
	}
	ok(ident_subnet_parse(in, &base, &prefix) == 0, "subnet \"%s\" parses",
	    vis(in));
	ident_ip_format(base, out);
	is_str(out, want_base, "subnet \"%s\": base", vis(in));
	is_int(prefix, want_prefix, "subnet \"%s\": prefix", vis(in));
}

static void
test_subnet(void)
{
	check_subnet("192.168.64.0/24", "192.168.64.0", 24);
	check_subnet("192.168.64.1/24", "192.168.64.0", 24);	/* masked */
	check_subnet("192.168.64.255/24", "192.168.64.0", 24);
	check_subnet("10.1.2.3/8", "10.0.0.0", 8);		/* lowest */
	check_subnet("10.1.2.3/30", "10.1.2.0", 30);		/* highest */
	check_subnet("10.1.2.7/30", "10.1.2.4", 30);
	check_subnet("172.16.255.255/12", "172.16.0.0", 12);
	check_subnet("172.31.255.255/12", "172.16.0.0", 12);
	check_subnet("255.255.255.255/16", "255.255.0.0", 16);
	check_subnet("10.0.0.0/7", NULL, 0);
	check_subnet("10.0.0.0/31", NULL, 0);
	check_subnet("10.0.0.0/32", NULL, 0);
	check_subnet("10.0.0.0/0", NULL, 0);
	check_subnet("10.0.0.0/-24", NULL, 0);
	check_subnet("10.0.0.0/", NULL, 0);
	check_subnet("10.0.0.0", NULL, 0);
	check_subnet("/24", NULL, 0);
	check_subnet("10.0.0/24", NULL, 0);
	check_subnet("10.0.0.256/24", NULL, 0);
	check_subnet("10.0.0.0/24x", NULL, 0);
	check_subnet("10.0.0.0/24/8", NULL, 0);
	check_subnet("10.0.0.0/2.4", NULL, 0);
	check_subnet("10.0.0.0/0x18", NULL, 0);
	check_subnet("10.0.0.0/99999999999999999999", NULL, 0);
	check_subnet("1000.1000.1000.1000/24", NULL, 0);	/* long address */
	check_subnet("000000000000000000000000000000001/24", NULL, 0);
	check_subnet("", NULL, 0);
	check_subnet("10.0.0.0/24 ", NULL, 0);

	/* BUG (ident_subnet_parse): the prefix goes through strtol(), which
	 * skips leading white space and takes a sign, so these malformed
	 * strings are accepted as /24. The address part is strict (see
	 * test_ip), the prefix should be too: "a.b.c.d/n", n decimal. */
	check_subnet("10.0.0.0/ 24", NULL, 0);
	check_subnet("10.0.0.0/+24", NULL, 0);
	check_subnet("10.0.0.0/\t24", NULL, 0);
}

int
main(void)
{
	test_names();
	test_mac_from_uuid();
	test_mac_parse();
	test_mac_bootpd();
	test_ip();
	test_subnet();
	return tap_done();
}
