/*
 * nextstep.c
 *		Next and previous steps of an event funnel: "where did they go"
 *		(Kusto's funnel_sequence, ClickHouse's sequenceNextNode).
 *
 * Two levels, as the other event aggregates:
 *
 *	funnel.next_step(window, [mode,] ts, label, VARIADIC steps) -- per entity,
 *	a funnel.next_step_result: the level window_funnel gives, the times of
 *	step 1 and of the last step reached of the chain window_funnel_times
 *	reports (the fastest reaching the level), and the labelled events just
 *	around that chain: the first one strictly after its last step (next) and
 *	the last one strictly before its step 1 (previous).  Among events at one
 *	instant the smallest label in byte order (COLLATE "C") is taken; events
 *	with a NULL label take part in the steps but are never next or previous.
 *	The next event is looked for in the whole history after the step, not
 *	only within the window: its time is returned, so a horizon is a WHERE.
 *	Its state, funnel.next_step_events, holds each row's time, the set of
 *	steps that held and its label (window_funnel's rows plus a label).
 *
 *	funnel.next_steps(level, label, key) -- over entities, a
 *	funnel.next_steps: per (level, label) the number of rows and the
 *	NS_SAMPLES smallest distinct keys (byte order), exact, at most
 *	NS_MAX_ENTRIES pairs (54000 above).  funnel.next_step_report turns it
 *	into rows: level, label, entities, share of the level, sample keys.
 *
 * The chain search is window_funnel.c's (window_funnel_chain), so the
 * levels and the chain are window_funnel's and window_funnel_times' under
 * every mode.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "events.h"
#include "events_mode.h"
#include "srf.h"
#include "state.h"
#include "textform.h"
#include "wire.h"

/* the longest label or sample key, in bytes */
#define NS_MAX_TEXT 512

/* ======================================================================
 * funnel.next_step_events: one entity's labelled events
 * ======================================================================
 */

#define NSE_TYPE "funnel.next_step_events"
#define NSE_VERSION 1
#define NSE_FN "next_step"

/*
 * A flat varlena grown by doubling, appended to in place by the transition
 * function (as funnel.events, events.c): a header, then rows, each an NsRow
 * followed by its label's bytes padded to 8.  The rows are in input order;
 * nothing reads them in that order.
 */
typedef struct NsEvents
{
	int32		vl_len_;
	uint8		version;
	uint8		nconds;			/* 1 .. EVENTS_MAX_CONDITIONS */
	uint8		mode;			/* WF_* flags (events_mode.h) */
	uint8		pad;			/* zero */
	int32		n;				/* rows */
	int64		window;			/* microseconds, >= 0 */
	int64		used;			/* bytes of rows in use (after the header) */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} NsEvents;

#define NSE_HEADER_SIZE 32
StaticAssertDecl(offsetof(NsEvents, data) == NSE_HEADER_SIZE, "next_step_events header is 32 bytes");

typedef struct NsRow
{
	int64		ts;				/* timestamptz */
	EventMask	mask;			/* the steps that held */
	int32		len;			/* label bytes, -1 for a NULL label */
} NsRow;

#define NSE_ROW_SIZE(len) (sizeof(NsRow) + TYPEALIGN(8, (Size) Max((len), 0)))
#define NSE_ROOM(e) ((Size) VARSIZE(e) - NSE_HEADER_SIZE)
#define NSE_FIRST_ROOM 256
#define NSE_MAX_ROOM ((Size) (MaxAllocSize - NSE_HEADER_SIZE))

/* the label bytes of a row */
static inline const char *
nse_label(const NsRow *r)
{
	return (const char *) r + sizeof(NsRow);
}

/* the row after r */
static inline const NsRow *
nse_next_row(const NsRow *r)
{
	return (const NsRow *) ((const char *) r + NSE_ROW_SIZE(r->len));
}

/* the first row */
static inline NsRow *
nse_rows(NsEvents *e)
{
	return (NsRow *) e->data;
}

/* XX001 for a value whose layout is broken */
static void
nse_corrupted(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted %s value", NSE_TYPE)));
}

/*
 * The header of an in-line, uncompressed value checked against its size:
 * enough to append to it (the transition and combine functions, once per
 * row, so without walking the rows).
 */
static NsEvents *
nse_header_checked(struct varlena *v)
{
	NsEvents   *e = (NsEvents *) v;

	if (VARSIZE(v) < NSE_HEADER_SIZE || e->version != NSE_VERSION ||
		e->nconds < 1 || e->nconds > EVENTS_MAX_CONDITIONS || e->n < 0 ||
		e->used < 0 || (Size) e->used > NSE_ROOM(e))
		nse_corrupted();
	return e;
}

/*
 * The header and every row checked against the rows area, before the rows
 * are read (a value from a table may be a crafted one that passed no input
 * function: a corrupted page).
 */
static NsEvents *
nse_checked(struct varlena *v)
{
	NsEvents   *e = nse_header_checked(v);
	Size		pos = 0;
	int32		i;

	for (i = 0; i < e->n; i++)
	{
		const NsRow *r = (const NsRow *) (e->data + pos);

		if ((Size) e->used - pos < sizeof(NsRow) || r->len < -1 || r->len > NS_MAX_TEXT ||
			(Size) e->used - pos < NSE_ROW_SIZE(r->len))
			nse_corrupted();
		pos += NSE_ROW_SIZE(r->len);
	}
	if (pos != (Size) e->used)
		nse_corrupted();
	return e;
}

/* a detoasted, checked value to read */
static NsEvents *
nse_from_datum(Datum d)
{
	return nse_checked(PG_DETOAST_DATUM(d));
}

/* an empty value with room bytes for rows, in the current context */
static NsEvents *
nse_alloc(Size room)
{
	NsEvents   *e = palloc0(NSE_HEADER_SIZE + room);

	SET_VARSIZE(e, NSE_HEADER_SIZE + room);
	e->version = NSE_VERSION;
	return e;
}

/* a copy of e with room for at least need bytes of rows (54000 past 1 GB) */
static NsEvents *
nse_make_room(NsEvents *e, Size need)
{
	Size		room = NSE_ROOM(e);
	NsEvents   *r;

	if (need <= room)
		return e;
	if (need > NSE_MAX_ROOM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a %s group can hold at most 1 GB of events", NSE_FN),
				 errdetail("Each row takes 16 bytes plus its label."),
				 errhint("Group by a finer key, or narrow the rows with WHERE.")));
	room = Max(room, NSE_FIRST_ROOM);
	while (room < need)
		room = Min(room * 2, NSE_MAX_ROOM);
	r = nse_alloc(room);
	memcpy(r, e, NSE_HEADER_SIZE + e->used);
	SET_VARSIZE(r, NSE_HEADER_SIZE + room);
	return r;
}

