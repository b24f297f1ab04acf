#include "arc.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifdef __APPLE__
#define ARC_SONAME "libarchive.13.dylib"
#else
#define ARC_SONAME "libarchive.so.13"
#endif

struct arc_api arc;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[200];

static void
load(void)
{
	void *h = dlopen(ARC_SONAME, RTLD_NOW | RTLD_LOCAL);
	void *sym;

	if (h == NULL) {
		snprintf(failure, sizeof failure, "cannot load %s: %s",
		    ARC_SONAME, dlerror());
		return;
	}
	/* The cast from void * is what POSIX dlsym promises to allow. */
#define ARC_SYM(ret, name, args)					\
	if ((sym = dlsym(h, #name)) == NULL) {				\
		snprintf(failure, sizeof failure, "%s has no %s",	\
		    ARC_SONAME, #name);					\
		return;							\
	}								\
	*(void **)&arc.name = sym;
	ARC_FUNCS(ARC_SYM)
#undef ARC_SYM
}

int
arc_load(struct xherr *err)
{
	pthread_once(&once, load);
	if (failure[0] != '\0')
		return xherr_set(err, XHE_FAIL, "%s (install libarchive13)",
		    failure);
	return 0;
}
