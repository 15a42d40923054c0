/*
 * metrics.h
 *		The funnel metrics the state types report, each written once: win
 *		rate, conversion rate and sales velocity (with the average cycle in
 *		days it divides by), and the number of stage_report policies.
 *
 * Each formula is the exact floating-point expression the accessors have
 * always evaluated -- the same operations in the same order -- so a metric
 * is bit-identical whichever state type computes it.  When a metric is
 * undefined (SQL NULL) stays with the caller where callers differ in what
 * they know; the win rate's rule is the same everywhere, so it is here.
 */
#ifndef FUNNEL_METRICS_H
#define FUNNEL_METRICS_H

#include "postgres.h"

#include "datatype/timestamp.h"

/*
 * Win rate: won / (won + lost), the share of closed deals that were won.
 * False (SQL NULL) when nothing is closed yet.
 */
static inline bool
funnel_win_rate(int64 won, int64 lost, float8 *rate)
{
	if (won + lost == 0)
		return false;
	*rate = (float8) won / (float8) (won + lost);
	return true;
}

/*
 * Conversion rate: the share of the `from` entities (or rows) that reached
 * the later stage.  The caller has made sure from is not zero.
 */
static inline float8
funnel_conversion_rate(int64 converted, int64 from)
{
	return (float8) converted / (float8) from;
}

/*
 * The average of count durations summed as days plus microseconds, in days
 * (a day being USECS_PER_DAY microseconds).  The caller has made sure count
 * is positive.
 */
static inline float8
funnel_avg_days(float8 days, float8 usecs, int64 count)
{
	return (days + usecs / USECS_PER_DAY) / (float8) count;
}

/*
 * Sales velocity: open deals x win rate x average won deal size / average
 * won cycle in days -- the value the pipeline is expected to close per day.
 * The caller has made sure the average cycle is positive.
 */
static inline float8
funnel_sales_velocity(int64 open, float8 win_rate, float8 avg_deal_size, float8 avg_cycle_days)
{
	return (float8) open * win_rate * avg_deal_size / avg_cycle_days;
}

#endif							/* FUNNEL_METRICS_H */
