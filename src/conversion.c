/*
 * conversion.c
 *		funnel.conversion: the fixed-size state of funnel.conversion_rate(
 *		reached_from bool, reached_to bool), the share of rows with
 *		reached_from that also have reached_to.
 *
 * Two int64 counters, updated in place in the aggregate context (the state
 * is allocated once per group, as int4_avg_accum does with its array): a
 * fixed-size value, the cheapest state there is, so it stays flat and shares
 * only the aggregate entry, the row-skip prologue, the binary codec and the
 * invariant check of the state skeleton (state.h).
 * Text form: {"from":N,"converted":M}; binary: two int64 (wire.h).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "metrics.h"
#include "state.h"
#include "textform.h"
#include "wire.h"

typedef struct Conversion
{
	int64		from;			/* rows with reached_from */
	int64		converted;		/* ... that also have reached_to */
} Conversion;

#define CONVERSION_TYPE "funnel.conversion"

/* the binary form: from, converted, two int64 */
#define CONVERSION_WIRE_SIZE (2 * sizeof(int64))

/* What is wrong with a conversion state, or NULL. */
static const char *
conversion_problem(const void *state)
{
	const Conversion *c = (const Conversion *) state;

	if (c->from >= 0 && c->converted >= 0 && c->converted <= c->from)
		return NULL;
	return "need 0 <= converted <= from";
}

/* funnel.conversion in the state skeleton: a flat type (state.h) */
static const FunnelStateType conversion_type = {
	.name = CONVERSION_TYPE,
	.check = FUNNEL_CHECKER(conversion_problem)
};


/* text input: {"from":N,"converted":M} */
PG_FUNCTION_INFO_V1(conversion_in);
Datum
conversion_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), CONVERSION_TYPE);
	Conversion *c = palloc(sizeof(Conversion));

	c->from = jin_int64(jin_get(obj, "from", true, CONVERSION_TYPE), CONVERSION_TYPE, "from");
	c->converted = jin_int64(jin_get(obj, "converted", true, CONVERSION_TYPE), CONVERSION_TYPE, "converted");
	funnel_state_refuse(CONVERSION_TYPE, false, conversion_problem(c));
	PG_RETURN_POINTER(c);
}

/* text output */
PG_FUNCTION_INFO_V1(conversion_out);
Datum
conversion_out(PG_FUNCTION_ARGS)
{
	Conversion *c = (Conversion *) PG_GETARG_POINTER(0);

	PG_RETURN_CSTRING(psprintf("{\"from\":" INT64_FORMAT ",\"converted\":" INT64_FORMAT "}",
							   c->from, c->converted));
}

/* binary output: from, converted */
PG_FUNCTION_INFO_V1(conversion_send);
Datum
conversion_send(PG_FUNCTION_ARGS)
{
	Conversion *c = (Conversion *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	wire_begin_send(&buf);
	wire_put_i64(&buf, c->from);
	wire_put_i64(&buf, c->converted);
	PG_RETURN_BYTEA_P(wire_end_send(&buf));
}

/* binary input: exactly from and converted, validated */
PG_FUNCTION_INFO_V1(conversion_recv);
Datum
conversion_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	WireReader	r = wire_reader_msg(buf, CONVERSION_TYPE);
	Conversion *c = palloc(sizeof(Conversion));

	if (wire_left(&r) != CONVERSION_WIRE_SIZE)
		wire_error(CONVERSION_TYPE, "expected %d bytes", (int) CONVERSION_WIRE_SIZE);
	c->from = wire_get_i64(&r, "from");
	c->converted = wire_get_i64(&r, "converted");
	wire_done_msg(&r, buf);
	funnel_state_refuse(CONVERSION_TYPE, true, conversion_problem(c));
	FUNNEL_CHECK_STATE(&conversion_type, c);
	PG_RETURN_POINTER(c);
}

/* The transition state: argument 0, or a new one in the aggregate context. */
static Conversion *
conversion_state(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt = funnel_agg_context(fcinfo, "funnel.conversion_rate");

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
		return funnel_state_unchanged(fcinfo);
	c = conversion_state(fcinfo);
	c->from++;
	if (!PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
		c->converted++;
	FUNNEL_CHECK_STATE(&conversion_type, c);
	PG_RETURN_POINTER(c);
}

/* combine function: state 1 += state 2 */
PG_FUNCTION_INFO_V1(conversion_combine);
Datum
conversion_combine(PG_FUNCTION_ARGS)
{
	Conversion *c;
	Conversion *other;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	c = conversion_state(fcinfo);
	other = (Conversion *) PG_GETARG_POINTER(1);
	c->from += other->from;
	c->converted += other->converted;
	FUNNEL_CHECK_STATE(&conversion_type, c);
	PG_RETURN_POINTER(c);
}

/* final function: converted / from (NULL when no row counted) */
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
