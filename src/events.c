/*
 * events.c
 *		funnel.events: the state of the event-funnel aggregates.  The type's
 *		text and binary forms, its combine function, the sort the final
 *		functions start with, and the row collection that the transition
 *		functions of window_funnel.c and sequence.c share (events.h).
 *
 * The state is a flat varlena (events.h) that the transition functions
 * append to in place; it doubles when full, so it is copied O(log n)
 * times.  A new or grown state is made in the per-call context and
 * returned: nodeAgg copies a new pass-by-reference state into the
 * aggregate context and frees the old one.
 *
 * What a state means is the engines' business: this file checks a stored
 * mode with events_mode.c and a stored pattern with events_pattern.c, and
 * knows no more of either.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "events.h"
#include "events_mode.h"
#include "events_pattern.h"
#include "fninfo.h"
#include "textform.h"
#include "wire.h"

/*
 * The first allocation of a group: as many rows as fill the smallest
 * power-of-two chunk (palloc rounds up to one), from EVENTS_FIRST_CHUNK
 * bytes up, that holds at least EVENTS_FIRST_ROWS: 6 rows in 128 bytes
 * without a pattern.  Small, because in PostgreSQL 15 the states of a hash
 * aggregate share their memory context with the hash table's keys: every
 * byte of a state spreads the keys further apart and costs the lookups of
 * every row (on test/bench/events.sh's 1M users, 256 bytes were 1-4% slower
 * than 128, 512 bytes 10% slower; 64 bytes, which half the users outgrow,
 * 6% slower).
 */
#define EVENTS_FIRST_CHUNK 128
#define EVENTS_FIRST_ROWS 4

/*
 * The binary form: version, kind, clock, nconds and mode (a byte each),
 * window (8), pattern length (4) and bytes, number of rows (8), then per
 * row its time (8) and conditions (4); big-endian (wire.h).
 */
#define EVENTS_WIRE_HEADER (5 * sizeof(uint8) + sizeof(int64) + sizeof(uint32))
#define EVENTS_WIRE_COUNT sizeof(int64)
#define EVENTS_WIRE_ROW (sizeof(int64) + sizeof(uint32))

/* the text form's event: [time, conditions] */
#define EVENTS_JSON_EVENT_FIELDS 2

/* ---------------------------------------------------------------- the value */

/*
 * The header of an uncompressed, in-line state with a 4-byte header, checked
 * against the value's size before anything else is read: the pattern and
 * the n rows then lie inside the value.
 */
static Events *
events_checked(struct varlena *v)
{
	Events	   *e = (Events *) v;

	Assert(VARATT_IS_4B_U(v));
	if (VARSIZE(v) < offsetof(Events, data) ||
		e->version != EVENTS_VERSION ||
		(e->kind != EVENTS_KIND_FUNNEL && e->kind != EVENTS_KIND_SEQUENCE) ||
		e->clock < EVENTS_CLOCK_TIMESTAMPTZ || e->clock > EVENTS_CLOCK_BIGINT ||
		e->nconds < 1 || e->nconds > EVENTS_MAX_CONDITIONS ||
		e->n < 0 || e->cap < e->n ||
		VARSIZE(v) != EVENTS_SIZE(e->patlen, e->cap))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted %s value", EVENTS_TYPE)));
	return e;
}

/*
 * A state to read: detoasted (a value read from a table may be compressed,
 * stored out of line or have a 1-byte header; PG_DETOAST_DATUM then makes a
 * plain copy) and its header checked against its size.  The result may
 * point into a shared buffer: never written to.
 */
Events *
events_from_datum(Datum d)
{
	return events_checked(PG_DETOAST_DATUM(d));
}

/*
 * The state argument (argument 0, not NULL) of the transition and combine
 * functions, to append to in place.  Under nodeAgg or nodeWindowAgg (the
 * callers have checked AggCheckCallContext) the transition value is the
 * aggregate's own copy in its memory context -- they copy every new
 * pass-by-reference state and initial condition there -- but not
 * necessarily one this file made: a user's aggregate may use another
 * function beside ours (a moving-aggregate inverse function, say) that
 * returns a value read from a table, compressed or with a 1-byte header.
 * Only a plain in-line value is used in place, after its header is checked;
 * any other form is detoasted into a new copy, which the caller appends to
 * and returns (nodeAgg then copies it into its context and frees the old).
 */
