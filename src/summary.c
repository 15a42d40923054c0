/*
 * summary.c
 *		funnel.summary: the mergeable cohort state built from journeys, its
 *		I/O, rollup, accessors, and funnel.stage_report -- the funnel chart
 *		as rows.
 *
 * Per stage label: entities that entered it, that reached it under the
 * linear and the strict policy, the drop-offs under each policy, and a
 * quantile sketch of its completed visits (a visit still open is left out,
 * so a report never depends on the clock).  Per cohort: entities, final
 * outcomes, and a sketch of cycle lengths (first entry to first outcome).
 *
 * Policies (for open stages; won and lost rows always count entities that
 * entered them -- outcomes are never reached through enum order):
 *	 linear   an entity reached every open stage up to the furthest it entered;
 *	 entered  an entity counts in the stages it entered;
 *	 strict   an entity counts in the open stages before its first skipped one.
 * Drop-off, counted at open stages only ("won" is the journey's final
 * outcome, its last event; the "next" open stage is the next one in funnel
 * order, whenever it was entered):
 *	 linear   at the furthest open stage the entity entered, unless it was won
 *			  (so once per entity that entered an open stage and ended lost or
 *			  open);
 *	 entered  at every open stage it entered without entering the next open
 *			  stage, and at the last open stage if it entered it and was not
 *			  won (so an entity may drop off at several stages);
 *	 strict   at the last open stage before its first skipped one (the last of
 *			  the open stages it counts in), unless it entered every open stage
 *			  and was won (at most once per entity; never if it skipped the
 *			  first open stage).
 * Won and lost rows have no conversion from a previous step (an entity is
 * won or lost from whichever stage it was in; with skips a "won after the
 * last open stage" ratio exceeds 1), only their share of the top.
 *
 * The counts of open stages depend on the funnel's order, so a state keeps
 * the definition they were counted under (its labels in funnel order, with
 * their outcomes).  When the funnel has changed since -- stages added
 * anywhere (ALTER TYPE ... ADD VALUE), labels renamed -- summary_normalize()
 * rewrites the counts into what one pass over the same journeys gives under
 * the current definition, before any merge or report: the entities of the
 * old state never entered a stage added since, so their furthest stage,
 * their strict prefix (cut before the first added stage) and their "next
 * stage" follow from the stored counts.  A change that cannot be mapped (an
 * old stage that changed its outcome) is an error, never a wrong figure.
 *
 * In memory the state is an expanded object, as funnel.pipeline's is (a
 * summary is per cohort: few groups).  Flat form (version 2): u8 version |
 * u32 type | i64 entities, won, lost | u32 d | d x (u32 label | u8 outcome)
 * | u32 n | n x (u32 label | i64 entered, reached, strict, drop linear,
 * drop entered, drop strict | sketch) | cycle sketch.  Version 1 (1.0) has
 * no definition (d): it is taken as counted under the definition in force
 * when it is first used.  send writes the body in the portable form (type
 * and labels by name, wire_names.c); recv also reads the OID forms of 1.0
 * (version 1) and earlier 1.1 builds.  Text form: JSON with type and label
 * names.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "defrecord.h"
#include "duration.h"
#include "journey.h"
#include "metrics.h"
#include "registry_names.h"
#include "sketch_pg.h"
#include "state.h"
#include "srf.h"
#include "summary.h"
#include "textform.h"
#include "wire.h"

#define SUMMARY_VERSION 2
#define SUMMARY_VERSION_1 1		/* 1.0's: no definition, skipped count or in-progress counts */
#define SUMMARY_TYPE "funnel.summary"

typedef struct SumStage
{
	Oid			label;
	int64		entered;
	int64		reached;		/* linear */
	int64		strict;
	int64		drop[POL_COUNT];	/* counted at this stage: left without converting, or in progress */
	int64		open_drop[POL_COUNT];	/* of drop[]: entities whose journey is still open */
	int64		current_open;	/* entities still open whose last event is this stage */
	QSketch		time;			/* completed visits, microseconds */
} SumStage;

typedef struct Summary
{
	FunnelState st;			/* first: expanded-object header, cached flat form */
	MemoryContext cxt;
	Oid			stage_type;
	int64		entities;
	int64		won;
	int64		lost;
	int64		skipped;		/* NULL journeys: entities whose every history row lacked a stage or time */
	int			nslots;
	int			capslots;
	SumStage   *slots;
	QSketch		cycle;
	/* the definition the counts were made under (n = 0: not known, version 1) */
	FunnelDefRecord under;
} Summary;

/* funnel.summary in the state skeleton (state.h), defined below its functions */
static const FunnelStateType summary_type;

/*
 * a summary argument, read-only, parsed once for all the accessors over it
 * (state_cache.c): a by-reference result is returned with PG_RETURN_INTERVAL_COPY
 */
#define ARG_SUMMARY(n) ((Summary *) funnel_state_get_cached(&summary_type, PG_GETARG_DATUM(n)))
/* an interval result, copied out of a cached argument */
#define PG_RETURN_INTERVAL_COPY(x) FUNNEL_RETURN_COPY(IntervalPGetDatum(x), sizeof(Interval))

/* Per-call-site cache (fn_extra): the funnel definition. */
typedef struct SumFnCache
{
	FunnelDefCache defcache;
} SumFnCache;

/* this call site's funnel definition cache */
static FunnelDefCache *
defcache_of(FunctionCallInfo fcinfo)
{
	return &((SumFnCache *) funnel_fn_cache(fcinfo, sizeof(SumFnCache)))->defcache;
}

