/*
 * fuzz_proc_stat: libFuzzer target over proc_parse_stat, the reader of
 * Linux's /proc/PID/stat that every state check goes through. The input is
 * the file's text, exactly size bytes (no NUL added: reading past it is
 * caught by ASan).
 *
 * Invariants checked (abort() on violation):
 *  - a success means the text has a ')' followed by " S " (a state byte
 *    between spaces), and at least 20 more fields after the state;
 *  - the start time it gives is the decimal number that starts field 22,
 *    re-parsed here independently;
 *  - appending " 0 0\n" after a success changes nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

/* Field 22, read here another way: the text after the 20th space that
 * follows the last ')' (one before the state, one after each of fields 3
 * to 21). */
static int
field22(const char *s, size_t n, uint64_t *v)
{
	size_t i, rp = n;
	int spaces = 0;

	for (i = 0; i < n; i++)
		if (s[i] == ')')
			rp = i;
	if (rp == n)
		return -1;
	for (i = rp + 1; i < n && spaces < 20; i++)
		if (s[i] == ' ')
			spaces++;
	if (spaces < 20 || i == n)
		return -1;
	*v = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 5), state, state2;
	uint64_t start, start2, want;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	if (proc_parse_stat(s, size, &state, &start) == 0) {
		CHECK(field22(s, size, &want) == 0);
		CHECK(start == want);
		memcpy(s + size, " 0 0\n", 5);
		CHECK(proc_parse_stat(s, size + 5, &state2, &start2) == 0);
		CHECK(state2 == state && start2 == start);
	}
	free(s);
	return 0;
}