static Events *
events_state_arg(FunctionCallInfo fcinfo)
{
	struct varlena *v = (struct varlena *) PG_GETARG_POINTER(0);

	return events_checked(VARATT_IS_4B_U(v) ? v : PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
}

/* a zeroed state with room for cap rows and patlen bytes of pattern, in cxt */
static Events *
events_alloc(MemoryContext cxt, int patlen, int64 cap)
{
	Events	   *e;

	e = MemoryContextAllocZero(cxt, EVENTS_SIZE(patlen, cap));
	SET_VARSIZE(e, EVENTS_SIZE(patlen, cap));
	e->version = EVENTS_VERSION;
	e->patlen = (uint16) patlen;
	e->cap = (int32) cap;
	return e;
}

/* a copy of e with room for cap >= e->n rows, in the current context */
static Events *
events_resized(const Events *e, int64 cap)
{
	Events	   *r = events_alloc(CurrentMemoryContext, e->patlen, cap);

	memcpy(r, e, EVENTS_ROWS_OFFSET(e->patlen) + (Size) e->n * sizeof(EventRow));
	SET_VARSIZE(r, EVENTS_SIZE(e->patlen, cap));
	r->cap = (int32) cap;
	return r;
}

/* the number of rows a group's first state holds (see EVENTS_FIRST_CHUNK) */
static int64
first_cap(int patlen)
{
	Size		chunk = EVENTS_FIRST_CHUNK;

	while (EVENTS_SIZE(patlen, EVENTS_FIRST_ROWS) > chunk)
		chunk *= 2;
	return (int64) ((chunk - EVENTS_ROWS_OFFSET(patlen)) / sizeof(EventRow));
}

/* 54000: a group's state would pass 1 GB */
static void
too_many_rows(bool say_row_size)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("an event funnel group can hold at most " INT64_FORMAT " matching rows (1 GB)", EVENTS_MAX_ROWS),
			 say_row_size ?
			 errdetail("Each row where a condition holds takes %d bytes of the group's state.", (int) sizeof(EventRow)) : 0,
			 errhint("Group by a finer key, or narrow the rows with WHERE.")));
}

/*
 * A full state, copied with twice its room (at least a first state's: an
 * initial condition has no room to spare, maybe none at all), in the
 * per-call context.
 */
Events *
events_grow(Events *e)
{
	if (e->cap >= EVENTS_MAX_ROWS)
		too_many_rows(true);
	return events_resized(e, Min(Max((int64) e->cap * 2, first_cap(e->patlen)), EVENTS_MAX_ROWS));
}

/* the text form's and the messages' name of a kind */
static const char *
kind_name(int kind)
{
	return kind == EVENTS_KIND_FUNNEL ? "window_funnel" : "sequence";
}

/* the text form's and the messages' name of a clock */
const char *
events_clock_name(int clock)
{
	switch (clock)
	{
		case EVENTS_CLOCK_TIMESTAMPTZ:
			return "timestamptz";
		case EVENTS_CLOCK_TIMESTAMP:
			return "timestamp";
		case EVENTS_CLOCK_BIGINT:
			return "bigint";
	}
	return "?";
}

/* ---------------------------------------------------------------- collecting rows */

/* the clock of a time argument's type: timestamptz, timestamp or bigint (42804) */
int
events_clock_of_type(Oid typid)
{
	switch (typid)
	{
		case TIMESTAMPTZOID:
			return EVENTS_CLOCK_TIMESTAMPTZ;
		case TIMESTAMPOID:
			return EVENTS_CLOCK_TIMESTAMP;
		case INT8OID:
			return EVENTS_CLOCK_BIGINT;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("event times must be timestamptz, timestamp or bigint, not %s", format_type_be(typid))));
	return 0;
}

/*
 * The conditions of one row as a set; NULL elements are false.  *nconds is
 * set to their number (1 to EVENTS_MAX_CONDITIONS, else 22023).
 */
