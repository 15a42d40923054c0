/*
 * registry.c
 *		Funnel definitions: compile the catalog rows of a registered funnel
 *		into a FunnelDef, cache it per backend, and invalidate the cache when
 *		the definition, the enum or the type changes.
 *
 * The definitions live in three extension configuration tables (see
 * sql/funnel--1.0.sql).  Compiling reads them with SPI; that happens once per
 * backend and funnel, and again only after an invalidation:
 *
 *	- an AFTER STATEMENT trigger on each catalog table calls
 *	  CacheInvalidateRelcacheByRelid() on it, which reaches this backend at
 *	  the next command and every other backend when the change commits;
 *	- a syscache callback on pg_enum catches ALTER TYPE ... ADD/RENAME VALUE,
 *	  and one on pg_type catches a renamed or dropped type.
 *
 * The SPI queries qualify every operator and cast (OPERATOR(pg_catalog.=),
 * ::pg_catalog.text): they run under the caller's search_path, and an
 * operator planted in a schema on that path must not be picked up.
 *
 * Callbacks only mark entries stale; they never free memory, because a caller
 * may be holding a FunnelDef while invalidation messages are processed.
 * Superseded definitions are freed at the end of the transaction, when no
 * executor state can point at them any more.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "funnel.h"
#include "sketch_pg.h"

typedef struct RegistryEntry
{
	Oid			typid;			/* hash key */
	bool		valid;
	uint32		type_hash;		/* TYPEOID syscache hash of typid */
	FunnelDef  *def;			/* last compiled definition, or NULL */
} RegistryEntry;

static HTAB *registry = NULL;

/* bumped by every invalidation; fn_extra caches compare against it */
static uint64 registry_generation = 1;

/* memory contexts of superseded definitions, freed at transaction end */
static List *retired_contexts = NIL;

/* OIDs of the catalog tables, learnt at the first compile */
static Oid	catalog_relids[3];

static void
invalidate_all(void)
{
	HASH_SEQ_STATUS status;
	RegistryEntry *entry;

	registry_generation++;
	if (registry == NULL)
		return;
	hash_seq_init(&status, registry);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
}

static void
relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid ||
		relid == catalog_relids[0] ||
		relid == catalog_relids[1] ||
		relid == catalog_relids[2])
	{
		/* learn the OIDs again: the extension may have been re-created */
		memset(catalog_relids, 0, sizeof(catalog_relids));
		invalidate_all();
	}
}

/* pg_enum changed: a label was added or renamed somewhere */
static void
enum_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	invalidate_all();
}

/* pg_type changed: only our funnel types matter (CREATE TABLE adds types) */
static void
type_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS status;
	RegistryEntry *entry;

	if (registry == NULL)
		return;
	hash_seq_init(&status, registry);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (hashvalue == 0 || entry->type_hash == hashvalue)
		{
			entry->valid = false;
			registry_generation++;
		}
	}
}

static void
xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (retired_contexts == NIL)
		return;
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			foreach(lc, retired_contexts)
				MemoryContextDelete((MemoryContext) lfirst(lc));
			list_free(retired_contexts);
			retired_contexts = NIL;
			break;
		default:
			break;
	}
}

