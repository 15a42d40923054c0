/*
 * sequence.c
 *		sequence_match and sequence_count: ClickHouse's sequenceMatch and
 *		sequenceCount.  The transition function that collects a group's
 *		events into a funnel.events state (events.h), checking the pattern
 *		once per query, and the final functions: the compiled pattern and
 *		the matcher.  The pattern grammar and its parser are in
 *		events_pattern.h.
 *
 * Events are the state's rows (only rows where some condition held), in
 * EventRow order: time, then lowest true condition, then the set of
 * conditions.  ClickHouse leaves rows with equal times in an unspecified
 * order; this is our definition.
 *
 * What ClickHouse computes.  ClickHouse turns the pattern into actions
 * a0 a1 .. am, a0 being an implicit ".*", and searches depth first for a
 * way through them over the events e0 .. e(n-1).  Write (a, e) for "action
 * a is next, event e is the next one to read", e = n meaning the events ran
 * out.  From (a, e), e < n:
 *	(?k)	if e holds condition k, go to (a+1, e+1); else fail
 *	.		go to (a+1, e+1)
 *	.*		try (a+1, e) first, then (a, e+1) -- but never (a, n): a star
 *			does not swallow the last event
 *	time	the condition compares the time of an event q >= e (q < n) with
 *			that of a base event b: b = e-1 (the event just matched) when the
 *			action before is (?k) or ".", b = e when it is ".*" (so after a
 *			star, and at the start, the base is the first event after the
 *			star's run, not the last matched one); try (a+1, q) for each q
 *			with ts[q] - ts[b] op N, smallest q first.  Events between e and
 *			q are skipped: "(?1)(?t>5)(?2)" is a (?2) more than 5 s after the
 *			(?1), anything in between.
 * (m+1, e) is a match ending at e.  (a, n) is a match ending at n when every
 * action from a on is ".*", (?t<N), (?t<=N) or (?t>=0) (ClickHouse lets
 * those match nothing once the events run out); otherwise a failure.
 * sequence_match is "a match exists from (0, 0)".  sequence_count starts at
 * (0, 0), takes the first match in the search order above, counts it, and
 * starts again at the event where it ended (one further if it read no
 * event), until a search fails.  One more rule: when a search fails,
 * ClickHouse's backtracking leaves it at (a0, n), so the search still
 * succeeds (ending at n) when the whole pattern may match nothing there;
 * among valid patterns that only changes the answer for ones using
 * (?t<0), which fails everywhere else.  ClickHouse's separate automaton for
 * sequenceMatch without time conditions gives the same answers.
 *
 * How we compute it, in polynomial time.  ClickHouse's search can take
 * exponential time (it gives up after a million steps with "Pattern
 * application proves too difficult").  Whether a match exists from (a, e)
 * depends only on (a, e) (the base of a time condition is fixed by its entry
 * position), so one backward pass over the events, e = n .. 0, fills
 * reach(a, e) for every action: O(actions x events) time, a column of
 * actions at a time.  A time condition at (a, e) asks whether some q in a
 * range of positions has reach(a+1, q); the ranges move monotonically with
 * e, so per time condition two pointers (first q whose span is >= N, first
 * whose span is > N) and, per action, the nearest and farthest reachable q
 * found so far answer it in O(1); "==" with a range strictly ahead of e
 * scans a stored bit row once per distinct range.  sequence_count then
 * replays ClickHouse's search without backtracking: at every choice it takes
 * the first alternative (in ClickHouse's order) from which a match is
 * reachable, which is where the depth-first search finds its first match.
 * That needs reach(a+1, .) as a bit row for each ".*" and time condition:
 * one bit per event each, bounded (SEQ_MAX_BITS_BYTES, else 54000).  Both
 * check for interrupts.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "events.h"
#include "events_pattern.h"

/* ---------------------------------------------------------------- collecting rows */

/* the transition function's arguments: (state, pattern, ts, conds) */
#define SEQ_ARG_PATTERN 1
#define SEQ_ARG_TIME 2

/* the transition function's call site cache (events.h) */
typedef struct SequenceArgCache
{
	EventsArgCache ev;			/* first: events_arg_cache fills it */
	int			checked_nconds; /* the pattern in ev.param was checked for this many */
} SequenceArgCache;

