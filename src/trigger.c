/*
 * trigger.c
 *		funnel.enforce_transitions() and funnel.record_transition(): the
 *		triggers that keep a table's stage column honest and on record.
 *
 * enforce_transitions is a BEFORE INSERT OR UPDATE row trigger.  Its
 * arguments (stage column, optional stamp column, options) are resolved
 * against the relation once per statement -- the trigger's FmgrInfo, and so
 * fn_extra, lives as long as the query -- and the funnel definition comes
 * from the registry cache, so a row costs two attribute fetches, two hash
 * probes and one bit test.
 *
 * record_transition appends (key, from_stage, to_stage, changed_at,
 * changed_by) rows to a history table in the same transaction.  changed_at
 * is the row's stamp column when the trigger names one (so history and row
 * agree), else the clock when the trigger fires -- after the row lock, so a
 * row's changes are recorded in increasing time.  Fired FOR
 * EACH STATEMENT with transition tables (what funnel.track creates) it
 * collects every changed row of the statement and inserts them with one
 * prepared INSERT ... SELECT over arrays; fired FOR EACH ROW it runs the same
 * prepared statement per changed row.  The plan is prepared once per backend
 * and trigger (SPI_keepplan) and re-prepared when the history table or the
 * column types change; the plan cache re-plans it after DDL.  The INSERT runs
 * with the caller's rights, so the history table's own privileges, triggers,
 * constraints and partitioning all apply.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "utils/syscache.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

#include "catalog.h"
#include "compat.h"
#include "funnel.h"

/* rows per INSERT when a statement changed very many rows */
#define RECORD_BATCH 100000

static void
check_trigger_call(FunctionCallInfo fcinfo, const char *fname, bool before)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be called as a trigger", fname)));
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be fired for INSERT or UPDATE", fname)));
	if (before && (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be fired BEFORE INSERT OR UPDATE FOR EACH ROW", fname)));
	if (!before && !TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be fired AFTER INSERT OR UPDATE", fname)));
}

/* Attribute number of a named column, or 42703 naming the trigger argument. */
static int
column_of(Relation rel, const char *name, const char *what, const char *fname)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						name, RelationGetRelationName(rel)),
				 errdetail("%s names it as the %s column.", fname, what)));
	return attnum;
}

/* The stage column must hold a registered funnel type (or a domain over one). */
static Oid
stage_column_type(Relation rel, int attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Oid			base = getBaseType(att->atttypid);

	if (get_typtype(base) != TYPTYPE_ENUM || !funnel_is_registered(base))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("column \"%s\" of relation \"%s\" is not a funnel stage",
						NameStr(att->attname), RelationGetRelationName(rel)),
				 errdetail("Its type %s is not a registered funnel.", format_type_be(att->atttypid)),
				 errhint("Give the column a funnel type made with funnel.create_funnel() or funnel.register_funnel().")));
	return att->atttypid;
}

/* The stamp column must be timestamptz (or a domain over it). */
static int
stamp_column_of(Relation rel, const char *name, const char *fname)
{
	int			attnum = column_of(rel, name, "stamp", fname);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

	if (getBaseType(att->atttypid) != TIMESTAMPTZOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("stamp column \"%s\" of relation \"%s\" must be of type timestamp with time zone, not %s",
						name, RelationGetRelationName(rel), format_type_be(att->atttypid))));
	return attnum;
}

/* ------------------------------------------------------------------------
 * enforce_transitions
 * ------------------------------------------------------------------------
 */

typedef struct EnforceState
{
	Oid			tgoid;
	int			stage_attnum;
	const char *stage_name;
	Oid			stage_type;
	int			stamp_attnum;	/* 0: no stamp column */
	bool		allow_null;
	bool		may_import;		/* the role owns the table: an INSERT keeps its stamp */
	FunnelDefCache defcache;
} EnforceState;

