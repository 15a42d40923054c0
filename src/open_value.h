/*
 * open_value.h
 *		The open deals and amounts per stage of the pipeline states
 *		(funnel.pipeline in pipeline.c, funnel.pipeline_flow in history.c),
 *		for the functions outside those files that weight them: the weighted
 *		value by learned probabilities (learned.c).
 */
#ifndef FUNNEL_OPEN_VALUE_H
#define FUNNEL_OPEN_VALUE_H

#include "postgres.h"

#include "utils/numeric.h"

#include "registry.h"

typedef struct OpenValue
{
	Oid			stage_type;		/* InvalidOid: the state holds no stage */
	bool		has_amounts;	/* false: a pipeline_flow made without amounts */
	FunnelDef  *def;			/* the funnel's current definition (indexes below) */
	int64	   *deals;			/* [def->nstages] open deals, 0 for closed stages */
	Numeric    *amount;			/* [def->nstages] their amount, NULL when none */
} OpenValue;

/*
 * The open deals and amounts per stage of a stored funnel.pipeline (d, read
 * only) or funnel.pipeline_flow (at its moment: as_of, or "to"), under the
 * current definition of its funnel, looked up through the caller's cache dc;
 * arrays in the current context.
 */
extern void funnel_pipeline_open_value(Datum d, FunnelDefCache *dc, OpenValue *out);
extern void funnel_flow_open_value(Datum d, FunnelDefCache *dc, OpenValue *out);

#endif							/* FUNNEL_OPEN_VALUE_H */