void
funnel_registry_init(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(ENUMOID, enum_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, type_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
}

const char *
funnel_outcome_name(FunnelOutcome outcome)
{
	switch (outcome)
	{
		case FUNNEL_WON:
			return "won";
		case FUNNEL_LOST:
			return "lost";
		default:
			return "open";
	}
}

static inline uint32
oid_hash(Oid oid)
{
	return (uint32) oid * 2654435761u;
}

int
funnel_label_index(const FunnelDef *def, Oid label)
{
	uint32		slot = oid_hash(label) & def->hash_mask;

	for (;;)
	{
		Oid			key = def->hash_keys[slot];

		if (key == label)
			return def->hash_vals[slot];
		if (key == InvalidOid)
			return -1;
		slot = (slot + 1) & def->hash_mask;
	}
}

int
funnel_label_index_by_name(const FunnelDef *def, const char *label)
{
	int			i;

	for (i = 0; i < def->nstages; i++)
		if (strcmp(def->stages[i].label, label) == 0)
			return i;
	return -1;
}

/* The transition rules of DESIGN.md, before explicit edges. */
static bool
default_rule(const FunnelDef *def, int from, int to)
{
	const FunnelStage *f = &def->stages[from];
	const FunnelStage *t = &def->stages[to];

	if (from == to)
		return true;			/* staying put */
	if (f->outcome != FUNNEL_OPEN)
		return def->allow_reopen;	/* out of won/lost */
	if (t->outcome == FUNNEL_LOST)
		return true;			/* lost from any open stage */
	if (t->outcome == FUNNEL_WON)
		return def->allow_skip || from == def->last_open;
	if (t->open_index > f->open_index)
		return def->allow_skip || t->open_index == f->open_index + 1;
	return def->allow_backward;
}

static inline void
set_allowed(FunnelDef *def, int from, int to, bool allowed)
{
	int			bit = from * def->nstages + to;

	if (allowed)
		def->allowed[bit >> 3] |= (uint8) (1 << (bit & 7));
	else
		def->allowed[bit >> 3] &= (uint8) ~(1 << (bit & 7));
}

static void
remember_catalog_relids(void)
{
	Oid			nsp;

	if (OidIsValid(catalog_relids[0]))
		return;
	nsp = get_namespace_oid("funnel", true);
	if (!OidIsValid(nsp))
		return;
	catalog_relids[0] = get_relname_relid("funnel_def", nsp);
	catalog_relids[1] = get_relname_relid("stage_def", nsp);
	catalog_relids[2] = get_relname_relid("transition_def", nsp);
}

static char *
spi_text(HeapTuple tup, TupleDesc desc, int col, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	if (isnull)
		return NULL;
	return MemoryContextStrdup(cxt, TextDatumGetCString(d));
}

/*
 * Read a funnel's catalog rows and the enum's labels and build its FunnelDef
 * in a new memory context, reparented under CacheMemoryContext on success.
 * Returns NULL (missing_ok) or raises 42704 when the type is not registered.
 */
static FunnelDef *
compile_funnel(Oid typid, bool missing_ok)
{
	MemoryContext cxt;
	FunnelDef  *def;
	Oid			argtypes[1] = {REGTYPEOID};
	Datum		args[1];
	TupleDesc	desc;
	uint64		n;
	uint64		i;
	uint32		cap;
	int			nbytes;
	uint8	   *explicit_rule;
	bool		any_entry = false;

	args[0] = ObjectIdGetDatum(typid);
	remember_catalog_relids();

	cxt = AllocSetContextCreate(CurrentMemoryContext, "funnel definition",
								ALLOCSET_SMALL_SIZES);
	def = MemoryContextAllocZero(cxt, sizeof(FunnelDef));
	def->mcxt = cxt;
	def->typid = typid;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (SPI_execute_with_args("SELECT allow_skip, allow_backward, allow_reopen "
							  "FROM funnel.funnel_def WHERE stage_type OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read funnel.funnel_def");
	if (SPI_processed == 0)
	{
		SPI_finish();
		MemoryContextDelete(cxt);
		if (missing_ok)
			return NULL;
		if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typid)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("type with OID %u does not exist", typid)));
		if (get_typtype(typid) != TYPTYPE_ENUM)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("type %s is not an enum", format_type_be(typid)),
					 errdetail("A funnel-stage type is an enum registered with funnel.create_funnel() or funnel.register_funnel().")));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type %s is not a registered funnel", format_type_be(typid)),
				 errhint("Create a funnel with funnel.create_funnel(), or register an existing enum with funnel.register_funnel('%s', won => ..., lost => ...).",
						 format_type_be(typid))));
	}
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		bool		isnull;

		desc = SPI_tuptable->tupdesc;
		def->allow_skip = DatumGetBool(SPI_getbinval(tup, desc, 1, &isnull));
		def->allow_backward = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		def->allow_reopen = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
	}

	/* labels in funnel order, with the effective per-stage settings */
	if (SPI_execute_with_args("SELECT e.oid, e.enumlabel::pg_catalog.text, s.outcome, s.entry, s.owner, s.probability "
							  "FROM pg_catalog.pg_enum e "
							  "LEFT JOIN LATERAL (SELECT d.outcome, d.entry, d.owner, d.probability "
							  "  FROM funnel.stage_def d "
							  "  WHERE d.stage_type OPERATOR(pg_catalog.=) $1 "
							  "    AND d.stage OPERATOR(pg_catalog.=) e.enumlabel::pg_catalog.text "
							  "  ORDER BY d.builtin LIMIT 1) s ON true "
							  "WHERE e.enumtypid OPERATOR(pg_catalog.=) $1::pg_catalog.oid ORDER BY e.enumsortorder",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the labels of type %u", typid);

	n = SPI_processed;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("funnel %s has no stages", format_type_be(typid)),
				 errhint("Add labels with ALTER TYPE %s ADD VALUE.", format_type_be(typid))));
	if (n > FUNNEL_MAX_STAGES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("funnel %s has %llu stages, more than the %d supported",
						format_type_be(typid), (unsigned long long) n, FUNNEL_MAX_STAGES)));

	def->nstages = (int) n;
	def->stages = MemoryContextAllocZero(cxt, sizeof(FunnelStage) * n);
	def->type_name = MemoryContextStrdup(cxt, format_type_be(typid));
	desc = SPI_tuptable->tupdesc;
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		FunnelStage *st = &def->stages[i];
		bool		isnull;
		Datum		d;
		char	   *outcome;

		st->label_oid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		st->label = spi_text(tup, desc, 2, cxt);
		outcome = spi_text(tup, desc, 3, CurrentMemoryContext);
		if (outcome && strcmp(outcome, "won") == 0)
			st->outcome = FUNNEL_WON;
		else if (outcome && strcmp(outcome, "lost") == 0)
			st->outcome = FUNNEL_LOST;
		else
			st->outcome = FUNNEL_OPEN;
		d = SPI_getbinval(tup, desc, 4, &isnull);
		st->entry = !isnull && DatumGetBool(d);
		any_entry |= st->entry;
		st->owner = spi_text(tup, desc, 5, cxt);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		st->has_probability = !isnull;
		st->probability = isnull ? 0.0 : DatumGetFloat8(d);
	}

	/* derived facts: open ranks, last open stage, first won stage */
	def->last_open = -1;
	def->first_won = -1;
	for (i = 0; i < n; i++)
	{
		FunnelStage *st = &def->stages[i];

		if (st->outcome == FUNNEL_OPEN)
		{
			st->open_index = def->n_open++;
			def->last_open = (int) i;
		}
		else
		{
			st->open_index = -1;
			if (st->outcome == FUNNEL_WON && def->first_won < 0)
				def->first_won = (int) i;
		}
	}
	if (def->n_open == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("funnel %s has no open stage", def->type_name),
				 errdetail("Every stage of the funnel is a won or lost outcome.")));
	if (!any_entry)
	{
		/* default entry stage: the first open stage */
		for (i = 0; i < n; i++)
			if (def->stages[i].outcome == FUNNEL_OPEN)
			{
				def->stages[i].entry = true;
				break;
			}
	}

	/* label OID -> index */
	cap = 8;
	while (cap < 2 * n)
		cap <<= 1;
	def->hash_mask = cap - 1;
	def->hash_keys = MemoryContextAllocZero(cxt, sizeof(Oid) * cap);
	def->hash_vals = MemoryContextAllocZero(cxt, sizeof(int16) * cap);
	for (i = 0; i < n; i++)
	{
		uint32		slot = oid_hash(def->stages[i].label_oid) & def->hash_mask;

		while (def->hash_keys[slot] != InvalidOid)
			slot = (slot + 1) & def->hash_mask;
		def->hash_keys[slot] = def->stages[i].label_oid;
		def->hash_vals[slot] = (int16) i;
	}

	/* explicit edges: 0 = none, 1 = allow, 2 = forbid */
	explicit_rule = palloc0(n * n);
	if (SPI_execute_with_args("SELECT from_stage, to_stage, allowed "
							  "FROM funnel.transition_def WHERE stage_type OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read funnel.transition_def");
	desc = SPI_tuptable->tupdesc;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		char	   *from = spi_text(tup, desc, 1, CurrentMemoryContext);
		char	   *to = spi_text(tup, desc, 2, CurrentMemoryContext);
		bool		isnull;
		bool		allowed = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
		int			f = from ? funnel_label_index_by_name(def, from) : -1;
		int			t = to ? funnel_label_index_by_name(def, to) : -1;

		/* rows naming a label the enum no longer has are stale: ignore */
		if (f < 0 || t < 0 || f == t)
			continue;
		explicit_rule[f * n + t] = allowed ? 1 : 2;
	}

	nbytes = (int) ((n * n + 7) / 8);
	def->allowed = MemoryContextAllocZero(cxt, nbytes);
	for (i = 0; i < n; i++)
	{
		uint64		j;

		for (j = 0; j < n; j++)
		{
			uint8		e = explicit_rule[i * n + j];

			set_allowed(def, (int) i, (int) j,
						e == 1 ? true : e == 2 ? false : default_rule(def, (int) i, (int) j));
		}
	}

	SPI_finish();
	MemoryContextSetParent(cxt, CacheMemoryContext);
	return def;
}