static EnforceState *
enforce_setup(FunctionCallInfo fcinfo)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	EnforceState *st = (EnforceState *) fcinfo->flinfo->fn_extra;
	const char *fname = "funnel.enforce_transitions()";
	int			i;

	if (st != NULL && st->tgoid == tg->tgoid)
		return st;

	st = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(EnforceState));
	st->tgoid = tg->tgoid;
	st->stage_name = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt,
										 tg->tgnargs > 0 ? tg->tgargs[0] : "stage");
	st->stage_attnum = column_of(rel, st->stage_name, "stage", fname);
	st->stage_type = stage_column_type(rel, st->stage_attnum);

	if (tg->tgnargs > 1 && tg->tgargs[1][0] != '\0')
		st->stamp_attnum = stamp_column_of(rel, tg->tgargs[1], fname);
	for (i = 2; i < tg->tgnargs; i++)
	{
		if (strcmp(tg->tgargs[i], "allow_null") == 0)
			st->allow_null = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\" of %s", tg->tgargs[i], fname),
					 errhint("Arguments are: stage column, stamp column (or ''), and the option 'allow_null'.")));
	}
	if (st->allow_null && TupleDescAttr(RelationGetDescr(rel), st->stage_attnum - 1)->attnotnull)
		st->allow_null = false;	/* NOT NULL wins: the column can never be NULL */

	st->may_import = funnel_class_ownercheck(RelationGetRelid(rel), GetUserId());
	funnel_def_cached(&st->defcache, st->stage_type);
	fcinfo->flinfo->fn_extra = st;
	return st;
}

static void
report_null_stage(Relation rel, EnforceState *st)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("null stage in column \"%s\" of relation \"%s\"",
					st->stage_name, RelationGetRelationName(rel)),
			 errdetail("Every row of a table under funnel.enforce_transitions() must have a stage."),
			 errhint("Pass 'allow_null' as the third trigger argument to allow rows without a stage."),
			 errtablecol(rel, st->stage_attnum)));
}

static void
report_not_entry(Relation rel, EnforceState *st, FunnelDef *def, int idx)
{
	StringInfoData entries;
	int			i;

	initStringInfo(&entries);
	for (i = 0; i < def->nstages; i++)
		if (def->stages[i].entry)
			appendStringInfo(&entries, "%s%s", entries.len ? ", " : "", def->stages[i].label);
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("new row of relation \"%s\" starts at stage \"%s\", which is not an entry stage of funnel %s",
					RelationGetRelationName(rel), def->stages[idx].label, def->type_name),
			 errdetail("Rows must start at: %s.", entries.data),
			 errhint("To let rows start there, run funnel.set_stage(%s::%s, entry => true).",
					 quote_literal_cstr(def->stages[idx].label), def->type_name),
			 errtablecol(rel, st->stage_attnum)));
}

