/*
 * catalog.c
 *		The extension's own catalog tables -- funnel_def, stage_def and
 *		transition_def -- found by OID, read and written without SQL, and the
 *		triggers that guard them.
 *
 * Security model (README "Security"):
 *
 *	- The tables are found through pg_extension: the schema of extension
 *	  "funnel", and in it relations that pg_depend records as members of the
 *	  extension.  Nothing here resolves a name through search_path or parses
 *	  SQL, so no role can slip its own table, view, function or operator in.
 *	- PUBLIC may read the tables and INSERT into them (so that a database
 *	  owner can restore a dump of his funnels); the guard trigger limits an
 *	  INSERT to funnels whose enum type the inserting role owns.  Nobody but a
 *	  superuser may UPDATE or DELETE, which also means nobody else can take a
 *	  lock on them stronger than ROW EXCLUSIVE (LOCK TABLE and SELECT ... FOR
 *	  UPDATE need UPDATE or DELETE).
 *	- The definition functions change rows through the SQL-callable C
 *	  functions below (funnel.def_*), which check the same ownership rule as
 *	  the guard and write the rows directly (heap and index), so they need no
 *	  privilege on the tables.
 *	- Every change invalidates the compiled definition of the one funnel it
 *	  touches (registry.c), in this backend at once and in the others when
 *	  the change commits.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "compat.h"
#include "registry.h"

typedef enum CatalogTable
{
	CAT_FUNNEL = 0,
	CAT_STAGE = 1,
	CAT_TRANSITION = 2,
	CAT_TRACKED = 3,
	CAT_NTABLES = 4
} CatalogTable;

static const char *const cat_names[CAT_NTABLES] = {"funnel_def", "stage_def", "transition_def", "tracked_def"};

/* funnel_def columns */
enum
{
	FD_STAGE_TYPE, FD_ALLOW_SKIP, FD_ALLOW_BACKWARD, FD_ALLOW_REOPEN, FD_CREATED, FD_BUILTIN, FD_NCOLS
};
static const char *const fd_cols[FD_NCOLS] = {
	"stage_type", "allow_skip", "allow_backward", "allow_reopen", "created", "builtin"
};

/* stage_def columns */
enum
{
	SD_STAGE_TYPE, SD_STAGE, SD_OUTCOME, SD_ENTRY, SD_OWNER, SD_PROBABILITY, SD_BUILTIN, SD_NCOLS
};
static const char *const sd_cols[SD_NCOLS] = {
	"stage_type", "stage", "outcome", "entry", "owner", "probability", "builtin"
};

/* transition_def columns */
enum
{
	TD_STAGE_TYPE, TD_FROM, TD_TO, TD_ALLOWED, TD_NCOLS
};
static const char *const td_cols[TD_NCOLS] = {"stage_type", "from_stage", "to_stage", "allowed"};

/* tracked_def columns: a table whose history funnel.track() set up */
enum
{
	KD_TRACKED, KD_HISTORY, KD_NCOLS
};
static const char *const kd_cols[KD_NCOLS] = {"tracked", "history"};

static const char *const *const cat_cols[CAT_NTABLES] = {fd_cols, sd_cols, td_cols, kd_cols};
static const int cat_ncols[CAT_NTABLES] = {FD_NCOLS, SD_NCOLS, TD_NCOLS, KD_NCOLS};

/* learnt once per backend; forgotten when a relcache reset or a change to one of them arrives */
static Oid	cat_extension = InvalidOid;
static Oid	cat_relid[CAT_NTABLES];
static Oid	cat_pkey[CAT_NTABLES];
static AttrNumber cat_attnum[CAT_NTABLES][SD_NCOLS];

void
funnel_catalog_forget_relids(void)
{
	cat_extension = InvalidOid;
	memset(cat_relid, 0, sizeof(cat_relid));
}

bool
funnel_catalog_is_table(Oid relid)
{
	int			i;

	for (i = 0; i < CAT_NTABLES; i++)
		if (OidIsValid(relid) && cat_relid[i] == relid)
			return true;
	return false;
}