/* a new state allocated in cxt (an aggregate's arena, or the current context) */
static FunnelState *
summary_create(MemoryContext cxt)
{
	Summary    *s = MemoryContextAllocZero(cxt, sizeof(Summary));
	QSAllocator a = funnel_qs_allocator(cxt);

	funnel_state_init(&s->st, &summary_type, cxt);
	s->cxt = cxt;
	qs_init(&s->cycle, &a);
	return &s->st;
}

/* The slot of label, made (empty) if missing. */
static SumStage *
slot_for(Summary *s, Oid label)
{
	int			i;
	QSAllocator a;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].label == label)
			return &s->slots[i];
	if (s->nslots == s->capslots)
	{
		int			cap = s->capslots ? s->capslots * 2 : 8;

		s->slots = s->slots ? repalloc(s->slots, cap * sizeof(SumStage))
			: MemoryContextAlloc(s->cxt, cap * sizeof(SumStage));
		s->capslots = cap;
	}
	memset(&s->slots[s->nslots], 0, sizeof(SumStage));
	s->slots[s->nslots].label = label;
	a = funnel_qs_allocator(s->cxt);
	qs_init(&s->slots[s->nslots].time, &a);
	return &s->slots[s->nslots++];
}

/* The slot of label, or NULL. */
static SumStage *
find_slot(Summary *s, Oid label)
{
	int			i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].label == label)
			return &s->slots[i];
	return NULL;
}

/* *dst += v, 22003 past 2^63 - 1 */
static void
add_count(int64 *dst, int64 v)
{
	funnel_add_count(dst, v, SUMMARY_TYPE);
}

/* Record def as the definition s's counts refer to. */
static void
summary_set_def(Summary *s, const FunnelDef *def)
{
	defrec_set(&s->under, def, s->cxt);
	funnel_state_touch(&s->st);
}

/* 55000: the counts cannot be carried over to def (detail says why). */
static void
refuse_old_definition(Summary *s, const FunnelDef *def, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("a funnel.summary of %s was made under a definition that cannot be carried over to the current one",
					def->type_name),
			 errdetail_internal("%s", detail),
			 errhint("Build the summary again from the journeys (or the history table).")));
}

/*
 * Rewrite s's counts, made under the definition s records, into the counts
 * one pass over the same journeys gives under def (see the header comment).
 */
static void
summary_normalize(Summary *s, const FunnelDef *def)
{
	int			n = def->nstages;
	bool	   *is_new;
	int		   *open;			/* stage index of each open index, new definition */
	int64	   *reached,
			   *strict,
			   *drop_l,
			   *drop_e,
			   *drop_s,
			   *open_l,
			   *open_e,
			   *open_s;
	int			fpos;
	int			k;
	int			p;

	if (s->under.n == 0)
	{
		/* empty, or version 1: counted under the current definition */
		summary_set_def(s, def);
		return;
	}
	if (defrec_is(&s->under, def))
		return;

	is_new = palloc(sizeof(bool) * n);
	{
		const char *problem = defrec_carry_problem(&s->under, def, "summary", is_new);

		if (problem != NULL)
			refuse_old_definition(s, def, problem);
	}

	open = palloc(sizeof(int) * Max(def->n_open, 1));
	for (k = 0; k < n; k++)
		if (def->stages[k].outcome == FUNNEL_OPEN)
			open[def->stages[k].open_index] = k;
	reached = palloc0(sizeof(int64) * n);
	strict = palloc0(sizeof(int64) * n);
	drop_l = palloc0(sizeof(int64) * n);
	drop_e = palloc0(sizeof(int64) * n);
	drop_s = palloc0(sizeof(int64) * n);
	open_l = palloc0(sizeof(int64) * n);
	open_e = palloc0(sizeof(int64) * n);
	open_s = palloc0(sizeof(int64) * n);

	/* linear: an old entity reached a new stage iff it reached the next old one */
	{
		int64		carry = 0;

		for (p = def->n_open - 1; p >= 0; p--)
		{
			int			i = open[p];
			SumStage   *st = find_slot(s, def->stages[i].label_oid);

			if (!is_new[i])
			{
				carry = st ? st->reached : 0;
				drop_l[i] = st ? st->drop[POL_LINEAR] : 0;
				open_l[i] = st ? st->open_drop[POL_LINEAR] : 0;
			}
			reached[i] = carry;
		}
	}

	/* strict: prefixes end before the first new open stage */
	for (fpos = 0; fpos < def->n_open && !is_new[open[fpos]]; fpos++)
		;
	for (p = 0; p < fpos; p++)
	{
		SumStage   *st = find_slot(s, def->stages[open[p]].label_oid);

		strict[open[p]] = st ? st->strict : 0;
		if (fpos < def->n_open && p == fpos - 1)
		{
			int			q;

			/* nobody entered the next stage: every prefix reaching it ends here */
			drop_s[open[p]] = strict[open[p]];
			for (q = p; q < def->n_open; q++)
			{
				SumStage   *o = is_new[open[q]] ? NULL : find_slot(s, def->stages[open[q]].label_oid);

				open_s[open[p]] += o ? o->open_drop[POL_STRICT] : 0;
			}
		}
		else
		{
			drop_s[open[p]] = st ? st->drop[POL_STRICT] : 0;
			open_s[open[p]] = st ? st->open_drop[POL_STRICT] : 0;
		}
	}

	/* entered: the next open stage changed only where a new one now follows */
	for (p = 0; p < def->n_open; p++)
	{
		int			i = open[p];
		SumStage   *st;
		Oid			old_next = InvalidOid;
		Oid			new_next;
		int			ok;

		if (is_new[i])
			continue;
		st = find_slot(s, def->stages[i].label_oid);
		/* the next open stage in the summary's definition */
		for (k = 0; k < s->under.n && s->under.label[k] != def->stages[i].label_oid; k++)
			;
		for (ok = k + 1; ok < s->under.n; ok++)
			if (s->under.outcome[ok] == FUNNEL_OPEN)
			{
				old_next = s->under.label[ok];
				break;
			}
		new_next = p + 1 < def->n_open ? def->stages[open[p + 1]].label_oid : InvalidOid;
		if (new_next == old_next)
		{
			drop_e[i] = st ? st->drop[POL_ENTERED] : 0;
			open_e[i] = st ? st->open_drop[POL_ENTERED] : 0;
		}
		else
		{
			/* the next stage is new: nobody entered it */
			drop_e[i] = st ? st->entered : 0;
			open_e[i] = st ? st->current_open : 0;
		}
	}

	for (p = 0; p < def->n_open; p++)
	{
		int			i = open[p];
		SumStage   *st;

		if (is_new[i] && reached[i] == 0 && strict[i] == 0)
			continue;
		st = find_slot(s, def->stages[i].label_oid);
		if (st == NULL && reached[i] == 0 && strict[i] == 0 && drop_l[i] == 0 &&
			drop_e[i] == 0 && drop_s[i] == 0 && open_s[i] == 0)
			continue;
		if (st == NULL)
			st = slot_for(s, def->stages[i].label_oid);
		st->reached = reached[i];
		st->strict = strict[i];
		st->drop[POL_LINEAR] = drop_l[i];
		st->drop[POL_ENTERED] = drop_e[i];
		st->drop[POL_STRICT] = drop_s[i];
		st->open_drop[POL_LINEAR] = open_l[i];
		st->open_drop[POL_ENTERED] = open_e[i];
		st->open_drop[POL_STRICT] = open_s[i];
	}
	summary_set_def(s, def);
	pfree(is_new);
	pfree(open);
	pfree(reached);
	pfree(strict);
	pfree(drop_l);
	pfree(drop_e);
	pfree(drop_s);
	pfree(open_l);
	pfree(open_e);
	pfree(open_s);
}

