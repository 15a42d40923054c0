/*
 * compat.h
 *		The differences between the PostgreSQL major versions funnel builds
 *		against, in one place.
 */
#ifndef FUNNEL_COMPAT_H
#define FUNNEL_COMPAT_H

#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"

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

#endif							/* FUNNEL_COMPAT_H */
