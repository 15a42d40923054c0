/*
 * arena.c
 *		One memory context for all the aggregate states a call site creates
 *		under one aggregate context.
 *
 * An expanded-object state needs a memory context whose parent is the
 * aggregate context (nodeAgg keeps a read-write expanded state without
 * copying it only then).  A context per state is what hll does, and it makes
 * hash aggregation quadratic: nodeAgg measures its memory by walking every
 * child context each time it adds a group.  So all states of a call site
 * share one child context, the arena.  The arena is found again through
 * fn_extra; a reset callback forgets it when nodeAgg resets or deletes the
 * aggregate context, so the cached pointer never dangles.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "funnel.h"

typedef struct ArenaForget
{
	MemoryContextCallback cb;
	StateArenas *owner;
	MemoryContext arena;
} ArenaForget;

static void
forget_arena(void *arg)
{
	ArenaForget *f = (ArenaForget *) arg;
	StateArenas *a = f->owner;
	int			i;

	for (i = 0; i < a->n; i++)
	{
		if (a->arena[i] == f->arena)
		{
			a->n--;
			a->aggcxt[i] = a->aggcxt[a->n];
			a->arena[i] = a->arena[a->n];
			return;
		}
	}
}

MemoryContext
funnel_state_arena(StateArenas *a, MemoryContext aggcxt)
{
	MemoryContext arena;
	ArenaForget *f;
	int			i;

	for (i = 0; i < a->n; i++)
		if (a->aggcxt[i] == aggcxt)
			return a->arena[i];
	if (a->n == lengthof(a->aggcxt))
	{
		/* many grouping sets: give up caching the oldest (it stays valid) */
		a->n--;
		memmove(&a->aggcxt[0], &a->aggcxt[1], sizeof(MemoryContext) * a->n);
		memmove(&a->arena[0], &a->arena[1], sizeof(MemoryContext) * a->n);
	}
	arena = AllocSetContextCreate(aggcxt, "funnel aggregate states", ALLOCSET_DEFAULT_SIZES);
	f = MemoryContextAlloc(arena, sizeof(ArenaForget));
	f->owner = a;
	f->arena = arena;
	f->cb.func = forget_arena;
	f->cb.arg = f;
	MemoryContextRegisterResetCallback(arena, &f->cb);
	a->aggcxt[a->n] = aggcxt;
	a->arena[a->n] = arena;
	a->n++;
	return arena;
}
