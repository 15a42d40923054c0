/*
 * detail_engine.c
 *		window_funnel_detail's engine: the best chain of one group's sorted
 *		events under the funnel options (the rules are in detail_engine.h).
 *
 * For each entry (an event of step 1) the events that can belong to its
 * chains are those of the whole-chain window [t, t + window] (with its key
 * when a key is held).  A forward pass marks, per event, the steps it can
 * fill in some chain from that entry (reach): a step-k event is reachable
 * when a reachable event of an earlier step (k - 1, or before it when the
 * steps between are optional) lies at or before it with a valid gap and no
 * exclusion between.  The entry's level is its highest reachable step.
 * For the entries of the best level, the fastest chain: the earliest event
 * of the last step, a backward pass marks the events that can still lead
 * to it (back), then step by step the earliest such event that can follow
 * the one chosen (that greedy choice is the lexicographic minimum, since
 * every choice keeps the end reachable).
 *
 * Cost per entry: O(m * steps) for the forward pass without exclusions
 * (one sweep per step keeping the latest predecessor), O(m^2 * steps) with
 * exclusions and for the backward pass of the best-level entries, where m is
 * the number of events in the entry's window.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "detail_engine.h"

/* events a scan holds its marks for without allocating */
#define WFD_SCAN_ROOM 64

/* one entry's candidate events: indexes into the array, and per candidate its marks */
typedef struct WfdScan
{
	const WfdEvent *ev;
	const WfdRules *rules;
	int			lo;				/* first candidate index (the entry's instant) */
	int			hi;				/* one past the last */
	EventMask  *reach;			/* [i - lo]: steps event i can fill */
	EventMask  *back;			/* [i - lo]: steps from which the end is reachable */
	int64	  **xts;			/* per exclusion: times of its condition's rows */
	int		   *nxts;
	EventMask	predok[WFD_MAX_STEPS];	/* [k]: steps a chain may come from to step k */
	/* room for small groups, so that most groups allocate nothing */
	EventMask	reach_room[WFD_SCAN_ROOM];
	EventMask	back_room[WFD_SCAN_ROOM];
} WfdScan;

/* does event i take part (its key is the entry's, when a key is held)? */
static inline bool
key_ok(const WfdScan *s, int entry, int i)
{
	const WfdEvent *a = &s->ev[entry];
	const WfdEvent *b = &s->ev[i];

	if (!s->rules->hold)
		return true;
	return !b->key_null && a->keylen == b->keylen && memcmp(a->key, b->key, a->keylen) == 0;
}