EventMask
events_conditions_mask(ArrayType *a, int *nconds, const char *fn)
{
	int			n;
	bits8	   *nulls;
	const bool *v;
	EventMask	mask = 0;
	int			i;

	if (ARR_ELEMTYPE(a) != BOOLOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s conditions must be boolean", fn)));
	n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s conditions must be a one-dimensional array", fn)));
	if (n < 1 || n > EVENTS_MAX_CONDITIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s takes 1 to %d conditions, not %d", fn, EVENTS_MAX_CONDITIONS, n),
				 errhint(n < 1 ? "Pass at least one boolean condition after the time argument." :
						 "Split the funnel, or combine conditions with OR.")));
	*nconds = n;
	nulls = ARR_NULLBITMAP(a);
	v = (const bool *) events_array_data(a);
	if (nulls == NULL)
	{
		for (i = 0; i < n; i++)
			mask |= (EventMask) (v[i] != 0) << i;
	}
	else
	{
		int			k = 0;

		for (i = 0; i < n; i++)
		{
			if (events_array_elem_present(nulls, i))
				mask |= (EventMask) (v[k++] != 0) << i;
		}
	}
	return mask;
}

/* 22008: event times are finite (a NULL time skips the row instead) */
void
events_infinite_time(const char *fn)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("%s event times must be finite", fn),
			 errhint("Filter out rows with infinite times, or pass NULL to skip them.")));
}

/* the number of conditions may not change within a group (explicit VARIADIC arrays) */
void
events_check_nconds(const Events *e, int n, const char *fn)
{
	if (e->nconds != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s got %d conditions on one row and %d on another", fn, n, (int) e->nconds),
				 errdetail("Every row of a group must pass the same number of conditions.")));
}

/*
 * The group's state (argument 0, not NULL) to append to.  It is the
 * transition function's own, or the aggregate's initial condition: a
 * user's aggregate over these transition functions may give one of another
 * kind or clock (22023).
 */
Events *
events_own_state(FunctionCallInfo fcinfo, int kind, int clock, const char *fn)
{
	Events	   *e = events_state_arg(fcinfo);

	if (e->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot add rows to a %s state", fn, kind_name(e->kind)),
				 errdetail("The aggregate's initial condition is a %s state.", kind_name(e->kind)),
				 errhint("Give the aggregate an initial condition of kind \"%s\", or none.",
						 kind_name(kind))));
	if (e->clock != clock)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s event times are %s, but the state's clock is %s", fn,
						events_clock_name(clock), events_clock_name(e->clock)),
				 errdetail("The aggregate's initial condition is a state of %s times.", events_clock_name(e->clock)),
				 errhint("Give the aggregate an initial condition with clock \"%s\", or none.", events_clock_name(clock))));
	return e;
}

/*
 * A group's first state, in the per-call context, with room for a few rows:
 * no rows yet (so sorted), the engine fills in its window and mode or its
 * pattern.
 */
Events *
events_start(int kind, int clock, int nconds, int patlen)
{
	Events	   *e = events_alloc(CurrentMemoryContext, patlen, first_cap(patlen));

	e->kind = (uint8) kind;
	e->clock = (uint8) clock;
	e->flags = EVENTS_SORTED;
	e->nconds = (uint8) nconds;
	return e;
}

/*
 * The declared type of argument argno of the function called (fninfo.c):
 * the event transition functions have concrete argument types, so every
 * caller -- nodeAgg, or Citus through a fresh FmgrInfo without fn_expr --
 * gets the same, for a hash probe.
 */
Oid
events_argtype(FmgrInfo *fl, int argno)
{
	return funnel_fn_argtype(fl->fn_oid, argno);
}

/*
 * The name of the window functions of a WindowAgg that use this transition
 * function, when they all have one (NULL otherwise): a window aggregate has
 * no Aggref.
 */
static const char *
window_aggregate_name(FunctionCallInfo fcinfo)
{
	WindowAggState *winstate = (WindowAggState *) fcinfo->context;
	const char *name = NULL;
	ListCell   *lc;

	foreach(lc, winstate->funcs)
	{
		WindowFunc *wfunc = ((WindowFuncExprState *) lfirst(lc))->wfunc;
		FunnelAggFacts agg;

		if (!wfunc->winagg || !funnel_agg_facts(wfunc->winfnoid, &agg) ||
			agg.transfn != fcinfo->flinfo->fn_oid)
			continue;
		if (name != NULL && strcmp(name, agg.name) != 0)
			return NULL;		/* several: say the family */
		name = agg.name;
	}
	return name;
}

