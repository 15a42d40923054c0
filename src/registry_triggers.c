/*
 * registry_triggers.c
 *		The triggers that keep the funnel catalog honest when it is changed
 *		with SQL rather than through the definition functions: the guard on
 *		the catalog tables, the invalidation of the compiled definitions
 *		they describe, and the event trigger that follows a renamed label.
 *
 * Rows written with SQL come from a restore of a dump (by a database
 * owner, who may only INSERT) or from a superuser's hand.  The guard applies
 * the definition functions' ownership rule to them (registry_rights.c); the
 * AFTER trigger invalidates what they change, as the definition functions
 * do themselves (registry.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog.h"
#include "distribute.h"
#include "registry.h"
#include "registry_rights.h"

/*
 * Check one row (the new row when is_new, else an old row going away or
 * being replaced) of catalog table kind: a shipped row may only change
 * inside the extension's own script; a tracked_def row only by the owner of
 * its tables; any other row only by a role that may change its funnel
 * (registry_rights.c), and a new row must name labels of that funnel.
 */
static void
guard_row(Relation rel, HeapTuple tup, const char *kind, bool is_new)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	Oid			typid;
	int			col;

	col = SPI_fnumber(desc, "builtin");
	if (col > 0)
	{
		Datum		d = heap_getattr(tup, col, desc, &isnull);

		if (!isnull && DatumGetBool(d) && !funnel_running_own_script())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the shipped definitions of funnel.marketing_stage and funnel.sales_stage cannot be changed"),
					 errhint("Use funnel.set_stage() and funnel.allow_transition(): they store your settings beside the shipped ones.")));
	}
	if (funnel_running_own_script())
		return;

	if (strcmp(kind, "tracked") == 0)
	{
		/* a restore by the tables' owner; a dropped table's row may go */
		int			k;

		for (k = 1; k <= 2; k++)
		{
			Datum		d = heap_getattr(tup, k, desc, &isnull);

			if (isnull)
				continue;
			if (!is_new && get_rel_name(DatumGetObjectId(d)) == NULL)
				continue;
			funnel_check_table_owner(DatumGetObjectId(d), "history table");
		}
		return;
	}

	typid = DatumGetObjectId(heap_getattr(tup, 1, desc, &isnull));
	if (isnull)
		return;					/* NOT NULL constraint reports it */
	funnel_check_definition_rights(typid, is_new);
	if (!is_new)
		return;

	if (strcmp(kind, "stage") == 0 || strcmp(kind, "transition") == 0)
	{
		const char *cols[2];
		int			ncols = 0;
		int			k;

		if (strcmp(kind, "stage") == 0)
			cols[ncols++] = "stage";
		else
		{
			cols[ncols++] = "from_stage";
			cols[ncols++] = "to_stage";
		}
		for (k = 0; k < ncols; k++)
		{
			Datum		d;

			col = SPI_fnumber(desc, cols[k]);
			if (col <= 0)
				elog(ERROR, "column \"%s\" missing in %s", cols[k], RelationGetRelationName(rel));
			d = heap_getattr(tup, col, desc, &isnull);
			if (!isnull)
				funnel_check_label(typid, TextDatumGetCString(d));
		}
	}
}

/*
 * Guard trigger on the catalog tables (BEFORE INSERT OR UPDATE OR DELETE,
 * FOR EACH ROW; argument: 'funnel', 'stage', 'transition' or 'tracked').
 * PUBLIC may INSERT (a restore by a database owner); the guard limits a
 * role to the funnels whose enum it owns and keeps rows consistent with the
 * enum: every row passes guard_row(), the old and the new.
 */
PG_FUNCTION_INFO_V1(funnel_definition_guard);

Datum
funnel_definition_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *kind;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.definition_guard() must be called as a trigger")));
	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.definition_guard() must be a BEFORE ROW trigger with one argument")));
	kind = trigdata->tg_trigger->tgargs[0];

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		guard_row(trigdata->tg_relation, trigdata->tg_trigtuple, kind, true);
		return PointerGetDatum(trigdata->tg_trigtuple);
	}
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		guard_row(trigdata->tg_relation, trigdata->tg_trigtuple, kind, false);
		guard_row(trigdata->tg_relation, trigdata->tg_newtuple, kind, true);
		return PointerGetDatum(trigdata->tg_newtuple);
	}
	guard_row(trigdata->tg_relation, trigdata->tg_trigtuple, kind, false);
	return PointerGetDatum(trigdata->tg_trigtuple);
}

/*
 * AFTER ROW trigger on the catalog tables (rows written with SQL: a restore,
 * or a superuser's hand): invalidate the funnel of the old and the new row;
 * AFTER TRUNCATE (statement): every funnel.
 */
PG_FUNCTION_INFO_V1(funnel_definition_changed);

Datum
funnel_definition_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.definition_changed() must be called as a trigger")));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		funnel_registry_invalidate_all();
		return PointerGetDatum(NULL);
	}
	if (trigdata->tg_trigtuple != NULL)
	{
		Datum		d = heap_getattr(trigdata->tg_trigtuple, 1,
									 RelationGetDescr(trigdata->tg_relation), &isnull);

		if (!isnull)
			funnel_registry_invalidate_type(DatumGetObjectId(d));
	}
	if (trigdata->tg_newtuple != NULL)
	{
		Datum		d = heap_getattr(trigdata->tg_newtuple, 1,
									 RelationGetDescr(trigdata->tg_relation), &isnull);

		if (!isnull)
			funnel_registry_invalidate_type(DatumGetObjectId(d));
	}
	return PointerGetDatum(NULL);
}

/*
 * ddl_command_end event trigger for ALTER TYPE: when a label of a registered
 * funnel is renamed (ALTER TYPE ... RENAME VALUE), carry its settings and
 * explicit edges over to the new name, so that no catalog row names a label
 * the enum no longer has (such rows would make a dump unrestorable).  It
 * runs as the role that renamed the label, who owns the type.
 */
PG_FUNCTION_INFO_V1(funnel_follow_enum_rename);

Datum
funnel_follow_enum_rename(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	AlterEnumStmt *stmt;
	Oid			typid;
	CatalogFunnel f;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.follow_enum_rename() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!IsA(trigdata->parsetree, AlterEnumStmt))
		PG_RETURN_VOID();
	stmt = (AlterEnumStmt *) trigdata->parsetree;
	if (stmt->oldVal == NULL || stmt->newVal == NULL)
		PG_RETURN_VOID();		/* ADD VALUE: nothing to carry over */

	/*
	 * The statement named the type through the caller's search_path; the
	 * command has run, so the name resolves as it did for ALTER TYPE.
	 */
	typid = typenameTypeId(NULL, makeTypeNameFromNameList(stmt->typeName));
	if (!funnel_catalog_read_funnel(typid, &f))
		PG_RETURN_VOID();
	if (f.builtin)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot rename the stages of the shipped funnel %s", format_type_be(typid)),
				 errhint("Create a funnel of your own with funnel.create_funnel().")));
	funnel_lock_definition(typid);
	funnel_catalog_rename_label(typid, stmt->oldVal, stmt->newVal);
	funnel_registry_invalidate_type(typid);
	funnel_distribute_changed(typid);
	PG_RETURN_VOID();
}
