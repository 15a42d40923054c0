/*
 * window_funnel.c
 *		window_funnel and window_funnel_times: the transition function that
 *		collects a group's events into a funnel.events state (events.h), and
 *		the final functions: the level of the longest chain step 1 -> step 2
 *		-> ... within the window, as current ClickHouse's windowFunnel
 *		computes it, and the step times of the fastest chain reaching that
 *		level.  The modes are declared in events_mode.h; what each one does
 *		is here.
 *
 * The state's rows (events.h) are sorted by time; each (row, true
 * condition) is an event, read in (time, step) order: within one instant
 * all step-1 events, then all step-2 events, and so on, so one row true
 * for several steps can fill several steps.  Under strict_order, rows where
 * no condition holds are step-0 events and come first in their instant.
 *
 * Level (ClickHouse's algorithms, same answers, including where they stop):
 *  - default engine: one chain per level, (first time, last time); a
 *    step-1 event starts a chain at level 1, a step-k event extends level
 *    k-1 when within the window of its first event (strict_increase: and
 *    strictly after its last).  Later starts replace earlier ones, which is
 *    optimal except under strict_increase, where ClickHouse can lose a valid
 *    chain; we match it.
 *  - strict_once engine: every chain with the rows it used (a row fills at
 *    most one step of a chain).  Chains can only share a row within one
 *    instant, so at each new instant every level keeps just its best chain
 *    (latest start) -- ClickHouse keeps them all; the answer is the same.
 *  - strict_deduplication and strict_order stop the scan early (see
 *    level_event); the level is the highest reached by then.
 *
 * Times (window_funnel_times): among the valid chains that reach the level
 * within the events the scan examined, the one with the smallest total time,
 * ties broken by the time to step 2, then 3, ...  Per level we keep the
 * best chain for extension (latest start; equal starts: smaller step times)
 * -- under strict_increase only chains that ended before the current
 * instant can be extended -- and per level the fastest chain that reached it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "duration.h"
#include "events.h"
#include "events_mode.h"
#include "fninfo.h"

/* ---------------------------------------------------------------- collecting rows */

/* the transition function's arguments: (state, window, [mode,] ts, steps) */
#define WF_ARG_WINDOW 1
#define WF_ARG_MODE 2			/* when given: a text argument */

/* the call site's cache (events.h): the window and mode as last checked */
typedef struct FunnelArgCache
{
	EventsArgCache ev;			/* first: events_arg_cache fills it */
	bool		has_mode;		/* a mode argument (WF_ARG_MODE) */
	int64		window;			/* in clock units */
	Interval	window_iv;		/* the interval it came from (timestamp clocks) */
	uint8		mode;
	int			first_nconds;	/* of the first row */
} FunnelArgCache;

/*
 * The call site's cache; on the first row, the argument layout: (state,
 * window, [mode,] ts, steps), the mode being a text argument.
 */
static FunnelArgCache *
funnel_arg_cache(FunctionCallInfo fcinfo)
{
	FunnelArgCache *c = (FunnelArgCache *) fcinfo->flinfo->fn_extra;
	bool		has_mode;

	if (c != NULL)
		return c;
	has_mode = PG_NARGS() > WF_ARG_MODE + 1 && events_argtype(fcinfo->flinfo, WF_ARG_MODE) == TEXTOID;
	c = (FunnelArgCache *) events_arg_cache(fcinfo, "window_funnel", sizeof(FunnelArgCache),
											(has_mode ? WF_ARG_MODE : WF_ARG_WINDOW) + 1);
	c->has_mode = has_mode;
	return c;
}

/*
 * An interval as a number of microseconds: a day is 24 hours and a month 30
 * days, as PostgreSQL compares intervals ('1 month' = '30 days').  Also the
 * window of the functions over stored sequences (seqstore_query.c).
 */
int64
window_usecs(Interval *iv, const char *fn)
{
	return funnel_interval_usecs(iv, fn, "window");
}

/*
 * The row's window in clock units: the cached one when the argument is the
 * same, else checked (22023 if negative) and, as an interval, remembered.
 */