/*
 * The name of the aggregate a transition function works for, for messages
 * (window_funnel or window_funnel_times, sequence_match or sequence_count,
 * or a user's aggregate over the transition function), and whether that
 * aggregate may start from an initial condition (a state made elsewhere,
 * which its rows must be checked against).
 *
 * nodeAgg's Aggref tells, but only when its aggregate's transition function
 * is the function called: a caller may call us from inside an aggregate of
 * its own (Citus's worker_partial_agg, whose Aggref names itself).  A window
 * aggregate has no Aggref: the name of the window functions of its WindowAgg
 * that use this transition function when they all have one, taken to have
 * an initial condition.  Otherwise the function's OID tells: the aggregates
 * over it (each shipped aggregate has transition functions of its own, so
 * window_funnel_times and sequence_count are told from window_funnel and
 * sequence_match).  family when no single name is found.  Every lookup is
 * cached by OID for the backend (fninfo.c), so a caller giving a fresh
 * FmgrInfo every row pays hash probes, not catalog lookups.
 */
static void
aggregate_identity(FunctionCallInfo fcinfo, const char *family, const char **name, bool *initcond)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	FunnelAggFacts agg;

	if (aggref != NULL && funnel_agg_facts(aggref->aggfnoid, &agg) &&
		agg.transfn == fcinfo->flinfo->fn_oid)
	{
		*name = agg.name;
		*initcond = agg.has_initcond;
		return;
	}
	if (fcinfo->context != NULL && IsA(fcinfo->context, WindowAggState))
	{
		*name = window_aggregate_name(fcinfo);
		*initcond = true;
	}
	else
		*name = funnel_transfn_aggregate_name(fcinfo->flinfo->fn_oid, initcond);
	if (*name == NULL)
		*name = family;
}

/*
 * The call site's cache, made on its first row (fn_extra, size bytes: the
 * engine's struct, which starts with an EventsArgCache); family names the
 * aggregate if nothing better is known.  The argument layout is read from
 * the function's declared types: after the state come the engine's query constants
 * (window, mode, pattern), the clock at tsarg, then the conditions -- one
 * VARIADIC boolean[] array, or separate boolean arguments.
 */
EventsArgCache *
events_arg_cache(FunctionCallInfo fcinfo, const char *family, Size size, int tsarg)
{
	FmgrInfo   *fl = fcinfo->flinfo;
	int			last = PG_NARGS() - 1;
	EventsArgCache *c;

	Assert(fl->fn_extra == NULL && size >= sizeof(EventsArgCache));
	c = MemoryContextAllocZero(fl->fn_mcxt, size);
	aggregate_identity(fcinfo, family, &c->fn, &c->must_read);
	c->tsarg = tsarg;
	c->condarg = tsarg + 1;
	c->cond_args = events_argtype(fl, last) == BOOLOID;
	if (!c->cond_args && events_argtype(fl, last) != BOOLARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot tell its conditions' types", c->fn),
				 errdetail("The conditions must be boolean arguments or one boolean[] array.")));
	if (last < c->condarg || (c->cond_args && last - c->condarg + 1 > EVENTS_MAX_CONDITIONS))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s takes 1 to %d conditions, not %d", c->fn, EVENTS_MAX_CONDITIONS,
						Max(last - c->condarg + 1, 0))));
	fl->fn_extra = c;
	return c;
}

/* keep a copy of a query-constant text argument (mode or pattern) for the call site */
void
events_keep_param(FunctionCallInfo fcinfo, EventsArgCache *c, text *t)
{
	if (c->param)
		pfree(c->param);
	c->param = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(t));
	memcpy(c->param, t, VARSIZE_ANY(t));
}

/* ---------------------------------------------------------------- combine */

/* do two states come from the same aggregate call? (22023 if not) */
static void
check_compatible(const Events *a, const Events *b)
{
	if (a->kind != b->kind || a->clock != b->clock || a->nconds != b->nconds ||
		a->mode != b->mode || a->window != b->window || a->patlen != b->patlen ||
		memcmp(EVENTS_PATTERN(a), EVENTS_PATTERN(b), a->patlen) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine funnel.events states of different aggregate calls"),
				 errdetail("The states differ in kind, clock type, number of conditions, window, mode or pattern.")));
}

/*
 * events_combine(a, b): the rows of two partial states of one aggregate
 * call (parallel workers, Citus nodes), appended to a in place, or merged
 * into a's spare room when both are sorted runs that interleave.
 */
