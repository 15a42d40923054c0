/*
 * distribute.c
 *		Funnel definitions and concrete per-funnel aggregates on every node
 *		of a Citus cluster.
 *
 * On a single node nothing here does anything: every entry point returns at
 * once unless extension citus is installed in the database.  On a Citus
 * coordinator (citus installed, citus.enable_ddl_propagation on), after a
 * definition function has changed funnel T, the extension (re)creates in its
 * own schema, as the schema's owner and with names built from OIDs:
 *
 *	 funnel.definition(T) RETURNS text[]	the whole definition, by label
 *	 funnel.pipeline(T, numeric, ...), funnel.journey(T, timestamptz), ...
 *											every anyenum aggregate of the
 *											extension, with T for anyenum
 *
 * Citus propagates both to every worker inside the same distributed
 * transaction (so a ROLLBACK undoes them everywhere) and replays them on a
 * node added later.  The concrete aggregates let Citus split the aggregates
 * into partial aggregates (its workers refuse polymorphic arguments), and
 * users' unchanged calls resolve to them (an exact match beats anyenum).
 * On the nodes Citus sends them to, the commands run with
 * citus.enable_ddl_propagation off; there the event trigger
 * funnel_apply_definitions calls funnel.def_apply(), which replaces the local
 * catalog rows of T with what funnel.definition(T) returns.  Only a function
 * of that name and shape in the extension's schema, owned by the schema's
 * owner (a superuser: nothing else can create there) is read; its labels are
 * names, matched against the local enum, so no node-local OID travels.
 *
 * drop_funnel drops T's objects (funnel_distribute_forget) before its DROP
 * TYPE, with or without Citus, so that a leftover cannot block it.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "distribute.h"
#include "registry.h"
#include "registry_rights.h"

/* the columns of a row of funnel.definition(T): kind, then up to six values */
#define DEF_NCOLS 7

/* the name of the per-funnel definition function */
#define DEF_FUNCTION "definition"

/* front doors running now (nested calls), and the funnels they changed */
static int	door_depth = 0;
static List *pending = NIL;

/* the identity and settings saved while acting as the schema's owner */
typedef struct OwnerContext
{
	Oid			save_userid;
	int			save_sec;
	int			gucnest;
} OwnerContext;

/*
 * The value of Citus's citus.enable_ddl_propagation when extension citus is
 * installed in this database; NULL otherwise (no Citus: nothing to do).
 */
static const char *
citus_ddl_propagation(void)
{
	const char *v = GetConfigOption("citus.enable_ddl_propagation", true, false);

	if (v == NULL || !OidIsValid(get_extension_oid("citus", true)))
		return NULL;
	return v;
}

/* A Citus coordinator: DDL made here is propagated to the other nodes. */
static bool
citus_propagates(void)
{
	const char *v = citus_ddl_propagation();

	return v != NULL && strcmp(v, "on") == 0;
}

/* A Citus node running DDL that another node propagated to it. */
static bool
citus_applying(void)
{
	const char *v = citus_ddl_propagation();

	return v != NULL && strcmp(v, "off") == 0;
}

/* The owner of a schema, by OID. */
static Oid
schema_owner(Oid schema)
{
	HeapTuple	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(schema));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for schema %u", schema);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Act as the owner of the extension's schema (the only role that may create
 * there), with search_path pg_catalog: the statements run below name every
 * object fully qualified, built from OIDs, never from user text.
 */
