/*
 * fuzz_disk_size: libFuzzer target over disk_parse_size, which reads the
 * SIZE of `xhinv disk resize` (and any disk size a user writes). The input,
 * up to its first NUL, is the text.
 *
 * Invariants checked (abort() on violation):
 *  - a result is -1 or within 1..DISK_MAX_MB;
 *  - a success means digits, then at most one of M/G/T in either case, and
 *    nothing else;
 *  - the result written back as decimal MiB parses to itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), back[32];
	int64_t mb;
	size_t i, n;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);
	mb = disk_parse_size(s);
	CHECK(mb == -1 || (mb >= 1 && mb <= DISK_MAX_MB));
	if (mb != -1) {
		for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		CHECK(i >= 1);
		CHECK(i == n || (i == n - 1 && strchr("MmGgTt", s[i]) != NULL));
		snprintf(back, sizeof back, "%lld", (long long)mb);
		CHECK(disk_parse_size(back) == mb);
	}
	free(s);
	return 0;
}
