/* utf8: well-formed UTF-8 and the visible copy of what is not. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

static void
visible(const char *in, const char *want, const char *what)
{
	char *v = utf8_visible(in);

	is_str(v, want, "%s", what);
	ok(utf8_valid(v), "%s: the copy is UTF-8", what);
	free(v);
}

int
main(void)
{
	static const struct {
		const char *s;
		int valid;
		const char *what;
	} cases[] = {
		{ "", 1, "empty" },
		{ "ascii only", 1, "ASCII" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", 1, "2, 3 and 4 bytes" },
		{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf", 1, "U+FFFF and U+10FFFF" },
		{ "\xff", 0, "0xff" },
		{ "\xc3", 0, "a cut 2-byte sequence" },
		{ "\xe2\x82", 0, "a cut 3-byte sequence" },
		{ "\xc0\xaf", 0, "an overlong '/'" },
		{ "\xe0\x80\xaf", 0, "an overlong 3-byte '/'" },
		{ "\xed\xa0\x80", 0, "a surrogate" },
		{ "\xf4\x90\x80\x80", 0, "above U+10FFFF" },
		{ "\x80", 0, "a lone continuation byte" },
		{ "latin-1 na\xefve.iso", 0, "a Latin-1 file name" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int(utf8_valid(cases[i].s), cases[i].valid, "%s", cases[i].what);
	visible("plain", "plain", "valid text is copied as it is");
	visible("caf\xc3\xa9", "caf\xc3\xa9", "and so is valid UTF-8");
	visible("\xff", "\\xff", "0xff becomes \\xff");
	visible("na\xefve.iso", "na\\xefve.iso", "Latin-1 bytes become \\xNN");
	visible("\xe2\x82" "x", "\\xe2\\x82x", "a cut sequence: each byte");
	visible("\xc0\xaf", "\\xc0\\xaf", "an overlong form: each byte");
	return tap_done();
}