PG_FUNCTION_INFO_V1(funnel_enforce_transitions);
Datum
funnel_enforce_transitions(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	EnforceState *st;
	FunnelDef  *def;
	HeapTuple	newtup;
	bool		newnull;
	Datum		newval;
	int			nidx = -1;

	check_trigger_call(fcinfo, "funnel.enforce_transitions()", true);
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	st = enforce_setup(fcinfo);
	def = funnel_def_cached(&st->defcache, st->stage_type);

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		newtup = td->tg_trigtuple;
		newval = heap_getattr(newtup, st->stage_attnum, desc, &newnull);
		if (newnull)
		{
			if (!st->allow_null)
				report_null_stage(rel, st);
			return PointerGetDatum(newtup);
		}
		nidx = funnel_stage_index(&st->defcache, DatumGetObjectId(newval));
		def = st->defcache.def;
		if (!def->stages[nidx].entry)
			report_not_entry(rel, st, def, nidx);
		/*
		 * An INSERT by the table's owner that brings its own stamp (an
		 * import) keeps it; anyone else's stamp is the clock's, so that
		 * history written from it is an audit trail.
		 */
		if (st->stamp_attnum > 0 && st->may_import)
		{
			bool		stampnull;

			(void) heap_getattr(newtup, st->stamp_attnum, desc, &stampnull);
			if (!stampnull)
				return PointerGetDatum(newtup);
		}
	}
	else
	{
		HeapTuple	oldtup = td->tg_trigtuple;
		bool		oldnull;
		Datum		oldval = heap_getattr(oldtup, st->stage_attnum, desc, &oldnull);

		newtup = td->tg_newtuple;
		newval = heap_getattr(newtup, st->stage_attnum, desc, &newnull);

		/* the common case: an update that leaves the stage alone */
		if (oldnull && newnull)
			return PointerGetDatum(newtup);
		if (!oldnull && !newnull && DatumGetObjectId(oldval) == DatumGetObjectId(newval))
			return PointerGetDatum(newtup);

		if (newnull)
		{
			if (!st->allow_null)
				report_null_stage(rel, st);
		}
		else
		{
			nidx = funnel_stage_index(&st->defcache, DatumGetObjectId(newval));
			def = st->defcache.def;
			if (oldnull)
			{
				/* a row without a stage enters the funnel */
				if (!def->stages[nidx].entry)
					report_not_entry(rel, st, def, nidx);
			}
			else
			{
				int			oidx = funnel_stage_index(&st->defcache, DatumGetObjectId(oldval));

				def = st->defcache.def;
				if (!funnel_move_allowed(def, oidx, nidx))
					funnel_report_illegal_move(def, oidx, nidx, rel, st->stage_name);
			}
		}
	}

	if (st->stamp_attnum > 0)
	{
		int			cols[1];
		Datum		vals[1];
		bool		nulls[1] = {false};

		cols[0] = st->stamp_attnum;
		/*
		 * The clock, not the transaction start: a BEFORE ROW trigger fires
		 * with the row locked, so successive changes of one row get
		 * increasing stamps even when a transaction that started earlier
		 * got the lock later (now() would then go backward).
		 */
		vals[0] = TimestampTzGetDatum(GetCurrentTimestamp());
		newtup = heap_modify_tuple_by_cols(newtup, desc, 1, cols, vals, nulls);
	}
	return PointerGetDatum(newtup);
}

/* ------------------------------------------------------------------------
 * record_transition
 * ------------------------------------------------------------------------
 */

/* One prepared INSERT per trigger, kept for the life of the backend. */
typedef struct RecordPlan
{
	Oid			tgoid;			/* hash key */
	Oid			history;		/* the history table it inserts into */
	Oid			keytype;
	Oid			stagetype;
	SPIPlanPtr	plan;			/* many rows: arrays, unnested in the SELECT list */
	SPIPlanPtr	plan1;			/* one row: scalar parameters */
} RecordPlan;

static HTAB *record_plans = NULL;

/* What a trigger call needs, resolved once per statement (fn_extra). */
typedef struct RecordState
{
	Oid			tgoid;
	int			stage_attnum;
	int			key_attnum;
	Oid			stagetype;
	Oid			keytype;
	int16		keylen;
	bool		keybyval;
	char		keyalign;
	Oid			history;
	int			stamp_attnum;	/* 0: none; changed_at is then the clock */
	Oid			run_as;			/* insert as this role (the tables' owner), or InvalidOid */
	RecordPlan *rp;
} RecordState;

/*
 * The history table a trigger names.  An unqualified name is looked up in
 * the schema of the table the trigger is on -- never through the search_path
 * of whoever modifies the table, which could point at a table of his own.
 */
static Oid
resolve_history(const char *name, Relation rel)
{
	List	   *names = stringToQualifiedNameList(name);
	RangeVar   *rv = makeRangeVarFromNameList(names);
	Oid			relid;

	if (rv->schemaname == NULL)
		rv->schemaname = get_namespace_name(RelationGetNamespace(rel));
	relid = RangeVarGetRelid(rv, NoLock, true);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("history table %s of funnel.record_transition() does not exist", name),
				 errhint("funnel.track() creates it; or create it with columns (key, from_stage, to_stage, changed_at, changed_by).")));
	return relid;
}