/*
 * s (read-only) with its counts under def: s itself when they were made
 * under def, else a normalized copy in the current context.
 */
static Summary *
summary_under(Summary *s, const FunnelDef *def)
{
	Summary    *own;

	if (defrec_is(&s->under, def))
		return s;
	own = (Summary *) funnel_state_copy(&s->st, CurrentMemoryContext);
	summary_normalize(own, def);
	return own;
}

/* An argument's counts under the funnel's current definition (read-only). */
static Summary *
summary_current(Summary *s, FunnelDefCache *dc)
{
	if (!OidIsValid(s->stage_type))
		return s;
	return summary_under(s, funnel_def_cached(dc, s->stage_type));
}

/*
 * dst += src (src read-only); counts made under different definitions are
 * first carried over to the current one, which dc gives.
 */
static void
summary_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	Summary    *dst = (Summary *) dstst;
	Summary    *src = (Summary *) srcst;
	FunnelDefCache *dc = fcinfo ? defcache_of(fcinfo) : NULL;
	int			i;
	int			k;

	add_count(&dst->skipped, src->skipped);
	funnel_state_touch(&dst->st);
	if (!OidIsValid(src->stage_type))
		return;
	if (!OidIsValid(dst->stage_type))
		dst->stage_type = src->stage_type;
	else if (dst->stage_type != src->stage_type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine summaries of funnels %s and %s",
						funnel_type_name(dst->stage_type, false), funnel_type_name(src->stage_type, false))));
	/* counts made under different definitions meet under the current one */
	if (dst->entities == 0 && dst->nslots == 0 && dst->under.n == 0)
	{
		if (src->under.n > 0)
			defrec_copy(&dst->under, &src->under, dst->cxt);
	}
	else if (!defrec_same(&dst->under, &src->under))
	{
		const FunnelDef *def;

		if (dc == NULL)
			elog(ERROR, "summaries of different definitions merged without a definition cache");
		def = funnel_def_cached(dc, dst->stage_type);
		summary_normalize(dst, def);
		src = summary_under(src, def);
	}
	add_count(&dst->entities, src->entities);
	add_count(&dst->won, src->won);
	add_count(&dst->lost, src->lost);
	for (i = 0; i < src->nslots; i++)
	{
		SumStage   *d = slot_for(dst, src->slots[i].label);
		SumStage   *o = &src->slots[i];

		add_count(&d->entered, o->entered);
		add_count(&d->reached, o->reached);
		add_count(&d->strict, o->strict);
		for (k = 0; k < POL_COUNT; k++)
		{
			add_count(&d->drop[k], o->drop[k]);
			add_count(&d->open_drop[k], o->open_drop[k]);
		}
		add_count(&d->current_open, o->current_open);
		funnel_qs_check(qs_merge(&d->time, &o->time), "times in stage");
	}
	funnel_qs_check(qs_merge(&dst->cycle, &src->cycle), "cycle lengths");
	funnel_state_touch(&dst->st);
}

/* ------------------------------------------------------------------------
 * Flat form
 * ------------------------------------------------------------------------
 */

/*
 * The stages in label-OID order, so equal summaries have equal bytes and
 * text: a sorted copy of the slots (the state itself is only read).
 */
static SumStage *
canonical_slots(Summary *s)
{
	StaticAssertStmt(offsetof(SumStage, label) == 0, "funnel_label_cmp sorts by the first field");
	return funnel_sorted_copy(s->slots, s->nslots, sizeof(SumStage), funnel_label_cmp);
}

