/*
 * events.h
 *		funnel.events: the state of the event-funnel aggregates
 *		(window_funnel, window_funnel_times, sequence_match, sequence_count),
 *		and the row collection their transition functions share.  events.c
 *		holds the type (I/O, combine, sort); each engine holds its transition
 *		and final functions (window_funnel.c, sequence.c).
 *
 * A flat varlena, in memory and on disk: a fixed header, the sequence
 * pattern's text (sequence aggregates only), then one EventRow per input row
 * that can matter for the answer: its clock value and the set of the
 * conditions that held on it (an EventMask).  Rows where no condition held
 * are kept only under a window_funnel mode that reads every row
 * (WF_ALL_ROWS_MODES: strict_order, which must know where unrelated events
 * fell).
 *
 * During aggregation the rows are in input order with spare capacity
 * (cap > n); EVENTS_SORTED says they happen to be in EventRow order
 * (events_row_cmp), which appended events usually are.  The final
 * functions sort the aggregate's own state in place (the value's meaning
 * does not depend on row order) and a private copy of any other argument
 * (events_final_arg).  The output and received forms have cap == n and
 * sorted rows; a state stored straight from an aggregate without a final
 * function keeps its working image.  send/recv write the fields with
 * wire.h's codec, never this memory image.
 */
#ifndef FUNNEL_EVENTS_H
#define FUNNEL_EVENTS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "compat.h"

#define EVENTS_TYPE "funnel.events"
#define EVENTS_VERSION 1

/* what the rows are for (fixed by the aggregate that made the state) */
#define EVENTS_KIND_FUNNEL 1	/* window_funnel, window_funnel_times */
#define EVENTS_KIND_SEQUENCE 2	/* sequence_match, sequence_count */

/* the clock column's type */
#define EVENTS_CLOCK_TIMESTAMPTZ 1	/* microseconds, PostgreSQL epoch */
#define EVENTS_CLOCK_TIMESTAMP 2
#define EVENTS_CLOCK_BIGINT 3	/* any integer clock */

/* flags */
#define EVENTS_SORTED 0x01

/*
 * The conditions that held on a row, as a bit set: bit i-1 = condition i.
 * An aggregate call takes at most one condition per bit.
 */
typedef uint32 EventMask;

#define EVENTS_MAX_CONDITIONS 32
StaticAssertDecl(EVENTS_MAX_CONDITIONS == sizeof(EventMask) * BITS_PER_BYTE,
				 "an EventMask holds one bit per condition");

/* a pattern's length is a uint16 (Events.patlen) */
#define EVENTS_MAX_PATTERN PG_UINT16_MAX

/* the set of conditions 1 .. n (1 <= n <= EVENTS_MAX_CONDITIONS) */
static inline EventMask
events_all_conditions(int n)
{
	return n == EVENTS_MAX_CONDITIONS ? ~(EventMask) 0 : ((EventMask) 1 << n) - 1;
}

/* the highest condition in a set (1 .. EVENTS_MAX_CONDITIONS), 0 for none */
static inline int
events_highest_condition(EventMask m)
{
	return m ? EVENTS_MAX_CONDITIONS - __builtin_clz(m) : 0;
}

typedef struct EventRow
{
	int64		ts;				/* clock value */
	EventMask	mask;			/* conditions that held */
	uint32		pad;			/* zero */
} EventRow;

typedef struct Events
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;			/* EVENTS_KIND_* */
	uint8		clock;			/* EVENTS_CLOCK_* */
	uint8		flags;			/* EVENTS_SORTED */
	uint8		nconds;			/* 1 .. EVENTS_MAX_CONDITIONS */
	uint8		mode;			/* WF_* flags (funnel kind, events_mode.h), 0 otherwise */
	uint16		patlen;			/* bytes of pattern text (sequence kind), no NUL */
	int32		n;				/* rows held (at most EVENTS_MAX_ROWS) */
	int32		cap;			/* rows allocated */
	int64		window;			/* funnel kind: window in clock units (>= 0) */
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* pattern, padded; rows */
} Events;

#define EVENTS_HEADER_SIZE 32
StaticAssertDecl(offsetof(Events, data) == EVENTS_HEADER_SIZE, "funnel.events header is 32 bytes");

#define EVENTS_ROWS_OFFSET(patlen) MAXALIGN(offsetof(Events, data) + (Size) (patlen))
#define EVENTS_SIZE(patlen, cap) (EVENTS_ROWS_OFFSET(patlen) + (Size) (cap) * sizeof(EventRow))
#define EVENTS_ROWS(e) ((EventRow *) ((char *) (e) + EVENTS_ROWS_OFFSET((e)->patlen)))
#define EVENTS_PATTERN(e) ((e)->data)