static void
become_schema_owner(Oid schema, OwnerContext *oc)
{
	GetUserIdAndSecContext(&oc->save_userid, &oc->save_sec);
	SetUserIdAndSecContext(schema_owner(schema), oc->save_sec | SECURITY_LOCAL_USERID_CHANGE);
	oc->gucnest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/* Back to the caller's identity and settings (an error does it by aborting). */
static void
restore_identity(OwnerContext *oc)
{
	AtEOXact_GUC(true, oc->gucnest);
	SetUserIdAndSecContext(oc->save_userid, oc->save_sec);
}

/* Run one utility statement through SPI (so that Citus sees and propagates it). */
static void
run_utility(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "funnel: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

/* A function's fully qualified, quoted name (no arguments). */
static char *
qualified_function_name(Oid fn)
{
	return quote_qualified_identifier(get_namespace_name(get_func_namespace(fn)),
									  get_func_name(fn));
}

/* Append one row of funnel.definition(T) (NULL values are SQL NULLs). */
static void
add_row(List **rows, const char *c0, const char *c1, const char *c2, const char *c3,
		const char *c4, const char *c5, const char *c6)
{
	const char **row = palloc(sizeof(const char *) * DEF_NCOLS);

	row[0] = c0;
	row[1] = c1;
	row[2] = c2;
	row[3] = c3;
	row[4] = c4;
	row[5] = c5;
	row[6] = c6;
	*rows = lappend(*rows, row);
}

/* "t" or "f" */
static const char *
bool_text(bool b)
{
	return b ? "t" : "f";
}

/*
 * The definition of funnel typid as the text form of a text[][]: a row
 * {funnel, allow_skip, allow_backward, allow_reopen, created, builtin}, a
 * row {stage, label, outcome, entry, owner, probability, builtin} per
 * stage_def row, a row {edge, from, to, allowed} per explicit edge; NULL
 * where the catalog holds NULL.  Labels by name, no OID.
 */
static char *
definition_text(Oid typid, const CatalogFunnel *f)
{
	List	   *rows = NIL;
	ListCell   *lc;
	Datum	   *elems;
	bool	   *nulls;
	int			dims[2];
	int			lbs[2] = {1, 1};
	int			i = 0;
	ArrayType  *arr;

	add_row(&rows, "funnel", bool_text(f->allow_skip), bool_text(f->allow_backward),
			bool_text(f->allow_reopen), bool_text(f->created), bool_text(f->builtin), NULL);
	foreach(lc, funnel_catalog_read_stages(typid))
	{
		CatalogStage *s = (CatalogStage *) lfirst(lc);

		add_row(&rows, "stage", s->stage, s->outcome,
				s->has_entry ? bool_text(s->entry) : NULL, s->owner,
				s->has_probability ? float8out_internal(s->probability) : NULL,
				bool_text(s->builtin));
	}
	foreach(lc, funnel_catalog_read_edges(typid))
	{
		CatalogEdge *e = (CatalogEdge *) lfirst(lc);

		add_row(&rows, "edge", e->from_stage, e->to_stage, bool_text(e->allowed),
				NULL, NULL, NULL);
	}

	elems = palloc(sizeof(Datum) * DEF_NCOLS * list_length(rows));
	nulls = palloc(sizeof(bool) * DEF_NCOLS * list_length(rows));
	foreach(lc, rows)
	{
		const char **row = (const char **) lfirst(lc);
		int			c;

		for (c = 0; c < DEF_NCOLS; c++, i++)
		{
			nulls[i] = row[c] == NULL;
			elems[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(row[c]);
		}
	}
	dims[0] = list_length(rows);
	dims[1] = DEF_NCOLS;
	arr = construct_md_array(elems, nulls, 2, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT);
	return OidOutputFunctionCall(F_ARRAY_OUT, PointerGetDatum(arr));
}

/*
 * The CREATE AGGREGATE statement of the concrete form of extension
 * aggregate aggoid for funnel typid (anyenum replaced by typid), or NULL
 * when aggoid takes no anyenum, or its concrete form exists already.
 */
static char *
concrete_aggregate_sql(Oid aggoid, Oid typid, Oid schema)
{
	HeapTuple	ptup;
	HeapTuple	atup;
	Form_pg_proc proc;
	Form_pg_aggregate agg;
	Oid			args[FUNC_MAX_ARGS];
	bool		has_anyenum = false;
	StringInfoData sql;
	Datum		initval;
	bool		isnull;
	int			i;

	ptup = SearchSysCache1(PROCOID, ObjectIdGetDatum(aggoid));
	if (!HeapTupleIsValid(ptup))
		elog(ERROR, "cache lookup failed for function %u", aggoid);
	proc = (Form_pg_proc) GETSTRUCT(ptup);
	if (proc->prokind != PROKIND_AGGREGATE || proc->pronamespace != schema)
	{
		ReleaseSysCache(ptup);
		return NULL;
	}
	for (i = 0; i < proc->pronargs; i++)
	{
		Oid			t = proc->proargtypes.values[i];

		if (t == ANYENUMOID)
			has_anyenum = true;
		else if (IsPolymorphicType(t))
		{
			/* only anyenum has one concrete form per funnel */
			ReleaseSysCache(ptup);
			return NULL;
		}
		args[i] = t == ANYENUMOID ? typid : t;
	}
	if (!has_anyenum ||
		OidIsValid(GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
								   NameGetDatum(&proc->proname),
								   PointerGetDatum(buildoidvector(args, proc->pronargs)),
								   ObjectIdGetDatum(schema))))
	{
		ReleaseSysCache(ptup);
		return NULL;
	}

	atup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggoid));
	if (!HeapTupleIsValid(atup))
		elog(ERROR, "cache lookup failed for aggregate %u", aggoid);
	agg = (Form_pg_aggregate) GETSTRUCT(atup);
	if (agg->aggkind != AGGKIND_NORMAL || OidIsValid(agg->aggmtransfn))
		elog(ERROR, "funnel: aggregate %s has no concrete per-funnel form",
			 format_procedure(aggoid));

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE AGGREGATE %s(",
					 quote_qualified_identifier(get_namespace_name(schema),
												NameStr(proc->proname)));
	for (i = 0; i < proc->pronargs; i++)
		appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "", format_type_be_qualified(args[i]));
	appendStringInfo(&sql, ") (SFUNC = %s, STYPE = %s",
					 qualified_function_name(agg->aggtransfn),
					 format_type_be_qualified(agg->aggtranstype));
	if (OidIsValid(agg->aggfinalfn))
	{
		appendStringInfo(&sql, ", FINALFUNC = %s", qualified_function_name(agg->aggfinalfn));
		if (agg->aggfinalextra)
			appendStringInfoString(&sql, ", FINALFUNC_EXTRA");
		appendStringInfo(&sql, ", FINALFUNC_MODIFY = %s",
						 agg->aggfinalmodify == AGGMODIFY_READ_WRITE ? "READ_WRITE" :
						 agg->aggfinalmodify == AGGMODIFY_SHAREABLE ? "SHAREABLE" : "READ_ONLY");
	}
	if (OidIsValid(agg->aggcombinefn))
		appendStringInfo(&sql, ", COMBINEFUNC = %s", qualified_function_name(agg->aggcombinefn));
	if (OidIsValid(agg->aggserialfn))
		appendStringInfo(&sql, ", SERIALFUNC = %s, DESERIALFUNC = %s",
						 qualified_function_name(agg->aggserialfn),
						 qualified_function_name(agg->aggdeserialfn));
	if (agg->aggtransspace != 0)
		appendStringInfo(&sql, ", SSPACE = %d", agg->aggtransspace);
	initval = SysCacheGetAttr(AGGFNOID, atup, Anum_pg_aggregate_agginitval, &isnull);
	if (!isnull)
		appendStringInfo(&sql, ", INITCOND = %s", quote_literal_cstr(TextDatumGetCString(initval)));
	appendStringInfo(&sql, ", PARALLEL = %s)",
					 proc->proparallel == PROPARALLEL_SAFE ? "SAFE" :
					 proc->proparallel == PROPARALLEL_RESTRICTED ? "RESTRICTED" : "UNSAFE");
	ReleaseSysCache(atup);
	ReleaseSysCache(ptup);
	return sql.data;
}

