/*
 * duration.c
 *		Durations as the extension's accessors return them: microsecond
 *		spans between timestamps, intervals justified as timestamp
 *		subtraction gives them, percentile_cont over a sketch of durations,
 *		and funnel.days() for charts.
 *
 * The states store durations as microseconds (int64 spans, or doubles in a
 * quantile sketch); these helpers turn them back into intervals exactly as
 * PostgreSQL's own interval arithmetic would, so that an accessor gives what
 * the equivalent SQL over the raw rows gives.
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "datatype/timestamp.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "duration.h"
#include "sketch_pg.h"

/*
 * Refuse a percentile outside [0, 1] (or NaN) with 22003 and the message
 * percentile_cont gives, before any state is looked at.
 */
void
funnel_check_percentile(double q)
{
	if (isnan(q) || q < 0 || q > 1)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("percentile value %g is not between 0 and 1", q)));
}

/*
 * funnel.days(interval) -> float8: a duration as a number of days, for charts
 * and BI tools that cannot plot intervals.  A month counts 30 days (as
 * justify_days and extract(epoch) do); the result is exact to the
 * microsecond for every duration the extension returns (they have no months).
 */
PG_FUNCTION_INFO_V1(funnel_days);
Datum
funnel_days(PG_FUNCTION_ARGS)
{
	Interval   *iv = PG_GETARG_INTERVAL_P(0);

	if (INTERVAL_NOT_FINITE_COMPAT(iv))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("an infinite interval has no number of days")));
	PG_RETURN_FLOAT8((float8) iv->month * DAYS_PER_MONTH + (float8) iv->day +
					 (float8) iv->time / (float8) USECS_PER_DAY);
}

/*
 * Microseconds as an interval of days and time (no months), justified as
 * timestamp_mi justifies a difference: whole days, then the remainder.
 */
Interval *
funnel_usecs_interval(int64 us)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->day = (int32) (us / USECS_PER_DAY);
	iv->time = us % USECS_PER_DAY;
	return iv;
}

/*
 * A duration sketch's value as microseconds.  Durations come from int64
 * microseconds, so validated sketches hold values in [0, 2^63] (2^63 - 1
 * rounds up to 2^63 as a double): that is clamped; anything else is out of
 * range (22008), never an undefined conversion.
 */
static int64
duration_usecs(double us)
{
	us = rint(us);
	if (!(us >= -9223372036854775808.0 && us <= 9223372036854775808.0))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	if (us >= 9223372036854775807.0)
		return PG_INT64_MAX;
	return (int64) us;
}

/*
 * What makes a sketch of durations impossible, said of `what`, or NULL: the
 * check the state types' input and receive functions run on every duration
 * sketch they read, so that duration_usecs() never meets a value it cannot
 * convert.
 */
const char *
funnel_duration_sketch_problem(QSketch *qs, const char *what)
{
	QSParts		parts;
	uint32		i;

	if (qs_count(qs) == 0)
		return NULL;
	if (qs_min(qs) < 0)
		return psprintf("negative %s", what);
	if (qs_max(qs) > 9223372036854775808.0)
		return psprintf("%s out of range", what);
	qs_get_parts(qs, &parts);
	for (i = 0; parts.exact && i < parts.nvalues; i++)
		if (parts.values[i] != rint(parts.values[i]))
			return psprintf("a %s is not a whole number of microseconds", what);
	return NULL;
}

/*
 * percentile_cont(q) over the durations of a sketch, as an interval: the two
 * neighbouring order statistics interpolated with interval_mi, interval_mul
 * and interval_pl, as percentile_cont interpolates intervals; NULL when the
 * sketch is empty.
 */
Interval *
funnel_duration_quantile(QSketch *qs, double q)
{
	double		first;
	double		second;
	double		proportion;
	Interval   *lo;
	Datum		diff;

	funnel_check_percentile(q);
	if (qs_count(qs) == 0)
		return NULL;
	funnel_qs_check(qs_quantile_neighbours(qs, q, &first, &second, &proportion), "durations");
	lo = funnel_usecs_interval(duration_usecs(first));
	if (proportion == 0)
		return lo;
	diff = DirectFunctionCall2(interval_mi, IntervalPGetDatum(funnel_usecs_interval(duration_usecs(second))),
							   IntervalPGetDatum(lo));
	diff = DirectFunctionCall2(interval_mul, diff, Float8GetDatum(proportion));
	return DatumGetIntervalP(DirectFunctionCall2(interval_pl, diff, IntervalPGetDatum(lo)));
}

/* to - from in microseconds; 22008 "interval out of range" on overflow. */
int64
funnel_span_usecs(TimestampTz from, TimestampTz to)
{
	int64		d;

	if (pg_sub_s64_overflow(to, from, &d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	return d;
}

/* see duration.h */
int64
funnel_interval_usecs(const Interval *iv, const char *fn, const char *what)
{
	int64		us;
	int64		days;

	if (pg_mul_s64_overflow((int64) iv->month, DAYS_PER_MONTH, &days) ||
		pg_add_s64_overflow(days, (int64) iv->day, &days) ||
		pg_mul_s64_overflow(days, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, iv->time, &us))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s %s is out of range", fn, what)));
	return us;
}