PG_FUNCTION_INFO_V1(events_combine);
Datum
events_combine(PG_FUNCTION_ARGS)
{
	Events	   *a;
	Events	   *b;
	EventRow   *ar;
	EventRow   *br;
	bool		sorted;

	events_require_aggregate(fcinfo, "funnel.events_combine");
	if (PG_ARGISNULL(1))
		return events_state_unchanged(fcinfo);
	b = events_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(b);	/* nodeAgg copies it into its context */
	a = events_state_arg(fcinfo);
	check_compatible(a, b);
	if (b->n == 0)
		PG_RETURN_POINTER(a);
	if (a->n > EVENTS_MAX_ROWS - b->n)
		too_many_rows(false);
	if (a->cap - a->n < b->n)
		a = events_resized(a, Min(Max((int64) a->cap * 2, (int64) a->n + b->n), EVENTS_MAX_ROWS));
	ar = EVENTS_ROWS(a);
	br = EVENTS_ROWS(b);
	sorted = (a->flags & EVENTS_SORTED) && (b->flags & EVENTS_SORTED);
	if (sorted && a->n > 0 && events_row_cmp(&ar[a->n - 1], &br[0]) > 0)
	{
		/*
		 * Two sorted runs that interleave (parallel workers each saw part of
		 * a user's events): merge them from the back into a's spare room, so
		 * the final function never sorts and nothing is allocated.
		 */
		int64		i = a->n - 1;
		int64		j = b->n - 1;
		int64		k = (int64) a->n + b->n - 1;

		while (j >= 0)
			ar[k--] = (i >= 0 && events_row_cmp(&ar[i], &br[j]) > 0) ? ar[i--] : br[j--];
	}
	else
	{
		memcpy(&ar[a->n], br, (Size) b->n * sizeof(EventRow));
		if (!sorted)
			a->flags &= ~EVENTS_SORTED;
	}
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------- sorting */

/* events_row_cmp for qsort */
static int
row_qsort_cmp(const void *a, const void *b)
{
	return events_row_cmp((const EventRow *) a, (const EventRow *) b);
}

/* sort a state's rows in place, unless they are known to be sorted */
static void
events_sort(Events *e)
{
	if (e->flags & EVENTS_SORTED)
		return;
	if (e->n > 1)
		qsort(EVENTS_ROWS(e), (size_t) e->n, sizeof(EventRow), row_qsort_cmp);
	e->flags |= EVENTS_SORTED;
}

/*
 * The state argument of a final function, its rows sorted; NULL for a NULL
 * argument.  A state of another kind raises 22023 naming fn.
 *
 * Called by the aggregate (nodeAgg or nodeWindowAgg: AggCheckCallContext),
 * the argument is the aggregate's own transition value, in its memory
 * context; an unsorted one is sorted in place.  Called directly, the
 * argument may be a stored value inside a shared buffer page, or a value the
 * caller goes on using: an unsorted one is copied (its rows only) and the
 * copy sorted.  A toasted or short-header argument is detoasted into a new
 * copy anyway.
 *
 * The in-place sort does not change the state's value: the rows are a
 * multiset that every reader takes in EventRow order, and EVENTS_SORTED stays
 * true to the row order (a later transition that appends out of order clears
 * it).  So the transition function may go on after the final function, as a
 * window aggregate does, and the final functions of several aggregates that
 * share one transition state (window_funnel and window_funnel_times over the
 * same arguments) see the same value: the event aggregates declare
 * FINALFUNC_MODIFY = READ_ONLY.  SHAREABLE or READ_WRITE would say that the
 * state cannot take more rows after the final function, which is not so, and
 * would forbid their use as window functions.
 */
Events *
events_final_arg(FunctionCallInfo fcinfo, int kind, const char *fn)
{
	Datum		d;
	Events	   *e;

	if (PG_ARGISNULL(0))
		return NULL;
	d = PG_GETARG_DATUM(0);
	e = events_from_datum(d);
	if (e->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot read a %s state", fn, kind_name(e->kind)),
				 errdetail("The state was built for %s.",
						   e->kind == EVENTS_KIND_FUNNEL ? "window_funnel or window_funnel_times" :
						   "sequence_match or sequence_count")));
	if (!(e->flags & EVENTS_SORTED))
	{
		if ((Pointer) e == DatumGetPointer(d) && !AggCheckCallContext(fcinfo, NULL))
			e = events_resized(e, e->n);
		events_sort(e);
	}
	return e;
}

