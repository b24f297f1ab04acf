/* strv: a NULL-terminated, growable vector of strings (argv). */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
strv_init(struct strv *sv)
{
	sv->n = 0;
	sv->cap = 8;
	sv->v = xcalloc(sv->cap, sizeof *sv->v);
}

void
strv_add(struct strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap *= 2;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void
strv_addf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		s = xstrdup("");	/* unreachable short of OOM */
	strv_add(sv, s);
	free(s);
}

void
strv_release(struct strv *sv)
{
	size_t i;

	if (sv->v == NULL)
		return;
	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

char *
strv_join(const struct strv *sv, const char *sep)
{
	struct buf b;
	size_t i;
	char *s;

	buf_init(&b);
	for (i = 0; i < sv->n; i++) {
		if (i)
			buf_add(&b, sep, strlen(sep));
		buf_add(&b, sv->v[i], strlen(sv->v[i]));
	}
	buf_str(&b);
	s = b.p;
	return s;
}
