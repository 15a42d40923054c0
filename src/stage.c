/*
 * stage.c
 *		SQL-callable stage functions: position, neighbours, outcome,
 *		probability, transition checks, and the stages()/transitions()
 *		reports of a funnel.
 *
 * Every function takes the stage as anyenum and resolves the funnel from the
 * argument's declared type, so the same C entry points serve any funnel (and
 * concrete per-funnel overloads, should they be declared later).  After the
 * first call of a query, the definition comes from fn_extra: no catalog
 * access per row.
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "registry.h"

/* The funnel of argument argno and the stage index of its value. */
static inline int
stage_arg(FunctionCallInfo fcinfo, int argno, FunnelDef **def)
{
	Oid			argtype = funnel_stage_argtype(fcinfo, argno);

	funnel_def_for_fn(fcinfo->flinfo, argtype);
	return funnel_stage_index((FunnelDefCache *) fcinfo->flinfo->fn_extra, PG_GETARG_OID(argno), def);
}

PG_FUNCTION_INFO_V1(funnel_stage_position);
Datum
funnel_stage_position(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);

	PG_RETURN_INT32(idx + 1);
}

/*
 * next_stage: the next open stage; after the last open stage, the (first)
 * won stage; NULL for won and lost stages, which end a journey.
 */
PG_FUNCTION_INFO_V1(funnel_next_stage);
Datum
funnel_next_stage(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);
	int			i;

	if (def->stages[idx].outcome != FUNNEL_OPEN)
		PG_RETURN_NULL();
	for (i = idx + 1; i < def->nstages; i++)
		if (def->stages[i].outcome == FUNNEL_OPEN)
			PG_RETURN_OID(def->stages[i].label_oid);
	if (def->first_won >= 0)
		PG_RETURN_OID(def->stages[def->first_won].label_oid);
	PG_RETURN_NULL();
}

/*
 * prev_stage: the open stage before this one in funnel order; for an outcome,
 * the last open stage before it.  NULL for the first open stage.
 */
PG_FUNCTION_INFO_V1(funnel_prev_stage);
Datum
funnel_prev_stage(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);
	int			i;

	for (i = idx - 1; i >= 0; i--)
		if (def->stages[i].outcome == FUNNEL_OPEN)
			PG_RETURN_OID(def->stages[i].label_oid);
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(funnel_is_won);
Datum
funnel_is_won(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);

	PG_RETURN_BOOL(def->stages[idx].outcome == FUNNEL_WON);
}

PG_FUNCTION_INFO_V1(funnel_is_lost);
Datum
funnel_is_lost(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);

	PG_RETURN_BOOL(def->stages[idx].outcome == FUNNEL_LOST);
}

PG_FUNCTION_INFO_V1(funnel_is_closed);
Datum
funnel_is_closed(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);

	PG_RETURN_BOOL(def->stages[idx].outcome != FUNNEL_OPEN);
}

PG_FUNCTION_INFO_V1(funnel_stage_outcome);
Datum
funnel_stage_outcome(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);

	PG_RETURN_TEXT_P(cstring_to_text(funnel_outcome_name(def->stages[idx].outcome)));
}

/* probability: the stage's win probability, NULL when none is set. */
PG_FUNCTION_INFO_V1(funnel_probability);
Datum
funnel_probability(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			idx = stage_arg(fcinfo, 0, &def);

	if (!def->stages[idx].has_probability)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(def->stages[idx].probability);
}

PG_FUNCTION_INFO_V1(funnel_can_transition);
Datum
funnel_can_transition(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			from = stage_arg(fcinfo, 0, &def);
	int			to = stage_arg(fcinfo, 1, &def);

	PG_RETURN_BOOL(funnel_move_allowed(def, from, to));
}

/* check_transition: returns `to` when the move is allowed, else 23514. */
PG_FUNCTION_INFO_V1(funnel_check_transition);
Datum
funnel_check_transition(PG_FUNCTION_ARGS)
{
	FunnelDef  *def;
	int			from = stage_arg(fcinfo, 0, &def);
	int			to = stage_arg(fcinfo, 1, &def);

	if (!funnel_move_allowed(def, from, to))
		funnel_report_illegal_move(def, from, to, NULL, NULL, NULL, NULL);
	PG_RETURN_OID(PG_GETARG_OID(1));
}

/*
 * stages(regtype): one row per stage in funnel order, with the effective
 * settings (shipped defaults overlaid by the user's).
 */
PG_FUNCTION_INFO_V1(funnel_stages);
Datum
funnel_stages(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FunnelDef  *def = funnel_def_lookup(PG_GETARG_OID(0));
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < def->nstages; i++)
	{
		FunnelStage *st = &def->stages[i];
		Datum		values[6];
		bool		nulls[6] = {false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(st->label);
		values[2] = CStringGetTextDatum(funnel_outcome_name(st->outcome));
		if (st->owner)
			values[3] = CStringGetTextDatum(st->owner);
		else
			nulls[3] = true;
		if (st->has_probability)
			values[4] = Float8GetDatum(st->probability);
		else
			nulls[4] = true;
		values[5] = BoolGetDatum(st->entry);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * transitions(regtype): every allowed move between two different stages, in
 * funnel order of (from, to) -- the effective graph after defaults and
 * explicit edges.
 */
PG_FUNCTION_INFO_V1(funnel_transitions);
Datum
funnel_transitions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FunnelDef  *def = funnel_def_lookup(PG_GETARG_OID(0));
	int			f;
	int			t;

	InitMaterializedSRF(fcinfo, 0);
	for (f = 0; f < def->nstages; f++)
	{
		for (t = 0; t < def->nstages; t++)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			if (f == t || !funnel_move_allowed(def, f, t))
				continue;
			values[0] = CStringGetTextDatum(def->stages[f].label);
			values[1] = CStringGetTextDatum(def->stages[t].label);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
