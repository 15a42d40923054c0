/*
 * registry_edit.c
 *		The SQL-callable primitives that change funnel definitions
 *		(funnel.def_*, set_outcome, set_rules): argument checks, rights, the
 *		definition lock, then the rows (catalog.c) and the invalidation of
 *		the compiled definition (registry.c).
 *
 * The user-facing definition functions (create_funnel, set_stage,
 * allow_transition, drop_funnel, track, ...) are SQL and PL/pgSQL bodies
 * that call these.  Each primitive checks the same ownership rule as the
 * guard trigger (registry_rights.c) and writes the rows directly, so its
 * caller needs no privilege on the catalog tables; every change invalidates
 * the compiled definition of the one funnel it touches, in this backend at
 * once and in the others when the change commits.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "distribute.h"
#include "registry.h"
#include "registry_rights.h"

/*
 * def_put_stage(stage_type, stage, probability, owner, entry): set a stage's
 * settings in the user's row (builtin = false), created from the effective
 * settings when missing; NULL leaves a setting as it is.
 */
PG_FUNCTION_INFO_V1(funnel_def_put_stage);

Datum
funnel_def_put_stage(PG_FUNCTION_ARGS)
{
	Oid			typid;
	char	   *stage;
	CatalogStageChange c;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stage_type and stage must not be NULL")));
	typid = PG_GETARG_OID(0);
	stage = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(2))
	{
		float8		p = PG_GETARG_FLOAT8(2);

		if (!(p >= 0.0 && p <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("probability must be between 0 and 1, got %g", p)));
	}
	funnel_check_definition_rights(typid, true);
	funnel_lock_definition(typid);
	funnel_require_registered(typid);
	funnel_check_label(typid, stage);

	memset(&c, 0, sizeof(c));
	c.has_probability = !PG_ARGISNULL(2);
	c.probability = c.has_probability ? PG_GETARG_DATUM(2) : (Datum) 0;
	c.has_owner = !PG_ARGISNULL(3);
	c.owner = c.has_owner ? PG_GETARG_DATUM(3) : (Datum) 0;
	c.has_entry = !PG_ARGISNULL(4);
	c.entry = c.has_entry && PG_GETARG_BOOL(4);
	funnel_catalog_put_stage(typid, stage, &c);
	funnel_registry_invalidate_type(typid);
	funnel_distribute_changed(typid);
	PG_RETURN_VOID();
}

/* The funnel type and label of an enum value (its pg_enum row), without fn_expr. */
static Oid
enum_value_type(Datum value, char **label)
{
	HeapTuple	tup = SearchSysCache1(ENUMOID, value);
	Oid			typid;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid enum value %u", DatumGetObjectId(value))));
	typid = ((Form_pg_enum) GETSTRUCT(tup))->enumtypid;
	*label = pstrdup(NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel));
	ReleaseSysCache(tup);
	return typid;
}

/*
 * set_outcome(stage anyenum, outcome text): make a stage won, lost or open
 * again -- a label added after go-live (ALTER TYPE ... ADD VALUE) starts
 * open.  Won and lost stages get probability 1 and 0; an open stage keeps
 * its probability.  The funnel must keep at least one open stage.
 */
PG_FUNCTION_INFO_V1(funnel_set_outcome);

Datum
funnel_set_outcome(PG_FUNCTION_ARGS)
{
	Oid			typid;
	char	   *stage;
	char	   *outcome;
	FunnelDef  *def;
	CatalogStageChange c;
	int			i;
	int			n_open = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stage and outcome must not be NULL")));
	typid = enum_value_type(PG_GETARG_DATUM(0), &stage);
	outcome = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(outcome, "open") != 0 && strcmp(outcome, "won") != 0 && strcmp(outcome, "lost") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown outcome \"%s\"", outcome),
				 errhint("An outcome is 'won', 'lost' or 'open'.")));
	funnel_require_registered(typid);
	funnel_check_definition_rights(typid, true);
	funnel_lock_definition(typid);
	funnel_require_registered(typid);

	/* the funnel as it is now (the lock keeps it so): one open stage must stay */
	funnel_registry_invalidate_type(typid);
	def = funnel_def_lookup(typid);
	for (i = 0; i < def->nstages; i++)
		if (strcmp(def->stages[i].label, stage) == 0 ?
			strcmp(outcome, "open") == 0 : def->stages[i].outcome == FUNNEL_OPEN)
			n_open++;
	if (n_open == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel %s needs at least one open stage", format_type_be(typid)),
				 errdetail("\"%s\" is its last open stage.", stage)));

	memset(&c, 0, sizeof(c));
	c.outcome = outcome;
	if (strcmp(outcome, "open") != 0)
	{
		c.has_probability = true;
		c.probability = Float8GetDatum(strcmp(outcome, "won") == 0 ? 1.0 : 0.0);
	}
	funnel_catalog_put_stage(typid, stage, &c);
	funnel_registry_invalidate_type(typid);
	funnel_distribute_changed(typid);
	PG_RETURN_VOID();
}

