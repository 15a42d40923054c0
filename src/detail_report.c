/*
 * detail_report.c
 *		funnel.detail_report: the funnel chart of window_funnel_detail's
 *		results.  An aggregate over funnel.funnel_detail values (one per
 *		entity) whose mergeable state counts, per step, the entities that
 *		reached it and keeps the durations of the step (time from the previous
 *		reached step) in a quantile sketch (sketch.h: exact up to 1024 values,
 *		then within 1%); funnel.detail_steps turns it into rows.
 *
 * State (an expanded object in the state skeleton, state.h).  Flat body,
 * big-endian (wire.h):
 *	 u8 version | u8 steps (0 before the first entity) | i64 entities |
 *	 steps x (i64 reached | i64 timed | i64 sum of durations (us) | sketch)
 * reached counts the entities whose level is at least the step; timed
 * those with a duration at the step (an optional step left out has none);
 * the sum and the sketch are over those durations.  The text form is the
 * flat body in hexadecimal, read back through the same checks.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "detail_engine.h"
#include "detail_options.h"
#include "duration.h"
#include "sketch_pg.h"
#include "srf.h"
#include "state.h"
#include "hexform.h"
#include "wire.h"

#define DR_TYPE "funnel.detail_report"
#define DR_VERSION 1

/* the columns of funnel.funnel_detail it reads */
#define DR_COL_LEVEL 1
#define DR_COL_STEPS 2
#define DR_COL_DURATIONS 5

typedef struct DrStep
{
	int64		reached;
	int64		timed;
	int64		sum;			/* microseconds */
	QSketch		qs;
} DrStep;

typedef struct DetailReport
{
	FunnelState st;				/* first: expanded-object header */
	MemoryContext cxt;
	int			nsteps;
	int64		entities;
	DrStep		step[WFD_MAX_STEPS];
} DetailReport;

static const FunnelStateType report_type;

#define PG_GETARG_REPORT(n) ((DetailReport *) funnel_state_get(&report_type, PG_GETARG_DATUM(n)))

/* 22003 for a count or sum past 2^63 - 1 */
static void
dr_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bigint out of range"),
			 errdetail("A count or a sum of durations of a %s exceeds 2^63 - 1.", DR_TYPE)));
}

/* a new, empty state in cxt */
static FunnelState *
dr_create(MemoryContext cxt)
{
	DetailReport *d = MemoryContextAllocZero(cxt, sizeof(DetailReport));
	QSAllocator a = funnel_qs_allocator(cxt);
	int			k;

	funnel_state_init(&d->st, &report_type, cxt);
	d->cxt = cxt;
	for (k = 0; k < WFD_MAX_STEPS; k++)
		qs_init(&d->step[k].qs, &a);
	return &d->st;
}

/* the number of steps of a state may be set once (22023 for another) */
static void
dr_set_steps(DetailReport *d, int nsteps)
{
	if (d->nsteps == 0)
		d->nsteps = nsteps;
	else if (nsteps != 0 && d->nsteps != nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot mix funnels of %d and %d steps", DR_TYPE, d->nsteps, nsteps),
				 errhint("Report each funnel on its own (GROUP BY the funnel).")));
}

/* dst += src */
static void
dr_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	DetailReport *dst = (DetailReport *) dstst;
	DetailReport *src = (DetailReport *) srcst;
	int			k;

	dr_set_steps(dst, src->nsteps);
	if (pg_add_s64_overflow(dst->entities, src->entities, &dst->entities))
		dr_overflow();
	for (k = 0; k < src->nsteps; k++)
	{
		DrStep	   *a = &dst->step[k];
		const DrStep *b = &src->step[k];

		if (pg_add_s64_overflow(a->reached, b->reached, &a->reached) ||
			pg_add_s64_overflow(a->timed, b->timed, &a->timed) ||
			pg_add_s64_overflow(a->sum, b->sum, &a->sum))
			dr_overflow();
		funnel_qs_check(qs_merge(&a->qs, &b->qs), "step durations");
	}
	funnel_state_touch(&dst->st);
}

/* the flat body (see the header comment) */
static void
dr_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	DetailReport *d = (DetailReport *) st;
	int			k;

	wire_put_u8(buf, DR_VERSION);
	wire_put_u8(buf, (uint8) d->nsteps);
	wire_put_i64(buf, d->entities);
	for (k = 0; k < d->nsteps; k++)
	{
		wire_put_i64(buf, d->step[k].reached);
		wire_put_i64(buf, d->step[k].timed);
		wire_put_i64(buf, d->step[k].sum);
		funnel_sketch_wire_write(buf, &d->step[k].qs);
	}
}

/*
 * The first broken invariant, or NULL: counts not negative, reached not
 * increasing along the steps and at most the entities, timed at most
 * reached, the sketch holding the timed durations.
 */
