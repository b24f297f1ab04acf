#include "libcurl.h"

#include "dlbind.h"

#include <pthread.h>
#include <stdio.h>

#ifdef __APPLE__
#define CU_SONAME "libcurl.4.dylib"
#else
#define CU_SONAME "libcurl.so.4"
#endif

struct cu_api cu;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[200];

#define CU_NAME(ret, name, args) #name,
static const char *const names[] = { CU_FUNCS(CU_NAME) };
#undef CU_NAME
#define CU_COUNT (sizeof names / sizeof names[0])

static void
load(void)
{
	void *slots[CU_COUNT];
	size_t i = 0;

	if (dl_bind(CU_SONAME, names, slots, CU_COUNT, failure,
	    sizeof failure) == -1)
		return;
	/* POSIX lets a dlsym result be used as a function pointer. */
#define CU_SET(ret, name, args) *(void **)&cu.name = slots[i++];
	CU_FUNCS(CU_SET)
#undef CU_SET
	if (cu.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		snprintf(failure, sizeof failure, "curl_global_init failed");
}

int
cu_load(struct xherr *err)
{
	pthread_once(&once, load);
	if (failure[0] != '\0')
		return xherr_set(err, XHE_FAIL, "%s (install libcurl4)", failure);
	return 0;
}