/* the call site's cache; on the first row, the layout (state, pattern, ts, conds) */
static SequenceArgCache *
sequence_arg_cache(FunctionCallInfo fcinfo)
{
	SequenceArgCache *c = (SequenceArgCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
		c = (SequenceArgCache *) events_arg_cache(fcinfo, "sequence_match", sizeof(SequenceArgCache),
												  SEQ_ARG_TIME);
	return c;
}

/*
 * The row's pattern: checked (22023 saying where it is wrong) the first
 * time and whenever it or the number of conditions differs from the last
 * row's.  A pattern that changes at a call site means a group's state may
 * hold another one: from then on every state is read and compared.
 */
static text *
sequence_pattern(FunctionCallInfo fcinfo, SequenceArgCache *c)
{
	text	   *pat = PG_GETARG_TEXT_PP(SEQ_ARG_PATTERN);

	if (!events_param_is(&c->ev, pat) || c->checked_nconds != c->ev.nconds)
	{
		if (c->ev.param != NULL)
			c->ev.must_read = true;
		if (VARSIZE_ANY_EXHDR(pat) > EVENTS_MAX_PATTERN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a sequence pattern can be at most %d bytes long", EVENTS_MAX_PATTERN)));
		events_pattern_check(VARDATA_ANY(pat), (int) VARSIZE_ANY_EXHDR(pat), c->ev.nconds,
							 c->ev.clock != EVENTS_CLOCK_BIGINT);
		events_keep_param(fcinfo, &c->ev, pat);
		c->checked_nconds = c->ev.nconds;
	}
	return pat;
}

/*
 * events_sequence_transfn(state, pattern, ts, conds[])
 *		sequence_match and sequence_count: only rows where some condition
 *		holds are events.
 */
PG_FUNCTION_INFO_V1(events_sequence_transfn);
Datum
events_sequence_transfn(PG_FUNCTION_ARGS)
{
	SequenceArgCache *c;
	text	   *pat;
	EventMask	mask = 0;
	int64		ts;
	Events	   *e;

	events_require_aggregate(fcinfo, "funnel.events_sequence_transfn");
	c = sequence_arg_cache(fcinfo);
	if (!events_read_row(fcinfo, &c->ev, &mask))
		return events_state_unchanged(fcinfo);
	pat = sequence_pattern(fcinfo, c);
	c->ev.known = true;
	ts = events_row_time(fcinfo, &c->ev);
	/* a row where no condition holds: as in events_funnel_transfn */
	if (mask == 0 && !c->ev.must_read && !PG_ARGISNULL(0))
		return events_state_unchanged(fcinfo);

	if (PG_ARGISNULL(0))
	{
		int			len = (int) VARSIZE_ANY_EXHDR(pat);

		e = events_start(EVENTS_KIND_SEQUENCE, c->ev.clock, c->ev.nconds, len);
		memcpy(EVENTS_PATTERN(e), VARDATA_ANY(pat), len);
	}
	else
	{
		e = events_own_state(fcinfo, EVENTS_KIND_SEQUENCE, c->ev.clock, c->ev.fn);
		if (e->patlen != VARSIZE_ANY_EXHDR(pat) || memcmp(EVENTS_PATTERN(e), VARDATA_ANY(pat), e->patlen) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the sequence pattern must be the same for every row of a group")));
		events_check_nconds(e, c->ev.nconds, c->ev.fn);
	}
	if (mask == 0)
		PG_RETURN_POINTER(e);
	PG_RETURN_POINTER(events_append(e, ts, mask));
}

/* ---------------------------------------------------------------- compiled patterns */

/* a compiled pattern, cached per call site with its scratch space */
typedef struct SeqCache
{
	/* the key */
	char	   *text;
	int			len;
	int			nconds;
	int			clock;

	/* the pattern */
	int			nact;			/* actions, acts[0] being the implicit .* */
	EventMask	needs;			/* conditions some (?N) needs */
	SeqAction  *acts;
	bool	   *skip;			/* skip[a]: actions a.. may match nothing at the end (nact + 1) */
	bool	   *kept;			/* kept[r]: reach(r, .) is needed as a bit row (count) */
	bool	   *kept_match;		/* the same for sequence_match: rows after (?t==N) */

	/* scratch for one run, nact + 1 each */
	bool	   *cur;
	bool	   *nxt;
	int64	   *minq;			/* nearest q >= e with reach(a, q), -1 if none yet */
	int64	   *maxq;			/* farthest q < n with reach(a, q), -1 if none yet */
	int64	   *ptr_ge;			/* time action: first q >= b with span(b, q) >= N */
	int64	   *ptr_gt;			/* time action: first q >= b with span(b, q) > N */
	int64	   *eq_lo;			/* (?t==N): the range start of the cached answer */
	int64	   *eq_ans;			/* its answer */
} SeqCache;

/* the bit rows of one run: at most this many bytes */
#define SEQ_MAX_BITS_BYTES ((Size) 1024 * 1024 * 1024)

/* can the action match nothing once the events have run out? (ClickHouse's list) */
static bool
seq_skippable(const SeqAction *a)
{
	return a->op == SEQ_STAR || a->op == SEQ_LT || a->op == SEQ_LE ||
		(a->op == SEQ_GE && a->n == 0);
}

/* the compiled pattern of this state, parsed once per call site */
static SeqCache *
seq_compiled(FunctionCallInfo fcinfo, const Events *e)
{
	SeqCache   *c = (SeqCache *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	const char *p = EVENTS_PATTERN(e);
	int			len = e->patlen;
	int			nact;
	SeqAction  *acts;
	SeqSyntax	err;
	int			a;

	if (c != NULL && c->len == len && c->nconds == e->nconds && c->clock == e->clock &&
		memcmp(c->text, p, len) == 0)
		return c;

	/*
	 * Parse (the parser converts the times to clock units; it refuses a time
	 * condition too long for the clock) before touching the cache: an error
	 * leaves the cache as it was.
	 */
	nact = events_pattern_parse(p, len, e->nconds, e->clock != EVENTS_CLOCK_BIGINT, NULL, &err);
	if (nact < 0)
		events_pattern_raise(&err);
	acts = MemoryContextAlloc(mcxt, sizeof(SeqAction) * nact);
	(void) events_pattern_parse(p, len, e->nconds, e->clock != EVENTS_CLOCK_BIGINT, acts, &err);

	if (c == NULL)
		c = MemoryContextAllocZero(mcxt, sizeof(SeqCache));
	else
	{
		/* another pattern at this call site (one per group is possible): rebuild */
		pfree(c->text);
		pfree(c->acts);
		pfree(c->skip);
		pfree(c->kept);
		pfree(c->kept_match);
		pfree(c->cur);
		pfree(c->nxt);
		pfree(c->minq);
		pfree(c->maxq);
		pfree(c->ptr_ge);
		pfree(c->ptr_gt);
		pfree(c->eq_lo);
		pfree(c->eq_ans);
	}
	c->text = MemoryContextAlloc(mcxt, len + 1);
	memcpy(c->text, p, len);
	c->len = len;
	c->nconds = e->nconds;
	c->clock = e->clock;
	c->nact = nact;
	c->acts = acts;
	c->skip = MemoryContextAlloc(mcxt, sizeof(bool) * (nact + 1));
	c->kept = MemoryContextAllocZero(mcxt, sizeof(bool) * (nact + 1));
	c->kept_match = MemoryContextAllocZero(mcxt, sizeof(bool) * (nact + 1));
	c->cur = MemoryContextAlloc(mcxt, sizeof(bool) * (nact + 1));
	c->nxt = MemoryContextAlloc(mcxt, sizeof(bool) * (nact + 1));
	c->minq = MemoryContextAlloc(mcxt, sizeof(int64) * (nact + 1));
	c->maxq = MemoryContextAlloc(mcxt, sizeof(int64) * (nact + 1));
	c->ptr_ge = MemoryContextAlloc(mcxt, sizeof(int64) * (nact + 1));
	c->ptr_gt = MemoryContextAlloc(mcxt, sizeof(int64) * (nact + 1));
	c->eq_lo = MemoryContextAlloc(mcxt, sizeof(int64) * (nact + 1));
	c->eq_ans = MemoryContextAlloc(mcxt, sizeof(int64) * (nact + 1));

	c->needs = 0;
	c->skip[nact] = true;
	for (a = nact - 1; a >= 0; a--)
		c->skip[a] = seq_skippable(&acts[a]) && c->skip[a + 1];
	for (a = 0; a < nact; a++)
	{
		if (acts[a].op == SEQ_EVENT)
			c->needs |= (EventMask) 1 << acts[a].cond;
		/* the rows the replay of sequence_count reads (row nact is all true) */
		if ((acts[a].op == SEQ_STAR || SEQ_IS_TIME(acts[a].op)) && a + 1 < nact)
			c->kept[a + 1] = true;
		if (acts[a].op == SEQ_EQ && a + 1 < nact)
			c->kept_match[a + 1] = true;
	}
	fcinfo->flinfo->fn_extra = c;
	return c;
}

/* ---------------------------------------------------------------- matcher */

/* one run of the matcher over a group's events */
typedef struct SeqRun
{
	SeqCache   *c;
	const EventRow *ev;
	int64		n;
	uint64	  **bits;			/* bits[r]: reach(r, q) for q < n, or NULL */
} SeqRun;

/* a bit row: bit q of word SEQ_WORD(q), at SEQ_BIT(q) */
#define SEQ_WORD_SHIFT 6
#define SEQ_WORD_BITS (1 << SEQ_WORD_SHIFT)	/* bits in a uint64 */
#define SEQ_WORD(q) ((q) >> SEQ_WORD_SHIFT)
#define SEQ_BIT(q) ((q) & (SEQ_WORD_BITS - 1))
StaticAssertDecl(SEQ_WORD_BITS == sizeof(uint64) * BITS_PER_BYTE, "a bit row word is a uint64");

/* the backward pass checks for interrupts after this many (action, event) steps */
#define SEQ_INTERRUPT_STEPS 65536

/* the first q in [from, to) with reach(r, q), or -1 */
static int64
seq_next(const SeqRun *run, int r, int64 from, int64 to)
{
	const uint64 *w = run->bits[r];
	int64		i;
	uint64		word;

	if (from >= to)
		return -1;
	if (r == run->c->nact)
		return from;			/* every action done: reachable everywhere */
	Assert(w != NULL);
	i = SEQ_WORD(from);
	word = w[i] & (~(uint64) 0 << SEQ_BIT(from));
	for (;;)
	{
		if (word != 0)
		{
			int64		q = (i << SEQ_WORD_SHIFT) + __builtin_ctzll(word);

			return q < to ? q : -1;
		}
		i++;
		if ((i << SEQ_WORD_SHIFT) >= to)
			return -1;
		word = w[i];
	}
}

/*
 * The backward pass: reach(a, e) for e = n-1 .. 0.  With stop_at_match,
 * returns true as soon as reach(1, e) holds for some e, i.e. a match from
 * (0, 0) exists (n > 0).  Fills the kept bit rows.
 */
static bool
seq_backward(SeqRun *run, const bool *kept, bool stop_at_match)
{
	SeqCache   *c = run->c;
	const EventRow *ev = run->ev;
	int64		n = run->n;
	int			nact = c->nact;
	bool	   *cur = c->cur;
	bool	   *nxt = c->nxt;
	int64		work = 0;
	int64		e;
	int			a;

	for (a = 0; a <= nact; a++)
	{
		nxt[a] = c->skip[a];	/* reach(a, n) */
		c->minq[a] = -1;
		c->maxq[a] = -1;
		c->ptr_ge[a] = n;
		c->ptr_gt[a] = n;
		c->eq_lo[a] = -1;
		c->eq_ans[a] = -1;
	}
	for (e = n - 1; e >= 0; e--)
	{
		EventMask	mask = ev[e].mask;
		bool	   *t;

		work += nact + 1;
		if (work >= SEQ_INTERRUPT_STEPS)
		{
			CHECK_FOR_INTERRUPTS();
			work = 0;
		}
		cur[nact] = true;
		c->minq[nact] = e;
		if (c->maxq[nact] < 0)
			c->maxq[nact] = e;
		for (a = nact - 1; a >= 0; a--)
		{
			const SeqAction *x = &c->acts[a];
			bool		v = false;

			switch (x->op)
			{
				case SEQ_EVENT:
					v = ((mask >> x->cond) & 1) && nxt[a + 1];
					break;
				case SEQ_ANY:
					v = nxt[a + 1];
					break;
				case SEQ_STAR:
					v = cur[a + 1] || (e + 1 < n && nxt[a]);
					break;
				default:
					if (e >= x->shift)
					{
						int64		b = e - x->shift;
						int64		ge = c->ptr_ge[a];
						int64		gt = c->ptr_gt[a];
						int64		lo;
						int64		hi;

						/* first q >= b with span >= N, > N: they only move down */
						while (ge - 1 >= b && events_span(ev[b].ts, ev[ge - 1].ts) >= x->span)
							ge--;
						while (gt - 1 >= b && events_span(ev[b].ts, ev[gt - 1].ts) > x->span)
							gt--;
						c->ptr_ge[a] = ge;
						c->ptr_gt[a] = gt;
						switch (x->op)
						{
							case SEQ_LT:
								v = c->minq[a + 1] >= 0 && c->minq[a + 1] < ge;
								break;
							case SEQ_LE:
								v = c->minq[a + 1] >= 0 && c->minq[a + 1] < gt;
								break;
							case SEQ_GT:
								v = c->maxq[a + 1] >= 0 && c->maxq[a + 1] >= gt;
								break;
							case SEQ_GE:
								v = c->maxq[a + 1] >= 0 && c->maxq[a + 1] >= ge;
								break;
							case SEQ_EQ:
								lo = Max(ge, e);
								hi = gt;
								if (lo >= hi)
									v = false;
								else if (lo == e)
									v = c->minq[a + 1] >= 0 && c->minq[a + 1] < hi;
								else
								{
									/* a range wholly ahead: its bits are final */
									if (c->eq_lo[a] != lo)
									{
										c->eq_lo[a] = lo;
										c->eq_ans[a] = seq_next(run, a + 1, lo, hi);
									}
									v = c->eq_ans[a] >= 0;
								}
								break;
						}
					}
					break;
			}
			cur[a] = v;
			if (v)
			{
				c->minq[a] = e;
				if (c->maxq[a] < 0)
					c->maxq[a] = e;
				if (kept[a])
					run->bits[a][SEQ_WORD(e)] |= (uint64) 1 << SEQ_BIT(e);
			}
		}
		if (stop_at_match && cur[1])
			return true;
		t = cur;
		cur = nxt;
		nxt = t;
	}
	return false;
}

/* allocate the bit rows marked in kept (54000 past SEQ_MAX_BITS_BYTES) */
static void
seq_alloc_bits(SeqRun *run, const bool *kept)
{
	SeqCache   *c = run->c;
	Size		words = (Size) ((run->n + SEQ_WORD_BITS - 1) / SEQ_WORD_BITS);
	int			rows = 0;
	int			r;

	for (r = 0; r <= c->nact; r++)
		rows += kept[r] ? 1 : 0;
	run->bits = palloc0(sizeof(uint64 *) * (c->nact + 1));
	if (rows == 0)
		return;
	if (words > SEQ_MAX_BITS_BYTES / sizeof(uint64) / rows)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sequence pattern is too complex for a group of " INT64_FORMAT " events", run->n),
				 errdetail("Matching keeps one bit per event for each of the pattern's %d \".*\" and time conditions, more than 1 GB.",
						   rows),
				 errhint("Use fewer \".*\" and time conditions, or group by a finer key.")));
	for (r = 0; r <= c->nact; r++)
		if (kept[r])
			run->bits[r] = palloc0(words * sizeof(uint64));
}

/* free a run's bit rows */
static void
seq_free_bits(SeqRun *run)
{
	int			r;

	for (r = 0; r <= run->c->nact; r++)
		if (run->bits[r])
			pfree(run->bits[r]);
	pfree(run->bits);
}

/* the first q >= b with span(b, q) >= N (strict: > N), by binary search */
static int64
seq_first_span(const SeqRun *run, int64 b, uint64 span, bool strict)
{
	int64		lo = b;
	int64		hi = run->n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		uint64		s = events_span(run->ev[b].ts, run->ev[mid].ts);

		if (strict ? s > span : s >= span)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * ClickHouse's first match from (0, pos), pos < n, given the bit rows:
 * returns where it ends, or -1 when there is none.
 */
static int64
seq_first_match(const SeqRun *run, int64 pos)
{
	SeqCache   *c = run->c;
	int64		n = run->n;
	int			a = 1;
	int64		e = seq_next(run, 1, pos, n);	/* the leading .* */

	if (e < 0)
		return -1;
	for (;;)
	{
		const SeqAction *x;

		if (a == c->nact)
			return e;
		if (e == n)
		{
			Assert(c->skip[a]);
			return n;
		}
		x = &c->acts[a];
		switch (x->op)
		{
			case SEQ_EVENT:
			case SEQ_ANY:
				e++;
				break;
			case SEQ_STAR:
				e = seq_next(run, a + 1, e, n);
				break;
			default:
				{
					int64		b = e - x->shift;
					int64		lo = e;
					int64		hi = n;

					/* the positions q >= e whose span from b satisfies the condition */
					switch (x->op)
					{
						case SEQ_LT:
							hi = seq_first_span(run, b, x->span, false);
							break;
						case SEQ_LE:
							hi = seq_first_span(run, b, x->span, true);
							break;
						case SEQ_GT:
							lo = Max(e, seq_first_span(run, b, x->span, true));
							break;
						case SEQ_GE:
							lo = Max(e, seq_first_span(run, b, x->span, false));
							break;
						case SEQ_EQ:
							lo = Max(e, seq_first_span(run, b, x->span, false));
							hi = seq_first_span(run, b, x->span, true);
							break;
					}
					e = seq_next(run, a + 1, lo, hi);
				}
				break;
		}
		/*
		 * Can't happen: every step follows reach(), which says a match
		 * exists from here.  A value from events_in/events_recv is validated
		 * to be one the transition function could have built (pattern
		 * included), so no input reaches this.
		 */
		if (e < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg_internal("sequence_count lost its match at action %d", a),
					 errdetail_internal("The pattern is \"%s\"; the group has " INT64_FORMAT " events.",
										pnstrdup(c->text, c->len), n)));
		a++;
	}
}

/* has every condition the pattern names held on some event? */
static bool
seq_conditions_met(const SeqCache *c, const Events *e)
{
	const EventRow *ev = EVENTS_ROWS(e);
	EventMask	met = 0;
	int64		i;

	if (c->needs == 0)
		return true;
	for (i = 0; i < e->n; i++)
	{
		met |= ev[i].mask;
		if ((met & c->needs) == c->needs)
			return true;
	}
	return false;
}

/* sequence_match's final function: does the pattern match the group's events? */
PG_FUNCTION_INFO_V1(sequence_match_final);
Datum
sequence_match_final(PG_FUNCTION_ARGS)
{
	Events	   *e = events_final_arg(fcinfo, EVENTS_KIND_SEQUENCE, "sequence_match");
	SeqCache   *c;
	SeqRun		run;
	bool		match;

	if (e == NULL)
		PG_RETURN_BOOL(false);
	c = seq_compiled(fcinfo, e);
	if (e->n == 0)
		PG_RETURN_BOOL(c->skip[0]);
	if (!seq_conditions_met(c, e))
		PG_RETURN_BOOL(false);	/* a (?N) can never match */
	run.c = c;
	run.ev = EVENTS_ROWS(e);
	run.n = e->n;
	seq_alloc_bits(&run, c->kept_match);
	match = seq_backward(&run, c->kept_match, true) || c->skip[0];
	seq_free_bits(&run);
	PG_RETURN_BOOL(match);
}

/* sequence_count's final function: how many non-overlapping matches, as ClickHouse counts them */
PG_FUNCTION_INFO_V1(sequence_count_final);
Datum
sequence_count_final(PG_FUNCTION_ARGS)
{
	Events	   *e = events_final_arg(fcinfo, EVENTS_KIND_SEQUENCE, "sequence_count");
	SeqCache   *c;
	SeqRun		run;
	int64		count = 0;
	int64		pos = 0;

	if (e == NULL || e->n == 0)
		PG_RETURN_INT64(0);
	c = seq_compiled(fcinfo, e);
	if (!seq_conditions_met(c, e))
		PG_RETURN_INT64(0);
	run.c = c;
	run.ev = EVENTS_ROWS(e);
	run.n = e->n;
	seq_alloc_bits(&run, c->kept);
	(void) seq_backward(&run, c->kept, false);
	while (pos < run.n)
	{
		int64		end;

		CHECK_FOR_INTERRUPTS();
		end = seq_first_match(&run, pos);
		if (end < 0)
		{
			/* ClickHouse's failed search ends at (a0, n): see the header */
			if (c->skip[0])
				count++;
			break;
		}
		count++;
		pos = end > pos ? end : pos + 1;
	}
	seq_free_bits(&run);
	PG_RETURN_INT64(count);
}