/* append one row; the value returned may be a new one (in the current context) */
static NsEvents *
nse_append(NsEvents *e, int64 ts, EventMask mask, const char *label, int32 len)
{
	NsRow	   *r;

	e = nse_make_room(e, (Size) e->used + NSE_ROW_SIZE(len));
	r = (NsRow *) (e->data + e->used);
	memset(r, 0, NSE_ROW_SIZE(len));
	r->ts = ts;
	r->mask = mask;
	r->len = len;
	if (len > 0)
		memcpy(r + 1, label, len);
	e->used += NSE_ROW_SIZE(len);
	e->n++;
	return e;
}

/* 22001 for a label or key longer than NS_MAX_TEXT bytes */
static void
ns_check_text_length(Size len, const char *fn, const char *what)
{
	if (len > NS_MAX_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s %s is longer than %d bytes", fn, what, NS_MAX_TEXT),
				 errhint("Pass a shorter value, e.g. left(%s, %d).", what, NS_MAX_TEXT)));
}

/* the call site's cache: the window and mode as last read */
typedef struct NsArgCache
{
	bool		known;
	Interval	window_iv;
	int64		window;
	text	   *mode_text;		/* in fn_mcxt, or NULL */
	uint8		mode;
} NsArgCache;

/* the row's window in microseconds (22023 if negative), cached by its interval */
static int64
ns_window(NsArgCache *c, Interval *iv)
{
	if (c->known && memcmp(iv, &c->window_iv, sizeof(Interval)) == 0)
		return c->window;
	c->window = window_usecs(iv, NSE_FN);
	if (c->window < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s window must not be negative", NSE_FN),
				 errdetail("The window is %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv))))));
	c->window_iv = *iv;
	c->known = true;
	return c->window;
}

/* the row's mode, parsed once per distinct text (22023 for an unknown mode) */
static uint8
ns_mode(FunctionCallInfo fcinfo, NsArgCache *c, text *t)
{
	char	   *s;

	if (c->mode_text != NULL && VARSIZE_ANY_EXHDR(t) == VARSIZE_ANY_EXHDR(c->mode_text) &&
		memcmp(VARDATA_ANY(t), VARDATA_ANY(c->mode_text), VARSIZE_ANY_EXHDR(t)) == 0)
		return c->mode;
	s = text_to_cstring(t);
	c->mode = events_mode_parse(s, ERRCODE_INVALID_PARAMETER_VALUE, NSE_FN);
	pfree(s);
	if (c->mode_text)
		pfree(c->mode_text);
	c->mode_text = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(t));
	memcpy(c->mode_text, t, VARSIZE_ANY(t));
	return c->mode;
}

/*
 * next_step_transfn(state, window, [mode,] ts, label, steps[]): one event.
 * A row with a NULL window, mode, ts or steps array is skipped; a NULL step
 * is false; a NULL label is kept (the row may be a step) but never named.
 * A row where no step holds and with no label matters only under
 * strict_order, which must see every event.
 */
PG_FUNCTION_INFO_V1(next_step_transfn);
Datum
next_step_transfn(PG_FUNCTION_ARGS)
{
	bool		has_mode = PG_NARGS() == 6;
	int			tsarg = has_mode ? 3 : 2;
	NsArgCache *c;
	int64		window;
	uint8		mode = 0;
	EventMask	mask;
	int			nconds;
	int64		ts;
	const char *label = NULL;
	int32		len = -1;
	NsEvents   *e;
	int			i;

	events_require_aggregate(fcinfo, "funnel.next_step_transfn");
	for (i = 1; i <= tsarg; i++)
		if (PG_ARGISNULL(i))
			return events_state_unchanged(fcinfo);
	if (PG_ARGISNULL(tsarg + 2))
		return events_state_unchanged(fcinfo);
	c = (NsArgCache *) funnel_fn_cache(fcinfo, sizeof(NsArgCache));
	window = ns_window(c, PG_GETARG_INTERVAL_P(1));
	if (has_mode)
		mode = ns_mode(fcinfo, c, PG_GETARG_TEXT_PP(2));
	mask = events_conditions_mask(PG_GETARG_ARRAYTYPE_P(tsarg + 2), &nconds, NSE_FN);
	ts = PG_GETARG_TIMESTAMPTZ(tsarg);
	if (TIMESTAMP_NOT_FINITE(ts))
		events_infinite_time(NSE_FN);
	if (!PG_ARGISNULL(tsarg + 1))
	{
		text	   *t = PG_GETARG_TEXT_PP(tsarg + 1);

		len = (int32) VARSIZE_ANY_EXHDR(t);
		ns_check_text_length(len, NSE_FN, "label");
		label = VARDATA_ANY(t);
	}

	if (PG_ARGISNULL(0))
	{
		e = nse_alloc(NSE_FIRST_ROOM);
		e->nconds = (uint8) nconds;
		e->mode = mode;
		e->window = window;
	}
	else
	{
		struct varlena *v = (struct varlena *) PG_GETARG_POINTER(0);

		/* our own in-line value is changed in place; any other form is copied */
		e = nse_header_checked(VARATT_IS_4B_U(v) ? v : PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
		if (e->window != window || e->mode != mode)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s window and mode must be the same for every row of a group", NSE_FN)));
		if (e->nconds != nconds)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s number of steps must be the same for every row of a group", NSE_FN),
					 errdetail("The group started with %d steps; this row has %d.", (int) e->nconds, nconds)));
	}
	if (mask == 0 && len < 0 && !(mode & WF_ALL_ROWS_MODES))
		PG_RETURN_POINTER(e);
	PG_RETURN_POINTER(nse_append(e, ts, mask, label, len));
}

