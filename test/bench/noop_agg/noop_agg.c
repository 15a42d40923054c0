/*
 * noop_agg.c
 *		An aggregate that does nothing with its arguments: the cost of
 *		PostgreSQL's aggregate machinery itself for a given call, the floor
 *		under any aggregate that reads the same columns and arguments.
 *		Used by test/bench/history.sh, events.sh and scaling.sh.
 *
 * bench.noop_agg(VARIADIC "any") counts its rows, as count(*) does, but is
 * called with the same argument expressions as the funnel aggregate beside
 * it: the executor deforms the same columns, evaluates the same arguments
 * (comparisons, ROW(...), casts) and calls a C transition function per row
 * with them, and the transition function does nothing else.  Its state is
 * a by-value bigint (no allocation, nothing to flatten), its combine
 * function int8pl, so it runs in parallel plans as funnel's aggregates do.
 * funnel's own work per row is what funnel costs above it.
 *
 * bench.noop_report(s anyelement, n int) is the same floor for a report
 * function: the rows funnel.stage_report returns for a summary of an n-stage
 * funnel (n rows of its 9 columns, NULL where stage_report's are: no
 * previous stage at the first, the last two are outcomes), made without
 * reading s, through the tuplestore a set-returning function in FROM fills.
 * What a query costs above it (over the same groups) is funnel's own work.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(noop_agg_trans);
Datum
noop_agg_trans(PG_FUNCTION_ARGS)
{
	/* non-strict, INITCOND 0: the state is never NULL */
	PG_RETURN_INT64(PG_GETARG_INT64(0) + 1);
}

PG_FUNCTION_INFO_V1(noop_report);
Datum
noop_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		n = PG_GETARG_INT32(1);
	Interval	zero = {0, 0, 0};
	int32		i;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (i = 0; i < n; i++)
	{
		bool		outcome = i >= n - 2;
		Datum		values[9];
		bool		nulls[9] = {false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum("proposal");
		values[2] = Int64GetDatum(0);
		values[3] = Int64GetDatum(0);
		values[4] = Float8GetDatum(0);
		nulls[4] = i == 0 || outcome;
		values[5] = Float8GetDatum(0);
		values[6] = Int64GetDatum(0);
		nulls[6] = outcome;
		values[7] = IntervalPGetDatum(&zero);
		nulls[7] = outcome;
		values[8] = Int64GetDatum(0);
		nulls[8] = outcome;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
