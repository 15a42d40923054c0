/*
 * registry_names.c
 *		Names of funnel types and stage labels for stored values.
 *
 * Stored values (funnel.pipeline, funnel.journey, funnel.summary, pipeline
 * flows) hold the OIDs of their funnel type and of its enum labels; their
 * text form and their messages use names.  These helpers go between the two
 * through the syscache, and say clearly when a value outlived its funnel
 * (the type was dropped) or carries an OID that is no label at all.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "registry_names.h"

/*
 * The text of an enum label, from pg_enum by OID; 22P03 when the OID is no
 * enum label, which only a damaged stored value can carry.
 */
char *
funnel_label_name(Oid label)
{
	HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(label));
	char	   *name;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid internal value for enum: %u", label)));
	name = pstrdup(NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel));
	ReleaseSysCache(tup);
	return name;
}

/*
 * Raise 42704 for a stored value whose funnel type no longer exists: the
 * funnel was dropped after the value was made, and its labels cannot be
 * named any more.
 */
void
funnel_missing_type(Oid typid)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("funnel type with OID %u does not exist", typid),
			 errdetail("The value was made with a funnel whose enum type has since been dropped."),
			 errhint("A value of a dropped funnel can no longer be read; delete it.")));
}

/*
 * The name of a stored value's funnel type, schema-qualified if asked (text
 * output uses the qualified name, messages the plain one); 42704 through
 * funnel_missing_type() when the type is gone.  No catalog lookup beyond the
 * one format_type makes anyway.
 */
char *
funnel_type_name(Oid typid, bool qualified)
{
	char	   *name = format_type_extended(typid, -1,
											FORMAT_TYPE_INVALID_AS_NULL |
											(qualified ? FORMAT_TYPE_FORCE_QUALIFY : 0));

	if (name == NULL)
		funnel_missing_type(typid);
	return name;
}

/*
 * Is label a label of enum type typid?  The input and receive functions
 * check every label of a value against the value's funnel with it.
 */
bool
funnel_label_belongs(Oid label, Oid typid)
{
	HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(label));
	bool		ok;

	if (!HeapTupleIsValid(tup))
		return false;
	ok = ((Form_pg_enum) GETSTRUCT(tup))->enumtypid == typid;
	ReleaseSysCache(tup);
	return ok;
}

/*
 * The enum type a text value names: "schema"."name" as funnel_type_name()
 * prints it qualified, or a bare name found through search_path.  Returns
 * InvalidOid with *problem saying why when the name is malformed, names no
 * type or names a type that is not an enum -- never a parser error, so that
 * input functions can report it as malformed input of their own type.
 */
Oid
funnel_enum_type_by_name(const char *name, const char **problem)
{
	char	   *raw = pstrdup(name);
	List	   *names;
	Oid			typid = InvalidOid;

	*problem = NULL;
	if (!SplitIdentifierString(raw, '.', &names) || list_length(names) < 1 || list_length(names) > 2)
	{
		*problem = psprintf("invalid type name \"%s\"", name);
		return InvalidOid;
	}
	if (list_length(names) == 1)
		typid = TypenameGetTypid((char *) linitial(names));
	else
	{
		Oid			nsp = LookupExplicitNamespace((char *) linitial(names), true);

		if (OidIsValid(nsp))
			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									CStringGetDatum((char *) lsecond(names)),
									ObjectIdGetDatum(nsp));
	}
	if (!OidIsValid(typid))
	{
		*problem = psprintf("type \"%s\" does not exist", name);
		return InvalidOid;
	}
	if (get_typtype(typid) != TYPTYPE_ENUM)
	{
		*problem = psprintf("type %s is not an enum", name);
		return InvalidOid;
	}
	return typid;
}