/* next_step_combine(a, b): the rows of two partial states of one call, appended to a */
PG_FUNCTION_INFO_V1(next_step_combine);
Datum
next_step_combine(PG_FUNCTION_ARGS)
{
	NsEvents   *a;
	NsEvents   *b;
	struct varlena *v;

	events_require_aggregate(fcinfo, "funnel.next_step_combine");
	if (PG_ARGISNULL(1))
		return events_state_unchanged(fcinfo);
	b = nse_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(b);	/* nodeAgg copies it into its context */
	v = (struct varlena *) PG_GETARG_POINTER(0);
	a = nse_header_checked(VARATT_IS_4B_U(v) ? v : PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
	if (a->nconds != b->nconds || a->mode != b->mode || a->window != b->window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine %s states of different aggregate calls", NSE_TYPE),
				 errdetail("The states differ in number of steps, window or mode.")));
	if (b->n == 0)
		PG_RETURN_POINTER(a);
	if ((Size) b->used > NSE_MAX_ROOM - (Size) a->used || a->n > PG_INT32_MAX - b->n)
		(void) nse_make_room(a, NSE_MAX_ROOM + 1);	/* raises 54000 */
	a = nse_make_room(a, (Size) a->used + (Size) b->used);
	memcpy(a->data + a->used, b->data, b->used);
	a->used += b->used;
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

/* qsort order of EventRow (events.h) */
static int
ns_eventrow_cmp(const void *a, const void *b)
{
	return events_row_cmp((const EventRow *) a, (const EventRow *) b);
}

/* byte order of two labels (COLLATE "C"): memcmp, then the shorter first */
static int
ns_text_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/*
 * The funnel.events value window_funnel would build from e's rows, sorted
 * (rows where no step holds only under the modes that read every row).
 */
static Events *
nse_funnel_events(NsEvents *e)
{
	EventRow   *rows = palloc(sizeof(EventRow) * Max(e->n, 1));
	const NsRow *r = nse_rows(e);
	bool		all_rows = (e->mode & WF_ALL_ROWS_MODES) != 0;
	Events	   *ev;
	int32		n = 0;
	int32		i;

	for (i = 0; i < e->n; i++, r = nse_next_row(r))
		if (r->mask != 0 || all_rows)
		{
			rows[n].ts = r->ts;
			rows[n].mask = r->mask;
			rows[n].pad = 0;
			n++;
		}
	if (n > 1)
		qsort(rows, n, sizeof(EventRow), ns_eventrow_cmp);
	ev = events_start(EVENTS_KIND_FUNNEL, EVENTS_CLOCK_TIMESTAMPTZ, e->nconds, 0);
	ev->mode = e->mode;
	ev->window = e->window;
	for (i = 0; i < n; i++)
		ev = events_append(ev, rows[i].ts, rows[i].mask);
	pfree(rows);
	return ev;
}

/* is labelled row a a better "next" than b: earlier, then the smaller label */
static bool
ns_better_next(const NsRow *a, const NsRow *b)
{
	if (b == NULL)
		return true;
	if (a->ts != b->ts)
		return a->ts < b->ts;
	return ns_text_cmp(nse_label(a), a->len, nse_label(b), b->len) < 0;
}

/* is labelled row a a better "previous" than b: later, then the smaller label */
static bool
ns_better_previous(const NsRow *a, const NsRow *b)
{
	if (b == NULL)
		return true;
	if (a->ts != b->ts)
		return a->ts > b->ts;
	return ns_text_cmp(nse_label(a), a->len, nse_label(b), b->len) < 0;
}

/* the result's columns */
enum
{
	NSR_LEVEL,
	NSR_ENTERED_AT,
	NSR_REACHED_AT,
	NSR_NEXT_LABEL,
	NSR_NEXT_AT,
	NSR_PREVIOUS_LABEL,
	NSR_PREVIOUS_AT,
	NSR_NCOLS
};

/*
 * next_step's final function: a funnel.next_step_result (see the header
 * comment); level 0 and NULLs for a group without a step-1 event (or
 * without rows).
 */
PG_FUNCTION_INFO_V1(next_step_final);
Datum
next_step_final(PG_FUNCTION_ARGS)
{
	TupleDesc	td;
	Datum		values[NSR_NCOLS];
	bool		nulls[NSR_NCOLS];
	int			level = 0;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE || td->natts != NSR_NCOLS)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("funnel.next_step_final must return funnel.next_step_result")));
	td = BlessTupleDesc(td);
	for (i = 0; i < NSR_NCOLS; i++)
		nulls[i] = true;
	if (!PG_ARGISNULL(0))
	{
		NsEvents   *e = nse_from_datum(PG_GETARG_DATUM(0));
		int64		steps[EVENTS_MAX_CONDITIONS];
		Events	   *ev = nse_funnel_events(e);

		level = window_funnel_chain(fcinfo, ev, steps, NSE_FN);
		if (level > 0)
		{
			int64		first = steps[0];
			int64		last = steps[level - 1];
			const NsRow *next = NULL;
			const NsRow *prev = NULL;
			const NsRow *r = nse_rows(e);

			for (i = 0; i < e->n; i++, r = nse_next_row(r))
			{
				if (r->len < 0)
					continue;
				if (r->ts > last && ns_better_next(r, next))
					next = r;
				if (r->ts < first && ns_better_previous(r, prev))
					prev = r;
			}
			values[NSR_ENTERED_AT] = TimestampTzGetDatum(first);
			values[NSR_REACHED_AT] = TimestampTzGetDatum(last);
			nulls[NSR_ENTERED_AT] = nulls[NSR_REACHED_AT] = false;
			if (next)
			{
				values[NSR_NEXT_LABEL] = PointerGetDatum(cstring_to_text_with_len(nse_label(next), next->len));
				values[NSR_NEXT_AT] = TimestampTzGetDatum(next->ts);
				nulls[NSR_NEXT_LABEL] = nulls[NSR_NEXT_AT] = false;
			}
			if (prev)
			{
				values[NSR_PREVIOUS_LABEL] = PointerGetDatum(cstring_to_text_with_len(nse_label(prev), prev->len));
				values[NSR_PREVIOUS_AT] = TimestampTzGetDatum(prev->ts);
				nulls[NSR_PREVIOUS_LABEL] = nulls[NSR_PREVIOUS_AT] = false;
			}
		}
		pfree(ev);
	}
	values[NSR_LEVEL] = Int32GetDatum(level);
	nulls[NSR_LEVEL] = false;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* ---------------------------------------------------------------- next_step_events I/O */

/*
 * The first problem of a value read by input or recv, or NULL: header
 * fields, and per row a finite time, steps within the number of steps, a
 * label of at most NS_MAX_TEXT bytes, valid in the database encoding and
 * without a NUL byte.
 */
static const char *
nse_problem(NsEvents *e)
{
	EventMask	allowed;
	const NsRow *r = nse_rows(e);
	int32		i;

	if (e->nconds < 1 || e->nconds > EVENTS_MAX_CONDITIONS)
		return "the number of steps must be 1 to 32";
	if (events_mode_problem(e->mode))
		return events_mode_problem(e->mode);
	if (e->window < 0)
		return "negative window";
	allowed = events_all_conditions(e->nconds);
	for (i = 0; i < e->n; i++, r = nse_next_row(r))
	{
		if (TIMESTAMP_NOT_FINITE(r->ts))
			return "an infinite event time";
		if (r->mask & ~allowed)
			return "an event has a step beyond the number of steps";
		if (r->len > 0 && (memchr(nse_label(r), '\0', r->len) != NULL ||
						   !pg_verify_mbstr(GetDatabaseEncoding(), nse_label(r), r->len, true)))
			return "a label is not valid text in the database encoding";
	}
	return NULL;
}

