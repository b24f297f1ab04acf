/* fuzz_release: GitHub's releases/latest answer. A success has a tag
 * without '/' and an http(s) download URL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xherr err = XHERR_INIT;
	char *tag, *url;

	if (cache_parse_release((const char *)data, size,
	    "https://api.github.com/repos/o/r/releases/latest", &tag, &url,
	    &err) == 0) {
		if (tag == NULL || url == NULL || *tag == '\0' ||
		    strchr(tag, '/') != NULL ||
		    (strncmp(url, "http://", 7) != 0 &&
		    strncmp(url, "https://", 8) != 0))
			abort();
		free(tag);
		free(url);
	} else if (tag != NULL || url != NULL) {
		abort();	/* a failure hands back nothing */
	}
	return 0;
}