/* The schema of an extension, read from pg_extension by OID. */
static Oid
extension_schema(Oid extoid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

/*
 * Find the catalog tables: members of extension funnel in its schema.  A
 * relation of the right name that is not a member of the extension is never
 * used (it can only be there if a superuser put it there).
 */
static void
load_relids(void)
{
	Oid			ext;
	Oid			nsp;
	int			t;

	if (OidIsValid(cat_extension))
		return;
	ext = get_extension_oid("funnel", true);
	if (!OidIsValid(ext))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"funnel\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION funnel.")));
	nsp = extension_schema(ext);
	for (t = 0; t < CAT_NTABLES; t++)
	{
		Oid			relid = OidIsValid(nsp) ? get_relname_relid(cat_names[t], nsp) : InvalidOid;
		Relation	rel;
		int			c;

		/* tracked_def is new in 1.1: a 1.0 installation has none until updated */
		if (t == CAT_TRACKED && !OidIsValid(relid))
		{
			cat_relid[t] = InvalidOid;
			continue;
		}
		if (!OidIsValid(relid) || getExtensionOfObject(RelationRelationId, relid) != ext)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("catalog table %s of extension funnel is missing", cat_names[t]),
					 errhint("Reinstall the extension (DROP EXTENSION funnel; CREATE EXTENSION funnel), or restore it from a dump.")));
		rel = table_open(relid, AccessShareLock);
		cat_pkey[t] = funnel_primary_key_index(rel);
		for (c = 0; c < cat_ncols[t]; c++)
		{
			int			k;

			cat_attnum[t][c] = InvalidAttrNumber;
			for (k = 0; k < RelationGetDescr(rel)->natts; k++)
			{
				Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), k);

				if (!att->attisdropped && strcmp(NameStr(att->attname), cat_cols[t][c]) == 0)
					cat_attnum[t][c] = att->attnum;
			}
			if (cat_attnum[t][c] == InvalidAttrNumber)
				elog(ERROR, "column %s of funnel catalog table %s is missing",
					 cat_cols[t][c], cat_names[t]);
		}
		table_close(rel, AccessShareLock);
		if (!OidIsValid(cat_pkey[t]))
			elog(ERROR, "funnel catalog table %s has no primary key", cat_names[t]);
		cat_relid[t] = relid;
	}
	cat_extension = ext;
}

#define ATT(t, c)	(cat_attnum[(t)][(c)])

static Datum
get_col(HeapTuple tup, TupleDesc desc, CatalogTable t, int c, bool *isnull)
{
	return heap_getattr(tup, ATT(t, c), desc, isnull);
}

