/*
 * journey.h
 *		funnel.journey: one entity's stage history, shared by journey.c and
 *		summary.c.
 *
 * A flat varlena, in memory and on disk: events (time, stage label OID) in
 * time order -- at equal times the open stages in funnel order, then the
 * outcomes (journey.c, "Ties").  During aggregation the same layout holds
 * the events unsorted, with spare capacity (cap > n); the final function
 * sorts and compacts it and drops every event that repeats the stage
 * before it.  The text and binary forms keep such repeats (an unfinished
 * state travels whole), so a value read from them may hold some: every
 * consumer -- the final function, the accessors, funnel.summary -- drops
 * them (journey_sorted).  send/recv use wire.h, never this memory image.
 */
#ifndef FUNNEL_JOURNEY_H
#define FUNNEL_JOURNEY_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/memutils.h"

#include "registry.h"

#define JOURNEY_VERSION 1
#define JOURNEY_SORTED 0x01

typedef struct JourneyEvent
{
	TimestampTz at;
	Oid			label;
	int32		pad;			/* zero */
} JourneyEvent;

typedef struct Journey
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;
	int16		unused;			/* zero */
	Oid			stage_type;
	int32		n;
	int32		cap;
	JourneyEvent ev[FLEXIBLE_ARRAY_MEMBER];
} Journey;

#define JOURNEY_SIZE(cap) (offsetof(Journey, ev) + (Size) (cap) * sizeof(JourneyEvent))

/*
 * The most events a journey holds: the most whose value fits one allocation
 * (MaxAllocSize, 1 GB - 1): 67,108,862.  A state grows up to exactly this;
 * one event more is 54000, and input claiming more is refused before
 * anything is allocated.
 */
#define JOURNEY_MAX_EVENTS ((int) ((MaxAllocSize - offsetof(Journey, ev)) / sizeof(JourneyEvent)))

/*
 * What a journey says about each stage, in funnel order (index = stage
 * index of the definition): computed once per journey by the accessors
 * and by funnel.summary.
 */
typedef struct JourneyFacts
{
	FunnelDef  *def;			/* the definition the indexes below refer to */
	int			nstages;
	int			furthest_open;	/* open index of the furthest open stage entered, -1 */
	int			strict_prefix;	/* open stages 0..k-1 all entered */
	FunnelOutcome outcome;		/* of the last event */
	int			first_outcome_event;	/* first won/lost event, or -1 */
	int		   *entries;		/* [nstages] visits */
	int		   *event_stage;	/* [n] stage index of each event */
} JourneyFacts;

extern Journey *journey_from_datum(Datum d);
extern FunnelDef *journey_stage_indexes(Journey *j, FunnelDefCache *dc, int *idx);
extern void journey_facts(Journey *j, FunnelDefCache *dc, JourneyFacts *f);
extern Journey *journey_sorted(Journey *j, FunnelDefCache *dc);

#endif							/* FUNNEL_JOURNEY_H */
