/*
 * gob: decoder into a generic value tree, and the few encoders the plugin
 * needs. See gob.h for the calling sequence and docker-machine-protocol.md
 * section 4 for the wire format.
 */
#include "gob.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* wireType kinds we keep (section 4.3). */
enum tkind {
	T_ARRAY,
	T_SLICE,
	T_STRUCT,
	T_MAP,
	T_OPAQUE,	/* GobEncoder, BinaryMarshaler, TextMarshaler: bytes */
};

struct tfield {
	char *name;
	int64_t id;
};

struct gtype {
	int64_t id;
	enum tkind kind;
	char *name;		/* CommonType.Name, never NULL */
	int64_t elem;		/* ARRAY, SLICE, MAP */
	int64_t key;		/* MAP */
	uint64_t len;		/* ARRAY */
	size_t nfields;		/* STRUCT */
	struct tfield *fields;
	size_t bytes;		/* what this definition costs in memory */
};

struct gob_decoder {
	struct gtype **types;	/* committed, sorted by id */
	size_t ntypes, captypes;
	size_t type_bytes;
	size_t max_value_bytes;
	int max_depth;
	size_t max_nodes;
};

/* One gob_decode() attempt. */
struct rd {
	struct gob_decoder *dec;
	const uint8_t *p;
	size_t len;		/* bytes present */
	size_t pos;
	size_t limit;		/* bytes this value may span */
	int shortread;		/* ran out of input within the limit */
	size_t msg_end;		/* where the current message ends */
	size_t need;		/* then: total bytes wanted */
	int depth;
	size_t nodes;
	size_t inline_defs;	/* type definitions inside interface values */
	struct gtype **pend;	/* definitions not yet committed */
	size_t npend, cappend;
	size_t pend_bytes;
	struct xherr *err;
};

static void
type_free(struct gtype *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nfields; i++)
		free(t->fields[i].name);
	free(t->fields);
	free(t->name);
	free(t);
}

struct gob_decoder *
gob_decoder_new(void)
{
	struct gob_decoder *dec = xcalloc(1, sizeof *dec);

	dec->max_value_bytes = GOB_MAX_VALUE_BYTES;
	dec->max_depth = GOB_MAX_DEPTH;
	dec->max_nodes = GOB_MAX_NODES;
	return dec;
}

void
gob_decoder_free(struct gob_decoder *dec)
{
	size_t i;

	if (dec == NULL)
		return;
	for (i = 0; i < dec->ntypes; i++)
		type_free(dec->types[i]);
	free(dec->types);
	free(dec);
}

void
gob_decoder_set_limits(struct gob_decoder *dec, size_t max_value_bytes,
    int max_depth, size_t max_nodes)
{
	if (max_value_bytes > 0)
		dec->max_value_bytes = max_value_bytes;
	if (max_depth > 0)
		dec->max_depth = max_depth;
	if (max_nodes > 0)
		dec->max_nodes = max_nodes;
}

size_t
gob_decoder_ntypes(const struct gob_decoder *dec)
{
	return dec->ntypes;
}

/* Errors carry the offset where the reader stood. */
static int XH_PRINTF(2, 3)
bad(struct rd *r, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return xherr_set(r->err, XHE_INVAL, "gob: %s at offset %zu", what,
	    r->pos);
}

/* Are n more bytes present? -1 either as an error or as a short read. */
static int
have(struct rd *r, uint64_t n)
{
	if (n > r->limit - r->pos)
		return bad(r, "%" PRIu64 " bytes exceed the %zu-byte value limit",
		    n, r->limit);
	if (n > r->len - r->pos) {
		r->shortread = 1;
		r->need = r->pos + (size_t)n;
		if (r->need < r->msg_end)
			r->need = r->msg_end;
		return -1;
	}
	return 0;
}