static char *
get_text(HeapTuple tup, TupleDesc desc, CatalogTable t, int c)
{
	bool		isnull;
	Datum		d = get_col(tup, desc, t, c, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static bool
get_bool(HeapTuple tup, TupleDesc desc, CatalogTable t, int c, bool dflt)
{
	bool		isnull;
	Datum		d = get_col(tup, desc, t, c, &isnull);

	return isnull ? dflt : DatumGetBool(d);
}

/* Scan one table's rows of one funnel type (primary key prefix). */
static SysScanDesc
begin_type_scan(Relation rel, CatalogTable t, Oid typid, ScanKeyData *key)
{
	ScanKeyInit(key, ATT(t, 0), BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(typid));
	return systable_beginscan(rel, cat_pkey[t], true, NULL, 1, key);
}

bool
funnel_catalog_read_funnel(Oid typid, CatalogFunnel *out)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	load_relids();
	rel = table_open(cat_relid[CAT_FUNNEL], AccessShareLock);
	scan = begin_type_scan(rel, CAT_FUNNEL, typid, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		TupleDesc	desc = RelationGetDescr(rel);

		out->allow_skip = get_bool(tup, desc, CAT_FUNNEL, FD_ALLOW_SKIP, true);
		out->allow_backward = get_bool(tup, desc, CAT_FUNNEL, FD_ALLOW_BACKWARD, false);
		out->allow_reopen = get_bool(tup, desc, CAT_FUNNEL, FD_ALLOW_REOPEN, false);
		out->created = get_bool(tup, desc, CAT_FUNNEL, FD_CREATED, false);
		out->builtin = get_bool(tup, desc, CAT_FUNNEL, FD_BUILTIN, false);
		found = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

List *
funnel_catalog_read_stages(Oid typid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *rows = NIL;

	load_relids();
	rel = table_open(cat_relid[CAT_STAGE], AccessShareLock);
	scan = begin_type_scan(rel, CAT_STAGE, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		TupleDesc	desc = RelationGetDescr(rel);
		CatalogStage *s = palloc0(sizeof(CatalogStage));
		bool		isnull;
		Datum		d;

		s->stage = get_text(tup, desc, CAT_STAGE, SD_STAGE);
		s->outcome = get_text(tup, desc, CAT_STAGE, SD_OUTCOME);
		d = get_col(tup, desc, CAT_STAGE, SD_ENTRY, &isnull);
		s->has_entry = !isnull;
		s->entry = !isnull && DatumGetBool(d);
		s->owner = get_text(tup, desc, CAT_STAGE, SD_OWNER);
		d = get_col(tup, desc, CAT_STAGE, SD_PROBABILITY, &isnull);
		s->has_probability = !isnull;
		s->probability = isnull ? 0.0 : DatumGetFloat8(d);
		s->builtin = get_bool(tup, desc, CAT_STAGE, SD_BUILTIN, false);
		if (s->stage != NULL)
			rows = lappend(rows, s);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return rows;
}

List *
funnel_catalog_read_edges(Oid typid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *rows = NIL;

	load_relids();
	rel = table_open(cat_relid[CAT_TRANSITION], AccessShareLock);
	scan = begin_type_scan(rel, CAT_TRANSITION, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		TupleDesc	desc = RelationGetDescr(rel);
		CatalogEdge *e = palloc0(sizeof(CatalogEdge));

		e->from_stage = get_text(tup, desc, CAT_TRANSITION, TD_FROM);
		e->to_stage = get_text(tup, desc, CAT_TRANSITION, TD_TO);
		e->allowed = get_bool(tup, desc, CAT_TRANSITION, TD_ALLOWED, false);
		if (e->from_stage != NULL && e->to_stage != NULL)
			rows = lappend(rows, e);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return rows;
}

/* ------------------------------------------------------------------------
 * Who may change a funnel's definition
 * ------------------------------------------------------------------------
 */

/* Is the extension being created or updated right now extension funnel itself? */
static bool
running_own_script(void)
{
	return creating_extension && OidIsValid(CurrentExtensionObject) &&
		CurrentExtensionObject == get_extension_oid("funnel", true);
}

/*
 * Check that the current role may change the definition of funnel type
 * typid: 42704 if the type does not exist, 42809 if it is not an enum,
 * 0A000 for a temporary type, 42501 unless the role owns the type (the
 * shipped funnels: owns the extension).  need_type = false accepts a type
 * that no longer exists (forgetting a dropped type's rows is always fine).
 */
static void
check_definition_rights(Oid typid, bool need_type)
{
	HeapTuple	typtup;
	Form_pg_type typform;
	bool		allowed;

	typtup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(typtup))
	{
		if (need_type)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("type with OID %u does not exist", typid)));
		return;
	}
	typform = (Form_pg_type) GETSTRUCT(typtup);
	if (need_type && typform->typtype != TYPTYPE_ENUM)
	{
		ReleaseSysCache(typtup);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("type %s is not an enum", format_type_be(typid)),
				 errdetail("A funnel-stage type must be an enum whose sort order is the funnel order.")));
	}
	if (need_type && isAnyTempNamespace(typform->typnamespace))
	{
		ReleaseSysCache(typtup);
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a temporary type cannot be a funnel"),
				 errdetail("Type %s goes away with the session, without a trace in the funnel catalog, and a dump would then name a type that does not exist.",
						   format_type_be(typid)),
				 errhint("Create the enum type in a permanent schema.")));
	}
	ReleaseSysCache(typtup);

	if (superuser() || running_own_script())
		return;
	allowed = funnel_type_ownercheck(typid, GetUserId());
	if (!allowed)
	{
		Oid			ext = get_extension_oid("funnel", true);

		allowed = OidIsValid(ext) &&
			getExtensionOfObject(TypeRelationId, typid) == ext &&
			funnel_extension_ownercheck(ext, GetUserId());
	}
	if (!allowed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of type %s to change its funnel definition",
						format_type_be(typid)),
				 errdetail("A funnel's definition can be changed by the owner of its enum type; the shipped funnels by the owner of the extension.")));
}

/* Every label a row names must be a label of the enum: 22023 otherwise. */
static void
check_label(Oid typid, const char *label)
{
	if (strlen(label) >= NAMEDATALEN ||
		!SearchSysCacheExists2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid), CStringGetDatum(label)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a stage of funnel %s", label, format_type_be(typid))));
}

/*
 * Serialise changes to one funnel's definition (not to others': a role can
 * only ever wait for changes to funnels it may change itself).
 */
