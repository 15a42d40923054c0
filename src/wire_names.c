/*
 * wire_names.c
 *		The portable binary form of the stored types that hold OIDs
 *		(funnel.pipeline, funnel.summary, funnel.pipeline_flow,
 *		funnel.journey): their funnel type and stage labels by name, so that
 *		a value sent by one node (or cluster) is read back by another whose
 *		OIDs differ -- Citus copies states between nodes in binary (COPY into
 *		a distributed table, task results, shard moves), as do binary COPY
 *		files restored elsewhere and clients asking for binary results.
 *
 * The form (wire.h, "Names instead of OIDs"), big-endian:
 *	 u8 WIRE_PORTABLE_MARK | u8 WIRE_PORTABLE_VERSION
 *	 u8 has_type | [name schema | name type]
 *	 u32 n | n x name label
 *	 the type's body, with the type field 0 or 1 and each label field the
 *	 index of its name above
 * where a name is u32 length and the bytes, in the client encoding (as
 * enum_send writes a label).  Each label is named once however often the
 * body uses it.  Labels go by name, not by position in the enum's sort
 * order: a funnel's enum may have been built differently on two nodes
 * (ALTER TYPE ... ADD VALUE BEFORE on one, a value added later on another)
 * and still have the same labels, which is also what the text form relies
 * on; a name names one label whatever the sort order says.
 *
 * Reading resolves the names in this node's catalog: the schema by its name
 * (as the text form's qualified names are: LookupExplicitNamespace, never
 * search_path), the type in that schema by name, refused unless it is an
 * enum, and each label among that enum's labels.  A name this node does not
 * have is 22P03; nothing else of the catalog is consulted.
 *
 * WIRE_PORTABLE_MARK (0xFE) is never the first byte of the OID forms that
 * 1.0 and earlier 1.1 builds wrote (a version byte, 1 or 2), so recv tells
 * the forms apart by it and still reads the old ones (meaningful in the
 * cluster that wrote them).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "registry_names.h"
#include "wire.h"

/* Start an empty dictionary. */
void
wire_names_init(WireNames *names)
{
	memset(names, 0, sizeof(WireNames));
}

/* the hash slot where label is, or the empty one where it would go */
static int
slot_of(const WireNames *names, Oid label)
{
	uint32		h = (uint32) label * 2654435761U;
	int			mask = names->nslots - 1;
	int			i = (int) (h & (uint32) mask);

	while (names->slots[i] != 0 && names->labels[names->slots[i] - 1] != label)
		i = (i + 1) & mask;
	return i;
}

/*
 * The index of label in the dictionary, added if missing (*added says so):
 * a hash lookup, since a journey names a label per event.
 */
static int
dict_index(WireNames *names, Oid label, bool *added)
{
	int			i;

	if (names->nslots > 0)
	{
		i = slot_of(names, label);
		if (names->slots[i] != 0)
		{
			*added = false;
			return names->slots[i] - 1;
		}
	}
	if (names->n == names->cap)
	{
		names->cap = names->cap ? names->cap * 2 : 8;
		names->labels = names->labels ? repalloc(names->labels, sizeof(Oid) * names->cap)
			: palloc(sizeof(Oid) * names->cap);
	}
	if (2 * (names->n + 1) >= names->nslots)
	{
		int			k;

		names->nslots = names->nslots ? names->nslots * 2 : 32;
		if (names->slots)
			pfree(names->slots);
		names->slots = palloc0(sizeof(int32) * names->nslots);
		for (k = 0; k < names->n; k++)
			names->slots[slot_of(names, names->labels[k])] = k + 1;
	}
	names->labels[names->n] = label;
	names->slots[slot_of(names, label)] = names->n + 1;
	*added = true;
	return names->n++;
}

/* Append the type field of a portable body: 1 for the value's type, 0 for none. */
void
wire_names_put_type(StringInfo buf, WireNames *names, Oid typid)
{
	if (OidIsValid(typid))
	{
		if (OidIsValid(names->typid) && names->typid != typid)
			elog(ERROR, "a portable value names two funnel types");
		names->typid = typid;
	}
	wire_put_u32(buf, OidIsValid(typid) ? 1 : 0);
}

/* Append a label field of a portable body: the label's index in the dictionary. */
void
wire_names_put_label(StringInfo buf, WireNames *names, Oid label)
{
	bool		added;

	wire_put_u32(buf, (uint32) dict_index(names, label, &added));
}

/* Append a name in the client encoding, with its length. */
static void
put_name(StringInfo buf, const char *name)
{
	char	   *c = pg_server_to_client(name, (int) strlen(name));

	wire_put_bytes(buf, c, strlen(c));
	if (c != name)
		pfree(c);
}

/*
 * A send function's bytea: the portable form of a value whose body was
 * written into body with names (the type and labels it used).  A label that
 * is not one of the value's type is a damaged stored value (XX001).
 */
