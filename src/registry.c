/*
 * registry.c
 *		Funnel definitions: compile the catalog rows of a registered funnel
 *		into a FunnelDef, cache it per backend, and invalidate the cache when
 *		the definition, the enum or the type changes.
 *
 * The definitions live in three extension configuration tables, read by OID
 * without SQL (catalog.c).  Compiling takes time linear in the stages and
 * explicit edges of the funnel; it happens once per backend and funnel, and
 * again only after that funnel changed:
 *
 *	- a change to a funnel's catalog rows sends an invalidation of its enum
 *	  type's pg_type row (funnel_registry_invalidate_type), which reaches this
 *	  backend at the next command and every other backend when the change
 *	  commits; the syscache callback on pg_type marks that one entry stale;
 *	- a change to any enum's labels (ALTER TYPE ... ADD/RENAME VALUE) cannot
 *	  be traced to its type from the pg_enum invalidation, so it makes every
 *	  entry re-check its labels against the syscache at next use: a funnel
 *	  whose labels did not change is not compiled again;
 *	- a relcache reset (invalidation overflow) or a TRUNCATE of a catalog
 *	  table marks every entry stale.
 *
 * Callbacks only mark entries stale; they never free memory, because a caller
 * may be holding a FunnelDef while invalidation messages are processed.
 * Superseded definitions are freed at the end of the transaction, when no
 * executor state can point at them any more.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "registry.h"
#include "registry_names.h"

typedef struct RegistryEntry
{
	Oid			typid;			/* hash key */
	bool		valid;
	uint64		enum_generation;	/* labels last checked at this enum_generation */
	uint32		type_hash;		/* TYPEOID syscache hash of typid */
	FunnelDef  *def;			/* last compiled definition, or NULL */
} RegistryEntry;

static HTAB *registry = NULL;

/* bumped by every invalidation; fn_extra caches compare against it */
uint64		funnel_registry_generation = 1;

/* bumped by every change to pg_enum */
static uint64 enum_generation = 1;

/* memory contexts of superseded definitions, freed at transaction end */
static List *retired_contexts = NIL;

/*
 * Mark every compiled definition stale (a relcache reset, or a TRUNCATE of
 * a catalog table): each is checked again at its next use.
 */
void
funnel_registry_invalidate_all(void)
{
	HASH_SEQ_STATUS status;
	RegistryEntry *entry;

	funnel_registry_generation++;
	if (registry == NULL)
		return;
	hash_seq_init(&status, registry);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
}

/*
 * A funnel's catalog rows changed: mark its entry stale here, and queue an
 * invalidation of its pg_type row, which other backends receive when the
 * change commits (and which reaches the type_callback of each).
 */
void
funnel_registry_invalidate_type(Oid typid)
{
	HeapTuple	tup;
	RegistryEntry *entry;

	funnel_registry_generation++;
	if (registry != NULL &&
		(entry = hash_search(registry, &typid, HASH_FIND, NULL)) != NULL)
		entry->valid = false;
	tup = SearchSysCacheCopy1(TYPEOID, ObjectIdGetDatum(typid));
	if (HeapTupleIsValid(tup))
	{
		Relation	rel = table_open(TypeRelationId, AccessShareLock);

		CacheInvalidateHeapTuple(rel, tup, NULL);
		table_close(rel, AccessShareLock);
		heap_freetuple(tup);
	}
}

/*
 * Relcache callback: a reset (InvalidOid) may have lost any invalidation,
 * so forget the catalog tables' OIDs and every definition; a change to one
 * of the catalog tables only makes us find the tables again.
 */
static void
relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid)
	{
		funnel_catalog_forget_relids();
		funnel_registry_invalidate_all();
	}
	else if (funnel_catalog_is_table(relid))
		funnel_catalog_forget_relids();	/* learn the OIDs again: the extension may have been re-created */
}

/* pg_enum changed: a label was added or renamed somewhere */
static void
enum_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	enum_generation++;
	funnel_registry_generation++;
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
			funnel_registry_generation++;
		}
	}
}

/*
 * Free the definitions superseded during the transaction once it ends,
 * when no executor state can point at them any more.
 */
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