static RecordPlan *
record_plan(RecordState *rs, const char *keyname)
{
	RecordPlan *rp;
	bool		found;

	if (record_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RecordPlan);
		ctl.hcxt = TopMemoryContext;
		record_plans = hash_create("funnel record_transition plans", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	rp = hash_search(record_plans, &rs->tgoid, HASH_ENTER, &found);
	if (!found)
	{
		rp->plan = NULL;
		rp->plan1 = NULL;
	}
	if (rp->plan == NULL || rp->history != rs->history ||
		rp->keytype != rs->keytype || rp->stagetype != rs->stagetype)
	{
		StringInfoData sql;
		Oid			argtypes[5];
		Oid			argtypes1[5];
		SPIPlanPtr	plan1;
		Oid			keyarr = get_array_type(rs->keytype);
		Oid			stagearr = get_array_type(rs->stagetype);
		SPIPlanPtr	plan;
		char	   *relname = get_rel_name(rs->history);
		char	   *nspname = get_namespace_name(get_rel_namespace(rs->history));

		if (!OidIsValid(keyarr) || !OidIsValid(stagearr) || relname == NULL || nspname == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("funnel.record_transition() cannot record key type %s",
							format_type_be(rs->keytype))));
		argtypes[0] = keyarr;
		argtypes[1] = stagearr;
		argtypes[2] = stagearr;
		argtypes[3] = TIMESTAMPTZARRAYOID;
		argtypes[4] = NAMEOID;
		/*
		 * unnest() in the SELECT list streams the arrays in lockstep
		 * (ProjectSet); in FROM, each would be copied into a tuplestore.
		 */
		initStringInfo(&sql);
		appendStringInfo(&sql,
						 "INSERT INTO %s (%s, from_stage, to_stage, changed_at, changed_by) "
						 "SELECT pg_catalog.unnest($1), pg_catalog.unnest($2), "
						 "pg_catalog.unnest($3), pg_catalog.unnest($4), $5",
						 quote_qualified_identifier(nspname, relname),
						 quote_identifier(keyname));
		plan = SPI_prepare(sql.data, 5, argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql.data,
				 SPI_result_code_string(SPI_result));
		argtypes1[0] = rs->keytype;
		argtypes1[1] = rs->stagetype;
		argtypes1[2] = rs->stagetype;
		argtypes1[3] = TIMESTAMPTZOID;
		argtypes1[4] = NAMEOID;
		resetStringInfo(&sql);
		appendStringInfo(&sql,
						 "INSERT INTO %s (%s, from_stage, to_stage, changed_at, changed_by) "
						 "VALUES ($1, $2, $3, $4, $5)",
						 quote_qualified_identifier(nspname, relname),
						 quote_identifier(keyname));
		plan1 = SPI_prepare(sql.data, 5, argtypes1);
		if (plan1 == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql.data,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0 || SPI_keepplan(plan1) != 0)
			elog(ERROR, "SPI_keepplan failed");
		if (rp->plan != NULL)
			SPI_freeplan(rp->plan);
		if (rp->plan1 != NULL)
			SPI_freeplan(rp->plan1);
		rp->plan = plan;
		rp->plan1 = plan1;
		rp->history = rs->history;
		rp->keytype = rs->keytype;
		rp->stagetype = rs->stagetype;
	}
	return rp;
}

/*
 * Whose rights the history rows are inserted with.  When funnel.track() set
 * up this table (or, for a partition, an ancestor) with this history table,
 * and one role owns both, the rows are written as that owner: movers need no
 * privilege on the history table and cannot write to it directly.  Otherwise
 * (a trigger made by hand) the INSERT runs with the mover's own rights.
 */
static Oid
history_writer(Relation rel, Oid history)
{
	Oid			relid = RelationGetRelid(rel);
	List	   *rels = list_make1_oid(relid);
	ListCell   *lc;

	if (rel->rd_rel->relispartition)
		rels = list_concat(rels, get_partition_ancestors(relid));
	foreach(lc, rels)
	{
		Oid			tracked = lfirst_oid(lc);
		HeapTuple	a;
		HeapTuple	b;
		Oid			owner_a;
		Oid			owner_b;

		if (funnel_catalog_tracked_history(tracked) != history)
			continue;
		a = SearchSysCache1(RELOID, ObjectIdGetDatum(tracked));
		b = SearchSysCache1(RELOID, ObjectIdGetDatum(history));
		if (!HeapTupleIsValid(a) || !HeapTupleIsValid(b))
		{
			if (HeapTupleIsValid(a))
				ReleaseSysCache(a);
			if (HeapTupleIsValid(b))
				ReleaseSysCache(b);
			continue;
		}
		owner_a = ((Form_pg_class) GETSTRUCT(a))->relowner;
		owner_b = ((Form_pg_class) GETSTRUCT(b))->relowner;
		ReleaseSysCache(a);
		ReleaseSysCache(b);
		if (owner_a == owner_b)
			return owner_a;
	}
	return InvalidOid;
}

