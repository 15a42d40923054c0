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
 *
 * On a Citus distributed table the triggers fire on the shards, on the
 * workers; funnel.track() then tells them the table's name (enforce option
 * 'table=', record_transition's seventh argument), which their errors give
 * instead of the shard's.
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
#include "access/genam.h"
#include "catalog/pg_index.h"
#include "executor/executor.h"
#include "optimizer/optimizer.h"
#include "partitioning/partdesc.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/partcache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "compat.h"
#include "registry.h"

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

/*
 * The name errors give the table a trigger fires on: the user's table named
 * by the trigger (funnel.track() names it when the table is distributed by
 * Citus, whose workers fire the triggers on shards such as opp_102361, a
 * name the user never chose), else the relation's own name.  The trigger's
 * own argument, never a shard name taken apart: whoever can create a
 * trigger on the table could only mislabel errors about his own table.
 */
static inline const char *
shown_name(Relation rel, const char *table)
{
	return table != NULL ? table : RelationGetRelationName(rel);
}

/* Attribute number of a named column, or 42703 naming the trigger argument. */
static int
column_of(Relation rel, const char *table, const char *name, const char *what, const char *fname)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						name, shown_name(rel, table)),
				 errdetail("%s names it as the %s column.", fname, what)));
	return attnum;
}

/* The stage column must hold a registered funnel type (or a domain over one). */
static Oid
stage_column_type(Relation rel, const char *table, int attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Oid			base = getBaseType(att->atttypid);

	if (get_typtype(base) != TYPTYPE_ENUM || !funnel_is_registered(base))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("column \"%s\" of relation \"%s\" is not a funnel stage",
						NameStr(att->attname), shown_name(rel, table)),
				 errdetail("Its type %s is not a registered funnel.", format_type_be(att->atttypid)),
				 errhint("Give the column a funnel type made with funnel.create_funnel() or funnel.register_funnel().")));
	return att->atttypid;
}

/* The stamp column must be timestamptz (or a domain over it). */
static int
stamp_column_of(Relation rel, const char *table, const char *name, const char *fname)
{
	int			attnum = column_of(rel, table, name, "stamp", fname);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

	if (getBaseType(att->atttypid) != TIMESTAMPTZOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("stamp column \"%s\" of relation \"%s\" must be of type timestamp with time zone, not %s",
						name, shown_name(rel, table), format_type_be(att->atttypid))));
	return attnum;
}

/* ------------------------------------------------------------------------
 * Keys: which row an error is about
 * ------------------------------------------------------------------------
 */

/*
 * A key argument: one column name, or several as an array literal
 * ('{tenant,id}', quoted as an array element when a name needs it).
 * Allocated in the current memory context.
 */
static List *
parse_name_list(const char *arg, const char *fname)
{
	List	   *names = NIL;

	if (arg[0] == '{')
	{
		ArrayType  *arr;
		Datum	   *elems;
		bool	   *enulls;
		int			n;
		int			i;

		arr = DatumGetArrayTypeP(OidInputFunctionCall(F_ARRAY_IN, (char *) arg, NAMEOID, -1));
		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key columns of %s must be a one-dimensional list", fname)));
		deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &elems, &enulls, &n);
		for (i = 0; i < n; i++)
		{
			if (enulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("key columns of %s must not be NULL", fname)));
			names = lappend(names, pstrdup(NameStr(*DatumGetName(elems[i]))));
		}
	}
	else if (arg[0] != '\0')
		names = list_make1(pstrdup(arg));
	if (names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs at least one key column", fname)));
	return names;
}

/* The columns of the table's primary key (or of the partition's), or none. */
static int
primary_key_columns(Relation rel, AttrNumber *attnums)
{
	Oid			pk;
	HeapTuple	tup;
	int			n = 0;
	int			i;

	list_free(RelationGetIndexList(rel));	/* fills rd_pkindex */
	pk = rel->rd_pkindex;
	if (!OidIsValid(pk))
		return 0;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk));
	if (!HeapTupleIsValid(tup))
		return 0;
	for (i = 0; i < ((Form_pg_index) GETSTRUCT(tup))->indnkeyatts && i < INDEX_MAX_KEYS; i++)
	{
		AttrNumber	a = ((Form_pg_index) GETSTRUCT(tup))->indkey.values[i];

		if (a <= 0)
		{
			n = 0;				/* an expression: no columns to name */
			break;
		}
		attnums[n++] = a;
	}
	ReleaseSysCache(tup);
	return n;
}

/*
 * "Key (tenant, id)=(1, 7)." for an error about one row, or NULL when the
 * role may not see those values (as PostgreSQL's own key descriptions: it
 * needs SELECT on the table or on each of the columns, and no row security).
 */
