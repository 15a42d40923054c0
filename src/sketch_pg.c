/*
 * sketch_pg.c
 *		PostgreSQL glue for the plain-C quantile sketch (sketch.c):
 *		allocation in memory contexts, its errors as ereport, and its binary
 *		and JSON forms inside the extension's stored values.
 *
 * The sketch library knows nothing of PostgreSQL, so that it can be tested
 * and fuzzed on its own; this file is the only place where it meets the
 * server.  Every sketch read back, from either form, is validated by the
 * library (qs_deserialize, qs_from_parts) before it is trusted.
 */
#include "postgres.h"

#include "sketch_pg.h"
#include "textform.h"

/* QSAllocator.alloc: memory from the context the allocator was made for */
static void *
pg_alloc(void *ctx, size_t size)
{
	return MemoryContextAlloc((MemoryContext) ctx, size);
}

/* QSAllocator.realloc: resize a chunk within its own context (or allocate one) */
static void *
pg_realloc(void *ctx, void *ptr, size_t size)
{
	if (ptr == NULL)
		return MemoryContextAlloc((MemoryContext) ctx, size);
	return repalloc(ptr, size);
}

/* QSAllocator.free: give a chunk back to its context */
static void
pg_free(void *ctx, void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

/*
 * A QSAllocator whose memory comes from cxt, so that a sketch lives and dies
 * with the state (or the query) that owns it.
 */
QSAllocator
funnel_qs_allocator(MemoryContext cxt)
{
	QSAllocator a;

	a.alloc = pg_alloc;
	a.realloc = pg_realloc;
	a.free = pg_free;
	a.ctx = cxt;
	return a;
}

/*
 * Turn a sketch library result code into the error a user should see:
 * 22023 for a non-finite value, 22003 for a bad percentile, 54000 when a
 * count would overflow; anything else is an internal error.  what names the
 * values ("deal sizes") in the message.
 */
void
funnel_qs_check(int rc, const char *what)
{
	if (rc == QS_OK)
		return;
	if (rc == QS_ERR_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite", what)));
	if (rc == QS_ERR_PERCENTILE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("percentile value must be between 0 and 1")));
	if (rc == QS_ERR_OVERFLOW)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values in %s", what)));
	elog(ERROR, "quantile sketch of %s: %s", what, qs_strerror(rc));
}

/* The binary form of a sketch inside a stored value: length, then qs_serialize's bytes. */
void
qs_wire_write(StringInfo buf, QSketch *qs)
{
	size_t		n = qs_serialized_size(qs);

	wire_put_u32(buf, (uint32) n);
	enlargeStringInfo(buf, (int) n);
	if (qs_serialize(qs, (unsigned char *) buf->data + buf->len, n) != n)
		elog(ERROR, "could not serialize a quantile sketch");
	buf->len += (int) n;
	buf->data[buf->len] = '\0';
}

/*
 * Read a sketch written by qs_wire_write into qs (memory from cxt); a bad
 * sketch or trailing bytes inside its length are 22P03.
 */
void
qs_wire_read(WireReader *r, QSketch *qs, MemoryContext cxt)
{
	Size		n;
	const char *p = wire_get_bytes(r, &n, "quantile sketch");
	QSAllocator a = funnel_qs_allocator(cxt);
	size_t		used;
	int			rc = qs_deserialize(qs, &a, (const unsigned char *) p, n, &used);

	if (rc != QS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value: bad quantile sketch: %s", r->what, qs_strerror(rc))));
	if (used != n)
		wire_bad(r, "trailing bytes after a quantile sketch");
}

/*
 * The JSON form of a sketch: {"n":..,"values":[..]} while exact, else
 * {"n":..,"min":..,"max":..,"zero":..,"neg":[lo,[..]],"pos":[lo,[..]]}.
 */
void
qs_json_write(StringInfo buf, QSketch *qs)
{
	QSParts		parts;
	uint32		i;
	int			side;

	qs_get_parts(qs, &parts);
	appendStringInfo(buf, "{\"n\":" UINT64_FORMAT, (uint64) parts.count);
	if (parts.exact)
	{
		appendStringInfoString(buf, ",\"values\":[");
		for (i = 0; i < parts.nvalues; i++)
		{
			if (i > 0)
				appendStringInfoChar(buf, ',');
			append_float8(buf, parts.values[i]);
		}
		appendStringInfoString(buf, "]}");
		return;
	}
	appendStringInfoString(buf, ",\"min\":");
	append_float8(buf, parts.min);
	appendStringInfoString(buf, ",\"max\":");
	append_float8(buf, parts.max);
	appendStringInfo(buf, ",\"zero\":" UINT64_FORMAT, (uint64) parts.zero_count);
	for (side = 0; side < 2; side++)
	{
		appendStringInfo(buf, ",\"%s\":[%d,[", side == QS_NEGATIVE ? "neg" : "pos", parts.lo[side]);
		for (i = 0; i < parts.nbuckets[side]; i++)
			appendStringInfo(buf, i > 0 ? "," UINT64_FORMAT : UINT64_FORMAT,
							 (uint64) parts.counts[side][i]);
		appendStringInfoString(buf, "]]");
	}
	appendStringInfoChar(buf, '}');
}

/*
 * Read the JSON form of a sketch (the value of key field of a state of type
 * `type`) into qs, memory from cxt; every count and bound is checked before
 * allocation, and the sketch as a whole by qs_from_parts: 22P02 otherwise.
 */
void
qs_json_read(JsonbValue *v, QSketch *qs, MemoryContext cxt, const char *type, const char *field)
{
	JsonbContainer *obj = jin_object(v, type, field);
	QSParts		parts;
	QSAllocator a = funnel_qs_allocator(cxt);
	JsonbValue *values;
	int			rc;
	int			side;
	double	   *vals = NULL;
	uint64	   *counts[2] = {NULL, NULL};

	memset(&parts, 0, sizeof(parts));
	parts.count = (uint64) jin_int64(jin_get(obj, "n", true, type), type, field);
	if ((int64) parts.count < 0)
		jin_bad(type, psprintf("negative count in \"%s\"", field));
	values = jin_get(obj, "values", false, type);
	if (values != NULL)
	{
		JsonbContainer *arr = jin_array(values, type, field);
		uint32		n = jin_len(arr);
		uint32		i;

		if (n > QS_EXACT_LIMIT)
			jin_bad(type, psprintf("too many exact values in \"%s\"", field));
		parts.exact = 1;
		vals = palloc(sizeof(double) * Max(n, 1));
		for (i = 0; i < n; i++)
			vals[i] = jin_float8(jin_at(arr, i), type, field);
		parts.values = vals;
		parts.nvalues = n;
		parts.min = n > 0 ? vals[0] : 0;
		parts.max = n > 0 ? vals[n - 1] : 0;
	}
	else
	{
		parts.exact = 0;
		parts.min = jin_float8(jin_get(obj, "min", true, type), type, field);
		parts.max = jin_float8(jin_get(obj, "max", true, type), type, field);
		parts.zero_count = (uint64) jin_int64(jin_get(obj, "zero", true, type), type, field);
		for (side = 0; side < 2; side++)
		{
			const char *key = side == QS_NEGATIVE ? "neg" : "pos";
			JsonbContainer *store = jin_array(jin_get(obj, key, true, type), type, key);
			JsonbContainer *carr;
			uint32		n;
			uint32		i;
			int64		lo;

			if (jin_len(store) != 2)
				jin_bad(type, psprintf("\"%s\" must be [first index, [counts]]", key));
			lo = jin_int64(jin_at(store, 0), type, key);
			if (lo < QS_INDEX_MIN || lo > QS_INDEX_MAX)
				jin_bad(type, psprintf("bucket index out of range in \"%s\"", field));
			carr = jin_array(jin_at(store, 1), type, key);
			n = jin_len(carr);
			if (n > QS_MAX_BUCKETS)
				jin_bad(type, psprintf("too many buckets in \"%s\"", field));
			counts[side] = palloc(sizeof(uint64) * Max(n, 1));
			for (i = 0; i < n; i++)
			{
				int64		c = jin_int64(jin_at(carr, i), type, key);

				if (c < 0)
					jin_bad(type, psprintf("negative bucket count in \"%s\"", field));
				counts[side][i] = (uint64) c;
			}
			parts.lo[side] = (int32) lo;
			parts.nbuckets[side] = n;
			parts.counts[side] = counts[side];
		}
	}
	rc = qs_from_parts(qs, &a, &parts);
	if (rc != QS_OK)
		jin_bad(type, psprintf("bad quantile sketch in \"%s\": %s", field, qs_strerror(rc)));
	if (vals)
		pfree(vals);
	for (side = 0; side < 2; side++)
		if (counts[side])
			pfree(counts[side]);
}