/* Run a prepared history INSERT, as the tables' owner when rs says so. */
static int
execute_as_writer(RecordState *rs, SPIPlanPtr plan, Datum *args, const char *nulls)
{
	Oid			save_userid;
	int			save_sec;
	int			ret;

	if (!OidIsValid(rs->run_as))
		return SPI_execute_plan(plan, args, nulls, false, 0);
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(rs->run_as,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	ret = SPI_execute_plan(plan, args, nulls, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec);
	return ret;
}

static RecordState *
record_setup(FunctionCallInfo fcinfo)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	RecordState *rs = (RecordState *) fcinfo->flinfo->fn_extra;
	const char *fname = "funnel.record_transition()";
	const char *stagecol;
	const char *keycol;

	if (rs != NULL && rs->tgoid == tg->tgoid)
		return rs;
	if (tg->tgnargs < 1 || tg->tgnargs > 4)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s takes one to four arguments: history table, stage column, key column, stamp column", fname)));

	rs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RecordState));
	rs->tgoid = tg->tgoid;
	stagecol = tg->tgnargs > 1 ? tg->tgargs[1] : "stage";
	keycol = tg->tgnargs > 2 ? tg->tgargs[2] : "id";
	rs->stage_attnum = column_of(rel, stagecol, "stage", fname);
	rs->stagetype = stage_column_type(rel, rs->stage_attnum);
	rs->key_attnum = column_of(rel, keycol, "key", fname);
	rs->keytype = TupleDescAttr(RelationGetDescr(rel), rs->key_attnum - 1)->atttypid;
	get_typlenbyvalalign(rs->keytype, &rs->keylen, &rs->keybyval, &rs->keyalign);
	if (tg->tgnargs > 3 && tg->tgargs[3][0] != '\0')
		rs->stamp_attnum = stamp_column_of(rel, tg->tgargs[3], fname);
	rs->history = resolve_history(tg->tgargs[0], rel);
	rs->run_as = history_writer(rel, rs->history);
	{
		const char *need[5];
		int			i;

		need[0] = keycol;
		need[1] = "from_stage";
		need[2] = "to_stage";
		need[3] = "changed_at";
		need[4] = "changed_by";
		for (i = 0; i < 5; i++)
			if (get_attnum(rs->history, need[i]) == InvalidAttrNumber)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("history table %s has no column \"%s\"", tg->tgargs[0], need[i]),
						 errdetail("%s inserts (%s, from_stage, to_stage, changed_at, changed_by): the key column has the name of the key column of relation \"%s\".",
								   fname, quote_identifier(keycol), RelationGetRelationName(rel))));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rs->rp = record_plan(rs, keycol);
	SPI_finish();

	fcinfo->flinfo->fn_extra = rs;
	return rs;
}

/* Collected history rows of one call. */
typedef struct RecordBatch
{
	int			n;
	int			cap;
	Datum	   *keys;
	bool	   *keynulls;
	Datum	   *froms;
	bool	   *fromnulls;
	Datum	   *tos;
	Datum	   *ats;
} RecordBatch;

