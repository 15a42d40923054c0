/*
 * textform.h
 *		The JSON text form of the extension's stored types: writing numbers
 *		and strings exactly, and reading a value that jsonb_in parsed, with
 *		every problem reported as 22P02 naming the type.
 */
#ifndef FUNNEL_TEXTFORM_H
#define FUNNEL_TEXTFORM_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* shortest exact decimal of a double */
extern void append_float8(StringInfo buf, double v);
/* a JSON string literal */
extern void append_json_string(StringInfo buf, const char *s);

/* reading the JSON text form (parsed with jsonb_in); errors are 22P02 */
extern JsonbContainer *jin_parse(const char *str, const char *type);
extern JsonbValue *jin_get(JsonbContainer *obj, const char *key, bool required, const char *type);
extern int64 jin_int64(JsonbValue *v, const char *type, const char *field);
extern double jin_float8(JsonbValue *v, const char *type, const char *field);
extern Oid	jin_enum_type(const char *name, const char *type);
extern char *jin_string(JsonbValue *v, const char *type, const char *field);
extern JsonbContainer *jin_array(JsonbValue *v, const char *type, const char *field);
extern JsonbContainer *jin_object(JsonbValue *v, const char *type, const char *field);
extern uint32 jin_len(JsonbContainer *c);
extern JsonbValue *jin_at(JsonbContainer *arr, uint32 i);
extern void jin_bad(const char *type, const char *problem);

#endif							/* FUNNEL_TEXTFORM_H */