static const char *
dr_problem(const DetailReport *d)
{
	int			k;

	if (d->nsteps < 0 || d->nsteps > WFD_MAX_STEPS || d->entities < 0)
		return "bad number of steps or entities";
	if (d->nsteps == 0 && d->entities != 0)
		return "entities without steps";
	for (k = 0; k < d->nsteps; k++)
	{
		const DrStep *s = &d->step[k];

		if (s->reached < 0 || s->timed < 0 || s->sum < 0 || s->timed > s->reached ||
			s->reached > (k == 0 ? d->entities : d->step[k - 1].reached))
			return "step counts out of order";
		if ((int64) qs_count(&s->qs) != s->timed)
			return "a step's durations do not match its count";
		if (k == 0 && (s->timed != s->reached || s->sum != 0))
			return "step 1 has no duration";
	}
	return NULL;
}

#ifdef FUNNEL_CHECK_INVARIANTS
/* the invariants of a live state (state.h) */
static const char *
dr_check(const void *state)
{
	const DetailReport *d = (const DetailReport *) state;
	int			k;

	for (k = 0; k < d->nsteps; k++)
	{
		const char *p = funnel_sketch_problem(&d->step[k].qs);

		if (p)
			return p;
	}
	return dr_problem(d);
}
#endif

/* a flat body read into a new state in cxt and checked (22P03) */
static FunnelState *
dr_read(const char *data, Size len, MemoryContext cxt, bool check_catalog, const WireNames *names)
{
	DetailReport *d = (DetailReport *) dr_create(cxt);
	WireReader	r = {data, len, 0, DR_TYPE};
	const char *problem;
	int			k;

	if (wire_get_u8(&r, "version") != DR_VERSION)
		wire_bad(&r, "unknown format version");
	d->nsteps = wire_get_u8(&r, "steps");
	if (d->nsteps > WFD_MAX_STEPS)
		wire_bad(&r, "more than 32 steps");
	d->entities = wire_get_i64(&r, "entities");
	for (k = 0; k < d->nsteps; k++)
	{
		d->step[k].reached = wire_get_i64(&r, "reached");
		d->step[k].timed = wire_get_i64(&r, "timed");
		d->step[k].sum = wire_get_i64(&r, "sum");
		qs_wire_read(&r, &d->step[k].qs, cxt);
		problem = funnel_duration_sketch_problem(&d->step[k].qs, "step duration");
		if (problem)
			wire_bad(&r, problem);
	}
	wire_end(&r);
	problem = dr_problem(d);
	if (problem)
		wire_bad(&r, problem);
	return &d->st;
}

static const FunnelStateType report_type = {
	FUNNEL_EXPANDED_METHODS,
	DR_TYPE,
	dr_create,
	dr_write,
	dr_read,
	dr_merge,
	FUNNEL_CHECKER(dr_check)
};

/*
 * Final function of funnel.detail_report and funnel.rollup(detail_report): the state,
 * handed to detail_steps and its accessors without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(detail_report_final);
Datum
detail_report_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&report_type, fcinfo);
}

/* text output: the flat body in hexadecimal */
PG_FUNCTION_INFO_V1(detail_report_out);
Datum
detail_report_out(PG_FUNCTION_ARGS)
{
	DetailReport *d = PG_GETARG_REPORT(0);
	StringInfoData buf;

	initStringInfo(&buf);
	dr_write(&buf, &d->st, NULL);
	PG_RETURN_CSTRING(hex_form_out(buf.data, buf.len));
}

/* text input: hexadecimal of the flat body, checked (22P02 for bad digits, 22P03 for a bad body) */
PG_FUNCTION_INFO_V1(detail_report_in);
Datum
detail_report_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = hex_form_in(PG_GETARG_CSTRING(0), &len, DR_TYPE);
	FunnelState *st = dr_read(bytes, len, CurrentMemoryContext, true, NULL);

	FUNNEL_CHECK_STATE(&report_type, st);
	PG_RETURN_DATUM(funnel_state_flat(st));
}

/* binary output: the flat body */
PG_FUNCTION_INFO_V1(detail_report_send);
Datum
detail_report_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&report_type, PG_GETARG_DATUM(0));
}

/* binary input: the flat body, checked */
PG_FUNCTION_INFO_V1(detail_report_recv);
Datum
detail_report_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&report_type, (StringInfo) PG_GETARG_POINTER(0));
}

/*
 * funnel.detail_report(funnel.funnel_detail): one entity's chain.  A NULL
 * detail (a group without rows) is skipped; a detail of level 0 counts as
 * an entity that reached nothing.
 */