/*
 * The functions that are members of extension ext, in OID order (the order
 * the install script made them, so the statements are the same each time).
 */
static List *
extension_functions(Oid ext)
{
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *fns = NIL;

	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ExtensionRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);

		if (d->classid == ProcedureRelationId && d->deptype == DEPENDENCY_EXTENSION)
			fns = lappend_oid(fns, d->objid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	list_sort(fns, list_oid_cmp);
	return fns;
}

/*
 * Make funnel typid's objects on this coordinator: funnel.definition(T)
 * replaced with the current definition, and each missing concrete
 * aggregate created.  Citus propagates both.
 */
static void
sync_funnel(Oid typid)
{
	CatalogFunnel f;
	Oid			schema;
	Oid			ext;
	OwnerContext oc;
	List	   *stmts = NIL;
	ListCell   *lc;
	char	   *body;

	if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typid)) ||
		!funnel_catalog_read_funnel(typid, &f))
		return;
	ext = funnel_catalog_extension(&schema);

	body = psprintf("SELECT %s::pg_catalog.text[]", quote_literal_cstr(definition_text(typid, &f)));
	stmts = lappend(stmts,
					psprintf("CREATE OR REPLACE FUNCTION %s(%s) RETURNS pg_catalog.text[] "
							 "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %s",
							 quote_qualified_identifier(get_namespace_name(schema), DEF_FUNCTION),
							 format_type_be_qualified(typid), quote_literal_cstr(body)));
	foreach(lc, extension_functions(ext))
	{
		char	   *sql = concrete_aggregate_sql(lfirst_oid(lc), typid, schema);

		if (sql != NULL)
			stmts = lappend(stmts, sql);
	}

	become_schema_owner(schema, &oc);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, stmts)
		run_utility((const char *) lfirst(lc));
	SPI_finish();
	restore_identity(&oc);
}

