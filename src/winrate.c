/*
 * winrate.c
 *		funnel.winrate_curve: win rates that count open deals.  Per day since
 *		a deal's creation, how many deals were won, lost, or were still open
 *		(censored) that day; from it the Aalen-Johansen cumulative incidence
 *		of "won" with "lost" as a competing outcome (the win-rate curve),
 *		its confidence band, and the closed and cohort win rates.
 *
 * Days.  A deal's time is the number of whole days (24 hours) from its
 * created_at to its closed_at (won or lost) or, while it is open, to the
 * moment it is censored at (as_of): floor((t - created_at) / 1 day).  A deal
 * created after as_of did not exist then and is not counted; a deal closed
 * after as_of was open at as_of and is censored there, so a curve "as of" a
 * past moment is the one that would have been computed then.  Deals that
 * cannot be placed on the time axis (closed without closed_at, or closed
 * before they were created) are counted as skipped and left out of every
 * figure.
 *
 * State (in memory an expanded object, like funnel.pipeline): counts per
 * day in a survival table (survival.h: a dense array for the first days,
 * grown by doubling, and a sorted sparse array for the rare later days, plus
 * the total of all counts) and the skipped count; the estimator is
 * survival.c's, shared with funnel.stage_outcomes.  It holds no type or label OID: merging
 * is adding, whatever the funnel, so stored states roll up exactly.
 *
 * Flat form (version 1), big-endian (wire.h):
 *	 u8 version | i64 skipped | u32 n | n x (u32 day | i64 won | i64 lost |
 *	 i64 censored), days strictly ascending, no all-zero entry
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "duration.h"
#include "metrics.h"
#include "registry.h"
#include "srf.h"
#include "state.h"
#include "survival.h"
#include "textform.h"
#include "wire.h"

#define WR_VERSION 1
#define WR_TYPE "funnel.winrate_curve"

typedef struct WinRate
{
	FunnelState st;				/* first: expanded-object header */
	MemoryContext cxt;
	int64		skipped;		/* deals left out: no usable closed_at */
	SurvTable	days;			/* won, lost, censored per day since creation */
} WinRate;

/* 22003 for a count that would pass 2^63 - 1 */
static void
wr_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bigint out of range"),
			 errdetail("A count of a %s exceeds 2^63 - 1.", WR_TYPE)));
}

/* funnel.winrate_curve in the state skeleton (state.h), defined below its functions */
static const FunnelStateType winrate_type;

/* a winrate_curve argument, read-only (state.h) */
#define PG_GETARG_WINRATE(n) ((WinRate *) funnel_state_get(&winrate_type, PG_GETARG_DATUM(n)))

/* A new, empty state in cxt (the aggregate's arena, or the current context). */
static FunnelState *
wr_create(MemoryContext cxt)
{
	WinRate    *w = MemoryContextAllocZero(cxt, sizeof(WinRate));

	funnel_state_init(&w->st, &winrate_type, cxt);
	w->cxt = cxt;
	surv_init(&w->days, cxt);
	return &w->st;
}

/* dst += src (src read-only) */
static void
wr_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	WinRate    *dst = (WinRate *) dstst;
	WinRate    *src = (WinRate *) srcst;

	if (pg_add_s64_overflow(dst->skipped, src->skipped, &dst->skipped))
		wr_overflow();
	surv_merge(&dst->days, &src->days, WR_TYPE);
	funnel_state_touch(&dst->st);
}

/* ------------------------------------------------------------------------
 * Flat form, validation
 * ------------------------------------------------------------------------
 */

/* The flat body (see the header comment); w is only read; names is NULL (no OIDs). */
static void
wr_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	WinRate    *w = (WinRate *) st;

	wire_put_u8(buf, WR_VERSION);
	wire_put_i64(buf, w->skipped);
	surv_write(buf, &w->days);
}

#ifdef FUNNEL_CHECK_INVARIANTS
/* The invariants of a live state (state.h): those of its table (survival.c). */
static const char *
wr_check(const void *state)
{
	const WinRate *w = (const WinRate *) state;

	if (w->skipped < 0)
		return "a negative total";
	return surv_problem(&w->days);
}
#endif

/*
 * A flat body read into a new state in cxt and validated (22P03).  The form
 * holds no OIDs, so there is nothing to check against the catalog (and the
 * skeleton gives no dictionary of names: names is NULL).
 */
static FunnelState *
wr_read(const char *data, Size len, MemoryContext cxt, bool check_catalog, const WireNames *names)
{
	WinRate    *w = (WinRate *) wr_create(cxt);
	WireReader	r = {data, len, 0, WR_TYPE};

	if (wire_get_u8(&r, "version") != WR_VERSION)
		wire_bad(&r, "unknown format version");
	w->skipped = wire_get_i64(&r, "skipped");
	if (w->skipped < 0)
		wire_bad(&r, "a count is negative");
	surv_read(&r, &w->days);
	wire_end(&r);
	return &w->st;
}