/* canonical row order of the output forms: time, steps, no label first, label bytes */
static int
nse_row_order(const void *a, const void *b)
{
	const NsRow *x = *(const NsRow *const *) a;
	const NsRow *y = *(const NsRow *const *) b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->mask != y->mask)
		return x->mask < y->mask ? -1 : 1;
	if ((x->len < 0) != (y->len < 0))
		return x->len < 0 ? -1 : 1;
	if (x->len < 0)
		return 0;
	return ns_text_cmp(nse_label(x), x->len, nse_label(y), y->len);
}

/*
 * The rows in canonical order (palloc'd pointers): the output forms of a
 * value never depend on the order its rows came in (serial, parallel).
 */
static const NsRow **
nse_sorted_rows(NsEvents *e)
{
	const NsRow **p = palloc(sizeof(NsRow *) * Max(e->n, 1));
	const NsRow *r = nse_rows(e);
	int32		i;

	for (i = 0; i < e->n; i++, r = nse_next_row(r))
		p[i] = r;
	if (e->n > 1)
		qsort(p, e->n, sizeof(NsRow *), nse_row_order);
	return p;
}

/*
 * The value with its rows in canonical order: what text and binary input
 * return, so that a value read back from either form is the same bytes as
 * the one read from the other (out and send write canonical order).
 */
static NsEvents *
nse_canonical(NsEvents *e)
{
	const NsRow **rows = nse_sorted_rows(e);
	NsEvents   *c = nse_alloc(Max(e->used, NSE_FIRST_ROOM));
	int32		i;

	c->window = e->window;
	c->mode = e->mode;
	c->nconds = e->nconds;
	for (i = 0; i < e->n; i++)
		c = nse_append(c, rows[i]->ts, rows[i]->mask,
					   rows[i]->len > 0 ? nse_label(rows[i]) : NULL, rows[i]->len);
	pfree(rows);
	return c;
}

/*
 * Text form (JSON): {"version": 1, "window": W, "mode": "strict_order",
 * "steps": n, "events": [[t, m, "label"], [t, m, null], ...]}: W and t in
 * microseconds (t since 2000-01-01), m the set of steps that held (bit i-1
 * = step i), rows in canonical order (nse_row_order).
 */
PG_FUNCTION_INFO_V1(next_step_events_out);
Datum
next_step_events_out(PG_FUNCTION_ARGS)
{
	NsEvents   *e = nse_from_datum(PG_GETARG_DATUM(0));
	const NsRow **rows = nse_sorted_rows(e);
	StringInfoData buf;
	StringInfoData m;
	int32		i;

	initStringInfo(&buf);
	initStringInfo(&m);
	events_mode_append(&m, e->mode);
	appendStringInfo(&buf, "{\"version\": %d, \"window\": " INT64_FORMAT ", \"mode\": ", NSE_VERSION, e->window);
	append_json_string(&buf, m.data);
	appendStringInfo(&buf, ", \"steps\": %d, \"events\": [", e->nconds);
	for (i = 0; i < e->n; i++)
	{
		const NsRow *r = rows[i];

		appendStringInfo(&buf, "%s[" INT64_FORMAT ", %u, ", i ? ", " : "", r->ts, r->mask);
		if (r->len < 0)
			appendStringInfoString(&buf, "null");
		else
			append_json_string(&buf, pnstrdup(nse_label(r), r->len));
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* the text form, validated (22P02) */
PG_FUNCTION_INFO_V1(next_step_events_in);
Datum
next_step_events_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), NSE_TYPE);
	JsonbContainer *evs;
	NsEvents   *e = nse_alloc(NSE_FIRST_ROOM);
	int64		nconds;
	uint32		n;
	uint32		i;
	const char *problem;

	if (jin_int64(jin_get(obj, "version", true, NSE_TYPE), NSE_TYPE, "version") != NSE_VERSION)
		jin_bad(NSE_TYPE, "unknown version");
	e->window = jin_int64(jin_get(obj, "window", true, NSE_TYPE), NSE_TYPE, "window");
	e->mode = events_mode_parse(jin_string(jin_get(obj, "mode", true, NSE_TYPE), NSE_TYPE, "mode"),
								ERRCODE_INVALID_TEXT_REPRESENTATION, NSE_FN);
	nconds = jin_int64(jin_get(obj, "steps", true, NSE_TYPE), NSE_TYPE, "steps");
	if (nconds < 1 || nconds > EVENTS_MAX_CONDITIONS)
		jin_bad(NSE_TYPE, "the number of steps must be 1 to 32");
	e->nconds = (uint8) nconds;
	evs = jin_array(jin_get(obj, "events", true, NSE_TYPE), NSE_TYPE, "events");
	n = jin_len(evs);
	for (i = 0; i < n; i++)
	{
		JsonbContainer *ev = jin_array(jin_at(evs, i), NSE_TYPE, "an event");
		JsonbValue *lv;
		int64		ts;
		int64		m;
		char	   *label = NULL;
		int32		len = -1;

		if (jin_len(ev) != 3)
			jin_bad(NSE_TYPE, "an event must be [time, steps, label]");
		ts = jin_int64(jin_at(ev, 0), NSE_TYPE, "event time");
		m = jin_int64(jin_at(ev, 1), NSE_TYPE, "event steps");
		if (m < 0 || m > (int64) PG_UINT32_MAX)
			jin_bad(NSE_TYPE, "event steps out of range");
		lv = jin_at(ev, 2);
		if (lv->type != jbvNull)
		{
			label = jin_string(lv, NSE_TYPE, "event label");
			if (strlen(label) > NS_MAX_TEXT)
				jin_bad(NSE_TYPE, "a label is longer than 512 bytes");
			len = (int32) strlen(label);
		}
		if ((Size) e->used + NSE_ROW_SIZE(len) > NSE_MAX_ROOM)
			jin_bad(NSE_TYPE, "too many events");
		e = nse_append(e, ts, (EventMask) m, label, len);
	}
	problem = nse_problem(e);
	if (problem)
		jin_bad(NSE_TYPE, problem);
	PG_RETURN_POINTER(nse_canonical(e));
}

/*
 * Binary form, big-endian (wire.h): u8 version | u8 steps | u8 mode | i64
 * window | u32 n | n x (i64 time | u32 steps | i32 label length, -1 for
 * NULL | label bytes), rows in canonical order (nse_row_order)
 */