static void
lock_definition(Oid typid)
{
	LockDatabaseObject(TypeRelationId, typid, 0, ShareUpdateExclusiveLock);
}

static bool
is_registered_row(Oid typid)
{
	CatalogFunnel f;

	return funnel_catalog_read_funnel(typid, &f);
}

static void
require_registered(Oid typid)
{
	if (!is_registered_row(typid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type %s is not a registered funnel", format_type_be(typid)),
				 errhint("Create a funnel with funnel.create_funnel(), or register the enum with funnel.register_funnel().")));
}

/* ------------------------------------------------------------------------
 * Writes (heap and indexes directly; triggers do not fire, so each write
 * invalidates the funnel itself)
 * ------------------------------------------------------------------------
 */

static void
init_row(CatalogTable t, Relation rel, Datum *values, bool *nulls)
{
	int			natts = RelationGetDescr(rel)->natts;
	int			i;

	for (i = 0; i < natts; i++)
	{
		values[i] = (Datum) 0;
		nulls[i] = true;
	}
}

#define SETCOL(t, c, v) \
	do { values[ATT((t), (c)) - 1] = (v); nulls[ATT((t), (c)) - 1] = false; } while (0)
#define SETNULL(t, c) \
	do { values[ATT((t), (c)) - 1] = (Datum) 0; nulls[ATT((t), (c)) - 1] = true; } while (0)

/*
 * def_put_stage(stage_type, stage, probability, owner, entry): set a stage's
 * settings in the user's row (builtin = false), created from the effective
 * settings when missing; NULL leaves a setting as it is.
 */
/* What put_stage_row changes; a false has_* leaves that setting as it is. */
typedef struct StageChange
{
	bool		has_probability;
	Datum		probability;
	bool		has_owner;
	Datum		owner;
	bool		has_entry;
	bool		entry;
	const char *outcome;		/* NULL: unchanged */
} StageChange;

/*
 * Write a stage's settings into the user's row (builtin = false), created
 * from the effective settings when missing.  The caller has checked rights,
 * taken the definition lock and checked the label.
 */
