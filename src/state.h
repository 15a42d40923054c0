/*
 * state.h
 *		The one skeleton of the extension's aggregate states (state.c): a
 *		table of functions per state type, and the plumbing every type shares.
 *
 * Disciplines.  funnel.pipeline, funnel.summary and funnel.pipeline_flow are
 * expanded objects (utils/expandeddatum.h) living in the aggregate's arena:
 * the transition function changes them in place and nodeAgg never copies
 * them; they are flattened only when stored, sent or printed.  funnel.journey
 * is a flat varlena grown by doubling (nodeAgg copies each bigger value once)
 * and funnel.conversion a fixed-size 16-byte value updated in place.  Every
 * type has a FunnelStateType: the flat types fill in only its name and
 * invariant check; the expanded types fill in every function, and then
 * get, transition, combine, send and recv below are written once for all.
 *
 * Rules every state function follows:
 *	- a state argument that is not the transition state is read-only: get
 *	  returns our expanded object itself, so output, final and accessor
 *	  functions never change it (sorting included); when they need a changed
 *	  state they change a copy (funnel_state_copy, funnel_sketch_view);
 *	- binary forms go through wire.h, whose errors are 22P03 "invalid <type>
 *	  value: <problem>"; send writes the portable form (type and labels by
 *	  name), recv reads it and the OID forms of the stored values;
 *	- with FUNNEL_CHECK_INVARIANTS defined (make FUNNEL_CHECKS=1, which
 *	  make test uses), every transition, combine and recv ends by checking
 *	  its state's invariants (XX000 when one is broken).
 */
#ifndef FUNNEL_STATE_H
#define FUNNEL_STATE_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/datum.h"
#include "utils/expandeddatum.h"

#include "sketch.h"
#include "wire.h"

typedef struct FunnelState FunnelState;
typedef struct FunnelStateType FunnelStateType;

struct FunnelStateType
{
	/*
	 * First, so that an expanded datum's eoh_methods pointer is the address
	 * of its type's table (expanded types only; zero for flat types).
	 */
	ExpandedObjectMethods methods;
	const char *name;			/* the SQL type, for messages */

	/* a new, empty state allocated in cxt */
	FunnelState *(*create) (MemoryContext cxt);
	/*
	 * the flat body (what flatten stores), with wire.h; with names, the body
	 * of the portable form send sends (labels and type through the
	 * dictionary, wire.h "Names instead of OIDs")
	 */
	void		(*write) (StringInfo buf, FunnelState *st, WireNames *names);

	/*
	 * a flat body read and validated into a new state in cxt (22P03); names:
	 * the dictionary of a portable body, or NULL (OIDs)
	 */
	FunnelState *(*read) (const char *data, Size len, MemoryContext cxt, bool check_catalog,
						  const WireNames *names);
	/* dst += src; src is read-only; fcinfo gives the caller's caches */
	void		(*merge) (FunnelState *dst, FunnelState *src, FunctionCallInfo fcinfo);
	/* the first broken invariant of a live state, or NULL (FUNNEL_CHECKER) */
	const char *(*check) (const void *state);

	/*
	 * the body holds the OIDs of its funnel type and labels: send writes the
	 * portable form (wire_names.c), recv reads it beside the OID form; other
	 * types send and receive their flat body as it is
	 */
	bool		holds_oids;
};

/* the expanded-object methods of every expanded state type */
#define FUNNEL_EXPANDED_METHODS {funnel_state_get_flat_size, funnel_state_flatten_into}

/* a type's check function, compiled only in checked builds */
#ifdef FUNNEL_CHECK_INVARIANTS
#define FUNNEL_CHECKER(fn) (fn)
#else
#define FUNNEL_CHECKER(fn) NULL
#endif

/* The header of every expanded state. */
struct FunnelState
{
	ExpandedObjectHeader hdr;
	const FunnelStateType *type;
	StringInfo	flat;			/* cached flat body, NULL when stale */
};

/* expanded-object plumbing */
extern void funnel_state_init(FunnelState *st, const FunnelStateType *type, MemoryContext cxt);
extern Size funnel_state_get_flat_size(ExpandedObjectHeader *eohptr);
extern void funnel_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

/* mark a state changed: its cached flat form is stale, and freed */
static inline void
funnel_state_touch(FunnelState *st)
{
	if (unlikely(st->flat != NULL))
	{
		pfree(st->flat);
		st->flat = NULL;
	}
}

