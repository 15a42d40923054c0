/*
 * seqstore_query.c
 *		The event-funnel functions over a stored funnel.sequence:
 *		window_funnel, window_funnel_times, retention, sequence_match and
 *		sequence_count, each giving what the aggregate of that name gives over
 *		the sequence's rows with one condition per step, "event IN (the
 *		step's labels)".
 *
 * A step is a label, or a set of labels: the steps argument is a text[],
 * one label per element, or a two-dimensional text[] whose row k holds the
 * labels of step k (NULL elements are ignored, so rows of different
 * lengths pad with NULL).  Per call site the steps are parsed once into the
 * distinct labels they name, each with the set of steps it belongs to,
 * sorted as a sequence's dictionary is (seqstore.h).  Per value, one merge
 * of the two sorted lists gives every code its step set; one pass over the
 * events then writes the funnel.events rows the aggregate would have
 * collected -- (time, step set), the rows where no step holds only when
 * the mode reads them (strict_order) -- in the engines' order, and the
 * engine runs: the aggregates' own final functions (window_funnel.c,
 * sequence.c, retention.c), called with that value and an FmgrInfo of this
 * call site, whose fn_extra holds the engine's scratch space or compiled
 * pattern as it does for the aggregate.  No engine code is repeated here.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "events.h"
#include "events_mode.h"
#include "events_pattern.h"
#include "seqstore.h"

/* retention's state: bit 32+n-1 says there are n conditions (retention.c) */
#define RETENTION_NCONDS_SHIFT 32

/* what a call site computes */
typedef enum SeqQueryKind
{
	SQ_FUNNEL,					/* window_funnel */
	SQ_TIMES,					/* window_funnel_times */
	SQ_RETENTION,
	SQ_MATCH,					/* sequence_match */
	SQ_COUNT					/* sequence_count */
} SeqQueryKind;

/* one distinct label the steps name, and the steps that name it */
typedef struct StepLabel
{
	char	   *p;
	int32		len;
	EventMask	steps;
} StepLabel;

/* a call site's cache (fn_extra) */
typedef struct SeqQuery
{
	SeqQueryKind kind;
	const char *fn;				/* for messages */

	/* the steps argument as last parsed */
	ArrayType  *steps_arg;		/* a copy, to compare the next row's with */
	int			nsteps;
	int			nlabels;
	StepLabel  *labels;			/* sorted by seq_label_cmp */

	/* window_funnel: the window and mode as last checked */
	bool		window_known;
	Interval	window_iv;
	int64		window;
	text	   *mode_arg;
	uint8		mode;

	/* sequence_match, sequence_count: the pattern as last checked */
	text	   *pattern;
	int			pattern_nsteps;

	/* scratch: the step set of each code, the engine's input value */
	EventMask  *codemask;
	int64		codemask_cap;
	Events	   *ev;
	int64		ev_cap;

	/* the engine's final function, called with ev */
	FmgrInfo	engine;
} SeqQuery;

/* the call site's cache, made on its first call */
static SeqQuery *
seq_query(FunctionCallInfo fcinfo, SeqQueryKind kind, const char *fn, PGFunction engine)
{
	SeqQuery   *q = (SeqQuery *) fcinfo->flinfo->fn_extra;

	if (q != NULL)
		return q;
	q = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SeqQuery));
	q->kind = kind;
	q->fn = fn;
	q->engine.fn_addr = engine;
	q->engine.fn_oid = fcinfo->flinfo->fn_oid;	/* its result type tells interval[] */
	q->engine.fn_nargs = 1;
	q->engine.fn_strict = false;
	q->engine.fn_mcxt = fcinfo->flinfo->fn_mcxt;
	fcinfo->flinfo->fn_extra = q;
	return q;
}

/* order StepLabels as a sequence's dictionary */
static int
step_label_qsort_cmp(const void *a, const void *b)
{
	const StepLabel *x = (const StepLabel *) a;
	const StepLabel *y = (const StepLabel *) b;

	return seq_label_cmp(x->p, x->len, y->p, y->len);
}

/*
 * The steps argument: parsed when it differs from the last row's (22023 for
 * no step, more than 32, or more than two dimensions).
 */
