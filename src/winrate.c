/*
 * winrate.c
 *		funnel.winrate_curve: win rates that count open deals.  Per day since
 *		a deal's creation, how many deals were won, lost, or were still open
 *		(censored) that day; from it the Aalen-Johansen cumulative incidence
 *		of "won" with "lost" as a competing outcome (the win-rate curve),
 *		its confidence band, and the closed and cohort win rates.
 *
 * Days.  A deal's time is the number of whole days (24 hours) from its
 * created_at to its closed_at (won or lost) or, while it is open, to the
 * moment it is censored at (as_of): floor((t - created_at) / 1 day).  A deal
 * created after as_of did not exist then and is not counted; a deal closed
 * after as_of was open at as_of and is censored there, so a curve "as of" a
 * past moment is the one that would have been computed then.  Deals that
 * cannot be placed on the time axis (closed without closed_at, or closed
 * before they were created) are counted as skipped and left out of every
 * figure.
 *
 * State (in memory an expanded object, like funnel.pipeline): counts per
 * day -- a dense array for the first WR_DENSE_DAYS days, grown by doubling,
 * and a sorted sparse array for the rare later days -- plus the total of
 * all counts and the skipped count.  It holds no type or label OID: merging
 * is adding, whatever the funnel, so stored states roll up exactly.
 *
 * Flat form (version 1), big-endian (wire.h):
 *	 u8 version | i64 skipped | u32 n | n x (u32 day | i64 won | i64 lost |
 *	 i64 censored), days strictly ascending, no all-zero entry
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "duration.h"
#include "metrics.h"
#include "registry.h"
#include "state.h"
#include "textform.h"
#include "wire.h"

#define WR_VERSION 1
#define WR_TYPE "funnel.winrate_curve"

/* days kept in the dense array; later days go to the sparse one */
#define WR_DENSE_DAYS 4096

/* bytes of one entry in the flat form */
#define WR_ENTRY_BYTES (4 + 3 * 8)

/* the two-sided 95% normal quantile */
#define WR_Z95 1.959963984540054

/* counts of one day */
typedef struct WrCounts
{
	int64		won;
	int64		lost;
	int64		censored;
} WrCounts;

/* a later day's counts, in the sparse array */
typedef struct WrFar
{
	int32		day;
	WrCounts	c;
} WrFar;

typedef struct WinRate
{
	FunnelState st;				/* first: expanded-object header */
	MemoryContext cxt;
	int64		total;			/* sum of every count (the deals counted) */
	int64		skipped;		/* deals left out: no usable closed_at */
	int32		ndense;			/* days 0 .. ndense-1 are in dense */
	WrCounts   *dense;
	int32		nfar;
	int32		farcap;
	WrFar	   *far;			/* days >= WR_DENSE_DAYS, ascending */
} WinRate;

/* 22003 for a count that would pass 2^63 - 1 */
static void
wr_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bigint out of range"),
			 errdetail("A count of a %s exceeds 2^63 - 1.", WR_TYPE)));
}

/* funnel.winrate_curve in the state skeleton (state.h), defined below its functions */
static const FunnelStateType winrate_type;

/* a winrate_curve argument, read-only (state.h) */
#define PG_GETARG_WINRATE(n) ((WinRate *) funnel_state_get(&winrate_type, PG_GETARG_DATUM(n)))

/* A new, empty state in cxt (the aggregate's arena, or the current context). */
static FunnelState *
wr_create(MemoryContext cxt)
{
	WinRate    *w = MemoryContextAllocZero(cxt, sizeof(WinRate));

	funnel_state_init(&w->st, &winrate_type, cxt);
	w->cxt = cxt;
	return &w->st;
}

/*
 * The counts of day (0 <= day <= PG_INT32_MAX), made (zero) if absent: the
 * dense array grows by doubling to cover it, a later day is found by binary
 * search in the sparse array and inserted in order.
 */