static FunnelDef *
lookup(Oid typid, bool missing_ok)
{
	RegistryEntry *entry;
	bool		found;

	if (registry == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RegistryEntry);
		ctl.hcxt = CacheMemoryContext;
		registry = hash_create("funnel registry", 16, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	entry = hash_search(registry, &typid, HASH_ENTER, &found);
	if (!found)
	{
		entry->valid = false;
		entry->def = NULL;
		entry->type_hash = 0;
	}
	if (!entry->valid)
	{
		uint64		generation = registry_generation;
		FunnelDef  *def = compile_funnel(typid, missing_ok);

		if (def == NULL)
			return NULL;
		/* dynahash entries do not move, so entry is still ours */
		if (entry->def != NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			retired_contexts = lappend(retired_contexts, entry->def->mcxt);
			MemoryContextSwitchTo(old);
		}
		entry->def = def;
		entry->type_hash = GetSysCacheHashValue1(TYPEOID, ObjectIdGetDatum(typid));
		/* an invalidation that arrived while compiling forces another read */
		entry->valid = (generation == registry_generation);
	}
	return entry->def;
}

/* The compiled definition of a registered funnel; 42704 if not registered. */
FunnelDef *
funnel_def_lookup(Oid typid)
{
	return lookup(typid, false);
}

bool
funnel_is_registered(Oid typid)
{
	return lookup(typid, true) != NULL;
}

/*
 * getBaseType(), but 42704 for a type that does not exist: an argument's type
 * always exists, a stored value's funnel may have been dropped since.
 */
static Oid
base_type(Oid typid)
{
	for (;;)
	{
		HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
		Form_pg_type typ;

		if (!HeapTupleIsValid(tup))
			funnel_missing_type(typid);
		typ = (Form_pg_type) GETSTRUCT(tup);
		if (typ->typtype != TYPTYPE_DOMAIN)
		{
			ReleaseSysCache(tup);
			return typid;
		}
		typid = typ->typbasetype;
		ReleaseSysCache(tup);
	}
}

/* The definition for a caller-owned cache; see FunnelDefCache. */
FunnelDef *
funnel_def_cached(FunnelDefCache *c, Oid argtype)
{
	/*
	 * First use in this query: take in invalidations that other sessions
	 * committed since our last lock acquisition, so that a statement which
	 * reads no table still sees definitions committed before it started.
	 */
	if (c->def == NULL)
		AcceptInvalidationMessages();
	if (c->def == NULL || c->argtype != argtype || c->generation != registry_generation)
	{
		uint64		generation = registry_generation;

		if (c->argtype != argtype || !OidIsValid(c->typid))
		{
			if (!OidIsValid(argtype))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("could not determine the funnel type of the argument")));
			c->typid = base_type(argtype);
			c->argtype = argtype;
		}
		c->def = NULL;
		c->def = funnel_def_lookup(c->typid);
		c->generation = generation;
	}
	return c->def;
}

