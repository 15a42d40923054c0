/*
 * events.h
 *		funnel.events: the state of the event-funnel aggregates
 *		(window_funnel, window_funnel_times, sequence_match, sequence_count),
 *		shared by events.c (type, transition, combine), window_funnel.c and
 *		sequence.c (final functions).
 *
 * A flat varlena, in memory and on disk: a fixed header, the sequence
 * pattern's text (sequence aggregates only), then one EventRow per input row
 * that can matter for the answer: its clock value and the bit set of the
 * conditions that held on it (bit i-1 = condition i).  Rows where no
 * condition held are kept only under a window_funnel mode that reads every
 * row (WF_ALL_ROWS_MODES: strict_order, which must know where unrelated
 * events fell).
 *
 * During aggregation the rows are in input order with spare capacity
 * (cap > n); EVENTS_SORTED says they happen to be in EventRow order
 * (events_row_cmp), which appended events usually are.  The final
 * functions sort the aggregate's own state in place (the value's meaning
 * does not depend on row order) and a private copy of any other argument
 * (events_final_arg).  The output and received forms have cap == n and
 * sorted rows; a state stored straight from an aggregate without a final
 * function keeps its working image.  send/recv use pq_send*, never this
 * memory image.
 */
#ifndef FUNNEL_EVENTS_H
#define FUNNEL_EVENTS_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"
#include "utils/memutils.h"

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

#define EVENTS_MAX_CONDITIONS 32
#define EVENTS_MAX_PATTERN 65535

typedef struct EventRow
{
	int64		ts;				/* clock value */
	uint32		mask;			/* conditions that held (bit i-1 = condition i) */
	uint32		pad;			/* zero */
} EventRow;

typedef struct Events
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;			/* EVENTS_KIND_* */
	uint8		clock;			/* EVENTS_CLOCK_* */
	uint8		flags;			/* EVENTS_SORTED */
	uint8		nconds;			/* 1 .. 32 */
	uint8		mode;			/* WF_* flags (funnel kind, events_mode.h), 0 otherwise */
	uint16		patlen;			/* bytes of pattern text (sequence kind), no NUL */
	int32		n;				/* rows held (at most EVENTS_MAX_ROWS) */
	int32		cap;			/* rows allocated */
	int64		window;			/* funnel kind: window in clock units (>= 0) */
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* pattern, padded; rows */
} Events;

StaticAssertDecl(offsetof(Events, data) == 32, "funnel.events header is 32 bytes");

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

/* a detoasted state from a datum (read-only) */
extern Events *events_from_datum(Datum d);

/* a final function's state argument, sorted (see events.c); NULL if NULL */
extern Events *events_final_arg(FunctionCallInfo fcinfo, int kind, const char *fn);

/* the clock distance b - a, a <= b, as an unsigned number of clock units */
static inline uint64
events_span(int64 a, int64 b)
{
	return (uint64) b - (uint64) a;
}

#endif							/* FUNNEL_EVENTS_H */