/* The flat body (see the header comment); s is only read. */
static void
summary_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	Summary    *s = (Summary *) st;
	int			i;
	int			k;
	SumStage   *sorted = canonical_slots(s);

	wire_put_u8(buf, SUMMARY_VERSION);
	wire_put_type(buf, names, s->stage_type);
	wire_put_i64(buf, s->entities);
	wire_put_i64(buf, s->won);
	wire_put_i64(buf, s->lost);
	wire_put_i64(buf, s->skipped);
	defrec_wire_write(buf, names, &s->under);
	wire_put_u32(buf, (uint32) s->nslots);
	for (i = 0; i < s->nslots; i++)
	{
		SumStage   *st = &sorted[i];

		wire_put_label(buf, names, st->label);
		wire_put_i64(buf, st->entered);
		wire_put_i64(buf, st->reached);
		wire_put_i64(buf, st->strict);
		for (k = 0; k < POL_COUNT; k++)
			wire_put_i64(buf, st->drop[k]);
		for (k = 0; k < POL_COUNT; k++)
			wire_put_i64(buf, st->open_drop[k]);
		wire_put_i64(buf, st->current_open);
		funnel_sketch_wire_write(buf, &st->time);
	}
	funnel_sketch_wire_write(buf, &s->cycle);
	pfree(sorted);
}

/*
 * The first inconsistency of a summary, or NULL: the cross-checks of the
 * binary and text readers (live = false), and the invariants of a live
 * state (live = true: sketches are checked without being sorted).
 */
static const char *
summary_problem(Summary *s, bool live)
{
	const char *problem = NULL;
	int			i;
	int			k;

	if (live && (s->nslots < 0 || s->nslots > s->capslots))
		problem = "slot count beyond the slots";
	else if (s->entities < 0 || s->won < 0 || s->lost < 0 || s->skipped < 0 || s->won > s->entities ||
		s->lost > s->entities - s->won)
		problem = "entity counts are inconsistent";
	else if ((s->entities > 0 || s->nslots > 0 || s->under.n > 0) && !OidIsValid(s->stage_type))
		problem = "stages without a funnel type";
	else
		problem = defrec_problem(&s->under);
	for (i = 0; i < s->nslots && s->under.n > 0 && problem == NULL; i++)
		if (!defrec_has(&s->under, s->slots[i].label))
			problem = "a stage is not in the definition";
	if (problem != NULL)
		;
	else if ((int64) qs_count(&s->cycle) > s->entities)
		problem = "cycle count exceeds the entities";
	else
		problem = live ? funnel_sketch_problem(&s->cycle) : funnel_duration_sketch_problem(&s->cycle, "cycle length");
	for (i = 0; i < s->nslots && problem == NULL; i++)
	{
		SumStage   *st = &s->slots[i];

		if (st->entered < 0 || st->reached < 0 || st->strict < 0 ||
			st->entered > s->entities || st->reached > s->entities || st->strict > s->entities)
			problem = "stage counts are inconsistent";
		for (k = 0; k < POL_COUNT && problem == NULL; k++)
			if (st->drop[k] < 0 || st->drop[k] > s->entities ||
				st->open_drop[k] < 0 || st->open_drop[k] > st->drop[k])
				problem = "drop-off counts are inconsistent";
		if (problem == NULL && (st->current_open < 0 || st->current_open > st->entered))
			problem = "in-progress counts are inconsistent";
		if (problem == NULL)
			problem = live ? funnel_sketch_problem(&st->time) : funnel_duration_sketch_problem(&st->time, "time in stage");
	}
	return problem;
}

#ifdef FUNNEL_CHECK_INVARIANTS
/* The invariants of a live summary (state.h). */
static const char *
summary_check(const void *state)
{
	return summary_problem((Summary *) state, true);
}
#endif

/* The type must be an enum and every label one of its labels (recv). */
static void
check_labels(Summary *s)
{
	int			i;
	int			j;

	/* a type named without stages must exist too: the value is printed by name */
	if (OidIsValid(s->stage_type) && get_typtype(s->stage_type) != TYPTYPE_ENUM)
		wire_error(SUMMARY_TYPE, "type %u is not an enum", s->stage_type);
	defrec_check_labels(&s->under, s->stage_type, SUMMARY_TYPE);
	for (i = 0; i < s->nslots; i++)
	{
		bool		ok = funnel_label_belongs(s->slots[i].label, s->stage_type);

		for (j = 0; ok && j < i; j++)
			ok = s->slots[j].label != s->slots[i].label;
		if (!ok)
			wire_error(SUMMARY_TYPE, "stage %u is not a distinct label of its funnel", s->slots[i].label);
	}
}

/*
 * A flat body (version 1 or 2) read into a new state in parent and
 * validated (22P03); with check_catalog (recv) its type and labels are
 * checked against the catalog; names: a portable body's dictionary (or
 * NULL: OIDs).
 */