static WrCounts *
wr_day(WinRate *w, int32 day)
{
	int32		lo;
	int32		hi;

	if (day < WR_DENSE_DAYS)
	{
		if (day >= w->ndense)
		{
			int32		n = Max(w->ndense, 64);

			while (n <= day)
				n *= 2;
			n = Min(n, WR_DENSE_DAYS);
			w->dense = w->dense
				? repalloc(w->dense, sizeof(WrCounts) * n)
				: MemoryContextAlloc(w->cxt, sizeof(WrCounts) * n);
			memset(w->dense + w->ndense, 0, sizeof(WrCounts) * (n - w->ndense));
			w->ndense = n;
		}
		return &w->dense[day];
	}
	lo = 0;
	hi = w->nfar;
	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (w->far[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < w->nfar && w->far[lo].day == day)
		return &w->far[lo].c;
	if (w->nfar == w->farcap)
	{
		int32		cap = w->farcap ? w->farcap * 2 : 16;

		w->far = w->far ? repalloc(w->far, sizeof(WrFar) * cap)
			: MemoryContextAlloc(w->cxt, sizeof(WrFar) * cap);
		w->farcap = cap;
	}
	memmove(&w->far[lo + 1], &w->far[lo], sizeof(WrFar) * (w->nfar - lo));
	w->nfar++;
	memset(&w->far[lo], 0, sizeof(WrFar));
	w->far[lo].day = day;
	return &w->far[lo].c;
}

/* Add counts to day, keeping the total; 22003 on overflow. */
static void
wr_add(WinRate *w, int32 day, const WrCounts *add)
{
	WrCounts   *c = wr_day(w, day);

	if (pg_add_s64_overflow(c->won, add->won, &c->won) ||
		pg_add_s64_overflow(c->lost, add->lost, &c->lost) ||
		pg_add_s64_overflow(c->censored, add->censored, &c->censored) ||
		pg_add_s64_overflow(w->total, add->won, &w->total) ||
		pg_add_s64_overflow(w->total, add->lost, &w->total) ||
		pg_add_s64_overflow(w->total, add->censored, &w->total))
		wr_overflow();
	funnel_state_touch(&w->st);
}

/* Does a day say nothing? */
static inline bool
wr_empty(const WrCounts *c)
{
	return c->won == 0 && c->lost == 0 && c->censored == 0;
}

/*
 * A walk over the days with counts, ascending: call wr_next until it
 * returns false.
 */
typedef struct WrIter
{
	const WinRate *w;
	int32		i;				/* next dense index, then ndense + sparse index */
} WrIter;

/* The next day with counts (its day and counts), or false at the end. */
static bool
wr_next(WrIter *it, int32 *day, const WrCounts **c)
{
	const WinRate *w = it->w;

	while (it->i < w->ndense)
	{
		int32		d = it->i++;

		if (!wr_empty(&w->dense[d]))
		{
			*day = d;
			*c = &w->dense[d];
			return true;
		}
	}
	while (it->i - w->ndense < w->nfar)
	{
		const WrFar *f = &w->far[it->i++ - w->ndense];

		if (!wr_empty(&f->c))
		{
			*day = f->day;
			*c = &f->c;
			return true;
		}
	}
	return false;
}

/* dst += src (src read-only) */
static void
wr_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	WinRate    *dst = (WinRate *) dstst;
	WinRate    *src = (WinRate *) srcst;
	WrIter		it = {src, 0};
	int32		day;
	const WrCounts *c;

	if (pg_add_s64_overflow(dst->skipped, src->skipped, &dst->skipped))
		wr_overflow();
	while (wr_next(&it, &day, &c))
		wr_add(dst, day, c);
	funnel_state_touch(&dst->st);
}

/* ------------------------------------------------------------------------
 * Flat form, validation
 * ------------------------------------------------------------------------
 */

/* The flat body (see the header comment); w is only read; names is NULL (no OIDs). */
static void
wr_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	WinRate    *w = (WinRate *) st;
	WrIter		it = {w, 0};
	int32		day;
	const WrCounts *c;
	uint32		n = 0;
	int			npos;
	uint32		nbe;

	wire_put_u8(buf, WR_VERSION);
	wire_put_i64(buf, w->skipped);
	npos = buf->len;
	wire_put_u32(buf, 0);		/* the entry count, set below */
	while (wr_next(&it, &day, &c))
	{
		wire_put_u32(buf, (uint32) day);
		wire_put_i64(buf, c->won);
		wire_put_i64(buf, c->lost);
		wire_put_i64(buf, c->censored);
		n++;
	}
	nbe = pg_hton32(n);
	memcpy(buf->data + npos, &nbe, 4);
}

/*
 * The first problem of a day's counts read from a value, given the previous
 * day read (-1 before the first), or NULL.
 */