static char *
row_key_description(Relation rel, const AttrNumber *attnums, int n, HeapTuple tup)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			relid = RelationGetRelid(rel);
	Oid			user = GetUserId();
	StringInfoData buf;
	bool		visible;
	int			i;

	if (n == 0 || tup == NULL)
		return NULL;
	if (check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
		return NULL;
	visible = pg_class_aclcheck(relid, user, ACL_SELECT) == ACLCHECK_OK;
	if (!visible && rel->rd_rel->relispartition)
	{
		/* a statement on the partitioned table: its privileges count */
		List	   *ancestors = get_partition_ancestors(relid);
		ListCell   *lc;

		foreach(lc, ancestors)
			if (pg_class_aclcheck(lfirst_oid(lc), user, ACL_SELECT) == ACLCHECK_OK)
				visible = true;
	}
	for (i = 0; i < n && !visible; i++)
		if (pg_attribute_aclcheck(relid, attnums[i], user, ACL_SELECT) != ACLCHECK_OK)
			return NULL;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "Key (");
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 quote_identifier(NameStr(TupleDescAttr(desc, attnums[i] - 1)->attname)));
	appendStringInfoString(&buf, ")=(");
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, attnums[i], desc, &isnull);

		if (i)
			appendStringInfoString(&buf, ", ");
		if (isnull)
			appendStringInfoString(&buf, "null");
		else
		{
			Oid			typoutput;
			bool		varlena;

			getTypeOutputInfo(TupleDescAttr(desc, attnums[i] - 1)->atttypid, &typoutput, &varlena);
			appendStringInfoString(&buf, OidOutputFunctionCall(typoutput, d));
		}
	}
	appendStringInfoString(&buf, ").");
	return buf.data;
}

/* ------------------------------------------------------------------------
 * Rows that move to another partition
 *
 * PostgreSQL runs an UPDATE that moves a row to another partition as the
 * BEFORE UPDATE row triggers of the old partition, then a DELETE there and
 * an INSERT into the new partition, whose BEFORE INSERT row triggers fire
 * too -- and nothing tells those that the INSERT is half of an UPDATE.  So
 * the BEFORE UPDATE call, which checks the move (old stage -> new stage) and
 * stamps it, notes when the new row no longer fits its partition: the
 * INSERT that follows in the same partition tree, in the same statement
 * (snapshot command id) with the same stage, is that row arriving, and is
 * neither checked as a new row nor stamped again.  The note is used once,
 * and forgotten when a (sub)transaction ends.  The AFTER UPDATE statement
 * triggers of the partitioned table see such a row in their transition
 * tables as the update it is, so record_transition records it as one.
 * ------------------------------------------------------------------------
 */

typedef struct PendingMove
{
	bool		valid;
	Oid			root;			/* top of the partition tree */
	CommandId	curcid;			/* the statement's snapshot */
	bool		stagenull;
	Oid			stage;
} PendingMove;

static PendingMove pending_move;
static bool pending_move_callbacks = false;

static void
forget_move_xact(XactEvent event, void *arg)
{
	pending_move.valid = false;
}

static void
forget_move_subxact(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		pending_move.valid = false;
}

static CommandId
statement_cid(void)
{
	return ActiveSnapshotSet() ? GetActiveSnapshot()->curcid : InvalidCommandId;
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
	const char *table;			/* the name errors give the table, or NULL */
	Oid			stage_type;
	int			stamp_attnum;	/* 0: no stamp column */
	bool		allow_null;
	bool		may_import;		/* the role owns the table: it may bring its own stamps */
	int			nkeys;			/* columns that name a row in errors */
	AttrNumber	keys[INDEX_MAX_KEYS];
	/* a partition: the tree's root, and its partition constraint */
	Oid			root;
	ExprState  *partcheck;
	ExprContext *econtext;
	TupleTableSlot *slot;
	FunnelDefCache defcache;
} EnforceState;

static void
enforce_setup_partition(EnforceState *st, Relation rel, MemoryContext mcxt)
{
	List	   *ancestors;
	List	   *qual;
	MemoryContext old;

	if (!rel->rd_rel->relispartition)
		return;
	ancestors = get_partition_ancestors(RelationGetRelid(rel));
	if (ancestors == NIL)
		return;
	st->root = llast_oid(ancestors);
	old = MemoryContextSwitchTo(mcxt);
	qual = RelationGetPartitionQual(rel);
	if (qual != NIL)
	{
		qual = (List *) expression_planner((Expr *) qual);
		st->partcheck = ExecInitCheck(qual, NULL);
		st->econtext = CreateStandaloneExprContext();
		st->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(rel)), &TTSOpsHeapTuple);
	}
	MemoryContextSwitchTo(old);
	if (!pending_move_callbacks)
	{
		RegisterXactCallback(forget_move_xact, NULL);
		RegisterSubXactCallback(forget_move_subxact, NULL);
		pending_move_callbacks = true;
	}
}

