/*
 * sketch_pg.h
 *		PostgreSQL glue for the plain-C quantile sketch (sketch.h) and the
 *		JSON text form shared by the extension's state types.
 */
#ifndef FUNNEL_SKETCH_PG_H
#define FUNNEL_SKETCH_PG_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "compat.h"
#include "sketch.h"
#include "wire.h"

/* a QSAllocator that pallocs in cxt */
extern QSAllocator funnel_qs_allocator(MemoryContext cxt);

/* errors from the sketch library, as ereport */
extern void funnel_qs_check(int rc, const char *what);

/* binary form: length-prefixed qs_serialize bytes */
extern void qs_wire_write(StringInfo buf, QSketch *qs);
extern void qs_wire_read(WireReader *r, QSketch *qs, MemoryContext cxt);

/* JSON text form: {"n":..,"values":[..]} or {"n":..,"min":..,"max":..,"zero":..,"neg":[lo,[..]],"pos":[lo,[..]]} */
extern void qs_json_write(StringInfo buf, QSketch *qs);
extern void qs_json_read(JsonbValue *v, QSketch *qs, MemoryContext cxt, const char *type, const char *field);

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

/* the text of an enum label; 22P03 when the OID is no enum label (a damaged value) */
extern char *funnel_label_name(Oid label);

/*
 * The name of a stored value's funnel type (schema-qualified if asked), for
 * text output and messages; 42704 when the type no longer exists (the funnel
 * was dropped after the value was made) -- funnel_missing_type().
 */
extern char *funnel_type_name(Oid typid, bool qualified);
pg_noreturn extern void funnel_missing_type(Oid typid) pg_attribute_noreturn();

/* is the OID a label of enum type typid? */
extern bool funnel_label_belongs(Oid label, Oid typid);

/* shortest exact decimal of a double */
extern void append_float8(StringInfo buf, double v);
/* a JSON string literal */
extern void append_json_string(StringInfo buf, const char *s);

/* reading the JSON text form (parsed with jsonb_in); errors are 22P02 */
extern JsonbContainer *jin_parse(const char *str, const char *type);
extern JsonbValue *jin_get(JsonbContainer *obj, const char *key, bool required, const char *type);
extern int64 jin_int64(JsonbValue *v, const char *type, const char *field);
extern double jin_float8(JsonbValue *v, const char *type, const char *field);
extern Oid jin_enum_type(const char *name, const char *type);
extern char *jin_string(JsonbValue *v, const char *type, const char *field);
extern JsonbContainer *jin_array(JsonbValue *v, const char *type, const char *field);
extern JsonbContainer *jin_object(JsonbValue *v, const char *type, const char *field);
extern uint32 jin_len(JsonbContainer *c);
extern JsonbValue *jin_at(JsonbContainer *arr, uint32 i);
extern void jin_bad(const char *type, const char *problem);

#endif							/* FUNNEL_SKETCH_PG_H */
