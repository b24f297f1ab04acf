/*
 * gob: the part of Go's encoding/gob that docker-machine's plugin RPC uses
 * (docs: docker-machine-protocol.md, sections 4.1 to 4.7).
 *
 * PURE: bytes in, values out. No I/O, no globals, no printing.
 *
 * Decoding. One struct gob_decoder per stream direction (it holds the type
 * table that the peer builds up over the connection):
 *
 *	struct gob_decoder *dec = gob_decoder_new();
 *	size_t n;
 *	struct gob_value *v;
 *	switch (gob_decode(dec, buf, len, &n, &v, &err)) {
 *	case 1:  use v; gob_value_free(v); drop n bytes from buf; break;
 *	case 0:  read more bytes (at least up to n in total), call again with
 *	         the same start; break;
 *	case -1: err.msg says what and at which offset; the stream is lost;
 *	}
 *	gob_decoder_free(dec);
 *
 * gob_decode() parses one top-level value, with the type definitions that
 * precede it, as one flat byte stream (the algorithm of section 4.5): the
 * byte counts inside interface values are not trusted, and the uint after
 * a type definition inside an interface value is skipped. A call that
 * returns 0 or -1 commits nothing to the type table. Every size read from
 * the wire is checked against the bytes present and against the limits
 * below before anything is allocated.
 *
 * A decoded tree borrows its struct type and field names from the decoder:
 * free the values before the decoder. Values own everything else.
 *
 * Encoding. The plugin uses the "prelude" form of section 4.7: before its
 * first response it sends gob_enc_prelude() (every type it will ever use,
 * with fixed ids 65..72); every later message refers to those ids. Each
 * gob_enc_* function appends one complete length-prefixed message to a
 * struct gob_buf (zero-initialised; gob_buf_release() frees it).
 */
#ifndef GOB_H
#define GOB_H

#include <stddef.h>
#include <stdint.h>

#include "xherr.h"

/* Defaults of the decoder's limits (gob_decoder_set_limits). */
#define GOB_MAX_VALUE_BYTES	(16u << 20)	/* one top-level value, defs included */
#define GOB_MAX_DEPTH		64		/* nested composite values */
#define GOB_MAX_NODES		65536		/* struct gob_value nodes per value */
#define GOB_MAX_TYPES		1024		/* type definitions per stream */
#define GOB_MAX_TYPE_BYTES	(1u << 20)	/* memory of the whole type table */
#define GOB_MAX_IFACE_NAME	1024		/* as Go's decoder */

/* Predefined type ids (section 4.2). User-defined ids start at 65. */
enum gob_builtin_id {
	GOB_ID_BOOL = 1,
	GOB_ID_INT = 2,
	GOB_ID_UINT = 3,
	GOB_ID_FLOAT = 4,
	GOB_ID_BYTES = 5,
	GOB_ID_STRING = 6,
	GOB_ID_COMPLEX = 7,
	GOB_ID_INTERFACE = 8,
	GOB_ID_FIRST_USER = 65,
};

enum gob_kind {
	GOB_NIL,	/* nil interface value */
	GOB_BOOL,
	GOB_INT,
	GOB_UINT,
	GOB_FLOAT,
	GOB_COMPLEX,
	GOB_BYTES,	/* []byte, and GobEncoder/BinaryMarshaler/TextMarshaler */
	GOB_STRING,
	GOB_STRUCT,
	GOB_SLICE,
	GOB_ARRAY,
	GOB_MAP,
	GOB_IFACE,	/* non-nil interface: registered name + concrete value */
};

struct gob_value;

struct gob_field {
	const char *name;		/* borrowed from the decoder's type table */
	struct gob_value *value;
};

struct gob_value {
	enum gob_kind kind;
	int64_t type_id;		/* wire type id of the value */
	union {
		int b;					/* BOOL */
		int64_t i;				/* INT */
		uint64_t u;				/* UINT */
		double f;				/* FLOAT */
		struct { double re, im; } c;		/* COMPLEX */
		struct {				/* BYTES, STRING */
			char *data;	/* NUL-terminated copy; may hold NULs */
			size_t len;
		} s;
		struct {				/* STRUCT: fields present */
			const char *type_name;	/* borrowed; may be "" */
			size_t n;		/* on the wire, in field order */
			struct gob_field *fields;
		} st;
		struct {				/* SLICE, ARRAY */
			size_t n;
			struct gob_value **items;
		} list;
		struct {				/* MAP, in wire order */
			size_t n;
			struct gob_value **keys, **vals;
		} map;
		struct {				/* IFACE */
			char *name;		/* e.g. "*rpcdriver.RPCFlags" */
			struct gob_value *value;
		} iface;
	} u;
};

struct gob_decoder;

struct gob_decoder *gob_decoder_new(void);
void gob_decoder_free(struct gob_decoder *dec);	/* NULL is fine */
/* 0 keeps a limit's current value. */
void gob_decoder_set_limits(struct gob_decoder *dec, size_t max_value_bytes,
    int max_depth, size_t max_nodes);
