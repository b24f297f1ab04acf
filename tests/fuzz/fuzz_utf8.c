/*
 * fuzz_utf8: libFuzzer target over utf8_valid and utf8_visible, through
 * which every string that may not be UTF-8 reaches JSON.
 *
 * Invariants checked (abort() on violation), on the input up to its first
 * NUL:
 *  - utf8_visible's copy is always valid UTF-8;
 *  - for valid input the copy is the input, byte for byte;
 *  - for invalid input the copy differs and is longer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *v;
	int valid;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	valid = utf8_valid(s);
	v = utf8_visible(s);
	CHECK(utf8_valid(v));
	if (valid)
		CHECK(strcmp(v, s) == 0);
	else
		CHECK(strcmp(v, s) != 0 && strlen(v) > strlen(s));
	free(v);
	free(s);
	return 0;
}
