/*
 * summary.h
 *		What funnel.summary (summary.c) shares with the other cohort states
 *		(stagetime.c): the reach policies of its reports.
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

#endif							/* FUNNEL_SUMMARY_H */