/* A front door (frontdoor.c) starts: changes are synchronized when the outermost ends. */
void
funnel_distribute_enter(void)
{
	door_depth++;
}

/*
 * A front door ends: ok, and the outermost, makes the objects of every
 * funnel its body changed (once each); after an error, forget them (the
 * transaction or savepoint rolls back).
 */
void
funnel_distribute_leave(bool ok)
{
	List	   *todo;
	ListCell   *lc;

	if (!ok)
	{
		door_depth = 0;
		list_free(pending);
		pending = NIL;
		return;
	}
	if (door_depth > 0)
		door_depth--;
	if (door_depth > 0 || pending == NIL)
		return;
	todo = pending;
	pending = NIL;
	foreach(lc, todo)
		sync_funnel(lfirst_oid(lc));
	list_free(todo);
}

/*
 * Funnel typid's catalog rows changed: on a Citus coordinator, make its
 * objects now, or when the running front door ends.  Elsewhere nothing.
 */
void
funnel_distribute_changed(Oid typid)
{
	MemoryContext old;

	if (!citus_propagates())
		return;
	if (door_depth == 0)
	{
		sync_funnel(typid);
		return;
	}
	old = MemoryContextSwitchTo(TopMemoryContext);
	pending = list_append_unique_oid(pending, typid);
	MemoryContextSwitchTo(old);
}

/*
 * Drop funnel typid's objects (drop_funnel, before it drops the type):
 * functions in the extension's schema that take the type, owned by the
 * schema's owner and not members of the extension.  On Citus the DROPs are
 * propagated; on a single node there are none.
 */
void
funnel_distribute_forget(Oid typid)
{
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			schema;
	Oid			owner;
	List	   *stmts = NIL;
	ListCell   *lc;
	OwnerContext oc;

	(void) funnel_catalog_extension(&schema);
	owner = schema_owner(schema);
	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(typid));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);
		HeapTuple	ptup;
		Form_pg_proc proc;

		if (d->classid != ProcedureRelationId || d->deptype != DEPENDENCY_NORMAL)
			continue;
		ptup = SearchSysCache1(PROCOID, ObjectIdGetDatum(d->objid));
		if (!HeapTupleIsValid(ptup))
			continue;
		proc = (Form_pg_proc) GETSTRUCT(ptup);
		if (proc->pronamespace == schema && proc->proowner == owner &&
			!OidIsValid(getExtensionOfObject(ProcedureRelationId, d->objid)))
			stmts = list_append_unique(stmts,
									   makeString(psprintf("DROP %s %s",
														   proc->prokind == PROKIND_AGGREGATE ? "AGGREGATE" : "FUNCTION",
														   format_procedure_qualified(d->objid))));
		ReleaseSysCache(ptup);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (stmts == NIL)
		return;

	become_schema_owner(schema, &oc);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, stmts)
		run_utility(strVal(lfirst(lc)));
	SPI_finish();
	restore_identity(&oc);
}