/* Register the cache's invalidation and end-of-transaction callbacks (_PG_init). */
void
funnel_registry_init(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(ENUMOID, enum_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, type_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
}

/* The SQL name of an outcome: "open", "won" or "lost". */
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

/*
 * The two open-addressing tables of a FunnelDef (label OID -> stage index,
 * edge -> rule) hash by multiplication with Knuth's constant (2^32 divided
 * by the golden ratio), are at most half full, and probe linearly.
 */
#define HASH_MULTIPLIER		2654435761u
#define HASH_MIN_CAPACITY	8

/*
 * the edge_keys value of a slot that holds no edge (edge_key() never gives
 * it); zero, so that a zeroed table is empty
 */
#define EDGE_SLOT_EMPTY		0

/* The home slot hash of a key (a label OID, or an edge_key()). */
static inline uint32
mult_hash(uint32 key)
{
	return key * HASH_MULTIPLIER;
}

/* A power-of-two table size that keeps n keys at most half full. */
static uint32
hash_capacity(uint32 n)
{
	uint32		cap = HASH_MIN_CAPACITY;

	while (cap < 2 * n)
		cap <<= 1;
	return cap;
}

/* The stage index of a label OID in a definition, or -1 if it has none. */
int
funnel_label_index(const FunnelDef *def, Oid label)
{
	uint32		slot = mult_hash((uint32) label) & def->hash_mask;

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

/*
 * The stage index of a label given by name, or -1: a linear scan, for the
 * callers that hold a name (text input, definition changes), not rows.
 */
int
funnel_label_index_by_name(const FunnelDef *def, const char *label)
{
	int			i;

	for (i = 0; i < def->nstages; i++)
		if (strcmp(def->stages[i].label, label) == 0)
			return i;
	return -1;
}

/* The edge_keys value of the edge from -> to (stage indexes below 2^16). */
static inline uint32
edge_key(int from, int to)
{
	return ((uint32) from << 16 | (uint32) to) + 1;	/* never EDGE_SLOT_EMPTY */
}

/* An explicit edge's rule: EDGE_NONE, EDGE_ALLOW or EDGE_FORBID. */
int
funnel_explicit_rule(const FunnelDef *def, int from, int to)
{
	uint32		key = edge_key(from, to);
	uint32		slot = mult_hash(key) & def->edge_mask;

	for (;;)
	{
		uint32		k = def->edge_keys[slot];

		if (k == key)
			return def->edge_vals[slot];
		if (k == EDGE_SLOT_EMPTY)
			return FUNNEL_EDGE_NONE;
		slot = (slot + 1) & def->edge_mask;
	}
}

/* The enum's labels in sort order (pg_enum through the syscache). */
typedef struct EnumLabel
{
	Oid			oid;
	float4		sortorder;
	const char *label;
} EnumLabel;

/* qsort comparator: enum labels by sort order. */
static int
cmp_label(const void *a, const void *b)
{
	float4		x = ((const EnumLabel *) a)->sortorder;
	float4		y = ((const EnumLabel *) b)->sortorder;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The n labels of an enum type, sorted by their sort order (the funnel order). */
static EnumLabel *
enum_labels(Oid typid, int *n)
{
	CatCList   *list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(typid));
	EnumLabel  *labels = palloc(sizeof(EnumLabel) * Max(list->n_members, 1));
	int			i;

	for (i = 0; i < list->n_members; i++)
	{
		Form_pg_enum e = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);

		labels[i].oid = e->oid;
		labels[i].sortorder = e->enumsortorder;
		labels[i].label = pstrdup(NameStr(e->enumlabel));
	}
	*n = list->n_members;
	ReleaseSysCacheList(list);
	qsort(labels, *n, sizeof(EnumLabel), cmp_label);
	return labels;
}

/* Do the compiled stages still match the enum's labels (OIDs, names, order)? */
static bool
labels_unchanged(const FunnelDef *def)
{
	int			n;
	EnumLabel  *labels = enum_labels(def->typid, &n);
	bool		same = (n == def->nstages);
	int			i;

	for (i = 0; same && i < n; i++)
		same = labels[i].oid == def->stages[i].label_oid &&
			strcmp(labels[i].label, def->stages[i].label) == 0;
	pfree(labels);
	return same;
}

/*
 * Read a funnel's catalog rows and the enum's labels and build its FunnelDef
 * in a new memory context, reparented under CacheMemoryContext on success.
 * Returns NULL (missing_ok) or raises 42704 when the type is not registered.
 * Time: linear in the labels, settings rows and explicit edges.
 */
static FunnelDef *
compile_funnel(Oid typid, bool missing_ok)
{
	MemoryContext cxt;
	FunnelDef  *def;
	CatalogFunnel frow;
	EnumLabel  *labels;
	int			n;
	int			i;
	uint32		cap;
	bool		any_entry = false;
	HTAB	   *byname;
	HASHCTL		ctl;
	List	   *rows;
	ListCell   *lc;
	typedef struct NameSlot
	{
		char		name[NAMEDATALEN];
		int			index;
		bool		user_row;	/* settings come from a user row */
	} NameSlot;

	if (!funnel_catalog_read_funnel(typid, &frow))
	{
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

	labels = enum_labels(typid, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("funnel %s has no stages", format_type_be(typid)),
				 errhint("Add labels with ALTER TYPE %s ADD VALUE.", format_type_be(typid))));
	if (n > FUNNEL_MAX_STAGES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("funnel %s has %d stages, more than the %d supported",
						format_type_be(typid), n, FUNNEL_MAX_STAGES)));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "funnel definition",
								ALLOCSET_SMALL_SIZES);
	def = MemoryContextAllocZero(cxt, sizeof(FunnelDef));
	def->mcxt = cxt;
	def->typid = typid;
	def->allow_skip = frow.allow_skip;
	def->allow_backward = frow.allow_backward;
	def->allow_reopen = frow.allow_reopen;
	def->nstages = n;
	def->stages = MemoryContextAllocZero(cxt, sizeof(FunnelStage) * n);
	def->type_name = MemoryContextStrdup(cxt, format_type_be(typid));

	/* label name -> index, for the settings rows and edges */
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(NameSlot);
	ctl.hcxt = CurrentMemoryContext;
	byname = hash_create("funnel labels", n, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (i = 0; i < n; i++)
	{
		NameSlot   *slot = hash_search(byname, labels[i].label, HASH_ENTER, NULL);

		slot->index = i;
		slot->user_row = false;
		def->stages[i].label_oid = labels[i].oid;
		def->stages[i].label = MemoryContextStrdup(cxt, labels[i].label);
		def->stages[i].outcome = FUNNEL_OPEN;
	}

	/* settings: a user row (builtin = false) takes precedence over a shipped row */
	rows = funnel_catalog_read_stages(typid);
	foreach(lc, rows)
	{
		CatalogStage *r = (CatalogStage *) lfirst(lc);
		NameSlot   *slot;
		FunnelStage *st;

		if (strlen(r->stage) >= NAMEDATALEN ||
			(slot = hash_search(byname, r->stage, HASH_FIND, NULL)) == NULL)
			continue;			/* a label the enum no longer has */
		if (slot->user_row && r->builtin)
			continue;
		slot->user_row = !r->builtin;
		st = &def->stages[slot->index];
		st->outcome = r->outcome && strcmp(r->outcome, "won") == 0 ? FUNNEL_WON :
			r->outcome && strcmp(r->outcome, "lost") == 0 ? FUNNEL_LOST : FUNNEL_OPEN;
		st->entry = r->has_entry && r->entry;
		st->owner = r->owner ? MemoryContextStrdup(cxt, r->owner) : NULL;
		st->has_probability = r->has_probability;
		st->probability = r->probability;
	}

	/* derived facts: open ranks, last open stage, first won stage */
	def->last_open = -1;
	def->first_won = -1;
	for (i = 0; i < n; i++)
	{
		FunnelStage *st = &def->stages[i];

		any_entry |= st->entry;
		if (st->outcome == FUNNEL_OPEN)
		{
			st->open_index = def->n_open++;
			def->last_open = i;
		}
		else
		{
			st->open_index = -1;
			if (st->outcome == FUNNEL_WON && def->first_won < 0)
				def->first_won = i;
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
	cap = hash_capacity((uint32) n);
	def->hash_mask = cap - 1;
	def->hash_keys = MemoryContextAllocZero(cxt, sizeof(Oid) * cap);
	def->hash_vals = MemoryContextAllocZero(cxt, sizeof(int16) * cap);
	for (i = 0; i < n; i++)
	{
		uint32		slot = mult_hash((uint32) def->stages[i].label_oid) & def->hash_mask;

		while (def->hash_keys[slot] != InvalidOid)
			slot = (slot + 1) & def->hash_mask;
		def->hash_keys[slot] = def->stages[i].label_oid;
		def->hash_vals[slot] = (int16) i;
	}

	/* explicit edges: (from, to) -> allow/forbid, open addressing */
	rows = funnel_catalog_read_edges(typid);
	cap = hash_capacity((uint32) list_length(rows));
	def->edge_mask = cap - 1;
	/* zeroed: every slot EDGE_SLOT_EMPTY */
	def->edge_keys = MemoryContextAllocZero(cxt, sizeof(uint32) * cap);
	def->edge_vals = MemoryContextAllocZero(cxt, sizeof(uint8) * cap);
	foreach(lc, rows)
	{
		CatalogEdge *e = (CatalogEdge *) lfirst(lc);
		NameSlot   *f = strlen(e->from_stage) < NAMEDATALEN ?
			hash_search(byname, e->from_stage, HASH_FIND, NULL) : NULL;
		NameSlot   *t = strlen(e->to_stage) < NAMEDATALEN ?
			hash_search(byname, e->to_stage, HASH_FIND, NULL) : NULL;
		uint32		key;
		uint32		slot;

		/* rows naming a label the enum no longer has are stale: ignore */
		if (f == NULL || t == NULL || f->index == t->index)
			continue;
		key = edge_key(f->index, t->index);
		slot = mult_hash(key) & def->edge_mask;
		while (def->edge_keys[slot] != EDGE_SLOT_EMPTY && def->edge_keys[slot] != key)
			slot = (slot + 1) & def->edge_mask;
		if (def->edge_keys[slot] == EDGE_SLOT_EMPTY)
			def->n_edges++;
		def->edge_keys[slot] = key;
		def->edge_vals[slot] = e->allowed ? FUNNEL_EDGE_ALLOW : FUNNEL_EDGE_FORBID;
	}

	hash_destroy(byname);
	MemoryContextSetParent(cxt, CacheMemoryContext);
	ereport(DEBUG1,
			(errmsg_internal("funnel: compiled funnel %s (%d stages, %d explicit edges)",
							 def->type_name, def->nstages, def->n_edges)));
	return def;
}

/*
 * The compiled definition of typid from the backend's registry, compiled
 * or re-checked as the invalidations since its last use require; NULL when
 * the type is not registered and missing_ok, else 42704.
 */
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
		entry->enum_generation = 0;
	}
	/* some enum changed since this entry was checked: did its labels? */
	if (entry->valid && entry->enum_generation != enum_generation)
	{
		uint64		generation = enum_generation;

		if (entry->def != NULL && labels_unchanged(entry->def))
			entry->enum_generation = generation;
		else
			entry->valid = false;
	}
	if (!entry->valid)
	{
		uint64		generation = funnel_registry_generation;
		uint64		egeneration = enum_generation;
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
		entry->enum_generation = egeneration;
		/* an invalidation that arrived while compiling forces another read */
		entry->valid = (generation == funnel_registry_generation);
	}
	return entry->def;
}

