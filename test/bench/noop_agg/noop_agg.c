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
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(noop_agg_trans);
Datum
noop_agg_trans(PG_FUNCTION_ARGS)
{
	/* non-strict, INITCOND 0: the state is never NULL */
	PG_RETURN_INT64(PG_GETARG_INT64(0) + 1);
}