static FunnelState *
summary_read(const char *data, Size len, MemoryContext parent, bool check_catalog,
			 const WireNames *names)
{
	Summary    *s = (Summary *) summary_create(parent);
	WireReader	r = {data, len, 0, SUMMARY_TYPE, names};
	uint32		n;
	uint32		i;
	int			k;
	int			version;

	version = wire_get_u8(&r, "version");
	if (version != SUMMARY_VERSION_1 && version != SUMMARY_VERSION)
		wire_bad(&r, "unknown format version");
	s->stage_type = wire_get_type(&r, "stage type");
	s->entities = wire_get_i64(&r, "entities");
	s->won = wire_get_i64(&r, "won");
	s->lost = wire_get_i64(&r, "lost");
	if (version > SUMMARY_VERSION_1)
		s->skipped = wire_get_i64(&r, "skipped");
	if (version > SUMMARY_VERSION_1)
		defrec_wire_read(&r, &s->under, s->cxt);
	n = wire_get_u32(&r, "stage count");
	if (n > FUNNEL_MAX_STAGES)
		wire_bad(&r, "too many stages");
	for (i = 0; i < n; i++)
	{
		Oid			label = wire_get_label(&r, "stage label");
		SumStage   *st;

		if (find_slot(s, label) != NULL)
			wire_bad(&r, "a stage appears twice");
		st = slot_for(s, label);
		st->entered = wire_get_i64(&r, "entered");
		st->reached = wire_get_i64(&r, "reached");
		st->strict = wire_get_i64(&r, "strict");
		for (k = 0; k < POL_COUNT; k++)
			st->drop[k] = wire_get_i64(&r, "drop-off");
		if (version > SUMMARY_VERSION_1)
		{
			for (k = 0; k < POL_COUNT; k++)
				st->open_drop[k] = wire_get_i64(&r, "in progress");
			st->current_open = wire_get_i64(&r, "current");
		}
		qs_free(&st->time);
		qs_wire_read(&r, &st->time, s->cxt);
	}
	qs_free(&s->cycle);
	qs_wire_read(&r, &s->cycle, s->cxt);
	wire_end(&r);
	funnel_state_refuse(SUMMARY_TYPE, true, summary_problem(s, false));
	if (check_catalog)
		check_labels(s);
	return &s->st;
}

/* funnel.summary in the state skeleton (state.h) */
static const FunnelStateType summary_type = {
	FUNNEL_EXPANDED_METHODS,
	SUMMARY_TYPE,
	summary_create,
	summary_write,
	summary_read,
	summary_merge,
	FUNNEL_CHECKER(summary_check),
	true						/* holds its type's and labels' OIDs */
};

/*
 * Final function of funnel.summary and funnel.rollup(summary): the state,
 * handed to stage_report and the summary accessors without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(summary_final);
Datum
summary_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&summary_type, fcinfo);
}


/* ------------------------------------------------------------------------
 * I/O
 * ------------------------------------------------------------------------
 */

/* text output: the JSON form, stages in label-OID order */
PG_FUNCTION_INFO_V1(summary_out);
Datum
summary_out(PG_FUNCTION_ARGS)
{
	Summary    *s = ARG_SUMMARY(0);
	StringInfoData buf;
	int			i;
	SumStage   *sorted = canonical_slots(s);

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"type\":", SUMMARY_VERSION);
	if (OidIsValid(s->stage_type))
		append_json_string(&buf, funnel_type_name(s->stage_type, true));
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ",\"entities\":" INT64_FORMAT ",\"won\":" INT64_FORMAT ",\"lost\":" INT64_FORMAT,
					 s->entities, s->won, s->lost);
	if (s->skipped != 0)
		appendStringInfo(&buf, ",\"skipped\":" INT64_FORMAT, s->skipped);
	if (s->under.n > 0)
	{
		appendStringInfoString(&buf, ",\"order\":");
		defrec_json_write(&buf, &s->under);
	}
	appendStringInfoString(&buf, ",\"stages\":[");
	for (i = 0; i < s->nslots; i++)
	{
		SumStage   *st = &sorted[i];

		appendStringInfoString(&buf, i ? ",{\"stage\":" : "{\"stage\":");
		append_json_string(&buf, funnel_label_name(st->label));
		appendStringInfo(&buf, ",\"entered\":" INT64_FORMAT ",\"reached\":" INT64_FORMAT
						 ",\"strict\":" INT64_FORMAT ",\"drop\":[" INT64_FORMAT "," INT64_FORMAT "," INT64_FORMAT
						 "],\"open_drop\":[" INT64_FORMAT "," INT64_FORMAT "," INT64_FORMAT
						 "],\"current_open\":" INT64_FORMAT ",\"time\":",
						 st->entered, st->reached, st->strict, st->drop[0], st->drop[1], st->drop[2],
						 st->open_drop[0], st->open_drop[1], st->open_drop[2], st->current_open);
		funnel_sketch_json_write(&buf, &st->time);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "],\"cycle\":");
	funnel_sketch_json_write(&buf, &s->cycle);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* text input: the JSON form (version 1 or 2), validated (22P02) */
