/*
 * fninfo.c
 *		What the catalog declares about a function OID, cached for the life
 *		of the backend (fninfo.h).
 *
 * The cache.  One hash table in TopMemoryContext, keyed by pg_proc OID,
 * whose entries hold three sections, each filled on first use: the
 * function's pg_proc facts (name, result and argument types), its
 * pg_aggregate facts when it is an aggregate, and the aggregates that use it
 * as their transition function.  Entries are never removed, so a pointer to
 * one (or to a name inside it) stays valid for the backend; a change to
 * pg_proc or pg_aggregate (a syscache invalidation, also from other
 * sessions) marks every section stale, and the next use fills it again.
 * Those catalogs change rarely, and the table holds a few dozen entries.
 *
 * Nothing here reads the call (fn_expr, fn_extra): the facts are the
 * declared ones, the same for every caller.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_proc.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "fninfo.h"

typedef struct FnFacts
{
	Oid			oid;			/* key: a pg_proc OID */

	/* pg_proc (valid when proc_valid) */
	bool		proc_valid;
	bool		exists;			/* the function exists */
	NameData	name;
	Oid			rettype;
	int			nargs;
	Oid			argtypes[FUNC_MAX_ARGS];

	/* pg_aggregate, the function as an aggregate (valid when agg_valid) */
	bool		agg_valid;
	bool		is_agg;
	Oid			transfn;
	bool		initcond;

	/* the aggregates over the function as transition function (users_valid) */
	bool		users_valid;
	bool		users_named;	/* found some, all named users_name */
	NameData	users_name;
	bool		users_initcond;
} FnFacts;

static HTAB *fn_facts = NULL;

/*
 * The syscache callback of pg_proc and pg_aggregate: every section of every
 * entry is stale (a rename, a new or dropped aggregate, a dropped function
 * whose OID may come back).
 */
static void
fn_facts_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS status;
	FnFacts    *e;

	if (fn_facts == NULL)
		return;
	hash_seq_init(&status, fn_facts);
	while ((e = (FnFacts *) hash_seq_search(&status)) != NULL)
	{
		e->proc_valid = false;
		e->agg_valid = false;
		e->users_valid = false;
	}
}

/* The entry of fn_oid, made (all sections stale) if missing. */
static FnFacts *
fn_entry(Oid fn_oid)
{
	FnFacts    *e;
	bool		found;

	if (fn_facts == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(FnFacts);
		ctl.hcxt = TopMemoryContext;
		fn_facts = hash_create("funnel function facts", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterSyscacheCallback(PROCOID, fn_facts_invalidate, (Datum) 0);
		CacheRegisterSyscacheCallback(AGGFNOID, fn_facts_invalidate, (Datum) 0);
	}
	e = (FnFacts *) hash_search(fn_facts, &fn_oid, HASH_ENTER, &found);
	if (!found)
	{
		e->proc_valid = false;
		e->agg_valid = false;
		e->users_valid = false;
	}
	return e;
}

/* The entry of fn_oid with its pg_proc section filled. */
static FnFacts *
fn_proc(Oid fn_oid)
{
	FnFacts    *e = fn_entry(fn_oid);
	HeapTuple	tup;

	if (e->proc_valid)
		return e;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	e->exists = HeapTupleIsValid(tup);
	e->nargs = 0;
	e->rettype = InvalidOid;
	if (e->exists)
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);

		namestrcpy(&e->name, NameStr(proc->proname));
		e->rettype = proc->prorettype;
		e->nargs = Min(proc->pronargs, FUNC_MAX_ARGS);
		memcpy(e->argtypes, proc->proargtypes.values, sizeof(Oid) * e->nargs);
		ReleaseSysCache(tup);
	}
	e->proc_valid = true;
	return e;
}

/* The declared type of argument argno of fn_oid (InvalidOid if none). */
Oid
funnel_fn_argtype(Oid fn_oid, int argno)
{
	FnFacts    *e = fn_proc(fn_oid);

	if (argno < 0 || argno >= e->nargs)
		return InvalidOid;
	return e->argtypes[argno];
}

/* The declared result type of fn_oid (InvalidOid if no such function). */
Oid
funnel_fn_rettype(Oid fn_oid)
{
	return fn_proc(fn_oid)->rettype;
}

/* The facts of aggregate aggfnoid; false when it is no aggregate. */
bool
funnel_agg_facts(Oid aggfnoid, FunnelAggFacts *facts)
{
	FnFacts    *e = fn_proc(aggfnoid);

	if (!e->agg_valid)
	{
		HeapTuple	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfnoid));

		e->is_agg = HeapTupleIsValid(tup);
		e->transfn = InvalidOid;
		e->initcond = false;
		if (e->is_agg)
		{
			bool		isnull;

			e->transfn = ((Form_pg_aggregate) GETSTRUCT(tup))->aggtransfn;
			(void) SysCacheGetAttr(AGGFNOID, tup, Anum_pg_aggregate_agginitval, &isnull);
			e->initcond = !isnull;
			ReleaseSysCache(tup);
		}
		e->agg_valid = true;
	}
	if (!e->is_agg || !e->exists)
		return false;
	facts->name = NameStr(e->name);
	facts->transfn = e->transfn;
	facts->has_initcond = e->initcond;
	return true;
}

/*
 * The name of the aggregates whose transition function, plain or moving,
 * is fn_oid when they all have one, else NULL; *may_have_initcond says
 * whether one of them starts from an initial condition (true when none is
 * found: nothing is known then).  pg_aggregate has no index on its
 * transition functions: it is read whole, once per backend and function
 * (a few hundred rows).
 */
const char *
funnel_transfn_aggregate_name(Oid fn_oid, bool *may_have_initcond)
{
	FnFacts    *e = fn_entry(fn_oid);

	if (!e->users_valid)
	{
		Relation	rel = table_open(AggregateRelationId, AccessShareLock);
		SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
		HeapTuple	tup;
		bool		found = false;
		bool		named = true;
		bool		initcond = false;
		NameData	name;

		while ((tup = systable_getnext(scan)) != NULL)
		{
			Form_pg_aggregate agg = (Form_pg_aggregate) GETSTRUCT(tup);
			bool		isnull;
			FnFacts    *a;

			if (agg->aggtransfn != fn_oid && agg->aggmtransfn != fn_oid)
				continue;
			if (agg->aggtransfn == fn_oid)
			{
				(void) heap_getattr(tup, Anum_pg_aggregate_agginitval, RelationGetDescr(rel), &isnull);
				initcond |= !isnull;
			}
			if (agg->aggmtransfn == fn_oid)
			{
				(void) heap_getattr(tup, Anum_pg_aggregate_aggminitval, RelationGetDescr(rel), &isnull);
				initcond |= !isnull;
			}
			a = fn_proc(agg->aggfnoid);
			if (!a->exists)
				named = false;
			else if (!found)
				namestrcpy(&name, NameStr(a->name));
			else if (strcmp(NameStr(name), NameStr(a->name)) != 0)
				named = false;
			found = true;
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		e->users_named = found && named;
		if (e->users_named)
			namestrcpy(&e->users_name, NameStr(name));
		e->users_initcond = initcond || !found;
		e->users_valid = true;
	}
	*may_have_initcond = e->users_initcond;
	return e->users_named ? NameStr(e->users_name) : NULL;
}