/* a state is one palloc: at most 1 GB */
#define EVENTS_MAX_ROWS ((int64) ((MaxAllocSize - EVENTS_SIZE(EVENTS_MAX_PATTERN, 0)) / sizeof(EventRow)))

/* the order the final functions read rows in: time, then lowest condition, then the set */
static inline int
events_row_cmp(const EventRow *a, const EventRow *b)
{
	int			ka;
	int			kb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	ka = a->mask ? __builtin_ctz(a->mask) : -1;
	kb = b->mask ? __builtin_ctz(b->mask) : -1;
	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (a->mask != b->mask)
		return a->mask < b->mask ? -1 : 1;
	return 0;
}

/* an array's element data (ARR_DATA_PTR without its sign-compare warning) */
static inline char *
events_array_data(ArrayType *a)
{
	return (char *) a + (ARR_HASNULL(a) ? (Size) a->dataoffset : ARR_OVERHEAD_NONULLS(ARR_NDIM(a)));
}

/* is element i of an array whose null bitmap is nulls (NULL: no NULLs) not NULL? */
static inline bool
events_array_elem_present(const bits8 *nulls, int i)
{
	return nulls == NULL || (nulls[i / BITS_PER_BYTE] & (1 << (i % BITS_PER_BYTE))) != 0;
}

/* the clock distance b - a, a <= b, as an unsigned number of clock units */
static inline uint64
events_span(int64 a, int64 b)
{
	return (uint64) b - (uint64) a;
}

/* a detoasted state from a datum (read-only) */
extern Events *events_from_datum(Datum d);

/* a final function's state argument, sorted (see events.c); NULL if NULL */
extern Events *events_final_arg(FunctionCallInfo fcinfo, int kind, const char *fn);

/* the name of a clock (EVENTS_CLOCK_*), as the text form and messages say it */
extern const char *events_clock_name(int clock);

/* ------------------------------------------------------------------------
 * Collecting rows: what the transition functions of window_funnel.c and
 * sequence.c share (events.c).
 *
 * The arguments that are constant for a query (window, mode, pattern,
 * number of conditions, clock type) are checked once per call site and
 * kept in fn_extra; every row only compares them with the cached values.
 * So is the name of the calling aggregate, which the messages use.  A
 * caller that gives a fresh FmgrInfo every row (Citus) has the cache made
 * anew every row: what it reads from the catalog is cached by function OID
 * for the backend (fninfo.c), so that costs hash probes, not lookups.
 * ------------------------------------------------------------------------
 */

/*
 * A call site's cache: an engine's own cache struct starts with this one,
 * and events_arg_cache allocates the whole struct.
 */
typedef struct EventsArgCache
{
	const char *fn;				/* the aggregate's name, for messages */
	int			tsarg;			/* argument numbers: the clock, */
	int			condarg;		/* the first condition (or the VARIADIC array) */
	bool		cond_args;		/* conditions are separate boolean arguments */
	bool		known;			/* the engine's query constants are cached */
	bool		must_read;		/* a group's state may disagree with a row: the
								 * rows at this call site differed in window,
								 * mode, pattern or number of conditions, or the
								 * aggregate may have an initial condition */
	uint8		clock;			/* EVENTS_CLOCK_*, from the ts argument's type */
	int			nconds;			/* of the current row */
	text	   *param;			/* mode or pattern text as given, or NULL */
} EventsArgCache;

/*
 * The call site's cache, made on the first row: size bytes (the engine's
 * struct), the time argument at tsarg, the conditions after it.
 */
extern EventsArgCache *events_arg_cache(FunctionCallInfo fcinfo, const char *family, Size size,
										int tsarg);

/* the declared type of argument argno of the function called (fninfo.c) */
extern Oid	events_argtype(FmgrInfo *fl, int argno);

/* EVENTS_CLOCK_* of a time argument's type (42804 for another type) */
extern int	events_clock_of_type(Oid typid);

/* the conditions of a VARIADIC array as a set; *nconds is set to their number */
extern EventMask events_conditions_mask(ArrayType *a, int *nconds, const char *fn);

/* 22008 for an infinite event time */
pg_noreturn extern void events_infinite_time(const char *fn) pg_attribute_noreturn();

/* keep the text of a query-constant argument (mode or pattern) in c->param */
extern void events_keep_param(FunctionCallInfo fcinfo, EventsArgCache *c, text *t);