static EnforceState *
enforce_setup(FunctionCallInfo fcinfo)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	EnforceState *st = (EnforceState *) fcinfo->flinfo->fn_extra;
	const char *fname = "funnel.enforce_transitions()";
	List	   *keynames = NIL;
	int			i;

	if (st != NULL && st->tgoid == tg->tgoid)
		return st;

	st = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(EnforceState));
	st->tgoid = tg->tgoid;
	st->stage_name = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt,
										 tg->tgnargs > 0 ? tg->tgargs[0] : "stage");
	/* the table's name for errors first: every error below gives it */
	for (i = 2; i < tg->tgnargs; i++)
		if (strncmp(tg->tgargs[i], "table=", 6) == 0 && tg->tgargs[i][6] != '\0')
			st->table = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, tg->tgargs[i] + 6);
	st->stage_attnum = column_of(rel, st->table, st->stage_name, "stage", fname);
	st->stage_type = stage_column_type(rel, st->table, st->stage_attnum);

	if (tg->tgnargs > 1 && tg->tgargs[1][0] != '\0')
		st->stamp_attnum = stamp_column_of(rel, st->table, tg->tgargs[1], fname);
	for (i = 2; i < tg->tgnargs; i++)
	{
		if (strcmp(tg->tgargs[i], "allow_null") == 0)
			st->allow_null = true;
		else if (strncmp(tg->tgargs[i], "table=", 6) == 0)
			continue;			/* read above */
		else if (strncmp(tg->tgargs[i], "key=", 4) == 0)
			keynames = parse_name_list(tg->tgargs[i] + 4, fname);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\" of %s", tg->tgargs[i], fname),
					 errhint("Arguments are: stage column, stamp column (or ''), and the options 'allow_null' and 'key=<column>' (several: 'key={tenant,id}').")));
	}
	if (st->allow_null && TupleDescAttr(RelationGetDescr(rel), st->stage_attnum - 1)->attnotnull)
		st->allow_null = false;	/* NOT NULL wins: the column can never be NULL */
	if (keynames != NIL)
	{
		ListCell   *lc;

		if (list_length(keynames) > INDEX_MAX_KEYS)
			ereport(ERROR,
					(errcode(ERRCODE_TOO_MANY_COLUMNS),
					 errmsg("%s takes at most %d key columns", fname, INDEX_MAX_KEYS)));
		foreach(lc, keynames)
			st->keys[st->nkeys++] = column_of(rel, st->table, (char *) lfirst(lc), "key", fname);
	}
	else
		st->nkeys = primary_key_columns(rel, st->keys);

	st->may_import = funnel_class_ownercheck(RelationGetRelid(rel), GetUserId());
	enforce_setup_partition(st, rel, fcinfo->flinfo->fn_mcxt);
	funnel_def_cached(&st->defcache, st->stage_type);
	fcinfo->flinfo->fn_extra = st;
	return st;
}

static void
report_null_stage(Relation rel, EnforceState *st, HeapTuple tup)
{
	char	   *key = row_key_description(rel, st->keys, st->nkeys, tup);

	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("null stage in column \"%s\" of relation \"%s\"",
					st->stage_name, shown_name(rel, st->table)),
			 errdetail("%s%sEvery row of a table under funnel.enforce_transitions() must have a stage.",
					   key ? key : "", key ? " " : ""),
			 errhint("To allow rows without a stage, track the table with funnel.track(..., allow_null => true), or pass 'allow_null' as the third argument of a trigger written by hand."),
			 funnel_errtablecol(rel, st->table, st->stage_attnum)));
}

static void
report_not_entry(Relation rel, EnforceState *st, FunnelDef *def, int idx, HeapTuple tup)
{
	StringInfoData entries;
	char	   *key = row_key_description(rel, st->keys, st->nkeys, tup);
	int			i;

	initStringInfo(&entries);
	for (i = 0; i < def->nstages; i++)
		if (def->stages[i].entry)
			appendStringInfo(&entries, "%s%s", entries.len ? ", " : "", def->stages[i].label);
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("new row of relation \"%s\" starts at stage \"%s\", which is not an entry stage of funnel %s",
					shown_name(rel, st->table), def->stages[idx].label, def->type_name),
			 errdetail("%s%sRows must start at: %s.", key ? key : "", key ? " " : "", entries.data),
			 errhint("To let rows start there, run funnel.set_stage(%s::%s, entry => true).",
					 quote_literal_cstr(def->stages[idx].label), def->type_name),
			 funnel_errtablecol(rel, st->table, st->stage_attnum)));
}

/*
 * Called for an UPDATE on a partition: when the new row no longer fits the
 * partition, PostgreSQL moves it, and the INSERT into its new partition must
 * be recognised as that move (see PendingMove).
 */
static void
note_partition_move(EnforceState *st, HeapTuple newtup, bool stagenull, Datum stage)
{
	bool		fits;

	if (!OidIsValid(st->root) || st->partcheck == NULL)
		return;
	ExecStoreHeapTuple(newtup, st->slot, false);
	st->econtext->ecxt_scantuple = st->slot;
	fits = ExecCheck(st->partcheck, st->econtext);
	ExecClearTuple(st->slot);
	ResetExprContext(st->econtext);
	if (fits)
		return;
	pending_move.valid = true;
	pending_move.root = st->root;
	pending_move.curcid = statement_cid();
	pending_move.stagenull = stagenull;
	pending_move.stage = stagenull ? InvalidOid : DatumGetObjectId(stage);
}

/* Is this INSERT the arrival of a row that an UPDATE moved out of another partition? */
static bool
take_partition_move(EnforceState *st, bool stagenull, Datum stage)
{
	if (!pending_move.valid || !OidIsValid(st->root) || pending_move.root != st->root ||
		pending_move.curcid != statement_cid() || pending_move.stagenull != stagenull ||
		(!stagenull && pending_move.stage != DatumGetObjectId(stage)))
		return false;
	pending_move.valid = false;
	return true;
}

