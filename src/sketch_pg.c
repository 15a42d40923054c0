/*
 * sketch_pg.c
 *		PostgreSQL glue for the quantile sketch: allocation in memory
 *		contexts, the binary and JSON forms, and the small JSON reading
 *		layer that the state types' input functions share.
 *
 * Text forms are JSON so that users can look into a stored state with
 * ::text::jsonb, and so that parsing is PostgreSQL's own (jsonb_in); every
 * value read back is validated (the sketch by qs_from_parts) before it is
 * trusted.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/shortest_dec.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/varlena.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "sketch_pg.h"

static void *
pg_alloc(void *ctx, size_t size)
{
	return MemoryContextAlloc((MemoryContext) ctx, size);
}

static void *
pg_realloc(void *ctx, void *ptr, size_t size)
{
	if (ptr == NULL)
		return MemoryContextAlloc((MemoryContext) ctx, size);
	return repalloc(ptr, size);
}

static void
pg_free(void *ctx, void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

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

void
append_float8(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

void
append_json_string(StringInfo buf, const char *s)
{
	escape_json(buf, s);
}

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

void
jin_bad(const char *type, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: %s", type, problem)));
}

/*
 * The text form parsed by jsonb_in.  Its data exceptions -- a syntax error
 * (22P02) but also a number too large for numeric (22003) or an escape it
 * cannot convert (22P05) -- are malformed input of our type: 22P02, naming
 * our type, with what jsonb_in found wrong.  jsonb_in only parses into memory, so
 * nothing is left to clean up when its error is caught here; any other error
 * (out of memory, cancel) goes on as it was.
 */
JsonbContainer *
jin_parse(const char *str, const char *type)
{
	MemoryContext cxt = CurrentMemoryContext;
	Jsonb	   *volatile j = NULL;
	char	   *volatile problem = NULL;

	PG_TRY();
	{
		j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			PG_RE_THROW();
		FlushErrorState();
		/* json's detail says what is wrong ("Token "x" is invalid.") */
		problem = psprintf("not valid JSON: %s", edata->detail ? edata->detail : edata->message);
	}
	PG_END_TRY();
	if (problem != NULL)
		jin_bad(type, problem);
	if (!JB_ROOT_IS_OBJECT(j))
		jin_bad(type, "expected a JSON object");
	return &j->root;
}

JsonbValue *
jin_get(JsonbContainer *obj, const char *key, bool required, const char *type)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);

	if (v == NULL && required)
		jin_bad(type, psprintf("key \"%s\" is missing", key));
	if (v != NULL && v->type == jbvNull)
		return NULL;
	return v;
}

int64
jin_int64(JsonbValue *v, const char *type, const char *field)
{
	char	   *str;
	char	   *end;
	long long	r;

	if (v == NULL || v->type != jbvNumeric)
		jin_bad(type, psprintf("\"%s\" must be a number", field));
	str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	r = strtoll(str, &end, 10);
	if (*end != '\0' || end == str)
		jin_bad(type, psprintf("\"%s\" must be an integer", field));
	if (errno == ERANGE)
		jin_bad(type, psprintf("\"%s\" is out of range", field));
	return (int64) r;
}

double
jin_float8(JsonbValue *v, const char *type, const char *field)
{
	char	   *str;
	char	   *end;
	double		d;

	if (v == NULL || v->type != jbvNumeric)
		jin_bad(type, psprintf("\"%s\" must be a number", field));
	/*
	 * strtod rounds as float8in does.  Like float8in, accept a subnormal
	 * value (strtod says ERANGE for one, but the output writes them and
	 * binary input takes them) and refuse a value that overflows or
	 * underflows to zero.  JSON "-0" is the numeric 0: +0.
	 */
	str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	d = strtod(str, &end);
	if (*end != '\0' || isnan(d) || isinf(d) || (errno == ERANGE && d == 0))
		jin_bad(type, psprintf("\"%s\" must be a finite float8", field));
	return d;
}

/*
 * The OID of a stage type named in a text value ("schema"."name" as
 * format_type_be_qualified prints it), or 22P02 -- never a parser error.
 */
Oid
jin_enum_type(const char *name, const char *type)
{
	char	   *raw = pstrdup(name);
	List	   *names;
	Oid			typid = InvalidOid;

	if (!SplitIdentifierString(raw, '.', &names) || list_length(names) < 1 || list_length(names) > 2)
		jin_bad(type, psprintf("invalid type name \"%s\"", name));
	if (list_length(names) == 1)
		typid = TypenameGetTypid((char *) linitial(names));
	else
	{
		Oid			nsp = LookupExplicitNamespace((char *) linitial(names), true);

		if (OidIsValid(nsp))
			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									CStringGetDatum((char *) lsecond(names)),
									ObjectIdGetDatum(nsp));
	}
	if (!OidIsValid(typid))
		jin_bad(type, psprintf("type \"%s\" does not exist", name));
	if (get_typtype(typid) != TYPTYPE_ENUM)
		jin_bad(type, psprintf("type %s is not an enum", name));
	return typid;
}