/* funnel.winrate_curve in the state skeleton (state.h) */
static const FunnelStateType winrate_type = {
	FUNNEL_EXPANDED_METHODS,
	WR_TYPE,
	wr_create,
	wr_write,
	wr_read,
	wr_merge,
	FUNNEL_CHECKER(wr_check)
};

/*
 * Final function of funnel.winrate_curve and funnel.rollup(winrate_curve): the state,
 * handed to the curve's accessors and reports without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(winrate_curve_final);
Datum
winrate_curve_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&winrate_type, fcinfo);
}

/* ------------------------------------------------------------------------
 * Text form: {"version":1,"skipped":N,"days":[[day,won,lost,censored],...]}
 * ------------------------------------------------------------------------
 */

/* text output: the JSON form, days ascending */
PG_FUNCTION_INFO_V1(winrate_curve_out);
Datum
winrate_curve_out(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"skipped\":" INT64_FORMAT ",\"days\":",
					 WR_VERSION, w->skipped);
	surv_json_write(&buf, &w->days);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(winrate_curve_in);
Datum
winrate_curve_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	JsonbContainer *obj = jin_parse(str, WR_TYPE);
	WinRate    *w = (WinRate *) wr_create(CurrentMemoryContext);

	if (jin_int64(jin_get(obj, "version", true, WR_TYPE), WR_TYPE, "version") != WR_VERSION)
		jin_bad(WR_TYPE, "unknown version");
	w->skipped = jin_int64(jin_get(obj, "skipped", true, WR_TYPE), WR_TYPE, "skipped");
	if (w->skipped < 0)
		jin_bad(WR_TYPE, "a count is negative");
	surv_json_read(jin_array(jin_get(obj, "days", true, WR_TYPE), WR_TYPE, "days"), &w->days, WR_TYPE);
	FUNNEL_CHECK_STATE(&winrate_type, w);
	PG_RETURN_DATUM(funnel_state_flat(&w->st));
}

/* binary output: the flat body */
PG_FUNCTION_INFO_V1(winrate_curve_send);
Datum
winrate_curve_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&winrate_type, PG_GETARG_DATUM(0));
}

/* binary input: the flat body, validated */
PG_FUNCTION_INFO_V1(winrate_curve_recv);
Datum
winrate_curve_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&winrate_type, (StringInfo) PG_GETARG_POINTER(0));
}

/* ------------------------------------------------------------------------
 * Aggregate
 * ------------------------------------------------------------------------
 */

/* 22008 for an infinite created_at or closed_at (no day count) */
static void
wr_finite(TimestampTz t, const char *what)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("funnel.winrate_curve: %s must be finite", what)));
}

/* Per-call-site cache (fn_extra): the funnel definition of the stage argument. */
typedef struct WrFnCache
{
	FunnelDefCache defcache;
	Oid			argtype;		/* the stage argument's declared type, once known */
} WrFnCache;

/*
 * funnel.winrate_curve(stage, created_at, closed_at [, as_of]): one deal.
 * Without as_of, open deals are censored at the transaction's start
 * (now(), the same in parallel workers).
 */
PG_FUNCTION_INFO_V1(winrate_curve_transfn);
Datum
winrate_curve_transfn(PG_FUNCTION_ARGS)
{
	const char *fname = "funnel.winrate_curve";
	WinRate    *w;
	WrFnCache  *fc;
	FunnelDef  *def;
	FunnelOutcome outcome;
	int			idx;
	TimestampTz created;
	TimestampTz as_of;
	TimestampTz end;
	SurvCounts	one = {0, 0, 0};
	int64		span;

	if (PG_NARGS() > 4)
	{
		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: as_of must not be NULL", fname)));
		as_of = PG_GETARG_TIMESTAMPTZ(4);
		if (TIMESTAMP_NOT_FINITE(as_of))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: as_of must be finite", fname)));
	}
	else
		as_of = GetCurrentTransactionStartTimestamp();
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return funnel_state_unchanged(fcinfo);	/* no stage, or no start */
	w = (WinRate *) funnel_state_transition(&winrate_type, fcinfo, fname);

	fc = (WrFnCache *) funnel_fn_cache(fcinfo, sizeof(WrFnCache));
	if (!OidIsValid(fc->argtype))
		fc->argtype = funnel_stage_argtype(fcinfo, 1);
	(void) funnel_def_cached(&fc->defcache, fc->argtype);
	idx = funnel_stage_index(&fc->defcache, PG_GETARG_OID(1), &def);
	outcome = def->stages[idx].outcome;

	created = PG_GETARG_TIMESTAMPTZ(2);
	wr_finite(created, "created_at");
	if (created > as_of)
		return funnel_state_result(&w->st);	/* not created yet at as_of */
	end = as_of;
	if (outcome != FUNNEL_OPEN)
	{
		TimestampTz closed;

		if (PG_ARGISNULL(3))
		{
			w->skipped++;		/* closed, but when is unknown */
			funnel_state_touch(&w->st);
			return funnel_state_result(&w->st);
		}
		closed = PG_GETARG_TIMESTAMPTZ(3);
		wr_finite(closed, "closed_at");
		if (closed < created)
		{
			w->skipped++;		/* closed before created: dirty data */
			funnel_state_touch(&w->st);
			return funnel_state_result(&w->st);
		}
		if (closed <= as_of)
		{
			end = closed;
			if (outcome == FUNNEL_WON)
				one.won = 1;
			else
				one.lost = 1;
		}
		else
			one.censored = 1;	/* still open at as_of */
	}
	else
		one.censored = 1;
	span = funnel_span_usecs(created, end);
	surv_add(&w->days, (int32) (span / USECS_PER_DAY), &one, WR_TYPE);
	funnel_state_touch(&w->st);
	return funnel_state_result(&w->st);
}