/* The stamp column of a row: whether it is NULL, and its value */
static inline TimestampTz
row_stamp(HeapTuple tup, TupleDesc desc, int attnum, bool *isnull)
{
	Datum		d = heap_getattr(tup, attnum, desc, isnull);

	return *isnull ? 0 : DatumGetTimestampTz(d);
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
	bool		stamp = false;	/* set the stamp column to the clock */
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
		/* a row moved here by an UPDATE: checked and stamped as a move already */
		if (OidIsValid(st->root) && take_partition_move(st, newnull, newval))
			return PointerGetDatum(newtup);
		if (newnull)
		{
			if (!st->allow_null)
				report_null_stage(rel, st, newtup);
			return PointerGetDatum(newtup);
		}
		nidx = funnel_stage_index(&st->defcache, DatumGetObjectId(newval), &def);
		if (!def->stages[nidx].entry)
			report_not_entry(rel, st, def, nidx, newtup);
		/*
		 * An INSERT by the table's owner that brings its own stamp (an
		 * import) keeps it; anyone else's stamp is the clock's, so that
		 * history written from it is an audit trail.
		 */
		if (st->stamp_attnum > 0)
		{
			bool		stampnull;

			(void) row_stamp(newtup, desc, st->stamp_attnum, &stampnull);
			stamp = !(st->may_import && !stampnull);
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
		if ((oldnull && newnull) ||
			(!oldnull && !newnull && DatumGetObjectId(oldval) == DatumGetObjectId(newval)))
		{
			if (OidIsValid(st->root))
				note_partition_move(st, newtup, newnull, newval);
			return PointerGetDatum(newtup);
		}

		if (newnull)
		{
			if (!st->allow_null)
				report_null_stage(rel, st, oldtup);
		}
		else
		{
			nidx = funnel_stage_index(&st->defcache, DatumGetObjectId(newval), &def);
			if (oldnull)
			{
				/* a row without a stage enters the funnel */
				if (!def->stages[nidx].entry)
					report_not_entry(rel, st, def, nidx, oldtup);
			}
			else
			{
				FunnelDef  *odef;
				int			oidx = funnel_stage_index(&st->defcache, DatumGetObjectId(oldval), &odef);

				/*
				 * The second lookup may have rebuilt the definition (a label
				 * it did not know yet): then both indexes are taken again
				 * from the one definition the check reads.
				 */
				if (odef != def)
				{
					def = odef;
					nidx = funnel_stage_index(&st->defcache, DatumGetObjectId(newval), &def);
					Assert(def == odef);
				}
				if (!funnel_move_allowed(def, oidx, nidx))
					funnel_report_illegal_move(def, oidx, nidx, rel, st->table, st->stage_name,
											   row_key_description(rel, st->keys, st->nkeys, oldtup));
			}
		}

		/*
		 * The stage changed: the stamp is the clock's -- unless the table's
		 * owner sets the stamp in the same UPDATE (importing a CRM's history
		 * move by move), which is kept when it does not go back in time.
		 */
		if (st->stamp_attnum > 0)
		{
			bool		oldstampnull;
			bool		newstampnull;
			TimestampTz oldstamp = row_stamp(oldtup, desc, st->stamp_attnum, &oldstampnull);
			TimestampTz newstamp = row_stamp(newtup, desc, st->stamp_attnum, &newstampnull);

			stamp = true;
			if (st->may_import && !newstampnull && (oldstampnull || newstamp != oldstamp))
			{
				if (!oldstampnull && newstamp < oldstamp)
				{
					char	   *key = row_key_description(rel, st->keys, st->nkeys, oldtup);

					ereport(ERROR,
							(errcode(ERRCODE_CHECK_VIOLATION),
							 errmsg("stamp of a stage change in relation \"%s\" goes back in time",
									shown_name(rel, st->table)),
							 errdetail("%s%sThe new \"%s\" is %s, before the row's previous stamp %s.",
									   key ? key : "", key ? " " : "",
									   NameStr(TupleDescAttr(desc, st->stamp_attnum - 1)->attname),
									   pstrdup(timestamptz_to_str(newstamp)), pstrdup(timestamptz_to_str(oldstamp))),
							 errhint("Import a row's moves in the order they happened."),
							 funnel_errtablecol(rel, st->table, st->stamp_attnum)));
				}
				stamp = false;
			}
		}
	}

	if (stamp)
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
	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event) && OidIsValid(st->root))
		note_partition_move(st, newtup, newnull, newval);
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
	int			nkeys;
	Oid			keytypes[INDEX_MAX_KEYS];
	Oid			stagetype;
	int			nvals;
	Oid			valtypes[2];
	int			valkinds[2];
	SPIPlanPtr	plan;			/* many rows: arrays, unnested in the SELECT list */
	SPIPlanPtr	plan1;			/* one row: scalar parameters */
} RecordPlan;

static HTAB *record_plans = NULL;

/* A key column of the tracked table */
typedef struct RecordKey
{
	char	   *name;
	int			attnum;
	Oid			type;
	int16		len;
	bool		byval;
	char		align;
} RecordKey;

/*
 * A value column recorded beside the stage (track's amount_column and
 * close_date_column): the history gets its old and new value, in columns
 * named after the kind, whenever the stage or any recorded value changes.
 */
#define RECORD_AMOUNT 0
#define RECORD_CLOSE_DATE 1
static const char *const record_value_cols[2][2] = {
	{"from_amount", "amount"},
	{"from_close_date", "close_date"}
};

typedef struct RecordValue
{
	int			kind;			/* RECORD_AMOUNT or RECORD_CLOSE_DATE */
	int			attnum;
	Oid			type;
	int16		len;
	bool		byval;
	char		align;
} RecordValue;

