#include "libarchive.h"

#include "dlbind.h"

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

#define ARC_NAME(ret, name, args) #name,
static const char *const names[] = { ARC_FUNCS(ARC_NAME) };
#undef ARC_NAME
#define ARC_COUNT (sizeof names / sizeof names[0])

static void
load(void)
{
	void *slots[ARC_COUNT];
	size_t i = 0;

	if (dl_bind(ARC_SONAME, names, slots, ARC_COUNT, failure,
	    sizeof failure) == -1)
		return;
	/* POSIX lets a dlsym result be used as a function pointer. */
#define ARC_SET(ret, name, args) *(void **)&arc.name = slots[i++];
	ARC_FUNCS(ARC_SET)
#undef ARC_SET
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
