/*
 * noop_trigger.c
 *		Empty C trigger functions: the cost of PostgreSQL's trigger machinery
 *		itself, the floor under any trigger.  Used by test/bench/triggers.sh.
 *
 * noop_before_row: BEFORE INSERT OR UPDATE FOR EACH ROW; returns the new
 * tuple untouched (the same pointer, so the executor copies nothing).
 * noop_after: AFTER, row or statement level; does nothing.
 * noop_stamp_row: BEFORE UPDATE FOR EACH ROW, argument: a timestamptz column;
 * stamps it with the clock the way a C trigger has to (heap_modify_tuple_by_cols,
 * as contrib/moddatetime does) and checks nothing: the floor of a trigger
 * that stamps.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/timestamp.h"

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

PG_FUNCTION_INFO_V1(noop_stamp_row);
Datum
noop_stamp_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	int			cols[1];
	Datum		vals[1];
	bool		nulls[1] = {false};

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		td->tg_trigger->tgnargs != 1)
		elog(ERROR, "noop_stamp_row: BEFORE UPDATE FOR EACH ROW trigger with one argument");
	desc = RelationGetDescr(td->tg_relation);
	/* the column's number, found once per query */
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		int		   *attnum = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(int));

		*attnum = SPI_fnumber(desc, td->tg_trigger->tgargs[0]);
		if (*attnum <= 0)
			elog(ERROR, "noop_stamp_row: no column \"%s\"", td->tg_trigger->tgargs[0]);
		fcinfo->flinfo->fn_extra = attnum;
	}
	cols[0] = *(int *) fcinfo->flinfo->fn_extra;
	vals[0] = TimestampTzGetDatum(GetCurrentTimestamp());
	return PointerGetDatum(heap_modify_tuple_by_cols(td->tg_newtuple, desc, 1, cols, vals, nulls));
}
