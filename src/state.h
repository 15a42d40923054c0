/*
 * state.h
 *		The expanded-object plumbing shared by the mergeable state types
 *		(funnel.pipeline, funnel.summary).
 *
 * A state starts with a FunnelState: the expanded-object header, the flat
 * body cached while the state is unmodified, and the function that writes
 * the body.  Each type keeps its own ExpandedObjectMethods (pointing at the
 * functions below), so a datum's methods pointer still tells the types apart.
 */
#ifndef FUNNEL_STATE_H
#define FUNNEL_STATE_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/expandeddatum.h"

typedef struct FunnelState FunnelState;

struct FunnelState
{
	ExpandedObjectHeader hdr;
	StringInfo	flat;			/* cached flat body, NULL when stale */
	void		(*write) (StringInfo buf, FunnelState *self);
};

extern void funnel_state_init(FunnelState *st, const ExpandedObjectMethods *methods,
							  MemoryContext cxt, void (*write) (StringInfo, FunnelState *));
extern Size funnel_state_get_flat_size(ExpandedObjectHeader *eohptr);
extern void funnel_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);
/* a flat copy in the current context (for input functions: constants are better flat) */
extern Datum funnel_state_flat(FunnelState *st);

/*
 * arena.c: the memory context, a child of aggcxt, shared by the aggregate
 * states created under aggcxt (found through a static registry, never
 * through the caller's fn_extra).
 */
extern MemoryContext funnel_state_arena(MemoryContext aggcxt);

#endif							/* FUNNEL_STATE_H */
