/*
 * registry.h
 *		The funnel registry: compiled funnel definitions and their cache
 *		(registry.c), and the transition rules every caller applies to them.
 *
 * A funnel is an enum type registered in the extension's catalog tables
 * (funnel.funnel_def, funnel.stage_def, funnel.transition_def).  registry.c
 * compiles a registered funnel into a FunnelDef once per backend and keeps it
 * until the catalog tables, the enum or the type change; every SQL-callable
 * function reaches it through funnel_def_for_fn(), which parks the pointer in
 * fn_extra so that the per-row cost is a pointer and a counter comparison.
 */
#ifndef FUNNEL_REGISTRY_H
#define FUNNEL_REGISTRY_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/relcache.h"

/*
 * Upper bound on the number of labels of a funnel type.  It bounds the
 * transition matrix (n^2 bits, 125 kB at the limit) and lets stage indexes
 * travel as int16 in stored aggregate states.
 */
#define FUNNEL_MAX_STAGES 1000

typedef enum FunnelOutcome
{
	FUNNEL_OPEN = 0,
	FUNNEL_WON = 1,
	FUNNEL_LOST = 2
} FunnelOutcome;

typedef struct FunnelStage
{
	Oid			label_oid;		/* pg_enum OID: the Datum of the enum value */
	char	   *label;
	FunnelOutcome outcome;
	bool		entry;			/* may a new row start here? */
	bool		has_probability;
	float8		probability;
	char	   *owner;			/* owning team, or NULL */
	int			open_index;		/* 0-based rank among open stages, or -1 */
} FunnelStage;

typedef struct FunnelDef
{
	Oid			typid;
	char	   *type_name;		/* format_type_be() at compile time */
	bool		allow_skip;
	bool		allow_backward;
	bool		allow_reopen;
	int			nstages;
	FunnelStage *stages;		/* enum sort order; position = index + 1 */
	int			n_open;
	int			last_open;		/* index of the last open stage */
	int			first_won;		/* index of the first won stage, or -1 */

	/* label OID -> stage index, open addressing with linear probing */
	uint32		hash_mask;
	Oid		   *hash_keys;
	int16	   *hash_vals;

	/* explicit edges: (from, to) -> FUNNEL_EDGE_*, open addressing */
	int			n_edges;
	uint32		edge_mask;
	uint32	   *edge_keys;		/* ((from << 16) | to) + 1; 0 = empty slot */
	uint8	   *edge_vals;

	MemoryContext mcxt;			/* owns everything above */
} FunnelDef;

/*
 * A caller-owned cache of one funnel definition (in fn_extra, or inside a
 * trigger's per-statement state): the type as declared, the enum it resolves
 * to (domains stripped), and the definition, re-validated by comparing a
 * generation counter that every invalidation bumps.
 */
typedef struct FunnelDefCache
{
	Oid			argtype;
	Oid			typid;
	uint64		generation;
	FunnelDef  *def;
} FunnelDefCache;

/* registry.c */
extern void funnel_registry_init(void);
extern FunnelDef *funnel_def_lookup(Oid typid);
extern FunnelDef *funnel_def_refresh(FunnelDefCache *cache, Oid argtype);
extern PGDLLIMPORT uint64 funnel_registry_generation;	/* bumped by every invalidation */

/*
 * The definition for a caller-owned cache: the cached one while it is
 * still valid (per row, inline), else funnel_def_refresh.
 */
static inline FunnelDef *
funnel_def_cached(FunnelDefCache *cache, Oid argtype)
{
	if (cache->def != NULL && cache->argtype == argtype &&
		cache->generation == funnel_registry_generation)
		return cache->def;
	return funnel_def_refresh(cache, argtype);
}
extern FunnelDef *funnel_def_for_fn(FmgrInfo *flinfo, Oid argtype);
extern Oid	funnel_stage_argtype(FunctionCallInfo fcinfo, int argno);
extern int	funnel_stage_index(FunnelDefCache *cache, Oid label, FunnelDef **def);
extern int	funnel_label_index(const FunnelDef *def, Oid label);
extern int	funnel_label_index_by_name(const FunnelDef *def, const char *label);
extern bool funnel_is_registered(Oid typid);

/* explicit edges override the default rules */
#define FUNNEL_EDGE_NONE	0
#define FUNNEL_EDGE_ALLOW	1
#define FUNNEL_EDGE_FORBID	2

extern int	funnel_explicit_rule(const FunnelDef *def, int from, int to);
extern void funnel_registry_invalidate_type(Oid typid);
extern void funnel_registry_invalidate_all(void);

/* The transition rules of DESIGN.md, before explicit edges. */
static inline bool
funnel_default_rule(const FunnelDef *def, int from, int to)
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

static inline bool
funnel_move_allowed(const FunnelDef *def, int from, int to)
{
	if (def->n_edges > 0 && from != to)
	{
		int			rule = funnel_explicit_rule(def, from, to);

		if (rule != FUNNEL_EDGE_NONE)
			return rule == FUNNEL_EDGE_ALLOW;
	}
	return funnel_default_rule(def, from, to);
}

extern const char *funnel_outcome_name(FunnelOutcome outcome);
extern char *funnel_allowed_targets(const FunnelDef *def, int from);
extern int	funnel_errtablecol(Relation rel, const char *relname, int attnum);
extern void funnel_report_illegal_move(const FunnelDef *def, int from, int to,
									   Relation rel, const char *relname,
									   const char *column, const char *rowkey);

#endif							/* FUNNEL_REGISTRY_H */