/* ---------------------------------------------------------------- I/O */

/*
 * A compact copy (cap == n, rows sorted) for output: the stored form of a
 * value never depends on how it was built.
 */
static Events *
events_normalized(Datum d)
{
	Events	   *e = events_from_datum(d);
	Events	   *r = events_resized(e, e->n);

	events_sort(r);
	return r;
}

/* validate a state built by events_in or events_recv; bad() raises */
static void
events_validate(Events *e, void (*bad) (void *arg, const char *problem), void *arg)
{
	EventRow   *rows = EVENTS_ROWS(e);
	EventMask	allowed;
	bool		all_rows;
	int64		i;

	if (e->kind != EVENTS_KIND_FUNNEL && e->kind != EVENTS_KIND_SEQUENCE)
		bad(arg, "unknown kind");
	if (e->clock < EVENTS_CLOCK_TIMESTAMPTZ || e->clock > EVENTS_CLOCK_BIGINT)
		bad(arg, "unknown clock");
	if (e->nconds < 1 || e->nconds > EVENTS_MAX_CONDITIONS)
		bad(arg, "the number of conditions must be 1 to 32");
	if (e->kind == EVENTS_KIND_FUNNEL)
	{
		const char *problem;

		if (e->patlen != 0)
			bad(arg, "a window_funnel state has no pattern");
		problem = events_mode_problem(e->mode);
		if (problem)
			bad(arg, problem);
		if (e->window < 0)
			bad(arg, "negative window");
	}
	else
	{
		const char *problem;

		if (e->mode != 0 || e->window != 0)
			bad(arg, "a sequence state has no window or mode");
		/* a bad stored pattern is bad input (22P02/22P03), not a bad argument */
		problem = events_pattern_problem(EVENTS_PATTERN(e), e->patlen, e->nconds,
										 e->clock != EVENTS_CLOCK_BIGINT);
		if (problem)
			bad(arg, problem);
	}
	allowed = events_all_conditions(e->nconds);
	all_rows = e->kind == EVENTS_KIND_FUNNEL && (e->mode & WF_ALL_ROWS_MODES);
	for (i = 0; i < e->n; i++)
	{
		if (rows[i].mask & ~allowed)
			bad(arg, "an event has a condition beyond the number of conditions");
		if (rows[i].mask == 0 && !all_rows)
			bad(arg, "an event where no condition holds");
		if (e->clock != EVENTS_CLOCK_BIGINT && TIMESTAMP_NOT_FINITE(rows[i].ts))
			bad(arg, "an infinite event time");
		if (i > 0 && events_row_cmp(&rows[i - 1], &rows[i]) > 0)
			bad(arg, "events out of order");
	}
	e->flags = EVENTS_SORTED;
}

/* events_validate's bad() for the text form: 22P02 */
static void
text_bad(void *arg, const char *problem)
{
	jin_bad(EVENTS_TYPE, problem);
}

/*
 * Text form (JSON):
 *	{"version": 1, "kind": "window_funnel", "clock": "timestamptz",
 *	 "window": 3600000000, "mode": "strict_order", "conditions": 4,
 *	 "events": [[t, m], ...]}
 * or kind "sequence" with "pattern" instead of window and mode.  t is the
 * clock value (microseconds since 2000-01-01 for timestamp clocks), m the
 * set of the conditions that held (bit i-1 = condition i).
 */
