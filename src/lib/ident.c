#include "ident.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
ident_check_name(const char *name, struct xherr *err)
{
	size_t i, n = strlen(name);

	if (n == 0)
		return xherr_set(err, XHE_USAGE, "machine name is empty");
	if (n > IDENT_NAME_MAX)
		return xherr_set(err, XHE_USAGE,
		    "machine name is %zu characters long, the limit is %d",
		    n, IDENT_NAME_MAX);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return xherr_set(err, XHE_USAGE,
		    "machine name cannot be \"%s\"", name);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (isalnum(c) && c < 0x80)
			continue;
		if (c == '-' || c == '_' || c == '.')
			continue;
		/* Show the name, but never raw control bytes on a terminal. */
		char shown[IDENT_NAME_MAX + 1];
		size_t k;
		for (k = 0; k < n; k++)
			shown[k] = name[k] >= 0x20 && name[k] < 0x7f ?
			    name[k] : '?';
		shown[n] = '\0';
		if (c < 0x20 || c >= 0x7f)
			return xherr_set(err, XHE_USAGE, "machine name \"%s\" has "
			    "byte 0x%02x at position %zu: use only letters, "
			    "digits, '-', '_' and '.'", shown, c, i + 1);
		return xherr_set(err, XHE_USAGE,
		    "machine name \"%s\" has '%c' at position %zu: use only "
		    "letters, digits, '-', '_' and '.'", shown, c, i + 1);
	}
	return 0;
}

void
ident_mac_from_uuid(const unsigned char uuid[16], char out[IDENT_MAC_LEN])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char mac[6];
	int i;

	for (i = 0; i < 16; i++) {
		h ^= uuid[i];
		h *= 0x100000001b3ULL;
	}
	for (i = 0; i < 6; i++)
		mac[i] = (unsigned char)(h >> (8 * (5 - i)));
	mac[0] = (unsigned char)((mac[0] & 0xfc) | 0x02);
	ident_mac_format(mac, out);
}

int
ident_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ident_mac_parse(const char *s, unsigned char mac[6])
{
	int i;

	for (i = 0; i < 6; i++) {
		int a = ident_hex_digit((unsigned char)s[0]), b;
		if (a < 0)
			return -1;
		b = ident_hex_digit((unsigned char)s[1]);
		if (b >= 0) {
			mac[i] = (unsigned char)(a * 16 + b);
			s += 2;
		} else {
			mac[i] = (unsigned char)a;
			s += 1;
		}
		if (i < 5) {
			if (*s != ':' && *s != '-')
				return -1;
			s++;
		}
	}
	return *s == '\0' ? 0 : -1;
}

/* Lease files hold thousands of these: format without printf's
 * machinery (it was most of a 10,000-lease parse). */
static const char hex[] = "0123456789abcdef";

void
ident_mac_format(const unsigned char mac[6], char out[IDENT_MAC_LEN])
{
	char *o = out;

	for (int i = 0; i < 6; i++) {
		if (i > 0)
			*o++ = ':';
		*o++ = hex[mac[i] >> 4];
		*o++ = hex[mac[i] & 15];
	}
	*o = '\0';
}

int
ident_mac_canon(const char *s, char out[IDENT_MAC_LEN])
{
	unsigned char mac[6];

	if (ident_mac_parse(s, mac) == -1)
		return -1;
	ident_mac_format(mac, out);
	return 0;
}

void
ident_mac_bootpd(const char *canon, char out[IDENT_MAC_LEN])
{
	unsigned char mac[6];

	if (ident_mac_parse(canon, mac) == -1) {
		out[0] = '\0';
		return;
	}
	char *o = out;

	for (int i = 0; i < 6; i++) {
		if (i > 0)
			*o++ = ':';
		if (mac[i] >> 4)
			*o++ = hex[mac[i] >> 4];
		*o++ = hex[mac[i] & 15];
	}
	*o = '\0';
}

/*
 * By hand, on purpose: lease files and exports spell addresses with
 * leading zeros ("010.001.000.099") that must read as decimal. inet_pton
 * refuses them and inet_aton reads them as octal; formatting is
 * inet_ntop's.
 */
int
ident_ip_parse(const char *s, uint32_t *ip)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int n = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s - '0');
			if (++digits > 3 || n > 255)
				return -1;
			s++;
		}
		if (digits == 0)
			return -1;
		v = (v << 8) | (uint32_t)n;
		if (i < 3) {
			if (*s != '.')
				return -1;
			s++;
		}
	}
	if (*s != '\0')
		return -1;
	*ip = v;
	return 0;
}

void
ident_ip_format(uint32_t ip, char out[IDENT_IP_LEN])
{
	struct in_addr a = { .s_addr = htonl(ip) };

	if (inet_ntop(AF_INET, &a, out, IDENT_IP_LEN) == NULL)
		out[0] = '\0';	/* cannot happen: IDENT_IP_LEN holds any */
}

int
ident_subnet_parse(const char *s, uint32_t *base, int *prefix)
{
	char addr[IDENT_IP_LEN];
	const char *slash = strchr(s, '/');
	char *end;
	long n;
	uint32_t ip, mask;

	if (slash == NULL || (size_t)(slash - s) >= sizeof addr)
		return -1;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (ident_ip_parse(addr, &ip) == -1)
		return -1;
	/* One or two digits and nothing else (strtol would take " +24"). */
	end = (char *)slash + 1;
	for (n = 0; *end >= '0' && *end <= '9' && end - slash <= 2; end++)
		n = n * 10 + (*end - '0');
	if (*end != '\0' || end == slash + 1 || n < 8 || n > 30)
		return -1;
	mask = 0xffffffffu << (32 - n);
	*base = ip & mask;
	*prefix = (int)n;
	return 0;
}