static const char *
wr_entry_problem(int64 day, int64 prev, const WrCounts *c)
{
	if (day < 0 || day > PG_INT32_MAX)
		return "a day is out of range";
	if (day <= prev)
		return "days are not in ascending order";
	if (c->won < 0 || c->lost < 0 || c->censored < 0)
		return "a count is negative";
	if (wr_empty(c))
		return "an empty entry";
	return NULL;
}

/*
 * Add a day read from a value (text or binary) to w, refusing (22P02 /
 * 22P03) bad counts, days out of order and totals beyond 2^63 - 1.
 */
static void
wr_read_entry(WinRate *w, bool binary, int64 day, int64 *prev, const WrCounts *c)
{
	int64		t;

	funnel_state_refuse(WR_TYPE, binary, wr_entry_problem(day, *prev, c));
	if (pg_add_s64_overflow(w->total, c->won, &t) ||
		pg_add_s64_overflow(t, c->lost, &t) ||
		pg_add_s64_overflow(t, c->censored, &t))
		funnel_state_refuse(WR_TYPE, binary, "the counts add up to more than 2^63 - 1");
	wr_add(w, (int32) day, c);
	*prev = day;
}

#ifdef FUNNEL_CHECK_INVARIANTS
/*
 * The invariants of a live state (state.h): arrays within their sizes,
 * sparse days beyond the dense ones and ascending, counts not negative,
 * the total their sum.
 */
static const char *
wr_check(const void *state)
{
	const WinRate *w = (const WinRate *) state;
	int64		sum = 0;
	int32		i;

	if (w->skipped < 0 || w->total < 0)
		return "a negative total";
	if (w->ndense < 0 || w->ndense > WR_DENSE_DAYS || w->nfar < 0 || w->nfar > w->farcap)
		return "array sizes out of range";
	for (i = 0; i < w->ndense + w->nfar; i++)
	{
		const WrCounts *c = i < w->ndense ? &w->dense[i] : &w->far[i - w->ndense].c;

		if (i >= w->ndense)
		{
			int32		d = w->far[i - w->ndense].day;

			if (d < WR_DENSE_DAYS || (i > w->ndense && d <= w->far[i - w->ndense - 1].day))
				return "sparse days out of order";
		}
		if (c->won < 0 || c->lost < 0 || c->censored < 0)
			return "a negative count";
		if (pg_add_s64_overflow(sum, c->won, &sum) ||
			pg_add_s64_overflow(sum, c->lost, &sum) ||
			pg_add_s64_overflow(sum, c->censored, &sum))
			return "counts beyond 2^63 - 1";
	}
	return sum == w->total ? NULL : "the total is not the sum of the counts";
}
#endif

/*
 * A flat body read into a new state in cxt and validated (22P03).  The form
 * holds no OIDs, so there is nothing to check against the catalog (and the
 * skeleton gives no dictionary of names: names is NULL).
 */
static FunnelState *
wr_read(const char *data, Size len, MemoryContext cxt, bool check_catalog, const WireNames *names)
{
	WinRate    *w = (WinRate *) wr_create(cxt);
	WireReader	r = {data, len, 0, WR_TYPE};
	uint32		n;
	uint32		i;
	int64		prev = -1;

	if (wire_get_u8(&r, "version") != WR_VERSION)
		wire_bad(&r, "unknown format version");
	w->skipped = wire_get_i64(&r, "skipped");
	if (w->skipped < 0)
		wire_bad(&r, "a count is negative");
	n = wire_get_u32(&r, "entry count");
	if ((Size) n > wire_left(&r) / WR_ENTRY_BYTES)
		wire_bad(&r, "the entry count exceeds the value");
	for (i = 0; i < n; i++)
	{
		int64		day = wire_get_u32(&r, "day");
		WrCounts	c;

		c.won = wire_get_i64(&r, "won");
		c.lost = wire_get_i64(&r, "lost");
		c.censored = wire_get_i64(&r, "censored");
		wr_read_entry(w, true, day, &prev, &c);
	}
	wire_end(&r);
	return &w->st;
}

/* funnel.winrate_curve in the state skeleton (state.h) */
static const FunnelStateType winrate_type = {
	FUNNEL_EXPANDED_METHODS,
	WR_TYPE,
	wr_create,
	wr_write,
	wr_read,
	wr_merge,
	FUNNEL_CHECKER(wr_check)
};

/* ------------------------------------------------------------------------
 * Text form: {"version":1,"skipped":N,"days":[[day,won,lost,censored],...]}
 * ------------------------------------------------------------------------
 */