/* 22P02 for a definition function whose value cannot be a funnel definition. */
static void
bad_definition(Oid fn, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid funnel definition in %s", format_procedure_qualified(fn)),
			 errdetail("%s", why)));
}

/* Cell (r, c) of a deconstructed definition, or NULL. */
static char *
cell_text(Datum *elems, bool *nulls, int r, int c)
{
	int			i = r * DEF_NCOLS + c;

	return nulls[i] ? NULL : TextDatumGetCString(elems[i]);
}

/* Cell (r, c) of a deconstructed definition read as a flag: "t" is true. */
static bool
cell_flag(Datum *elems, bool *nulls, int r, int c)
{
	char	   *v = cell_text(elems, nulls, r, c);

	return v != NULL && strcmp(v, "t") == 0;
}

/*
 * Replace the local catalog rows of funnel typid with the definition arr
 * that function fn returned (see definition_text for its rows).
 */
static void
apply_definition(Oid fn, Oid typid, ArrayType *arr)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			r;
	CatalogFunnel f;
	bool		have_funnel = false;
	List	   *stages = NIL;
	List	   *edges = NIL;
	ListCell   *lc;

	if (ARR_ELEMTYPE(arr) != TEXTOID || ARR_NDIM(arr) != 2 || ARR_DIMS(arr)[1] != DEF_NCOLS)
		bad_definition(fn, "It is not a text[][] of 7 columns.");
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);

#define COL(c) cell_text(elems, nulls, r, (c))
#define FLAG(c) cell_flag(elems, nulls, r, (c))
	memset(&f, 0, sizeof(f));
	for (r = 0; r < n / DEF_NCOLS; r++)
	{
		const char *kind = COL(0);

		if (kind != NULL && strcmp(kind, "funnel") == 0)
		{
			have_funnel = true;
			f.allow_skip = FLAG(1);
			f.allow_backward = FLAG(2);
			f.allow_reopen = FLAG(3);
			f.created = FLAG(4);
			f.builtin = FLAG(5);
		}
		else if (kind != NULL && strcmp(kind, "stage") == 0)
		{
			CatalogStage *s = palloc0(sizeof(CatalogStage));

			s->stage = COL(1);
			s->outcome = COL(2);
			if (s->stage == NULL || s->outcome == NULL ||
				(strcmp(s->outcome, "open") != 0 && strcmp(s->outcome, "won") != 0 &&
				 strcmp(s->outcome, "lost") != 0))
				bad_definition(fn, "A stage row lacks its label or outcome.");
			funnel_check_label(typid, s->stage);
			s->has_entry = COL(3) != NULL;
			s->entry = FLAG(3);
			s->owner = COL(4);
			s->has_probability = COL(5) != NULL;
			if (s->has_probability)
				s->probability = DatumGetFloat8(DirectFunctionCall1(float8in, CStringGetDatum(COL(5))));
			s->builtin = FLAG(6);
			stages = lappend(stages, s);
		}
		else if (kind != NULL && strcmp(kind, "edge") == 0)
		{
			CatalogEdge *e = palloc0(sizeof(CatalogEdge));

			e->from_stage = COL(1);
			e->to_stage = COL(2);
			if (e->from_stage == NULL || e->to_stage == NULL)
				bad_definition(fn, "An edge row lacks a stage.");
			funnel_check_label(typid, e->from_stage);
			funnel_check_label(typid, e->to_stage);
			e->allowed = FLAG(3);
			edges = lappend(edges, e);
		}
		else
			bad_definition(fn, "A row is neither funnel, stage nor edge.");
	}