/*
 * The type of a stage (anyenum) argument: from the call's expression when
 * the caller gave one, else from the value itself -- the enum type of its
 * label -- so that a caller that calls through a fresh FmgrInfo without
 * fn_expr (Citus's workers do) gets the same answer.  A domain over the enum
 * gives the enum either way (the definition is looked up by base type).
 */
Oid
funnel_stage_argtype(FunctionCallInfo fcinfo, int argno)
{
	Oid			t = get_fn_expr_argtype(fcinfo->flinfo, argno);
	HeapTuple	tup;

	if (OidIsValid(t) || argno >= PG_NARGS() || PG_ARGISNULL(argno))
		return t;
	tup = SearchSysCache1(ENUMOID, PG_GETARG_DATUM(argno));
	if (HeapTupleIsValid(tup))
	{
		t = ((Form_pg_enum) GETSTRUCT(tup))->enumtypid;
		ReleaseSysCache(tup);
	}
	return t;
}

/* The compiled definition of a registered funnel; 42704 if not registered. */
FunnelDef *
funnel_def_lookup(Oid typid)
{
	return lookup(typid, false);
}

/* Is typid a registered funnel (compiling it if need be)? */
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

/*
 * The definition for a caller-owned cache; see FunnelDefCache.  (Through
 * funnel_def_cached, registry.h, which returns a valid cached one itself.)
 */