static int64
funnel_window(FunctionCallInfo fcinfo, FunnelArgCache *c)
{
	int64		window;

	if (c->ev.clock == EVENTS_CLOCK_BIGINT)
	{
		window = PG_GETARG_INT64(WF_ARG_WINDOW);
		if (!c->ev.known || window != c->window)
		{
			if (window < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s window must not be negative", c->ev.fn),
						 errdetail("The window is " INT64_FORMAT ".", window)));
		}
	}
	else
	{
		Interval   *iv = PG_GETARG_INTERVAL_P(WF_ARG_WINDOW);

		if (c->ev.known && memcmp(iv, &c->window_iv, sizeof(Interval)) == 0)
			window = c->window;
		else
		{
			window = window_usecs(iv, c->ev.fn);
			if (window < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s window must not be negative", c->ev.fn),
						 errdetail("The window is %s.",
								   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv))))));
			c->window_iv = *iv;
		}
	}
	return window;
}

/* the row's mode (WF_* flags): the cached one when the text is the same, else parsed */
static uint8
funnel_mode(FunctionCallInfo fcinfo, FunnelArgCache *c)
{
	text	   *t;
	char	   *s;
	uint8		mode;

	if (!c->has_mode)
		return 0;
	t = PG_GETARG_TEXT_PP(WF_ARG_MODE);
	if (c->ev.known && events_param_is(&c->ev, t))
		return c->mode;
	s = text_to_cstring(t);
	mode = events_mode_parse(s, ERRCODE_INVALID_PARAMETER_VALUE, c->ev.fn);
	pfree(s);
	events_keep_param(fcinfo, &c->ev, t);
	return mode;
}

/*
 * events_funnel_transfn(state, window, [mode,] ts, steps[])
 *		window_funnel and window_funnel_times over a timestamptz, timestamp
 *		(window interval) or bigint (window bigint) clock.
 */
PG_FUNCTION_INFO_V1(events_funnel_transfn);
Datum
events_funnel_transfn(PG_FUNCTION_ARGS)
{
	FunnelArgCache *c;
	int64		window;
	uint8		mode;
	EventMask	mask = 0;
	int64		ts;
	Events	   *e;

	events_require_aggregate(fcinfo, "funnel.events_funnel_transfn");
	c = funnel_arg_cache(fcinfo);
	if (!events_read_row(fcinfo, &c->ev, &mask))
		return events_state_unchanged(fcinfo);
	window = funnel_window(fcinfo, c);
	mode = funnel_mode(fcinfo, c);
	if (c->ev.known && (window != c->window || mode != c->mode || c->ev.nconds != c->first_nconds))
		c->ev.must_read = true;
	if (!c->ev.known)
		c->first_nconds = c->ev.nconds;
	c->window = window;
	c->mode = mode;
	c->ev.known = true;
	ts = events_row_time(fcinfo, &c->ev);

	/*
	 * A row where no step holds matters only to the modes that read every
	 * row (strict_order).  When every row of this call site so far had this
	 * row's window, mode and number of conditions and there is no initial
	 * condition, the group's state was made with them: there is nothing to
	 * check, so it is returned without reading it.  In a time-ordered table
	 * most rows go to a state far from the last one touched: reading its
	 * header would cost a cache miss per row for nothing.  (The first row of
	 * a group still makes a state, so that a group without a step has an
	 * empty state, not NULL, as before.)
	 */
	if (mask == 0 && !(mode & WF_ALL_ROWS_MODES) && !c->ev.must_read && !PG_ARGISNULL(0))
		return events_state_unchanged(fcinfo);

	if (PG_ARGISNULL(0))
	{
		e = events_start(EVENTS_KIND_FUNNEL, c->ev.clock, c->ev.nconds, 0);
		e->mode = mode;
		e->window = window;
	}
	else
	{
		e = events_own_state(fcinfo, EVENTS_KIND_FUNNEL, c->ev.clock, c->ev.fn);
		if (e->window != window || e->mode != mode)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s window and mode must be the same for every row of a group", c->ev.fn)));
		events_check_nconds(e, c->ev.nconds, c->ev.fn);
	}
	/* rows where no step holds matter only to the modes that read every row */
	if (mask == 0 && !(mode & WF_ALL_ROWS_MODES))
		PG_RETURN_POINTER(e);
	PG_RETURN_POINTER(events_append(e, ts, mask));
}

/* ---------------------------------------------------------------- the scan's state */