/* The definition for a function whose fn_extra holds only a FunnelDefCache. */
FunnelDef *
funnel_def_for_fn(FmgrInfo *flinfo, Oid argtype)
{
	if (flinfo->fn_extra == NULL)
		flinfo->fn_extra = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(FunnelDefCache));
	return funnel_def_cached((FunnelDefCache *) flinfo->fn_extra, argtype);
}

/*
 * Stage index of an enum value.  A label the cached definition does not know
 * (added in this transaction before the invalidation arrived) forces one
 * rebuild before it is an error.
 */
int
funnel_stage_index(FunnelDefCache *c, Oid label)
{
	int			idx = funnel_label_index(c->def, label);

	if (idx < 0)
	{
		invalidate_all();
		funnel_def_cached(c, c->argtype);
		idx = funnel_label_index(c->def, label);
		if (idx < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("enum value with OID %u is not a stage of funnel %s",
							label, c->def->type_name)));
	}
	return idx;
}

/* "a, b, c": the stages a move from `from` may go to, NULL if none. */
char *
funnel_allowed_targets(const FunnelDef *def, int from)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < def->nstages; i++)
	{
		if (i == from || !funnel_move_allowed(def, from, i))
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, def->stages[i].label);
	}
	if (buf.len == 0)
	{
		pfree(buf.data);
		return NULL;
	}
	return buf.data;
}

