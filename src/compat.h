/*
 * compat.h
 *		The differences between the PostgreSQL major versions funnel builds
 *		against (15, 16, 17, 18), in one place.
 *
 * Each difference is a macro or an inline function under the name funnel's
 * code calls, with the newer API on the PG_VERSION_NUM branch; no other file
 * tests the server version.
 */
#ifndef FUNNEL_COMPAT_H
#define FUNNEL_COMPAT_H

#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/datetime.h"
#include "utils/rel.h"

#if PG_VERSION_NUM >= 160000
/* PostgreSQL 16 moved the varlena macros (VARSIZE_ANY, VARATT_IS_*) out of postgres.h */
#include "varatt.h"
#endif

#if PG_VERSION_NUM >= 160000
/* PostgreSQL 16 folded the per-catalog ownership checks into one function */
#define funnel_type_ownercheck(typid, roleid) \
	object_ownercheck(TypeRelationId, (typid), (roleid))
#define funnel_class_ownercheck(relid, roleid) \
	object_ownercheck(RelationRelationId, (relid), (roleid))
#define funnel_extension_ownercheck(extid, roleid) \
	object_ownercheck(ExtensionRelationId, (extid), (roleid))
#else
#define funnel_type_ownercheck(typid, roleid) pg_type_ownercheck((typid), (roleid))
#define funnel_class_ownercheck(relid, roleid) pg_class_ownercheck((relid), (roleid))
#define funnel_extension_ownercheck(extid, roleid) pg_extension_ownercheck((extid), (roleid))
#endif

/* PostgreSQL 17 added infinite intervals */
#if PG_VERSION_NUM >= 170000
#define INTERVAL_NOT_FINITE_COMPAT(iv) INTERVAL_NOT_FINITE(iv)
#else
#define INTERVAL_NOT_FINITE_COMPAT(iv) false
#endif

/*
 * PostgreSQL 18 replaced the suffix attribute pg_attribute_noreturn() by the
 * prefix pg_noreturn.  Declarations write both; the one this version lacks
 * expands to nothing.
 */
#if PG_VERSION_NUM < 180000
#define pg_noreturn
#else
#define pg_attribute_noreturn()
#endif

/*
 * PostgreSQL 18 lets a deferrable primary key be returned on request; the
 * catalog tables' keys are immediate, and false keeps the old answer.
 */
#if PG_VERSION_NUM >= 180000
#define funnel_primary_key_index(rel) RelationGetPrimaryKeyIndex((rel), false)
#else
#define funnel_primary_key_index(rel) RelationGetPrimaryKeyIndex(rel)
#endif

/* PostgreSQL 16 gave name-list parsing a soft-error context; NULL raises as before */
#if PG_VERSION_NUM >= 160000
#define funnel_qualified_name_list(str) stringToQualifiedNameList((str), NULL)
#else
#define funnel_qualified_name_list(str) stringToQualifiedNameList(str)
#endif

/*
 * DecodeDateTime.  Up to 15 it raised 22023 'time zone "..." not recognized'
 * itself; 16 returns DTERR_BAD_TIMEZONE / DTERR_BAD_ZONE_ABBREV with the name
 * in a DateTimeErrorExtra.  Raising those here the way timestamptz input does
 * keeps one behaviour (and one message) on every version.
 */
static inline int
funnel_decode_datetime(char **field, int *ftype, int nf, int *dtype,
					   struct pg_tm *tm, fsec_t *fsec, int *tz)
{
#if PG_VERSION_NUM >= 160000
	DateTimeErrorExtra extra = {0};
	int			dterr = DecodeDateTime(field, ftype, nf, dtype, tm, fsec, tz, &extra);

	if (dterr == DTERR_BAD_TIMEZONE
#ifdef DTERR_BAD_ZONE_ABBREV
		|| dterr == DTERR_BAD_ZONE_ABBREV
#endif
		)
		DateTimeParseError(dterr, &extra, "", "timestamp with time zone", NULL);
	return dterr;
#else
	return DecodeDateTime(field, ftype, nf, dtype, tm, fsec, tz);
#endif
}

#endif							/* FUNNEL_COMPAT_H */