static void
batch_add(RecordBatch *b, RecordState *rs, Datum key, bool keynull, Datum from, bool fromnull,
		  Datum to, Datum at)
{
	if (b->n == b->cap)
	{
		int			cap = b->cap ? b->cap * 2 : 64;

		if (b->cap == 0)
		{
			b->keys = palloc(cap * sizeof(Datum));
			b->keynulls = palloc(cap * sizeof(bool));
			b->froms = palloc(cap * sizeof(Datum));
			b->fromnulls = palloc(cap * sizeof(bool));
			b->tos = palloc(cap * sizeof(Datum));
			b->ats = palloc(cap * sizeof(Datum));
		}
		else
		{
			b->keys = repalloc(b->keys, cap * sizeof(Datum));
			b->keynulls = repalloc(b->keynulls, cap * sizeof(bool));
			b->froms = repalloc(b->froms, cap * sizeof(Datum));
			b->fromnulls = repalloc(b->fromnulls, cap * sizeof(bool));
			b->tos = repalloc(b->tos, cap * sizeof(Datum));
			b->ats = repalloc(b->ats, cap * sizeof(Datum));
		}
		b->cap = cap;
	}
	b->keys[b->n] = keynull ? (Datum) 0 : datumCopy(key, rs->keybyval, rs->keylen);
	b->keynulls[b->n] = keynull;
	b->froms[b->n] = from;
	b->fromnulls[b->n] = fromnull;
	b->tos[b->n] = to;
	b->ats[b->n] = at;
	b->n++;
}

static void
batch_flush(RecordBatch *b, RecordState *rs)
{
	int			dims[1];
	int			lbs[1] = {1};
	Datum		args[5];
	int			ret;
	NameData	user;

	if (b->n == 0)
		return;
	/* changed_by: current_user, once per flush */
	namestrcpy(&user, GetUserNameFromId(GetUserId(), false));
	args[4] = NameGetDatum(&user);
	if (b->n == 1)
	{
		char		nulls[5] = {' ', ' ', ' ', ' ', ' '};

		args[0] = b->keys[0];
		args[1] = b->froms[0];
		args[2] = b->tos[0];
		args[3] = b->ats[0];
		if (b->keynulls[0])
			nulls[0] = 'n';
		if (b->fromnulls[0])
			nulls[1] = 'n';
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		ret = execute_as_writer(rs, rs->rp->plan1, args, nulls);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "inserting history rows failed: %s", SPI_result_code_string(ret));
		SPI_finish();
		b->n = 0;
		return;
	}
	dims[0] = b->n;
	args[0] = PointerGetDatum(construct_md_array(b->keys, b->keynulls, 1, dims, lbs,
												 rs->keytype, rs->keylen, rs->keybyval, rs->keyalign));
	args[1] = PointerGetDatum(construct_md_array(b->froms, b->fromnulls, 1, dims, lbs,
												 rs->stagetype, sizeof(Oid), true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_md_array(b->tos, NULL, 1, dims, lbs,
												 rs->stagetype, sizeof(Oid), true, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_md_array(b->ats, NULL, 1, dims, lbs,
												 TIMESTAMPTZOID, sizeof(TimestampTz), true, TYPALIGN_DOUBLE));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the plan is re-checked here: an invalidation may have replaced it */
	ret = execute_as_writer(rs, rs->rp->plan, args, NULL);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "inserting history rows failed: %s", SPI_result_code_string(ret));
	SPI_finish();
	b->n = 0;
}

/*
 * Whether a row's stage change is worth a history row, and its (from, to).
 * INSERT records the entry stage (from NULL); UPDATE records a change of
 * stage; a row whose new stage is NULL leaves no history (to_stage is the
 * stage entered, never NULL).
 */
static inline bool
stage_change(Datum oldval, bool oldnull, Datum newval, bool newnull, bool insert)
{
	if (newnull)
		return false;
	if (insert || oldnull)
		return true;
	return DatumGetObjectId(oldval) != DatumGetObjectId(newval);
}

/* changed_at of a row: its stamp when the trigger names a stamp column, else the clock */
static inline Datum
row_time(RecordState *rs, Datum stampval, bool stampnull, TimestampTz clock)
{
	if (rs->stamp_attnum > 0 && !stampnull)
		return stampval;
	return TimestampTzGetDatum(clock);
}

/* FOR EACH STATEMENT: walk the transition tables in step (row i of the old
 * table is the old version of row i of the new table). */