/*
 * set_rules(stage_type regtype, allow_skip, allow_backward, allow_reopen,
 * entry text[]): change a funnel's rules; NULL leaves a rule as it is.
 * entry lists every entry stage (the others stop being one; '{}' returns to
 * the default, the first open stage).  The shipped funnels' flags are not
 * changed (a dump would not keep them), their entry stages are.
 */
PG_FUNCTION_INFO_V1(funnel_set_rules);

Datum
funnel_set_rules(PG_FUNCTION_ARGS)
{
	Oid			typid;
	CatalogFunnel f;
	bool		flags = !PG_ARGISNULL(1) || !PG_ARGISNULL(2) || !PG_ARGISNULL(3);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stage_type must not be NULL")));
	typid = PG_GETARG_OID(0);
	if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typid)) || !funnel_catalog_read_funnel(typid, &f))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type %s is not a registered funnel", format_type_be(typid)),
				 errhint("Create a funnel with funnel.create_funnel(), or register the enum with funnel.register_funnel().")));
	funnel_check_definition_rights(typid, true);
	funnel_lock_definition(typid);
	if (!funnel_catalog_read_funnel(typid, &f))
		funnel_require_registered(typid);
	if (flags && f.builtin)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the rules of the shipped funnel %s cannot be changed", format_type_be(typid)),
				 errhint("Create a funnel of your own with funnel.create_funnel(); entry stages of a shipped funnel can be set with funnel.set_rules(..., entry => ...).")));

	if (!PG_ARGISNULL(4))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(4);
		Datum	   *elems;
		bool	   *enulls;
		int			n;
		int			i;
		FunnelDef  *def;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
		for (i = 0; i < n; i++)
		{
			if (enulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("entry stages must not contain NULL")));
			funnel_check_label(typid, TextDatumGetCString(elems[i]));
		}
		funnel_registry_invalidate_type(typid);
		def = funnel_def_lookup(typid);
		for (i = 0; i < def->nstages; i++)
		{
			CatalogStageChange c;
			int			k;

			memset(&c, 0, sizeof(c));
			c.has_entry = true;
			for (k = 0; k < n; k++)
				if (strcmp(TextDatumGetCString(elems[k]), def->stages[i].label) == 0)
					c.entry = true;
			funnel_catalog_put_stage(typid, def->stages[i].label, &c);
		}
	}
	if (flags)
	{
		CatalogFunnelChange c;

		memset(&c, 0, sizeof(c));
		c.has_allow_skip = !PG_ARGISNULL(1);
		c.allow_skip = c.has_allow_skip && PG_GETARG_BOOL(1);
		c.has_allow_backward = !PG_ARGISNULL(2);
		c.allow_backward = c.has_allow_backward && PG_GETARG_BOOL(2);
		c.has_allow_reopen = !PG_ARGISNULL(3);
		c.allow_reopen = c.has_allow_reopen && PG_GETARG_BOOL(3);
		funnel_catalog_update_funnel(typid, &c);
	}
	funnel_registry_invalidate_type(typid);
	funnel_distribute_changed(typid);
	PG_RETURN_VOID();
}

/*
 * def_put_edge(stage_type, from, to, allowed): an explicit edge; allowed NULL
 * removes it.  Returns whether a row for the edge existed before.
 */
PG_FUNCTION_INFO_V1(funnel_def_put_edge);

