/*
 * arena.c
 *		One memory context for all the aggregate states created under one
 *		aggregate context.
 *
 * An expanded-object state needs a memory context whose parent is the
 * aggregate context (nodeAgg keeps a read-write expanded state without
 * copying it only then).  A context per state is what hll does, and it makes
 * hash aggregation quadratic: nodeAgg measures its memory by walking every
 * child context each time it adds a group.  So all states under one
 * aggregate context share one child context, the arena.
 *
 * Finding the arena again.  The registry maps an aggregate context to its
 * arena: a hash table in TopMemoryContext plus a one-entry cache, both
 * static, so they live as long as the backend.  A reset callback registered
 * on the arena (its struct allocated in the arena itself) removes the entry
 * when the arena is reset or deleted -- which MemoryContextReset and
 * MemoryContextDelete of the aggregate context do first, children before
 * the parent -- so an entry never outlives its arena, and an aggregate
 * context's address, once freed and reused, cannot find a dead arena.
 *
 * Why this is safe whoever calls us.  The callback touches only the static
 * registry and its own struct; nothing lives in, or points into, the
 * caller's FmgrInfo.  An earlier version kept the registry in fn_extra, and
 * the callback wrote into it: a caller that calls a transition or combine
 * function through a fresh FmgrInfo per row (Citus does) freed that memory
 * long before nodeAgg deleted the aggregate context, whose callback then
 * wrote into freed memory.  A caller's fn_extra may now vanish after every
 * call: only caches of lookups live there.
 *
 * An arena moved to another parent (TransferExpandedObject reparents an
 * expanded object's context, and our states' context is the arena) stays
 * registered until it dies, but a lookup checks that the arena's parent is
 * still the aggregate context and otherwise makes a new one.
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "state.h"

typedef struct ArenaEntry
{
	MemoryContext aggcxt;		/* key */
	MemoryContext arena;
} ArenaEntry;

/* the callback's own memory, allocated in the arena it watches */
typedef struct ArenaForget
{
	MemoryContextCallback cb;
	MemoryContext aggcxt;
	MemoryContext arena;
} ArenaForget;

static HTAB *arena_registry = NULL;
static MemoryContext last_aggcxt = NULL;
static MemoryContext last_arena = NULL;

static void
forget_arena(void *arg)
{
	ArenaForget *f = (ArenaForget *) arg;
	ArenaEntry *e;

	if (last_arena == f->arena)
	{
		last_aggcxt = NULL;
		last_arena = NULL;
	}
	e = (ArenaEntry *) hash_search(arena_registry, &f->aggcxt, HASH_FIND, NULL);
	if (e != NULL && e->arena == f->arena)
		(void) hash_search(arena_registry, &f->aggcxt, HASH_REMOVE, NULL);
}

MemoryContext
funnel_state_arena(MemoryContext aggcxt)
{
	ArenaEntry *e;
	ArenaForget *f;
	MemoryContext arena;
	bool		found;

	if (aggcxt == last_aggcxt && MemoryContextGetParent(last_arena) == aggcxt)
		return last_arena;
	if (arena_registry == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(MemoryContext);
		ctl.entrysize = sizeof(ArenaEntry);
		ctl.hcxt = TopMemoryContext;
		arena_registry = hash_create("funnel aggregate arenas", 16, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = (ArenaEntry *) hash_search(arena_registry, &aggcxt, HASH_FIND, NULL);
	if (e != NULL && MemoryContextGetParent(e->arena) == aggcxt)
	{
		last_aggcxt = aggcxt;
		last_arena = e->arena;
		return e->arena;
	}

	/*
	 * A new arena.  The entry is made (it may fail for lack of memory) before
	 * the callback is registered, so that a registered callback always has
	 * its entry, or a newer arena's.
	 */
	arena = AllocSetContextCreate(aggcxt, "funnel aggregate states", ALLOCSET_DEFAULT_SIZES);
	f = MemoryContextAlloc(arena, sizeof(ArenaForget));
	f->aggcxt = aggcxt;
	f->arena = arena;
	f->cb.func = forget_arena;
	f->cb.arg = f;
	e = (ArenaEntry *) hash_search(arena_registry, &aggcxt, HASH_ENTER, &found);
	e->arena = arena;
	MemoryContextRegisterResetCallback(arena, &f->cb);
	last_aggcxt = aggcxt;
	last_arena = arena;
	return arena;
}
