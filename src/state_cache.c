/*
 * state_cache.c
 *		The accessors' parse cache: a stored state value read once for all
 *		the accessors over it (state.h, funnel_state_get_cached).
 *
 * A query usually calls several accessors on the same value:
 *
 *	 SELECT funnel.win_rate(p), funnel.avg_deal_size(p), funnel.open_value(p)
 *	 FROM (SELECT funnel.pipeline(...) p FROM deals GROUP BY owner) g;
 *
 * nodeAgg hands each of them the flat form (it flattens a by-reference
 * aggregate result when it copies it out), so each would parse it again:
 * with six accessors at 20 deals a group the parses were 13% of the query
 * (test/bench/scaling/README.md).  So per state type the last value parsed
 * is kept, keyed by its exact bytes (equal bytes are an equal value: a read
 * depends on nothing else, since accessors read without the catalog check),
 * in a memory context of its own under TopMemoryContext that holds that one
 * value only and is reset before the next parse.
 *
 * Why this is safe whoever calls us:
 *	- nothing lives in fn_extra: a fresh FmgrInfo per call finds the same
 *	  cache, and a cache miss is an ordinary parse;
 *	- the key is the bytes themselves (a copy of them is part of the entry),
 *	  never a pointer that freed memory could reuse;
 *	- the entry is marked empty before a parse and filled only when the parse
 *	  has succeeded, so an error (a corrupt value) leaves no half-read state;
 *	- the cached state is read-only (state.h: accessors never change a state
 *	  argument), and an accessor's by-reference result is copied out of it
 *	  (FUNNEL_RETURN_COPY) before the next call can reset the context;
 *	- values above STATE_CACHE_MAX_BYTES are parsed into the caller's context
 *	  as before, so the backend keeps at most that much per type after the
 *	  query.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "state.h"

/* the largest flat body kept (a bigger one is parsed per call) */
#define STATE_CACHE_MAX_BYTES (4 * 1024 * 1024)
/* one entry per state type that uses the cache (pipeline, summary) */
#define STATE_CACHE_TYPES 4

typedef struct StateCacheEntry
{
	const FunnelStateType *type;	/* NULL: a free entry */
	MemoryContext cxt;			/* holds bytes and st, nothing else */
	Size		len;
	char	   *bytes;			/* the flat body st was read from */
	FunnelState *st;			/* NULL while empty or being filled */
} StateCacheEntry;

static StateCacheEntry state_cache[STATE_CACHE_TYPES];

/* The entry of type (a free one is claimed), or NULL when all are taken. */
static StateCacheEntry *
cache_entry(const FunnelStateType *type)
{
	int			i;

	for (i = 0; i < STATE_CACHE_TYPES; i++)
	{
		if (state_cache[i].type == type)
			return &state_cache[i];
		if (state_cache[i].type == NULL)
		{
			state_cache[i].cxt = AllocSetContextCreate(TopMemoryContext, "funnel accessor parse cache",
													   ALLOCSET_DEFAULT_SIZES);
			state_cache[i].type = type;
			return &state_cache[i];
		}
	}
	return NULL;
}

/*
 * A state argument for an accessor to read: our expanded object itself when
 * the datum is one, else the flat value parsed -- the cached parse when the
 * same bytes were parsed last for this type.  Read-only, and valid only
 * until the next call of an accessor: results pointing into it must be
 * copied out (FUNNEL_RETURN_COPY).
 */
FunnelState *
funnel_state_get_cached(const FunnelStateType *type, Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	StateCacheEntry *e;
	Size		len;

	if (VARATT_IS_EXTERNAL_EXPANDED(v))
		return funnel_state_get(type, d);
	v = PG_DETOAST_DATUM(d);
	len = VARSIZE(v) - VARHDRSZ;
	e = len <= STATE_CACHE_MAX_BYTES ? cache_entry(type) : NULL;
	if (e == NULL)
		return type->read(VARDATA(v), len, CurrentMemoryContext, false, NULL);
	if (e->st != NULL && e->len == len && memcmp(e->bytes, VARDATA(v), len) == 0)
		return e->st;
	e->st = NULL;				/* until the parse below has succeeded */
	MemoryContextReset(e->cxt);
	e->bytes = MemoryContextAlloc(e->cxt, Max(len, 1));
	memcpy(e->bytes, VARDATA(v), len);
	e->len = len;
	e->st = type->read(e->bytes, len, e->cxt, false, NULL);
	return e->st;
}

/*
 * Forget every entry without touching its memory.  Only for the fuzz
 * harness (test/fuzz), whose stand-in for the backend frees every
 * allocation after each input, TopMemoryContext's included: the entries
 * would point into freed memory.  A backend never calls it.
 */
void
funnel_state_cache_forget(void)
{
	memset(state_cache, 0, sizeof(state_cache));
}
