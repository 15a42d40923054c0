/*
 * wire.h
 *		Byte-order-independent writing and bounds-checked reading of the
 *		extension's stored formats (flat state values, send/recv).
 *
 * Writers append big-endian fields to a StringInfo.  Readers walk a buffer
 * with a cursor and raise 22P03 (invalid_binary_representation) with the
 * name of the field on any truncation, so a crafted value can never make us
 * read past its end.
 */
#ifndef FUNNEL_WIRE_H
#define FUNNEL_WIRE_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "port/pg_bswap.h"

typedef struct WireReader
{
	const char *data;
	Size		len;
	Size		pos;
	const char *what;			/* type name for messages */
} WireReader;

static inline void
wire_put_u8(StringInfo buf, uint8 v)
{
	appendBinaryStringInfo(buf, (const char *) &v, 1);
}

static inline void
wire_put_u32(StringInfo buf, uint32 v)
{
	uint32		n = pg_hton32(v);

	appendBinaryStringInfo(buf, (const char *) &n, 4);
}

static inline void
wire_put_i64(StringInfo buf, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(buf, (const char *) &n, 8);
}

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

static inline void
wire_put_bytes(StringInfo buf, const void *p, Size n)
{
	wire_put_u32(buf, (uint32) n);
	appendBinaryStringInfo(buf, (const char *) p, (int) n);
}

static inline void
wire_need(WireReader *r, Size n, const char *field)
{
	if (r->len - r->pos < n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value: truncated at %s", r->what, field)));
}

static inline uint8
wire_get_u8(WireReader *r, const char *field)
{
	uint8		v;

	wire_need(r, 1, field);
	v = (uint8) r->data[r->pos];
	r->pos += 1;
	return v;
}

static inline uint32
wire_get_u32(WireReader *r, const char *field)
{
	uint32		n;

	wire_need(r, 4, field);
	memcpy(&n, r->data + r->pos, 4);
	r->pos += 4;
	return pg_ntoh32(n);
}

static inline int64
wire_get_i64(WireReader *r, const char *field)
{
	uint64		n;

	wire_need(r, 8, field);
	memcpy(&n, r->data + r->pos, 8);
	r->pos += 8;
	return (int64) pg_ntoh64(n);
}

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

static inline void
wire_bad(WireReader *r, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid %s value: %s", r->what, problem)));
}

#endif							/* FUNNEL_WIRE_H */