/* What a trigger call needs, resolved once per statement (fn_extra). */
typedef struct RecordState
{
	Oid			tgoid;
	const char *table;			/* the name errors give the table, or NULL */
	int			stage_attnum;
	int			nkeys;
	RecordKey	keys[INDEX_MAX_KEYS];
	Oid			stagetype;
	Oid			history;
	int			stamp_attnum;	/* 0: none; changed_at is then the clock */
	Oid			run_as;			/* insert as this role (the tables' owner), or InvalidOid */
	int			nvals;			/* recorded value columns (0 to 2) */
	RecordValue vals[2];
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
	List	   *names = funnel_qualified_name_list(name);
	RangeVar   *rv = makeRangeVarFromNameList(names);
	Oid			relid;

	if (rv->schemaname == NULL)
		rv->schemaname = get_namespace_name(RelationGetNamespace(rel));
	relid = RangeVarGetRelid(rv, NoLock, true);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("history table %s of funnel.record_transition() does not exist", name),
				 errhint("funnel.track() creates it; or create it with columns (key columns, from_stage, to_stage, changed_at, changed_by).")));
	return relid;
}

static RecordPlan *
record_plan(RecordState *rs)
{
	RecordPlan *rp;
	bool		found;
	bool		same;
	int			k;

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
	same = rp->plan != NULL && rp->history == rs->history &&
		rp->stagetype == rs->stagetype && rp->nkeys == rs->nkeys &&
		rp->nvals == rs->nvals;
	for (k = 0; same && k < rs->nkeys; k++)
		same = rp->keytypes[k] == rs->keys[k].type;
	for (k = 0; same && k < rs->nvals; k++)
		same = rp->valtypes[k] == rs->vals[k].type && rp->valkinds[k] == rs->vals[k].kind;
	if (!same)
	{
		StringInfoData sql;
		StringInfoData cols;
		StringInfoData sel;
		StringInfoData vals;
		int			nargs = rs->nkeys + 4 + 2 * rs->nvals;
		Oid		   *argtypes = palloc(nargs * sizeof(Oid));
		Oid		   *argtypes1 = palloc(nargs * sizeof(Oid));
		Oid			stagearr = get_array_type(rs->stagetype);
		SPIPlanPtr	plan;
		SPIPlanPtr	plan1;
		char	   *relname = get_rel_name(rs->history);
		char	   *nspname = get_namespace_name(get_rel_namespace(rs->history));
		int			i;

		if (!OidIsValid(stagearr) || relname == NULL || nspname == NULL)
			elog(ERROR, "funnel.record_transition(): no array type for %s",
				 format_type_be(rs->stagetype));
		initStringInfo(&cols);
		initStringInfo(&sel);
		initStringInfo(&vals);
		for (k = 0; k < rs->nkeys; k++)
		{
			Oid			keyarr = get_array_type(rs->keys[k].type);

			if (!OidIsValid(keyarr))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("funnel.record_transition() cannot record key type %s",
								format_type_be(rs->keys[k].type))));
			argtypes[k] = keyarr;
			argtypes1[k] = rs->keys[k].type;
			appendStringInfo(&cols, "%s, ", quote_identifier(rs->keys[k].name));
			appendStringInfo(&sel, "pg_catalog.unnest($%d), ", k + 1);
			appendStringInfo(&vals, "$%d, ", k + 1);
		}
		argtypes[k] = stagearr;
		argtypes[k + 1] = stagearr;
		argtypes[k + 2] = TIMESTAMPTZARRAYOID;
		argtypes[k + 3] = NAMEOID;
		argtypes1[k] = rs->stagetype;
		argtypes1[k + 1] = rs->stagetype;
		argtypes1[k + 2] = TIMESTAMPTZOID;
		argtypes1[k + 3] = NAMEOID;
		for (i = k + 1; i <= k + 3; i++)
			appendStringInfo(&sel, "pg_catalog.unnest($%d), ", i);
		appendStringInfo(&sel, "$%d", k + 4);
		appendStringInfo(&vals, "$%d, $%d, $%d, $%d", k + 1, k + 2, k + 3, k + 4);
		appendStringInfoString(&cols, "from_stage, to_stage, changed_at, changed_by");
		for (i = 0; i < rs->nvals; i++)
		{
			RecordValue *v = &rs->vals[i];
			Oid			valarr = get_array_type(v->type);
			int			a = rs->nkeys + 4 + 2 * i;

			if (!OidIsValid(valarr))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("funnel.record_transition() cannot record values of type %s",
								format_type_be(v->type))));
			argtypes[a] = argtypes[a + 1] = valarr;
			argtypes1[a] = argtypes1[a + 1] = v->type;
			appendStringInfo(&cols, ", %s, %s", record_value_cols[v->kind][0], record_value_cols[v->kind][1]);
			appendStringInfo(&sel, ", pg_catalog.unnest($%d), pg_catalog.unnest($%d)", a + 1, a + 2);
			appendStringInfo(&vals, ", $%d, $%d", a + 1, a + 2);
		}

		/*
		 * unnest() in the SELECT list streams the arrays in lockstep
		 * (ProjectSet); in FROM, each would be copied into a tuplestore.
		 */
		initStringInfo(&sql);
		appendStringInfo(&sql,
						 "INSERT INTO %s (%s) SELECT %s",
						 quote_qualified_identifier(nspname, relname), cols.data, sel.data);
		plan = SPI_prepare(sql.data, nargs, argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql.data,
				 SPI_result_code_string(SPI_result));
		resetStringInfo(&sql);
		appendStringInfo(&sql,
						 "INSERT INTO %s (%s) VALUES (%s)",
						 quote_qualified_identifier(nspname, relname), cols.data, vals.data);
		plan1 = SPI_prepare(sql.data, nargs, argtypes1);
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
		rp->stagetype = rs->stagetype;
		rp->nkeys = rs->nkeys;
		for (k = 0; k < rs->nkeys; k++)
			rp->keytypes[k] = rs->keys[k].type;
		rp->nvals = rs->nvals;
		for (k = 0; k < rs->nvals; k++)
		{
			rp->valtypes[k] = rs->vals[k].type;
			rp->valkinds[k] = rs->vals[k].kind;
		}
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
	List	   *keynames;
	ListCell   *lc;
	MemoryContext old;
	int			k;

	if (rs != NULL && rs->tgoid == tg->tgoid)
		return rs;
	if (tg->tgnargs < 1 || tg->tgnargs > 7)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s takes one to seven arguments: history table, stage column, key column(s), stamp column, amount column, close date column, table name for errors", fname)));

	rs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RecordState));
	rs->tgoid = tg->tgoid;
	if (tg->tgnargs > 6 && tg->tgargs[6][0] != '\0')
		rs->table = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, tg->tgargs[6]);
	stagecol = tg->tgnargs > 1 ? tg->tgargs[1] : "stage";
	rs->stage_attnum = column_of(rel, rs->table, stagecol, "stage", fname);
	rs->stagetype = stage_column_type(rel, rs->table, rs->stage_attnum);
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	keynames = parse_name_list(tg->tgnargs > 2 ? tg->tgargs[2] : "id", fname);
	MemoryContextSwitchTo(old);
	if (list_length(keynames) > INDEX_MAX_KEYS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_COLUMNS),
				 errmsg("%s takes at most %d key columns", fname, INDEX_MAX_KEYS)));
	foreach(lc, keynames)
	{
		RecordKey  *key = &rs->keys[rs->nkeys++];

		key->name = (char *) lfirst(lc);
		key->attnum = column_of(rel, rs->table, key->name, "key", fname);
		key->type = TupleDescAttr(RelationGetDescr(rel), key->attnum - 1)->atttypid;
		get_typlenbyvalalign(key->type, &key->len, &key->byval, &key->align);
	}
	if (tg->tgnargs > 3 && tg->tgargs[3][0] != '\0')
		rs->stamp_attnum = stamp_column_of(rel, rs->table, tg->tgargs[3], fname);
	for (k = RECORD_AMOUNT; k <= RECORD_CLOSE_DATE; k++)
	{
		RecordValue *v;
		Oid			base;

		if (tg->tgnargs <= 4 + k || tg->tgargs[4 + k][0] == '\0')
			continue;
		v = &rs->vals[rs->nvals++];
		v->kind = k;
		v->attnum = column_of(rel, rs->table, tg->tgargs[4 + k], k == RECORD_AMOUNT ? "amount" : "close date", fname);
		v->type = TupleDescAttr(RelationGetDescr(rel), v->attnum - 1)->atttypid;
		base = getBaseType(v->type);
		if (k == RECORD_AMOUNT ? (base != NUMERICOID && base != INT2OID && base != INT4OID &&
								  base != INT8OID && base != FLOAT4OID && base != FLOAT8OID)
			: (base != DATEOID && base != TIMESTAMPTZOID && base != TIMESTAMPOID))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s column \"%s\" of relation \"%s\" must be of type %s, not %s",
							k == RECORD_AMOUNT ? "amount" : "close date", tg->tgargs[4 + k],
							shown_name(rel, rs->table),
							k == RECORD_AMOUNT ? "numeric (or an integer or float type)" : "date, timestamp or timestamptz",
							format_type_be(v->type))));
		get_typlenbyvalalign(v->type, &v->len, &v->byval, &v->align);
	}
	rs->history = resolve_history(tg->tgargs[0], rel);
	rs->run_as = history_writer(rel, rs->history);
	for (k = 0; k < rs->nkeys + 4 + 2 * rs->nvals; k++)
	{
		static const char *const fixed[4] = {"from_stage", "to_stage", "changed_at", "changed_by"};
		const char *need = k < rs->nkeys ? rs->keys[k].name :
			k < rs->nkeys + 4 ? fixed[k - rs->nkeys] :
			record_value_cols[rs->vals[(k - rs->nkeys - 4) / 2].kind][(k - rs->nkeys - 4) % 2];

		if (get_attnum(rs->history, need) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("history table %s has no column \"%s\"", tg->tgargs[0], need),
					 errdetail("%s inserts the key column(s) of relation \"%s\" under their own names, then from_stage, to_stage, changed_at and changed_by (and from_amount, amount, from_close_date, close_date for the values it records).",
							   fname, shown_name(rel, rs->table))));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rs->rp = record_plan(rs);
	SPI_finish();

	fcinfo->flinfo->fn_extra = rs;
	return rs;
}