/* reading a state argument */
extern FunnelState *funnel_state_get(const FunnelStateType *type, Datum d);
extern FunnelState *funnel_state_copy(FunnelState *st, MemoryContext cxt);
/* an aggregate's final function over a state of type: the state, handed on without a flatten */
extern Datum funnel_state_final(const FunnelStateType *type, FunctionCallInfo fcinfo);
extern struct varlena *funnel_flat_state_arg(FunctionCallInfo fcinfo);

/* an accessor's state argument, parsed once for the accessors over it (state_cache.c) */
extern FunnelState *funnel_state_get_cached(const FunnelStateType *type, Datum d);
/* empty the cache without freeing it (test/fuzz: its harness frees all memory per input) */
extern void funnel_state_cache_forget(void);

/*
 * Return an accessor's by-reference result (typlen -1 for a varlena, else
 * its fixed length) copied into the current memory context: it may point
 * into a cached state, which the next accessor's parse resets.
 */
#define FUNNEL_RETURN_COPY(d, typlen) return datumCopy((d), false, (typlen))

/* aggregate support */
/* The aggregate context of a transition or combine function (0A000 outside one). */
static inline MemoryContext
funnel_agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcxt;
}
extern FunnelState *funnel_state_transition_new(const FunnelStateType *type, FunctionCallInfo fcinfo,
												const char *fname);

/*
 * The transition state (argument 0), writable (0A000 outside an
 * aggregate): on every row but a group's first, the read-write expanded
 * object made then, changed in place (inline: per row); else, through
 * funnel_state_transition_new, a new one in the aggregate's arena.
 */
static inline FunnelState *
funnel_state_transition(const FunnelStateType *type, FunctionCallInfo fcinfo, const char *fname)
{
	(void) funnel_agg_context(fcinfo, fname);
	if (!PG_ARGISNULL(0))
	{
		Datum		d = PG_GETARG_DATUM(0);

		if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
			DatumGetEOHP(d)->eoh_methods == &type->methods)
			return (FunnelState *) DatumGetEOHP(d);
	}
	return funnel_state_transition_new(type, fcinfo, fname);
}
extern Datum funnel_state_result(FunnelState *st);
extern Datum funnel_state_combine(const FunnelStateType *type, FunctionCallInfo fcinfo,
								  const char *fname);
/*
 * The per-call-site cache in fn_extra (size bytes, zeroed the first time).
 * Only lookups live there: a caller may give a fresh FmgrInfo every call.
 */
static inline void *
funnel_fn_cache(FunctionCallInfo fcinfo, Size size)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, size);
	return fcinfo->flinfo->fn_extra;
}

/*
 * The prologue of a transition function for a row it skips (a NULL
 * argument): the state goes on unchanged, and a group with no row yet
 * stays NULL.  Use: if (PG_ARGISNULL(1)) return funnel_state_unchanged(fcinfo);
 */
static inline Datum
funnel_state_unchanged(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/* I/O */
extern void *funnel_sorted_copy(const void *items, int n, Size size,
								int (*cmp) (const void *, const void *));
extern int	funnel_label_cmp(const void *a, const void *b);
extern Datum funnel_state_flat(FunnelState *st);
extern void funnel_state_refuse(const char *type, bool binary, const char *problem);
extern void funnel_add_count(int64 *dst, int64 v, const char *type);
extern Datum funnel_state_send(const FunnelStateType *type, Datum d);
extern Datum funnel_state_recv(const FunnelStateType *type, StringInfo msg);

/* sketches inside states: read without sorting, checked without changing */
extern QSketch *funnel_sketch_view(QSketch *qs, QSketch *copy);
extern void funnel_sketch_wire_write(StringInfo buf, QSketch *qs);
extern void funnel_sketch_json_write(StringInfo buf, QSketch *qs);
extern const char *funnel_sketch_problem(const QSketch *qs);

/* invariant checks (XX000), a no-op unless FUNNEL_CHECK_INVARIANTS */
#ifdef FUNNEL_CHECK_INVARIANTS
extern void funnel_check_state(const FunnelStateType *type, const void *state);

#define FUNNEL_CHECK_STATE(type, state) funnel_check_state((type), (state))
#else
#define FUNNEL_CHECK_STATE(type, state) ((void) (type), (void) (state))
#endif

/*
 * The memory context, a child of aggcxt, shared by the aggregate states
 * created under aggcxt (found through a static registry, never through the
 * caller's fn_extra).
 */
extern MemoryContext funnel_state_arena(MemoryContext aggcxt);

#endif							/* FUNNEL_STATE_H */