/* text output: the JSON form, days ascending */
PG_FUNCTION_INFO_V1(winrate_curve_out);
Datum
winrate_curve_out(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	StringInfoData buf;
	WrIter		it = {w, 0};
	int32		day;
	const WrCounts *c;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"skipped\":" INT64_FORMAT ",\"days\":[",
					 WR_VERSION, w->skipped);
	while (wr_next(&it, &day, &c))
	{
		appendStringInfo(&buf, "%s[%d," INT64_FORMAT "," INT64_FORMAT "," INT64_FORMAT "]",
						 first ? "" : ",", day, c->won, c->lost, c->censored);
		first = false;
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(winrate_curve_in);
Datum
winrate_curve_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	JsonbContainer *obj = jin_parse(str, WR_TYPE);
	WinRate    *w = (WinRate *) wr_create(CurrentMemoryContext);
	JsonbContainer *arr;
	int64		prev = -1;
	uint32		i;

	if (jin_int64(jin_get(obj, "version", true, WR_TYPE), WR_TYPE, "version") != WR_VERSION)
		jin_bad(WR_TYPE, "unknown version");
	w->skipped = jin_int64(jin_get(obj, "skipped", true, WR_TYPE), WR_TYPE, "skipped");
	if (w->skipped < 0)
		jin_bad(WR_TYPE, "a count is negative");
	arr = jin_array(jin_get(obj, "days", true, WR_TYPE), WR_TYPE, "days");
	for (i = 0; i < jin_len(arr); i++)
	{
		JsonbContainer *e = jin_array(jin_at(arr, i), WR_TYPE, "a day");
		WrCounts	c;
		int64		day;

		if (jin_len(e) != 4)
			jin_bad(WR_TYPE, "a day must be [day, won, lost, censored]");
		day = jin_int64(jin_at(e, 0), WR_TYPE, "day");
		c.won = jin_int64(jin_at(e, 1), WR_TYPE, "won");
		c.lost = jin_int64(jin_at(e, 2), WR_TYPE, "lost");
		c.censored = jin_int64(jin_at(e, 3), WR_TYPE, "censored");
		wr_read_entry(w, false, day, &prev, &c);
	}
	FUNNEL_CHECK_STATE(&winrate_type, w);
	PG_RETURN_DATUM(funnel_state_flat(&w->st));
}

/* binary output: the flat body */
PG_FUNCTION_INFO_V1(winrate_curve_send);
Datum
winrate_curve_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&winrate_type, PG_GETARG_DATUM(0));
}

/* binary input: the flat body, validated */
PG_FUNCTION_INFO_V1(winrate_curve_recv);
Datum
winrate_curve_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&winrate_type, (StringInfo) PG_GETARG_POINTER(0));
}

/* ------------------------------------------------------------------------
 * Aggregate
 * ------------------------------------------------------------------------
 */

/* 22008 for an infinite created_at or closed_at (no day count) */
static void
wr_finite(TimestampTz t, const char *what)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("funnel.winrate_curve: %s must be finite", what)));
}

/* Per-call-site cache (fn_extra): the funnel definition of the stage argument. */
typedef struct WrFnCache
{
	FunnelDefCache defcache;
	Oid			argtype;		/* the stage argument's declared type, once known */
} WrFnCache;

/*
 * funnel.winrate_curve(stage, created_at, closed_at [, as_of]): one deal.
 * Without as_of, open deals are censored at the transaction's start
 * (now(), the same in parallel workers).
 */