/* Why the default rules refuse a move (only called for refused moves). */
static const char *
refusal_reason(const FunnelDef *def, int from, int to)
{
	const FunnelStage *f = &def->stages[from];
	const FunnelStage *t = &def->stages[to];

	if (default_rule(def, from, to))
		return "The move is forbidden by an explicit rule (funnel.forbid_transition).";
	if (f->outcome != FUNNEL_OPEN)
		return f->outcome == FUNNEL_WON ?
			"The deal is won and the funnel does not allow reopening." :
			"The deal is lost and the funnel does not allow reopening.";
	if (t->outcome == FUNNEL_WON || t->open_index > f->open_index)
		return "The move skips stages and the funnel does not allow skipping.";
	return "The move goes backward and the funnel does not allow backward moves.";
}

/*
 * Raise 23514 for a refused move: both stages, why, where the entity may go
 * instead, and how to allow the move.  With a relation, the error carries the
 * table and column (errtablecol) as constraint violations do.
 */
void
funnel_report_illegal_move(const FunnelDef *def, int from, int to,
						   Relation rel, const char *column)
{
	const char *flabel = def->stages[from].label;
	const char *tlabel = def->stages[to].label;
	char	   *targets = funnel_allowed_targets(def, from);
	char	   *detail;

	if (targets)
		detail = psprintf("%s Allowed from \"%s\": %s.",
						  refusal_reason(def, from, to), flabel, targets);
	else
		detail = psprintf("%s No move out of \"%s\" is allowed.",
						  refusal_reason(def, from, to), flabel);

	if (rel != NULL)
	{
		int			attnum = -1;
		int			i;

		for (i = 0; i < RelationGetDescr(rel)->natts; i++)
			if (strcmp(NameStr(TupleDescAttr(RelationGetDescr(rel), i)->attname), column) == 0)
				attnum = i + 1;
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("illegal stage change from \"%s\" to \"%s\" in column \"%s\" of relation \"%s\"",
						flabel, tlabel, column, RelationGetRelationName(rel)),
				 errdetail_internal("%s", detail),
				 errhint("If the move is legitimate, allow it with funnel.allow_transition(%s::%s, %s::%s).",
						 quote_literal_cstr(flabel), def->type_name,
						 quote_literal_cstr(tlabel), def->type_name),
				 attnum > 0 ? errtablecol(rel, attnum) : errtable(rel)));
	}
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("illegal stage change from \"%s\" to \"%s\" in funnel %s",
					flabel, tlabel, def->type_name),
			 errdetail_internal("%s", detail),
			 errhint("If the move is legitimate, allow it with funnel.allow_transition(%s::%s, %s::%s).",
					 quote_literal_cstr(flabel), def->type_name,
					 quote_literal_cstr(tlabel), def->type_name)));
}