static void
put_stage_row(Oid typid, const char *stage, const StageChange *c)
{
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	HeapTuple	mine = NULL;
	HeapTuple	shipped = NULL;
	Datum	   *values;
	bool	   *nulls;
	bool	   *repl;

	load_relids();
	rel = table_open(cat_relid[CAT_STAGE], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	scan = begin_type_scan(rel, CAT_STAGE, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		char	   *s = get_text(tup, desc, CAT_STAGE, SD_STAGE);

		if (s == NULL || strcmp(s, stage) != 0)
			continue;
		if (get_bool(tup, desc, CAT_STAGE, SD_BUILTIN, false))
			shipped = heap_copytuple(tup);
		else
			mine = heap_copytuple(tup);
	}
	systable_endscan(scan);

	values = palloc(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	repl = palloc0(desc->natts * sizeof(bool));
	if (mine == NULL)
	{
		/* a user row starts from the shipped row's settings */
		init_row(CAT_STAGE, rel, values, nulls);
		if (shipped != NULL)
			heap_deform_tuple(shipped, desc, values, nulls);
		SETCOL(CAT_STAGE, SD_STAGE_TYPE, ObjectIdGetDatum(typid));
		SETCOL(CAT_STAGE, SD_STAGE, CStringGetTextDatum(stage));
		if (shipped == NULL)
			SETCOL(CAT_STAGE, SD_OUTCOME, CStringGetTextDatum("open"));
		SETCOL(CAT_STAGE, SD_BUILTIN, BoolGetDatum(false));
	}
	else
		heap_deform_tuple(mine, desc, values, nulls);

	if (c->has_probability)
		SETCOL(CAT_STAGE, SD_PROBABILITY, c->probability);
	if (c->has_owner)
		SETCOL(CAT_STAGE, SD_OWNER, c->owner);
	if (c->has_entry)
		SETCOL(CAT_STAGE, SD_ENTRY, BoolGetDatum(c->entry));
	if (c->outcome != NULL)
		SETCOL(CAT_STAGE, SD_OUTCOME, CStringGetTextDatum(c->outcome));

	if (mine == NULL)
		CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
	else
	{
		int			i;

		for (i = 0; i < desc->natts; i++)
			repl[i] = true;
		CatalogTupleUpdate(rel, &mine->t_self, heap_modify_tuple(mine, desc, values, nulls, repl));
	}
	table_close(rel, RowExclusiveLock);
}

PG_FUNCTION_INFO_V1(funnel_def_put_stage);

Datum
funnel_def_put_stage(PG_FUNCTION_ARGS)
{
	Oid			typid;
	char	   *stage;
	StageChange c;

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
	check_definition_rights(typid, true);
	lock_definition(typid);
	require_registered(typid);
	check_label(typid, stage);

	memset(&c, 0, sizeof(c));
	c.has_probability = !PG_ARGISNULL(2);
	c.probability = c.has_probability ? PG_GETARG_DATUM(2) : (Datum) 0;
	c.has_owner = !PG_ARGISNULL(3);
	c.owner = c.has_owner ? PG_GETARG_DATUM(3) : (Datum) 0;
	c.has_entry = !PG_ARGISNULL(4);
	c.entry = c.has_entry && PG_GETARG_BOOL(4);
	put_stage_row(typid, stage, &c);
	funnel_registry_invalidate_type(typid);
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
	StageChange c;
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
	require_registered(typid);
	check_definition_rights(typid, true);
	lock_definition(typid);
	require_registered(typid);

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
	put_stage_row(typid, stage, &c);
	funnel_registry_invalidate_type(typid);
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
	check_definition_rights(typid, true);
	lock_definition(typid);
	if (!funnel_catalog_read_funnel(typid, &f))
		require_registered(typid);
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
			check_label(typid, TextDatumGetCString(elems[i]));
		}
		funnel_registry_invalidate_type(typid);
		def = funnel_def_lookup(typid);
		for (i = 0; i < def->nstages; i++)
		{
			StageChange c;
			int			k;

			memset(&c, 0, sizeof(c));
			c.has_entry = true;
			for (k = 0; k < n; k++)
				if (strcmp(TextDatumGetCString(elems[k]), def->stages[i].label) == 0)
					c.entry = true;
			put_stage_row(typid, def->stages[i].label, &c);
		}
	}
	if (flags)
	{
		Relation	rel;
		TupleDesc	desc;
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		rel = table_open(cat_relid[CAT_FUNNEL], RowExclusiveLock);
		desc = RelationGetDescr(rel);
		scan = begin_type_scan(rel, CAT_FUNNEL, typid, &key);
		if (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Datum	   *values = palloc0(desc->natts * sizeof(Datum));
			bool	   *nulls = palloc0(desc->natts * sizeof(bool));
			bool	   *repl = palloc0(desc->natts * sizeof(bool));
			int			cols[3] = {FD_ALLOW_SKIP, FD_ALLOW_BACKWARD, FD_ALLOW_REOPEN};
			int			k;

			for (k = 0; k < 3; k++)
				if (!PG_ARGISNULL(k + 1))
				{
					values[ATT(CAT_FUNNEL, cols[k]) - 1] = PG_GETARG_DATUM(k + 1);
					repl[ATT(CAT_FUNNEL, cols[k]) - 1] = true;
				}
			CatalogTupleUpdate(rel, &tup->t_self, heap_modify_tuple(tup, desc, values, nulls, repl));
		}
		systable_endscan(scan);
		table_close(rel, RowExclusiveLock);
	}
	funnel_registry_invalidate_type(typid);
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
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	HeapTuple	old = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stage_type and stages must not be NULL")));
	typid = PG_GETARG_OID(0);
	from = text_to_cstring(PG_GETARG_TEXT_PP(1));
	to = text_to_cstring(PG_GETARG_TEXT_PP(2));
	check_definition_rights(typid, true);
	lock_definition(typid);
	require_registered(typid);
	check_label(typid, from);
	check_label(typid, to);
	if (strcmp(from, to) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an explicit edge must join two different stages")));

	load_relids();
	rel = table_open(cat_relid[CAT_TRANSITION], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	scan = begin_type_scan(rel, CAT_TRANSITION, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		char	   *f = get_text(tup, desc, CAT_TRANSITION, TD_FROM);
		char	   *t = get_text(tup, desc, CAT_TRANSITION, TD_TO);

		if (f && t && strcmp(f, from) == 0 && strcmp(t, to) == 0)
			old = heap_copytuple(tup);
	}
	systable_endscan(scan);

	if (PG_ARGISNULL(3))
	{
		if (old != NULL)
			CatalogTupleDelete(rel, &old->t_self);
	}
	else
	{
		Datum	   *values = palloc(desc->natts * sizeof(Datum));
		bool	   *nulls = palloc(desc->natts * sizeof(bool));

		init_row(CAT_TRANSITION, rel, values, nulls);
		SETCOL(CAT_TRANSITION, TD_STAGE_TYPE, ObjectIdGetDatum(typid));
		SETCOL(CAT_TRANSITION, TD_FROM, CStringGetTextDatum(from));
		SETCOL(CAT_TRANSITION, TD_TO, CStringGetTextDatum(to));
		SETCOL(CAT_TRANSITION, TD_ALLOWED, PG_GETARG_DATUM(3));
		if (old == NULL)
			CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
		else
		{
			bool	   *repl = palloc0(desc->natts * sizeof(bool));

			repl[ATT(CAT_TRANSITION, TD_ALLOWED) - 1] = true;
			CatalogTupleUpdate(rel, &old->t_self, heap_modify_tuple(old, desc, values, nulls, repl));
		}
	}
	table_close(rel, RowExclusiveLock);
	funnel_registry_invalidate_type(typid);
	PG_RETURN_BOOL(old != NULL);
}

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
	Relation	rel;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
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
	check_definition_rights(typid, true);
	lock_definition(typid);
	if (is_registered_row(typid))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("type %s is already a registered funnel", format_type_be(typid))));

	load_relids();
	rel = table_open(cat_relid[CAT_FUNNEL], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	values = palloc(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	init_row(CAT_FUNNEL, rel, values, nulls);
	SETCOL(CAT_FUNNEL, FD_STAGE_TYPE, ObjectIdGetDatum(typid));
	SETCOL(CAT_FUNNEL, FD_ALLOW_SKIP, PG_GETARG_DATUM(1));
	SETCOL(CAT_FUNNEL, FD_ALLOW_BACKWARD, PG_GETARG_DATUM(2));
	SETCOL(CAT_FUNNEL, FD_ALLOW_REOPEN, PG_GETARG_DATUM(3));
	SETCOL(CAT_FUNNEL, FD_CREATED, BoolGetDatum(false));
	SETCOL(CAT_FUNNEL, FD_BUILTIN, BoolGetDatum(false));
	CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
	table_close(rel, RowExclusiveLock);

	rel = table_open(cat_relid[CAT_STAGE], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	values = palloc(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(typid));
	for (i = 0; i < list->n_members; i++)
	{
		Form_pg_enum e = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);
		const char *label = NameStr(e->enumlabel);
		bool		is_won = text_in_array(won, label);
		bool		is_lost = !is_won && text_in_array(lost, label);

		init_row(CAT_STAGE, rel, values, nulls);
		SETCOL(CAT_STAGE, SD_STAGE_TYPE, ObjectIdGetDatum(typid));
		SETCOL(CAT_STAGE, SD_STAGE, CStringGetTextDatum(label));
		SETCOL(CAT_STAGE, SD_OUTCOME, CStringGetTextDatum(is_won ? "won" : is_lost ? "lost" : "open"));
		if (entry)
			SETCOL(CAT_STAGE, SD_ENTRY, BoolGetDatum(text_in_array(entry, label)));
		if (is_won || is_lost)
			SETCOL(CAT_STAGE, SD_PROBABILITY, Float8GetDatum(is_won ? 1.0 : 0.0));
		SETCOL(CAT_STAGE, SD_BUILTIN, BoolGetDatum(false));
		CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
	}
	ReleaseSysCacheList(list);
	table_close(rel, RowExclusiveLock);
	funnel_registry_invalidate_type(typid);
	PG_RETURN_VOID();
}

/* def_check_rights(stage_type): 42501 unless the caller may change the funnel. */
PG_FUNCTION_INFO_V1(funnel_def_check_rights);

Datum
funnel_def_check_rights(PG_FUNCTION_ARGS)
{
	check_definition_rights(PG_GETARG_OID(0), false);
	PG_RETURN_VOID();
}

/* def_mark_created(stage_type): create_funnel made the type (drop_funnel drops it). */
PG_FUNCTION_INFO_V1(funnel_def_mark_created);

Datum
funnel_def_mark_created(PG_FUNCTION_ARGS)
{
	Oid			typid = PG_GETARG_OID(0);
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	check_definition_rights(typid, true);
	lock_definition(typid);
	require_registered(typid);
	rel = table_open(cat_relid[CAT_FUNNEL], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	scan = begin_type_scan(rel, CAT_FUNNEL, typid, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum	   *values = palloc0(desc->natts * sizeof(Datum));
		bool	   *nulls = palloc0(desc->natts * sizeof(bool));
		bool	   *repl = palloc0(desc->natts * sizeof(bool));

		values[ATT(CAT_FUNNEL, FD_CREATED) - 1] = BoolGetDatum(true);
		repl[ATT(CAT_FUNNEL, FD_CREATED) - 1] = true;
		CatalogTupleUpdate(rel, &tup->t_self, heap_modify_tuple(tup, desc, values, nulls, repl));
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
	funnel_registry_invalidate_type(typid);
	PG_RETURN_VOID();
}

/* Delete every row of a type in one table; returns how many. */
static int
delete_type_rows(CatalogTable t, Oid typid, bool keep_builtin)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	int			n = 0;

	load_relids();
	rel = table_open(cat_relid[t], RowExclusiveLock);
	scan = begin_type_scan(rel, t, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		if (keep_builtin && t != CAT_TRANSITION &&
			get_bool(tup, RelationGetDescr(rel), t, t == CAT_FUNNEL ? FD_BUILTIN : SD_BUILTIN, false))
			continue;
		CatalogTupleDelete(rel, &tup->t_self);
		n++;
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
	return n;
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

	check_definition_rights(typid, false);
	lock_definition(typid);
	if (funnel_catalog_read_funnel(typid, &f) && f.builtin)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop funnel %s", format_type_be(typid)),
				 errdetail("It is shipped with extension funnel."),
				 errhint("It goes away with DROP EXTENSION funnel.")));
	delete_type_rows(CAT_TRANSITION, typid, false);
	delete_type_rows(CAT_STAGE, typid, false);
	delete_type_rows(CAT_FUNNEL, typid, false);
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
		delete_type_rows(CAT_TRANSITION, typid, false);
		delete_type_rows(CAT_STAGE, typid, false);
		delete_type_rows(CAT_FUNNEL, typid, false);
		funnel_registry_invalidate_type(typid);
	}
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * Tracked tables: the (table, history table) pairs funnel.track() made
 * ------------------------------------------------------------------------
 */

/* The history table registered for a tracked table, or InvalidOid. */
Oid
funnel_catalog_tracked_history(Oid relid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			history = InvalidOid;

	load_relids();
	if (!OidIsValid(cat_relid[CAT_TRACKED]))
		return InvalidOid;
	rel = table_open(cat_relid[CAT_TRACKED], AccessShareLock);
	ScanKeyInit(&key, ATT(CAT_TRACKED, KD_TRACKED), BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, cat_pkey[CAT_TRACKED], true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		d = get_col(tup, RelationGetDescr(rel), CAT_TRACKED, KD_HISTORY, &isnull);

		if (!isnull)
			history = DatumGetObjectId(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return history;
}

/* 42501 unless the current role owns the relation (42P01 if it is gone). */
static void
check_table_owner(Oid relid, const char *what)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (!superuser() && !funnel_class_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", name),
				 errdetail("Only the owner of a table can track it and choose its %s.", what)));
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
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table must not be NULL")));
	tracked = PG_GETARG_OID(0);
	check_table_owner(tracked, "history table");
	if (!PG_ARGISNULL(1))
		check_table_owner(PG_GETARG_OID(1), "history table");
	LockRelationOid(tracked, ShareRowExclusiveLock);

	load_relids();
	if (!OidIsValid(cat_relid[CAT_TRACKED]))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension funnel must be updated first"),
				 errhint("Run ALTER EXTENSION funnel UPDATE.")));
	rel = table_open(cat_relid[CAT_TRACKED], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	ScanKeyInit(&key, ATT(CAT_TRACKED, KD_TRACKED), BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(tracked));
	scan = systable_beginscan(rel, cat_pkey[CAT_TRACKED], true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		CatalogTupleDelete(rel, &tup->t_self);
	systable_endscan(scan);
	if (!PG_ARGISNULL(1))
	{
		Datum	   *values = palloc(desc->natts * sizeof(Datum));
		bool	   *nulls = palloc(desc->natts * sizeof(bool));

		init_row(CAT_TRACKED, rel, values, nulls);
		SETCOL(CAT_TRACKED, KD_TRACKED, ObjectIdGetDatum(tracked));
		SETCOL(CAT_TRACKED, KD_HISTORY, PG_GETARG_DATUM(1));
		CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
	}
	table_close(rel, RowExclusiveLock);
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
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;

	if (ARR_ELEMTYPE(arr) != OIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("funnel.def_forget_dropped_tables() takes an oid[]")));
	deconstruct_array(arr, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &enulls, &n);
	if (n == 0)
		PG_RETURN_VOID();
	load_relids();
	if (!OidIsValid(cat_relid[CAT_TRACKED]))
		PG_RETURN_VOID();
	rel = table_open(cat_relid[CAT_TRACKED], RowExclusiveLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		int			c;
		bool		gone = false;

		for (c = 0; c < KD_NCOLS && !gone; c++)
		{
			bool		isnull;
			Oid			relid = DatumGetObjectId(get_col(tup, RelationGetDescr(rel), CAT_TRACKED, c, &isnull));
			int			i;

			if (isnull)
				continue;
			for (i = 0; i < n; i++)
				if (!enulls[i] && DatumGetObjectId(elems[i]) == relid &&
					!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
					gone = true;
		}
		if (gone)
			CatalogTupleDelete(rel, &tup->t_self);
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * Triggers
 * ------------------------------------------------------------------------
 */

/*
 * Guard trigger on the catalog tables (BEFORE INSERT OR UPDATE OR DELETE,
 * FOR EACH ROW; argument: 'funnel', 'stage' or 'transition').  PUBLIC may
 * INSERT (a restore by a database owner); the guard limits a role to the
 * funnels whose enum it owns and keeps rows consistent with the enum.
 */
PG_FUNCTION_INFO_V1(funnel_definition_guard);

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

		if (!isnull && DatumGetBool(d) && !running_own_script())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the shipped definitions of funnel.marketing_stage and funnel.sales_stage cannot be changed"),
					 errhint("Use funnel.set_stage() and funnel.allow_transition(): they store your settings beside the shipped ones.")));
	}
	if (running_own_script())
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
			check_table_owner(DatumGetObjectId(d), "history table");
		}
		return;
	}

	typid = DatumGetObjectId(heap_getattr(tup, 1, desc, &isnull));
	if (isnull)
		return;					/* NOT NULL constraint reports it */
	check_definition_rights(typid, is_new);
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
				check_label(typid, TextDatumGetCString(d));
		}
	}
}

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