#define WF_MAX EVENTS_MAX_CONDITIONS
#define WF_MAX_CHAINS (256 * 1024)	/* strict_once: partial chains alive at one instant */
#define WF_LIST_FIRST_CAP 4		/* strict_once: a level's first room for chains */

/* one chain with its step times (times mode) and rows (strict_once) */
typedef struct WfChain
{
	int64		first;			/* time of step 1 */
	int64		last;			/* time of its last step */
	int64		ts[WF_MAX];		/* time of step k+1 */
	int64		row[WF_MAX];	/* row of step k+1 (strict_once) */
} WfChain;

/* strict_once: the chains of one level */
typedef struct WfList
{
	WfChain    *c;
	int			n;
	int			cap;
} WfList;

/* one scan of a group's events: the engines' working state, kept per call site */
typedef struct WfRun
{
	const char *fn;				/* the final function's aggregate, for messages */
	int			nsteps;
	uint8		mode;
	uint64		window;
	bool		want_times;
	bool		stopped;		/* strict_deduplication / strict_order stopped the scan */
	bool		first_event;	/* a step-1 event has been seen */
	EventMask	reached;		/* bit k: level k+1 reached */

	/* default engine (ClickHouse's one chain per level) */
	int64		first[WF_MAX];
	int64		last[WF_MAX];

	/* times, default engine: best chain per level for extension */
	EventMask	best_has;
	WfChain		best[WF_MAX];
	/* strict_increase: chains that ended at the current instant */
	EventMask	cur_has;
	WfChain		cur[WF_MAX];

	/* fastest chain that reached level k+1 (times) */
	EventMask	fast_has;
	WfChain		fast[WF_MAX];

	/* strict_once engine */
	WfList		lists[WF_MAX];
	int64		nchains;
} WfRun;

/* is chain a (k+1 steps) a better base to extend than b: later start, then smaller step times */
static inline bool
chain_better(const WfChain *a, const WfChain *b, int k)
{
	int			i;

	if (a->first != b->first)
		return a->first > b->first;
	for (i = 1; i <= k; i++)
		if (a->ts[i] != b->ts[i])
			return a->ts[i] < b->ts[i];
	return false;
}

/* is chain a (k+1 steps) faster than b: smaller total, then smaller time to step 2, 3, ... */
static inline bool
chain_faster(const WfChain *a, const WfChain *b, int k)
{
	uint64		ta = events_span(a->first, a->ts[k]);
	uint64		tb = events_span(b->first, b->ts[k]);
	int			i;

	if (ta != tb)
		return ta < tb;
	for (i = 1; i < k; i++)
	{
		uint64		ea = events_span(a->first, a->ts[i]);
		uint64		eb = events_span(b->first, b->ts[i]);

		if (ea != eb)
			return ea < eb;
	}
	return false;
}

/* times: remember chain c (k+1 steps) if it is the fastest to reach level k+1 */
static inline void
note_fastest(WfRun *r, const WfChain *c, int k)
{
	if (!(r->fast_has & (1u << k)) || chain_faster(c, &r->fast[k], k))
	{
		memcpy(&r->fast[k], c, offsetof(WfChain, ts) + sizeof(int64) * (k + 1));
		r->fast_has |= 1u << k;
	}
}

/* copy a chain's first k+1 steps (and, for strict_once, their rows) */
static inline void
chain_copy(WfChain *dst, const WfChain *src, int k, bool rows)
{
	dst->first = src->first;
	dst->last = src->last;
	memcpy(dst->ts, src->ts, sizeof(int64) * (k + 1));
	if (rows)
		memcpy(dst->row, src->row, sizeof(int64) * (k + 1));
}

/* ------------------------------------------------------------ default engine */

/* a new instant: strict_increase may now extend the chains that ended in the last one */
static void
times_new_instant(WfRun *r)
{
	while (r->cur_has)
	{
		int			k = __builtin_ctz(r->cur_has);

		if (!(r->best_has & (1u << k)) || chain_better(&r->cur[k], &r->best[k], k))
		{
			chain_copy(&r->best[k], &r->cur[k], k, false);
			r->best_has |= 1u << k;
		}
		r->cur_has &= r->cur_has - 1;
	}
}

