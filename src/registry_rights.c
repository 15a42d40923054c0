/*
 * registry_rights.c
 *		Who may change a funnel's definition, and the checks every change
 *		makes before it writes a row.
 *
 * Security model (README "Security"):
 *
 *	- PUBLIC may read the catalog tables and INSERT into them (so that a
 *	  database owner can restore a dump of his funnels); the guard trigger
 *	  (registry_triggers.c) limits an INSERT to funnels whose enum type the
 *	  inserting role owns.  Nobody but a superuser may UPDATE or DELETE,
 *	  which also means nobody else can take a lock on them stronger than ROW
 *	  EXCLUSIVE (LOCK TABLE and SELECT ... FOR UPDATE need UPDATE or DELETE).
 *	- The definition functions change rows through the SQL-callable C
 *	  functions funnel.def_* (registry_edit.c), which check the same
 *	  ownership rule as the guard and write the rows directly (catalog.c),
 *	  so they need no privilege on the tables.
 *	- Changes to one funnel's definition are serialised by a lock on its
 *	  type, which only roles that may change it ever take.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "compat.h"
#include "registry_rights.h"

/* Is the extension being created or updated right now extension funnel itself? */
bool
funnel_running_own_script(void)
{
	return creating_extension && OidIsValid(CurrentExtensionObject) &&
		CurrentExtensionObject == get_extension_oid("funnel", true);
}

/*
 * Check that the current role may change the definition of funnel type
 * typid: 42704 if the type does not exist, 42809 if it is not an enum,
 * 0A000 for a temporary type, 42501 unless the role owns the type (the
 * shipped funnels: owns the extension).  need_type = false accepts a type
 * that no longer exists (forgetting a dropped type's rows is always fine).
 */
void
funnel_check_definition_rights(Oid typid, bool need_type)
{
	HeapTuple	typtup;
	Form_pg_type typform;
	bool		allowed;

	typtup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(typtup))
	{
		if (need_type)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("type with OID %u does not exist", typid)));
		return;
	}
	typform = (Form_pg_type) GETSTRUCT(typtup);
	if (need_type && typform->typtype != TYPTYPE_ENUM)
	{
		ReleaseSysCache(typtup);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("type %s is not an enum", format_type_be(typid)),
				 errdetail("A funnel-stage type must be an enum whose sort order is the funnel order.")));
	}
	if (need_type && isAnyTempNamespace(typform->typnamespace))
	{
		ReleaseSysCache(typtup);
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a temporary type cannot be a funnel"),
				 errdetail("Type %s goes away with the session, without a trace in the funnel catalog, and a dump would then name a type that does not exist.",
						   format_type_be(typid)),
				 errhint("Create the enum type in a permanent schema.")));
	}
	ReleaseSysCache(typtup);

	if (superuser() || funnel_running_own_script())
		return;
	allowed = funnel_type_ownercheck(typid, GetUserId());
	if (!allowed)
	{
		Oid			ext = get_extension_oid("funnel", true);

		allowed = OidIsValid(ext) &&
			getExtensionOfObject(TypeRelationId, typid) == ext &&
			funnel_extension_ownercheck(ext, GetUserId());
	}
	if (!allowed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of type %s to change its funnel definition",
						format_type_be(typid)),
				 errdetail("A funnel's definition can be changed by the owner of its enum type; the shipped funnels by the owner of the extension.")));
}

/* Every label a row names must be a label of the enum: 22023 otherwise. */
void
funnel_check_label(Oid typid, const char *label)
{
	if (strlen(label) >= NAMEDATALEN ||
		!SearchSysCacheExists2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid), CStringGetDatum(label)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a stage of funnel %s", label, format_type_be(typid))));
}

/*
 * Serialise changes to one funnel's definition (not to others': a role can
 * only ever wait for changes to funnels it may change itself).
 */
void
funnel_lock_definition(Oid typid)
{
	LockDatabaseObject(TypeRelationId, typid, 0, ShareUpdateExclusiveLock);
}

/* Has the type a funnel_def row (is it a registered funnel)? */
bool
funnel_is_registered_row(Oid typid)
{
	CatalogFunnel f;

	return funnel_catalog_read_funnel(typid, &f);
}

/* 42704 unless the type is a registered funnel (has a funnel_def row). */
void
funnel_require_registered(Oid typid)
{
	if (!funnel_is_registered_row(typid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type %s is not a registered funnel", format_type_be(typid)),
				 errhint("Create a funnel with funnel.create_funnel(), or register the enum with funnel.register_funnel().")));
}

/* 42501 unless the current role owns the relation (42P01 if it is gone). */
void
funnel_check_table_owner(Oid relid, const char *what)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (!superuser() && !funnel_class_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", name),
				 errdetail("Only the owner of a table can track it and choose its %s.", what)));
}