#undef FLAG
#undef COL
	if (!have_funnel)
		bad_definition(fn, "It has no funnel row.");

	funnel_lock_definition(typid);
	funnel_catalog_delete_funnel(typid);
	/* the edges below look their rows up: the deleted ones must be gone */
	CommandCounterIncrement();
	funnel_catalog_insert_funnel(typid, &f);
	funnel_catalog_insert_stages(typid, stages);
	foreach(lc, edges)
	{
		CatalogEdge *e = (CatalogEdge *) lfirst(lc);

		(void) funnel_catalog_put_edge(typid, e->from_stage, e->to_stage, false, e->allowed);
	}
	funnel_registry_invalidate_type(typid);
}

/*
 * If function fn is a trusted funnel.definition(T) -- in the extension's
 * schema, owned by the schema's owner, one enum argument, text[] result --
 * call it and apply what it returns to the local catalog.
 */
static void
apply_function(Oid fn, Oid schema, Oid owner)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Form_pg_proc proc;
	Oid			typid;
	bool		trusted;
	FmgrInfo	flinfo;
	Datum		result;

	LOCAL_FCINFO(call, 1);

	if (!HeapTupleIsValid(tup))
		return;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	trusted = proc->pronamespace == schema && proc->proowner == owner &&
		strcmp(NameStr(proc->proname), DEF_FUNCTION) == 0 && proc->prokind == PROKIND_FUNCTION &&
		proc->pronargs == 1 && proc->prorettype == TEXTARRAYOID &&
		get_typtype(proc->proargtypes.values[0]) == TYPTYPE_ENUM;
	typid = trusted ? proc->proargtypes.values[0] : InvalidOid;
	ReleaseSysCache(tup);
	if (!trusted)
		return;

	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, 1, InvalidOid, NULL, NULL);
	call->args[0].value = (Datum) 0;
	call->args[0].isnull = true;
	result = FunctionCallInvoke(call);
	if (call->isnull)
		bad_definition(fn, "It returned NULL.");
	apply_definition(fn, typid, DatumGetArrayTypeP(result));
}

/*
 * def_apply(oid[]): the ddl_command_end event trigger passes the functions a
 * CREATE FUNCTION made; on a node receiving Citus's propagated DDL, apply
 * the trusted funnel.definition(T) among them.  Any role may call it: it
 * only copies a definition the schema's owner made into the catalog.
 */
PG_FUNCTION_INFO_V1(funnel_def_apply);

Datum
funnel_def_apply(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	int			i;
	Oid			schema = InvalidOid;
	Oid			owner = InvalidOid;

	if (ARR_ELEMTYPE(arr) != OIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("funnel.def_apply() takes an oid[]")));
	deconstruct_array(arr, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &enulls, &n);
	if (n == 0 || !citus_applying())
		PG_RETURN_VOID();
	for (i = 0; i < n; i++)
	{
		char	   *name;

		if (enulls[i])
			continue;
		/* most functions are not ours: look no further (nor at the catalog) */
		name = get_func_name(DatumGetObjectId(elems[i]));
		if (name == NULL || strcmp(name, DEF_FUNCTION) != 0)
			continue;
		if (!OidIsValid(schema))
		{
			(void) funnel_catalog_extension(&schema);
			owner = schema_owner(schema);
		}
		apply_function(DatumGetObjectId(elems[i]), schema, owner);
	}
	PG_RETURN_VOID();
}

/*
 * distribute(stage_type): make (or bring up to date) a funnel's objects on a
 * Citus coordinator now -- for a funnel registered before extension citus
 * was created, or a shipped funnel never changed since.  The definition
 * functions do it themselves on a coordinator.  55000 without Citus.
 */
PG_FUNCTION_INFO_V1(funnel_distribute);

Datum
funnel_distribute(PG_FUNCTION_ARGS)
{
	Oid			typid = PG_GETARG_OID(0);

	funnel_check_definition_rights(typid, true);
	funnel_lock_definition(typid);
	funnel_require_registered(typid);
	if (!citus_propagates())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("funnel.distribute() needs a Citus coordinator"),
				 errdetail("Extension citus is not installed in this database, or citus.enable_ddl_propagation is off."),
				 errhint("On a single node the funnel needs nothing more: its aggregates work as they are.")));
	sync_funnel(typid);
	PG_RETURN_VOID();
}
