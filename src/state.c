/*
 * state.c
 *		The skeleton shared by the extension's aggregate states (state.h):
 *		the expanded-object plumbing, the get / transition / combine / send /
 *		recv functions driven by a FunnelStateType, the invariant checks, and
 *		the arena the expanded states of one aggregate context live in.
 *
 * The arena.  An expanded-object state needs a memory context whose parent is the
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

#include <math.h>

#include "common/int.h"

#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "sketch_pg.h"
#include "textform.h"
#include "state.h"
#include "wire.h"

/* ------------------------------------------------------------------------
 * Expanded-object plumbing: the flat form is written once and kept until
 * the state changes
 * ------------------------------------------------------------------------
 */

/* Make st an expanded object of type in cxt (its own context is the arena). */
void
funnel_state_init(FunnelState *st, const FunnelStateType *type, MemoryContext cxt)
{
	EOH_init_header(&st->hdr, &type->methods, cxt);
	st->type = type;
	st->flat = NULL;
}

/*
 * get_flat_size method: write the flat body (once, cached) and say its size.
 * The cache is one allocation of exactly its size in the state's context (the
 * body is written into a growing buffer there, which is freed), and
 * funnel_state_touch frees it: nodeAgg flattens every group's final state,
 * and a window aggregate every row's, so a cache left at the buffer's
 * doubling size, or left behind by each change, would add up to a kilobyte a
 * group or a row to the aggregate's memory.
 */
Size
funnel_state_get_flat_size(ExpandedObjectHeader *eohptr)
{
	FunnelState *st = (FunnelState *) eohptr;

	if (st->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(eohptr->eoh_context);
		StringInfoData buf;
		StringInfo	flat;

		initStringInfo(&buf);
		st->type->write(&buf, st, NULL);
		flat = palloc(sizeof(StringInfoData) + buf.len + 1);
		flat->data = (char *) (flat + 1);
		memcpy(flat->data, buf.data, buf.len + 1);
		flat->len = buf.len;
		flat->maxlen = buf.len + 1;
		flat->cursor = 0;
		pfree(buf.data);
		st->flat = flat;
		MemoryContextSwitchTo(old);
	}
	return VARHDRSZ + st->flat->len;
}

/* flatten_into method: copy the cached flat body into result. */
void
funnel_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	FunnelState *st = (FunnelState *) eohptr;

	(void) funnel_state_get_flat_size(eohptr);
	Assert(allocated_size == VARHDRSZ + st->flat->len);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), st->flat->data, st->flat->len);
}

/* A flat copy in the current context (input and recv: constants are better flat). */
Datum
funnel_state_flat(FunnelState *st)
{
	Size		size = funnel_state_get_flat_size(&st->hdr);
	void	   *v = palloc(size);

	funnel_state_flatten_into(&st->hdr, v, size);
	return PointerGetDatum(v);
}

/* ------------------------------------------------------------------------
 * Reading state arguments
 * ------------------------------------------------------------------------
 */

/* Is d an expanded object of type (read-write if rw)? */
static bool
is_expanded_of(const FunnelStateType *type, Datum d, bool rw)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (rw ? !VARATT_IS_EXTERNAL_EXPANDED_RW(v) : !VARATT_IS_EXTERNAL_EXPANDED(v))
		return false;
	return DatumGetEOHP(d)->eoh_methods == &type->methods;
}

/*
 * A state argument to read: our expanded object itself when the datum is
 * one (never to be changed: it may be an aggregate's live state), else the
 * flat value detoasted and read into the current context.
 */
FunnelState *
funnel_state_get(const FunnelStateType *type, Datum d)
{
	struct varlena *v;

	if (is_expanded_of(type, d, false))
		return (FunnelState *) DatumGetEOHP(d);
	v = PG_DETOAST_DATUM(d);
	return type->read(VARDATA(v), VARSIZE(v) - VARHDRSZ, CurrentMemoryContext, false, NULL);
}