/* a new state of a group: kind, clock, number of conditions, patlen bytes of pattern */
extern Events *events_start(int kind, int clock, int nconds, int patlen);

/* the group's state (argument 0, not NULL) to append to, of this kind and clock (22023) */
extern Events *events_own_state(FunctionCallInfo fcinfo, int kind, int clock, const char *fn);

/* the number of conditions may not change within a group (22023) */
extern void events_check_nconds(const Events *e, int n, const char *fn);

/* a copy of a full state with twice its room (54000 past EVENTS_MAX_ROWS) */
extern Events *events_grow(Events *e);

/* the transition and combine functions change their state in place: only in an aggregate */
static inline void
events_require_aggregate(FunctionCallInfo fcinfo, const char *fname)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
}

/*
 * What a transition or combine function returns when an input changes
 * nothing (a skipped row, a NULL state to merge): its state argument as it
 * is, NULL if NULL.
 */
static inline Datum
events_state_unchanged(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return PG_GETARG_DATUM(0);
}

/*
 * Read a row's conditions into *mask; false when the row is skipped: a NULL
 * among the arguments before the conditions (window, mode or pattern, the
 * time) or a NULL conditions array.  Conditions are the VARIADIC array or
 * (the overloads for 1 to 8 conditions, which spare the executor building
 * an array for every row) separate boolean arguments; NULL ones are false.
 * Until the call site's constants are known, a row read sets the clock.
 */
static inline bool
events_read_row(FunctionCallInfo fcinfo, EventsArgCache *c, EventMask *mask)
{
	int			i;

	for (i = 1; i <= c->tsarg; i++)
		if (PG_ARGISNULL(i))
			return false;
	if (!c->cond_args)
	{
		if (PG_ARGISNULL(c->condarg))
			return false;
		*mask = events_conditions_mask(PG_GETARG_ARRAYTYPE_P(c->condarg), &c->nconds, c->fn);
	}
	else
	{
		EventMask	m = 0;

		c->nconds = PG_NARGS() - c->condarg;
		for (i = 0; i < c->nconds; i++)
			if (!PG_ARGISNULL(c->condarg + i) && PG_GETARG_BOOL(c->condarg + i))
				m |= (EventMask) 1 << i;
		*mask = m;
	}
	if (!c->known)
		c->clock = (uint8) events_clock_of_type(events_argtype(fcinfo->flinfo, c->tsarg));
	return true;
}

/* the row's time (not NULL: events_read_row said so); 22008 if infinite */
static inline int64
events_row_time(FunctionCallInfo fcinfo, const EventsArgCache *c)
{
	int64		ts = DatumGetInt64(PG_GETARG_DATUM(c->tsarg));

	if (c->clock != EVENTS_CLOCK_BIGINT && TIMESTAMP_NOT_FINITE(ts))
		events_infinite_time(c->fn);
	return ts;
}

/* is t the query-constant text kept in c->param? */
static inline bool
events_param_is(const EventsArgCache *c, text *t)
{
	return c->param != NULL && VARSIZE_ANY_EXHDR(t) == VARSIZE_ANY_EXHDR(c->param) &&
		memcmp(VARDATA_ANY(t), VARDATA_ANY(c->param), VARSIZE_ANY_EXHDR(t)) == 0;
}

/* append one row; a grown state is made in the per-call context */
static inline Events *
events_append(Events *e, int64 ts, EventMask mask)
{
	EventRow   *rows;

	if (e->n == e->cap)
		e = events_grow(e);
	rows = EVENTS_ROWS(e);
	if (e->n > 0 && (e->flags & EVENTS_SORTED))
	{
		EventRow	r = {ts, mask, 0};

		if (events_row_cmp(&rows[e->n - 1], &r) > 0)
			e->flags &= ~EVENTS_SORTED;
	}
	rows[e->n].ts = ts;
	rows[e->n].mask = mask;
	rows[e->n].pad = 0;
	e->n++;
	return e;
}

/* ------------------------------------------------------------------------
 * What window_funnel.c lends to other engines (nextstep.c)
 * ------------------------------------------------------------------------
 */

/* an interval window as microseconds (a day 24 hours, a month 30 days; 22008 if too large) */
extern int64 window_usecs(Interval *iv, const char *fn);

/* the level of a sorted funnel state and the step times of window_funnel_times' chain */
extern int	window_funnel_chain(FunctionCallInfo fcinfo, Events *e, int64 *steps, const char *fn);

#endif							/* FUNNEL_EVENTS_H */