PG_FUNCTION_INFO_V1(detail_report_transfn);
Datum
detail_report_transfn(PG_FUNCTION_ARGS)
{
	DetailReport *d;
	HeapTupleHeader t;
	Datum		v;
	bool		isnull;
	int			level;
	int			nsteps;
	int			k;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	d = (DetailReport *) funnel_state_transition(&report_type, fcinfo, "funnel.detail_report");
	t = PG_GETARG_HEAPTUPLEHEADER(1);
	v = GetAttributeByNum(t, DR_COL_LEVEL, &isnull);
	level = isnull ? 0 : DatumGetInt32(v);
	v = GetAttributeByNum(t, DR_COL_STEPS, &isnull);
	nsteps = isnull ? 0 : DatumGetInt32(v);
	if (nsteps < 1 || nsteps > WFD_MAX_STEPS || level < 0 || level > nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel.detail_report: a detail with level %d of %d steps", level, nsteps),
				 errdetail("A funnel_detail has 1 to 32 steps and a level from 0 to its steps.")));
	dr_set_steps(d, nsteps);
	if (pg_add_s64_overflow(d->entities, 1, &d->entities))
		dr_overflow();
	v = GetAttributeByNum(t, DR_COL_DURATIONS, &isnull);
	if (level > 0)
	{
		ArrayType  *a = isnull ? NULL : DatumGetArrayTypeP(v);
		Datum	   *el = NULL;
		bool	   *nl = NULL;
		int			n = 0;

		if (a != NULL)
		{
			if (ARR_ELEMTYPE(a) != INTERVALOID || ARR_NDIM(a) > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("funnel.detail_report: step_durations must be a one-dimensional interval[]")));
			deconstruct_array(a, INTERVALOID, sizeof(Interval), false, TYPALIGN_DOUBLE, &el, &nl, &n);
		}
		if (n != level || nl[0])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel.detail_report: a detail of level %d needs %d step durations, the first not NULL",
							level, level)));
		for (k = 0; k < level; k++)
		{
			DrStep	   *s = &d->step[k];
			int64		us;

			s->reached++;
			if (nl[k])
				continue;
			us = k == 0 ? 0 : funnel_interval_usecs(DatumGetIntervalP(el[k]), "funnel.detail_report", "step duration");
			if (us < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("funnel.detail_report: a negative step duration")));
			s->timed++;
			if (pg_add_s64_overflow(s->sum, us, &s->sum))
				dr_overflow();
			funnel_qs_check(qs_add(&s->qs, (double) us), "step durations");
		}
	}
	funnel_state_touch(&d->st);
	return funnel_state_result(&d->st);
}

/* combine function, and transition function of rollup(detail_report) */
PG_FUNCTION_INFO_V1(detail_report_combine);
Datum
detail_report_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&report_type, fcinfo, "funnel.rollup");
}

/*
 * funnel.detail_steps(funnel.detail_report) RETURNS TABLE(step, entities,
 * reached, conversion_from_previous, conversion_from_top, median_duration,
 * p90_duration, mean_duration): one row per step.
 */
PG_FUNCTION_INFO_V1(detail_report_steps);
Datum
detail_report_steps(PG_FUNCTION_ARGS)
{
	static const Oid columns[8] = {INT4OID, INT8OID, INT8OID, FLOAT8OID, FLOAT8OID, INTERVALOID, INTERVALOID, INTERVALOID};
	DetailReport *d = PG_GETARG_REPORT(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			k;

	funnel_srf_init(fcinfo, "funnel.detail_steps", columns, 8, 8);
	for (k = 0; k < d->nsteps; k++)
	{
		DrStep	   *s = &d->step[k];
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};
		int64		top = d->step[0].reached;
		int64		prev = k == 0 ? d->entities : d->step[k - 1].reached;
		QSketch		copy;
		QSketch    *view;

		values[0] = Int32GetDatum(k + 1);
		values[1] = Int64GetDatum(d->entities);
		values[2] = Int64GetDatum(s->reached);
		nulls[3] = prev == 0;
		values[3] = Float8GetDatum(prev ? (double) s->reached / (double) prev : 0);
		nulls[4] = top == 0;
		values[4] = Float8GetDatum(top ? (double) s->reached / (double) top : 0);
		if (k == 0 || s->timed == 0)
			nulls[5] = nulls[6] = nulls[7] = true;
		else
		{
			view = funnel_sketch_view(&s->qs, &copy);
			values[5] = IntervalPGetDatum(funnel_duration_quantile(view, 0.5));
			values[6] = IntervalPGetDatum(funnel_duration_quantile(view, 0.9));
			values[7] = IntervalPGetDatum(funnel_usecs_interval((int64) rint((double) s->sum / (double) s->timed)));
			if (view == &copy)
				qs_free(&copy);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}
