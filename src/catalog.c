/*
 * catalog.c
 *		The extension's own catalog tables -- funnel_def, stage_def,
 *		transition_def and tracked_def -- found by OID, read and written
 *		directly (heap and indexes), without SQL.
 *
 * The tables are found through pg_extension: the schema of extension
 * "funnel", and in it relations that pg_depend records as members of the
 * extension.  Nothing here resolves a name through search_path or parses
 * SQL, so no role can slip its own table, view, function or operator in.
 *
 * This file is storage only.  Who may change a definition is checked by
 * the callers (registry_rights.c), and since a direct write fires no
 * trigger, each caller also invalidates the compiled definition of the
 * funnel it changed (registry.c).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "compat.h"

/* the tables, and for each its columns by name (their numbers are learnt) */
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
static Oid	cat_schema = InvalidOid;
static Oid	cat_relid[CAT_NTABLES];
static Oid	cat_pkey[CAT_NTABLES];
static AttrNumber cat_attnum[CAT_NTABLES][SD_NCOLS];

/*
 * Forget the tables' OIDs (a relcache reset, or a change to one of the
 * tables): the next access finds them again, since DROP EXTENSION and CREATE
 * EXTENSION give them new OIDs.
 */
void
funnel_catalog_forget_relids(void)
{
	cat_extension = InvalidOid;
	memset(cat_relid, 0, sizeof(cat_relid));
}

/* Is relid one of the catalog tables, as last found? */
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
	cat_schema = nsp;
	cat_extension = ext;
}

/*
 * The OID of extension funnel, and in *schema the OID of its schema, as
 * found with the tables (distribute.c creates its objects there).
 */
Oid
funnel_catalog_extension(Oid *schema)
{
	load_relids();
	*schema = cat_schema;
	return cat_extension;
}

/* the attribute number of column c of table t (load_relids() learnt it) */
#define ATT(t, c)	(cat_attnum[(t)][(c)])

/* Column c of a row of table t, by its learnt attribute number. */
static Datum
get_col(HeapTuple tup, TupleDesc desc, CatalogTable t, int c, bool *isnull)
{
	return heap_getattr(tup, ATT(t, c), desc, isnull);
}