char *
jin_string(JsonbValue *v, const char *type, const char *field)
{
	if (v == NULL || v->type != jbvString)
		jin_bad(type, psprintf("\"%s\" must be a string", field));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

JsonbContainer *
jin_array(JsonbValue *v, const char *type, const char *field)
{
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		jin_bad(type, psprintf("\"%s\" must be an array", field));
	return v->val.binary.data;
}

JsonbContainer *
jin_object(JsonbValue *v, const char *type, const char *field)
{
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		jin_bad(type, psprintf("\"%s\" must be an object", field));
	return v->val.binary.data;
}

uint32
jin_len(JsonbContainer *c)
{
	return JsonContainerSize(c);
}

JsonbValue *
jin_at(JsonbContainer *arr, uint32 i)
{
	return getIthJsonbValueFromContainer(arr, i);
}

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

void
funnel_check_percentile(double q)
{
	if (isnan(q) || q < 0 || q > 1)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("percentile value %g is not between 0 and 1", q)));
}

Interval *
funnel_usecs_interval(int64 us)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->day = (int32) (us / USECS_PER_DAY);
	iv->time = us % USECS_PER_DAY;
	return iv;
}

/*
 * A duration sketch's value as microseconds.  Durations come from int64
 * microseconds, so validated sketches hold values in [0, 2^63] (2^63 - 1
 * rounds up to 2^63 as a double): that is clamped; anything else is out of
 * range (22008), never an undefined conversion.
 */
static int64
duration_usecs(double us)
{
	us = rint(us);
	if (!(us >= -9223372036854775808.0 && us <= 9223372036854775808.0))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	if (us >= 9223372036854775807.0)
		return PG_INT64_MAX;
	return (int64) us;
}

const char *
funnel_duration_sketch_problem(QSketch *qs, const char *what)
{
	QSParts		parts;
	uint32		i;

	if (qs_count(qs) == 0)
		return NULL;
	if (qs_min(qs) < 0)
		return psprintf("negative %s", what);
	if (qs_max(qs) > 9223372036854775808.0)
		return psprintf("%s out of range", what);
	qs_get_parts(qs, &parts);
	for (i = 0; parts.exact && i < parts.nvalues; i++)
		if (parts.values[i] != rint(parts.values[i]))
			return psprintf("a %s is not a whole number of microseconds", what);
	return NULL;
}

Interval *
funnel_duration_quantile(QSketch *qs, double q)
{
	double		first;
	double		second;
	double		proportion;
	Interval   *lo;
	Datum		diff;

	funnel_check_percentile(q);
	if (qs_count(qs) == 0)
		return NULL;
	funnel_qs_check(qs_quantile_neighbours(qs, q, &first, &second, &proportion), "durations");
	lo = funnel_usecs_interval(duration_usecs(first));
	if (proportion == 0)
		return lo;
	diff = DirectFunctionCall2(interval_mi, IntervalPGetDatum(funnel_usecs_interval(duration_usecs(second))),
							   IntervalPGetDatum(lo));
	diff = DirectFunctionCall2(interval_mul, diff, Float8GetDatum(proportion));
	return DatumGetIntervalP(DirectFunctionCall2(interval_pl, diff, IntervalPGetDatum(lo)));
}

int64
funnel_span_usecs(TimestampTz from, TimestampTz to)
{
	int64		d;

	if (pg_sub_s64_overflow(to, from, &d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	return d;
}

char *
funnel_label_name(Oid label)
{
	HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(label));
	char	   *name;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid internal value for enum: %u", label)));
	name = pstrdup(NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel));
	ReleaseSysCache(tup);
	return name;
}

void
funnel_missing_type(Oid typid)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("funnel type with OID %u does not exist", typid),
			 errdetail("The value was made with a funnel whose enum type has since been dropped."),
			 errhint("A value of a dropped funnel can no longer be read; delete it.")));
}

/* no catalog lookup beyond the one format_type makes anyway */
char *
funnel_type_name(Oid typid, bool qualified)
{
	char	   *name = format_type_extended(typid, -1,
											FORMAT_TYPE_INVALID_AS_NULL |
											(qualified ? FORMAT_TYPE_FORCE_QUALIFY : 0));

	if (name == NULL)
		funnel_missing_type(typid);
	return name;
}

bool
funnel_label_belongs(Oid label, Oid typid)
{
	HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(label));
	bool		ok;

	if (!HeapTupleIsValid(tup))
		return false;
	ok = ((Form_pg_enum) GETSTRUCT(tup))->enumtypid == typid;
	ReleaseSysCache(tup);
	return ok;
}