PG_FUNCTION_INFO_V1(events_out);
Datum
events_out(PG_FUNCTION_ARGS)
{
	Events	   *e = events_normalized(PG_GETARG_DATUM(0));
	EventRow   *rows = EVENTS_ROWS(e);
	StringInfoData buf;
	int64		i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"kind\": \"%s\", \"clock\": \"%s\", ",
					 EVENTS_VERSION, kind_name(e->kind), events_clock_name(e->clock));
	if (e->kind == EVENTS_KIND_FUNNEL)
	{
		StringInfoData m;

		initStringInfo(&m);
		events_mode_append(&m, e->mode);
		appendStringInfo(&buf, "\"window\": " INT64_FORMAT ", \"mode\": ", e->window);
		append_json_string(&buf, m.data);
	}
	else
	{
		appendStringInfoString(&buf, "\"pattern\": ");
		append_json_string(&buf, pnstrdup(EVENTS_PATTERN(e), e->patlen));
	}
	appendStringInfo(&buf, ", \"conditions\": %d, \"events\": [", e->nconds);
	for (i = 0; i < e->n; i++)
		appendStringInfo(&buf, "%s[" INT64_FORMAT ", %u]", i ? ", " : "", rows[i].ts, rows[i].mask);
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* the text form (see events_out), validated as events_recv validates (22P02) */
PG_FUNCTION_INFO_V1(events_in);
Datum
events_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), EVENTS_TYPE);
	JsonbContainer *evs;
	char	   *kind;
	char	   *clock;
	char	   *pattern = "";
	int			patlen = 0;
	int64		nconds;
	uint32		n;
	uint32		i;
	Events	   *e;
	uint8		kindv = 0;
	uint8		clockv = 0;
	uint8		mode = 0;
	int64		window = 0;

	if (jin_int64(jin_get(obj, "version", true, EVENTS_TYPE), EVENTS_TYPE, "version") != EVENTS_VERSION)
		jin_bad(EVENTS_TYPE, "unknown version");
	kind = jin_string(jin_get(obj, "kind", true, EVENTS_TYPE), EVENTS_TYPE, "kind");
	if (strcmp(kind, kind_name(EVENTS_KIND_FUNNEL)) == 0)
		kindv = EVENTS_KIND_FUNNEL;
	else if (strcmp(kind, kind_name(EVENTS_KIND_SEQUENCE)) == 0)
		kindv = EVENTS_KIND_SEQUENCE;
	else
		jin_bad(EVENTS_TYPE, "kind must be \"window_funnel\" or \"sequence\"");
	clock = jin_string(jin_get(obj, "clock", true, EVENTS_TYPE), EVENTS_TYPE, "clock");
	for (i = EVENTS_CLOCK_TIMESTAMPTZ; i <= EVENTS_CLOCK_BIGINT; i++)
		if (strcmp(clock, events_clock_name(i)) == 0)
			clockv = (uint8) i;
	if (clockv == 0)
		jin_bad(EVENTS_TYPE, "clock must be \"timestamptz\", \"timestamp\" or \"bigint\"");
	nconds = jin_int64(jin_get(obj, "conditions", true, EVENTS_TYPE), EVENTS_TYPE, "conditions");
	if (nconds < 1 || nconds > EVENTS_MAX_CONDITIONS)
		jin_bad(EVENTS_TYPE, "the number of conditions must be 1 to 32");
	if (kindv == EVENTS_KIND_FUNNEL)
	{
		window = jin_int64(jin_get(obj, "window", true, EVENTS_TYPE), EVENTS_TYPE, "window");
		mode = events_mode_parse(jin_string(jin_get(obj, "mode", true, EVENTS_TYPE), EVENTS_TYPE, "mode"),
								 ERRCODE_INVALID_TEXT_REPRESENTATION, "window_funnel");
		if (jin_get(obj, "pattern", false, EVENTS_TYPE))
			jin_bad(EVENTS_TYPE, "a window_funnel state has no pattern");
	}
	else
	{
		pattern = jin_string(jin_get(obj, "pattern", true, EVENTS_TYPE), EVENTS_TYPE, "pattern");
		if (strlen(pattern) > EVENTS_MAX_PATTERN)
			jin_bad(EVENTS_TYPE, "the pattern is too long");
		patlen = (int) strlen(pattern);
		if (jin_get(obj, "window", false, EVENTS_TYPE) || jin_get(obj, "mode", false, EVENTS_TYPE))
			jin_bad(EVENTS_TYPE, "a sequence state has no window or mode");
	}
	evs = jin_array(jin_get(obj, "events", true, EVENTS_TYPE), EVENTS_TYPE, "events");
	n = jin_len(evs);
	if ((int64) n > EVENTS_MAX_ROWS)
		jin_bad(EVENTS_TYPE, "too many events");
	e = events_alloc(CurrentMemoryContext, patlen, n);
	e->kind = kindv;
	e->clock = clockv;
	e->nconds = (uint8) nconds;
	e->mode = mode;
	e->window = window;
	memcpy(EVENTS_PATTERN(e), pattern, patlen);
	for (i = 0; i < n; i++)
	{
		JsonbContainer *ev = jin_array(jin_at(evs, i), EVENTS_TYPE, "an event");
		int64		m;

		if (jin_len(ev) != EVENTS_JSON_EVENT_FIELDS)
			jin_bad(EVENTS_TYPE, "an event must be [time, conditions]");
		EVENTS_ROWS(e)[i].ts = jin_int64(jin_at(ev, 0), EVENTS_TYPE, "event time");
		m = jin_int64(jin_at(ev, 1), EVENTS_TYPE, "event conditions");
		if (m < 0 || m > (int64) PG_UINT32_MAX)
			jin_bad(EVENTS_TYPE, "event conditions out of range");
		EVENTS_ROWS(e)[i].mask = (EventMask) m;
	}
	e->n = (int32) n;
	events_validate(e, text_bad, NULL);
	PG_RETURN_POINTER(e);
}

