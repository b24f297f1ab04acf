/*
 * fixture.h: read a test fixture whole; a missing one is a failed test
 * (and an empty string, so the test goes on). Include after tap.h.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stdlib.h>

#include "util.h"
#include "xherr.h"

static char *__attribute__((unused))
fixture_read(const char *dir, const char *name, size_t *len)
{
	struct xherr err = XHERR_INIT;
	char *path = xasprintf("%s%s", dir, name), *data;

	if (util_read_file(path, 1 << 20, &data, len, &err) == -1) {
		ok(0, "read fixture %s: %s", path, err.msg);
		data = xstrdup("");
		*len = 0;
	}
	free(path);
	return data;
}

#endif