PG_FUNCTION_INFO_V1(winrate_curve_transfn);
Datum
winrate_curve_transfn(PG_FUNCTION_ARGS)
{
	const char *fname = "funnel.winrate_curve";
	WinRate    *w;
	WrFnCache  *fc;
	FunnelDef  *def;
	FunnelOutcome outcome;
	int			idx;
	TimestampTz created;
	TimestampTz as_of;
	TimestampTz end;
	WrCounts	one = {0, 0, 0};
	int64		span;

	if (PG_NARGS() > 4)
	{
		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: as_of must not be NULL", fname)));
		as_of = PG_GETARG_TIMESTAMPTZ(4);
		if (TIMESTAMP_NOT_FINITE(as_of))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: as_of must be finite", fname)));
	}
	else
		as_of = GetCurrentTransactionStartTimestamp();
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return funnel_state_unchanged(fcinfo);	/* no stage, or no start */
	w = (WinRate *) funnel_state_transition(&winrate_type, fcinfo, fname);

	fc = (WrFnCache *) funnel_fn_cache(fcinfo, sizeof(WrFnCache));
	if (!OidIsValid(fc->argtype))
		fc->argtype = funnel_stage_argtype(fcinfo, 1);
	(void) funnel_def_cached(&fc->defcache, fc->argtype);
	idx = funnel_stage_index(&fc->defcache, PG_GETARG_OID(1), &def);
	outcome = def->stages[idx].outcome;

	created = PG_GETARG_TIMESTAMPTZ(2);
	wr_finite(created, "created_at");
	if (created > as_of)
		return funnel_state_result(&w->st);	/* not created yet at as_of */
	end = as_of;
	if (outcome != FUNNEL_OPEN)
	{
		TimestampTz closed;

		if (PG_ARGISNULL(3))
		{
			w->skipped++;		/* closed, but when is unknown */
			funnel_state_touch(&w->st);
			return funnel_state_result(&w->st);
		}
		closed = PG_GETARG_TIMESTAMPTZ(3);
		wr_finite(closed, "closed_at");
		if (closed < created)
		{
			w->skipped++;		/* closed before created: dirty data */
			funnel_state_touch(&w->st);
			return funnel_state_result(&w->st);
		}
		if (closed <= as_of)
		{
			end = closed;
			if (outcome == FUNNEL_WON)
				one.won = 1;
			else
				one.lost = 1;
		}
		else
			one.censored = 1;	/* still open at as_of */
	}
	else
		one.censored = 1;
	span = funnel_span_usecs(created, end);
	wr_add(w, (int32) (span / USECS_PER_DAY), &one);
	return funnel_state_result(&w->st);
}

/* combine function, and transition function of rollup(winrate_curve) */
PG_FUNCTION_INFO_V1(winrate_curve_combine);
Datum
winrate_curve_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&winrate_type, fcinfo, "funnel.rollup");
}

/* ------------------------------------------------------------------------
 * Accessors: the Aalen-Johansen estimator
 * ------------------------------------------------------------------------
 */

/*
 * The estimator walked day by day.  At a day t_j with n_j deals at risk
 * (those whose time is >= t_j: ties censored at t_j are still at risk, so
 * events come before censoring), d1 won and d2 lost (d = d1 + d2):
 *
 *	 F(t_j) = F(t_j-1) + S(t_j-) d1 / n_j		(cumulative incidence of won)
 *	 S(t_j) = S(t_j-) (1 - d / n_j)			(Kaplan-Meier, any outcome)
 *
 * and the delta-method variance of F(t) (Marubini & Valsecchi 1995; the
 * Greenwood-type estimator of Pintilie 2006, eq. 4.4):
 *
 *	 Var F(t) = sum_{t_j <= t} [F(t) - F(t_j)]^2 d / (n_j (n_j - d))
 *			  + sum S(t_j-)^2 d1 (n_j - d1) / n_j^3
 *			  - 2 sum [F(t) - F(t_j)] S(t_j-) d1 / n_j^2
 *
 * kept as running sums (the squares expanded in F(t)) so that the whole
 * curve takes one pass.  Without lost deals it is Greenwood's variance of
 * 1 - S.  A day where every deal at risk closes ends the curve (S = 0):
 * F no longer moves, so its (infinite) first-sum weight is left out.
 */
typedef struct AJ
{
	int64		at_risk;		/* deals at risk at the next day */
	double		S;				/* survival just before the next day */
	double		F;				/* cumulative incidence up to the last day */
	double		a;				/* sum d / (n (n - d)) */
	double		b;				/* sum F(t_j) d / (n (n - d)) */
	double		c;				/* sum F(t_j)^2 d / (n (n - d)) */
	double		e;				/* sum S^2 d1 (n - d1) / n^3 */
	double		g;				/* sum S d1 / n^2 */
	double		h;				/* sum F(t_j) S d1 / n^2 */
} AJ;

/* The estimator before the first day. */
static void
aj_init(AJ *aj, const WinRate *w)
{
	memset(aj, 0, sizeof(AJ));
	aj->at_risk = w->total;
	aj->S = 1.0;
}