PG_FUNCTION_INFO_V1(next_step_events_send);
Datum
next_step_events_send(PG_FUNCTION_ARGS)
{
	NsEvents   *e = nse_from_datum(PG_GETARG_DATUM(0));
	const NsRow **rows = nse_sorted_rows(e);
	StringInfoData buf;
	int32		i;

	pq_begintypsend(&buf);
	wire_put_u8(&buf, NSE_VERSION);
	wire_put_u8(&buf, e->nconds);
	wire_put_u8(&buf, e->mode);
	wire_put_i64(&buf, e->window);
	wire_put_u32(&buf, (uint32) e->n);
	for (i = 0; i < e->n; i++)
	{
		const NsRow *r = rows[i];

		wire_put_i64(&buf, r->ts);
		wire_put_u32(&buf, r->mask);
		wire_put_u32(&buf, (uint32) r->len);
		if (r->len > 0)
			wire_put_raw(&buf, nse_label(r), r->len);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* the binary form, validated as the text form is (22P03) */
PG_FUNCTION_INFO_V1(next_step_events_recv);
Datum
next_step_events_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	WireReader	r = wire_reader_msg(msg, NSE_TYPE);
	NsEvents   *e = nse_alloc(NSE_FIRST_ROOM);
	uint32		n;
	uint32		i;
	const char *problem;

	if (wire_get_u8(&r, "version") != NSE_VERSION)
		wire_bad(&r, "unknown version");
	e->nconds = wire_get_u8(&r, "steps");
	e->mode = wire_get_u8(&r, "mode");
	e->window = wire_get_i64(&r, "window");
	n = wire_get_u32(&r, "number of events");
	if ((Size) n > wire_left(&r) / (sizeof(int64) + 2 * sizeof(uint32)))
		wire_bad(&r, "bad number of events");
	for (i = 0; i < n; i++)
	{
		int64		ts = wire_get_i64(&r, "event time");
		EventMask	m = wire_get_u32(&r, "event steps");
		int32		len = (int32) wire_get_u32(&r, "label length");
		const char *label = NULL;

		if (len < -1 || len > NS_MAX_TEXT)
			wire_bad(&r, "bad label length");
		if (len > 0)
			label = wire_get_raw(&r, len, "label");
		if ((Size) e->used + NSE_ROW_SIZE(len) > NSE_MAX_ROOM)
			wire_bad(&r, "too many events");
		e = nse_append(e, ts, m, label, len);
	}
	wire_end(&r);
	problem = nse_problem(e);
	if (problem)
		wire_bad(&r, problem);
	wire_done_msg(&r, msg);
	PG_RETURN_POINTER(nse_canonical(e));
}

/* ======================================================================
 * funnel.next_steps: labels per level over entities
 * ======================================================================
 */

#define NS_TYPE "funnel.next_steps"
#define NS_VERSION 1
#define NS_FN "next_steps"

/* sample keys kept per (level, label): the smallest distinct ones */
#define NS_SAMPLES 3

/* the most (level, label) pairs a state holds */
#define NS_MAX_ENTRIES 100000

/* one (level, label) pair */
typedef struct NsEntry
{
	int32		level;			/* 0 .. EVENTS_MAX_CONDITIONS */
	int32		lablen;			/* -1: no label */
	char	   *label;
	int64		count;			/* rows, >= 1 */
	int32		nsamples;
	int32		samplen[NS_SAMPLES];
	char	   *samples[NS_SAMPLES];	/* ascending, distinct */
} NsEntry;

/*
 * In memory an expanded object (state.h): the entries, and an open-address
 * hash of (level, label) over them (slots hold index + 1, 0 when empty;
 * more than twice as many slots as entries).
 */
typedef struct NextSteps
{
	FunnelState st;				/* first: expanded-object header */
	MemoryContext cxt;
	int32		n;
	int32		cap;
	NsEntry    *entries;
	int32		nslots;			/* a power of two */
	int32	   *slots;
} NextSteps;

static const FunnelStateType next_steps_type;

/* a next_steps argument, read-only (state.h) */
#define PG_GETARG_NEXT_STEPS(n) ((NextSteps *) funnel_state_get(&next_steps_type, PG_GETARG_DATUM(n)))

/* a new, empty state in cxt */
static FunnelState *
ns_create(MemoryContext cxt)
{
	NextSteps  *s = MemoryContextAllocZero(cxt, sizeof(NextSteps));

	funnel_state_init(&s->st, &next_steps_type, cxt);
	s->cxt = cxt;
	return &s->st;
}

/* the hash of a (level, label) pair */
static uint32
ns_hash(int32 level, const char *label, int32 len)
{
	uint32		h = murmurhash32((uint32) level);

	if (len >= 0)
		h = hash_combine(h, hash_bytes((const unsigned char *) label, len));
	else
		h = hash_combine(h, 0x9e3779b9);
	return h;
}

/* does entry x hold (level, label)? */
static inline bool
ns_entry_is(const NsEntry *x, int32 level, const char *label, int32 len)
{
	return x->level == level && x->lablen == len && (len <= 0 || memcmp(x->label, label, len) == 0);
}

/* rebuild the hash with nslots slots */
static void
ns_rehash(NextSteps *s, int32 nslots)
{
	int32		i;

	if (s->slots)
		pfree(s->slots);
	s->nslots = nslots;
	s->slots = MemoryContextAllocZero(s->cxt, sizeof(int32) * nslots);
	for (i = 0; i < s->n; i++)
	{
		const NsEntry *x = &s->entries[i];
		uint32		j = ns_hash(x->level, x->label, x->lablen) & (nslots - 1);

		while (s->slots[j])
			j = (j + 1) & (nslots - 1);
		s->slots[j] = i + 1;
	}
}

/*
 * The entry of (level, label), made (count 0) if absent; 54000 past
 * NS_MAX_ENTRIES.
 */
static NsEntry *
ns_entry(NextSteps *s, int32 level, const char *label, int32 len)
{
	uint32		j;
	NsEntry    *x;

	if (s->nslots == 0)
		ns_rehash(s, 16);
	j = ns_hash(level, label, len) & (s->nslots - 1);
	while (s->slots[j])
	{
		x = &s->entries[s->slots[j] - 1];
		if (ns_entry_is(x, level, label, len))
			return x;
		j = (j + 1) & (s->nslots - 1);
	}
	if (s->n >= NS_MAX_ENTRIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s holds at most %d distinct (level, label) pairs", NS_TYPE, NS_MAX_ENTRIES),
				 errdetail("Counts are exact; a state that would need more pairs is refused rather than approximated."),
				 errhint("Pass coarser labels (a page type rather than a URL), or filter the rows.")));
	if (s->n == s->cap)
	{
		s->cap = s->cap ? s->cap * 2 : 8;
		s->entries = s->entries ? repalloc(s->entries, sizeof(NsEntry) * s->cap) :
			MemoryContextAlloc(s->cxt, sizeof(NsEntry) * s->cap);
	}
	x = &s->entries[s->n];
	memset(x, 0, sizeof(NsEntry));
	x->level = level;
	x->lablen = len;
	if (len >= 0)
	{
		x->label = MemoryContextAlloc(s->cxt, Max(len, 1));
		memcpy(x->label, label, len);
	}
	s->n++;
	if (s->n * 2 >= s->nslots)
		ns_rehash(s, s->nslots * 2);
	else
		s->slots[j] = s->n;
	return x;
}

