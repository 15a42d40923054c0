/*
 * summary.h
 *		What funnel.summary (summary.c) shares with the other cohort states
 *		(stagetime.c): the reach policies of its reports, and the rule that
 *		carries counts made under an older funnel definition over to the
 *		current one.
 */
#ifndef FUNNEL_SUMMARY_H
#define FUNNEL_SUMMARY_H

#include "postgres.h"

#include "journey.h"
#include "registry.h"

/* the report policies, also the index of per-policy arrays in the states */
enum
{
	POL_LINEAR = 0,
	POL_ENTERED = 1,
	POL_STRICT = 2,
	POL_COUNT					/* how many policies there are */
};

/* reach[POL_*]: did the journey of f reach stage i of f->def under each policy? */
extern void funnel_journey_reach(const JourneyFacts *f, int i, bool *reach);

/* a policy name ('linear', 'entered', 'strict') as POL_*, 22023 otherwise */
extern int	funnel_report_policy(text *t, const char *fname);

/*
 * NULL when counts made under the stored definition (labels in funnel order
 * and their outcomes) carry over to def, with is_new[] marking the stages of
 * def added since; else the detail of the 55000 error
 */
extern const char *funnel_def_carry_problem(int ndef, const Oid *labels, const uint8 *outcomes,
											const FunnelDef *def, const char *what, bool *is_new);

#endif							/* FUNNEL_SUMMARY_H */
