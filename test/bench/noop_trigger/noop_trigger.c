/*
 * noop_trigger.c
 *		Empty C trigger functions: the cost of PostgreSQL's trigger machinery
 *		itself, the floor under any trigger.  Used by test/bench/triggers.sh.
 *
 * noop_before_row: BEFORE INSERT OR UPDATE FOR EACH ROW; returns the new
 * tuple untouched (the same pointer, so the executor copies nothing).
 * noop_after: AFTER, row or statement level; does nothing.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(noop_before_row);
Datum
noop_before_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "noop_before_row: not called as a trigger");
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(td->tg_newtuple);
	return PointerGetDatum(td->tg_trigtuple);
}

PG_FUNCTION_INFO_V1(noop_after);
Datum
noop_after(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "noop_after: not called as a trigger");
	return PointerGetDatum(NULL);
}