PG_FUNCTION_INFO_V1(summary_in);
Datum
summary_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), SUMMARY_TYPE);
	Summary    *s = (Summary *) summary_create(CurrentMemoryContext);
	JsonbValue *v;
	JsonbContainer *stages;
	uint32		i;
	int64		version;

	version = jin_int64(jin_get(obj, "version", true, SUMMARY_TYPE), SUMMARY_TYPE, "version");
	if (version != SUMMARY_VERSION_1 && version != SUMMARY_VERSION)
		jin_bad(SUMMARY_TYPE, "unknown version");
	v = jin_get(obj, "type", false, SUMMARY_TYPE);
	if (v != NULL)
		s->stage_type = jin_enum_type(jin_string(v, SUMMARY_TYPE, "type"), SUMMARY_TYPE);
	s->entities = jin_int64(jin_get(obj, "entities", true, SUMMARY_TYPE), SUMMARY_TYPE, "entities");
	s->won = jin_int64(jin_get(obj, "won", true, SUMMARY_TYPE), SUMMARY_TYPE, "won");
	s->lost = jin_int64(jin_get(obj, "lost", true, SUMMARY_TYPE), SUMMARY_TYPE, "lost");
	v = jin_get(obj, "skipped", false, SUMMARY_TYPE);
	if (v != NULL)
		s->skipped = jin_int64(v, SUMMARY_TYPE, "skipped");
	v = version > SUMMARY_VERSION_1 ? jin_get(obj, "order", false, SUMMARY_TYPE) : NULL;
	if (v != NULL)
		defrec_json_read(v, s->stage_type, &s->under, s->cxt, SUMMARY_TYPE, "summary");
	stages = jin_array(jin_get(obj, "stages", true, SUMMARY_TYPE), SUMMARY_TYPE, "stages");
	if (jin_len(stages) > FUNNEL_MAX_STAGES)
		jin_bad(SUMMARY_TYPE, "too many stages");
	for (i = 0; i < jin_len(stages); i++)
	{
		JsonbContainer *e = jin_object(jin_at(stages, i), SUMMARY_TYPE, "a stage");
		char	   *label = jin_string(jin_get(e, "stage", true, SUMMARY_TYPE), SUMMARY_TYPE, "stage");
		Oid			oid = defrec_json_label(label, s->stage_type, SUMMARY_TYPE, "summary");
		JsonbContainer *drop;
		SumStage   *st;
		int			k;

		if (find_slot(s, oid) != NULL)
			jin_bad(SUMMARY_TYPE, "a stage appears twice");
		st = slot_for(s, oid);
		st->entered = jin_int64(jin_get(e, "entered", true, SUMMARY_TYPE), SUMMARY_TYPE, "entered");
		st->reached = jin_int64(jin_get(e, "reached", true, SUMMARY_TYPE), SUMMARY_TYPE, "reached");
		st->strict = jin_int64(jin_get(e, "strict", true, SUMMARY_TYPE), SUMMARY_TYPE, "strict");
		drop = jin_array(jin_get(e, "drop", true, SUMMARY_TYPE), SUMMARY_TYPE, "drop");
		if (jin_len(drop) != POL_COUNT)
			jin_bad(SUMMARY_TYPE, "\"drop\" must be [linear, entered, strict]");
		for (k = 0; k < POL_COUNT; k++)
			st->drop[k] = jin_int64(jin_at(drop, k), SUMMARY_TYPE, "drop");
		if (version > SUMMARY_VERSION_1)
		{
			drop = jin_array(jin_get(e, "open_drop", true, SUMMARY_TYPE), SUMMARY_TYPE, "open_drop");
			if (jin_len(drop) != POL_COUNT)
				jin_bad(SUMMARY_TYPE, "\"open_drop\" must be [linear, entered, strict]");
			for (k = 0; k < POL_COUNT; k++)
				st->open_drop[k] = jin_int64(jin_at(drop, k), SUMMARY_TYPE, "open_drop");
			st->current_open = jin_int64(jin_get(e, "current_open", true, SUMMARY_TYPE), SUMMARY_TYPE, "current_open");
		}
		qs_free(&st->time);
		qs_json_read(jin_get(e, "time", true, SUMMARY_TYPE), &st->time, s->cxt, SUMMARY_TYPE, "time");
	}
	qs_free(&s->cycle);
	qs_json_read(jin_get(obj, "cycle", true, SUMMARY_TYPE), &s->cycle, s->cxt, SUMMARY_TYPE, "cycle");
	funnel_state_refuse(SUMMARY_TYPE, false, summary_problem(s, false));
	PG_RETURN_DATUM(funnel_state_flat(&s->st));
}

/* binary output: the flat body */
PG_FUNCTION_INFO_V1(summary_send);
Datum
summary_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&summary_type, PG_GETARG_DATUM(0));
}

/* binary input: the flat body, validated against the catalog too */
PG_FUNCTION_INFO_V1(summary_recv);
Datum
summary_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&summary_type, (StringInfo) PG_GETARG_POINTER(0));
}

/* ------------------------------------------------------------------------
 * Aggregates
 * ------------------------------------------------------------------------
 */

/* one journey into the cohort */
static void
summary_accum(Summary *s, Journey *j, FunnelDefCache *dc)
{
	FunnelDef  *def;
	JourneyFacts f;
	bool		won;
	bool		still_open;
	int			current;
	int			i;

	if (j->n == 0)
		return;
	if (!OidIsValid(s->stage_type))
		s->stage_type = j->stage_type;
	else if (s->stage_type != j->stage_type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot summarize journeys of funnels %s and %s",
						funnel_type_name(s->stage_type, false), funnel_type_name(j->stage_type, false))));
	(void) funnel_def_cached(dc, j->stage_type);
	journey_facts(j, dc, &f);
	def = f.def;				/* f.entries is sized from it */
	summary_normalize(s, def);	/* the state's counts under this definition */
	won = f.outcome == FUNNEL_WON;
	still_open = f.outcome == FUNNEL_OPEN;
	current = f.event_stage[j->n - 1];
	if (still_open)
		slot_for(s, def->stages[current].label_oid)->current_open++;
	add_count(&s->entities, 1);
	if (won)
		add_count(&s->won, 1);
	else if (f.outcome == FUNNEL_LOST)
		add_count(&s->lost, 1);

	for (i = 0; i < def->nstages; i++)
	{
		FunnelStage *st = &def->stages[i];
		bool		reach[POL_COUNT];
		bool		entered;
		bool		linear;
		bool		strict;
		SumStage   *slot;

		funnel_journey_reach(&f, i, reach);
		entered = reach[POL_ENTERED];
		linear = reach[POL_LINEAR];
		strict = reach[POL_STRICT];
		if (!entered && !linear && !strict)
			continue;
		slot = slot_for(s, st->label_oid);
		if (entered)
			slot->entered++;
		if (linear)
			slot->reached++;
		if (strict)
			slot->strict++;
		if (st->outcome == FUNNEL_OPEN)
		{
			bool		last = st->open_index == def->n_open - 1;

			/* linear: the entity stops at its furthest open stage unless won */
			if (st->open_index == f.furthest_open && !won)
			{
				slot->drop[POL_LINEAR]++;
				slot->open_drop[POL_LINEAR] += still_open;
			}
			/* strict: stops before its first skipped stage (after all of them: unless won) */
			if (strict && st->open_index == f.strict_prefix - 1 && !(last && won))
			{
				slot->drop[POL_STRICT]++;
				slot->open_drop[POL_STRICT] += still_open;
			}
			/* entered: entered this stage but not the next step */
			if (entered)
			{
				bool		next;

				if (last)
					next = won;
				else
				{
					int			k;

					next = false;
					for (k = i + 1; k < def->nstages; k++)
						if (def->stages[k].open_index == st->open_index + 1)
						{
							next = f.entries[k] > 0;
							break;
						}
				}
				if (!next)
				{
					slot->drop[POL_ENTERED]++;
					/* still open and here now: in progress, not dropped */
					slot->open_drop[POL_ENTERED] += still_open && i == current;
				}
			}
		}
	}

	/* completed visits: every event but the last ends when the next one starts */
	for (i = 0; i + 1 < j->n; i++)
	{
		SumStage   *slot = slot_for(s, j->ev[i].label);

		funnel_qs_check(qs_add(&slot->time, (double) funnel_span_usecs(j->ev[i].at, j->ev[i + 1].at)), "times in stage");
	}
	if (f.first_outcome_event >= 0)
		funnel_qs_check(qs_add(&s->cycle, (double) funnel_span_usecs(j->ev[0].at, j->ev[f.first_outcome_event].at)),
						"cycle lengths");
	pfree(f.entries);
	pfree(f.event_stage);
	funnel_state_touch(&s->st);
}