/* the first index of a sorted time array with a time > x */
static int
times_bound(const int64 *t, int n, int64 x)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (t[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * May a chain go from an event of step a (0-based) at time ta to one of
 * step b at tb (ta <= tb)?  The gap limits of step b, and every exclusion
 * whose span holds the move: none of its rows in (ta, tb].  (The moves of a
 * chain inside the span cover (t(i), t(min(j, L))] exactly, also when
 * several steps share an instant.)
 */
static bool
move_ok(const WfdScan *s, int a, int64 ta, int b, int64 tb)
{
	const WfdRules *r = s->rules;
	uint64		gap = (uint64) tb - (uint64) ta;
	int			x;

	if (r->step_window[b] != WFD_NO_LIMIT && gap > (uint64) r->step_window[b])
		return false;
	if (r->max_gap != WFD_NO_LIMIT && gap > (uint64) r->max_gap)
		return false;
	for (x = 0; x < r->nexcl; x++)
	{
		const WfdExclusion *e = &r->excl[x];
		int			i;

		if (a < e->from - 1 || b > e->to - 1)
			continue;
		i = times_bound(s->xts[x], s->nxts[x], ta);
		if (i < s->nxts[x] && s->xts[x][i] <= tb)
			return false;
	}
	return true;
}

/* the steps a chain may come from to step k: k - 1, or earlier over optional steps */
static void
make_predok(WfdScan *s)
{
	int			k;

	s->predok[0] = 0;
	for (k = 1; k < s->rules->nsteps; k++)
	{
		int			a = k - 1;
		EventMask	m = (EventMask) 1 << a;

		while (a > 0 && (s->rules->optional & ((EventMask) 1 << a)))
		{
			a--;
			m |= (EventMask) 1 << a;
		}
		s->predok[k] = m;
	}
}

/*
 * Forward pass from the entry: reach marks; returns the entry's level.
 */
static int
scan_reach(WfdScan *s, int entry)
{
	const WfdEvent *ev = s->ev;
	int			m = s->hi - s->lo;
	int			level = 1;
	int			k;
	int			i;

	memset(s->reach, 0, sizeof(EventMask) * m);
	s->reach[entry - s->lo] = 1;
	for (k = 1; k < s->rules->nsteps; k++)
	{
		EventMask	bit = (EventMask) 1 << k;
		bool		any = false;

		if (s->rules->nexcl == 0)
		{
			/* one sweep, instant by instant: the latest predecessor at or before */
			bool		have = false;
			int64		latest = 0;

			for (i = s->lo; i < s->hi;)
			{
				int			end = i + 1;
				int			j;

				while (end < s->hi && ev[end].ts == ev[i].ts)
					end++;
				for (j = i; j < end; j++)
					if (s->reach[j - s->lo] & s->predok[k])
					{
						have = true;
						latest = ev[j].ts;
					}
				if (have)
					for (j = i; j < end; j++)
						if ((ev[j].mask & bit) && key_ok(s, entry, j) &&
							move_ok(s, 0, latest, k, ev[j].ts))
						{
							s->reach[j - s->lo] |= bit;
							any = true;
						}
				i = end;
			}
		}
		else
		{
			for (i = s->lo; i < s->hi; i++)
			{
				int			p;
				int			last = i;

				if (!(ev[i].mask & bit) || !key_ok(s, entry, i))
					continue;
				while (last + 1 < s->hi && ev[last + 1].ts == ev[i].ts)
					last++;
				for (p = last; p >= s->lo; p--)
				{
					EventMask	from = s->reach[p - s->lo] & s->predok[k];

					if (from == 0)
						continue;
					while (from)
					{
						int			a = __builtin_ctz(from);

						if (move_ok(s, a, ev[p].ts, k, ev[i].ts))
							break;
						from &= from - 1;
					}
					if (from)
					{
						s->reach[i - s->lo] |= bit;
						any = true;
						break;
					}
				}
			}
		}
		if (any)
			level = k + 1;
		else if (!(s->rules->optional & bit))
			break;				/* nothing can follow a step no event fills */
	}
	return level;
}

/*
 * The fastest chain of the given level from the entry (scan_reach has
 * marked it): into out->row.
 */
static void
scan_chain(WfdScan *s, int entry, int level, WfdChain *out)
{
	const WfdEvent *ev = s->ev;
	int			m = s->hi - s->lo;
	EventMask	lastbit = (EventMask) 1 << (level - 1);
	int			end = -1;
	int			i;
	int			j;
	int			cur;
	int			curstep;

	for (i = s->lo; i < s->hi && end < 0; i++)
		if (s->reach[i - s->lo] & lastbit)
			end = i;
	Assert(end >= 0);
	memset(s->back, 0, sizeof(EventMask) * m);
	s->back[end - s->lo] = lastbit;
	for (j = level - 2; j >= 0; j--)
	{
		EventMask	bit = (EventMask) 1 << j;

		for (i = s->lo; i < s->hi; i++)
		{
			int			r;

			if (!(s->reach[i - s->lo] & bit))
				continue;
			for (r = s->lo; r < s->hi; r++)
			{
				EventMask	to = s->back[r - s->lo];

				if (ev[r].ts < ev[i].ts)
					continue;
				while (to)
				{
					int			b = __builtin_ctz(to);

					if (b > j && (s->predok[b] & bit) && move_ok(s, j, ev[i].ts, b, ev[r].ts))
						break;
					to &= to - 1;
				}
				if (to)
				{
					s->back[i - s->lo] |= bit;
					break;
				}
			}
		}
	}
	out->level = level;
	out->row[0] = entry;
	cur = entry;
	curstep = 0;
	for (j = 1; j < level; j++)
	{
		EventMask	bit = (EventMask) 1 << j;

		out->row[j] = -1;
		if (!(s->predok[j] & ((EventMask) 1 << curstep)))
			continue;
		for (i = s->lo; i < s->hi; i++)
			if ((s->back[i - s->lo] & bit) && ev[i].ts >= ev[cur].ts &&
				move_ok(s, curstep, ev[cur].ts, j, ev[i].ts))
			{
				out->row[j] = i;
				cur = i;
				curstep = j;
				break;
			}
	}
	for (j = level; j < WFD_MAX_STEPS; j++)
		out->row[j] = -1;
}

/*
 * Is chain a faster than chain b (same level): total time, then each step's
 * time from the entry (a left-out step is later than any), then the entry,
 * then the rows' positions.
 */
static bool
chain_faster(const WfdEvent *ev, const WfdChain *a, const WfdChain *b)
{
	int			L = a->level;
	int64		a1 = ev[a->row[0]].ts;
	int64		b1 = ev[b->row[0]].ts;
	uint64		ta = (uint64) ev[a->row[L - 1]].ts - (uint64) a1;
	uint64		tb = (uint64) ev[b->row[L - 1]].ts - (uint64) b1;
	int			k;

	if (ta != tb)
		return ta < tb;
	for (k = 1; k < L - 1; k++)
	{
		if ((a->row[k] < 0) != (b->row[k] < 0))
			return a->row[k] >= 0;
		if (a->row[k] >= 0)
		{
			ta = (uint64) ev[a->row[k]].ts - (uint64) a1;
			tb = (uint64) ev[b->row[k]].ts - (uint64) b1;
			if (ta != tb)
				return ta < tb;
		}
	}
	if (a1 != b1)
		return a1 < b1;
	for (k = 0; k < L; k++)
		if (a->row[k] != b->row[k])
			return a->row[k] < b->row[k];
	return false;
}

/* the scan of one group: the exclusion rows' times, the work arrays (freed by scan_end) */
static void
scan_begin(WfdScan *s, const WfdEvent *ev, int n, const WfdRules *rules)
{
	int			x;
	int			i;

	s->ev = ev;
	s->rules = rules;
	s->reach = n <= WFD_SCAN_ROOM ? s->reach_room : palloc(sizeof(EventMask) * n);
	s->back = n <= WFD_SCAN_ROOM ? s->back_room : palloc(sizeof(EventMask) * n);
	s->xts = NULL;
	s->nxts = NULL;
	if (rules->nexcl > 0)
	{
		s->xts = palloc(sizeof(int64 *) * rules->nexcl);
		s->nxts = palloc0(sizeof(int) * rules->nexcl);
	}
	for (x = 0; x < rules->nexcl; x++)
	{
		EventMask	bit = (EventMask) 1 << rules->excl[x].cond;

		s->xts[x] = palloc(sizeof(int64) * n);
		for (i = 0; i < n; i++)
			if (ev[i].mask & bit)
				s->xts[x][s->nxts[x]++] = ev[i].ts;
	}
	make_predok(s);
}

/* free what scan_begin took */
static void
scan_end(WfdScan *s)
{
	int			x;

	for (x = 0; x < s->rules->nexcl; x++)
		pfree(s->xts[x]);
	if (s->xts)
		pfree(s->xts);
	if (s->nxts)
		pfree(s->nxts);
	if (s->reach != s->reach_room)
		pfree(s->reach);
	if (s->back != s->back_room)
		pfree(s->back);
}

/* the candidates of the entry at index i: its instant's first event to the end of its window */
static void
scan_window(WfdScan *s, int n, int i)
{
	const WfdEvent *ev = s->ev;
	int			lo = i;
	int			hi = i + 1;

	while (lo > 0 && ev[lo - 1].ts == ev[i].ts)
		lo--;
	while (hi < n && (uint64) ev[hi].ts - (uint64) ev[i].ts <= (uint64) s->rules->window)
		hi++;
	s->lo = lo;
	s->hi = hi;
}

/* see detail_engine.h */
int
wfd_attempts(const WfdEvent *ev, int n, const WfdRules *rules, int *levels)
{
	WfdScan		s;
	int			count = 0;
	bool		have_end = false;
	int64		end = 0;
	int			i;

	if (n == 0)
		return 0;
	scan_begin(&s, ev, n, rules);
	for (i = 0; i < n; i++)
	{
		WfdChain	c;
		int			level;

		if (!(ev[i].mask & 1) || (rules->hold && ev[i].key_null) || (have_end && ev[i].ts <= end))
			continue;
		scan_window(&s, n, i);
		level = scan_reach(&s, i);
		scan_chain(&s, i, level, &c);
		levels[count++] = level;
		end = ev[c.row[level - 1]].ts;
		have_end = true;
		CHECK_FOR_INTERRUPTS();
	}
	scan_end(&s);
	return count;
}

/* see detail_engine.h */
void
wfd_best_chain(const WfdEvent *ev, int n, const WfdRules *rules, WfdChain *out)
{
	WfdScan		s;
	int			best = 0;
	int		   *levels;
	int			level_room[WFD_SCAN_ROOM];
	int			i;

	memset(out, 0, sizeof(WfdChain));
	for (i = 0; i < WFD_MAX_STEPS; i++)
		out->row[i] = -1;
	if (n == 0)
		return;
	scan_begin(&s, ev, n, rules);
	levels = n <= WFD_SCAN_ROOM ? level_room : palloc(sizeof(int) * n);
	memset(levels, 0, sizeof(int) * n);

	/* every entry's level */
	for (i = 0; i < n; i++)
	{
		if (!(ev[i].mask & 1) || (rules->hold && ev[i].key_null))
			continue;
		scan_window(&s, n, i);
		levels[i] = scan_reach(&s, i);
		best = Max(best, levels[i]);
		CHECK_FOR_INTERRUPTS();
	}

	/* the fastest chain of the entries of the best level */
	for (i = 0; i < n && best > 0; i++)
	{
		WfdChain	c;

		if (levels[i] != best)
			continue;
		scan_window(&s, n, i);
		(void) scan_reach(&s, i);
		scan_chain(&s, i, best, &c);
		if (out->level == 0 || chain_faster(ev, &c, out))
			*out = c;
		CHECK_FOR_INTERRUPTS();
	}
	scan_end(&s);
	if (levels != level_room)
		pfree(levels);
}