/* times: a step event (idx = step - 1) */
static inline void
times_event(WfRun *r, int64 ts, int idx)
{
	bool		increase = (r->mode & WF_STRICT_INCREASE) != 0;
	WfChain    *slot = increase ? r->cur : r->best;
	uint32	   *slot_has = increase ? &r->cur_has : &r->best_has;
	WfChain		c;

	if (idx == 0)
	{
		c.first = c.last = c.ts[0] = ts;
	}
	else
	{
		const WfChain *p = &r->best[idx - 1];

		if (!(r->best_has & (1u << (idx - 1))) || events_span(p->first, ts) > r->window)
			return;
		/* (strict_increase: best[] holds only chains that ended before this instant) */
		chain_copy(&c, p, idx - 1, false);
		c.ts[idx] = c.last = ts;
	}
	note_fastest(r, &c, idx);
	if (!(*slot_has & (1u << idx)) || chain_better(&c, &slot[idx], idx))
	{
		chain_copy(&slot[idx], &c, idx, false);
		*slot_has |= 1u << idx;
	}
}

/*
 * One event of the scan, as ClickHouse's getEventLevelNonStrictOnce: step 0
 * is an unrelated event (strict_order only).  Returns true to stop.
 */
static inline bool
level_event(WfRun *r, int64 ts, int step)
{
	int			idx = step - 1;

	if (step == 0)
		return r->first_event;	/* strict_order: an unrelated event after the start stops */
	if (idx == 0)
	{
		r->reached |= 1;
		r->first[0] = r->last[0] = ts;
		r->first_event = true;
	}
	else if ((r->mode & WF_STRICT_DEDUPLICATION) && (r->reached & (1u << idx)))
		return true;			/* a repeated step */
	else if ((r->mode & WF_STRICT_ORDER) && r->first_event && !(r->reached & (1u << (idx - 1))))
		return !(r->mode & WF_ALLOW_REENTRY);	/* a step that came too early */
	else if (r->reached & (1u << (idx - 1)))
	{
		if (events_span(r->first[idx - 1], ts) <= r->window &&
			(!(r->mode & WF_STRICT_INCREASE) || r->last[idx - 1] < ts))
		{
			r->reached |= 1u << idx;
			r->first[idx] = r->first[idx - 1];
			r->last[idx] = ts;
		}
	}
	if (r->want_times)
		times_event(r, ts, idx);
	return false;
}

/* ------------------------------------------------------------ strict_once engine */

/*
 * strict_once: add a chain at level idx+1, src (k+1 steps; NULL for a new
 * chain) extended by the event at ts from row; 54000 past WF_MAX_CHAINS.
 */
static void
list_push(WfRun *r, int idx, const WfChain *src, int k, int64 ts, int64 row)
{
	WfList	   *l = &r->lists[idx];
	WfChain    *c;

	if (r->nchains >= WF_MAX_CHAINS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s strict_once: more than %d partial chains at one instant", r->fn, WF_MAX_CHAINS),
				 errdetail("Rows with equal times that satisfy several steps multiply the chains strict_once must keep apart."),
				 errhint("Use a finer clock, or drop strict_once.")));
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : WF_LIST_FIRST_CAP;
		l->c = l->c ? repalloc(l->c, sizeof(WfChain) * l->cap) : palloc(sizeof(WfChain) * l->cap);
	}
	c = &l->c[l->n++];
	r->nchains++;
	if (src)
		chain_copy(c, src, k, true);
	else
		c->first = ts;
	c->ts[idx] = c->last = ts;
	c->row[idx] = row;
	r->reached |= 1u << idx;
	if (r->want_times)
		note_fastest(r, c, idx);
}

/* a new instant: chains can no longer share a row, keep each level's best */
static void
once_new_instant(WfRun *r)
{
	int			k;

	for (k = 0; k < r->nsteps; k++)
	{
		WfList	   *l = &r->lists[k];
		int			best = 0;
		int			i;

		if (l->n <= 1)
			continue;
		for (i = 1; i < l->n; i++)
			if (chain_better(&l->c[i], &l->c[best], k))
				best = i;
		if (best != 0)
			chain_copy(&l->c[0], &l->c[best], k, true);
		r->nchains -= l->n - 1;
		l->n = 1;
	}
}

