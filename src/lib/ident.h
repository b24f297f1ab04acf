/*
 * ident: pure checks and conversions for the things that name a machine:
 * its name, its MAC address and its IPv4 address. No I/O.
 *
 * Names: 1 to 64 characters from [A-Za-z0-9._-], not "." or "..", so a
 * name is always one safe path component under <store>/machines/.
 *
 * MACs are derived from the 16 UUID bytes with FNV-1a (64 bit): the first
 * octet has the locally-administered bit set and the multicast bit clear,
 * the other five come from the hash. The same UUID always gives the same
 * MAC, so a re-created machine gets back its reservation and its IP.
 */
#ifndef IDENT_H
#define IDENT_H

#include <stdint.h>

#include "xherr.h"

#define IDENT_NAME_MAX 64
#define IDENT_MAC_LEN 18	/* "xx:xx:xx:xx:xx:xx" + NUL */
#define IDENT_IP_LEN 16		/* "255.255.255.255" + NUL */

int ident_check_name(const char *name, struct xherr *err);

void ident_mac_from_uuid(const unsigned char uuid[16], char out[IDENT_MAC_LEN]);
/* Parse "a:b:c:d:e:f" with one or two hex digits per octet (bootpd writes
 * them without leading zeros). Returns 0 or -1. */
int ident_mac_parse(const char *s, unsigned char mac[6]);
/* The value of one hex digit (either case), or -1. */
int ident_hex_digit(int c);
/* Canonical form: lower case, two digits per octet. */
void ident_mac_format(const unsigned char mac[6], char out[IDENT_MAC_LEN]);
/* Canonicalise a MAC string in place of out; -1 if it does not parse. */
int ident_mac_canon(const char *s, char out[IDENT_MAC_LEN]);
/* bootpd's form: no leading zero in any octet ("02:f0:0d" -> "2:f0:d"). */
void ident_mac_bootpd(const char *canon, char out[IDENT_MAC_LEN]);

int ident_ip_parse(const char *s, uint32_t *ip);
void ident_ip_format(uint32_t ip, char out[IDENT_IP_LEN]);
/* "a.b.c.d/n" with 8 <= n <= 30; base is masked. */
int ident_subnet_parse(const char *s, uint32_t *base, int *prefix);

#endif
