/* lease: a set of DHCP leases, whoever wrote them (dnsmasq: lease_dnsmasq.c;
 * bootpd: lease_bootpd.c), and the one rule for the lease a MAC holds. */
#include "lease.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

void
lease_set_bad(struct lease_set *ls, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (ls->nbad == ls->badcap) {
		ls->badcap = ls->badcap ? ls->badcap * 2 : 8;
		ls->bad = xrealloc(ls->bad, ls->badcap * sizeof *ls->bad);
	}
	ls->bad[ls->nbad].line = line;
	ls->bad[ls->nbad].mac[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(ls->bad[ls->nbad].msg, sizeof ls->bad[0].msg, fmt, ap);
	va_end(ap);
	ls->nbad++;
}

void
lease_set_release(struct lease_set *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++) {
		free(ls->v[i].hostname);
		free(ls->v[i].client_id);
	}
	free(ls->v);
	free(ls->bad);
	memset(ls, 0, sizeof *ls);
}

int
lease_expired(const struct lease_set *ls, const struct lease *l, int64_t now)
{
	if (l->expires == 0)
		return 0;
	return ls->valid_at_expiry ? l->expires < now : l->expires <= now;
}

const struct lease *
lease_best(const struct lease_set *ls, int64_t now,
    int (*match)(const struct lease *l, const void *arg), const void *arg)
{
	const struct lease *best = NULL;
	size_t i;

	for (i = 0; i < ls->n; i++) {
		const struct lease *l = &ls->v[i];
		if (!match(l, arg) || lease_expired(ls, l, now))
			continue;
		/* 0 means never: it outlives every dated lease. */
		if (best == NULL || l->expires == 0 ||
		    (best->expires != 0 && l->expires > best->expires))
			best = l;
	}
	return best;
}

static int
mac_is(const struct lease *l, const void *canon)
{
	return strcmp(l->mac, canon) == 0;
}

const struct lease *
lease_find(const struct lease_set *ls, const char *mac, int64_t now)
{
	char canon[IDENT_MAC_LEN];

	if (ident_mac_canon(mac, canon) == -1)
		return NULL;
	return lease_best(ls, now, mac_is, canon);
}