/* one event of the scan, as ClickHouse's getEventLevelStrictOnce; true to stop */
static bool
once_event(WfRun *r, int64 ts, int step, int64 row)
{
	int			idx = step - 1;
	WfList	   *prev;
	int			n;
	int			i;

	if (step == 0)
		return r->first_event;
	if (idx == 0)
	{
		list_push(r, 0, NULL, 0, ts, row);
		r->first_event = true;
		return false;
	}
	if ((r->mode & WF_STRICT_DEDUPLICATION) && r->lists[idx].n > 0)
		return true;
	if ((r->mode & WF_STRICT_ORDER) && r->first_event && r->lists[idx - 1].n == 0)
		return !(r->mode & WF_ALLOW_REENTRY);
	prev = &r->lists[idx - 1];
	n = prev->n;
	for (i = 0; i < n; i++)
	{
		WfChain    *p = &prev->c[i];
		int			j;
		bool		ok;

		if (events_span(p->first, ts) > r->window)
			continue;
		if ((r->mode & WF_STRICT_INCREASE) && !(p->last < ts))
			continue;
		ok = true;
		for (j = 0; j < idx && ok; j++)
			ok = p->row[j] != row;
		if (ok)
			list_push(r, idx, p, idx - 1, ts, row);
		/* list_push may have moved prev->c only if idx-1 == idx: never */
	}
	return false;
}

/* ------------------------------------------------------------ the scan */

/*
 * Scan a group's sorted events into r: instant by instant, each row's
 * steps in (time, step) order, with the engine the mode chooses; stops
 * where the mode stops (r->stopped) or, without times, once the whole
 * funnel is reached.
 */
static void
wf_run(Events *e, WfRun *r, bool want_times, const char *fn)
{
	EventRow   *rows;
	int64		n;
	int64		g;
	bool		once = (e->mode & WF_STRICT_ONCE) != 0;

	r->fn = fn;
	r->nsteps = e->nconds;
	r->mode = e->mode;
	r->window = (uint64) e->window;
	r->want_times = want_times;
	r->stopped = false;
	r->first_event = false;
	r->reached = 0;
	r->best_has = r->cur_has = r->fast_has = 0;
	r->nchains = 0;
	memset(r->lists, 0, sizeof(r->lists));

	rows = EVENTS_ROWS(e);
	n = e->n;
	for (g = 0; g < n && !r->stopped;)
	{
		int64		ts = rows[g].ts;
		int64		end = g + 1;

		while (end < n && rows[end].ts == ts)
			end++;
		if (once)
			once_new_instant(r);
		else if (want_times)
			times_new_instant(r);

		if (end == g + 1)
		{
			/* one row at this instant: its steps in order */
			EventMask	m = rows[g].mask;

			if (m == 0)
				r->stopped = once ? once_event(r, ts, 0, g) : level_event(r, ts, 0);
			while (m && !r->stopped)
			{
				int			step = __builtin_ctz(m) + 1;

				r->stopped = once ? once_event(r, ts, step, g) : level_event(r, ts, step);
				m &= m - 1;
			}
		}
		else
		{
			/* several rows: unrelated events first, then step by step */
			EventMask	all = 0;
			int64		i;

			for (i = g; i < end && !r->stopped; i++)
			{
				all |= rows[i].mask;
				if (rows[i].mask == 0)
					r->stopped = once ? once_event(r, ts, 0, i) : level_event(r, ts, 0);
			}
			while (all && !r->stopped)
			{
				int			bit = __builtin_ctz(all);

				for (i = g; i < end && !r->stopped; i++)
					if (rows[i].mask & (1u << bit))
						r->stopped = once ? once_event(r, ts, bit + 1, i) : level_event(r, ts, bit + 1);
				all &= all - 1;
			}
		}
		g = end;
		/* the whole funnel reached: nothing can raise the level (times go on) */
		if (!want_times && r->reached == events_all_conditions(r->nsteps))
			break;
		CHECK_FOR_INTERRUPTS();
	}
}

/* the level the scan reached: its highest step */
static int
wf_level(const WfRun *r)
{
	return events_highest_condition(r->reached);
}

/* the scan's scratch space (a few tens of kB) is kept for the call site */
static WfRun *
wf_scratch(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(WfRun));
	return (WfRun *) fcinfo->flinfo->fn_extra;
}

/* free strict_once's chain lists after a scan */
static void
wf_free_lists(WfRun *r)
{
	int			k;

	for (k = 0; k < WF_MAX; k++)
		if (r->lists[k].c)
			pfree(r->lists[k].c);
}

