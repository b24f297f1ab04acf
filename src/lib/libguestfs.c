#include "libguestfs.h"

#include "dlbind.h"

#include <pthread.h>
#include <stdlib.h>

#define GFS_SONAME "libguestfs.so.0"

struct gfs_api gfs;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[200];

#define GFS_NAME(ret, name, args) #name,
static const char *const names[] = { GFS_FUNCS(GFS_NAME) };
#undef GFS_NAME
#define GFS_COUNT (sizeof names / sizeof names[0])

static void
load(void)
{
	/* XHINV_LIBGUESTFS: another build of the library (or, in tests, one
	 * that is not there). */
	const char *so = getenv("XHINV_LIBGUESTFS");
	void *slots[GFS_COUNT];
	size_t i = 0;

	if (dl_bind(so && *so ? so : GFS_SONAME, names, slots, GFS_COUNT, failure,
	    sizeof failure) == -1)
		return;
#define GFS_SET(ret, name, args) *(void **)&gfs.name = slots[i++];
	GFS_FUNCS(GFS_SET)
#undef GFS_SET
}

int
gfs_load(struct xherr *err)
{
	pthread_once(&once, load);
	if (failure[0] != '\0')
		return xherr_set(err, XHE_NOTFOUND, "ext4 disks are made with "
		    "libguestfs: %s (install libguestfs0, or use the raw or "
		    "qcow2 format, which need nothing)", failure);
	return 0;
}