/* binary form (EVENTS_WIRE_HEADER): header, pattern, number of rows, rows */
PG_FUNCTION_INFO_V1(events_send);
Datum
events_send(PG_FUNCTION_ARGS)
{
	Events	   *e = events_normalized(PG_GETARG_DATUM(0));
	EventRow   *rows = EVENTS_ROWS(e);
	StringInfoData buf;
	int64		i;

	pq_begintypsend(&buf);
	wire_put_u8(&buf, EVENTS_VERSION);
	wire_put_u8(&buf, e->kind);
	wire_put_u8(&buf, e->clock);
	wire_put_u8(&buf, e->nconds);
	wire_put_u8(&buf, e->mode);
	wire_put_i64(&buf, e->window);
	wire_put_bytes(&buf, EVENTS_PATTERN(e), e->patlen);
	wire_put_i64(&buf, e->n);
	for (i = 0; i < e->n; i++)
	{
		wire_put_i64(&buf, rows[i].ts);
		wire_put_u32(&buf, rows[i].mask);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* events_validate's bad() for the binary form: 22P03 (arg: the WireReader) */
static void
binary_bad(void *arg, const char *problem)
{
	wire_bad((WireReader *) arg, problem);
}

/* the binary form (see events_send), validated as events_in validates (22P03) */
PG_FUNCTION_INFO_V1(events_recv);
Datum
events_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	WireReader	r = {buf->data + buf->cursor, (Size) (buf->len - buf->cursor), 0, EVENTS_TYPE};
	uint8		version;
	uint8		kind;
	uint8		clock;
	uint8		nconds;
	uint8		mode;
	int64		window;
	uint32		patlen;
	const char *pattern;
	int64		n;
	int64		i;
	Events	   *e;

	wire_need(&r, EVENTS_WIRE_HEADER, "header");
	version = wire_get_u8(&r, "version");
	if (version != EVENTS_VERSION)
		wire_bad(&r, "unknown version");
	kind = wire_get_u8(&r, "kind");
	clock = wire_get_u8(&r, "clock");
	nconds = wire_get_u8(&r, "conditions");
	mode = wire_get_u8(&r, "mode");
	window = wire_get_i64(&r, "window");
	patlen = wire_get_u32(&r, "pattern length");
	if (patlen > EVENTS_MAX_PATTERN)
		wire_bad(&r, "bad pattern length");
	wire_need(&r, patlen + EVENTS_WIRE_COUNT, "pattern");
	pattern = r.data + r.pos;
	r.pos += patlen;
	n = wire_get_i64(&r, "number of events");
	if (n < 0 || n > EVENTS_MAX_ROWS || n > (int64) ((r.len - r.pos) / EVENTS_WIRE_ROW))
		wire_bad(&r, "bad number of events");
	if (r.len - r.pos != (Size) n * EVENTS_WIRE_ROW)
		wire_bad(&r, "wrong length");
	e = events_alloc(CurrentMemoryContext, (int) patlen, n);
	memcpy(EVENTS_PATTERN(e), pattern, patlen);
	e->kind = kind;
	e->clock = clock;
	e->nconds = nconds;
	e->mode = mode;
	e->window = window;
	for (i = 0; i < n; i++)
	{
		EVENTS_ROWS(e)[i].ts = wire_get_i64(&r, "event time");
		EVENTS_ROWS(e)[i].mask = wire_get_u32(&r, "event conditions");
	}
	e->n = (int32) n;
	events_validate(e, binary_bad, &r);
	buf->cursor = buf->len;
	PG_RETURN_POINTER(e);
}
