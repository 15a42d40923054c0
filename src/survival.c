/*
 * survival.c
 *		Tables of deals won, lost and censored per whole day since an origin,
 *		their flat and text forms, and the Aalen-Johansen estimator of the
 *		cumulative incidence of "won" with "lost" a competing outcome
 *		(survival.h).  Shared by funnel.winrate_curve and
 *		funnel.stage_outcomes.
 */
#include "postgres.h"

#include "common/int.h"
#include "utils/memutils.h"

#include "state.h"
#include "survival.h"
#include "textform.h"
#include "wire.h"

/* 22003 for a count of type that would pass 2^63 - 1 */
static void
surv_overflow(const char *type)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bigint out of range"),
			 errdetail("A count of a %s exceeds 2^63 - 1.", type)));
}

/* An empty table whose arrays will live in cxt. */
void
surv_init(SurvTable *t, MemoryContext cxt)
{
	memset(t, 0, sizeof(SurvTable));
	t->cxt = cxt;
}

/*
 * The counts of day (0 <= day <= PG_INT32_MAX), made (zero) if absent: the
 * dense array grows by doubling to cover it, a later day is found by binary
 * search in the sparse array and inserted in order.
 */
static SurvCounts *
surv_day(SurvTable *t, int32 day)
{
	int32		lo;
	int32		hi;

	if (day < SURV_DENSE_DAYS)
	{
		if (day >= t->ndense)
		{
			int32		n = Max(t->ndense, 64);

			while (n <= day)
				n *= 2;
			n = Min(n, SURV_DENSE_DAYS);
			t->dense = t->dense
				? repalloc(t->dense, sizeof(SurvCounts) * n)
				: MemoryContextAlloc(t->cxt, sizeof(SurvCounts) * n);
			memset(t->dense + t->ndense, 0, sizeof(SurvCounts) * (n - t->ndense));
			t->ndense = n;
		}
		return &t->dense[day];
	}
	lo = 0;
	hi = t->nfar;
	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (t->far[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->nfar && t->far[lo].day == day)
		return &t->far[lo].c;
	if (t->nfar == t->farcap)
	{
		int32		cap = t->farcap ? t->farcap * 2 : 16;

		t->far = t->far ? repalloc(t->far, sizeof(SurvFar) * cap)
			: MemoryContextAlloc(t->cxt, sizeof(SurvFar) * cap);
		t->farcap = cap;
	}
	memmove(&t->far[lo + 1], &t->far[lo], sizeof(SurvFar) * (t->nfar - lo));
	t->nfar++;
	memset(&t->far[lo], 0, sizeof(SurvFar));
	t->far[lo].day = day;
	return &t->far[lo].c;
}

/* Add counts to day, keeping the total; 22003 (naming type) on overflow. */
void
surv_add(SurvTable *t, int32 day, const SurvCounts *add, const char *type)
{
	SurvCounts *c = surv_day(t, day);

	if (pg_add_s64_overflow(c->won, add->won, &c->won) ||
		pg_add_s64_overflow(c->lost, add->lost, &c->lost) ||
		pg_add_s64_overflow(c->censored, add->censored, &c->censored) ||
		pg_add_s64_overflow(t->total, add->won, &t->total) ||
		pg_add_s64_overflow(t->total, add->lost, &t->total) ||
		pg_add_s64_overflow(t->total, add->censored, &t->total))
		surv_overflow(type);
}

/* The next day with counts (its day and counts), or false at the end. */
bool
surv_next(SurvIter *it, int32 *day, const SurvCounts **c)
{
	const SurvTable *t = it->t;

	while (it->i < t->ndense)
	{
		int32		d = it->i++;

		if (!surv_empty(&t->dense[d]))
		{
			*day = d;
			*c = &t->dense[d];
			return true;
		}
	}
	while (it->i - t->ndense < t->nfar)
	{
		const SurvFar *f = &t->far[it->i++ - t->ndense];

		if (!surv_empty(&f->c))
		{
			*day = f->day;
			*c = &f->c;
			return true;
		}
	}
	return false;
}

/* dst += src (src read-only) */
void
surv_merge(SurvTable *dst, const SurvTable *src, const char *type)
{
	SurvIter	it = {src, 0};
	int32		day;
	const SurvCounts *c;

	while (surv_next(&it, &day, &c))
		surv_add(dst, day, c, type);
}

/* The table's won, lost and censored totals. */
void
surv_totals(const SurvTable *t, int64 *won, int64 *lost, int64 *censored)
{
	SurvIter	it = {t, 0};
	int32		day;
	const SurvCounts *c;

	*won = *lost = *censored = 0;
	while (surv_next(&it, &day, &c))
	{
		*won += c->won;			/* no overflow: all add up to t->total */
		*lost += c->lost;
		*censored += c->censored;
	}
}

/* ------------------------------------------------------------------------
 * Flat and text forms, validation
 * ------------------------------------------------------------------------
 */

/* The entries of t (see the header comment); t is only read. */
void
surv_write(StringInfo buf, const SurvTable *t)
{
	SurvIter	it = {t, 0};
	int32		day;
	const SurvCounts *c;
	uint32		n = 0;
	int			npos;
	uint32		nbe;

	npos = buf->len;
	wire_put_u32(buf, 0);		/* the entry count, set below */
	while (surv_next(&it, &day, &c))
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
surv_entry_problem(int64 day, int64 prev, const SurvCounts *c)
{
	if (day < 0 || day > PG_INT32_MAX)
		return "a day is out of range";
	if (day <= prev)
		return "days are not in ascending order";
	if (c->won < 0 || c->lost < 0 || c->censored < 0)
		return "a count is negative";
	if (surv_empty(c))
		return "an empty entry";
	return NULL;
}

/*
 * Add a day read from a value of type (text or binary) to t, refusing
 * (22P02 / 22P03) bad counts, days out of order and totals beyond 2^63 - 1.
 */
static void
surv_read_entry(SurvTable *t, const char *type, bool binary, int64 day, int64 *prev,
				const SurvCounts *c)
{
	int64		s;

	funnel_state_refuse(type, binary, surv_entry_problem(day, *prev, c));
	if (pg_add_s64_overflow(t->total, c->won, &s) ||
		pg_add_s64_overflow(s, c->lost, &s) ||
		pg_add_s64_overflow(s, c->censored, &s))
		funnel_state_refuse(type, binary, "the counts add up to more than 2^63 - 1");
	surv_add(t, (int32) day, c, type);
	*prev = day;
}

/* Entries read from a flat body into the empty table t, validated (22P03). */
void
surv_read(WireReader *r, SurvTable *t)
{
	uint32		n = wire_get_u32(r, "entry count");
	uint32		i;
	int64		prev = -1;

	if ((Size) n > wire_left(r) / SURV_ENTRY_BYTES)
		wire_bad(r, "the entry count exceeds the value");
	for (i = 0; i < n; i++)
	{
		int64		day = wire_get_u32(r, "day");
		SurvCounts	c;

		c.won = wire_get_i64(r, "won");
		c.lost = wire_get_i64(r, "lost");
		c.censored = wire_get_i64(r, "censored");
		surv_read_entry(t, r->what, true, day, &prev, &c);
	}
}

/* The text form of t's entries: [[day,won,lost,censored],...], days ascending. */
void
surv_json_write(StringInfo buf, const SurvTable *t)
{
	SurvIter	it = {t, 0};
	int32		day;
	const SurvCounts *c;
	bool		first = true;

	appendStringInfoChar(buf, '[');
	while (surv_next(&it, &day, &c))
	{
		appendStringInfo(buf, "%s[%d," INT64_FORMAT "," INT64_FORMAT "," INT64_FORMAT "]",
						 first ? "" : ",", day, c->won, c->lost, c->censored);
		first = false;
	}
	appendStringInfoChar(buf, ']');
}

/* Entries of the text form (a parsed JSON array) into the empty table t (22P02). */
void
surv_json_read(JsonbContainer *arr, SurvTable *t, const char *type)
{
	int64		prev = -1;
	uint32		i;

	for (i = 0; i < jin_len(arr); i++)
	{
		JsonbContainer *e = jin_array(jin_at(arr, i), type, "a day");
		SurvCounts	c;
		int64		day;

		if (jin_len(e) != 4)
			jin_bad(type, "a day must be [day, won, lost, censored]");
		day = jin_int64(jin_at(e, 0), type, "day");
		c.won = jin_int64(jin_at(e, 1), type, "won");
		c.lost = jin_int64(jin_at(e, 2), type, "lost");
		c.censored = jin_int64(jin_at(e, 3), type, "censored");
		surv_read_entry(t, type, false, day, &prev, &c);
	}
}

/*
 * The first broken invariant of a live table, or NULL: arrays within their
 * sizes, sparse days beyond the dense ones and ascending, counts not
 * negative, the total their sum.
 */
const char *
surv_problem(const SurvTable *t)
{
	int64		sum = 0;
	int32		i;

	if (t->total < 0)
		return "a negative total";
	if (t->ndense < 0 || t->ndense > SURV_DENSE_DAYS || t->nfar < 0 || t->nfar > t->farcap)
		return "array sizes out of range";
	for (i = 0; i < t->ndense + t->nfar; i++)
	{
		const SurvCounts *c = i < t->ndense ? &t->dense[i] : &t->far[i - t->ndense].c;

		if (i >= t->ndense)
		{
			int32		d = t->far[i - t->ndense].day;

			if (d < SURV_DENSE_DAYS || (i > t->ndense && d <= t->far[i - t->ndense - 1].day))
				return "sparse days out of order";
		}
		if (c->won < 0 || c->lost < 0 || c->censored < 0)
			return "a negative count";
		if (pg_add_s64_overflow(sum, c->won, &sum) ||
			pg_add_s64_overflow(sum, c->lost, &sum) ||
			pg_add_s64_overflow(sum, c->censored, &sum))
			return "counts beyond 2^63 - 1";
	}
	return sum == t->total ? NULL : "the total is not the sum of the counts";
}

/* ------------------------------------------------------------------------
 * The Aalen-Johansen estimator
 * ------------------------------------------------------------------------
 */

/*
 * At a day t_j with n_j deals at risk (those whose time is >= t_j: ties
 * censored at t_j are still at risk, so events come before censoring), d1
 * won and d2 lost (d = d1 + d2):
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

/* The estimator before the first day. */
void
aj_init(AJ *aj, const SurvTable *t)
{
	memset(aj, 0, sizeof(AJ));
	aj->at_risk = t->total;
	aj->S = 1.0;
}

/* Step over one day's counts (at_risk is the day's n_j before the call). */
void
aj_step(AJ *aj, const SurvCounts *c)
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
double
aj_variance(const AJ *aj)
{
	double		F = aj->F;
	double		v = F * F * aj->a - 2 * F * aj->b + aj->c + aj->e - 2 * (F * aj->g - aj->h);

	return v > 0 ? v : 0;
}
