/*
 * fuzz_gob: libFuzzer target over the gob decoder. The input is one byte
 * stream (the client's direction of a connection, after the CONNECT line):
 * values are decoded one after another with one decoder, as rpc.c does,
 * until an error or a short read. A size that is a multiple of 3 switches
 * to feeding the stream in growing pieces (exercising "need more, retry from
 * the same start") and to small limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct gob_value *v)
{
	const struct gob_value *u = gob_unwrap(v);
	int64_t i;
	uint64_t n;
	int b;
	size_t len, k;

	(void)gob_int(u, &i);
	(void)gob_uint(u, &n);
	(void)gob_bool(u, &b);
	(void)gob_str(u, &len);
	(void)gob_field(u, "ServiceMethod");
	(void)gob_map_get(u, "driver");
	for (k = 0; k < gob_len(u) && k < 4; k++)
		walk(gob_item(u, k));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gob_decoder *dec = gob_decoder_new();
	struct xherr err = XHERR_INIT;
	size_t start = 0, avail, n;
	int pieces = 0, rc;

	if (size % 3 == 0) {
		pieces = 1;
		gob_decoder_set_limits(dec, 4096, 8, 256);
	}
	avail = pieces ? 0 : size;
	for (;;) {
		struct gob_value *v = NULL;

		rc = gob_decode(dec, data + start, avail, &n, &v, &err);
		if (rc == 1) {
			char *s;

			if (n == 0 || n > avail)
				abort();	/* must consume, within the buffer */
			walk(v);
			s = gob_format(v);
			free(s);
			gob_value_free(v);
			start += n;
			avail -= n;
			continue;
		}
		if (rc == -1) {
			if (err.msg[0] == '\0')
				abort();	/* an error must say what */
			break;
		}
		if (n <= avail)
			abort();	/* "need more" must ask for more */
		if (!pieces || start + avail >= size)
			break;
		/* Grow by a few bytes, or to what the decoder asked for. */
		avail += 1 + (size - start - avail) / 7;
		if (start + avail > size)
			avail = size - start;
	}
	gob_decoder_free(dec);
	return 0;
}