/* funnel.summary(j funnel.journey): NULL journeys are skipped */
PG_FUNCTION_INFO_V1(summary_transfn);
Datum
summary_transfn(PG_FUNCTION_ARGS)
{
	Summary    *s;
	Journey    *j;

	s = (Summary *) funnel_state_transition(&summary_type, fcinfo, "funnel.summary");
	if (PG_ARGISNULL(1))
	{
		/* an entity without a usable history row: not in the cohort, but counted */
		add_count(&s->skipped, 1);
		funnel_state_touch(&s->st);
		return funnel_state_result(&s->st);
	}
	/*
	 * As accessors read it: sorted now if it was read before its funnel was
	 * registered (a restore), and without events that repeat the stage
	 * before them (a journey's text or binary form may keep them); the same
	 * journey, unchanged, in every other case.
	 */
	j = journey_sorted(journey_from_datum(PG_GETARG_DATUM(1)), defcache_of(fcinfo));
	summary_accum(s, j, defcache_of(fcinfo));
	return funnel_state_result(&s->st);
}

/* combine function of funnel.summary, and transition function of rollup(summary) */
PG_FUNCTION_INFO_V1(summary_combine);
Datum
summary_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&summary_type, fcinfo, "funnel.summary");
}

/* ------------------------------------------------------------------------
 * Accessors and the report
 * ------------------------------------------------------------------------
 */

/* entity_count(s): entities summarized */
PG_FUNCTION_INFO_V1(summary_entity_count);
Datum
summary_entity_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(ARG_SUMMARY(0)->entities);
}

/* skipped_count(s): NULL journeys skipped */
PG_FUNCTION_INFO_V1(summary_skipped_count);
Datum
summary_skipped_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(ARG_SUMMARY(0)->skipped);
}

PG_FUNCTION_INFO_V1(summary_win_rate);
Datum
summary_win_rate(PG_FUNCTION_ARGS)
{
	Summary    *s = ARG_SUMMARY(0);
	float8		rate;

	if (!funnel_win_rate(s->won, s->lost, &rate))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(rate);
}

/* cycle_length_quantile(s, q): first entry to first outcome */
PG_FUNCTION_INFO_V1(summary_cycle_length_quantile);
Datum
summary_cycle_length_quantile(PG_FUNCTION_ARGS)
{
	QSketch		copy;
	Interval   *iv = funnel_duration_quantile(funnel_sketch_view(&ARG_SUMMARY(0)->cycle, &copy),
											  PG_GETARG_FLOAT8(1));

	if (iv == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_COPY(iv);
}

/* the stage argument argno as a label OID of the summary's funnel */
static Oid
stage_arg(FunctionCallInfo fcinfo, Summary *s, int argno)
{
	Oid			argtype = getBaseType(funnel_stage_argtype(fcinfo, argno));

	if (argtype != s->stage_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("stage of type %s does not belong to a summary of funnel %s",
						format_type_be(argtype), funnel_type_name(s->stage_type, false))));
	return PG_GETARG_OID(argno);
}

