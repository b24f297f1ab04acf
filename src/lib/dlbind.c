#include "dlbind.h"

#include <dlfcn.h>
#include <stdio.h>

int
dl_bind(const char *soname, const char *const *names, void **slots, size_t n,
    char *failure, size_t flen)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (h == NULL) {
		snprintf(failure, flen, "cannot load %s: %s", soname, dlerror());
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((slots[i] = dlsym(h, names[i])) == NULL) {
			snprintf(failure, flen, "%s has no %s", soname, names[i]);
			return -1;
		}
	}
	return 0;
}
