/*
 * duration.h
 *		Durations and percentiles as the extension's accessors return them:
 *		microsecond spans, intervals justified as timestamp subtraction gives
 *		them, and percentile_cont over a sketch of durations.
 */
#ifndef FUNNEL_DURATION_H
#define FUNNEL_DURATION_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "sketch.h"

/* 22003 unless 0 <= q <= 1 (percentile_cont's rule and message) */
extern void funnel_check_percentile(double q);

/* microseconds as an interval justified as timestamp subtraction gives it (days + time) */
extern Interval *funnel_usecs_interval(int64 us);

/*
 * percentile_cont(q) over durations in microseconds, interpolated as
 * percentile_cont does for intervals (interval_mi, interval_mul,
 * interval_pl) between the neighbouring order statistics; NULL when empty.
 */
extern Interval *funnel_duration_quantile(QSketch *qs, double q);

/*
 * What makes a sketch of durations (microseconds) impossible -- a negative
 * value, one beyond 2^63, an exact value that is not whole -- said of what
 * ("cycle length"), or NULL.
 */
extern const char *funnel_duration_sketch_problem(QSketch *qs, const char *what);

/* to - from in microseconds; 22008 "interval out of range" on overflow */
extern int64 funnel_span_usecs(TimestampTz from, TimestampTz to);

/*
 * An interval as microseconds, a day being 24 hours and a month 30 days (as
 * PostgreSQL compares intervals); 22008 "<fn> <what> is out of range".
 */
extern int64 funnel_interval_usecs(const Interval *iv, const char *fn, const char *what);

#endif							/* FUNNEL_DURATION_H */
