/*
 * gob_test: the codec against recorded docker-machine connections
 * (tests/fixtures/gob, copied from shared/fixtures/docker-machine-transcripts)
 * and the byte strings of docker-machine-protocol.md section 4.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gob.h"
#include "tap.h"

#define FIX "tests/fixtures/gob/"
#define CONNECT_LEN 27		/* "CONNECT /_goRPC_ HTTP/1.0\n\n" */
#define CONNECTED_LEN 34	/* "HTTP/1.0 200 Connected to Go RPC\n\n" */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL) {
		printf("# cannot open %s\n", path);
		return NULL;
	}
	for (;;) {
		if (cap - *len < 4096)
			buf = xrealloc(buf, cap = cap * 2 + 4096);
		n = fread(buf + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}

static size_t
unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (*hex != '\0') {
		if (*hex == ' ' || *hex == '\n') {
			hex++;
			continue;
		}
		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static int
same(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t i;

	if (alen != blen) {
		printf("#   length %zu, want %zu\n", alen, blen);
		return 0;
	}
	for (i = 0; i < alen; i++)
		if (((const uint8_t *)a)[i] != ((const uint8_t *)b)[i]) {
			printf("#   first difference at byte %zu: %02x, want %02x\n",
			    i, ((const uint8_t *)a)[i], ((const uint8_t *)b)[i]);
			return 0;
		}
	return 1;
}

/* A whole stream decoded: the values, and the offsets where they end. */
struct stream {
	struct gob_decoder *dec;
	struct gob_value *v[256];
	size_t end[256];
	size_t n;
	int rc;			/* of the last gob_decode */
	size_t used;		/* bytes consumed */
	struct xherr err;
};

static void
decode_all(struct stream *s, const uint8_t *buf, size_t len)
{
	size_t n;

	memset(s, 0, sizeof *s);
	s->dec = gob_decoder_new();
	while (s->n < 256) {
		struct gob_value *v;

		s->rc = gob_decode(s->dec, buf + s->used, len - s->used, &n,
		    &v, &s->err);
		if (s->rc != 1)
			break;
		s->used += n;
		s->v[s->n] = v;
		s->end[s->n++] = s->used;
	}
}

static void
stream_free(struct stream *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		gob_value_free(s->v[i]);
	gob_decoder_free(s->dec);
}

static void
test_primitives(void)
{
	static const struct { uint64_t u; const char *hex; } us[] = {
		{ 7, "07" }, { 127, "7f" }, { 128, "ff80" }, { 256, "fe0100" },
		{ 371, "fe0173" }, { UINT64_MAX, "f8ffffffffffffffff" },
	};
	static const struct { int64_t i; const char *hex; } is[] = {
		{ 1, "02" }, { 4, "08" }, { 6, "0c" }, { 65, "ff82" },
		{ -65, "ff81" }, { -66, "ff83" }, { 0, "00" },
		{ INT64_MIN, "f8ffffffffffffffff" },
	};
	uint8_t want[16];
	size_t i, n;

	for (i = 0; i < sizeof us / sizeof us[0]; i++) {
		struct gob_buf b = { 0 };

		gob_buf_put_uint(&b, us[i].u);
		n = unhex(us[i].hex, want);
		ok(same(b.data, b.len, want, n), "uint %llu is %s",
		    (unsigned long long)us[i].u, us[i].hex);
		gob_buf_release(&b);
	}
	for (i = 0; i < sizeof is / sizeof is[0]; i++) {
		struct gob_buf b = { 0 };

		gob_buf_put_int(&b, is[i].i);
		n = unhex(is[i].hex, want);
		ok(same(b.data, b.len, want, n), "int %lld is %s",
		    (long long)is[i].i, is[i].hex);
		gob_buf_release(&b);
	}
}

/* Section 4.7, copied from pyref/09-prelude-create-help. */
static const char prelude_hex[] =
    "3a ff 81 03 01 01 08 52 65 73 70 6f 6e 73 65 01 ff 82 00 01 03 01 0d 53"
    "65 72 76 69 63 65 4d 65 74 68 6f 64 01 0c 00 01 03 53 65 71 01 06 00 01"
    "05 45 72 72 6f 72 01 0c 00 00 00 0c ff 83 03 01 02 ff 84 00 01 00 00 00"
    "0c ff 85 02 01 02 ff 86 00 01 0c 00 00 40 ff 87 03 01 01 0a 53 74 72 69"
    "6e 67 46 6c 61 67 01 ff 88 00 01 04 01 04 4e 61 6d 65 01 0c 00 01 05 55"
    "73 61 67 65 01 0c 00 01 06 45 6e 76 56 61 72 01 0c 00 01 05 56 61 6c 75"
    "65 01 0c 00 00 00 3d ff 89 03 01 01 07 49 6e 74 46 6c 61 67 01 ff 8a 00"
    "01 04 01 04 4e 61 6d 65 01 0c 00 01 05 55 73 61 67 65 01 0c 00 01 06 45"
    "6e 76 56 61 72 01 0c 00 01 05 56 61 6c 75 65 01 04 00 00 00 34 ff 8b 03"
    "01 01 08 42 6f 6f 6c 46 6c 61 67 01 ff 8c 00 01 03 01 04 4e 61 6d 65 01"
    "0c 00 01 05 55 73 61 67 65 01 0c 00 01 06 45 6e 76 56 61 72 01 0c 00 00"
    "00 46 ff 8d 03 01 01 0f 53 74 72 69 6e 67 53 6c 69 63 65 46 6c 61 67 01"
    "ff 8e 00 01 04 01 04 4e 61 6d 65 01 0c 00 01 05 55 73 61 67 65 01 0c 00"
    "01 06 45 6e 76 56 61 72 01 0c 00 01 05 56 61 6c 75 65 01 ff 86 00 00 00"
    "0c ff 8f 02 01 02 ff 90 00 01 10 00 00";

static void
test_prelude(void)
{
	struct gob_buf b = { 0 };
	uint8_t want[400];
	size_t n = unhex(prelude_hex, want), i;
	struct stream s;

	is_int(n, 349, "the reference prelude is 349 bytes");
	gob_enc_prelude(&b);
	ok(same(b.data, b.len, want, n), "gob_enc_prelude is the block of "
	    "section 4.7");
	/* Our own decoder accepts it: eight definitions, no value. */
	decode_all(&s, b.data, b.len);
	is_int(s.rc, 0, "a prelude alone is an incomplete value");
	is_int(gob_decoder_ntypes(s.dec), 0, "nothing committed without a "
	    "value");
	stream_free(&s);
	for (i = 0; i < b.len; i++)
		;
	gob_buf_release(&b);
}

static void
test_reply_examples(void)
{
	struct gob_buf b = { 0 };
	uint8_t want[512];
	size_t n;
	char json[211];

	gob_enc_response(&b, "RPCServerDriver.GetVersion", 0, NULL);
	n = unhex("1f ff 82 01 1a", want);
	memcpy(want + n, "RPCServerDriver.GetVersion", 26);
	want[n + 26] = 0;
	ok(same(b.data, b.len, want, n + 27), "header of GetVersion, seq 0");
	b.len = 0;
	gob_enc_int(&b, 1);
	ok(same(b.data, b.len, "\x03\x04\x00\x02", 4), "int 1 is 03 04 00 02");
	b.len = 0;
	gob_enc_int(&b, 4);
	ok(same(b.data, b.len, "\x03\x04\x00\x08", 4), "Stopped is 03 04 00 08");
	b.len = 0;
	gob_enc_int(&b, 22);
	ok(same(b.data, b.len, "\x03\x04\x00\x2c", 4), "port 22 is 03 04 00 2c");
	b.len = 0;
	gob_enc_string(&b, "test1", 5);
	ok(same(b.data, b.len, "\x08\x0c\x00\x05test1", 9), "string test1");
	b.len = 0;
	gob_enc_string(&b, "", 0);
	ok(same(b.data, b.len, "\x03\x0c\x00\x00", 4), "empty string");
	b.len = 0;
	gob_enc_empty(&b);
	ok(same(b.data, b.len, "\x03\xff\x84\x00", 4), "empty struct");
	b.len = 0;
	memset(json, 'x', 210);
	gob_enc_bytes(&b, json, 210);
	ok(b.len == 216 && same(b.data, 6, "\xff\xd6\x0a\x00\xff\xd2", 6),
	    "210-byte []byte starts ff d6 0a 00 ff d2");
	b.len = 0;
	gob_enc_response(&b, "RPCServerDriver.Stop", 4,
	    "hosts without a driver cannot be stopped");
	gob_enc_empty(&b);
	n = unhex("45 ff 82 01 14", want);
	memcpy(want + n, "RPCServerDriver.Stop", 20);
	n += 20;
	n += unhex("01 04 01 28", want + n);
	memcpy(want + n, "hosts without a driver cannot be stopped", 40);
	n += 40;
	n += unhex("00 03 ff 84 00", want + n);
	ok(same(b.data, b.len, want, n), "error reply of section 4.7 "
	    "(none/07-stop-error)");
	b.len = 0;
	gob_enc_response(&b, "X.Y", 0, "e");
	ok(same(b.data, b.len, "\x0b\xff\x82\x01\x03X.Y\x02\x01" "e\x00", 12),
	    "error at seq 0 jumps to Error with delta 02");
	gob_buf_release(&b);
}

static const char *const pyref_tags[] = { "alpha", "beta" };
static const struct gob_flag pyref_flags[] = {
	{ GOB_FLAG_STRING, "pyref-url", "Docker URL to report", "PYREF_URL",
	    "tcp://127.0.0.1:2376", 0, NULL, 0 },
	{ GOB_FLAG_INT, "pyref-cpus", "Number of fake CPUs", "PYREF_CPUS",
	    NULL, 2, NULL, 0 },
	{ GOB_FLAG_BOOL, "pyref-fail-create", "Make Create fail",
	    "PYREF_FAIL_CREATE", NULL, 0, NULL, 0 },
	{ GOB_FLAG_STRINGS, "pyref-tag", "Tags (repeatable)", "", NULL, 0,
	    pyref_tags, 2 },
};

/* Header fields of a decoded request. */
static const char *
hdr_method(const struct gob_value *v)
{
	const char *s = gob_str(gob_field(v, "ServiceMethod"), NULL);

	return s ? s : "";
}

static uint64_t
hdr_seq(const struct gob_value *v)
{
	uint64_t seq = 0;

	gob_uint(gob_field(v, "Seq"), &seq);
	return seq;
}

/*
 * pyref/09 end to end: decode the real client's requests, answer them with
 * our encoder as the Python plugin did, and get its recorded bytes.
 */
static void
test_pyref09_reproduced(void)
{
	size_t clen, slen, i;
	uint8_t *c2s = slurp(FIX "pyref-09-prelude.c2s.bin", &clen);
	uint8_t *s2c = slurp(FIX "pyref-09-prelude.s2c.bin", &slen);
	struct gob_buf out = { 0 };
	struct stream s;

	if (!ok(c2s != NULL && s2c != NULL, "pyref-09 fixtures"))
		return;
	gob_buf_put(&out, "HTTP/1.0 200 Connected to Go RPC\n\n", CONNECTED_LEN);
	gob_enc_prelude(&out);
	decode_all(&s, c2s + CONNECT_LEN, clen - CONNECT_LEN);
	is_int(s.rc, 0, "pyref-09 c2s decodes to its end");
	is_int(s.used, clen - CONNECT_LEN, "every byte consumed");
	is_int(s.n, 14, "7 calls");
	for (i = 0; i + 1 < s.n; i += 2) {
		const char *m = hdr_method(s.v[i]);
		const char *name = strrchr(m, '.') + 1;

		gob_enc_response(&out, m, hdr_seq(s.v[i]), NULL);
		if (strcmp(name, "GetVersion") == 0)
			gob_enc_int(&out, 1);
		else if (strcmp(name, "GetMachineName") == 0)
			gob_enc_string(&out, "flag-lookup", 11);
		else if (strcmp(name, "DriverName") == 0)
			gob_enc_string(&out, "pyref", 5);
		else if (strcmp(name, "GetCreateFlags") == 0)
			gob_enc_flags(&out, pyref_flags, 4);
		else
			gob_enc_empty(&out);
	}
	ok(same(out.data, out.len, s2c, slen), "our replies are byte for "
	    "byte the recorded pyref-09 s2c (%zu bytes)", slen);
	stream_free(&s);
	gob_buf_release(&out);
	free(c2s);
	free(s2c);
}

static void
test_engine_opts(void)
{
	size_t len, i;
	uint8_t *buf = slurp(FIX "none-08-create-engine-opts.c2s.bin", &len);
	static const char *const calls[] = {
		"GetVersion", "SetConfigRaw", "GetMachineName", "GetMachineName",
		"DriverName", "GetCreateFlags", "SetConfigFromFlags",
		"PreCreateCheck", "GetConfigRaw", "Create", "GetConfigRaw",
		"DriverName", "GetConfigRaw", "Close",
	};
	const struct gob_value *arg, *vals, *v;
	struct stream s;
	const char *str;
	int64_t i64;
	int b, good = 1;
	char *text;

	if (!ok(buf != NULL, "none-08 fixture"))
		return;
	ok(memcmp(buf, "CONNECT /_goRPC_ HTTP/1.0\n\n", CONNECT_LEN) == 0,
	    "stream starts with the CONNECT line");
	decode_all(&s, buf + CONNECT_LEN, len - CONNECT_LEN);
	is_int(s.rc, 0, "none-08 c2s decodes to its end");
	is_int(s.used, len - CONNECT_LEN, "every byte consumed");
	is_int(s.n, 28, "14 requests: header + argument each");
	for (i = 0; i < 14 && 2 * i < s.n; i++) {
		char want[64];

		snprintf(want, sizeof want, "RPCServerDriver.%s", calls[i]);
		if (strcmp(hdr_method(s.v[2 * i]), want) != 0 ||
		    hdr_seq(s.v[2 * i]) != i)
			good = 0;
	}
	ok(good, "methods and seqs 0..13 in order");
	text = gob_format(s.v[0]);
	is_str(text, "{ServiceMethod:\"RPCServerDriver.GetVersion\"}",
	    "seq 0 header: Seq omitted");
	free(text);
	text = gob_format(s.v[1]);
	is_str(text, "{}", "empty-struct argument");
	free(text);
	str = gob_str(s.v[3], &len);
	is_str(str, "{\"IPAddress\":\"\",\"MachineName\":\"test2\",\"SSHUser\":"
	    "\"\",\"SSHPort\":0,\"SSHKeyPath\":\"\",\"StorePath\":\"/tmp/dm-"
	    "capture/none\",\"SwarmMaster\":false,\"SwarmHost\":\"\","
	    "\"SwarmDiscovery\":\"\"}", "SetConfigRaw carries the bare JSON");
	is_int(s.v[3]->kind, GOB_BYTES, "as []byte");

	arg = s.v[13];
	is_str(gob_iface_name(arg), "*rpcdriver.RPCFlags",
	    "SetConfigFromFlags argument is *rpcdriver.RPCFlags");
	vals = gob_field(arg, "Values");
	ok(vals != NULL && vals->kind == GOB_MAP && vals->u.map.n == 14,
	    "Values: a map of 14 entries");
	v = gob_map_get(vals, "engine-opt");
	is_str(gob_iface_name(v), "[]string", "engine-opt is a []string");
	ok(gob_len(v) == 1 && strcmp(gob_str(gob_item(v, 0), NULL),
	    "log-level=debug") == 0, "engine-opt = [log-level=debug] (its "
	    "type defined inside the interface)");
	v = gob_map_get(vals, "engine-label");
	ok(gob_len(v) == 1 && strcmp(gob_str(gob_item(v, 0), NULL),
	    "env=test") == 0, "engine-label = [env=test] (type 69 reused)");
	is_str(gob_str(gob_map_get(vals, "url"), NULL), "tcp://127.0.0.1:2377",
	    "url string");
	is_str(gob_str(gob_map_get(vals, "swarm-strategy"), NULL), "spread",
	    "swarm-strategy string");
	ok(gob_bool(gob_map_get(vals, "swarm-master"), &b) == 0 && b == 0,
	    "swarm-master bool false");
	ok(gob_int(gob_map_get(vals, "swarm-master"), &i64) == -1,
	    "a bool is not an int");
	ok(gob_map_get(vals, "nope") == NULL, "absent key");
	is_int(gob_decoder_ntypes(s.dec), 5, "5 client types: Request, "
	    "struct{}, RPCFlags, map, []string");
	stream_free(&s);
	free(buf);
}

static void
test_pyref01(void)
{
	size_t len, i, heartbeats = 0;
	uint8_t *buf = slurp(FIX "pyref-01-create.c2s.bin", &len);
	const struct gob_value *vals, *v;
	struct stream s;
	int64_t cpus;
	int b;

	if (!ok(buf != NULL, "pyref-01 fixture"))
		return;
	decode_all(&s, buf + CONNECT_LEN, len - CONNECT_LEN);
	is_int(s.rc, 0, "pyref-01 c2s decodes to its end");
	is_int(s.used, len - CONNECT_LEN, "every byte consumed");
	is_int(s.n, 52, "26 requests");
	for (i = 0; i + 1 < s.n; i += 2)
		if (strcmp(hdr_method(s.v[i]), "RPCServerDriver.Heartbeat") == 0) {
			heartbeats++;
			ok(hdr_seq(s.v[i]) == 10 || hdr_seq(s.v[i]) == 11,
			    "Heartbeat seq %llu while Create (seq 9) runs",
			    (unsigned long long)hdr_seq(s.v[i]));
		}
	is_int(heartbeats, 2, "two heartbeats");
	is_str(hdr_method(s.v[18]), "RPCServerDriver.Create", "seq 9 Create");
	vals = gob_field(s.v[13], "Values");
	ok(gob_int(gob_map_get(vals, "pyref-cpus"), &cpus) == 0 && cpus == 2,
	    "pyref-cpus int 2");
	is_str(gob_iface_name(gob_map_get(vals, "pyref-cpus")), "int",
	    "registered name int");
	ok(gob_bool(gob_map_get(vals, "pyref-fail-create"), &b) == 0 && !b,
	    "pyref-fail-create false");
	v = gob_map_get(vals, "pyref-tag");
	ok(gob_len(v) == 2 && strcmp(gob_str(gob_item(v, 0), NULL), "x") == 0 &&
	    strcmp(gob_str(gob_item(v, 1), NULL), "y") == 0, "pyref-tag [x y]");
	v = gob_map_get(vals, "engine-label");
	ok(gob_len(v) == 1 && strcmp(gob_str(gob_item(v, 0), NULL),
	    "foo=bar") == 0, "engine-label [foo=bar]");
	is_int(gob_unwrap(vals)->u.map.n, 16, "16 RPCFlags values");
	stream_free(&s);
	free(buf);
}

/* Plugin->client streams: Go's in-line definitions, pyref's own form. */
static void
test_s2c_streams(void)
{
	static const struct { const char *file; size_t values; } f[] = {
		{ FIX "amazonec2-01-create-help.s2c.bin", 14 },
		{ FIX "none-08-create-engine-opts.s2c.bin", 28 },
		{ FIX "none-07-stop-error.s2c.bin", 10 },
		{ FIX "pyref-01-create.s2c.bin", 52 },
		{ FIX "pyref-09-prelude.s2c.bin", 14 },
	};
	size_t i, len, k, counts[4] = { 0, 0, 0, 0 };
	const struct gob_value *flags = NULL;

	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		uint8_t *buf = slurp(f[i].file, &len);
		struct stream s;

		if (!ok(buf != NULL, "%s", f[i].file))
			continue;
		decode_all(&s, buf + CONNECTED_LEN, len - CONNECTED_LEN);
		ok(s.rc == 0 && s.used == len - CONNECTED_LEN,
		    "%s decodes to its end", f[i].file);
		if (s.rc == -1)
			printf("#   %s\n", s.err.msg);
		is_int(s.n, f[i].values, "%zu values", f[i].values);
		if (i == 0 && s.n == 14) {
			flags = s.v[11];
			is_int(gob_len(flags), 32, "amazonec2: 32 create flags");
			for (k = 0; k < gob_len(flags); k++) {
				const char *n = gob_iface_name(gob_item(flags, k));

				counts[0] += strcmp(n, "*mcnflag.StringFlag") == 0;
				counts[1] += strcmp(n, "*mcnflag.IntFlag") == 0;
				counts[2] += strcmp(n, "*mcnflag.BoolFlag") == 0;
				counts[3] += strcmp(n, "*mcnflag.StringSliceFlag") == 0;
			}
			ok(counts[0] == 19 && counts[1] == 4 && counts[2] == 7 &&
			    counts[3] == 2, "19 string, 4 int, 7 bool, 2 string "
			    "slice flags");
			is_str(gob_str(gob_field(gob_item(flags, 0), "Name"),
			    NULL), "amazonec2-access-key", "first flag's Name");
		}
		if (i == 2 && s.n == 10)
			is_str(gob_str(gob_field(s.v[8], "Error"), NULL),
			    "hosts without a driver cannot be stopped",
			    "Go error reply decoded");
		stream_free(&s);
		free(buf);
	}
}

/* Our flags reply decodes back to what was encoded. */
static void
test_flags_roundtrip(void)
{
	struct gob_buf b = { 0 };
	struct stream s;
	char *text;

	gob_enc_prelude(&b);
	gob_enc_flags(&b, pyref_flags, 4);
	decode_all(&s, b.data, b.len);
	ok(s.n == 1 && s.used == b.len, "prelude + flags: one value");
	text = s.n == 1 ? gob_format(s.v[0]) : NULL;
	is_str(text, "[*mcnflag.StringFlag({Name:\"pyref-url\",Usage:\"Docker "
	    "URL to report\",EnvVar:\"PYREF_URL\",Value:\"tcp://127.0.0.1:2376"
	    "\"}),*mcnflag.IntFlag({Name:\"pyref-cpus\",Usage:\"Number of fake "
	    "CPUs\",EnvVar:\"PYREF_CPUS\",Value:2}),*mcnflag.BoolFlag({Name:"
	    "\"pyref-fail-create\",Usage:\"Make Create fail\",EnvVar:\"PYREF_"
	    "FAIL_CREATE\"}),*mcnflag.StringSliceFlag({Name:\"pyref-tag\","
	    "Usage:\"Tags (repeatable)\",Value:[\"alpha\",\"beta\"]})]",
	    "flags round trip");
	free(text);
	stream_free(&s);
	gob_buf_release(&b);
}

/*
 * Every prefix of a real stream gives complete values and then 0 (never
 * -1), and feeding it byte by byte gives the same values as all at once.
 */
static void
test_truncation(void)
{
	static const char *const files[] = {
		FIX "none-08-create-engine-opts.c2s.bin",
		FIX "pyref-01-create.c2s.bin",
		FIX "none-03-inspect.c2s.bin",
		FIX "amazonec2-01-create-help.s2c.bin",
		FIX "none-08-create-engine-opts.s2c.bin",
	};
	size_t fi;

	for (fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
		size_t len, cut, skip = strstr(files[fi], "s2c") ?
		    CONNECTED_LEN : CONNECT_LEN;
		uint8_t *buf = slurp(files[fi], &len);
		struct stream whole, part;
		int bad = 0, needbad = 0, mismatch = 0;

		if (buf == NULL)
			continue;
		decode_all(&whole, buf + skip, len - skip);
		for (cut = 0; cut < len - skip; cut++) {
			decode_all(&part, buf + skip, cut);
			if (part.rc == -1)
				bad++;
			/* the values found are the whole stream's first ones */
			if (part.n > whole.n || (part.n > 0 &&
			    part.end[part.n - 1] != whole.end[part.n - 1]))
				mismatch++;
			stream_free(&part);
		}
		ok(bad == 0 && mismatch == 0, "%s: %zu truncations give 0, "
		    "never -1", files[fi], len - skip);
		/* byte by byte, retrying from the same start */
		{
			struct gob_decoder *dec = gob_decoder_new();
			struct xherr err = XHERR_INIT;
			size_t start = 0, avail = 0, n, got = 0;

			while (start + avail < len - skip || avail > 0) {
				struct gob_value *v;
				int rc = gob_decode(dec, buf + skip + start, avail,
				    &n, &v, &err);

				if (rc == 1) {
					char *a = gob_format(v), *b =
					    gob_format(whole.v[got]);

					mismatch += strcmp(a, b) != 0;
					free(a);
					free(b);
					gob_value_free(v);
					got++;
					start += n;
					avail -= n;
					continue;
				}
				if (rc == -1) {
					bad++;
					break;
				}
				if (n <= avail)
					needbad++;
				if (start + avail >= len - skip)
					break;
				avail++;
			}
			ok(bad == 0 && mismatch == 0 && needbad == 0 &&
			    got == whole.n, "%s: fed byte by byte, the same %zu "
			    "values", files[fi], whole.n);
			gob_decoder_free(dec);
		}
		stream_free(&whole);
		free(buf);
	}
}

/* Helpers to build hostile input. */
static void
put_msg(struct gob_buf *out, const struct gob_buf *payload)
{
	gob_buf_put_uint(out, payload->len);
	gob_buf_put(out, payload->data, payload->len);
}

static void
put_str(struct gob_buf *b, const char *s)
{
	gob_buf_put_uint(b, strlen(s));
	gob_buf_put(b, s, strlen(s));
}

/* Define id as a slice of elem. */
static void
def_slice(struct gob_buf *out, int64_t id, int64_t elem)
{
	struct gob_buf p = { 0 };

	gob_buf_put_int(&p, -id);
	gob_buf_put(&p, "\x02\x01\x02", 3);
	gob_buf_put_int(&p, id);
	gob_buf_put(&p, "\x00\x01", 2);
	gob_buf_put_int(&p, elem);
	gob_buf_put(&p, "\x00\x00", 2);
	put_msg(out, &p);
	gob_buf_release(&p);
}

/* Define id as struct { F <fid> }. */
static void
def_struct1(struct gob_buf *out, int64_t id, int64_t fid)
{
	struct gob_buf p = { 0 };

	gob_buf_put_int(&p, -id);
	gob_buf_put(&p, "\x03\x01\x02", 3);
	gob_buf_put_int(&p, id);
	gob_buf_put(&p, "\x00\x01\x01\x01\x01" "F\x01", 7);
	gob_buf_put_int(&p, fid);
	gob_buf_put(&p, "\x00\x00\x00", 3);
	put_msg(out, &p);
	gob_buf_release(&p);
}

/*
 * A large value dripped in 1 KB pieces, read as rpc.c reads: decode only
 * once as many bytes as the last short read asked for are there. The
 * decoder asks for the whole message as soon as it has its length, so it
 * runs a few times, not once per piece (which re-decoded the value from
 * its start each time: quadratic; 32.7 s of CPU for 15 MB).
 */
static void
test_dripped(void)
{
	struct gob_buf b = { 0 }, p = { 0 };
	struct gob_decoder *dec = gob_decoder_new();
	struct xherr err = XHERR_INIT;
	struct gob_value *v = NULL;
	size_t avail = 0, want = 1, n, calls = 0, i, items = 50000;
	int rc = 0;

	/* []string with 50,000 items of 30 bytes (under the 65,536-value
	 * limit): about 1.5 MB. */
	def_slice(&b, 65, 6);
	gob_buf_put(&p, "\xff\x82\x00", 3);	/* type 65, then the value */
	gob_buf_put_uint(&p, items);
	for (i = 0; i < items; i++)
		put_str(&p, "a string of thirty bytes here!");
	put_msg(&b, &p);
	while (avail < b.len) {
		avail = avail + 1024 > b.len ? b.len : avail + 1024;
		if (avail < want)
			continue;
		calls++;
		rc = gob_decode(dec, b.data, avail, &n, &v, &err);
		if (rc != 0)
			break;
		want = n;
	}
	ok(rc == 1 && v != NULL && gob_len(gob_unwrap(v)) == items,
	    "a 1.5 MB []string dripped in 1 KB pieces decodes");
	ok(calls <= 3, "with %zu decode attempts for %zu pieces (the whole "
	    "message is waited for)", calls, (b.len + 1023) / 1024);
	gob_value_free(v);
	gob_decoder_free(dec);
	gob_buf_release(&b);
	gob_buf_release(&p);
}

static int
decode1(const struct gob_buf *b, struct xherr *err, size_t *n)
{
	struct gob_decoder *dec = gob_decoder_new();
	struct gob_value *v = NULL;
	size_t dummy;
	int rc;

	xherr_clear(err);
	rc = gob_decode(dec, b->data, b->len, n ? n : &dummy, &v, err);
	gob_value_free(v);
	gob_decoder_free(dec);
	return rc;
}

static void
test_hostile(void)
{
	struct gob_buf b = { 0 }, p = { 0 };
	struct xherr err = XHERR_INIT;
	size_t n, i;
	int rc;

	/* a 2^60 length prefix */
	gob_buf_put(&b, "\xf8\x10\x00\x00\x00\x00\x00\x00\x00\x04\x00\x02", 12);
	rc = decode1(&b, &err, NULL);
	is_int(rc, -1, "length prefix 2^60: error");
	ok(strstr(err.msg, "offset 0") != NULL, "says where: %s", err.msg);
	b.len = 0;
	gob_buf_put(&b, "\x80", 1);
	is_int(decode1(&b, &err, NULL), -1, "uint length byte 0x80: error");
	b.len = 0;
	gob_buf_put(&b, "\x03\xff\x90\x00", 4);
	is_int(decode1(&b, &err, NULL), -1, "value of unknown type 72: error");
	ok(strstr(err.msg, "unknown type id 72") != NULL, "%s", err.msg);
	b.len = 0;
	gob_buf_put(&b, "\x03\x20\x00\x00", 4);
	is_int(decode1(&b, &err, NULL), -1, "reserved type 16: error");
	b.len = 0;
	gob_buf_put(&b, "\x03\x00\x00\x00", 4);
	is_int(decode1(&b, &err, NULL), -1, "type id 0: error");
	b.len = 0;
	gob_buf_put(&b, "\x00", 1);
	is_int(decode1(&b, &err, NULL), -1, "empty message: error");

	/* duplicate definition, and reserved ids */
	b.len = 0;
	def_slice(&b, 65, 6);
	def_slice(&b, 65, 6);
	is_int(decode1(&b, &err, NULL), -1, "duplicate definition: error");
	ok(strstr(err.msg, "duplicate") != NULL, "%s", err.msg);
	b.len = 0;
	def_slice(&b, 64, 6);
	is_int(decode1(&b, &err, NULL), -1, "definition of id 64: error");
	b.len = 0;
	def_slice(&b, 6, 6);
	is_int(decode1(&b, &err, NULL), -1, "redefinition of string: error");
	{
		/* a duplicate across values: commit, then define again */
		struct gob_decoder *dec = gob_decoder_new();
		struct gob_value *v;

		b.len = 0;
		def_slice(&b, 65, 6);
		gob_buf_put(&b, "\x04\xff\x82\x00\x00", 5);	/* [] */
		rc = gob_decode(dec, b.data, b.len, &n, &v, &err);
		ok(rc == 1 && n == b.len, "definition + empty slice value");
		gob_value_free(v);
		rc = gob_decode(dec, b.data, b.len, &n, &v, &err);
		is_int(rc, -1, "the same definition again: error");
		gob_decoder_free(dec);
	}

	/* a definition message whose length lies */
	b.len = 0;
	def_slice(&b, 65, 6);
	b.data[0]++;
	gob_buf_put(&b, "\x00", 1);
	is_int(decode1(&b, &err, NULL), -1, "definition length mismatch");
	/* value message length mismatch */
	b.len = 0;
	gob_buf_put(&b, "\x04\x04\x00\x02\x00", 5);
	is_int(decode1(&b, &err, NULL), -1, "value length mismatch");

	/* huge counts: error above the limit, need-more below it */
	b.len = 0;
	def_slice(&b, 65, 6);
	p.len = 0;
	gob_buf_put(&p, "\xff\x82\x00", 3);
	gob_buf_put_uint(&p, (uint64_t)1 << 40);
	put_msg(&b, &p);
	is_int(decode1(&b, &err, NULL), -1, "slice count 2^40: error");
	b.len = 0;
	def_slice(&b, 65, 6);
	p.len = 0;
	gob_buf_put(&p, "\xff\x82\x00", 3);
	gob_buf_put_uint(&p, 100000);
	put_msg(&b, &p);
	rc = decode1(&b, &err, &n);
	ok(rc == 0 && n >= b.len + 100000, "slice count 100000 with no "
	    "elements: need more (%zu bytes)", n);
	b.len = 0;
	gob_buf_put(&b, "\x0c\x0c\x00\xf8\x40\x00\x00\x00\x00\x00\x00\x00", 12);
	is_int(decode1(&b, &err, NULL), -1, "string length 2^62: error");
	b.len = 0;
	gob_buf_put(&b, "\x06\x0c\x00\xfd\x00\xff\xff", 7);
	rc = decode1(&b, &err, &n);
	ok(rc == 0 && n == 3 + 3 + 65535 + 1, "string of 65535 bytes, none "
	    "there: need more");

	/* interface name over 1024 bytes */
	b.len = 0;
	p.len = 0;
	gob_buf_put(&p, "\x10\x00", 2);
	gob_buf_put_uint(&p, 2000);
	for (i = 0; i < 2000; i++)
		gob_buf_put(&p, "a", 1);
	gob_buf_put(&p, "\x04\x02\x00\x02", 4);
	put_msg(&b, &p);
	is_int(decode1(&b, &err, NULL), -1, "interface name of 2000 bytes");

	/* nesting: interface -> []interface -> interface -> ... */
	b.len = 0;
	def_slice(&b, 65, 8);
	p.len = 0;
	gob_buf_put(&p, "\x10\x00", 2);
	for (i = 0; i < 200; i++) {
		put_str(&p, "x");
		gob_buf_put(&p, "\xff\x82\x01\x00\x01", 5); /* id, count, 00, n=1 */
	}
	gob_buf_put(&p, "\x00", 1);
	put_msg(&b, &p);
	is_int(decode1(&b, &err, NULL), -1, "400 nested interfaces/slices");
	ok(strstr(err.msg, "nested") != NULL, "%s", err.msg);
	/* a recursive struct type, 100000 levels deep */
	b.len = 0;
	def_struct1(&b, 65, 65);
	p.len = 0;
	gob_buf_put(&p, "\xff\x82", 2);
	for (i = 0; i < 100000; i++)
		gob_buf_put(&p, "\x01", 1);
	for (i = 0; i < 100001; i++)
		gob_buf_put(&p, "\x00", 1);
	put_msg(&b, &p);
	is_int(decode1(&b, &err, NULL), -1, "recursive struct 100000 deep");
	/* a field delta past the struct's fields */
	b.len = 0;
	def_struct1(&b, 65, 6);
	gob_buf_put(&b, "\x04\xff\x82\x02\x00", 5);
	is_int(decode1(&b, &err, NULL), -1, "field delta out of range");

	/* the node limit */
	{
		struct gob_decoder *dec = gob_decoder_new();
		struct gob_value *v;

		b.len = 0;
		def_slice(&b, 65, 1);
		p.len = 0;
		gob_buf_put(&p, "\xff\x82\x00", 3);
		gob_buf_put_uint(&p, 5000);
		for (i = 0; i < 5000; i++)
			gob_buf_put(&p, "\x01", 1);
		put_msg(&b, &p);
		gob_decoder_set_limits(dec, 0, 0, 1000);
		is_int(gob_decode(dec, b.data, b.len, &n, &v, &err), -1,
		    "5000 bools over a 1000-value limit");
		gob_decoder_set_limits(dec, 0, 0, 10000);
		rc = gob_decode(dec, b.data, b.len, &n, &v, &err);
		ok(rc == 1 && gob_len(v) == 5000, "and fine under 10000");
		gob_value_free(v);
		gob_decoder_set_limits(dec, 100, 0, 0);
		b.len = 0;
		gob_buf_put(&b, "\x04\xff\x82\x00\x00", 5);
		rc = gob_decode(dec, b.data, b.len, &n, &v, &err);
		ok(rc == 1, "type 65 stays defined after the value");
		gob_value_free(v);
		b.len = 0;
		gob_enc_bytes(&b, "", 0);
		b.len = 0;
		gob_buf_put(&b, "\xff\xc8", 2);	/* message of 200 bytes */
		is_int(gob_decode(dec, b.data, b.len, &n, &v, &err), -1,
		    "message over a 100-byte value limit");
		gob_decoder_free(dec);
	}

	/* pseudo-random garbage never crashes (the fuzz target does more) */
	{
		uint64_t x = 88172645463325252ULL;
		int errors = 0, k;

		for (k = 0; k < 20000; k++) {
			b.len = 0;
			for (i = 0; i < (size_t)(k % 64) + 1; i++) {
				uint8_t c;

				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				c = (uint8_t)x;
				gob_buf_put(&b, &c, 1);
			}
			errors += decode1(&b, &err, NULL) == -1;
		}
		ok(errors > 0, "20000 random buffers: no crash (%d errors)",
		    errors);
	}
	gob_buf_release(&p);
	gob_buf_release(&b);
}

static void
test_float_complex_array(void)
{
	struct gob_buf b = { 0 }, p = { 0 };
	struct gob_value *v;
	struct gob_decoder *dec = gob_decoder_new();
	struct xherr err = XHERR_INIT;
	size_t n;
	char *text;

	/* float64 2.0 as Go sends it: bits 0x4000000000000000 reversed = 0x40 */
	gob_buf_put(&b, "\x03\x08\x00\x40\x03\x08\x00\x00", 8);
	ok(gob_decode(dec, b.data, b.len, &n, &v, &err) == 1 && n == 4 &&
	    v->kind == GOB_FLOAT && v->u.f == 2.0, "float 2.0");
	gob_value_free(v);
	/* [2]int {3, -1} as arrayType 65 */
	b.len = 0;
	gob_buf_put_int(&p, -65);
	gob_buf_put(&p, "\x01\x01\x02\xff\x82\x00\x01\x04\x01\x04\x00\x00", 12);
	put_msg(&b, &p);
	gob_buf_put(&b, "\x06\xff\x82\x00\x02\x06\x01", 7);
	ok(gob_decode(dec, b.data, b.len, &n, &v, &err) == 1, "array value");
	text = gob_format(v);
	is_str(text, "[3,-1]", "[2]int{3,-1}");
	free(text);
	gob_value_free(v);
	gob_buf_release(&b);
	gob_buf_release(&p);
	gob_decoder_free(dec);
}

int
main(void)
{
	tap_diag("gob codec against tests/fixtures/gob");
	test_primitives();
	test_prelude();
	test_reply_examples();
	test_pyref09_reproduced();
	test_engine_opts();
	test_pyref01();
	test_s2c_streams();
	test_flags_roundtrip();
	test_truncation();
	test_dripped();
	test_hostile();
	test_float_complex_array();
	return tap_done();
}
