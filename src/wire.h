/*
 * wire.h
 *		Byte-order-independent writing and bounds-checked reading of the
 *		extension's stored formats (flat state values, send/recv).
 *
 * Writers append big-endian fields to a StringInfo (the same bytes as
 * pq_sendint8/32/64 and pq_sendfloat8).  Readers walk a buffer with a cursor
 * and raise 22P03 (invalid_binary_representation) with the name of the
 * field on any truncation, so a crafted value can never make us read past
 * its end.  Every 22P03 of the extension says "invalid <type> value:
 * <problem>" (wire_bad, wire_error).
 *
 * A send function: wire_begin_send, wire_put_*, wire_end_send.  A recv
 * function: wire_reader_msg, wire_get_*, wire_end (no trailing bytes),
 * wire_done_msg (the message consumed).
 *
 * Names instead of OIDs.  A stored value holds its funnel type's OID and its
 * stages' enum label OIDs, which only mean something in the cluster (the
 * node) that made them.  The binary form that send writes and recv reads is
 * portable: the same body, with the type field saying only whether there is
 * a type (0 or 1) and each label field holding an index into a dictionary
 * that goes first -- the type by schema and name, each label used by its
 * name, once (wire_names.c).  Writers and readers of a body go through
 * wire_put_type/wire_put_label and wire_get_type/wire_get_label: with no
 * dictionary (WireNames NULL, the stored flat form and the OID forms that
 * recv still reads) they are plain OIDs.
 */
#ifndef FUNNEL_WIRE_H
#define FUNNEL_WIRE_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "port/pg_bswap.h"

/*
 * The dictionary of a portable binary form (wire_names.c): while writing,
 * the labels met so far; while reading, the labels and type named, resolved
 * in this node's catalog.
 */
typedef struct WireNames
{
	Oid			typid;			/* the value's funnel type, InvalidOid for none */
	int			n;				/* labels in the dictionary */
	int			cap;
	Oid		   *labels;			/* index -> this node's label OID */
	int			nslots;			/* label -> index hash: a power of two > 2n */
	int32	   *slots;			/* index + 1, 0 when empty */
} WireNames;

/* a cursor over a binary value being read */
typedef struct WireReader
{
	const char *data;
	Size		len;
	Size		pos;
	const char *what;			/* type name for messages */
	const WireNames *names;		/* a portable form's dictionary, or NULL: OIDs */
} WireReader;

/* Start a send function's bytea: room for the varlena header. */
static inline void
wire_begin_send(StringInfo buf)
{
	initStringInfo(buf);
	appendStringInfoSpaces(buf, VARHDRSZ);
}

/* The bytea begun by wire_begin_send, with its length set. */
static inline bytea *
wire_end_send(StringInfo buf)
{
	SET_VARSIZE(buf->data, buf->len);
	return (bytea *) buf->data;
}

/* Append one byte. */
static inline void
wire_put_u8(StringInfo buf, uint8 v)
{
	appendBinaryStringInfo(buf, (const char *) &v, 1);
}

/* Append a big-endian 32-bit integer. */
static inline void
wire_put_u32(StringInfo buf, uint32 v)
{
	uint32		n = pg_hton32(v);

	appendBinaryStringInfo(buf, (const char *) &n, 4);
}

/* Append a big-endian 64-bit integer. */
static inline void
wire_put_i64(StringInfo buf, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(buf, (const char *) &n, 8);
}

/* Append a double as its IEEE bits, big-endian (as pq_sendfloat8). */
static inline void
wire_put_f64(StringInfo buf, float8 v)
{
	union
	{
		float8		f;
		uint64		i;
	}			u;

	u.f = v;
	wire_put_i64(buf, (int64) u.i);
}

/* Append n bytes as they are, without a length. */
static inline void
wire_put_raw(StringInfo buf, const void *p, Size n)
{
	appendBinaryStringInfo(buf, (const char *) p, (int) n);
}

/* Append a byte string prefixed with its 32-bit length. */
static inline void
wire_put_bytes(StringInfo buf, const void *p, Size n)
{
	wire_put_u32(buf, (uint32) n);
	appendBinaryStringInfo(buf, (const char *) p, (int) n);
}

/* Raise 22P03 "invalid <what> value: <problem>". */
static inline void
wire_fail(const char *what, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid %s value: %s", what, problem)));
}

/* The same with a formatted problem: wire_error(type name, format, args...). */
#define wire_error(what, ...) wire_fail((what), psprintf(__VA_ARGS__))

/* A reader over the rest of a recv function's message. */
static inline WireReader
wire_reader_msg(StringInfo msg, const char *what)
{
	WireReader	r;

	r.data = msg->data + msg->cursor;
	r.len = (Size) (msg->len - msg->cursor);
	r.pos = 0;
	r.what = what;
	return r;
}

/* Bytes not read yet. */
static inline Size
wire_left(const WireReader *r)
{
	return r->len - r->pos;
}

