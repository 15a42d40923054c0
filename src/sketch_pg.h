/*
 * sketch_pg.h
 *		PostgreSQL glue for the plain-C quantile sketch (sketch.h): memory
 *		contexts, errors, and the sketch's binary and JSON forms.
 */
#ifndef FUNNEL_SKETCH_PG_H
#define FUNNEL_SKETCH_PG_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

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

#endif							/* FUNNEL_SKETCH_PG_H */
