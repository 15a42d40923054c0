/*
 * srf.h
 *		Materialized set-returning functions whose result type is declared by
 *		the function itself (RETURNS TABLE): the result descriptor without a
 *		catalog lookup per call, checked against the columns the C code
 *		fills (srf.c).
 */
#ifndef FUNNEL_SRF_H
#define FUNNEL_SRF_H

#include "postgres.h"

#include "fmgr.h"

/*
 * InitMaterializedSRF for a function whose result columns are, in order,
 * types[0 .. natts - 1] with min_natts <= natts <= max_natts (an older
 * version of the extension may declare fewer: the caller reads natts from
 * rsinfo->setDesc); 42804 when the columns are any other.
 */
extern void funnel_srf_init(FunctionCallInfo fcinfo, const char *fname, const Oid *types,
							int min_natts, int max_natts);

#endif							/* FUNNEL_SRF_H */