/* window_funnel's final function: the level reached, 0 for no events */
PG_FUNCTION_INFO_V1(window_funnel_final);
Datum
window_funnel_final(PG_FUNCTION_ARGS)
{
	Events	   *e = events_final_arg(fcinfo, EVENTS_KIND_FUNNEL, "window_funnel");
	WfRun	   *r;
	int			level;

	if (e == NULL || e->n == 0)
		PG_RETURN_INT32(0);
	r = wf_scratch(fcinfo);
	wf_run(e, r, false, "window_funnel");
	level = wf_level(r);
	wf_free_lists(r);
	PG_RETURN_INT32(level);
}

/*
 * Does this call of window_funnel_times' final function return bigint[]?
 * Its two SQL functions, window_funnel_times_final (interval[]) and
 * window_funnel_times_bigint_final (bigint[]), share the C function: the
 * declared result type of the one called says, read by its OID (fninfo.c),
 * never from fn_expr, which a caller may not give (Citus's
 * coord_combine_agg calls the final function through a fresh FmgrInfo).
 * A call that names no SQL function (a C caller) goes by the state's clock.
 */
static bool
times_as_bigint(FunctionCallInfo fcinfo, const Events *e)
{
	Oid			rettype = funnel_fn_rettype(fcinfo->flinfo->fn_oid);

	if (rettype == INT8ARRAYOID)
		return true;
	if (rettype == INTERVALARRAYOID)
		return false;
	return e != NULL && e->clock == EVENTS_CLOCK_BIGINT;
}

/*
 * window_funnel_times' final function: the time from step 1 to each step of
 * the fastest chain reaching the level, as interval[] (timestamp clocks) or
 * bigint[] (bigint clock, the declared return type says which)
 */
PG_FUNCTION_INFO_V1(window_funnel_times_final);
Datum
window_funnel_times_final(PG_FUNCTION_ARGS)
{
	Events	   *e = events_final_arg(fcinfo, EVENTS_KIND_FUNNEL, "window_funnel_times");
	bool		bigint = times_as_bigint(fcinfo, e);
	Datum		elems[WF_MAX];
	WfRun	   *r;
	int			level = 0;
	int			k;

	if (e != NULL && e->n > 0)
	{
		r = wf_scratch(fcinfo);
		wf_run(e, r, true, "window_funnel_times");
		level = wf_level(r);
		wf_free_lists(r);
		/*
		 * Can't happen: the scan records the fastest chain of every level it
		 * reaches.  A value from events_in/events_recv is validated to be one
		 * the transition function could have built, so no input reaches this.
		 */
		if (level > 0 && !(r->fast_has & (1u << (level - 1))))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg_internal("window_funnel_times found no chain for level %d", level),
					 errdetail_internal("The group has %d events, mode %d.", e->n, (int) e->mode)));
		for (k = 0; k < level; k++)
		{
			const WfChain *c = &r->fast[level - 1];
			int64		d = c->ts[k] - c->first;	/* 0 <= d <= window */

			elems[k] = bigint ? Int64GetDatum(d) : IntervalPGetDatum(funnel_usecs_interval(d));
		}
	}
	if (bigint)
		PG_RETURN_ARRAYTYPE_P(construct_array(elems, level, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, level, INTERVALOID, sizeof(Interval), false, TYPALIGN_DOUBLE));
}

/*
 * The level of a sorted funnel state (kind window_funnel) and, in steps[0 ..
 * level-1], the times of the steps of the chain window_funnel_times reports
 * for it: the fastest of those reaching the level (next_step, nextstep.c,
 * places its labels around this chain).  Uses fn_extra as the scan's
 * scratch space.
 */
int
window_funnel_chain(FunctionCallInfo fcinfo, Events *e, int64 *steps, const char *fn)
{
	WfRun	   *r;
	int			level;
	int			k;

	if (e->n == 0)
		return 0;
	r = wf_scratch(fcinfo);
	wf_run(e, r, true, fn);
	level = wf_level(r);
	wf_free_lists(r);
	/* can't happen: the scan records the fastest chain of every level it reaches */
	if (level > 0 && !(r->fast_has & (1u << (level - 1))))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg_internal("%s found no chain for level %d", fn, level)));
	for (k = 0; k < level; k++)
		steps[k] = r->fast[level - 1].ts[k];
	return level;
}