Datum
funnel_def_put_edge(PG_FUNCTION_ARGS)
{
	Oid			typid;
	char	   *from;
	char	   *to;
	bool		existed;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stage_type and stages must not be NULL")));
	typid = PG_GETARG_OID(0);
	from = text_to_cstring(PG_GETARG_TEXT_PP(1));
	to = text_to_cstring(PG_GETARG_TEXT_PP(2));
	funnel_check_definition_rights(typid, true);
	funnel_lock_definition(typid);
	funnel_require_registered(typid);
	funnel_check_label(typid, from);
	funnel_check_label(typid, to);
	if (strcmp(from, to) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an explicit edge must join two different stages")));

	existed = funnel_catalog_put_edge(typid, from, to, PG_ARGISNULL(3),
									  !PG_ARGISNULL(3) && PG_GETARG_BOOL(3));
	funnel_registry_invalidate_type(typid);
	funnel_distribute_changed(typid);
	PG_RETURN_BOOL(existed);
}

/* Is label an element of the text[] arr (NULL: an empty array)? */
static bool
text_in_array(ArrayType *arr, const char *label)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	if (arr == NULL)
		return false;
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i] && strcmp(TextDatumGetCString(elems[i]), label) == 0)
			return true;
	return false;
}

/*
 * def_register(stage_type, allow_skip, allow_backward, allow_reopen, won,
 * lost, entry): the catalog rows of a new funnel (register_funnel's body
 * validates the arguments first): one funnel_def row, and a stage_def row
 * per label with its outcome, entry flag (entry NULL: none set) and the
 * outcome's probability (won 1, lost 0).  42710 when already registered.
 */
PG_FUNCTION_INFO_V1(funnel_def_register);

Datum
funnel_def_register(PG_FUNCTION_ARGS)
{
	Oid			typid;
	ArrayType  *won;
	ArrayType  *lost;
	ArrayType  *entry;
	CatalogFunnel f;
	List	   *stages = NIL;
	CatCList   *list;
	int			i;

	for (i = 0; i < 6; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("stage_type, the allow_* flags, won and lost must not be NULL")));
	typid = PG_GETARG_OID(0);
	won = PG_GETARG_ARRAYTYPE_P(4);
	lost = PG_GETARG_ARRAYTYPE_P(5);
	entry = PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6);
	if (ARR_ELEMTYPE(won) != TEXTOID || ARR_ELEMTYPE(lost) != TEXTOID ||
		(entry && ARR_ELEMTYPE(entry) != TEXTOID))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("won, lost and entry must be text[]")));
	funnel_check_definition_rights(typid, true);
	funnel_lock_definition(typid);
	if (funnel_is_registered_row(typid))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("type %s is already a registered funnel", format_type_be(typid))));

	memset(&f, 0, sizeof(f));
	f.allow_skip = PG_GETARG_BOOL(1);
	f.allow_backward = PG_GETARG_BOOL(2);
	f.allow_reopen = PG_GETARG_BOOL(3);
	funnel_catalog_insert_funnel(typid, &f);

	list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(typid));
	for (i = 0; i < list->n_members; i++)
	{
		Form_pg_enum e = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);
		const char *label = NameStr(e->enumlabel);
		CatalogStage *s = palloc0(sizeof(CatalogStage));
		bool		is_won = text_in_array(won, label);
		bool		is_lost = !is_won && text_in_array(lost, label);

		s->stage = pstrdup(label);
		s->outcome = pstrdup(is_won ? "won" : is_lost ? "lost" : "open");
		s->has_entry = entry != NULL;
		s->entry = entry != NULL && text_in_array(entry, label);
		s->has_probability = is_won || is_lost;
		s->probability = is_won ? 1.0 : 0.0;
		stages = lappend(stages, s);
	}
	ReleaseSysCacheList(list);
	funnel_catalog_insert_stages(typid, stages);
	funnel_registry_invalidate_type(typid);
	funnel_distribute_changed(typid);
	PG_RETURN_VOID();
}

/* def_check_rights(stage_type): 42501 unless the caller may change the funnel. */
PG_FUNCTION_INFO_V1(funnel_def_check_rights);

Datum
funnel_def_check_rights(PG_FUNCTION_ARGS)
{
	funnel_check_definition_rights(PG_GETARG_OID(0), false);
	PG_RETURN_VOID();
}

