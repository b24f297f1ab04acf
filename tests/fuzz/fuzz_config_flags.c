/*
 * fuzz_config_flags: libFuzzer target over config_set_flags
 * (SetConfigFromFlags: the create flags docker-machine sends as an
 * interface holding *rpcdriver.RPCFlags). The input is a gob stream as in
 * fuzz_gob; every top-level value decoded from it is applied to a fresh
 * config, the way driver.c passes the call's argument.
 *
 * Invariants checked (abort() on violation, so libFuzzer keeps the input):
 *  - a refusal says why and leaves the config exactly as it was;
 *  - a success sets SSHUser "docker" and SSHPort 22, and the result
 *    formats to JSON that config_parse reads back to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)
#define MAX_VALUES 64	/* bound the work per input */

static void
check_flags(const struct gob_value *v)
{
	/* The defaults, formatted once: jansson is most of the time here. */
	static char *defaults;
	struct xherr err = XHERR_INIT;
	struct config c, d;
	char *after, *again;

	config_init(&c);
	if (defaults == NULL)
		defaults = config_format(&c);
	if (config_set_flags(&c, v, &err) == -1) {
		CHECK(err.code != XHE_OK && err.msg[0] != '\0');
		after = config_format(&c);
		CHECK(strcmp(defaults, after) == 0);
	} else {
		CHECK(c.ssh_user != NULL && strcmp(c.ssh_user, "docker") == 0);
		CHECK(c.ssh_port == 22);
		after = config_format(&c);
		config_init(&d);
		CHECK(config_parse(&d, after, strlen(after), &err) == 0);
		again = config_format(&d);
		CHECK(strcmp(after, again) == 0);
		free(again);
		config_release(&d);
	}
	free(after);
	config_release(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gob_decoder *dec = gob_decoder_new();
	struct xherr err = XHERR_INIT;
	size_t start = 0, n;
	int i;

	for (i = 0; i < MAX_VALUES && start < size; i++) {
		struct gob_value *v = NULL;

		if (gob_decode(dec, data + start, size - start, &n, &v,
		    &err) != 1)
			break;
		CHECK(n > 0 && n <= size - start);
		check_flags(v);
		gob_value_free(v);
		start += n;
	}
	/* No argument at all (a nil interface) is refused too. */
	if (size == 0)
		check_flags(NULL);
	gob_decoder_free(dec);
	return 0;
}
