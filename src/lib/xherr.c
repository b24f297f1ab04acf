#include "xherr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
xherr_vset(struct xherr *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err->code = code;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return -1;
}

int
xherr_set(struct xherr *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xherr_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
xherr_sys(struct xherr *err, const char *fmt, ...)
{
	int saved = errno;
	int code = XHE_IO;
	va_list ap;
	size_t len;

	if (err == NULL)
		return -1;
	if (saved == EACCES || saved == EPERM)
		code = XHE_PERM;
	else if (saved == ENOENT)
		code = XHE_NOTFOUND;
	else if (saved == EEXIST)
		code = XHE_EXISTS;
	va_start(ap, fmt);
	xherr_vset(err, code, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof err->msg - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int
xherr_wrap(struct xherr *err, const char *fmt, ...)
{
	char old[sizeof err->msg];
	va_list ap;
	size_t len;

	if (err == NULL)
		return -1;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof err->msg - len, ": %s", old);
	if (err->code == XHE_OK)
		err->code = XHE_FAIL;
	return -1;
}

void
xherr_clear(struct xherr *err)
{
	if (err != NULL) {
		err->code = XHE_OK;
		err->msg[0] = '\0';
	}
}

static void XH_NORETURN
oom(size_t n)
{
	fprintf(stderr, "out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom(strlen(s) + 1);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom(n + 1);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom(strlen(fmt));
	return p;
}
