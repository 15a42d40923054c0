/*
 * fninfo.h
 *		What the catalog declares about a function OID, cached for the life
 *		of the backend (fninfo.c): its argument and result types, and, for a
 *		transition function, the aggregate a call works for.
 *
 * A caller may call our functions through a fresh FmgrInfo for every row
 * and without fn_expr (Citus's worker_partial_agg and coord_combine_agg do):
 * fn_extra then holds nothing from one row to the next, and the call's
 * expression cannot be asked for types.  These lookups take what the
 * function's OID declares instead, and cost a hash probe once cached.
 */
#ifndef FUNNEL_FNINFO_H
#define FUNNEL_FNINFO_H

#include "postgres.h"

/* the declared type of argument argno of fn_oid (InvalidOid if none) */
extern Oid	funnel_fn_argtype(Oid fn_oid, int argno);

/* the declared result type of fn_oid (InvalidOid if no such function) */
extern Oid	funnel_fn_rettype(Oid fn_oid);

/* what an aggregate is made of */
typedef struct FunnelAggFacts
{
	const char *name;			/* the aggregate's name */
	Oid			transfn;		/* its transition function */
	bool		has_initcond;	/* it has an initial condition */
} FunnelAggFacts;

/* the facts of aggregate aggfnoid; false when it is no aggregate */
extern bool funnel_agg_facts(Oid aggfnoid, FunnelAggFacts *facts);

/*
 * The name of the aggregates whose transition function (plain or moving) is
 * fn_oid, when they all have the same one, else NULL; *may_have_initcond
 * says whether one of them has an initial condition (true when none is
 * found).
 */
extern const char *funnel_transfn_aggregate_name(Oid fn_oid, bool *may_have_initcond);

#endif							/* FUNNEL_FNINFO_H */