static void
query_steps(FunctionCallInfo fcinfo, SeqQuery *q, int argno)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			per;
	int			nsteps;
	int			n = 0;
	int			i;
	StepLabel  *labels;

	if (q->steps_arg != NULL && VARSIZE(a) == VARSIZE(q->steps_arg) &&
		memcmp(a, q->steps_arg, VARSIZE(a)) == 0)
		return;
	if (ARR_NDIM(a) > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s steps must be a text[] of labels or a two-dimensional text[] of label sets", q->fn),
				 errdetail("The array has %d dimensions.", ARR_NDIM(a))));
	nsteps = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	per = ARR_NDIM(a) == 2 ? ARR_DIMS(a)[1] : 1;
	if (nsteps < 1 || nsteps > EVENTS_MAX_CONDITIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s takes 1 to %d steps, not %d", q->fn, EVENTS_MAX_CONDITIONS, nsteps),
				 errhint(nsteps < 1 ? "Pass the steps' labels as an array, e.g. '{visit,signup}'." :
						 "Split the funnel, or give a step several labels (a two-dimensional array).")));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	labels = MemoryContextAlloc(mcxt, sizeof(StepLabel) * Max(nelems, 1));
	for (i = 0; i < nelems; i++)
	{
		text	   *t;

		if (nulls[i])
			continue;			/* a NULL label matches no event */
		t = DatumGetTextPP(elems[i]);
		labels[n].len = (int32) VARSIZE_ANY_EXHDR(t);
		labels[n].p = MemoryContextAlloc(mcxt, labels[n].len + 1);
		memcpy(labels[n].p, VARDATA_ANY(t), labels[n].len);
		labels[n].steps = (EventMask) 1 << (i / per);
		n++;
	}
	qsort(labels, n, sizeof(StepLabel), step_label_qsort_cmp);
	/* one entry per label, with every step that names it */
	if (n > 0)
	{
		int			k = 0;

		for (i = 1; i < n; i++)
		{
			if (step_label_qsort_cmp(&labels[k], &labels[i]) == 0)
				labels[k].steps |= labels[i].steps;
			else
				labels[++k] = labels[i];
		}
		n = k + 1;
	}
	if (q->labels)
		pfree(q->labels);
	if (q->steps_arg)
		pfree(q->steps_arg);
	q->labels = labels;
	q->nlabels = n;
	q->nsteps = nsteps;
	q->steps_arg = MemoryContextAlloc(mcxt, VARSIZE(a));
	memcpy(q->steps_arg, a, VARSIZE(a));
}

