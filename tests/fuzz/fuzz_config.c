/*
 * fuzz_config: the driver's JSON config (SetConfigRaw). Invariants: a parse
 * either fails and leaves the config exactly as it was, or succeeds and
 * the result formats to JSON that parses back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, d;
	struct xherr err = XHERR_INIT;	/* a real one: messages get built */
	char *before, *after, *again;

	config_init(&c);
	before = config_format(&c);
	if (config_parse(&c, (const char *)data, size, &err) == -1) {
		after = config_format(&c);
		if (strcmp(before, after) != 0)
			abort();	/* a failed parse changed the config */
		free(after);
	} else {
		after = config_format(&c);
		config_init(&d);
		if (config_parse(&d, after, strlen(after), &err) == -1)
			abort();	/* our own output must parse */
		again = config_format(&d);
		if (strcmp(after, again) != 0)
			abort();	/* and be stable */
		free(again);
		free(after);
		config_release(&d);
	}
	free(before);
	config_release(&c);
	return 0;
}