/* keep key among x's samples if it is one of the NS_SAMPLES smallest distinct keys */
static void
ns_add_sample(NextSteps *s, NsEntry *x, const char *key, int32 len)
{
	int32		i;
	int32		pos;

	for (pos = 0; pos < x->nsamples; pos++)
	{
		int			c = ns_text_cmp(key, len, x->samples[pos], x->samplen[pos]);

		if (c == 0)
			return;
		if (c < 0)
			break;
	}
	if (pos >= NS_SAMPLES)
		return;
	if (x->nsamples == NS_SAMPLES)
	{
		pfree(x->samples[NS_SAMPLES - 1]);
		x->nsamples--;
	}
	for (i = x->nsamples; i > pos; i--)
	{
		x->samples[i] = x->samples[i - 1];
		x->samplen[i] = x->samplen[i - 1];
	}
	x->samples[pos] = MemoryContextAlloc(s->cxt, Max(len, 1));
	memcpy(x->samples[pos], key, len);
	x->samplen[pos] = len;
	x->nsamples++;
}

/* x->count += n (22003 past 2^63 - 1) */
static void
ns_add_count(NsEntry *x, int64 n)
{
	if (pg_add_s64_overflow(x->count, n, &x->count))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s count is out of range", NS_TYPE)));
}

/* dst += src (src read-only): counts added, samples merged */
static void
ns_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	NextSteps  *dst = (NextSteps *) dstst;
	NextSteps  *src = (NextSteps *) srcst;
	int32		i;
	int32		k;

	for (i = 0; i < src->n; i++)
	{
		const NsEntry *y = &src->entries[i];
		NsEntry    *x = ns_entry(dst, y->level, y->label, y->lablen);

		ns_add_count(x, y->count);
		for (k = 0; k < y->nsamples; k++)
			ns_add_sample(dst, x, y->samples[k], y->samplen[k]);
	}
	funnel_state_touch(&dst->st);
}

/* qsort order of entry pointers: level, then no label first, then label bytes */
static int
ns_entry_order(const void *a, const void *b)
{
	const NsEntry *x = *(NsEntry *const *) a;
	const NsEntry *y = *(NsEntry *const *) b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	if ((x->lablen < 0) != (y->lablen < 0))
		return x->lablen < 0 ? -1 : 1;
	if (x->lablen < 0)
		return 0;
	return ns_text_cmp(x->label, x->lablen, y->label, y->lablen);
}

/* the state's entries as pointers in canonical order (palloc'd) */
static NsEntry **
ns_sorted(const NextSteps *s)
{
	NsEntry   **p = palloc(sizeof(NsEntry *) * Max(s->n, 1));
	int32		i;

	for (i = 0; i < s->n; i++)
		p[i] = &s->entries[i];
	if (s->n > 1)
		qsort(p, s->n, sizeof(NsEntry *), ns_entry_order);
	return p;
}

/*
 * Flat form, big-endian (wire.h): u8 version | u32 n | n x (u32 level | i32
 * label length, -1 for none | label | i64 count | u8 samples | samples x
 * (u32 length | bytes)), entries in canonical order.
 */
static void
ns_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	NextSteps  *s = (NextSteps *) st;
	NsEntry   **p = ns_sorted(s);
	int32		i;
	int32		k;

	wire_put_u8(buf, NS_VERSION);
	wire_put_u32(buf, (uint32) s->n);
	for (i = 0; i < s->n; i++)
	{
		wire_put_u32(buf, (uint32) p[i]->level);
		wire_put_u32(buf, (uint32) p[i]->lablen);
		if (p[i]->lablen > 0)
			wire_put_raw(buf, p[i]->label, p[i]->lablen);
		wire_put_i64(buf, p[i]->count);
		wire_put_u8(buf, (uint8) p[i]->nsamples);
		for (k = 0; k < p[i]->nsamples; k++)
			wire_put_bytes(buf, p[i]->samples[k], p[i]->samplen[k]);
	}
	pfree(p);
}

/* is s (len bytes) valid text: no NUL, valid in the database encoding? */
static bool
ns_valid_text(const char *s, int32 len)
{
	return memchr(s, '\0', len) == NULL && pg_verify_mbstr(GetDatabaseEncoding(), s, len, true);
}

/* an entry read from a value (text or binary), before it is added */
typedef struct NsRead
{
	int64		level;
	int32		lablen;
	const char *label;
	int64		count;
	int32		nsamples;
	int32		samplen[NS_SAMPLES];
	const char *samples[NS_SAMPLES];
} NsRead;

/*
 * Check an entry read from a value against the previous one (prev, NULL
 * before the first) and add it to s; refuses (22P02 / 22P03) whatever
 * input could not have made.
 */
static void
ns_read_entry(NextSteps *s, bool binary, const NsRead *e, const NsRead *prev)
{
	int32		k;
	NsEntry    *x;

	if (e->level < 0 || e->level > EVENTS_MAX_CONDITIONS)
		funnel_state_refuse(NS_TYPE, binary, "a level is out of range");
	if (e->lablen < -1 || e->lablen > NS_MAX_TEXT || (e->lablen > 0 && !ns_valid_text(e->label, e->lablen)))
		funnel_state_refuse(NS_TYPE, binary, "a bad label");
	if (prev)
	{
		NsEntry		a = {(int32) prev->level, prev->lablen, (char *) prev->label};
		NsEntry		b = {(int32) e->level, e->lablen, (char *) e->label};
		NsEntry    *pa = &a;
		NsEntry    *pb = &b;

		if (ns_entry_order(&pa, &pb) >= 0)
			funnel_state_refuse(NS_TYPE, binary, "entries are not in ascending order");
	}
	if (e->count < 1)
		funnel_state_refuse(NS_TYPE, binary, "a count is not positive");
	if (e->nsamples < 0 || e->nsamples > NS_SAMPLES || e->nsamples > e->count)
		funnel_state_refuse(NS_TYPE, binary, "a bad number of sample keys");
	for (k = 0; k < e->nsamples; k++)
	{
		if (e->samplen[k] > NS_MAX_TEXT || !ns_valid_text(e->samples[k], e->samplen[k]))
			funnel_state_refuse(NS_TYPE, binary, "a bad sample key");
		if (k > 0 && ns_text_cmp(e->samples[k - 1], e->samplen[k - 1], e->samples[k], e->samplen[k]) >= 0)
			funnel_state_refuse(NS_TYPE, binary, "sample keys are not in ascending order");
	}
	if (s->n >= NS_MAX_ENTRIES)
		funnel_state_refuse(NS_TYPE, binary, "too many entries");
	x = ns_entry(s, (int32) e->level, e->label, e->lablen);
	x->count = e->count;
	for (k = 0; k < e->nsamples; k++)
		ns_add_sample(s, x, e->samples[k], e->samplen[k]);
}