/* Collected history rows of one call. */
typedef struct RecordBatch
{
	int			n;
	int			cap;
	Datum	   *keys[INDEX_MAX_KEYS];
	bool	   *keynulls[INDEX_MAX_KEYS];
	Datum	   *froms;
	bool	   *fromnulls;
	Datum	   *tos;
	Datum	   *ats;
	Datum	   *vals[4];		/* per recorded value: old, new */
	bool	   *valnulls[4];
} RecordBatch;

static void *
grow(void *p, int cap, Size elem)
{
	return p == NULL ? palloc(cap * elem) : repalloc(p, cap * elem);
}

static void
batch_add(RecordBatch *b, RecordState *rs, const Datum *keys, const bool *keynulls,
		  Datum from, bool fromnull, Datum to, Datum at,
		  const Datum *vals, const bool *valnulls)
{
	int			k;

	if (b->n == b->cap)
	{
		int			cap = b->cap ? b->cap * 2 : 64;

		for (k = 0; k < rs->nkeys; k++)
		{
			b->keys[k] = grow(b->keys[k], cap, sizeof(Datum));
			b->keynulls[k] = grow(b->keynulls[k], cap, sizeof(bool));
		}
		b->froms = grow(b->froms, cap, sizeof(Datum));
		b->fromnulls = grow(b->fromnulls, cap, sizeof(bool));
		b->tos = grow(b->tos, cap, sizeof(Datum));
		b->ats = grow(b->ats, cap, sizeof(Datum));
		for (k = 0; k < 2 * rs->nvals; k++)
		{
			b->vals[k] = grow(b->vals[k], cap, sizeof(Datum));
			b->valnulls[k] = grow(b->valnulls[k], cap, sizeof(bool));
		}
		b->cap = cap;
	}
	for (k = 0; k < rs->nkeys; k++)
	{
		b->keys[k][b->n] = keynulls[k] ? (Datum) 0 :
			datumCopy(keys[k], rs->keys[k].byval, rs->keys[k].len);
		b->keynulls[k][b->n] = keynulls[k];
	}
	b->froms[b->n] = from;
	b->fromnulls[b->n] = fromnull;
	b->tos[b->n] = to;
	b->ats[b->n] = at;
	for (k = 0; k < 2 * rs->nvals; k++)
	{
		RecordValue *v = &rs->vals[k / 2];

		b->vals[k][b->n] = valnulls[k] ? (Datum) 0 : datumCopy(vals[k], v->byval, v->len);
		b->valnulls[k][b->n] = valnulls[k];
	}
	b->n++;
}

