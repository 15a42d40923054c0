/*
 * frontdoor.c
 *		The C front doors of the definition functions (create_funnel,
 *		register_funnel, set_stage, allow_transition, drop_funnel, track, ...).
 *
 * Their bodies are PL/pgSQL and SQL functions named with a leading
 * underscore (funnel._set_stage, ...).  An error raised in a body carries
 * PL/pgSQL's "CONTEXT: PL/pgSQL function funnel._set_stage(...) line 17 at
 * RAISE", which tells a user nothing he can act on.  The front door calls
 * the body and re-raises its error without that context: SQLSTATE,
 * message, detail, hint and the error's table/column fields stay.
 *
 * The body is found by OID: the function of the same namespace (the
 * extension's schema, owned by a superuser), the same argument types and the
 * name with a leading underscore, through the syscache -- never through a
 * search_path.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "distribute.h"

/* The body of front door fn_oid: same namespace and arguments, name "_" + name. */
static Oid
body_of(Oid fn_oid)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	Form_pg_proc proc;
	NameData	name;
	Oid			body;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	proc = (Form_pg_proc) GETSTRUCT(tup);
	if (strlen(NameStr(proc->proname)) + 1 >= NAMEDATALEN)
		elog(ERROR, "funnel front door name too long");
	snprintf(NameStr(name), NAMEDATALEN, "_%s", NameStr(proc->proname));
	body = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
						   NameGetDatum(&name),
						   PointerGetDatum(&proc->proargtypes),
						   ObjectIdGetDatum(proc->pronamespace));
	ReleaseSysCache(tup);
	if (!OidIsValid(body))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("the body %s of a funnel definition function is missing", NameStr(name)),
				 errhint("Reinstall or update the extension: ALTER EXTENSION funnel UPDATE.")));
	return body;
}

PG_FUNCTION_INFO_V1(funnel_definition_call);

Datum
funnel_definition_call(PG_FUNCTION_ARGS)
{
	FmgrInfo	body;
	MemoryContext cxt = CurrentMemoryContext;
	Datum		result = (Datum) 0;
	bool		isnull = false;
	LOCAL_FCINFO(call, FUNC_MAX_ARGS);
	int			i;

	fmgr_info(body_of(fcinfo->flinfo->fn_oid), &body);
	/* the call's expression, so that a polymorphic body resolves its types */
	fmgr_info_set_expr(fcinfo->flinfo->fn_expr, &body);
	InitFunctionCallInfoData(*call, &body, PG_NARGS(), fcinfo->fncollation, NULL, NULL);
	for (i = 0; i < PG_NARGS(); i++)
		call->args[i] = fcinfo->args[i];

	funnel_distribute_enter();
	PG_TRY();
	{
		result = FunctionCallInvoke(call);
		isnull = call->isnull;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		funnel_distribute_leave(false);
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		/* the body's lines and statements: nothing the caller can act on */
		edata->context = NULL;
		ReThrowError(edata);
	}
	PG_END_TRY();
	/* on a Citus coordinator: the changed funnels' objects, for every node */
	funnel_distribute_leave(true);

	fcinfo->isnull = isnull;
	return result;
}