/* Step over one day's counts (at_risk is the day's n_j before the call). */
static void
aj_step(AJ *aj, const WrCounts *c)
{
	double		n = (double) aj->at_risk;
	double		d1 = (double) c->won;
	double		d = (double) c->won + (double) c->lost;

	if (d > 0)
	{
		double		inc = aj->S * d1 / n;

		aj->F += inc;
		if (n > d)
		{
			double		wt = d / (n * (n - d));

			aj->a += wt;
			aj->b += aj->F * wt;
			aj->c += aj->F * aj->F * wt;
		}
		aj->e += aj->S * aj->S * d1 * (n - d1) / (n * n * n);
		aj->g += aj->S * d1 / (n * n);
		aj->h += aj->F * aj->S * d1 / (n * n);
		aj->S *= 1.0 - d / n;
		if (aj->S < 0)
			aj->S = 0;
	}
	aj->at_risk -= c->won + c->lost + c->censored;
}

/* The variance of F at the last day stepped over (never negative). */
static double
aj_variance(const AJ *aj)
{
	double		F = aj->F;
	double		v = F * F * aj->a - 2 * F * aj->b + aj->c + aj->e - 2 * (F * aj->g - aj->h);

	return v > 0 ? v : 0;
}

/*
 * funnel.win_rate_within(c, days): the estimated probability that a deal is
 * won within days days of its creation (F at the last day <= days); NULL
 * when the state counts no deal.
 */
PG_FUNCTION_INFO_V1(winrate_curve_within);
Datum
winrate_curve_within(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	int32		days = PG_GETARG_INT32(1);
	WrIter		it = {w, 0};
	int32		day;
	const WrCounts *c;
	AJ			aj;

	if (days < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel.win_rate_within: days must not be negative")));
	if (w->total == 0)
		PG_RETURN_NULL();
	aj_init(&aj, w);
	while (wr_next(&it, &day, &c) && day <= days)
		aj_step(&aj, c);
	PG_RETURN_FLOAT8(aj.F);
}

/*
 * funnel.win_rate_curve(c): one row per day with counts -- day, at risk,
 * won, lost, censored, the cumulative win rate and its 95% band (F +/- 1.96
 * standard errors of the delta-method variance, clipped to [0, 1]).
 */
PG_FUNCTION_INFO_V1(winrate_curve_rows);
Datum
winrate_curve_rows(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WrIter		it = {w, 0};
	int32		day;
	const WrCounts *c;
	AJ			aj;

	InitMaterializedSRF(fcinfo, 0);
	aj_init(&aj, w);
	while (wr_next(&it, &day, &c))
	{
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};
		double		se;

		values[0] = Int32GetDatum(day);
		values[1] = Int64GetDatum(aj.at_risk);
		values[2] = Int64GetDatum(c->won);
		values[3] = Int64GetDatum(c->lost);
		values[4] = Int64GetDatum(c->censored);
		aj_step(&aj, c);
		se = sqrt(aj_variance(&aj));
		values[5] = Float8GetDatum(aj.F);
		values[6] = Float8GetDatum(Max(0.0, aj.F - WR_Z95 * se));
		values[7] = Float8GetDatum(Min(1.0, aj.F + WR_Z95 * se));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/* The state's won, lost and censored totals. */
static void
wr_totals(const WinRate *w, int64 *won, int64 *lost, int64 *censored)
{
	WrIter		it = {w, 0};
	int32		day;
	const WrCounts *c;

	*won = *lost = *censored = 0;
	while (wr_next(&it, &day, &c))
	{
		*won += c->won;			/* no overflow: all add up to w->total */
		*lost += c->lost;
		*censored += c->censored;
	}
}

/* funnel.closed_win_rate(c): won / (won + lost), NULL when nothing closed */
PG_FUNCTION_INFO_V1(winrate_curve_closed_rate);
Datum
winrate_curve_closed_rate(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	int64		won;
	int64		lost;
	int64		censored;
	float8		rate;

	wr_totals(w, &won, &lost, &censored);
	if (!funnel_win_rate(won, lost, &rate))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(rate);
}

/* funnel.cohort_win_rate(c): won / all deals counted (open ones too), NULL when none */
PG_FUNCTION_INFO_V1(winrate_curve_cohort_rate);
Datum
winrate_curve_cohort_rate(PG_FUNCTION_ARGS)
{
	WinRate    *w = PG_GETARG_WINRATE(0);
	int64		won;
	int64		lost;
	int64		censored;

	wr_totals(w, &won, &lost, &censored);
	if (w->total == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((float8) won / (float8) w->total);
}