/* Number of type definitions committed so far (for tests and logs). */
size_t gob_decoder_ntypes(const struct gob_decoder *dec);

/*
 * Decode one top-level value from buf[0..len).
 *  1: *out is the value (caller frees), *n the bytes consumed.
 *  0: incomplete; *n is a lower bound (> len) of the total length needed.
 * -1: malformed or over a limit; err says what and at which offset
 *     (relative to buf).
 */
int gob_decode(struct gob_decoder *dec, const void *buf, size_t len,
    size_t *n, struct gob_value **out, struct xherr *err);

void gob_value_free(struct gob_value *v);	/* NULL is fine */

/*
 * Reading a tree. Every helper accepts NULL and looks through interface
 * values (an IFACE node is replaced by its concrete value), so
 * gob_field(arg, "Values") works on the *rpcdriver.RPCFlags argument.
 */
const char *gob_kind_name(enum gob_kind kind);
/* Concrete value of an interface (NULL for a nil one); v itself otherwise. */
const struct gob_value *gob_unwrap(const struct gob_value *v);
/* Registered name of an interface value, NULL if v is not one. */
const char *gob_iface_name(const struct gob_value *v);
/* Struct field by exact name; NULL if absent (zero value) or not a struct. */
const struct gob_value *gob_field(const struct gob_value *v, const char *name);
/* Map entry by string key; NULL if absent or not a map with string keys. */
const struct gob_value *gob_map_get(const struct gob_value *v, const char *key);
/* STRING or BYTES contents (borrowed, NUL-terminated); NULL otherwise. */
const char *gob_str(const struct gob_value *v, size_t *len);
/* 0 and the number, or -1 when v is no such number or out of range. */
int gob_int(const struct gob_value *v, int64_t *out);	/* INT, UINT */
int gob_uint(const struct gob_value *v, uint64_t *out);	/* UINT, INT >= 0 */
int gob_bool(const struct gob_value *v, int *out);
/* Items of a SLICE or ARRAY; 0 items and NULL otherwise. */
size_t gob_len(const struct gob_value *v);
const struct gob_value *gob_item(const struct gob_value *v, size_t i);
/*
 * A one-line rendering for logs and tests (caller frees):
 * {ServiceMethod:"RPCServerDriver.GetState",Seq:3}, b"{...}" for bytes,
 * *rpcdriver.RPCFlags({Values:{"cpus":int(2)}}), [..], nil.
 */
char *gob_format(const struct gob_value *v);

/* Encoding. */
struct gob_buf {
	uint8_t *data;
	size_t len, cap;
};

void gob_buf_release(struct gob_buf *b);
void gob_buf_put(struct gob_buf *b, const void *p, size_t n);
void gob_buf_put_uint(struct gob_buf *b, uint64_t u);
void gob_buf_put_int(struct gob_buf *b, int64_t i);

/* The ids the prelude defines (section 4.7). */
enum gob_prelude_id {
	GOB_ID_RESPONSE = 65,		/* struct Response {ServiceMethod, Seq, Error} */
	GOB_ID_EMPTY = 66,		/* struct {} */
	GOB_ID_STRINGS = 67,		/* []string */
	GOB_ID_STRINGFLAG = 68,
	GOB_ID_INTFLAG = 69,
	GOB_ID_BOOLFLAG = 70,
	GOB_ID_STRINGSLICEFLAG = 71,
	GOB_ID_FLAGS = 72,		/* []interface (= []mcnflag.Flag) */
};

enum gob_flag_kind {
	GOB_FLAG_STRING,	/* *mcnflag.StringFlag: value */
	GOB_FLAG_INT,		/* *mcnflag.IntFlag: ivalue */
	GOB_FLAG_BOOL,		/* *mcnflag.BoolFlag: no default (false) */
	GOB_FLAG_STRINGS,	/* *mcnflag.StringSliceFlag: values[nvalues] */
};

/* One create flag of GetCreateFlags; NULL strings are sent as "". */
struct gob_flag {
	enum gob_flag_kind kind;
	const char *name;		/* without dashes, e.g. "xhyve-cpu-count" */
	const char *usage;
	const char *envvar;
	const char *value;		/* GOB_FLAG_STRING */
	int64_t ivalue;			/* GOB_FLAG_INT */
	const char *const *values;	/* GOB_FLAG_STRINGS */
	size_t nvalues;
};

/* The 349-byte block defining ids 65..72. */
void gob_enc_prelude(struct gob_buf *b);
/* Response header; error NULL or "" for success. */
void gob_enc_response(struct gob_buf *b, const char *method, uint64_t seq,
    const char *error);
void gob_enc_empty(struct gob_buf *b);
void gob_enc_int(struct gob_buf *b, int64_t v);
void gob_enc_string(struct gob_buf *b, const char *s, size_t len);
void gob_enc_bytes(struct gob_buf *b, const void *p, size_t len);
void gob_enc_flags(struct gob_buf *b, const struct gob_flag *flags, size_t n);

#endif