/*
 * Guard trigger on the catalog tables (BEFORE INSERT OR UPDATE OR DELETE,
 * FOR EACH ROW; argument: 'funnel', 'stage' or 'transition').  The tables are
 * writable by PUBLIC so that the definition functions run with the caller's
 * rights; this trigger is what limits a role to funnels whose enum it owns
 * and keeps rows consistent with the enum, whoever writes them.
 */
PG_FUNCTION_INFO_V1(funnel_definition_guard);

static void
guard_row(Relation rel, HeapTuple tup, const char *kind, bool is_new)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	Oid			typid;
	HeapTuple	typtup;
	Form_pg_type typform;
	int			col;
	bool		allowed;

	col = SPI_fnumber(desc, "builtin");
	if (col > 0)
	{
		Datum		d = heap_getattr(tup, col, desc, &isnull);

		if (!isnull && DatumGetBool(d) && !creating_extension)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the shipped definitions of funnel.marketing_stage and funnel.sales_stage cannot be changed"),
					 errhint("Use funnel.set_stage() and funnel.allow_transition(): they store your settings beside the shipped ones.")));
	}
	if (creating_extension)
		return;

	typid = DatumGetObjectId(heap_getattr(tup, 1, desc, &isnull));
	if (isnull)
		return;					/* NOT NULL constraint reports it */

	typtup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(typtup))
	{
		if (is_new)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("type with OID %u does not exist", typid)));
		return;					/* forgetting a dropped type is always fine */
	}
	typform = (Form_pg_type) GETSTRUCT(typtup);
	if (is_new && typform->typtype != TYPTYPE_ENUM)
	{
		ReleaseSysCache(typtup);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("type %s is not an enum", format_type_be(typid)),
				 errdetail("A funnel-stage type must be an enum whose sort order is the funnel order.")));
	}
	ReleaseSysCache(typtup);

	allowed = pg_type_ownercheck(typid, GetUserId());
	if (!allowed)
	{
		Oid			ext = get_extension_oid("funnel", true);

		allowed = OidIsValid(ext) &&
			getExtensionOfObject(TypeRelationId, typid) == ext &&
			pg_extension_ownercheck(ext, GetUserId());
	}
	if (!allowed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of type %s to change its funnel definition",
						format_type_be(typid)),
				 errdetail("A funnel's definition can be changed by the owner of its enum type; the shipped funnels by the owner of the extension.")));

	if (!is_new)
		return;

	/* every label a row names must be a label of the enum */
	{
		const char *cols[2];
		int			ncols = 0;
		int			k;

		if (strcmp(kind, "stage") == 0)
			cols[ncols++] = "stage";
		else if (strcmp(kind, "transition") == 0)
		{
			cols[ncols++] = "from_stage";
			cols[ncols++] = "to_stage";
		}
		for (k = 0; k < ncols; k++)
		{
			Datum		d;
			char	   *label;

			col = SPI_fnumber(desc, cols[k]);
			if (col <= 0)
				elog(ERROR, "column \"%s\" missing in %s", cols[k], RelationGetRelationName(rel));
			d = heap_getattr(tup, col, desc, &isnull);
			if (isnull)
				continue;
			label = TextDatumGetCString(d);
			if (strlen(label) >= NAMEDATALEN ||
				!SearchSysCacheExists2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid),
									   CStringGetDatum(label)))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("\"%s\" is not a stage of funnel %s", label, format_type_be(typid))));
		}
	}
}