/* a flat body read into a new state in cxt and validated (22P03); no OIDs, no names */
static FunnelState *
ns_read(const char *data, Size len, MemoryContext cxt, bool check_catalog, const WireNames *names)
{
	NextSteps  *s = (NextSteps *) ns_create(cxt);
	WireReader	r = {data, len, 0, NS_TYPE};
	NsRead		prev;
	uint32		n;
	uint32		i;
	int32		k;

	if (wire_get_u8(&r, "version") != NS_VERSION)
		wire_bad(&r, "unknown format version");
	n = wire_get_u32(&r, "entry count");
	if (n > NS_MAX_ENTRIES || (Size) n > wire_left(&r) / (4 + 4 + 8 + 1))
		wire_bad(&r, "bad entry count");
	for (i = 0; i < n; i++)
	{
		NsRead		e;
		Size		sl;

		e.level = wire_get_u32(&r, "level");
		e.lablen = (int32) wire_get_u32(&r, "label length");
		if (e.lablen < -1 || e.lablen > NS_MAX_TEXT)
			wire_bad(&r, "bad label length");
		e.label = e.lablen > 0 ? wire_get_raw(&r, e.lablen, "label") : "";
		e.count = wire_get_i64(&r, "count");
		e.nsamples = wire_get_u8(&r, "sample count");
		if (e.nsamples > NS_SAMPLES)
			wire_bad(&r, "a bad number of sample keys");
		for (k = 0; k < e.nsamples; k++)
		{
			e.samples[k] = wire_get_bytes(&r, &sl, "sample key");
			if (sl > NS_MAX_TEXT)
				wire_bad(&r, "a bad sample key");
			e.samplen[k] = (int32) sl;
		}
		ns_read_entry(s, true, &e, i > 0 ? &prev : NULL);
		prev = e;
	}
	wire_end(&r);
	return &s->st;
}

#ifdef FUNNEL_CHECK_INVARIANTS
/*
 * The invariants of a live state: sizes in range, every entry found by the
 * hash, levels in range, counts positive, samples ascending and at most
 * the count.
 */
static const char *
ns_check(const void *state)
{
	const NextSteps *s = (const NextSteps *) state;
	int32		i;
	int32		k;
	int32		used = 0;

	if (s->n < 0 || s->n > s->cap || s->n > NS_MAX_ENTRIES || (s->n > 0 && s->nslots <= s->n))
		return "sizes out of range";
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i])
		{
			const NsEntry *x;
			uint32		j;

			if (s->slots[i] < 1 || s->slots[i] > s->n)
				return "a hash slot out of range";
			x = &s->entries[s->slots[i] - 1];
			j = ns_hash(x->level, x->label, x->lablen) & (s->nslots - 1);
			while (s->slots[j] && s->slots[j] != s->slots[i])
				j = (j + 1) & (s->nslots - 1);
			if (s->slots[j] != s->slots[i])
				return "an entry the hash does not find";
			used++;
		}
	if (used != s->n)
		return "the hash does not hold every entry";
	for (i = 0; i < s->n; i++)
	{
		const NsEntry *x = &s->entries[i];

		if (x->level < 0 || x->level > EVENTS_MAX_CONDITIONS || x->count < 1 ||
			x->nsamples < 0 || x->nsamples > NS_SAMPLES || x->nsamples > x->count)
			return "an entry out of range";
		for (k = 1; k < x->nsamples; k++)
			if (ns_text_cmp(x->samples[k - 1], x->samplen[k - 1], x->samples[k], x->samplen[k]) >= 0)
				return "sample keys out of order";
	}
	return NULL;
}
#endif

/* funnel.next_steps in the state skeleton (state.h) */
static const FunnelStateType next_steps_type = {
	FUNNEL_EXPANDED_METHODS,
	NS_TYPE,
	ns_create,
	ns_write,
	ns_read,
	ns_merge,
	FUNNEL_CHECKER(ns_check)
};

/*
 * Final function of funnel.next_steps and funnel.rollup(next_steps): the state,
 * handed to its reports without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(next_steps_final);
Datum
next_steps_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&next_steps_type, fcinfo);
}

/*
 * Text form: {"version": 1, "entries": [[level, "label" | null, count,
 * ["key", ...]], ...]}, entries in canonical order (level, no label first,
 * labels in byte order).
 */