bytea *
wire_portable_send(WireNames *names, StringInfo body, const char *what)
{
	StringInfoData buf;
	int			i;

	wire_begin_send(&buf);
	wire_put_u8(&buf, WIRE_PORTABLE_MARK);
	wire_put_u8(&buf, WIRE_PORTABLE_VERSION);
	wire_put_u8(&buf, OidIsValid(names->typid) ? 1 : 0);
	if (OidIsValid(names->typid))
	{
		HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(names->typid));
		Form_pg_type typ;
		char	   *nsp;

		if (!HeapTupleIsValid(tup))
			funnel_missing_type(names->typid);
		typ = (Form_pg_type) GETSTRUCT(tup);
		nsp = get_namespace_name(typ->typnamespace);
		if (nsp == NULL)
			funnel_missing_type(names->typid);
		put_name(&buf, nsp);
		put_name(&buf, NameStr(typ->typname));
		ReleaseSysCache(tup);
	}
	else if (names->n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted %s value", what),
				 errdetail("Stages without a funnel type.")));
	wire_put_u32(&buf, (uint32) names->n);
	for (i = 0; i < names->n; i++)
	{
		if (!funnel_label_belongs(names->labels[i], names->typid))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("corrupted %s value", what),
					 errdetail("Stage %u is not a label of its funnel type.", names->labels[i])));
		put_name(&buf, funnel_label_name(names->labels[i]));
	}
	wire_put_raw(&buf, body->data, body->len);
	return wire_end_send(&buf);
}

/* Does a recv function's message (from its cursor) hold a portable form? */
bool
wire_is_portable(StringInfo msg)
{
	return msg->cursor < msg->len && (uint8) msg->data[msg->cursor] == WIRE_PORTABLE_MARK;
}

/*
 * A name of the dictionary, as a server-encoded C string: shorter than
 * NAMEDATALEN, no NUL, valid in the client encoding (22P03 otherwise, never
 * a conversion error).  It may be empty: '' is a valid enum label.
 */
static char *
get_name(WireReader *r, const char *field)
{
	Size		len;
	const char *p = wire_get_bytes(r, &len, field);
	char	   *name;

	if (len >= NAMEDATALEN || memchr(p, '\0', len) != NULL ||
		pg_encoding_verifymbstr(pg_get_client_encoding(), p, (int) len) != (int) len)
		wire_error(r->what, "invalid %s", field);
	name = pg_client_to_server(p, (int) len);
	if (name == p)
		name = pnstrdup(p, len);
	if (strlen(name) >= NAMEDATALEN)
		wire_error(r->what, "invalid %s", field);
	return name;
}

/*
 * Read the envelope and dictionary of a portable form from msg and resolve
 * them into names; the reader returned is at the start of the body, with
 * names as its dictionary.
 */
WireReader
wire_portable_reader(StringInfo msg, const char *what, WireNames *names)
{
	WireReader	r = wire_reader_msg(msg, what);
	uint32		n;
	uint32		i;

	wire_names_init(names);
	if (wire_get_u8(&r, "format") != WIRE_PORTABLE_MARK ||
		wire_get_u8(&r, "format version") != WIRE_PORTABLE_VERSION)
		wire_bad(&r, "unknown format version");
	switch (wire_get_u8(&r, "type flag"))
	{
		case 0:
			break;
		case 1:
			{
				char	   *nsp = get_name(&r, "schema name");
				char	   *typname = get_name(&r, "type name");
				Oid			nspid = LookupExplicitNamespace(nsp, true);

				if (OidIsValid(nspid))
					names->typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
												   CStringGetDatum(typname), ObjectIdGetDatum(nspid));
				if (!OidIsValid(names->typid))
					wire_error(what, "type %s.%s does not exist",
							   quote_identifier(nsp), quote_identifier(typname));
				if (get_typtype(names->typid) != TYPTYPE_ENUM)
					wire_error(what, "type %s.%s is not an enum",
							   quote_identifier(nsp), quote_identifier(typname));
				break;
			}
		default:
			wire_bad(&r, "bad type flag");
	}
	n = wire_get_u32(&r, "stage name count");
	/* each name takes at least its 4-byte length: bounded before allocating */
	if (n > wire_left(&r) / 4)
		wire_bad(&r, "truncated at stage names");
	if (n > 0 && !OidIsValid(names->typid))
		wire_bad(&r, "stage names without a funnel type");
	for (i = 0; i < n; i++)
	{
		char	   *label = get_name(&r, "stage name");
		HeapTuple	tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(names->typid),
										  CStringGetDatum(label));
		bool		added;

		if (!HeapTupleIsValid(tup))
			wire_error(what, "\"%s\" is not a stage of %s", label, format_type_be(names->typid));
		(void) dict_index(names, ((Form_pg_enum) GETSTRUCT(tup))->oid, &added);
		ReleaseSysCache(tup);
		if (!added)
			wire_error(what, "stage \"%s\" is named twice", label);
		pfree(label);
	}
	r.names = names;
	return r;
}

/* Read the type field of a portable body: none, or the dictionary's type. */
Oid
wire_names_get_type(WireReader *r, const char *field)
{
	uint32		v = wire_get_u32(r, field);

	if (v > 1 || (v == 1 && !OidIsValid(r->names->typid)))
		wire_bad(r, "bad funnel type field");
	return v == 1 ? r->names->typid : InvalidOid;
}

/* Read a label field of a portable body: the label its index names. */
Oid
wire_names_get_label(WireReader *r, const char *field)
{
	uint32		v = wire_get_u32(r, field);

	if (v >= (uint32) r->names->n)
		wire_bad(r, "a stage index beyond the stage names");
	return r->names->labels[v];
}
