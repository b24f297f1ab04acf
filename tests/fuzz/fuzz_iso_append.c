/*
 * fuzz_iso_append: libFuzzer target over iso_parse_append (the input is an
 * isolinux.cfg) and, on the same bytes as a path, iso_is_kernel_name and
 * iso_is_initrd_name.
 *
 * Invariants: a found command line is non-empty, has no control character
 * (below 0x20, or 0x7f), does not start with a blank, occurs in the input,
 * and sits on a line whose indentation holds a tab or two blanks and
 * whose first word is "append" (any case); none found means *cmdline NULL.
 * The same input gives the same answer twice.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

/* Is the occurrence at off on an indented "append" line? */
static int
on_append_line(const char *s, size_t size, size_t off)
{
	size_t b = off, ws = 0;
	int tab = 0;

	while (b > 0 && s[b - 1] != '\n')
		b--;
	while (b < size && (s[b] == ' ' || s[b] == '\t')) {
		tab |= s[b] == '\t';
		ws++;
		b++;
	}
	return (tab || ws >= 2) && b + 7 <= off &&
	    strncasecmp(s + b, "append", 6) == 0 &&
	    (s[b + 6] == ' ' || s[b + 6] == '\t');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cfg = (const char *)data;
	char *cmd = (char *)"unset", *again = NULL, *path;
	int r;

	r = iso_parse_append(cfg, size, &cmd);
	CHECK(r == 0 || r == 1);
	if (r == 0) {
		CHECK(cmd == NULL);
	} else {
		size_t n, i, off;
		const char *hit = NULL;

		CHECK(cmd != NULL);
		n = strlen(cmd);
		CHECK(n > 0 && n < size);
		CHECK(cmd[0] != ' ' && cmd[0] != '\t');
		for (i = 0; i < n; i++)
			CHECK((unsigned char)cmd[i] >= 0x20 &&
			    (unsigned char)cmd[i] != 0x7f);
		/* Some occurrence of cmd lies on an indented append line. */
		for (off = 0; off + n <= size; off++)
			if (memcmp(cfg + off, cmd, n) == 0 &&
			    on_append_line(cfg, size, off)) {
				hit = cfg + off;
				break;
			}
		CHECK(hit != NULL);
		CHECK(iso_parse_append(cfg, size, &again) == 1 &&
		    strcmp(again, cmd) == 0);
		free(again);
		free(cmd);
	}

	/* The same bytes as a member path. */
	path = malloc(size + 1);
	CHECK(path != NULL);
	memcpy(path, data, size);
	path[size] = '\0';
	r = iso_is_kernel_name(path);
	CHECK(r == 0 || r == 1);
	if (r) {
		const char *b = strrchr(path, '/');
		b = b ? b + 1 : path;
		CHECK(strncmp(b, "vmlinuz", 7) == 0 ||
		    strncmp(b, "vmlinux", 7) == 0 || strncmp(b, "bzImage", 7) == 0);
		CHECK(strspn(b + 7, "0123456789") == strlen(b + 7));
	}
	r = iso_is_initrd_name(path);
	CHECK(r == 0 || r == 1);
	free(path);
	return 0;
}
