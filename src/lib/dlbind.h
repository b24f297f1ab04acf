/*
 * dlbind: bind a table of functions from a shared library opened at run
 * time. libarchive.c, libcurl.c and libguestfs.c use it to load their
 * library on first use instead of at every process start.
 *
 *	static const char *const names[] = { "curl_easy_init", ... };
 *	void *slots[N];
 *	dl_bind("libcurl.so.4", names, slots, N, failure, sizeof failure);
 */
#ifndef DLBIND_H
#define DLBIND_H

#include <stddef.h>

/* Returns 0, or -1 with failure set ("cannot load X: why" / "X has no f"). */
int dl_bind(const char *soname, const char *const *names, void **slots,
    size_t n, char *failure, size_t flen);

#endif