/* combine function, and transition function of rollup(winrate_curve) */
PG_FUNCTION_INFO_V1(winrate_curve_combine);
Datum
winrate_curve_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&winrate_type, fcinfo, "funnel.rollup");
}

/* ------------------------------------------------------------------------
 * Accessors: the Aalen-Johansen estimator
 * ------------------------------------------------------------------------
 */

/* The estimator itself is in survival.c. */

/*
 * funnel.win_rate_within(c, days): the estimated probability that a deal is
 * won within days days of its creation (F at the last day <= days); NULL
 * when the state counts no deal.
 */
PG_FUNCTION_INFO_V1(winrate_curve_within);
Datum
winrate_curve_within(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	int32		days = PG_GETARG_INT32(1);
	SurvIter	it = {&w->days, 0};
	int32		day;
	const SurvCounts *c;
	AJ			aj;

	if (days < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel.win_rate_within: days must not be negative")));
	if (w->days.total == 0)
		PG_RETURN_NULL();
	aj_init(&aj, &w->days);
	while (surv_next(&it, &day, &c) && day <= days)
		aj_step(&aj, c);
	PG_RETURN_FLOAT8(aj.F);
}

/*
 * funnel.win_rate_curve(c): one row per day with counts -- day, at risk,
 * won, lost, censored, the cumulative win rate and its 95% band (F +/- 1.96
 * standard errors of the delta-method variance, clipped to [0, 1]).
 */
PG_FUNCTION_INFO_V1(winrate_curve_rows);
Datum
winrate_curve_rows(PG_FUNCTION_ARGS)
{
	static const Oid columns[8] = {INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID};
	WinRate    *w = PG_GETARG_WINRATE(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SurvIter	it = {&w->days, 0};
	int32		day;
	const SurvCounts *c;
	AJ			aj;

	funnel_srf_init(fcinfo, "funnel.win_rate_curve", columns, 8, 8);
	aj_init(&aj, &w->days);
	while (surv_next(&it, &day, &c))
	{
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};
		double		se;

		values[0] = Int32GetDatum(day);
		values[1] = Int64GetDatum(aj.at_risk);
		values[2] = Int64GetDatum(c->won);
		values[3] = Int64GetDatum(c->lost);
		values[4] = Int64GetDatum(c->censored);
		aj_step(&aj, c);
		se = sqrt(aj_variance(&aj));
		values[5] = Float8GetDatum(aj.F);
		values[6] = Float8GetDatum(Max(0.0, aj.F - SURV_Z95 * se));
		values[7] = Float8GetDatum(Min(1.0, aj.F + SURV_Z95 * se));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/* funnel.closed_win_rate(c): won / (won + lost), NULL when nothing closed */
PG_FUNCTION_INFO_V1(winrate_curve_closed_rate);
Datum
winrate_curve_closed_rate(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	int64		won;
	int64		lost;
	int64		censored;
	float8		rate;

	surv_totals(&w->days, &won, &lost, &censored);
	if (!funnel_win_rate(won, lost, &rate))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(rate);
}

/* funnel.cohort_win_rate(c): won / all deals counted (open ones too), NULL when none */
PG_FUNCTION_INFO_V1(winrate_curve_cohort_rate);
Datum
winrate_curve_cohort_rate(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	int64		won;
	int64		lost;
	int64		censored;

	surv_totals(&w->days, &won, &lost, &censored);
	if (w->days.total == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((float8) won / (float8) w->days.total);
}