/* A text column as a C string, or NULL. */
static char *
get_text(HeapTuple tup, TupleDesc desc, CatalogTable t, int c)
{
	bool		isnull;
	Datum		d = get_col(tup, desc, t, c, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* A boolean column, or dflt when it is NULL. */
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

/* Read a funnel's funnel_def row into *out; false if it has none. */
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

/* Decodes one row of a catalog table into a palloc'd struct, or NULL to skip it. */
typedef void *(*CatalogRowReader) (HeapTuple tup, TupleDesc desc);

/* The rows of one funnel type in table t, as read_row decodes them, in a List. */
static List *
read_type_rows(CatalogTable t, Oid typid, CatalogRowReader read_row)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *rows = NIL;

	load_relids();
	rel = table_open(cat_relid[t], AccessShareLock);
	scan = begin_type_scan(rel, t, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		void	   *row = read_row(tup, RelationGetDescr(rel));

		if (row != NULL)
			rows = lappend(rows, row);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return rows;
}

/* A stage_def row as a CatalogStage; NULL for a row without a stage name. */
static void *
read_stage_row(HeapTuple tup, TupleDesc desc)
{
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
	if (s->stage == NULL)
		return NULL;
	return s;
}

/* A transition_def row as a CatalogEdge; NULL for a row missing a stage. */
static void *
read_edge_row(HeapTuple tup, TupleDesc desc)
{
	CatalogEdge *e = palloc0(sizeof(CatalogEdge));

	e->from_stage = get_text(tup, desc, CAT_TRANSITION, TD_FROM);
	e->to_stage = get_text(tup, desc, CAT_TRANSITION, TD_TO);
	e->allowed = get_bool(tup, desc, CAT_TRANSITION, TD_ALLOWED, false);
	if (e->from_stage == NULL || e->to_stage == NULL)
		return NULL;
	return e;
}

/*
 * A funnel's stage_def rows as CatalogStage, shipped and user rows alike
 * (registry.c lets a user row win); rows without a stage name are skipped.
 */
List *
funnel_catalog_read_stages(Oid typid)
{
	return read_type_rows(CAT_STAGE, typid, read_stage_row);
}

/* A funnel's transition_def rows as CatalogEdge; rows missing a stage are skipped. */
List *
funnel_catalog_read_edges(Oid typid)
{
	return read_type_rows(CAT_TRANSITION, typid, read_edge_row);
}

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

/* ------------------------------------------------------------------------
 * Writes (heap and indexes directly; triggers do not fire, so the caller
 * invalidates the funnel it changed)
 * ------------------------------------------------------------------------
 */

/* Start a new row of table t: every column NULL. */
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

/* set column c of table t in the values/nulls arrays of the row being built */
#define SETCOL(t, c, v) \
	do { values[ATT((t), (c)) - 1] = (v); nulls[ATT((t), (c)) - 1] = false; } while (0)

/* Insert the funnel_def row of a newly registered funnel. */
void
funnel_catalog_insert_funnel(Oid typid, const CatalogFunnel *f)
{
	Relation	rel;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;

	load_relids();
	rel = table_open(cat_relid[CAT_FUNNEL], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	values = palloc(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	init_row(CAT_FUNNEL, rel, values, nulls);
	SETCOL(CAT_FUNNEL, FD_STAGE_TYPE, ObjectIdGetDatum(typid));
	SETCOL(CAT_FUNNEL, FD_ALLOW_SKIP, BoolGetDatum(f->allow_skip));
	SETCOL(CAT_FUNNEL, FD_ALLOW_BACKWARD, BoolGetDatum(f->allow_backward));
	SETCOL(CAT_FUNNEL, FD_ALLOW_REOPEN, BoolGetDatum(f->allow_reopen));
	SETCOL(CAT_FUNNEL, FD_CREATED, BoolGetDatum(f->created));
	SETCOL(CAT_FUNNEL, FD_BUILTIN, BoolGetDatum(f->builtin));
	CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
	table_close(rel, RowExclusiveLock);
}

/*
 * Insert a stage_def row per CatalogStage of the list; an entry flag,
 * probability or owner the row does not have (has_* false, owner NULL) is
 * stored as NULL.
 */
void
funnel_catalog_insert_stages(Oid typid, List *stages)
{
	Relation	rel;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
	ListCell   *lc;

	load_relids();
	rel = table_open(cat_relid[CAT_STAGE], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	values = palloc(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	foreach(lc, stages)
	{
		CatalogStage *s = (CatalogStage *) lfirst(lc);

		init_row(CAT_STAGE, rel, values, nulls);
		SETCOL(CAT_STAGE, SD_STAGE_TYPE, ObjectIdGetDatum(typid));
		SETCOL(CAT_STAGE, SD_STAGE, CStringGetTextDatum(s->stage));
		SETCOL(CAT_STAGE, SD_OUTCOME, CStringGetTextDatum(s->outcome));
		if (s->has_entry)
			SETCOL(CAT_STAGE, SD_ENTRY, BoolGetDatum(s->entry));
		if (s->owner != NULL)
			SETCOL(CAT_STAGE, SD_OWNER, CStringGetTextDatum(s->owner));
		if (s->has_probability)
			SETCOL(CAT_STAGE, SD_PROBABILITY, Float8GetDatum(s->probability));
		SETCOL(CAT_STAGE, SD_BUILTIN, BoolGetDatum(s->builtin));
		CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
	}
	table_close(rel, RowExclusiveLock);
}

/* Change the columns of a funnel's funnel_def row that c gives (no row: nothing). */
void
funnel_catalog_update_funnel(Oid typid, const CatalogFunnelChange *c)
{
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	load_relids();
	rel = table_open(cat_relid[CAT_FUNNEL], RowExclusiveLock);
	desc = RelationGetDescr(rel);
	scan = begin_type_scan(rel, CAT_FUNNEL, typid, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum	   *values = palloc0(desc->natts * sizeof(Datum));
		bool	   *nulls = palloc0(desc->natts * sizeof(bool));
		bool	   *repl = palloc0(desc->natts * sizeof(bool));

		if (c->has_allow_skip)
		{
			values[ATT(CAT_FUNNEL, FD_ALLOW_SKIP) - 1] = BoolGetDatum(c->allow_skip);
			repl[ATT(CAT_FUNNEL, FD_ALLOW_SKIP) - 1] = true;
		}
		if (c->has_allow_backward)
		{
			values[ATT(CAT_FUNNEL, FD_ALLOW_BACKWARD) - 1] = BoolGetDatum(c->allow_backward);
			repl[ATT(CAT_FUNNEL, FD_ALLOW_BACKWARD) - 1] = true;
		}
		if (c->has_allow_reopen)
		{
			values[ATT(CAT_FUNNEL, FD_ALLOW_REOPEN) - 1] = BoolGetDatum(c->allow_reopen);
			repl[ATT(CAT_FUNNEL, FD_ALLOW_REOPEN) - 1] = true;
		}
		if (c->has_created)
		{
			values[ATT(CAT_FUNNEL, FD_CREATED) - 1] = BoolGetDatum(c->created);
			repl[ATT(CAT_FUNNEL, FD_CREATED) - 1] = true;
		}
		CatalogTupleUpdate(rel, &tup->t_self, heap_modify_tuple(tup, desc, values, nulls, repl));
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
}

/*
 * Write a stage's settings into the user's row (builtin = false), created
 * from the effective settings when missing: a user row starts from the
 * shipped row's settings, or as an open stage.  The caller has checked
 * rights, taken the definition lock and checked the label.
 */
void
funnel_catalog_put_stage(Oid typid, const char *stage, const CatalogStageChange *c)
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

/*
 * Set (remove = false) or remove the explicit edge from -> to of a funnel.
 * Returns whether a row for the edge existed before.
 */
bool
funnel_catalog_put_edge(Oid typid, const char *from, const char *to,
						bool remove, bool allowed)
{
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	HeapTuple	old = NULL;

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

	if (remove)
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
		SETCOL(CAT_TRANSITION, TD_ALLOWED, BoolGetDatum(allowed));
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
	return old != NULL;
}

/* Delete every row of a type in one table. */
static void
delete_type_rows(CatalogTable t, Oid typid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	rel = table_open(cat_relid[t], RowExclusiveLock);
	scan = begin_type_scan(rel, t, typid, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		CatalogTupleDelete(rel, &tup->t_self);
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
}

/* Delete all of a funnel's rows: its edges, its stage settings, its funnel_def row. */
void
funnel_catalog_delete_funnel(Oid typid)
{
	load_relids();
	delete_type_rows(CAT_TRANSITION, typid);
	delete_type_rows(CAT_STAGE, typid);
	delete_type_rows(CAT_FUNNEL, typid);
}

/*
 * In table t (stage_def or transition_def), rename label oldval to newval in
 * a funnel's rows; the shipped stage_def rows are left alone.
 */
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

/*
 * A label of a funnel was renamed: carry its settings and explicit edges
 * over to the new name, so that no row names a label the enum no longer
 * has (such rows would make a dump unrestorable).
 */
void
funnel_catalog_rename_label(Oid typid, const char *oldval, const char *newval)
{
	load_relids();
	rename_label_rows(CAT_STAGE, typid, oldval, newval);
	rename_label_rows(CAT_TRANSITION, typid, oldval, newval);
}

/*
 * Register history as the history table of tracked (InvalidOid: forget the
 * pair).  55000 while the extension is 1.0, which has no tracked_def.
 */
void
funnel_catalog_set_tracked(Oid tracked, Oid history)
{
	Relation	rel;
	TupleDesc	desc;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

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
	if (OidIsValid(history))
	{
		Datum	   *values = palloc(desc->natts * sizeof(Datum));
		bool	   *nulls = palloc(desc->natts * sizeof(bool));

		init_row(CAT_TRACKED, rel, values, nulls);
		SETCOL(CAT_TRACKED, KD_TRACKED, ObjectIdGetDatum(tracked));
		SETCOL(CAT_TRACKED, KD_HISTORY, ObjectIdGetDatum(history));
		CatalogTupleInsert(rel, heap_form_tuple(desc, values, nulls));
	}
	table_close(rel, RowExclusiveLock);
}

/*
 * Delete the tracked_def rows that name one of relids (as the tracked or
 * the history table) when that relation no longer exists.
 */
void
funnel_catalog_forget_tables(const Oid *relids, int n)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;

	load_relids();
	if (!OidIsValid(cat_relid[CAT_TRACKED]))
		return;
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
				if (relids[i] == relid &&
					!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
					gone = true;
		}
		if (gone)
			CatalogTupleDelete(rel, &tup->t_self);
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
}