/* A copy of st in cxt, made by merging st into an empty state. */
FunnelState *
funnel_state_copy(FunnelState *st, MemoryContext cxt)
{
	FunnelState *copy = st->type->create(cxt);

	st->type->merge(copy, st, NULL);
	return copy;
}

/*
 * The final function of an aggregate whose result is its state (argument
 * 0, NULL when no row was aggregated): the state itself, read-only, never
 * copied.  nodeAgg and nodeWindowAgg hand a final function the state as a
 * read-only pointer; from PostgreSQL 16 on they also make its result
 * read-only and keep it as it is, so the argument is returned unchanged.
 *
 * PostgreSQL 15 copies a by-reference result with datumCopy -- which
 * flattens an expanded state, for the accessors over it to parse again (a
 * pipeline of 10 deals: about 22,000 instructions a group) -- unless
 * MemoryContextContains(CurrentMemoryContext, pointer) says it was
 * allocated there, by reading the word before the pointer.  So the result
 * is a read-only expanded pointer of our own, palloc'd there, naming the
 * same state: what PostgreSQL 16 returns, and nodeAgg keeps it.
 *
 * Never a read-write pointer: its object's context can be taken over
 * (TransferExpandedObject; PL/pgSQL does it to a value a function returns),
 * and an earlier version returned a read-write copy whose context was the
 * per-tuple context itself, which that made its own child: a crash any role
 * could cause (test/t/040_security.pl, section 13).  Read-only, the state
 * is only read, by our accessors, or flattened by whoever keeps the value
 * past the row, as with PostgreSQL 16's own pointer.  It lives as long as
 * the result does: nodeAgg resets a group's state, and the output tuple's
 * context, only when asked for a later row.
 */