/* Raise 22P03 when the reader has not reached the end. */
static inline void
wire_end(WireReader *r)
{
	if (r->pos != r->len)
		wire_fail(r->what, "trailing bytes");
}

/* Advance the recv message past what the reader read. */
static inline void
wire_done_msg(const WireReader *r, StringInfo msg)
{
	msg->cursor += (int) r->pos;
}

/* 22P03 unless n more bytes are left; field names what was cut. */
static inline void
wire_need(WireReader *r, Size n, const char *field)
{
	if (r->len - r->pos < n)
		wire_error(r->what, "truncated at %s", field);
}

/* Read one byte. */
static inline uint8
wire_get_u8(WireReader *r, const char *field)
{
	uint8		v;

	wire_need(r, 1, field);
	v = (uint8) r->data[r->pos];
	r->pos += 1;
	return v;
}

/* Read a big-endian 32-bit integer. */
static inline uint32
wire_get_u32(WireReader *r, const char *field)
{
	uint32		n;

	wire_need(r, 4, field);
	memcpy(&n, r->data + r->pos, 4);
	r->pos += 4;
	return pg_ntoh32(n);
}

/* Read a big-endian 64-bit integer. */
static inline int64
wire_get_i64(WireReader *r, const char *field)
{
	uint64		n;

	wire_need(r, 8, field);
	memcpy(&n, r->data + r->pos, 8);
	r->pos += 8;
	return (int64) pg_ntoh64(n);
}

/* Read a double written by wire_put_f64. */
static inline float8
wire_get_f64(WireReader *r, const char *field)
{
	union
	{
		float8		f;
		uint64		i;
	}			u;

	u.i = (uint64) wire_get_i64(r, field);
	return u.f;
}

/* n bytes without a length; returns a pointer into the buffer. */
static inline const char *
wire_get_raw(WireReader *r, Size n, const char *field)
{
	const char *p;

	wire_need(r, n, field);
	p = r->data + r->pos;
	r->pos += n;
	return p;
}

/* A length-prefixed byte string; returns a pointer into the buffer. */
static inline const char *
wire_get_bytes(WireReader *r, Size *n, const char *field)
{
	const char *p;

	*n = wire_get_u32(r, field);
	wire_need(r, *n, field);
	p = r->data + r->pos;
	r->pos += *n;
	return p;
}

/* Raise 22P03 "invalid <type> value: <problem>" for the value being read. */
static inline void
wire_bad(WireReader *r, const char *problem)
{
	wire_fail(r->what, problem);
}

/* ------------------------------------------------------------------------
 * Names instead of OIDs (wire_names.c)
 * ------------------------------------------------------------------------
 */

/* the first byte of a portable form: never a version byte of a stored form */
#define WIRE_PORTABLE_MARK 0xFE
#define WIRE_PORTABLE_VERSION 1

extern void wire_names_init(WireNames *names);
extern void wire_names_put_type(StringInfo buf, WireNames *names, Oid typid);
extern void wire_names_put_label(StringInfo buf, WireNames *names, Oid label);
extern Oid	wire_names_get_type(WireReader *r, const char *field);
extern Oid	wire_names_get_label(WireReader *r, const char *field);

/* a send function's bytea: the dictionary of names, then the body written with it */
extern bytea *wire_portable_send(WireNames *names, StringInfo body, const char *what);

/* does a recv function's message hold a portable form (else an OID form)? */
extern bool wire_is_portable(StringInfo msg);

/*
 * A reader over the body of the portable form in a recv function's message,
 * its dictionary read and resolved into *names (22P03 for a type or label
 * this node does not have).
 */
extern WireReader wire_portable_reader(StringInfo msg, const char *what, WireNames *names);

/* Append the funnel type field: the OID, or (portable) 0 or 1. */
static inline void
wire_put_type(StringInfo buf, WireNames *names, Oid typid)
{
	if (names == NULL)
		wire_put_u32(buf, typid);
	else
		wire_names_put_type(buf, names, typid);
}

/* Append a label field: the OID, or (portable) its index in the dictionary. */
static inline void
wire_put_label(StringInfo buf, WireNames *names, Oid label)
{
	if (names == NULL)
		wire_put_u32(buf, label);
	else
		wire_names_put_label(buf, names, label);
}

/* Read the funnel type field: an OID (unchecked), or the dictionary's type. */
static inline Oid
wire_get_type(WireReader *r, const char *field)
{
	if (r->names == NULL)
		return (Oid) wire_get_u32(r, field);
	return wire_names_get_type(r, field);
}

/* Read a label field: an OID (unchecked), or the dictionary's label. */
static inline Oid
wire_get_label(WireReader *r, const char *field)
{
	if (r->names == NULL)
		return (Oid) wire_get_u32(r, field);
	return wire_names_get_label(r, field);
}

#endif							/* FUNNEL_WIRE_H */
