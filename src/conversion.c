/*
 * conversion.c
 *		funnel.conversion: the fixed-size state of funnel.conversion_rate(
 *		reached_from bool, reached_to bool), the share of rows with
 *		reached_from that also have reached_to.
 *
 * Two int64 counters, updated in place in the aggregate context (the state
 * is allocated once per group, as int4_avg_accum does with its array).
 * Text form: {"from":N,"converted":M}; binary: two int64.
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "metrics.h"
#include "textform.h"

typedef struct Conversion
{
	int64		from;			/* rows with reached_from */
	int64		converted;		/* ... that also have reached_to */
} Conversion;

#define CONVERSION_TYPE "funnel.conversion"

static void
conversion_check(const Conversion *c, bool binary)
{
	if (c->from >= 0 && c->converted >= 0 && c->converted <= c->from)
		return;
	if (binary)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value: need 0 <= converted <= from", CONVERSION_TYPE)));
	jin_bad(CONVERSION_TYPE, "need 0 <= converted <= from");
}

PG_FUNCTION_INFO_V1(conversion_in);
Datum
conversion_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), CONVERSION_TYPE);
	Conversion *c = palloc(sizeof(Conversion));

	c->from = jin_int64(jin_get(obj, "from", true, CONVERSION_TYPE), CONVERSION_TYPE, "from");
	c->converted = jin_int64(jin_get(obj, "converted", true, CONVERSION_TYPE), CONVERSION_TYPE, "converted");
	conversion_check(c, false);
	PG_RETURN_POINTER(c);
}

PG_FUNCTION_INFO_V1(conversion_out);
Datum
conversion_out(PG_FUNCTION_ARGS)
{
	Conversion *c = (Conversion *) PG_GETARG_POINTER(0);

	PG_RETURN_CSTRING(psprintf("{\"from\":" INT64_FORMAT ",\"converted\":" INT64_FORMAT "}",
							   c->from, c->converted));
}

PG_FUNCTION_INFO_V1(conversion_send);
Datum
conversion_send(PG_FUNCTION_ARGS)
{
	Conversion *c = (Conversion *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, c->from);
	pq_sendint64(&buf, c->converted);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(conversion_recv);
Datum
conversion_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Conversion *c = palloc(sizeof(Conversion));

	if (buf->len - buf->cursor != 2 * sizeof(int64))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s value: expected 16 bytes", CONVERSION_TYPE)));
	c->from = pq_getmsgint64(buf);
	c->converted = pq_getmsgint64(buf);
	conversion_check(c, true);
	PG_RETURN_POINTER(c);
}

static Conversion *
conversion_state(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("funnel.conversion_rate called in non-aggregate context")));
	if (PG_ARGISNULL(0))
		return MemoryContextAllocZero(aggcxt, sizeof(Conversion));
	return (Conversion *) PG_GETARG_POINTER(0);
}

/*
 * A row counts when reached_from is true; it converts when reached_to is
 * true too.  NULL reached_from: the row is skipped; NULL reached_to: not
 * converted.
 */
PG_FUNCTION_INFO_V1(conversion_transfn);
Datum
conversion_transfn(PG_FUNCTION_ARGS)
{
	Conversion *c;

	if (PG_ARGISNULL(1) || !PG_GETARG_BOOL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	c = conversion_state(fcinfo);
	c->from++;
	if (!PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
		c->converted++;
	PG_RETURN_POINTER(c);
}

PG_FUNCTION_INFO_V1(conversion_combine);
Datum
conversion_combine(PG_FUNCTION_ARGS)
{
	Conversion *c;
	Conversion *other;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	c = conversion_state(fcinfo);
	other = (Conversion *) PG_GETARG_POINTER(1);
	c->from += other->from;
	c->converted += other->converted;
	PG_RETURN_POINTER(c);
}

PG_FUNCTION_INFO_V1(conversion_final);
Datum
conversion_final(PG_FUNCTION_ARGS)
{
	Conversion *c;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = (Conversion *) PG_GETARG_POINTER(0);
	if (c->from == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(funnel_conversion_rate(c->converted, c->from));
}