/* def_mark_created(stage_type): create_funnel made the type (drop_funnel drops it). */
PG_FUNCTION_INFO_V1(funnel_def_mark_created);

Datum
funnel_def_mark_created(PG_FUNCTION_ARGS)
{
	Oid			typid = PG_GETARG_OID(0);
	CatalogFunnelChange c;

	funnel_check_definition_rights(typid, true);
	funnel_lock_definition(typid);
	funnel_require_registered(typid);
	memset(&c, 0, sizeof(c));
	c.has_created = true;
	c.created = true;
	funnel_catalog_update_funnel(typid, &c);
	funnel_registry_invalidate_type(typid);
	funnel_distribute_changed(typid);
	PG_RETURN_VOID();
}

/*
 * def_forget(stage_type): delete a funnel's rows (drop_funnel).  The shipped
 * funnels' rows stay (drop_funnel refuses them before calling this).
 */
PG_FUNCTION_INFO_V1(funnel_def_forget);

Datum
funnel_def_forget(PG_FUNCTION_ARGS)
{
	Oid			typid = PG_GETARG_OID(0);
	CatalogFunnel f;

	funnel_check_definition_rights(typid, false);
	funnel_lock_definition(typid);
	if (funnel_catalog_read_funnel(typid, &f) && f.builtin)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop funnel %s", format_type_be(typid)),
				 errdetail("It is shipped with extension funnel."),
				 errhint("It goes away with DROP EXTENSION funnel.")));
	funnel_distribute_forget(typid);
	funnel_catalog_delete_funnel(typid);
	funnel_registry_invalidate_type(typid);
	PG_RETURN_VOID();
}

/*
 * def_forget_dropped(oid[]): delete the rows of those types that no longer
 * exist (the sql_drop event trigger passes the types a DROP removed).  Any
 * role may call it: it never touches a type that exists.
 */
PG_FUNCTION_INFO_V1(funnel_def_forget_dropped);

Datum
funnel_def_forget_dropped(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	int			i;

	if (ARR_ELEMTYPE(arr) != OIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("funnel.def_forget_dropped() takes an oid[]")));
	deconstruct_array(arr, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &enulls, &n);
	for (i = 0; i < n; i++)
	{
		Oid			typid;

		if (enulls[i])
			continue;
		typid = DatumGetObjectId(elems[i]);
		if (SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typid)))
			continue;
		funnel_catalog_delete_funnel(typid);
		funnel_registry_invalidate_type(typid);
	}
	PG_RETURN_VOID();
}

/*
 * def_track(tracked, history): register (or, history NULL, forget) the
 * history table of a tracked table.  The caller must own both.
 */
PG_FUNCTION_INFO_V1(funnel_def_track);

Datum
funnel_def_track(PG_FUNCTION_ARGS)
{
	Oid			tracked;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table must not be NULL")));
	tracked = PG_GETARG_OID(0);
	funnel_check_table_owner(tracked, "history table");
	if (!PG_ARGISNULL(1))
		funnel_check_table_owner(PG_GETARG_OID(1), "history table");
	LockRelationOid(tracked, ShareRowExclusiveLock);
	funnel_catalog_set_tracked(tracked, PG_ARGISNULL(1) ? InvalidOid : PG_GETARG_OID(1));
	/* record_transition triggers re-read the pair at their next statement */
	CacheInvalidateRelcacheByRelid(tracked);
	PG_RETURN_VOID();
}

/*
 * def_forget_dropped_tables(oid[]): delete the tracked_def rows that name one
 * of those relations when it no longer exists (sql_drop event trigger).
 */
PG_FUNCTION_INFO_V1(funnel_def_forget_dropped_tables);

Datum
funnel_def_forget_dropped_tables(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	Oid		   *relids;
	int			nrelids = 0;
	int			i;

	if (ARR_ELEMTYPE(arr) != OIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("funnel.def_forget_dropped_tables() takes an oid[]")));
	deconstruct_array(arr, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &enulls, &n);
	if (n == 0)
		PG_RETURN_VOID();
	relids = palloc(sizeof(Oid) * n);
	for (i = 0; i < n; i++)
		if (!enulls[i])
			relids[nrelids++] = DatumGetObjectId(elems[i]);
	funnel_catalog_forget_tables(relids, nrelids);
	PG_RETURN_VOID();
}