static void
record_statement(TriggerData *td, RecordState *rs, RecordBatch *b)
{
	bool		insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	Tuplestorestate *newts = td->tg_newtable;
	Tuplestorestate *oldts = td->tg_oldtable;
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	TupleTableSlot *newslot;
	TupleTableSlot *oldslot = NULL;
	int			newptr;
	int			oldptr = 0;
	TimestampTz clock = GetCurrentTimestamp();

	if (newts == NULL || (!insert && oldts == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.record_transition() fired FOR EACH STATEMENT needs transition tables"),
				 errhint("Declare the trigger with REFERENCING NEW TABLE AS ... (and OLD TABLE AS ... for UPDATE), or let funnel.track() create it.")));

	/* private read pointers: other triggers may read the same tuplestores */
	newptr = tuplestore_alloc_read_pointer(newts, 0);
	tuplestore_select_read_pointer(newts, newptr);
	tuplestore_rescan(newts);
	newslot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	if (!insert)
	{
		oldptr = tuplestore_alloc_read_pointer(oldts, 0);
		tuplestore_select_read_pointer(oldts, oldptr);
		tuplestore_rescan(oldts);
		oldslot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	}

	while (tuplestore_gettupleslot(newts, true, false, newslot))
	{
		bool		newnull;
		bool		oldnull = true;
		bool		keynull;
		Datum		newval = slot_getattr(newslot, rs->stage_attnum, &newnull);
		Datum		oldval = (Datum) 0;
		Datum		key;

		if (!insert)
		{
			if (!tuplestore_gettupleslot(oldts, true, false, oldslot))
				elog(ERROR, "transition tables of different lengths");
			oldval = slot_getattr(oldslot, rs->stage_attnum, &oldnull);
		}
		if (!stage_change(oldval, oldnull, newval, newnull, insert))
			continue;
		key = slot_getattr(newslot, rs->key_attnum, &keynull);
		{
			bool		stampnull = true;
			Datum		stamp = rs->stamp_attnum > 0 ?
				slot_getattr(newslot, rs->stamp_attnum, &stampnull) : (Datum) 0;

			batch_add(b, rs, key, keynull, oldval, oldnull, newval,
					  row_time(rs, stamp, stampnull, clock));
		}
		if (b->n >= RECORD_BATCH)
			batch_flush(b, rs);
	}
	ExecDropSingleTupleTableSlot(newslot);
	tuplestore_select_read_pointer(newts, 0);
	if (oldslot)
	{
		ExecDropSingleTupleTableSlot(oldslot);
		tuplestore_select_read_pointer(oldts, 0);
	}
}

PG_FUNCTION_INFO_V1(funnel_record_transition);
Datum
funnel_record_transition(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	RecordState *rs;
	RecordBatch batch = {0};

	check_trigger_call(fcinfo, "funnel.record_transition()", false);
	rs = record_setup(fcinfo);

	if (TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
	{
		record_statement(td, rs, &batch);
		batch_flush(&batch, rs);
		return PointerGetDatum(NULL);
	}
	else
	{
		TupleDesc	desc = RelationGetDescr(td->tg_relation);
		bool		insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
		HeapTuple	newtup = insert ? td->tg_trigtuple : td->tg_newtuple;
		bool		newnull;
		bool		oldnull = true;
		bool		keynull;
		Datum		newval = heap_getattr(newtup, rs->stage_attnum, desc, &newnull);
		Datum		oldval = (Datum) 0;

		if (!insert)
			oldval = heap_getattr(td->tg_trigtuple, rs->stage_attnum, desc, &oldnull);
		if (stage_change(oldval, oldnull, newval, newnull, insert))
		{
			Datum		key = heap_getattr(newtup, rs->key_attnum, desc, &keynull);
			bool		stampnull = true;
			Datum		stamp = rs->stamp_attnum > 0 ?
				heap_getattr(newtup, rs->stamp_attnum, desc, &stampnull) : (Datum) 0;

			batch_add(&batch, rs, key, keynull, oldval, oldnull, newval,
					  row_time(rs, stamp, stampnull, GetCurrentTimestamp()));
			batch_flush(&batch, rs);
		}
		return PointerGetDatum(insert ? td->tg_trigtuple : td->tg_newtuple);
	}
}