Datum
funnel_definition_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *kind;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.definition_guard() must be called as a trigger")));
	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.definition_guard() must be a BEFORE ROW trigger with one argument")));
	kind = trigdata->tg_trigger->tgargs[0];

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		guard_row(trigdata->tg_relation, trigdata->tg_trigtuple, kind, true);
		return PointerGetDatum(trigdata->tg_trigtuple);
	}
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		guard_row(trigdata->tg_relation, trigdata->tg_trigtuple, kind, false);
		guard_row(trigdata->tg_relation, trigdata->tg_newtuple, kind, true);
		return PointerGetDatum(trigdata->tg_newtuple);
	}
	guard_row(trigdata->tg_relation, trigdata->tg_trigtuple, kind, false);
	return PointerGetDatum(trigdata->tg_trigtuple);
}

/*
 * AFTER STATEMENT trigger on the catalog tables: queue a relcache
 * invalidation of the table, which every backend's relcache_callback turns
 * into a rebuild of its compiled funnels (this backend at the next command,
 * the others when the change commits; a rollback sends nothing).
 */
PG_FUNCTION_INFO_V1(funnel_definition_changed);

Datum
funnel_definition_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.definition_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

/*
 * ddl_command_end event trigger for ALTER TYPE: when a label of a registered
 * funnel is renamed (ALTER TYPE ... RENAME VALUE), carry its settings and
 * explicit edges over to the new name, so that no catalog row names a label
 * the enum no longer has (such rows would make a dump unrestorable).
 */
PG_FUNCTION_INFO_V1(funnel_follow_enum_rename);

Datum
funnel_follow_enum_rename(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	AlterEnumStmt *stmt;
	Oid			typid;
	Oid			argtypes[3] = {REGTYPEOID, TEXTOID, TEXTOID};
	Datum		args[3];

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("funnel.follow_enum_rename() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!IsA(trigdata->parsetree, AlterEnumStmt))
		PG_RETURN_VOID();
	stmt = (AlterEnumStmt *) trigdata->parsetree;
	if (stmt->oldVal == NULL || stmt->newVal == NULL)
		PG_RETURN_VOID();		/* ADD VALUE: nothing to carry over */

	typid = typenameTypeId(NULL, makeTypeNameFromNameList(stmt->typeName));
	args[0] = ObjectIdGetDatum(typid);
	args[1] = CStringGetTextDatum(stmt->oldVal);
	args[2] = CStringGetTextDatum(stmt->newVal);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT builtin FROM funnel.funnel_def WHERE stage_type OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read funnel.funnel_def");
	if (SPI_processed > 0)
	{
		bool		isnull;

		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("cannot rename the stages of the shipped funnel %s", format_type_be(typid)),
					 errhint("Create a funnel of your own with funnel.create_funnel().")));
	}
	if (SPI_processed > 0)
	{
		static const char *const updates[] = {
			"UPDATE funnel.stage_def SET stage = $3 WHERE stage_type OPERATOR(pg_catalog.=) $1 AND stage OPERATOR(pg_catalog.=) $2 AND NOT builtin",
			"UPDATE funnel.transition_def SET from_stage = $3 WHERE stage_type OPERATOR(pg_catalog.=) $1 AND from_stage OPERATOR(pg_catalog.=) $2",
			"UPDATE funnel.transition_def SET to_stage = $3 WHERE stage_type OPERATOR(pg_catalog.=) $1 AND to_stage OPERATOR(pg_catalog.=) $2",
		};
		int			i;

		for (i = 0; i < (int) lengthof(updates); i++)
			if (SPI_execute_with_args(updates[i], 3, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
				elog(ERROR, "could not update the funnel catalog after a rename");
	}
	SPI_finish();
	PG_RETURN_VOID();
}