FunnelDef *
funnel_def_refresh(FunnelDefCache *c, Oid argtype)
{
	/*
	 * First use in this query: take in invalidations that other sessions
	 * committed since our last lock acquisition, so that a statement which
	 * reads no table still sees definitions committed before it started.
	 */
	if (c->def == NULL)
		AcceptInvalidationMessages();
	if (c->def == NULL || c->argtype != argtype || c->generation != funnel_registry_generation)
	{
		uint64		generation = funnel_registry_generation;

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
 * Stage index of an enum value, and in *def (unless def is NULL) the
 * definition the index refers to.  A label the cached definition does not
 * know (added in this transaction before the invalidation arrived) forces one
 * rebuild before it is an error, so the definition may be a newer one than
 * c->def was before the call: callers index *def, never a definition they
 * read earlier.
 */
int
funnel_stage_index(FunnelDefCache *c, Oid label, FunnelDef **def)
{
	int			idx = funnel_label_index(c->def, label);

	if (idx < 0)
	{
		RegistryEntry *entry;

		funnel_registry_generation++;
		if ((entry = hash_search(registry, &c->typid, HASH_FIND, NULL)) != NULL)
			entry->valid = false;
		funnel_def_cached(c, c->argtype);
		idx = funnel_label_index(c->def, label);
		if (idx < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("enum value with OID %u is not a stage of funnel %s",
							label, c->def->type_name)));
	}
	if (def != NULL)
		*def = c->def;
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

	if (funnel_default_rule(def, from, to))
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
 * errtablecol() under another table name: the schema, table and column
 * fields of an error about a row of rel, the table called relname (the
 * user's table when rel is one of its Citus shards; NULL: rel's own name).
 */
int
funnel_errtablecol(Relation rel, const char *relname, int attnum)
{
	if (relname == NULL)
		return attnum > 0 ? errtablecol(rel, attnum) : errtable(rel);
	err_generic_string(PG_DIAG_SCHEMA_NAME, get_namespace_name(RelationGetNamespace(rel)));
	err_generic_string(PG_DIAG_TABLE_NAME, relname);
	if (attnum > 0 && attnum <= RelationGetDescr(rel)->natts)
		err_generic_string(PG_DIAG_COLUMN_NAME,
						   NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname));
	return 0;
}

/*
 * Raise 23514 for a refused move: both stages, why, where the entity may go
 * instead, and how to allow the move.  With a relation, the error carries the
 * table and column (errtablecol) as constraint violations do, under the name
 * relname when given (see funnel_errtablecol).
 */
void
funnel_report_illegal_move(const FunnelDef *def, int from, int to,
						   Relation rel, const char *relname, const char *column,
						   const char *rowkey)
{
	const char *flabel = def->stages[from].label;
	const char *tlabel = def->stages[to].label;
	char	   *targets = funnel_allowed_targets(def, from);
	char	   *detail;

	if (targets)
		detail = psprintf("%s%s%s Allowed from \"%s\": %s.",
						  rowkey ? rowkey : "", rowkey ? " " : "",
						  refusal_reason(def, from, to), flabel, targets);
	else
		detail = psprintf("%s%s%s No move out of \"%s\" is allowed.",
						  rowkey ? rowkey : "", rowkey ? " " : "",
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
						flabel, tlabel, column,
						relname ? relname : RelationGetRelationName(rel)),
				 errdetail_internal("%s", detail),
				 errhint("If the move is legitimate, allow it with funnel.allow_transition(%s::%s, %s::%s).",
						 quote_literal_cstr(flabel), def->type_name,
						 quote_literal_cstr(tlabel), def->type_name),
				 funnel_errtablecol(rel, relname, attnum)));
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

