/*
 * survival.h
 *		Counts of deals won, lost and censored (still open) per whole day
 *		since an origin, and the Aalen-Johansen estimator over them
 *		(survival.c).  funnel.winrate_curve (winrate.c) keeps one table with
 *		creation as the origin; funnel.stage_outcomes (learned.c) keeps one
 *		per open stage, with the first entry into the stage as the origin.
 *
 * A table holds a dense array for the first SURV_DENSE_DAYS days, grown by
 * doubling, and a sorted sparse array for the rare later days, plus the
 * total of all its counts; it lives in the memory context given to
 * surv_init.  It holds no OIDs: merging is adding.
 *
 * Flat form of a table's entries (winrate.c's and learned.c's bodies),
 * big-endian (wire.h):
 *	 u32 n | n x (u32 day | i64 won | i64 lost | i64 censored),
 *	 days strictly ascending, no all-zero entry
 */
#ifndef FUNNEL_SURVIVAL_H
#define FUNNEL_SURVIVAL_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "wire.h"

/* days kept in the dense array; later days go to the sparse one */
#define SURV_DENSE_DAYS 4096

/* bytes of one entry in the flat form */
#define SURV_ENTRY_BYTES (4 + 3 * 8)

/* the two-sided 95% normal quantile */
#define SURV_Z95 1.959963984540054

/* counts of one day */
typedef struct SurvCounts
{
	int64		won;
	int64		lost;
	int64		censored;
} SurvCounts;

/* a later day's counts, in the sparse array */
typedef struct SurvFar
{
	int32		day;
	SurvCounts	c;
} SurvFar;

typedef struct SurvTable
{
	MemoryContext cxt;
	int64		total;			/* sum of every count (the deals counted) */
	int32		ndense;			/* days 0 .. ndense-1 are in dense */
	SurvCounts *dense;
	int32		nfar;
	int32		farcap;
	SurvFar    *far;			/* days >= SURV_DENSE_DAYS, ascending */
} SurvTable;

/* A walk over the days with counts, ascending: call surv_next until it returns false. */
typedef struct SurvIter
{
	const SurvTable *t;
	int32		i;				/* next dense index, then ndense + sparse index */
} SurvIter;

extern void surv_init(SurvTable *t, MemoryContext cxt);
extern void surv_add(SurvTable *t, int32 day, const SurvCounts *add, const char *type);
extern void surv_merge(SurvTable *dst, const SurvTable *src, const char *type);
extern bool surv_next(SurvIter *it, int32 *day, const SurvCounts **c);
extern void surv_totals(const SurvTable *t, int64 *won, int64 *lost, int64 *censored);

/* Does a day say nothing? */
static inline bool
surv_empty(const SurvCounts *c)
{
	return c->won == 0 && c->lost == 0 && c->censored == 0;
}

/* flat form, text form ([[day, won, lost, censored], ...]), validation */
extern void surv_write(StringInfo buf, const SurvTable *t);
extern void surv_read(WireReader *r, SurvTable *t);
extern void surv_json_write(StringInfo buf, const SurvTable *t);
extern void surv_json_read(JsonbContainer *arr, SurvTable *t, const char *type);
extern const char *surv_problem(const SurvTable *t);

/*
 * The Aalen-Johansen estimator walked day by day (survival.c): at a day
 * with n deals at risk, d1 won and d2 lost, the cumulative incidence of won
 * F, the Kaplan-Meier survival of any outcome S, and the running sums of
 * the delta-method variance of F.
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

extern void aj_init(AJ *aj, const SurvTable *t);
extern void aj_step(AJ *aj, const SurvCounts *c);
extern double aj_variance(const AJ *aj);

#endif							/* FUNNEL_SURVIVAL_H */