/* window_funnel's window argument, in microseconds (22023 if negative) */
static void
query_window(FunctionCallInfo fcinfo, SeqQuery *q, int argno)
{
	Interval   *iv = PG_GETARG_INTERVAL_P(argno);

	if (q->window_known && memcmp(iv, &q->window_iv, sizeof(Interval)) == 0)
		return;
	q->window = window_usecs(iv, q->fn);
	if (q->window < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s window must not be negative", q->fn),
				 errdetail("The window is %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv))))));
	q->window_iv = *iv;
	q->window_known = true;
}

/* is t the same text as the kept copy k? */
static bool
same_text(const text *k, text *t)
{
	return k != NULL && VARSIZE_ANY_EXHDR(t) == VARSIZE_ANY_EXHDR(k) &&
		memcmp(VARDATA_ANY(t), VARDATA_ANY(k), VARSIZE_ANY_EXHDR(t)) == 0;
}

/* a copy of t in the call site's memory, replacing *keep */
static void
keep_text(FunctionCallInfo fcinfo, text **keep, text *t)
{
	if (*keep)
		pfree(*keep);
	*keep = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(t));
	memcpy(*keep, t, VARSIZE_ANY(t));
}

/* window_funnel's mode argument (22023 for an unknown one) */
static void
query_mode(FunctionCallInfo fcinfo, SeqQuery *q, int argno)
{
	text	   *t = PG_GETARG_TEXT_PP(argno);
	char	   *s;

	if (same_text(q->mode_arg, t))
		return;
	s = text_to_cstring(t);
	q->mode = events_mode_parse(s, ERRCODE_INVALID_PARAMETER_VALUE, q->fn);
	pfree(s);
	keep_text(fcinfo, &q->mode_arg, t);
}

/* the pattern argument, checked for the steps (22023 saying where it is wrong) */
static void
query_pattern(FunctionCallInfo fcinfo, SeqQuery *q, int argno)
{
	text	   *t = PG_GETARG_TEXT_PP(argno);

	if (same_text(q->pattern, t) && q->pattern_nsteps == q->nsteps)
		return;
	if (VARSIZE_ANY_EXHDR(t) > EVENTS_MAX_PATTERN)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a sequence pattern can be at most %d bytes long", EVENTS_MAX_PATTERN)));
	events_pattern_check(VARDATA_ANY(t), (int) VARSIZE_ANY_EXHDR(t), q->nsteps, true);
	keep_text(fcinfo, &q->pattern, t);
	q->pattern_nsteps = q->nsteps;
	if (q->ev)
	{
		pfree(q->ev);			/* its room for the pattern changed */
		q->ev = NULL;
		q->ev_cap = 0;
	}
}

/*
 * Read a value's dictionary: every code's step set into q->codemask (code 0,
 * a NULL label, is in no step), by one merge of the value's sorted labels
 * with the steps' sorted labels.  Leaves the cursor at the first event.
 */
static void
query_codes(SeqQuery *q, SeqCursor *c)
{
	int			j = 0;
	int64		i;

	if (c->nlabels + 1 > q->codemask_cap)
	{
		int64		cap = Max(c->nlabels + 1, q->codemask_cap * 2);

		if (q->codemask)
			pfree(q->codemask);
		q->codemask = MemoryContextAllocHuge(q->engine.fn_mcxt, sizeof(EventMask) * cap);
		q->codemask_cap = cap;
	}
	q->codemask[0] = 0;
	for (i = 1; i <= c->nlabels; i++)
	{
		SeqLabel	l;
		int			cmp = 1;

		seq_next_label(c, &l);
		while (j < q->nlabels &&
			   (cmp = seq_label_cmp(q->labels[j].p, q->labels[j].len, l.p, l.len)) < 0)
			j++;
		q->codemask[i] = (j < q->nlabels && cmp == 0) ? q->labels[j].steps : 0;
	}
}

/* events_row_cmp for qsort */
static int
row_qsort_cmp(const void *a, const void *b)
{
	return events_row_cmp((const EventRow *) a, (const EventRow *) b);
}

/*
 * The funnel.events value the aggregate would have built from the value's
 * rows (q->ev, sorted): its rows where some step holds, and under a mode
 * that reads them (keep_all) the others too.
 */
static Events *
query_events(SeqQuery *q, struct varlena *v, int kind, bool keep_all)
{
	SeqCursor	c;
	int			patlen = kind == EVENTS_KIND_SEQUENCE ? (int) VARSIZE_ANY_EXHDR(q->pattern) : 0;
	EventRow   *rows;
	int64		n = 0;
	bool		sorted = true;
	int64		i;
	Events	   *e;

	seq_open(v, &c);
	query_codes(q, &c);
	if (q->ev == NULL || c.n > q->ev_cap)
	{
		int64		cap = Max(Max(c.n, q->ev_cap * 2), 16);

		if (q->ev)
			pfree(q->ev);
		cap = Min(cap, EVENTS_MAX_ROWS);
		q->ev = MemoryContextAllocHuge(q->engine.fn_mcxt, EVENTS_SIZE(patlen, cap));
		memset(q->ev, 0, EVENTS_ROWS_OFFSET(patlen));
		if (patlen > 0)
			memcpy(EVENTS_PATTERN(q->ev), VARDATA_ANY(q->pattern), patlen);
		q->ev_cap = cap;
	}
	e = q->ev;
	SET_VARSIZE(e, EVENTS_SIZE(patlen, q->ev_cap));
	e->version = EVENTS_VERSION;
	e->kind = (uint8) kind;
	e->clock = EVENTS_CLOCK_TIMESTAMPTZ;
	e->nconds = (uint8) q->nsteps;
	e->mode = kind == EVENTS_KIND_FUNNEL ? q->mode : 0;
	e->patlen = (uint16) patlen;
	e->cap = (int32) q->ev_cap;
	e->window = kind == EVENTS_KIND_FUNNEL ? q->window : 0;
	rows = EVENTS_ROWS(e);
	for (i = 0; i < c.n; i++)
	{
		int64		ts;
		uint32		code;
		EventMask	m;

		seq_next_event(&c, &ts, &code);
		m = q->codemask[code];
		if (m == 0 && !keep_all)
			continue;
		rows[n].ts = ts;
		rows[n].mask = m;
		rows[n].pad = 0;
		/* equal times: the value's label order may not be the engines' step order */
		if (n > 0 && rows[n - 1].ts == ts && events_row_cmp(&rows[n - 1], &rows[n]) > 0)
			sorted = false;
		n++;
	}
	if (!sorted)
		qsort(rows, (size_t) n, sizeof(EventRow), row_qsort_cmp);
	e->n = (int32) n;
	e->flags = EVENTS_SORTED;
	return e;
}

/* run the engine's final function over q->ev */
static Datum
query_run(FunctionCallInfo fcinfo, SeqQuery *q)
{
	LOCAL_FCINFO(efc, 1);
	Datum		r;

	InitFunctionCallInfoData(*efc, &q->engine, 1, InvalidOid, NULL, NULL);
	efc->args[0].value = PointerGetDatum(q->ev);
	efc->args[0].isnull = false;
	r = q->engine.fn_addr(efc);
	if (efc->isnull)
		fcinfo->isnull = true;
	return r;
}

/*
 * window_funnel and window_funnel_times over a sequence: (seq, window,
 * steps) or (seq, window, mode, steps).
 */
static Datum
seq_funnel_common(FunctionCallInfo fcinfo, SeqQueryKind kind)
{
	SeqQuery   *q = seq_query(fcinfo, kind, kind == SQ_FUNNEL ? "window_funnel" : "window_funnel_times",
							  kind == SQ_FUNNEL ? window_funnel_final : window_funnel_times_final);
	bool		has_mode = PG_NARGS() == 4;
	struct varlena *v = seq_compact(PG_GETARG_DATUM(0));

	query_window(fcinfo, q, 1);
	if (has_mode)
		query_mode(fcinfo, q, 2);
	else
		q->mode = 0;
	query_steps(fcinfo, q, has_mode ? 3 : 2);
	(void) query_events(q, v, EVENTS_KIND_FUNNEL, (q->mode & WF_ALL_ROWS_MODES) != 0);
	return query_run(fcinfo, q);
}

/* window_funnel(seq, window, [mode,] steps text[]) -> int */
PG_FUNCTION_INFO_V1(sequence_window_funnel);
Datum
sequence_window_funnel(PG_FUNCTION_ARGS)
{
	return seq_funnel_common(fcinfo, SQ_FUNNEL);
}

/* window_funnel_times(seq, window, [mode,] steps text[]) -> interval[] */
PG_FUNCTION_INFO_V1(sequence_window_funnel_times);
Datum
sequence_window_funnel_times(PG_FUNCTION_ARGS)
{
	return seq_funnel_common(fcinfo, SQ_TIMES);
}

/* sequence_match and sequence_count over a sequence: (seq, pattern, steps) */
static Datum
seq_pattern_common(FunctionCallInfo fcinfo, SeqQueryKind kind)
{
	SeqQuery   *q = seq_query(fcinfo, kind, kind == SQ_MATCH ? "sequence_match" : "sequence_count",
							  kind == SQ_MATCH ? sequence_match_final : sequence_count_final);
	struct varlena *v = seq_compact(PG_GETARG_DATUM(0));

	query_steps(fcinfo, q, 2);
	query_pattern(fcinfo, q, 1);
	(void) query_events(q, v, EVENTS_KIND_SEQUENCE, false);
	return query_run(fcinfo, q);
}

/* sequence_match(seq, pattern, steps text[]) -> boolean */
PG_FUNCTION_INFO_V1(sequence_sequence_match);
Datum
sequence_sequence_match(PG_FUNCTION_ARGS)
{
	return seq_pattern_common(fcinfo, SQ_MATCH);
}

/* sequence_count(seq, pattern, steps text[]) -> bigint */
PG_FUNCTION_INFO_V1(sequence_sequence_count);
Datum
sequence_sequence_count(PG_FUNCTION_ARGS)
{
	return seq_pattern_common(fcinfo, SQ_COUNT);
}

/*
 * retention(seq, steps text[]) -> boolean[]: the state retention's
 * transition function would have reached -- the steps some event matched,
 * and their number -- given to its final function.  Every label of a
 * value's dictionary is some event's (seqstore.h), so the dictionary
 * alone says which steps occur.
 */
PG_FUNCTION_INFO_V1(sequence_retention);
Datum
sequence_retention(PG_FUNCTION_ARGS)
{
	SeqQuery   *q = seq_query(fcinfo, SQ_RETENTION, "retention", retention_final);
	struct varlena *v = seq_compact(PG_GETARG_DATUM(0));
	SeqCursor	c;
	uint64		state;
	int64		i;

	query_steps(fcinfo, q, 1);
	seq_open(v, &c);
	query_codes(q, &c);
	state = (uint64) 1 << (RETENTION_NCONDS_SHIFT + q->nsteps - 1);
	for (i = 1; i <= c.nlabels; i++)
		state |= q->codemask[i];
	return DirectFunctionCall1(retention_final, Int64GetDatum((int64) state));
}
