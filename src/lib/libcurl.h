/*
 * libcurl, loaded on first use (as libarchive.h loads libarchive); its
 * functions are called through the table cu. Only the
 * cache calls it. Linked normally, libcurl and the TLS, HTTP/2, LDAP and
 * Kerberos libraries it brings cost every process start about 12 ms and
 * 6 MB; xhinv ls and the plugin's GetState never download anything.
 *
 *	if (cu_load(&err) == -1) return -1;
 *	CURL *c = cu.curl_easy_init();
 */
#ifndef LIBCURL_H
#define LIBCURL_H

/* Plain prototypes: the type-checking macros of typecheck-gcc.h would
 * rewrite cu.curl_easy_setopt(...) into something that is not a call. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "xherr.h"

#define CU_FUNCS(X) \
	X(CURLcode, curl_global_init, (long)) \
	X(CURL *, curl_easy_init, (void)) \
	X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...)) \
	X(CURLcode, curl_easy_perform, (CURL *)) \
	X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...)) \
	X(void, curl_easy_cleanup, (CURL *)) \
	X(const char *, curl_easy_strerror, (CURLcode)) \
	X(CURLHcode, curl_easy_header, (CURL *, const char *, size_t, \
	    unsigned int, int, struct curl_header **)) \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *)) \
	X(void, curl_slist_free_all, (struct curl_slist *))

#define CU_PTR(ret, name, args) ret (*name) args;
struct cu_api {
	CU_FUNCS(CU_PTR)
};
#undef CU_PTR

extern struct cu_api cu;

/* Load libcurl and run curl_global_init (once, thread-safe). */
int cu_load(struct xherr *err);

#endif