/* time_in_stage_quantile(s, stage, q): completed visits of the stage */
PG_FUNCTION_INFO_V1(summary_time_in_stage_quantile);
Datum
summary_time_in_stage_quantile(PG_FUNCTION_ARGS)
{
	Summary    *s = ARG_SUMMARY(0);
	SumStage   *st;
	Interval   *iv;
	QSketch		copy;

	if (!OidIsValid(s->stage_type))
		PG_RETURN_NULL();
	s = summary_current(s, defcache_of(fcinfo));
	st = find_slot(s, stage_arg(fcinfo, s, 1));
	funnel_check_percentile(PG_GETARG_FLOAT8(2));
	if (st == NULL ||
		(iv = funnel_duration_quantile(funnel_sketch_view(&st->time, &copy), PG_GETARG_FLOAT8(2))) == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_COPY(iv);
}

/* reached under the linear policy (entered, for won and lost stages) */
static int64
reached_of(Summary *s, Oid label)
{
	SumStage   *st = find_slot(s, label);

	return st ? st->reached : 0;
}

PG_FUNCTION_INFO_V1(summary_conversion_rate);
Datum
summary_conversion_rate(PG_FUNCTION_ARGS)
{
	Summary    *s = ARG_SUMMARY(0);
	int64		from;

	if (!OidIsValid(s->stage_type))
		PG_RETURN_NULL();
	s = summary_current(s, defcache_of(fcinfo));
	from = reached_of(s, stage_arg(fcinfo, s, 1));
	if (from == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(funnel_conversion_rate(reached_of(s, stage_arg(fcinfo, s, 2)), from));
}

/*
 * Whether the journey whose facts f are reached stage i of f->def under
 * each policy (reach[POL_*]): open stages up to the furthest one entered
 * (linear), entered, or before the first skipped one (strict); won and
 * lost stages under every policy only when entered.
 */
void
funnel_journey_reach(const JourneyFacts *f, int i, bool *reach)
{
	const FunnelStage *st = &f->def->stages[i];

	reach[POL_ENTERED] = f->entries[i] > 0;
	if (st->outcome != FUNNEL_OPEN)
		reach[POL_LINEAR] = reach[POL_STRICT] = reach[POL_ENTERED];
	else
	{
		reach[POL_LINEAR] = st->open_index <= f->furthest_open;
		reach[POL_STRICT] = st->open_index < f->strict_prefix;
	}
}

/*
 * A report policy name as its POL_ number (22023 when unknown), for the
 * report fname (stage_report, stage_time_report).
 */
int
funnel_report_policy(text *t, const char *fname)
{
	char	   *p = text_to_cstring(t);

	if (strcmp(p, "linear") == 0)
		return POL_LINEAR;
	if (strcmp(p, "entered") == 0)
		return POL_ENTERED;
	if (strcmp(p, "strict") == 0)
		return POL_STRICT;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown %s policy \"%s\"", fname, p),
			 errhint("The policies are 'linear', 'entered' and 'strict'.")));
	return POL_LINEAR;			/* keep compiler quiet */
}

/* The entities a stage counts under a policy (0 for no slot). */
static int64
counted(SumStage *st, int policy)
{
	if (st == NULL)
		return 0;
	return policy == POL_LINEAR ? st->reached : policy == POL_STRICT ? st->strict : st->entered;
}

/*
 * stage_report(s, policy): one row per stage in funnel order -- position,
 * stage, reached (under the policy), entered, conversion from the previous
 * open stage and from the top, drop-off, median completed visit.
 */
static const Oid report_columns[9] = {
	INT4OID, TEXTOID, INT8OID, INT8OID, FLOAT8OID, FLOAT8OID, INT8OID, INTERVALOID,
	INT8OID						/* in_progress: from version 1.1 */
};

PG_FUNCTION_INFO_V1(summary_stage_report);
Datum
summary_stage_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Summary    *s = ARG_SUMMARY(0);
	int			policy = funnel_report_policy(PG_GETARG_TEXT_PP(1), "stage_report");
	FunnelDef  *def;
	int64		top = -1;
	int64		prev = -1;
	int			i;
	bool		with_progress;

	funnel_srf_init(fcinfo, "funnel.stage_report", report_columns, 8, 9);
	with_progress = rsinfo->setDesc->natts >= 9;
	if (!OidIsValid(s->stage_type))
		return (Datum) 0;
	def = funnel_def_cached(defcache_of(fcinfo), s->stage_type);
	s = summary_under(s, def);
	for (i = 0; i < def->nstages && top < 0; i++)
		if (def->stages[i].outcome == FUNNEL_OPEN)
			top = counted(find_slot(s, def->stages[i].label_oid), policy);

	for (i = 0; i < def->nstages; i++)
	{
		FunnelStage *fs = &def->stages[i];
		SumStage   *st = find_slot(s, fs->label_oid);
		int64		reached = counted(st, policy);
		Datum		values[9];
		bool		nulls[9] = {false};
		QSketch		copy;
		Interval   *median = st ? funnel_duration_quantile(funnel_sketch_view(&st->time, &copy), 0.5) : NULL;
		int64		base;

		if (fs->outcome != FUNNEL_OPEN)
			reached = st ? st->entered : 0;
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(fs->label);
		values[2] = Int64GetDatum(reached);
		values[3] = Int64GetDatum(st ? st->entered : 0);
		if (fs->outcome == FUNNEL_OPEN)
		{
			base = prev;
			prev = reached;
		}
		else
			base = -1;			/* outcomes are not steps: won and lost come from any stage */
		if (base > 0)
			values[4] = Float8GetDatum(funnel_conversion_rate(reached, base));
		else
			nulls[4] = true;
		if (top > 0)
			values[5] = Float8GetDatum(funnel_conversion_rate(reached, top));
		else
			nulls[5] = true;
		if (fs->outcome == FUNNEL_OPEN)
		{
			/*
			 * Left without converting; the entities still open are in
			 * progress.  Declared by version 1.0 (no in_progress column, the
			 * library is newer than the catalog until ALTER EXTENSION
			 * UPDATE), drop_off keeps 1.0's meaning: both together.
			 */
			if (with_progress)
				values[6] = Int64GetDatum(st ? st->drop[policy] - st->open_drop[policy] : 0);
			else
				values[6] = Int64GetDatum(st ? st->drop[policy] : 0);
			values[8] = Int64GetDatum(st ? st->open_drop[policy] : 0);
		}
		else
		{
			nulls[6] = true;
			nulls[8] = true;
		}
		if (median)
			values[7] = IntervalPGetDatum(median);
		else
			nulls[7] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
