/*
 * srf.c
 *		Materialized set-returning functions: the result descriptor.
 *
 * InitMaterializedSRF(fcinfo, 0) builds the result's tuple descriptor from
 * the catalog on every call (get_call_result_type: the function's row,
 * then a type lookup per column), about 12,000 instructions: as much as the
 * rest of funnel.stage_report over a summary of a few journeys, and it runs
 * once per group when a report is asked per group.  The executor already
 * holds that descriptor (rsinfo->expectedDesc, built once per query from the
 * same declaration: a function with OUT columns accepts no column definition
 * list), and checks the result's against it; with MAT_SRF_USE_EXPECTED_DESC
 * InitMaterializedSRF copies it instead.  The tuples are formed with that
 * descriptor, so its columns are checked here against the types the C code
 * fills, whatever provided them: nothing is formed with a descriptor the
 * code does not match.
 */
#include "postgres.h"

#include "funcapi.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"

#include "srf.h"

void
funnel_srf_init(FunctionCallInfo fcinfo, const char *fname, const Oid *types,
				int min_natts, int max_natts)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;
	int			i;

	if (rsinfo != NULL && IsA(rsinfo, ReturnSetInfo) && rsinfo->expectedDesc != NULL)
		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	else
		InitMaterializedSRF(fcinfo, 0);	/* refuses a caller that cannot take a set */
	desc = rsinfo->setDesc;
	if (desc->natts < min_natts || desc->natts > max_natts)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 min_natts == max_natts ?
				 errmsg("%s: the result has %d columns where %d are expected",
						fname, desc->natts, min_natts) :
				 errmsg("%s: the result has %d columns where %d to %d are expected",
						fname, desc->natts, min_natts, max_natts),
				 errhint("The function's declaration does not match the installed library: run ALTER EXTENSION funnel UPDATE.")));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->atttypid != types[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s: result column %d is of type %s where %s is expected",
							fname, i + 1, format_type_be(att->atttypid), format_type_be(types[i])),
					 errhint("The function's declaration does not match the installed library: run ALTER EXTENSION funnel UPDATE.")));
	}
}
