/*
 * xherr: error reporting for library code.
 *
 * Library functions never print or exit. They return 0 / -1 (or a pointer /
 * NULL) and describe the failure in a caller-supplied struct xherr:
 *
 *	struct xherr err = XHERR_INIT;
 *	if (inv_open(&inv, path, INV_RW, &err) == -1)
 *		die("%s", err.msg);
 *
 * xherr_set() returns -1 so a failure reads
 *	return xherr_set(err, XHE_NOTFOUND, "no machine named %s", name);
 * A NULL err is allowed: the details are then dropped.
 *
 * xmalloc() and friends abort on out-of-memory; nothing here can recover
 * from that and a half-handled NULL is worse than a clean abort.
 */
#ifndef XHERR_H
#define XHERR_H

#include <stddef.h>
#include <stdarg.h>

enum xherr_code {
	XHE_OK = 0,
	XHE_FAIL,	/* generic failure */
	XHE_USAGE,	/* bad argument from the user (CLI exit 2) */
	XHE_INVAL,	/* bad value (name, size, uuid, file content) */
	XHE_NOTFOUND,	/* no such machine, file, lease ... */
	XHE_EXISTS,	/* duplicate name, file already there */
	XHE_STATE,	/* wrong state for the operation (running, stopped) */
	XHE_IO,		/* system call failed */
	XHE_DB,		/* SQLite failed */
	XHE_PERM,	/* missing privilege */
	XHE_TIMEOUT,	/* bounded wait ran out */
	XHE_VERSION,	/* database newer than this binary */
	XHE_CANCELLED,	/* interrupted (SIGINT, SIGTERM) before it finished */
};

struct xherr {
	int code;
	char msg[512];		/* room for two URLs and a cause */
};

#define XHERR_INIT { XHE_OK, "" }

#if defined(__GNUC__)
#define XH_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define XH_NORETURN __attribute__((noreturn))
#else
#define XH_PRINTF(a, b)
#define XH_NORETURN
#endif

/* Fill err (if not NULL) and return -1. */
int xherr_set(struct xherr *err, int code, const char *fmt, ...) XH_PRINTF(3, 4);
int xherr_vset(struct xherr *err, int code, const char *fmt, va_list ap);
/* Like xherr_set, appending ": strerror(errno)" (errno as it was on entry). */
int xherr_sys(struct xherr *err, const char *fmt, ...) XH_PRINTF(2, 3);
/* Prefix an existing message: "what: <old message>". Keeps the code. */
int xherr_wrap(struct xherr *err, const char *fmt, ...) XH_PRINTF(2, 3);
void xherr_clear(struct xherr *err);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf that aborts on out-of-memory; the result is the caller's. */
char *xasprintf(const char *fmt, ...) XH_PRINTF(1, 2);

#endif