static void
batch_flush(RecordBatch *b, RecordState *rs)
{
	int			dims[1];
	int			lbs[1] = {1};
	int			nk = rs->nkeys;
	Datum		args[INDEX_MAX_KEYS + 8];
	char		nulls[INDEX_MAX_KEYS + 8];
	int			ret;
	int			k;
	NameData	user;

	if (b->n == 0)
		return;
	/* changed_by: current_user, once per flush */
	namestrcpy(&user, GetUserNameFromId(GetUserId(), false));
	memset(nulls, ' ', sizeof(nulls));
	args[nk + 3] = NameGetDatum(&user);
	if (b->n == 1)
	{
		for (k = 0; k < nk; k++)
		{
			args[k] = b->keys[k][0];
			if (b->keynulls[k][0])
				nulls[k] = 'n';
		}
		args[nk] = b->froms[0];
		if (b->fromnulls[0])
			nulls[nk] = 'n';
		args[nk + 1] = b->tos[0];
		args[nk + 2] = b->ats[0];
		for (k = 0; k < 2 * rs->nvals; k++)
		{
			args[nk + 4 + k] = b->vals[k][0];
			if (b->valnulls[k][0])
				nulls[nk + 4 + k] = 'n';
		}
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
	for (k = 0; k < nk; k++)
		args[k] = PointerGetDatum(construct_md_array(b->keys[k], b->keynulls[k], 1, dims, lbs,
													 rs->keys[k].type, rs->keys[k].len,
													 rs->keys[k].byval, rs->keys[k].align));
	args[nk] = PointerGetDatum(construct_md_array(b->froms, b->fromnulls, 1, dims, lbs,
												  rs->stagetype, sizeof(Oid), true, TYPALIGN_INT));
	args[nk + 1] = PointerGetDatum(construct_md_array(b->tos, NULL, 1, dims, lbs,
													  rs->stagetype, sizeof(Oid), true, TYPALIGN_INT));
	args[nk + 2] = PointerGetDatum(construct_md_array(b->ats, NULL, 1, dims, lbs,
													  TIMESTAMPTZOID, sizeof(TimestampTz), true, TYPALIGN_DOUBLE));
	for (k = 0; k < 2 * rs->nvals; k++)
	{
		RecordValue *v = &rs->vals[k / 2];

		args[nk + 4 + k] = PointerGetDatum(construct_md_array(b->vals[k], b->valnulls[k], 1, dims, lbs,
															  v->type, v->len, v->byval, v->align));
	}

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

/*
 * The recorded values of a row pair (old, new per value column) and whether
 * one of them changed: an UPDATE that leaves the stage alone but changes the
 * amount or the close date is recorded too (from_stage = to_stage), so the
 * history holds every change of the open pipeline's value.  A row whose new
 * stage is NULL is never recorded.
 */
static bool
value_change(RecordState *rs, TupleTableSlot *oldslot, TupleTableSlot *newslot,
			 HeapTuple oldtup, HeapTuple newtup, TupleDesc desc,
			 Datum *vals, bool *valnulls)
{
	bool		changed = false;
	int			i;

	for (i = 0; i < rs->nvals; i++)
	{
		RecordValue *v = &rs->vals[i];

		if (oldslot != NULL)
			vals[2 * i] = slot_getattr(oldslot, v->attnum, &valnulls[2 * i]);
		else if (oldtup != NULL)
			vals[2 * i] = heap_getattr(oldtup, v->attnum, desc, &valnulls[2 * i]);
		else
		{
			vals[2 * i] = (Datum) 0;
			valnulls[2 * i] = true;
		}
		if (newslot != NULL)
			vals[2 * i + 1] = slot_getattr(newslot, v->attnum, &valnulls[2 * i + 1]);
		else
			vals[2 * i + 1] = heap_getattr(newtup, v->attnum, desc, &valnulls[2 * i + 1]);
		if (valnulls[2 * i] != valnulls[2 * i + 1] ||
			(!valnulls[2 * i] && !datum_image_eq(vals[2 * i], vals[2 * i + 1], v->byval, v->len)))
			changed = true;
	}
	return changed;
}

/* changed_at of a row: its stamp when the trigger names a stamp column, else the clock */
static inline Datum
row_time(RecordState *rs, Datum stampval, bool stampnull, TimestampTz clock)
{
	if (rs->stamp_attnum > 0 && !stampnull)
		return stampval;
	return TimestampTzGetDatum(clock);
}

/*
 * FOR EACH STATEMENT: walk the transition tables in step (row i of the old
 * table is the old version of row i of the new table -- also for a row that
 * an UPDATE of a partitioned table moved to another partition: PostgreSQL
 * puts its old and new versions into the UPDATE's transition tables, never
 * into those of a DELETE or INSERT).
 */
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
		Datum		newval = slot_getattr(newslot, rs->stage_attnum, &newnull);
		Datum		oldval = (Datum) 0;
		Datum		keys[INDEX_MAX_KEYS];
		bool		keynulls[INDEX_MAX_KEYS];
		Datum		vals[4];
		bool		valnulls[4];
		bool		stampnull = true;
		Datum		stamp;
		int			k;

		if (!insert)
		{
			if (!tuplestore_gettupleslot(oldts, true, false, oldslot))
				elog(ERROR, "transition tables of different lengths");
			oldval = slot_getattr(oldslot, rs->stage_attnum, &oldnull);
		}
		if (!(value_change(rs, insert ? NULL : oldslot, newslot, NULL, NULL, NULL, vals, valnulls) &&
			  !newnull) &&
			!stage_change(oldval, oldnull, newval, newnull, insert))
			continue;
		for (k = 0; k < rs->nkeys; k++)
			keys[k] = slot_getattr(newslot, rs->keys[k].attnum, &keynulls[k]);
		stamp = rs->stamp_attnum > 0 ?
			slot_getattr(newslot, rs->stamp_attnum, &stampnull) : (Datum) 0;
		/* a change of values only is stamped by the clock: the stamp is the stage's */
		if (!insert && !oldnull && DatumGetObjectId(oldval) == DatumGetObjectId(newval))
			stampnull = true;
		batch_add(b, rs, keys, keynulls, oldval, oldnull, newval,
				  row_time(rs, stamp, stampnull, clock), vals, valnulls);
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
	RecordBatch batch;

	check_trigger_call(fcinfo, "funnel.record_transition()", false);
	rs = record_setup(fcinfo);
	memset(&batch, 0, sizeof(batch));

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
		Datum		newval = heap_getattr(newtup, rs->stage_attnum, desc, &newnull);
		Datum		oldval = (Datum) 0;

		Datum		vals[4];
		bool		valnulls[4];
		bool		valchanged;

		if (!insert)
			oldval = heap_getattr(td->tg_trigtuple, rs->stage_attnum, desc, &oldnull);
		valchanged = value_change(rs, NULL, NULL, insert ? NULL : td->tg_trigtuple, newtup, desc,
								  vals, valnulls);
		if ((valchanged && !newnull) || stage_change(oldval, oldnull, newval, newnull, insert))
		{
			Datum		keys[INDEX_MAX_KEYS];
			bool		keynulls[INDEX_MAX_KEYS];
			bool		stampnull = true;
			Datum		stamp = rs->stamp_attnum > 0 ?
				heap_getattr(newtup, rs->stamp_attnum, desc, &stampnull) : (Datum) 0;
			int			k;

			for (k = 0; k < rs->nkeys; k++)
				keys[k] = heap_getattr(newtup, rs->keys[k].attnum, desc, &keynulls[k]);
			/* a change of values only is stamped by the clock: the stamp is the stage's */
			if (!insert && !oldnull && DatumGetObjectId(oldval) == DatumGetObjectId(newval))
				stampnull = true;
			batch_add(&batch, rs, keys, keynulls, oldval, oldnull, newval,
					  row_time(rs, stamp, stampnull, GetCurrentTimestamp()), vals, valnulls);
			batch_flush(&batch, rs);
		}
		return PointerGetDatum(insert ? td->tg_trigtuple : td->tg_newtuple);
	}
}