static int
rd_uint(struct rd *r, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n, i;
	uint8_t b;

	if (have(r, 1) == -1)
		return -1;
	b = r->p[r->pos];
	if (b < 0x80) {
		r->pos++;
		*out = b;
		return 0;
	}
	n = 256 - b;		/* 0xff: 1 byte follows ... 0xf8: 8 */
	if (n > 8)
		return bad(r, "bad uint length byte 0x%02x", b);
	if (have(r, 1 + n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		v = v << 8 | r->p[r->pos + 1 + i];
	r->pos += 1 + n;
	*out = v;
	return 0;
}

static int
rd_int(struct rd *r, int64_t *out)
{
	uint64_t u;

	if (rd_uint(r, &u) == -1)
		return -1;
	if (u & 1)
		*out = (int64_t)~(u >> 1);
	else
		*out = (int64_t)(u >> 1);
	return 0;
}

/* Go's typeId is an int32. */
static int
rd_typeid(struct rd *r, int64_t *id)
{
	size_t at = r->pos;

	if (rd_int(r, id) == -1)
		return -1;
	if (*id > INT32_MAX || *id < -(int64_t)INT32_MAX) {
		r->pos = at;
		return bad(r, "type id %" PRId64 " out of range", *id);
	}
	return 0;
}

/* A string of at most max bytes, copied and NUL-terminated. */
static int
rd_string(struct rd *r, uint64_t max, char **out, size_t *outlen)
{
	uint64_t n;
	size_t at = r->pos;

	if (rd_uint(r, &n) == -1)
		return -1;
	if (n > max) {
		r->pos = at;
		return bad(r, "string of %" PRIu64 " bytes is too long", n);
	}
	if (have(r, n) == -1)
		return -1;
	*out = xmalloc((size_t)n + 1);
	memcpy(*out, r->p + r->pos, (size_t)n);
	(*out)[n] = '\0';
	if (outlen != NULL)
		*outlen = (size_t)n;
	r->pos += (size_t)n;
	return 0;
}

/*
 * An element count: every element takes at least min_bytes, so a count
 * larger than the bytes left is either a short read or a lie.
 */
static int
rd_count(struct rd *r, uint64_t min_bytes, uint64_t *n)
{
	size_t at = r->pos;

	if (rd_uint(r, n) == -1)
		return -1;
	if (*n > (r->limit - r->pos) / min_bytes) {
		r->pos = at;
		return bad(r, "count %" PRIu64 " exceeds the value limit", *n);
	}
	return have(r, *n * min_bytes);
}

static struct gtype *
lookup(struct rd *r, int64_t id)
{
	struct gob_decoder *dec = r->dec;
	size_t lo = 0, hi = dec->ntypes, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dec->types[mid]->id == id)
			return dec->types[mid];
		if (dec->types[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = 0; i < r->npend; i++)
		if (r->pend[i]->id == id)
			return r->pend[i];
	return NULL;
}

/* Type definitions: wireType and its parts (section 4.3). */

static int
account(struct rd *r, struct gtype *t, size_t n)
{
	t->bytes += n;
	if (r->dec->type_bytes + r->pend_bytes + t->bytes > GOB_MAX_TYPE_BYTES)
		return bad(r, "type definitions exceed %u bytes",
		    GOB_MAX_TYPE_BYTES);
	return 0;
}

/* A struct-field delta in a fixed-schema struct with nfields fields. */
static int
rd_delta(struct rd *r, int64_t *f, int64_t nfields, int *end)
{
	uint64_t d;
	size_t at = r->pos;

	if (rd_uint(r, &d) == -1)
		return -1;
	if (d == 0) {
		*end = 1;
		return 0;
	}
	if (d > (uint64_t)(nfields - 1 - *f)) {
		r->pos = at;
		return bad(r, "field delta %" PRIu64 " out of range", d);
	}
	*f += (int64_t)d;
	*end = 0;
	return 0;
}

static int
rd_tid_field(struct rd *r, int64_t *id)
{
	size_t at = r->pos;

	if (rd_typeid(r, id) == -1)
		return -1;
	if (*id <= 0) {
		r->pos = at;
		return bad(r, "bad type id %" PRId64 " in type definition", *id);
	}
	return 0;
}

/* CommonType {Name string, Id int} */
static int
rd_common(struct rd *r, struct gtype *t)
{
	int64_t f = -1, id;
	int end;
	size_t n;

	for (;;) {
		if (rd_delta(r, &f, 2, &end) == -1)
			return -1;
		if (end)
			return 0;
		if (f == 0) {
			free(t->name);
			t->name = NULL;
			if (rd_string(r, GOB_MAX_TYPE_BYTES, &t->name, &n) == -1 ||
			    account(r, t, n + 1) == -1)
				return -1;
		} else if (rd_typeid(r, &id) == -1) {
			return -1;	/* informational only, like Go */
		}
	}
}

/* fieldType {Name string, Id int} */
static int
rd_fieldtype(struct rd *r, struct gtype *t, struct tfield *fl)
{
	int64_t f = -1;
	int end;
	size_t n;

	for (;;) {
		if (rd_delta(r, &f, 2, &end) == -1)
			return -1;
		if (end)
			return 0;
		if (f == 0) {
			free(fl->name);
			fl->name = NULL;
			if (rd_string(r, GOB_MAX_TYPE_BYTES, &fl->name, &n) == -1 ||
			    account(r, t, n + 1) == -1)
				return -1;
		} else if (rd_tid_field(r, &fl->id) == -1) {
			return -1;
		}
	}
}

/*
 * arrayType {CommonType, Elem, Len}, sliceType {CommonType, Elem},
 * structType {CommonType, Field []fieldType}, mapType {CommonType, Key,
 * Elem}, gobEncoderType {CommonType}.
 */
static int
rd_typebody(struct rd *r, struct gtype *t)
{
	static const int64_t nf[] = { 3, 2, 2, 3, 1 };
	int64_t f = -1, len;
	uint64_t n, i;
	int end;

	for (;;) {
		if (rd_delta(r, &f, nf[t->kind], &end) == -1)
			return -1;
		if (end)
			return 0;
		if (f == 0) {
			if (rd_common(r, t) == -1)
				return -1;
			continue;
		}
		switch (t->kind) {
		case T_STRUCT:
			if (t->fields != NULL)
				return bad(r, "duplicate field list");
			if (rd_count(r, 1, &n) == -1 ||
			    account(r, t, (size_t)n * sizeof *t->fields) == -1)
				return -1;
			t->fields = xcalloc((size_t)n + 1, sizeof *t->fields);
			for (i = 0; i < n; i++) {
				t->nfields++;
				if (rd_fieldtype(r, t, &t->fields[i]) == -1)
					return -1;
				if (t->fields[i].name == NULL)
					t->fields[i].name = xstrdup("");
			}
			break;
		case T_ARRAY:
			if (f == 1) {
				if (rd_tid_field(r, &t->elem) == -1)
					return -1;
			} else {
				if (rd_int(r, &len) == -1)
					return -1;
				if (len < 0)
					return bad(r, "negative array length");
				t->len = (uint64_t)len;
			}
			break;
		case T_SLICE:
			if (rd_tid_field(r, &t->elem) == -1)
				return -1;
			break;
		case T_MAP:
			if (rd_tid_field(r, f == 1 ? &t->key : &t->elem) == -1)
				return -1;
			break;
		case T_OPAQUE:
			break;	/* rd_delta allows field 0 only */
		}
	}
}

static int
rd_wiretype(struct rd *r, struct gtype *t)
{
	static const enum tkind kinds[] = { T_ARRAY, T_SLICE, T_STRUCT, T_MAP,
	    T_OPAQUE, T_OPAQUE, T_OPAQUE };
	int64_t f = -1;
	int end, set = 0;

	for (;;) {
		if (rd_delta(r, &f, 7, &end) == -1)
			return -1;
		if (end)
			break;
		if (set++)
			return bad(r, "type definition of id %" PRId64
			    " has more than one kind", t->id);
		t->kind = kinds[f];
		if (rd_typebody(r, t) == -1)
			return -1;
	}
	if (!set)
		return bad(r, "empty type definition of id %" PRId64, t->id);
	return 0;
}

static int
rd_define(struct rd *r, int64_t id)
{
	struct gtype *t;

	if (id < GOB_ID_FIRST_USER)
		return bad(r, "type definition for reserved id %" PRId64, id);
	if (lookup(r, id) != NULL)
		return bad(r, "duplicate type definition for id %" PRId64, id);
	if (r->dec->ntypes + r->npend >= GOB_MAX_TYPES)
		return bad(r, "more than %d type definitions", GOB_MAX_TYPES);
	t = xcalloc(1, sizeof *t);
	t->id = id;
	t->bytes = sizeof *t;
	if (rd_wiretype(r, t) == -1) {
		type_free(t);
		return -1;
	}
	if (t->name == NULL)
		t->name = xstrdup("");
	if (r->npend == r->cappend) {
		r->cappend = r->cappend ? 2 * r->cappend : 4;
		r->pend = xrealloc(r->pend, r->cappend * sizeof *r->pend);
	}
	r->pend[r->npend++] = t;
	r->pend_bytes += t->bytes;
	return 0;
}

/* Values (section 4.4). */

void
gob_value_free(struct gob_value *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->kind) {
	case GOB_BYTES:
	case GOB_STRING:
		free(v->u.s.data);
		break;
	case GOB_STRUCT:
		for (i = 0; i < v->u.st.n; i++)
			gob_value_free(v->u.st.fields[i].value);
		free(v->u.st.fields);
		break;
	case GOB_SLICE:
	case GOB_ARRAY:
		for (i = 0; i < v->u.list.n; i++)
			gob_value_free(v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case GOB_MAP:
		for (i = 0; i < v->u.map.n; i++) {
			gob_value_free(v->u.map.keys[i]);
			gob_value_free(v->u.map.vals[i]);
		}
		free(v->u.map.keys);
		free(v->u.map.vals);
		break;
	case GOB_IFACE:
		free(v->u.iface.name);
		gob_value_free(v->u.iface.value);
		break;
	default:
		break;
	}
	free(v);
}

static struct gob_value *
node(struct rd *r, enum gob_kind kind, int64_t id)
{
	struct gob_value *v;

	if (r->nodes >= r->dec->max_nodes) {
		bad(r, "more than %zu values", r->dec->max_nodes);
		return NULL;
	}
	r->nodes++;
	v = xcalloc(1, sizeof *v);
	v->kind = kind;
	v->type_id = id;
	return v;
}

static int rd_field(struct rd *, int64_t, struct gob_value **);

static double
float_from_wire(uint64_t u)
{
	uint64_t bits = 0;
	double d;
	int i;

	/* Go sends the float64 bits byte-reversed, so small exponents win. */
	for (i = 0; i < 8; i++) {
		bits = bits << 8 | (u & 0xff);
		u >>= 8;
	}
	memcpy(&d, &bits, sizeof d);
	return d;
}

static int
rd_struct(struct rd *r, const struct gtype *t, struct gob_value **out)
{
	struct gob_value *v;
	size_t cap = 0;
	int64_t f = -1;
	int end;

	if ((v = node(r, GOB_STRUCT, t->id)) == NULL)
		return -1;
	v->u.st.type_name = t->name;
	for (;;) {
		if (rd_delta(r, &f, (int64_t)t->nfields, &end) == -1)
			goto fail;
		if (end)
			break;
		if (v->u.st.n == cap) {
			cap = cap ? 2 * cap : 4;
			v->u.st.fields = xrealloc(v->u.st.fields,
			    cap * sizeof *v->u.st.fields);
		}
		v->u.st.fields[v->u.st.n].name = t->fields[f].name;
		v->u.st.fields[v->u.st.n].value = NULL;
		v->u.st.n++;
		if (rd_field(r, t->fields[f].id,
		    &v->u.st.fields[v->u.st.n - 1].value) == -1)
			goto fail;
	}
	*out = v;
	return 0;
fail:
	gob_value_free(v);
	return -1;
}

static int
rd_list(struct rd *r, const struct gtype *t, struct gob_value **out)
{
	struct gob_value *v;
	size_t at = r->pos;
	uint64_t n, i;

	if (rd_count(r, 1, &n) == -1)
		return -1;
	if (t->kind == T_ARRAY && n != t->len) {
		r->pos = at;
		return bad(r, "array of %" PRIu64 " elements for type %" PRId64
		    " of length %" PRIu64, n, t->id, t->len);
	}
	if ((v = node(r, t->kind == T_ARRAY ? GOB_ARRAY : GOB_SLICE,
	    t->id)) == NULL)
		return -1;
	v->u.list.items = xcalloc((size_t)n + 1, sizeof *v->u.list.items);
	for (i = 0; i < n; i++) {
		v->u.list.n++;
		if (rd_field(r, t->elem, &v->u.list.items[i]) == -1)
			goto fail;
	}
	*out = v;
	return 0;
fail:
	gob_value_free(v);
	return -1;
}

static int
rd_map(struct rd *r, const struct gtype *t, struct gob_value **out)
{
	struct gob_value *v;
	uint64_t n, i;

	if (rd_count(r, 2, &n) == -1)
		return -1;
	if ((v = node(r, GOB_MAP, t->id)) == NULL)
		return -1;
	v->u.map.keys = xcalloc((size_t)n + 1, sizeof *v->u.map.keys);
	v->u.map.vals = xcalloc((size_t)n + 1, sizeof *v->u.map.vals);
	for (i = 0; i < n; i++) {
		v->u.map.n++;
		if (rd_field(r, t->key, &v->u.map.keys[i]) == -1 ||
		    rd_field(r, t->elem, &v->u.map.vals[i]) == -1)
			goto fail;
	}
	*out = v;
	return 0;
fail:
	gob_value_free(v);
	return -1;
}

/* The value of a top-level message or of an interface. */
static int
rd_value(struct rd *r, int64_t id, struct gob_value **out)
{
	const struct gtype *t = NULL;

	if (id >= GOB_ID_FIRST_USER && (t = lookup(r, id)) == NULL)
		return bad(r, "unknown type id %" PRId64, id);
	if (t != NULL && t->kind == T_STRUCT)
		return rd_struct(r, t, out);
	if (have(r, 1) == -1)
		return -1;
	if (r->p[r->pos] != 0)
		return bad(r, "no singleton marker before a value of type %"
		    PRId64, id);
	r->pos++;
	return rd_field(r, id, out);
}

/*
 * uint(len(name)) name, then type definitions each followed by a uint to
 * skip, then int(id) uint(byte count, not trusted) value (section 4.5).
 */
static int
rd_iface(struct rd *r, struct gob_value **out)
{
	struct gob_value *v;
	int64_t id;
	uint64_t skip;
	size_t at;

	if (have(r, 1) == -1)
		return -1;
	if (r->p[r->pos] == 0) {
		r->pos++;
		*out = node(r, GOB_NIL, GOB_ID_INTERFACE);
		return *out == NULL ? -1 : 0;
	}
	if ((v = node(r, GOB_IFACE, GOB_ID_INTERFACE)) == NULL)
		return -1;
	if (rd_string(r, GOB_MAX_IFACE_NAME, &v->u.iface.name, NULL) == -1)
		goto fail;
	for (;;) {
		at = r->pos;
		if (rd_typeid(r, &id) == -1)
			goto fail;
		if (id >= 0)
			break;
		if (rd_define(r, -id) == -1)
			goto fail;
		r->inline_defs++;
		at = r->pos;
		if (rd_uint(r, &skip) == -1)
			goto fail;
		if (skip > r->limit) {
			r->pos = at;
			bad(r, "length %" PRIu64 " after a type definition "
			    "exceeds the value limit", skip);
			goto fail;
		}
	}
	if (id == 0) {
		r->pos = at;
		bad(r, "type id 0 in interface value");
		goto fail;
	}
	at = r->pos;
	if (rd_uint(r, &skip) == -1)
		goto fail;
	if (skip > r->limit) {
		r->pos = at;
		bad(r, "interface byte count %" PRIu64 " exceeds the value "
		    "limit", skip);
		goto fail;
	}
	if (rd_value(r, id, &v->u.iface.value) == -1)
		goto fail;
	*out = v;
	return 0;
fail:
	gob_value_free(v);
	return -1;
}

static int
rd_scalar(struct rd *r, int64_t id, struct gob_value **out)
{
	struct gob_value *v;
	uint64_t u, u2;
	int64_t i;

	switch (id) {
	case GOB_ID_BOOL:
	case GOB_ID_UINT:
	case GOB_ID_FLOAT:
		if (rd_uint(r, &u) == -1)
			return -1;
		if ((v = node(r, id == GOB_ID_BOOL ? GOB_BOOL :
		    id == GOB_ID_UINT ? GOB_UINT : GOB_FLOAT, id)) == NULL)
			return -1;
		if (id == GOB_ID_BOOL)
			v->u.b = u != 0;
		else if (id == GOB_ID_UINT)
			v->u.u = u;
		else
			v->u.f = float_from_wire(u);
		break;
	case GOB_ID_INT:
		if (rd_int(r, &i) == -1 || (v = node(r, GOB_INT, id)) == NULL)
			return -1;
		v->u.i = i;
		break;
	case GOB_ID_COMPLEX:
		if (rd_uint(r, &u) == -1 || rd_uint(r, &u2) == -1 ||
		    (v = node(r, GOB_COMPLEX, id)) == NULL)
			return -1;
		v->u.c.re = float_from_wire(u);
		v->u.c.im = float_from_wire(u2);
		break;
	default:	/* BYTES, STRING */
		if ((v = node(r, id == GOB_ID_STRING ? GOB_STRING : GOB_BYTES,
		    id)) == NULL)
			return -1;
		if (rd_string(r, r->limit, &v->u.s.data, &v->u.s.len) == -1) {
			gob_value_free(v);
			return -1;
		}
		break;
	}
	*out = v;
	return 0;
}

static int
rd_field(struct rd *r, int64_t id, struct gob_value **out)
{
	const struct gtype *t = NULL;
	struct gob_value *v;
	int rc;

	*out = NULL;
	if (id >= GOB_ID_BOOL && id <= GOB_ID_COMPLEX)
		return rd_scalar(r, id, out);
	if (id != GOB_ID_INTERFACE && id < GOB_ID_FIRST_USER)
		return bad(r, "unsupported type id %" PRId64, id);
	if (id != GOB_ID_INTERFACE && (t = lookup(r, id)) == NULL)
		return bad(r, "unknown type id %" PRId64, id);
	if (r->depth >= r->dec->max_depth)
		return bad(r, "values nested deeper than %d", r->dec->max_depth);
	r->depth++;
	if (id == GOB_ID_INTERFACE) {
		rc = rd_iface(r, out);
	} else {
		switch (t->kind) {
		case T_STRUCT:
			rc = rd_struct(r, t, out);
			break;
		case T_ARRAY:
		case T_SLICE:
			rc = rd_list(r, t, out);
			break;
		case T_MAP:
			rc = rd_map(r, t, out);
			break;
		default:
			if ((v = node(r, GOB_BYTES, id)) == NULL) {
				rc = -1;
				break;
			}
			rc = rd_string(r, r->limit, &v->u.s.data, &v->u.s.len);
			if (rc == -1)
				gob_value_free(v);
			else
				*out = v;
			break;
		}
	}
	r->depth--;
	return rc;
}

/*
 * uint(length) int(id): id < 0 defines a type (a message of its own: its
 * length is checked), id > 0 starts the value.
 */
static int
rd_top(struct rd *r, struct gob_value **out)
{
	uint64_t mlen;
	size_t body, at;
	int64_t id;

	for (;;) {
		at = r->pos;
		if (rd_uint(r, &mlen) == -1)
			return -1;
		if (mlen == 0 || mlen > r->limit) {
			r->pos = at;
			return bad(r, "bad message length %" PRIu64, mlen);
		}
		body = r->pos;
		/* A short read asks for the whole message: a value that
		 * arrives in pieces is then decoded again once it is all
		 * there, not from its start after every piece. What is there
		 * is still read now, so bad input fails early. */
		r->msg_end = body + (size_t)mlen;
		if (rd_typeid(r, &id) == -1)
			return -1;
		if (id == 0) {
			r->pos = body;
			return bad(r, "type id 0");
		}
		if (id > 0)
			break;
		if (rd_define(r, -id) == -1)
			return -1;
		if (r->pos - body != mlen) {
			r->pos = at;
			return bad(r, "type definition of %zu bytes in a "
			    "message of %" PRIu64, r->pos - body, mlen);
		}
	}
	if (rd_value(r, id, out) == -1)
		return -1;
	/* Only type definitions inside interfaces split a value's message. */
	if (r->inline_defs == 0 && r->pos - body != mlen) {
		gob_value_free(*out);
		*out = NULL;
		r->pos = at;
		return bad(r, "value of %zu bytes in a message of %" PRIu64,
		    r->pos - body, mlen);
	}
	return 0;
}

static void
commit(struct gob_decoder *dec, struct rd *r)
{
	size_t i, j;

	for (i = 0; i < r->npend; i++) {
		struct gtype *t = r->pend[i];

		if (dec->ntypes == dec->captypes) {
			dec->captypes = dec->captypes ? 2 * dec->captypes : 16;
			dec->types = xrealloc(dec->types,
			    dec->captypes * sizeof *dec->types);
		}
		for (j = dec->ntypes; j > 0 && dec->types[j - 1]->id > t->id; j--)
			dec->types[j] = dec->types[j - 1];
		dec->types[j] = t;
		dec->ntypes++;
		dec->type_bytes += t->bytes;
	}
	r->npend = 0;
}

int
gob_decode(struct gob_decoder *dec, const void *buf, size_t len, size_t *n,
    struct gob_value **out, struct xherr *err)
{
	struct rd r;
	struct gob_value *v = NULL;
	size_t i;
	int rc;

	memset(&r, 0, sizeof r);
	r.dec = dec;
	r.p = buf;
	r.len = len;
	r.limit = dec->max_value_bytes;
	r.err = err;
	*out = NULL;
	*n = 0;
	if (rd_top(&r, &v) == 0) {
		commit(dec, &r);
		*out = v;
		*n = r.pos;
		rc = 1;
	} else if (r.shortread) {
		*n = r.need;
		rc = 0;
	} else {
		rc = -1;
	}
	for (i = 0; i < r.npend; i++)
		type_free(r.pend[i]);
	free(r.pend);
	return rc;
}

/* Reading a tree. */

const char *
gob_kind_name(enum gob_kind kind)
{
	static const char *const names[] = {
		"nil", "bool", "int", "uint", "float", "complex", "bytes",
		"string", "struct", "slice", "array", "map", "interface",
	};

	if ((unsigned)kind < sizeof names / sizeof names[0])
		return names[kind];
	return "?";
}

const struct gob_value *
gob_unwrap(const struct gob_value *v)
{
	while (v != NULL && (v->kind == GOB_IFACE || v->kind == GOB_NIL))
		v = v->kind == GOB_IFACE ? v->u.iface.value : NULL;
	return v;
}

const char *
gob_iface_name(const struct gob_value *v)
{
	return v != NULL && v->kind == GOB_IFACE ? v->u.iface.name : NULL;
}

const struct gob_value *
gob_field(const struct gob_value *v, const char *name)
{
	size_t i;

	v = gob_unwrap(v);
	if (v == NULL || v->kind != GOB_STRUCT)
		return NULL;
	for (i = 0; i < v->u.st.n; i++)
		if (strcmp(v->u.st.fields[i].name, name) == 0)
			return v->u.st.fields[i].value;
	return NULL;
}

const struct gob_value *
gob_map_get(const struct gob_value *v, const char *key)
{
	size_t i, n = strlen(key);

	v = gob_unwrap(v);
	if (v == NULL || v->kind != GOB_MAP)
		return NULL;
	for (i = 0; i < v->u.map.n; i++) {
		const struct gob_value *k = gob_unwrap(v->u.map.keys[i]);

		if (k != NULL && k->kind == GOB_STRING && k->u.s.len == n &&
		    memcmp(k->u.s.data, key, n) == 0)
			return v->u.map.vals[i];
	}
	return NULL;
}

const char *
gob_str(const struct gob_value *v, size_t *len)
{
	v = gob_unwrap(v);
	if (v == NULL || (v->kind != GOB_STRING && v->kind != GOB_BYTES))
		return NULL;
	if (len != NULL)
		*len = v->u.s.len;
	return v->u.s.data;
}

int
gob_int(const struct gob_value *v, int64_t *out)
{
	v = gob_unwrap(v);
	if (v != NULL && v->kind == GOB_INT) {
		*out = v->u.i;
		return 0;
	}
	if (v != NULL && v->kind == GOB_UINT && v->u.u <= INT64_MAX) {
		*out = (int64_t)v->u.u;
		return 0;
	}
	return -1;
}

int
gob_uint(const struct gob_value *v, uint64_t *out)
{
	v = gob_unwrap(v);
	if (v != NULL && v->kind == GOB_UINT) {
		*out = v->u.u;
		return 0;
	}
	if (v != NULL && v->kind == GOB_INT && v->u.i >= 0) {
		*out = (uint64_t)v->u.i;
		return 0;
	}
	return -1;
}

int
gob_bool(const struct gob_value *v, int *out)
{
	v = gob_unwrap(v);
	if (v == NULL || v->kind != GOB_BOOL)
		return -1;
	*out = v->u.b;
	return 0;
}

size_t
gob_len(const struct gob_value *v)
{
	v = gob_unwrap(v);
	if (v == NULL || (v->kind != GOB_SLICE && v->kind != GOB_ARRAY))
		return 0;
	return v->u.list.n;
}

const struct gob_value *
gob_item(const struct gob_value *v, size_t i)
{
	v = gob_unwrap(v);
	if (v == NULL || (v->kind != GOB_SLICE && v->kind != GOB_ARRAY) ||
	    i >= v->u.list.n)
		return NULL;
	return v->u.list.items[i];
}

/* Rendering. */

static void
put_str(struct gob_buf *b, const char *s)
{
	gob_buf_put(b, s, strlen(s));
}

static void XH_PRINTF(2, 3)
put_fmt(struct gob_buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put_str(b, tmp);
}

static void
put_quoted(struct gob_buf *b, const char *s, size_t n)
{
	size_t i;

	put_str(b, "\"");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			put_fmt(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			put_fmt(b, "\\x%02x", c);
		else
			gob_buf_put(b, &c, 1);
	}
	put_str(b, "\"");
}

static void
format(struct gob_buf *b, const struct gob_value *v)
{
	size_t i;

	if (v == NULL) {
		put_str(b, "nil");
		return;
	}
	switch (v->kind) {
	case GOB_NIL:
		put_str(b, "nil");
		break;
	case GOB_BOOL:
		put_str(b, v->u.b ? "true" : "false");
		break;
	case GOB_INT:
		put_fmt(b, "%" PRId64, v->u.i);
		break;
	case GOB_UINT:
		put_fmt(b, "%" PRIu64, v->u.u);
		break;
	case GOB_FLOAT:
		put_fmt(b, "%.17g", v->u.f);
		break;
	case GOB_COMPLEX:
		put_fmt(b, "(%.17g%+.17gi)", v->u.c.re, v->u.c.im);
		break;
	case GOB_BYTES:
		put_str(b, "b");
		put_quoted(b, v->u.s.data, v->u.s.len);
		break;
	case GOB_STRING:
		put_quoted(b, v->u.s.data, v->u.s.len);
		break;
	case GOB_STRUCT:
		put_str(b, "{");
		for (i = 0; i < v->u.st.n; i++) {
			if (i > 0)
				put_str(b, ",");
			put_str(b, v->u.st.fields[i].name);
			put_str(b, ":");
			format(b, v->u.st.fields[i].value);
		}
		put_str(b, "}");
		break;
	case GOB_SLICE:
	case GOB_ARRAY:
		put_str(b, "[");
		for (i = 0; i < v->u.list.n; i++) {
			if (i > 0)
				put_str(b, ",");
			format(b, v->u.list.items[i]);
		}
		put_str(b, "]");
		break;
	case GOB_MAP:
		put_str(b, "{");
		for (i = 0; i < v->u.map.n; i++) {
			if (i > 0)
				put_str(b, ",");
			format(b, v->u.map.keys[i]);
			put_str(b, ":");
			format(b, v->u.map.vals[i]);
		}
		put_str(b, "}");
		break;
	case GOB_IFACE:
		put_str(b, v->u.iface.name);
		put_str(b, "(");
		format(b, v->u.iface.value);
		put_str(b, ")");
		break;
	}
}

char *
gob_format(const struct gob_value *v)
{
	struct gob_buf b = { 0 };

	format(&b, v);
	gob_buf_put(&b, "", 1);
	return (char *)b.data;
}

/* Encoding. */

void
gob_buf_release(struct gob_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
gob_buf_put(struct gob_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap - b->len < n)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
gob_buf_put_uint(struct gob_buf *b, uint64_t u)
{
	uint8_t tmp[9];
	int n = 0, i;

	if (u < 0x80) {
		tmp[0] = (uint8_t)u;
		gob_buf_put(b, tmp, 1);
		return;
	}
	for (i = 56; i >= 0; i -= 8)
		if (n > 0 || (u >> i) != 0)
			tmp[1 + n++] = (uint8_t)(u >> i);
	tmp[0] = (uint8_t)(256 - n);
	gob_buf_put(b, tmp, (size_t)n + 1);
}

void
gob_buf_put_int(struct gob_buf *b, int64_t i)
{
	uint64_t u;

	if (i < 0)
		u = (~(uint64_t)i << 1) | 1;
	else
		u = (uint64_t)i << 1;
	gob_buf_put_uint(b, u);
}

static void
put_gstring(struct gob_buf *b, const char *s, size_t n)
{
	gob_buf_put_uint(b, n);
	gob_buf_put(b, s, n);
}

/* Append payload as one message: uint(length) payload. */
static void
put_msg(struct gob_buf *b, struct gob_buf *payload)
{
	gob_buf_put_uint(b, payload->len);
	gob_buf_put(b, payload->data, payload->len);
	gob_buf_release(payload);
}

/* The CommonType of a definition: {Name (if any), Id}. */
static void
put_common(struct gob_buf *p, const char *name, int64_t id)
{
	if (name[0] != '\0') {
		gob_buf_put_uint(p, 1);
		put_gstring(p, name, strlen(name));
		gob_buf_put_uint(p, 1);
	} else {
		gob_buf_put_uint(p, 2);
	}
	gob_buf_put_int(p, id);
	gob_buf_put_uint(p, 0);
}

struct tdef_field {
	const char *name;
	int64_t id;
};

static void
put_structdef(struct gob_buf *b, int64_t id, const char *name,
    const struct tdef_field *fields, size_t n)
{
	struct gob_buf p = { 0 };
	size_t i;

	gob_buf_put_int(&p, -id);
	gob_buf_put_uint(&p, 3);		/* wireType.StructT */
	gob_buf_put_uint(&p, 1);		/* structType.CommonType */
	put_common(&p, name, id);
	gob_buf_put_uint(&p, 1);		/* structType.Field */
	gob_buf_put_uint(&p, n);
	for (i = 0; i < n; i++) {
		gob_buf_put_uint(&p, 1);
		put_gstring(&p, fields[i].name, strlen(fields[i].name));
		gob_buf_put_uint(&p, 1);
		gob_buf_put_int(&p, fields[i].id);
		gob_buf_put_uint(&p, 0);
	}
	gob_buf_put_uint(&p, 0);		/* end structType */
	gob_buf_put_uint(&p, 0);		/* end wireType */
	put_msg(b, &p);
}

static void
put_slicedef(struct gob_buf *b, int64_t id, int64_t elem)
{
	struct gob_buf p = { 0 };

	gob_buf_put_int(&p, -id);
	gob_buf_put_uint(&p, 2);		/* wireType.SliceT */
	gob_buf_put_uint(&p, 1);		/* sliceType.CommonType */
	put_common(&p, "", id);
	gob_buf_put_uint(&p, 1);		/* sliceType.Elem */
	gob_buf_put_int(&p, elem);
	gob_buf_put_uint(&p, 0);
	gob_buf_put_uint(&p, 0);
	put_msg(b, &p);
}

void
gob_enc_prelude(struct gob_buf *b)
{
	static const struct tdef_field response[] = {
		{ "ServiceMethod", GOB_ID_STRING }, { "Seq", GOB_ID_UINT },
		{ "Error", GOB_ID_STRING },
	};
	struct tdef_field flag[] = {
		{ "Name", GOB_ID_STRING }, { "Usage", GOB_ID_STRING },
		{ "EnvVar", GOB_ID_STRING }, { "Value", GOB_ID_STRING },
	};

	put_structdef(b, GOB_ID_RESPONSE, "Response", response, 3);
	put_structdef(b, GOB_ID_EMPTY, "", NULL, 0);
	put_slicedef(b, GOB_ID_STRINGS, GOB_ID_STRING);
	put_structdef(b, GOB_ID_STRINGFLAG, "StringFlag", flag, 4);
	flag[3].id = GOB_ID_INT;
	put_structdef(b, GOB_ID_INTFLAG, "IntFlag", flag, 4);
	put_structdef(b, GOB_ID_BOOLFLAG, "BoolFlag", flag, 3);
	flag[3].id = GOB_ID_STRINGS;
	put_structdef(b, GOB_ID_STRINGSLICEFLAG, "StringSliceFlag", flag, 4);
	put_slicedef(b, GOB_ID_FLAGS, GOB_ID_INTERFACE);
}

void
gob_enc_response(struct gob_buf *b, const char *method, uint64_t seq,
    const char *error)
{
	struct gob_buf p = { 0 };
	int64_t prev = -1;

	gob_buf_put_int(&p, GOB_ID_RESPONSE);
	if (method != NULL && method[0] != '\0') {
		gob_buf_put_uint(&p, (uint64_t)(0 - prev));
		put_gstring(&p, method, strlen(method));
		prev = 0;
	}
	if (seq != 0) {
		gob_buf_put_uint(&p, (uint64_t)(1 - prev));
		gob_buf_put_uint(&p, seq);
		prev = 1;
	}
	if (error != NULL && error[0] != '\0') {
		gob_buf_put_uint(&p, (uint64_t)(2 - prev));
		put_gstring(&p, error, strlen(error));
	}
	gob_buf_put_uint(&p, 0);
	put_msg(b, &p);
}

void
gob_enc_empty(struct gob_buf *b)
{
	struct gob_buf p = { 0 };

	gob_buf_put_int(&p, GOB_ID_EMPTY);
	gob_buf_put_uint(&p, 0);
	put_msg(b, &p);
}

void
gob_enc_int(struct gob_buf *b, int64_t v)
{
	struct gob_buf p = { 0 };

	gob_buf_put_int(&p, GOB_ID_INT);
	gob_buf_put_uint(&p, 0);
	gob_buf_put_int(&p, v);
	put_msg(b, &p);
}

static void
enc_singleton(struct gob_buf *b, int64_t id, const void *s, size_t len)
{
	struct gob_buf p = { 0 };

	gob_buf_put_int(&p, id);
	gob_buf_put_uint(&p, 0);
	put_gstring(&p, s, len);
	put_msg(b, &p);
}

void
gob_enc_string(struct gob_buf *b, const char *s, size_t len)
{
	enc_singleton(b, GOB_ID_STRING, s, len);
}

void
gob_enc_bytes(struct gob_buf *b, const void *p, size_t len)
{
	enc_singleton(b, GOB_ID_BYTES, p, len);
}

/* A flag struct's fields, zero values omitted (section 4.7). */
static void
put_flagbody(struct gob_buf *p, const struct gob_flag *fl)
{
	const char *strs[3] = { fl->name, fl->usage, fl->envvar };
	int64_t prev = -1;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strs[i] == NULL || strs[i][0] == '\0')
			continue;
		gob_buf_put_uint(p, (uint64_t)((int64_t)i - prev));
		put_gstring(p, strs[i], strlen(strs[i]));
		prev = (int64_t)i;
	}
	switch (fl->kind) {
	case GOB_FLAG_STRING:
		if (fl->value != NULL && fl->value[0] != '\0') {
			gob_buf_put_uint(p, (uint64_t)(3 - prev));
			put_gstring(p, fl->value, strlen(fl->value));
		}
		break;
	case GOB_FLAG_INT:
		if (fl->ivalue != 0) {
			gob_buf_put_uint(p, (uint64_t)(3 - prev));
			gob_buf_put_int(p, fl->ivalue);
		}
		break;
	case GOB_FLAG_STRINGS:
		if (fl->nvalues > 0) {
			gob_buf_put_uint(p, (uint64_t)(3 - prev));
			gob_buf_put_uint(p, fl->nvalues);
			for (i = 0; i < fl->nvalues; i++) {
				const char *s = fl->values[i] ? fl->values[i] : "";

				put_gstring(p, s, strlen(s));
			}
		}
		break;
	case GOB_FLAG_BOOL:
		break;
	}
	gob_buf_put_uint(p, 0);
}

void
gob_enc_flags(struct gob_buf *b, const struct gob_flag *flags, size_t n)
{
	static const char *const names[] = {
		[GOB_FLAG_STRING] = "*mcnflag.StringFlag",
		[GOB_FLAG_INT] = "*mcnflag.IntFlag",
		[GOB_FLAG_BOOL] = "*mcnflag.BoolFlag",
		[GOB_FLAG_STRINGS] = "*mcnflag.StringSliceFlag",
	};
	static const int64_t ids[] = {
		[GOB_FLAG_STRING] = GOB_ID_STRINGFLAG,
		[GOB_FLAG_INT] = GOB_ID_INTFLAG,
		[GOB_FLAG_BOOL] = GOB_ID_BOOLFLAG,
		[GOB_FLAG_STRINGS] = GOB_ID_STRINGSLICEFLAG,
	};
	struct gob_buf p = { 0 }, body = { 0 };
	size_t i;

	gob_buf_put_int(&p, GOB_ID_FLAGS);
	gob_buf_put_uint(&p, 0);
	gob_buf_put_uint(&p, n);
	for (i = 0; i < n; i++) {
		enum gob_flag_kind k = flags[i].kind;

		if ((unsigned)k > GOB_FLAG_STRINGS)
			k = GOB_FLAG_STRING;
		put_gstring(&p, names[k], strlen(names[k]));
		gob_buf_put_int(&p, ids[k]);
		body.len = 0;
		put_flagbody(&body, &flags[i]);
		gob_buf_put_uint(&p, body.len);
		gob_buf_put(&p, body.data, body.len);
	}
	gob_buf_release(&body);
	put_msg(b, &p);
}