Datum
funnel_state_final(const FunnelStateType *type, FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
#if PG_VERSION_NUM < 160000
	if (is_expanded_of(type, PG_GETARG_DATUM(0), false))
	{
		varattrib_1b_e *ro = palloc(EXPANDED_POINTER_SIZE);

		memcpy(ro, DatumGetPointer(EOHPGetRODatum(DatumGetEOHP(PG_GETARG_DATUM(0)))),
			   EXPANDED_POINTER_SIZE);
		Assert(VARATT_IS_EXTERNAL_EXPANDED_RO(ro));
		PG_RETURN_POINTER(ro);
	}
#else
	(void) type;
#endif
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/*
 * The state argument (argument 0, not NULL) of a flat type's transition or
 * combine function, to change in place.  Under nodeAgg or nodeWindowAgg
 * (the callers have checked AggCheckCallContext) the transition value is
 * the aggregate's own copy in its memory context -- they copy every new
 * pass-by-reference state and initial condition there -- but not
 * necessarily one the type's functions made: a user's aggregate may use
 * another function beside ours (a moving-aggregate inverse function, say)
 * that returns a value read from a table, compressed or with a 1-byte
 * header.  Only a plain in-line value is used in place; any other form is
 * detoasted into a new copy, which the caller changes and returns (nodeAgg
 * then copies it into its context and frees the old).  The caller checks
 * the header against the size.
 */
struct varlena *
funnel_flat_state_arg(FunctionCallInfo fcinfo)
{
	struct varlena *v = (struct varlena *) PG_GETARG_POINTER(0);

	if (VARATT_IS_4B_U(v))
		return v;
	return PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
}

/* ------------------------------------------------------------------------
 * Aggregate support
 * ------------------------------------------------------------------------
 */

/*
 * The transition state (argument 0), writable: our read-write expanded
 * object, or a new one in the aggregate's arena -- empty for a NULL state,
 * else a copy of the flat or read-only state given.  Called through
 * funnel_state_transition (state.h), which returns the first itself.
 */
FunnelState *
funnel_state_transition_new(const FunnelStateType *type, FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt = funnel_agg_context(fcinfo, fname);
	MemoryContext arena;
	FunnelState *st;

	/* every row but a group's first: the state made then, changed in place */
	if (!PG_ARGISNULL(0) && is_expanded_of(type, PG_GETARG_DATUM(0), true))
		return (FunnelState *) DatumGetEOHP(PG_GETARG_DATUM(0));
	arena = funnel_state_arena(aggcxt);
	if (PG_ARGISNULL(0))
		return type->create(arena);
	st = type->create(arena);
	type->merge(st, funnel_state_get(type, PG_GETARG_DATUM(0)), fcinfo);
	return st;
}

/* A transition or combine function's result: the state, checked, read-write. */
Datum
funnel_state_result(FunnelState *st)
{
	FUNNEL_CHECK_STATE(st->type, st);
	return EOHPGetRWDatum(&st->hdr);
}

/*
 * The whole combine function of an expanded type (also the transition
 * function of its rollup): state 1 += state 2; a NULL state 2 changes
 * nothing.
 */
Datum
funnel_state_combine(const FunnelStateType *type, FunctionCallInfo fcinfo, const char *fname)
{
	FunnelState *st;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	st = funnel_state_transition(type, fcinfo, fname);
	type->merge(st, funnel_state_get(type, PG_GETARG_DATUM(1)), fcinfo);
	return funnel_state_result(st);
}

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------
 */

/*
 * A sorted copy, in the current context, of n items of size bytes: output
 * writes a state's slots in a canonical order (equal states, equal bytes
 * and text) without reordering the state's own.
 */
void *
funnel_sorted_copy(const void *items, int n, Size size, int (*cmp) (const void *, const void *))
{
	void	   *copy = palloc(size * Max(n, 1));

	if (n > 0)					/* (items may be NULL when there are none) */
		memcpy(copy, items, size * n);
	if (n > 1)
		qsort(copy, n, size, cmp);
	return copy;
}

/* qsort order of structs that begin with a label OID: by that OID */
int
funnel_label_cmp(const void *a, const void *b)
{
	Oid			x = *(const Oid *) a;
	Oid			y = *(const Oid *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * Refuse a value read by recv (22P03) or input (22P02) when problem is not
 * NULL: "invalid <type> value: <problem>" either way.
 */
void
funnel_state_refuse(const char *type, bool binary, const char *problem)
{
	if (problem == NULL)
		return;
	if (binary)
		wire_fail(type, problem);
	jin_bad(type, problem);
}

/* *dst += v for a count of a state of type; 22003 past 2^63 - 1. */
void
funnel_add_count(int64 *dst, int64 v, const char *type)
{
	if (pg_add_s64_overflow(*dst, v, dst))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint out of range"),
				 errdetail("A count of a %s exceeds 2^63 - 1.", type)));
}

/*
 * The send function of an expanded type: for a type whose body holds OIDs,
 * the portable form of its body, type and labels by name (wire.h,
 * wire_names.c), so that another node or cluster reads it back; else its
 * flat body as it is.
 */
Datum
funnel_state_send(const FunnelStateType *type, Datum d)
{
	FunnelState *st = funnel_state_get(type, d);
	WireNames	names;
	StringInfoData body;

	if (!type->holds_oids)
	{
		wire_begin_send(&body);
		type->write(&body, st, NULL);
		PG_RETURN_BYTEA_P(wire_end_send(&body));
	}
	wire_names_init(&names);
	initStringInfo(&body);
	type->write(&body, st, &names);
	PG_RETURN_BYTEA_P(wire_portable_send(&names, &body, type->name));
}

/*
 * The recv function of an expanded type: the rest of the message read and
 * validated (labels checked against the catalog), returned flat.  For a type
 * whose body holds OIDs the message is the portable form send writes, or an
 * OID form (the flat body as 1.0 and earlier 1.1 builds sent it: meaningful
 * in the cluster that wrote it, and checked against its catalog like any
 * other); for another type, its flat body.
 */
Datum
funnel_state_recv(const FunnelStateType *type, StringInfo msg)
{
	WireNames	names;
	WireReader	r;
	FunnelState *st;

	if (type->holds_oids && wire_is_portable(msg))
	{
		r = wire_portable_reader(msg, type->name, &names);
		st = type->read(r.data + r.pos, r.len - r.pos, CurrentMemoryContext, true, &names);
	}
	else
	{
		r = wire_reader_msg(msg, type->name);
		st = type->read(r.data, r.len, CurrentMemoryContext, true, NULL);
	}
	r.pos = r.len;
	wire_done_msg(&r, msg);
	FUNNEL_CHECK_STATE(type, st);
	return funnel_state_flat(st);
}

/* ------------------------------------------------------------------------
 * Sketches inside states
 * ------------------------------------------------------------------------
 */

/*
 * A sketch of a state that is only read, to compute a quantile or write it
 * out: those sort an exact sketch's values in place first, so an unsorted
 * one is copied into *copy (in the current context) and the copy returned.
 */
QSketch *
funnel_sketch_view(QSketch *qs, QSketch *copy)
{
	QSAllocator a;

	if (!qs->exact || qs->sorted)
		return qs;
	a = funnel_qs_allocator(CurrentMemoryContext);
	funnel_qs_check(qs_copy(copy, &a, qs), "quantile sketch");
	return copy;
}

/* A state's sketch in the binary form (sketch_pg.h), the state unchanged. */
void
funnel_sketch_wire_write(StringInfo buf, QSketch *qs)
{
	QSketch		copy;
	QSketch    *view = funnel_sketch_view(qs, &copy);

	qs_wire_write(buf, view);
	if (view == &copy)
		qs_free(&copy);
}

/* A state's sketch in the JSON text form (sketch_pg.h), the state unchanged. */
void
funnel_sketch_json_write(StringInfo buf, QSketch *qs)
{
	QSketch		copy;
	QSketch    *view = funnel_sketch_view(qs, &copy);

	qs_json_write(buf, view);
	if (view == &copy)
		qs_free(&copy);
}

/*
 * The first broken invariant of a live sketch, or NULL, read without
 * changing it (qs_check sorts): counts within their mode's limits, finite
 * values inside [min, max], and bucket totals that add up.
 */
const char *
funnel_sketch_problem(const QSketch *qs)
{
	uint64		total;
	int			side;
	uint32		i;

	if (qs->count == 0)
		return (qs->min != 0 || qs->max != 0) ? "an empty sketch with a range" : NULL;
	if (isnan(qs->min) || isnan(qs->max) || qs->min > qs->max)
		return "a sketch's range is not ordered";
	if (qs->exact)
	{
		if (qs->count > QS_EXACT_LIMIT || qs->nvalues != qs->count)
			return "an exact sketch's value count is wrong";
		for (i = 0; i < qs->nvalues; i++)
			if (!(qs->values[i] >= qs->min && qs->values[i] <= qs->max))
				return "an exact sketch value outside its range";
		return NULL;
	}
	if (qs->count <= QS_EXACT_LIMIT)
		return "an approximate sketch within the exact limit";
	total = qs->zero_count;
	for (side = 0; side < 2; side++)
		total += qs->stores[side].total;
	return total == qs->count ? NULL : "a sketch's buckets do not add up to its count";
}

/* ------------------------------------------------------------------------
 * Invariant checks
 * ------------------------------------------------------------------------
 */

#ifdef FUNNEL_CHECK_INVARIANTS
/*
 * Run type's check on a state just changed (after a transition, a combine
 * or a recv) and raise XX000 naming the broken invariant: a bug in the
 * extension, never bad input (which input and recv refuse with 22P02/22P03).
 */
void
funnel_check_state(const FunnelStateType *type, const void *state)
{
	const char *problem;

	if (type->check == NULL || state == NULL)
		return;
	problem = type->check(state);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s state invariant broken: %s", type->name, problem)));
}
#endif

/* ------------------------------------------------------------------------
 * The arena (see the header comment)
 * ------------------------------------------------------------------------
 */

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

/*
 * The arena's reset callback: forget the registry entry (and the one-entry
 * cache) of the arena being reset or deleted.
 */
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

/* The arena of aggcxt: the registered one, or a new one registered now. */
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
