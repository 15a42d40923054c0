/*
 * registry_names.h
 *		Names of funnel types and stage labels for stored values: the text
 *		of a label OID, the name of a value's funnel type and the way back
 *		from that name, each checked against the catalog.
 */
#ifndef FUNNEL_REGISTRY_NAMES_H
#define FUNNEL_REGISTRY_NAMES_H

#include "postgres.h"

#include "compat.h"

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

/*
 * The enum type a text value names ("schema"."name" as funnel_type_name
 * prints it), or InvalidOid with *problem saying why not.
 */
extern Oid	funnel_enum_type_by_name(const char *name, const char **problem);

#endif							/* FUNNEL_REGISTRY_NAMES_H */