static void
rename_label_rows(CatalogTable t, Oid typid, const char *oldval, const char *newval)
{
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *todo = NIL;
	ListCell   *lc;

	rel = table_open(cat_relid[t], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	scan = begin_type_scan(rel, t, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		todo = lappend(todo, heap_copytuple(tup));
	systable_endscan(scan);

	foreach(lc, todo)
	{
		HeapTuple	old = (HeapTuple) lfirst(lc);
		Datum	   *values = palloc(desc->natts * sizeof(Datum));
		bool	   *nulls = palloc(desc->natts * sizeof(bool));
		bool	   *repl = palloc0(desc->natts * sizeof(bool));
		bool		change = false;
		int			cols[2];
		int			ncols = 0;
		int			k;

		if (t == CAT_STAGE)
		{
			if (get_bool(old, desc, CAT_STAGE, SD_BUILTIN, false))
				continue;
			cols[ncols++] = SD_STAGE;
		}
		else
		{
			cols[ncols++] = TD_FROM;
			cols[ncols++] = TD_TO;
		}
		heap_deform_tuple(old, desc, values, nulls);
		for (k = 0; k < ncols; k++)
		{
			char	   *v = get_text(old, desc, t, cols[k]);

			if (v && strcmp(v, oldval) == 0)
			{
				values[ATT(t, cols[k]) - 1] = CStringGetTextDatum(newval);
				repl[ATT(t, cols[k]) - 1] = true;
				change = true;
			}
		}
		if (change)
			CatalogTupleUpdate(rel, &old->t_self, heap_modify_tuple(old, desc, values, nulls, repl));
	}
	table_close(rel, RowExclusiveLock);
}

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
	lock_definition(typid);
	rename_label_rows(CAT_STAGE, typid, stmt->oldVal, stmt->newVal);
	rename_label_rows(CAT_TRANSITION, typid, stmt->oldVal, stmt->newVal);
	funnel_registry_invalidate_type(typid);
	PG_RETURN_VOID();
}
