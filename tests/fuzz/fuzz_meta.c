/* fuzz_meta: a cache entry's .meta file. A parse that succeeds formats to
 * metadata that parses back to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xherr err = XHERR_INIT;
	struct cache_entry a, b;
	char *s, *t;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (cache_parse_meta((const char *)data, size, &a, &err) == 0) {
		s = cache_format_meta(&a);
		if (cache_parse_meta(s, strlen(s), &b, &err) == -1)
			abort();
		t = cache_format_meta(&b);
		if (strcmp(s, t) != 0)
			abort();
		free(s);
		free(t);
	}
	cache_entry_release(&a);
	cache_entry_release(&b);
	return 0;
}