PG_FUNCTION_INFO_V1(next_steps_out);
Datum
next_steps_out(PG_FUNCTION_ARGS)
{
	NextSteps  *s = PG_GETARG_NEXT_STEPS(0);
	NsEntry   **p = ns_sorted(s);
	StringInfoData buf;
	int32		i;
	int32		k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"entries\": [", NS_VERSION);
	for (i = 0; i < s->n; i++)
	{
		appendStringInfo(&buf, "%s[%d, ", i ? ", " : "", p[i]->level);
		if (p[i]->lablen < 0)
			appendStringInfoString(&buf, "null");
		else
			append_json_string(&buf, pnstrdup(p[i]->label, p[i]->lablen));
		appendStringInfo(&buf, ", " INT64_FORMAT ", [", p[i]->count);
		for (k = 0; k < p[i]->nsamples; k++)
		{
			if (k)
				appendStringInfoString(&buf, ", ");
			append_json_string(&buf, pnstrdup(p[i]->samples[k], p[i]->samplen[k]));
		}
		appendStringInfoString(&buf, "]]");
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(next_steps_in);
Datum
next_steps_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), NS_TYPE);
	NextSteps  *s = (NextSteps *) ns_create(CurrentMemoryContext);
	JsonbContainer *arr;
	NsRead		prev;
	uint32		i;
	int32		k;

	if (jin_int64(jin_get(obj, "version", true, NS_TYPE), NS_TYPE, "version") != NS_VERSION)
		jin_bad(NS_TYPE, "unknown version");
	arr = jin_array(jin_get(obj, "entries", true, NS_TYPE), NS_TYPE, "entries");
	if (jin_len(arr) > NS_MAX_ENTRIES)
		jin_bad(NS_TYPE, "too many entries");
	for (i = 0; i < jin_len(arr); i++)
	{
		JsonbContainer *x = jin_array(jin_at(arr, i), NS_TYPE, "an entry");
		JsonbContainer *keys;
		JsonbValue *lv;
		NsRead		e;

		if (jin_len(x) != 4)
			jin_bad(NS_TYPE, "an entry must be [level, label, count, sample keys]");
		e.level = jin_int64(jin_at(x, 0), NS_TYPE, "level");
		lv = jin_at(x, 1);
		if (lv->type == jbvNull)
		{
			e.lablen = -1;
			e.label = "";
		}
		else
		{
			e.label = jin_string(lv, NS_TYPE, "label");
			if (strlen(e.label) > NS_MAX_TEXT)
				jin_bad(NS_TYPE, "a bad label");
			e.lablen = (int32) strlen(e.label);
		}
		e.count = jin_int64(jin_at(x, 2), NS_TYPE, "count");
		keys = jin_array(jin_at(x, 3), NS_TYPE, "sample keys");
		if (jin_len(keys) > NS_SAMPLES)
			jin_bad(NS_TYPE, "a bad number of sample keys");
		e.nsamples = (int32) jin_len(keys);
		for (k = 0; k < e.nsamples; k++)
		{
			e.samples[k] = jin_string(jin_at(keys, k), NS_TYPE, "sample key");
			if (strlen(e.samples[k]) > NS_MAX_TEXT)
				jin_bad(NS_TYPE, "a bad sample key");
			e.samplen[k] = (int32) strlen(e.samples[k]);
		}
		ns_read_entry(s, false, &e, i > 0 ? &prev : NULL);
		prev = e;
	}
	FUNNEL_CHECK_STATE(&next_steps_type, s);
	PG_RETURN_DATUM(funnel_state_flat(&s->st));
}

/* binary output: the flat body */
PG_FUNCTION_INFO_V1(next_steps_send);
Datum
next_steps_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&next_steps_type, PG_GETARG_DATUM(0));
}

/* binary input: the flat body, validated (22P03) */
PG_FUNCTION_INFO_V1(next_steps_recv);
Datum
next_steps_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&next_steps_type, (StringInfo) PG_GETARG_POINTER(0));
}

/*
 * next_steps_transfn(state, level, label, key): one row (one entity).  A
 * NULL level skips the row; a NULL label is counted as "no label"; a NULL
 * key is counted but never a sample.  22023 for a level outside 0 .. 32.
 */
PG_FUNCTION_INFO_V1(next_steps_transfn);
Datum
next_steps_transfn(PG_FUNCTION_ARGS)
{
	NextSteps  *s;
	NsEntry    *x;
	int32		level;
	const char *label = NULL;
	int32		len = -1;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	level = PG_GETARG_INT32(1);
	if (level < 0 || level > EVENTS_MAX_CONDITIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s level must be 0 to %d", NS_FN, EVENTS_MAX_CONDITIONS),
				 errdetail("The level is %d.", level),
				 errhint("Pass the level of funnel.next_step or funnel.window_funnel.")));
	if (!PG_ARGISNULL(2))
	{
		text	   *t = PG_GETARG_TEXT_PP(2);

		len = (int32) VARSIZE_ANY_EXHDR(t);
		ns_check_text_length(len, NS_FN, "label");
		label = VARDATA_ANY(t);
	}
	s = (NextSteps *) funnel_state_transition(&next_steps_type, fcinfo, "funnel.next_steps");
	x = ns_entry(s, level, label, len);
	ns_add_count(x, 1);
	if (!PG_ARGISNULL(3))
	{
		text	   *k = PG_GETARG_TEXT_PP(3);

		ns_check_text_length(VARSIZE_ANY_EXHDR(k), NS_FN, "key");
		ns_add_sample(s, x, VARDATA_ANY(k), (int32) VARSIZE_ANY_EXHDR(k));
	}
	funnel_state_touch(&s->st);
	return funnel_state_result(&s->st);
}

/* combine function, and transition function of rollup(next_steps) */
PG_FUNCTION_INFO_V1(next_steps_combine);
Datum
next_steps_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&next_steps_type, fcinfo, "funnel.rollup");
}

/* the report's order: level, then more entities first, then no label last, then label bytes */
static int
ns_report_order(const void *a, const void *b)
{
	const NsEntry *x = *(NsEntry *const *) a;
	const NsEntry *y = *(NsEntry *const *) b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((x->lablen < 0) != (y->lablen < 0))
		return x->lablen < 0 ? 1 : -1;
	if (x->lablen < 0)
		return 0;
	return ns_text_cmp(x->label, x->lablen, y->label, y->lablen);
}

/*
 * funnel.next_step_report(s): one row per (level, label): level, label
 * (NULL: no labelled event), entities, their share of the level's
 * entities, and the sample keys.
 */
PG_FUNCTION_INFO_V1(next_steps_report);
Datum
next_steps_report(PG_FUNCTION_ARGS)
{
	static const Oid columns[5] = {INT4OID, TEXTOID, INT8OID, FLOAT8OID, TEXTARRAYOID};
	NextSteps  *s = PG_GETARG_NEXT_STEPS(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NsEntry   **p = palloc(sizeof(NsEntry *) * Max(s->n, 1));
	double		totals[EVENTS_MAX_CONDITIONS + 1];
	int32		i;
	int32		k;

	funnel_srf_init(fcinfo, "funnel.next_step_report", columns, 5, 5);
	memset(totals, 0, sizeof(totals));
	for (i = 0; i < s->n; i++)
	{
		p[i] = &s->entries[i];
		totals[p[i]->level] += (double) p[i]->count;
	}
	if (s->n > 1)
		qsort(p, s->n, sizeof(NsEntry *), ns_report_order);
	for (i = 0; i < s->n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		Datum		keys[NS_SAMPLES];

		values[0] = Int32GetDatum(p[i]->level);
		if (p[i]->lablen < 0)
			nulls[1] = true;
		else
			values[1] = PointerGetDatum(cstring_to_text_with_len(p[i]->label, p[i]->lablen));
		values[2] = Int64GetDatum(p[i]->count);
		values[3] = Float8GetDatum((double) p[i]->count / totals[p[i]->level]);
		for (k = 0; k < p[i]->nsamples; k++)
			keys[k] = PointerGetDatum(cstring_to_text_with_len(p[i]->samples[k], p[i]->samplen[k]));
		values[4] = PointerGetDatum(construct_array(keys, p[i]->nsamples, TEXTOID, -1, false, TYPALIGN_INT));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}
