/*
 * pipeline.c
 *		funnel.pipeline: the mergeable deal-level state (win rate, deal size,
 *		sales-cycle length, open and weighted value, velocity), its I/O, its
 *		aggregates and its accessors.
 *
 * The state.  Per stage label: the number of deals and the exact sum of their
 * amounts (NumSum).  Per outcome: the sum of cycle lengths (closed_at -
 * created_at, justified as timestamp subtraction does) and quantile sketches
 * of won deal sizes and of won and lost cycle lengths.  Counts by outcome are
 * derived from the per-stage counts through the funnel definition, so the
 * state stores only what cannot be derived.
 *
 * In memory the state is an expanded object (utils/expandeddatum.h) living in
 * a small memory context under the aggregate context: the transition
 * function updates it in place and returns the same read-write pointer, so
 * nodeAgg never copies it, and its parts grow geometrically on their own.
 * It is flattened only when stored, sent to a parallel leader, or printed.
 *
 * Flat form (version 1), all integers big-endian (wire.h):
 *	 u8 version | u32 stage type OID | f64 requested quantile (NaN: none)
 *	 [version 2 only: u8 the sketches kept, a bit each, not all three]
 *	 u32 n | n x (u32 label OID | i64 deals | NumSum amount)
 *	 won cycles, lost cycles: i64 count | i128 days | i128 microseconds
 *	 i64 deals with closed_at < created_at (left out of cycle figures)
 *	 3 sketches: won amounts, won cycle lengths, lost cycle lengths (us)
 * Version 2 is the same body with the mask of the sketches kept: the direct
 * aggregates that read only sums (avg_deal_size, avg_cycle_length) keep none
 * of the sketches they would fill, and a state that keeps all three is
 * written as version 1, so every state 1.0 could write has the bytes it had.
 * A sketch not kept is written empty, and reading it is an error, never an
 * answer from the values that happened to be in it.
 * send writes the same body in the portable form (wire.h, wire_names.c: the
 * type field 0 or 1, each label an index into a dictionary of names that
 * goes first); recv reads that and the OID form (the flat body, as 1.0 sent
 * it).  Text form: JSON with the type and label names (see pipeline_out),
 * so a dump restores into another cluster and Citus can ship partial states.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/int128.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "duration.h"
#include "metrics.h"
#include "numsum.h"
#include "open_value.h"
#include "registry.h"
#include "registry_names.h"
#include "sketch_pg.h"
#include "state.h"
#include "textform.h"
#include "wire.h"

#define PIPELINE_VERSION 1
#define PIPELINE_TYPE "funnel.pipeline"

typedef struct PipeStage
{
	Oid			label;
	int64		deals;
} PipeStage;

/* Sum of cycle lengths, each as timestamp_mi gives it: days + time of day. */
typedef struct CycleSum
{
	int64		count;
	int128		days;
	int128		usecs;
} CycleSum;

/*
 * A state's three sketches.  They are allocated when their first value
 * comes: win_rate, avg_deal_size and the counts never fill one, and three
 * empty sketches (456 bytes) made a group's state a 1,024-byte allocation
 * instead of 256 (test/bench/state_bytes.sh).
 */
#define PS_WON_AMOUNTS 0		/* amounts of won deals */
#define PS_WON_CYCLES 1			/* cycle lengths of won deals, microseconds */
#define PS_LOST_CYCLES 2		/* of lost deals */
#define PS_SKETCHES 3
#define PS_KEEP_ALL ((1 << PS_SKETCHES) - 1)
#define PIPELINE_VERSION_KEPT 2	/* the flat form with the mask of the sketches kept */

typedef struct Pipeline
{
	FunnelState st;			/* first: expanded-object header, cached flat form */
	MemoryContext cxt;
	Oid			stage_type;		/* InvalidOid until the first row */
	double		p;				/* quantile asked for by a direct aggregate, or NaN */
	int			nslots;
	int			capslots;
	PipeStage  *slots;
	/*
	 * the exact sum of each slot's amounts, slot for slot (capslots of them),
	 * NULL until the first amount: win_rate and avg_cycle_length never make
	 * it (a group's slots are 16 bytes a stage instead of 56).  Once made it
	 * lives in the slots' allocation, right after the capslots slots, so a
	 * state with amounts takes one allocation of the size it took before.
	 */
	NumSum	   *amounts;
	CycleSum	won_cycle;
	CycleSum	lost_cycle;
	int64		negative_cycles;
	/* quantile sketches, made at their first value (NULL: empty; see sketch_of) */
	QSketch    *sk[PS_SKETCHES];
	/* the sketches kept, bit 1 << PS_x: a sketch not kept stays NULL */
	uint8		kept;
} Pipeline;

/* funnel.pipeline in the state skeleton (state.h), defined below its functions */
static const FunnelStateType pipeline_type;

/*
 * a pipeline argument, read-only, parsed once for all the accessors over it
 * (state_cache.c): a by-reference result is returned with PG_RETURN_COPY
 */
#define ARG_PIPELINE(n) ((Pipeline *) funnel_state_get_cached(&pipeline_type, PG_GETARG_DATUM(n)))
/* a numeric or interval result, copied out of a cached argument */
#define PG_RETURN_NUMERIC_COPY(x) FUNNEL_RETURN_COPY(NumericGetDatum(x), -1)
#define PG_RETURN_INTERVAL_COPY(x) FUNNEL_RETURN_COPY(IntervalPGetDatum(x), sizeof(Interval))
/* the transition state, writable */
#define PIPELINE_STATE(fcinfo, fname) ((Pipeline *) funnel_state_transition(&pipeline_type, (fcinfo), (fname)))

/* ------------------------------------------------------------------------
 * Construction, slots, merging
 * ------------------------------------------------------------------------
 */

/*
 * A new, empty state allocated in cxt: the aggregate's shared arena (see
 * state.c) for transition states, the current context for a value read to
 * be looked at.  It has no memory context of its own.
 */
static FunnelState *
pipeline_create(MemoryContext cxt)
{
	Pipeline   *p = MemoryContextAllocZero(cxt, sizeof(Pipeline));

	funnel_state_init(&p->st, &pipeline_type, cxt);
	p->cxt = cxt;
	p->p = get_float8_nan();
	p->kept = PS_KEEP_ALL;
	return &p->st;
}

/* An empty sketch, for reading a state's sketch that was never made. */
static QSketch *
empty_sketch(void)
{
	static QSketch empty;
	static bool made = false;

	if (!made)
	{
		QSAllocator a = funnel_qs_allocator(TopMemoryContext);

		qs_init(&empty, &a);
		made = true;
	}
	Assert(qs_count(&empty) == 0);
	return &empty;
}

/*
 * A state's sketch to read (never to change: the empty one is shared).  A
 * view of it may sort a copy (funnel_sketch_view), never the sketch itself.
 */
static QSketch *
sketch_of(Pipeline *p, int which)
{
	return p->sk[which] != NULL ? p->sk[which] : empty_sketch();
}

/* Whether p keeps sketch which (a direct aggregate that reads sums only keeps none). */
static inline bool
keeps(const Pipeline *p, int which)
{
	return (p->kept & (1 << which)) != 0;
}

/* The sketch's name in the text form and in messages. */
static const char *const sketch_names[PS_SKETCHES] = {"won_amounts", "won_cycles", "lost_cycles"};

/* Stop keeping sketch which: it is freed, and reading it is refused from now on. */
static void
sketch_drop(Pipeline *p, int which)
{
	if (p->sk[which] != NULL)
	{
		qs_free(p->sk[which]);
		pfree(p->sk[which]);
		p->sk[which] = NULL;
	}
	p->kept &= ~(1 << which);
}

/*
 * A state's sketch for a quantile: refused when the state does not keep it
 * (its values went into the sums only), whatever the sketch holds.
 */
static QSketch *
sketch_to_read(Pipeline *p, int which)
{
	if (!keeps(p, which))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("this funnel.pipeline keeps no %s sketch", which == PS_WON_AMOUNTS ? "deal-size" : "cycle-length"),
				 errdetail("It was made by an aggregate that keeps sums only (funnel.avg_deal_size or funnel.avg_cycle_length), or merged with such a state."),
				 errhint("Compute quantiles from funnel.pipeline(), funnel.median_deal_size() or funnel.median_cycle_length().")));
	return sketch_of(p, which);
}

/* A state's missing sketch, made empty in the state's context. */
static pg_noinline QSketch *
sketch_make(Pipeline *p, int which)
{
	QSketch    *k = MemoryContextAlloc(p->cxt, sizeof(QSketch));
	QSAllocator a = funnel_qs_allocator(p->cxt);

	qs_init(k, &a);
	p->sk[which] = k;
	return k;
}

/* A state's sketch to add to (made at the first value). */
static inline QSketch *
sketch_for_write(Pipeline *p, int which)
{
	return likely(p->sk[which] != NULL) ? p->sk[which] : sketch_make(p, which);
}

/* Keep a sketch read into tmp (allocated in p->cxt) as p's sketch, unless empty. */
static void
sketch_keep(Pipeline *p, int which, QSketch *tmp)
{
	Assert(p->sk[which] == NULL);
	if (qs_count(tmp) == 0)
	{
		qs_free(tmp);
		return;
	}
	p->sk[which] = MemoryContextAlloc(p->cxt, sizeof(QSketch));
	*p->sk[which] = *tmp;		/* a sketch owns its arrays: moved, not shared */
}

/*
 * The slots (and, with amounts, the amounts after them) moved into one new
 * allocation of cap slots; the amounts past the old ones are zero (what
 * numsum_init makes).  Pointers to slots are stale afterwards.
 */
static void
slots_realloc(Pipeline *p, int cap, bool with_amounts)
{
	char	   *chunk = MemoryContextAlloc(p->cxt, cap * (sizeof(PipeStage) + (with_amounts ? sizeof(NumSum) : 0)));
	PipeStage  *slots = (PipeStage *) chunk;

	StaticAssertStmt(sizeof(PipeStage) % MAXIMUM_ALIGNOF == 0, "the amounts after the slots are aligned");
	if (p->nslots > 0)
		memcpy(slots, p->slots, p->nslots * sizeof(PipeStage));
	if (with_amounts)
	{
		NumSum	   *amounts = (NumSum *) (chunk + cap * sizeof(PipeStage));

		if (p->amounts != NULL && p->nslots > 0)
			memcpy(amounts, p->amounts, p->nslots * sizeof(NumSum));
		memset(&amounts[p->amounts != NULL ? p->nslots : 0], 0,
			   (cap - (p->amounts != NULL ? p->nslots : 0)) * sizeof(NumSum));
		p->amounts = amounts;
	}
	if (p->slots != NULL)
		pfree(p->slots);
	p->slots = slots;
	p->capslots = cap;
}

/*
 * The slot of label, made if missing; hint is where the slot probably is
 * (the stage index: transition states keep one slot per stage in funnel
 * order), -1 when unknown.
 */
static PipeStage *
slot_for(Pipeline *p, Oid label, int hint)
{
	int			i;

	if (hint >= 0 && hint < p->nslots && p->slots[hint].label == label)
		return &p->slots[hint];
	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].label == label)
			return &p->slots[i];
	if (p->nslots == p->capslots)
	{
		int			cap = p->capslots ? p->capslots * 2 : 8;

		if (p->amounts != NULL)
			slots_realloc(p, cap, true);
		else
		{
			p->slots = p->slots ? repalloc(p->slots, cap * sizeof(PipeStage))
				: MemoryContextAlloc(p->cxt, cap * sizeof(PipeStage));
			p->capslots = cap;
		}
	}
	memset(&p->slots[p->nslots], 0, sizeof(PipeStage));
	p->slots[p->nslots].label = label;
	return &p->slots[p->nslots++];
}

/* The amounts of slot i, to read (a shared empty sum when the state has none). */
static inline const NumSum *
amount_of_slot(const Pipeline *p, int i)
{
	static const NumSum none;	/* zeros: what numsum_init makes */

	return p->amounts != NULL ? &p->amounts[i] : &none;
}

/*
 * The amounts of slot i (< nslots), to add to: made at the first amount, after
 * the slots (pointers to slots are stale after a call).
 */
static NumSum *
amount_for_write(Pipeline *p, int i)
{
	Assert(i >= 0 && i < p->nslots);
	if (unlikely(p->amounts == NULL))
		slots_realloc(p, p->capslots, true);
	return &p->amounts[i];
}

/* 22003 for a count that would pass 2^63 - 1 */
static void
count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bigint out of range"),
			 errdetail("A count of a funnel.pipeline exceeds 2^63 - 1.")));
}

/* dst += src */
static void
cycle_merge(CycleSum *dst, const CycleSum *src)
{
	if (pg_add_s64_overflow(dst->count, src->count, &dst->count))
		count_overflow();
	dst->days += src->days;
	dst->usecs += src->usecs;
}

/*
 * The quantile a direct aggregate asked for, merged: NaN (none) takes the
 * other, and two different quantiles in one group are refused.
 */
static void
merge_p(Pipeline *dst, double p)
{
	if (isnan(p))
		return;
	if (!isnan(dst->p) && dst->p != p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the quantile must be the same for every row of a group"),
				 errdetail("Got %g and %g.", dst->p, p)));
	dst->p = p;
}

/* dst += src (src unchanged) */
static void
pipeline_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	Pipeline   *dst = (Pipeline *) dstst;
	Pipeline   *src = (Pipeline *) srcst;
	int			i;

	/* a sketch is kept only where both keep it: the other side's values are not in it */
	for (i = 0; i < PS_SKETCHES; i++)
		if (keeps(dst, i) && !keeps(src, i))
			sketch_drop(dst, i);
	if (!OidIsValid(src->stage_type))
	{
		merge_p(dst, src->p);
		funnel_state_touch(&dst->st);
		return;
	}
	if (!OidIsValid(dst->stage_type))
		dst->stage_type = src->stage_type;
	else if (dst->stage_type != src->stage_type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine pipelines of funnels %s and %s",
						funnel_type_name(dst->stage_type, false), funnel_type_name(src->stage_type, false))));
	merge_p(dst, src->p);
	for (i = 0; i < src->nslots; i++)
	{
		PipeStage  *d = slot_for(dst, src->slots[i].label, i);

		if (pg_add_s64_overflow(d->deals, src->slots[i].deals, &d->deals))
			count_overflow();
		if (amount_of_slot(src, i)->count > 0)
			numsum_merge(amount_for_write(dst, d - dst->slots), amount_of_slot(src, i), dst->cxt);
	}
	cycle_merge(&dst->won_cycle, &src->won_cycle);
	cycle_merge(&dst->lost_cycle, &src->lost_cycle);
	if (pg_add_s64_overflow(dst->negative_cycles, src->negative_cycles, &dst->negative_cycles))
		count_overflow();
	for (i = 0; i < PS_SKETCHES; i++)
		if (keeps(dst, i) && src->sk[i] != NULL && qs_count(src->sk[i]) > 0)
			funnel_qs_check(qs_merge(sketch_for_write(dst, i), src->sk[i]),
							i == PS_WON_AMOUNTS ? "deal sizes" : "cycle lengths");
	funnel_state_touch(&dst->st);
}

/* ------------------------------------------------------------------------
 * Flat form
 * ------------------------------------------------------------------------
 */

/* an int128 as two int64, high first */
static void
put_i128(StringInfo buf, int128 v)
{
	wire_put_i64(buf, (int64) (v >> 64));
	wire_put_i64(buf, (int64) (uint64) v);
}

/* an int128 written by put_i128 */
static int128
get_i128(WireReader *r, const char *field)
{
	int64		hi = wire_get_i64(r, field);
	uint64		lo = (uint64) wire_get_i64(r, field);

	/* shifted as unsigned: a left shift of a negative value is undefined */
	return (int128) (((uint128) (uint64) hi << 64) | (uint128) lo);
}

/*
 * Write stages in label-OID order, so that equal states have equal bytes and
 * text whatever order they were merged in.  (Only the copy written is
 * sorted: the live state keeps its slots, which the stage index finds.)
 */
typedef struct SlotOrder
{
	Oid			label;
	int			slot;
} SlotOrder;

static SlotOrder *
canonical_slots(Pipeline *p)
{
	SlotOrder  *order = palloc(sizeof(SlotOrder) * Max(p->nslots, 1));
	int			i;

	StaticAssertStmt(offsetof(SlotOrder, label) == 0, "funnel_label_cmp sorts by the first field");
	for (i = 0; i < p->nslots; i++)
	{
		order[i].label = p->slots[i].label;
		order[i].slot = i;
	}
	if (p->nslots > 1)
		qsort(order, p->nslots, sizeof(SlotOrder), funnel_label_cmp);
	return order;
}

/* The version a state is written as: 1 unless it keeps fewer than all its sketches. */
static inline int
format_version(const Pipeline *p)
{
	return p->kept == PS_KEEP_ALL ? PIPELINE_VERSION : PIPELINE_VERSION_KEPT;
}

/* The flat body (see the header comment); p is only read. */
static void
pipeline_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	Pipeline   *p = (Pipeline *) st;
	int			i;
	int			used = 0;
	const CycleSum *cs[2];

	wire_put_u8(buf, format_version(p));
	wire_put_type(buf, names, p->stage_type);
	wire_put_f64(buf, p->p);
	if (format_version(p) == PIPELINE_VERSION_KEPT)
		wire_put_u8(buf, p->kept);
	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].deals > 0)
			used++;
	/* (merges refuse to overflow, so no slot has a negative count) */
	wire_put_u32(buf, (uint32) used);
	{
		SlotOrder  *sorted = canonical_slots(p);

		for (i = 0; i < p->nslots; i++)
		{
			int			k = sorted[i].slot;

			if (p->slots[k].deals <= 0)
				continue;
			wire_put_label(buf, names, p->slots[k].label);
			wire_put_i64(buf, p->slots[k].deals);
			numsum_write(buf, amount_of_slot(p, k));
		}
		pfree(sorted);
	}
	cs[0] = &p->won_cycle;
	cs[1] = &p->lost_cycle;
	for (i = 0; i < 2; i++)
	{
		wire_put_i64(buf, cs[i]->count);
		put_i128(buf, cs[i]->days);
		put_i128(buf, cs[i]->usecs);
	}
	wire_put_i64(buf, p->negative_cycles);
	funnel_sketch_wire_write(buf, sketch_of(p, PS_WON_AMOUNTS));
	funnel_sketch_wire_write(buf, sketch_of(p, PS_WON_CYCLES));
	funnel_sketch_wire_write(buf, sketch_of(p, PS_LOST_CYCLES));
}

/* largest cycle a timestamp difference can give, in days (2^63 us) */
#define MAX_CYCLE_DAYS INT64CONST(106751991)

/*
 * One cycle sum against its sketch: plausible totals, and exact in exact
 * mode.  live: a transition state's, whose sketch is checked without being
 * sorted (funnel_sketch_problem) instead of as a stored value's.
 */
static const char *
check_cycles(const CycleSum *cs, QSketch *qs, bool live)
{
	int128		total;
	const char *problem;

	if (cs->count < 0 || cs->days < 0 || cs->usecs < 0)
		return "negative cycle figures";
	if (qs != NULL && (int64) qs_count(qs) != cs->count)
		return "cycle counts disagree with their sketch";
	if (cs->count == 0)
		return (cs->days != 0 || cs->usecs != 0) ? "cycle sums without cycles" : NULL;
	if (cs->usecs >= (int128) cs->count * USECS_PER_DAY || cs->days > (int128) cs->count * MAX_CYCLE_DAYS)
		return "cycle sums out of range";
	if (qs == NULL)
		return NULL;			/* not kept: the sums are all there is */
	/* each value in [0, 2^63] and whole: the cast below is defined */
	problem = live ? funnel_sketch_problem(qs) : funnel_duration_sketch_problem(qs, "cycle length");
	if (problem != NULL)
		return problem;
	total = cs->days * USECS_PER_DAY + cs->usecs;
	if (qs_is_exact(qs))
	{
		int128		sum = 0;
		uint32		i;

		/* in whatever order they are: a sum needs no sorting */
		for (i = 0; i < qs->nvalues; i++)
			sum += qs->values[i] >= 9223372036854775807.0 ? (int128) PG_INT64_MAX + 1 : (int128) (int64) qs->values[i];
		if (sum != total)
			return "cycle sums disagree with the cycle lengths";
	}
	else if ((double) total < qs_min(qs) * (double) cs->count * (1 - 1e-9) ||
			 (double) total > qs_max(qs) * (double) cs->count * (1 + 1e-9))
		return "cycle sums outside the cycle lengths' range";
	return NULL;
}

/*
 * The first inconsistency of a pipeline, or NULL: the cross-checks of the
 * binary and text readers (live = false), and the invariants of a live
 * state (live = true: slots made for every stage may still be empty, and
 * sketches are checked without being sorted).
 */
static const char *
pipeline_problem(Pipeline *p, bool live)
{
	int64		deals = 0;
	int64		amounts = 0;
	int64		cycles;
	int			i;
	int			j;
	const char *problem = NULL;

	if (live && (p->nslots < 0 || p->nslots > p->capslots))
		return "slot count beyond the slots";
	for (i = 0; i < p->nslots && problem == NULL; i++)
	{
		if ((live ? p->slots[i].deals < 0 : p->slots[i].deals <= 0) ||
			amount_of_slot(p, i)->count > p->slots[i].deals)
			problem = "a stage's counts are inconsistent";
		else if (pg_add_s64_overflow(deals, p->slots[i].deals, &deals) ||
				 pg_add_s64_overflow(amounts, amount_of_slot(p, i)->count, &amounts))
			problem = "deal count out of range";
		for (j = 0; live && j < i && problem == NULL; j++)
			if (p->slots[j].label == p->slots[i].label)
				problem = "a stage appears twice";
	}
	if (problem == NULL && p->negative_cycles < 0)
		problem = "negative cycle figures";
	if (problem == NULL && (p->kept & ~PS_KEEP_ALL) != 0)
		problem = "unknown sketches kept";
	for (i = 0; i < PS_SKETCHES && problem == NULL; i++)
		if (!keeps(p, i) && qs_count(sketch_of(p, i)) > 0)
			problem = "values in a sketch that is not kept";
	if (problem == NULL)
		problem = check_cycles(&p->won_cycle, keeps(p, PS_WON_CYCLES) ? sketch_of(p, PS_WON_CYCLES) : NULL, live);
	if (problem == NULL)
		problem = check_cycles(&p->lost_cycle, keeps(p, PS_LOST_CYCLES) ? sketch_of(p, PS_LOST_CYCLES) : NULL, live);
	if (problem == NULL &&
		(pg_add_s64_overflow(p->won_cycle.count, p->lost_cycle.count, &cycles) ||
		 pg_add_s64_overflow(cycles, p->negative_cycles, &cycles) || cycles > deals))
		problem = "more cycles than deals";
	if (problem == NULL && (int64) qs_count(sketch_of(p, PS_WON_AMOUNTS)) > amounts)
		problem = "more won amounts than amounts";
	if (problem == NULL && live)
		problem = funnel_sketch_problem(sketch_of(p, PS_WON_AMOUNTS));
	if (problem == NULL && !isnan(p->p) && (p->p < 0 || p->p > 1))
		problem = "quantile out of range";
	if (problem == NULL && !OidIsValid(p->stage_type) && p->nslots > 0)
		problem = "stages without a funnel type";
	return problem;
}

#ifdef FUNNEL_CHECK_INVARIANTS
/* The invariants of a live pipeline (state.h). */
static const char *
pipeline_check(const void *state)
{
	return pipeline_problem((Pipeline *) state, true);
}
#endif

/* The type OID must be a registered-able enum and every label one of its labels. */
static void
check_labels(Pipeline *p, bool binary)
{
	int			i;
	int			j;

	if (!OidIsValid(p->stage_type))
		return;
	if (get_typtype(p->stage_type) != TYPTYPE_ENUM)
	{
		if (binary)
			wire_error(PIPELINE_TYPE, "type %u is not an enum", p->stage_type);
		jin_bad(PIPELINE_TYPE, "the stage type is not an enum");
	}
	for (i = 0; i < p->nslots; i++)
	{
		bool		ok = funnel_label_belongs(p->slots[i].label, p->stage_type);

		for (j = 0; ok && j < i; j++)
			ok = p->slots[j].label != p->slots[i].label;
		if (!ok)
		{
			if (binary)
				wire_error(PIPELINE_TYPE, "stage %u is not a distinct label of %s",
						   p->slots[i].label, format_type_be(p->stage_type));
			jin_bad(PIPELINE_TYPE, "a stage appears twice");
		}
	}
}

/*
 * A flat body read into a new state in parent and validated (22P03); with
 * check_catalog (recv) its type and labels are checked against the catalog;
 * names: a portable body's dictionary (or NULL: OIDs).
 */
static FunnelState *
pipeline_read(const char *data, Size len, MemoryContext parent, bool check_catalog,
			  const WireNames *names)
{
	Pipeline   *p = (Pipeline *) pipeline_create(parent);
	WireReader	r = {data, len, 0, PIPELINE_TYPE, names};
	uint32		n;
	uint32		i;
	CycleSum   *cs[2];
	uint8		version = wire_get_u8(&r, "version");

	if (version != PIPELINE_VERSION && version != PIPELINE_VERSION_KEPT)
		wire_bad(&r, "unknown format version");
	p->stage_type = wire_get_type(&r, "stage type");
	p->p = wire_get_f64(&r, "quantile");
	/* "no quantile" is one value: any NaN reads as the NaN the text form gives */
	if (isnan(p->p))
		p->p = get_float8_nan();
	if (p->p == 0)
		p->p = 0;				/* -0 is 0, as the text form reads it */
	if (version == PIPELINE_VERSION_KEPT)
	{
		/* all three kept is version 1: one state, one byte string */
		p->kept = wire_get_u8(&r, "sketches kept");
		if (p->kept == PS_KEEP_ALL)
			wire_bad(&r, "version 2 keeping every sketch");
	}
	n = wire_get_u32(&r, "stage count");
	if (n > FUNNEL_MAX_STAGES)
		wire_bad(&r, "too many stages");
	for (i = 0; i < n; i++)
	{
		PipeStage  *s = slot_for(p, wire_get_label(&r, "stage label"), -1);
		NumSum		sum;

		if (s->deals != 0)
			wire_bad(&r, "a stage appears twice");
		s->deals = wire_get_i64(&r, "stage deals");
		/* refused here, not only by pipeline_problem: a slot of 0 deals would let the stage come twice */
		if (s->deals <= 0)
			wire_bad(&r, "a stage's counts are inconsistent");
		numsum_init(&sum);
		numsum_read(&r, &sum, p->cxt);
		if (sum.count != 0)
			*amount_for_write(p, s - p->slots) = sum;
	}
	cs[0] = &p->won_cycle;
	cs[1] = &p->lost_cycle;
	for (i = 0; i < 2; i++)
	{
		cs[i]->count = wire_get_i64(&r, "cycle count");
		cs[i]->days = get_i128(&r, "cycle days");
		cs[i]->usecs = get_i128(&r, "cycle time");
	}
	p->negative_cycles = wire_get_i64(&r, "negative cycles");
	for (i = 0; i < PS_SKETCHES; i++)
	{
		QSketch		tmp;

		qs_wire_read(&r, &tmp, p->cxt);
		sketch_keep(p, i, &tmp);
	}
	wire_end(&r);
	funnel_state_refuse(PIPELINE_TYPE, true, pipeline_problem(p, false));
	if (check_catalog)
		check_labels(p, true);
	return &p->st;
}

/* funnel.pipeline in the state skeleton (state.h) */
static const FunnelStateType pipeline_type = {
	FUNNEL_EXPANDED_METHODS,
	PIPELINE_TYPE,
	pipeline_create,
	pipeline_write,
	pipeline_read,
	pipeline_merge,
	FUNNEL_CHECKER(pipeline_check),
	true						/* holds its type's and labels' OIDs */
};

/* a transition function's result: the state, checked (state.h) */
#define PG_RETURN_PIPELINE(p) return funnel_state_result(&(p)->st)

/* ------------------------------------------------------------------------
 * I/O
 * ------------------------------------------------------------------------
 */

/* an int128 in decimal */
static void
append_int128(StringInfo buf, int128 v)
{
	char		digits[48];
	int			n = 0;
	uint128		u = v < 0 ? (uint128) (-(v + 1)) + 1 : (uint128) v;

	do
	{
		digits[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u > 0);
	if (v < 0)
		appendStringInfoChar(buf, '-');
	while (n > 0)
		appendStringInfoChar(buf, digits[--n]);
}

/* ,"key":[count,days,usecs] */
static void
cycle_json(StringInfo buf, const char *key, const CycleSum *cs)
{
	appendStringInfo(buf, ",\"%s\":[" INT64_FORMAT ",", key, cs->count);
	append_int128(buf, cs->days);
	appendStringInfoChar(buf, ',');
	append_int128(buf, cs->usecs);
	appendStringInfoChar(buf, ']');
}

/* a non-negative integer of up to 38 digits from a JSON number */
static int128
json_int128(JsonbValue *v, const char *field)
{
	char	   *str;
	int128		r = 0;
	int			n = 0;

	if (v == NULL || v->type != jbvNumeric)
		jin_bad(PIPELINE_TYPE, psprintf("\"%s\" must be a number", field));
	str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	for (; *str; str++, n++)
	{
		if (*str < '0' || *str > '9' || n >= 38)
			jin_bad(PIPELINE_TYPE, psprintf("\"%s\" must be a non-negative integer below 10^38", field));
		r = r * 10 + (*str - '0');
	}
	return r;
}

/* text output: the JSON form, stages in label-OID order */
PG_FUNCTION_INFO_V1(pipeline_out);
Datum
pipeline_out(PG_FUNCTION_ARGS)
{
	Pipeline   *p = ARG_PIPELINE(0);
	StringInfoData buf;
	int			i;
	bool		first = true;
	SlotOrder  *order;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"type\":", format_version(p));
	if (OidIsValid(p->stage_type))
		append_json_string(&buf, funnel_type_name(p->stage_type, true));
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ",\"p\":");
	if (isnan(p->p))
		appendStringInfoString(&buf, "null");
	else
		append_float8(&buf, p->p);
	appendStringInfoString(&buf, ",\"stages\":[");
	order = canonical_slots(p);
	for (i = 0; i < p->nslots; i++)
	{
		PipeStage  *s = &p->slots[order[i].slot];

		if (s->deals <= 0)
			continue;
		appendStringInfoString(&buf, first ? "[" : ",[");
		first = false;
		append_json_string(&buf, funnel_label_name(s->label));
		appendStringInfo(&buf, "," INT64_FORMAT ",\"", s->deals);
		numsum_out(&buf, amount_of_slot(p, order[i].slot));
		appendStringInfoString(&buf, "\"]");
	}
	appendStringInfoChar(&buf, ']');
	cycle_json(&buf, "won_cycle", &p->won_cycle);
	cycle_json(&buf, "lost_cycle", &p->lost_cycle);
	appendStringInfo(&buf, ",\"negative_cycles\":" INT64_FORMAT, p->negative_cycles);
	for (i = 0; i < PS_SKETCHES; i++)
	{
		appendStringInfo(&buf, ",\"%s\":", sketch_names[i]);
		funnel_sketch_json_write(&buf, sketch_of(p, i));
	}
	if (format_version(p) == PIPELINE_VERSION_KEPT)
	{
		/* the names of the sketches kept */
		first = true;
		appendStringInfoString(&buf, ",\"kept\":[");
		for (i = 0; i < PS_SKETCHES; i++)
			if (keeps(p, i))
			{
				appendStringInfo(&buf, "%s\"%s\"", first ? "" : ",", sketch_names[i]);
				first = false;
			}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* a cycle sum of the text form: [count, days, microseconds] */
static void
cycle_from_json(JsonbContainer *obj, const char *key, CycleSum *cs)
{
	JsonbContainer *arr = jin_array(jin_get(obj, key, true, PIPELINE_TYPE), PIPELINE_TYPE, key);

	if (jin_len(arr) != 3)
		jin_bad(PIPELINE_TYPE, psprintf("\"%s\" must be [count, days, microseconds]", key));
	cs->count = jin_int64(jin_at(arr, 0), PIPELINE_TYPE, key);
	cs->days = json_int128(jin_at(arr, 1), key);
	cs->usecs = json_int128(jin_at(arr, 2), key);
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(pipeline_in);
Datum
pipeline_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	JsonbContainer *obj = jin_parse(str, PIPELINE_TYPE);
	Pipeline   *p = (Pipeline *) pipeline_create(CurrentMemoryContext);
	JsonbValue *v;
	JsonbContainer *stages;
	uint32		i;
	int64		version;

	v = jin_get(obj, "version", true, PIPELINE_TYPE);
	version = jin_int64(v, PIPELINE_TYPE, "version");
	if (version != PIPELINE_VERSION && version != PIPELINE_VERSION_KEPT)
		jin_bad(PIPELINE_TYPE, "unknown version");
	v = jin_get(obj, "kept", version == PIPELINE_VERSION_KEPT, PIPELINE_TYPE);
	if (v == NULL && version == PIPELINE_VERSION_KEPT)
		jin_bad(PIPELINE_TYPE, "\"kept\" must be an array");	/* "kept": null */
	if (v != NULL)
	{
		JsonbContainer *kept = jin_array(v, PIPELINE_TYPE, "kept");

		/* version 2 only, naming each sketch kept once, not all three */
		if (version != PIPELINE_VERSION_KEPT)
			jin_bad(PIPELINE_TYPE, "\"kept\" is a field of version 2");
		p->kept = 0;
		for (i = 0; i < jin_len(kept); i++)
		{
			const char *name = jin_string(jin_at(kept, i), PIPELINE_TYPE, "kept");
			int			k;

			for (k = 0; k < PS_SKETCHES && strcmp(name, sketch_names[k]) != 0; k++)
				;
			if (k == PS_SKETCHES || keeps(p, k))
				jin_bad(PIPELINE_TYPE, "\"kept\" must name distinct sketches: won_amounts, won_cycles, lost_cycles");
			p->kept |= 1 << k;
		}
		if (p->kept == PS_KEEP_ALL)
			jin_bad(PIPELINE_TYPE, "a state that keeps every sketch is version 1");
	}
	v = jin_get(obj, "type", false, PIPELINE_TYPE);
	if (v != NULL)
	{
		p->stage_type = jin_enum_type(jin_string(v, PIPELINE_TYPE, "type"), PIPELINE_TYPE);
	}
	v = jin_get(obj, "p", false, PIPELINE_TYPE);
	if (v != NULL)
		p->p = jin_float8(v, PIPELINE_TYPE, "p");
	stages = jin_array(jin_get(obj, "stages", true, PIPELINE_TYPE), PIPELINE_TYPE, "stages");
	if (jin_len(stages) > FUNNEL_MAX_STAGES)
		jin_bad(PIPELINE_TYPE, "too many stages");
	for (i = 0; i < jin_len(stages); i++)
	{
		JsonbContainer *e = jin_array(jin_at(stages, i), PIPELINE_TYPE, "a stage");
		char	   *label;
		HeapTuple	tup;
		PipeStage  *s;
		char	   *sum;
		NumSum		amount;

		if (jin_len(e) != 3 || !OidIsValid(p->stage_type))
			jin_bad(PIPELINE_TYPE, "a stage must be [label, deals, \"count:sum\"] of the funnel type");
		label = jin_string(jin_at(e, 0), PIPELINE_TYPE, "stage label");
		if (strlen(label) >= NAMEDATALEN)
			jin_bad(PIPELINE_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(p->stage_type)));
		tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(p->stage_type), CStringGetDatum(label));
		if (!HeapTupleIsValid(tup))
			jin_bad(PIPELINE_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(p->stage_type)));
		s = slot_for(p, ((Form_pg_enum) GETSTRUCT(tup))->oid, -1);
		ReleaseSysCache(tup);
		if (s->deals != 0)
			jin_bad(PIPELINE_TYPE, "a stage appears twice");
		s->deals = jin_int64(jin_at(e, 1), PIPELINE_TYPE, "stage deals");
		/* refused here, not only by pipeline_problem: a slot of 0 deals would let the stage come twice */
		if (s->deals <= 0)
			jin_bad(PIPELINE_TYPE, "a stage's counts are inconsistent");
		sum = jin_string(jin_at(e, 2), PIPELINE_TYPE, "stage amount");
		numsum_init(&amount);
		if (!numsum_in(sum, &amount, p->cxt))
			jin_bad(PIPELINE_TYPE, "a stage amount must be \"count:sum\"");
		if (amount.count != 0)
			*amount_for_write(p, s - p->slots) = amount;
	}
	cycle_from_json(obj, "won_cycle", &p->won_cycle);
	cycle_from_json(obj, "lost_cycle", &p->lost_cycle);
	p->negative_cycles = jin_int64(jin_get(obj, "negative_cycles", true, PIPELINE_TYPE),
								   PIPELINE_TYPE, "negative_cycles");
	{
		int			k;

		for (k = 0; k < PS_SKETCHES; k++)
		{
			QSketch		tmp;

			qs_json_read(jin_get(obj, sketch_names[k], true, PIPELINE_TYPE), &tmp, p->cxt, PIPELINE_TYPE, sketch_names[k]);
			sketch_keep(p, k, &tmp);
		}
	}
	funnel_state_refuse(PIPELINE_TYPE, false, pipeline_problem(p, false));
	PG_RETURN_DATUM(funnel_state_flat(&p->st));
}

/* binary output: the flat body */
PG_FUNCTION_INFO_V1(pipeline_send);
Datum
pipeline_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&pipeline_type, PG_GETARG_DATUM(0));
}

/* binary input: the flat body, validated against the catalog too */
PG_FUNCTION_INFO_V1(pipeline_recv);
Datum
pipeline_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&pipeline_type, (StringInfo) PG_GETARG_POINTER(0));
}

/* ------------------------------------------------------------------------
 * Aggregates
 * ------------------------------------------------------------------------
 */

/* Per-call-site cache (fn_extra) of the aggregate support functions and accessors. */
typedef struct PipeFnCache
{
	FunnelDefCache defcache;
	Oid			argtype;		/* the stage argument's declared type, once known */
} PipeFnCache;

/* this call site's cache */
static PipeFnCache *
fncache_of(FunctionCallInfo fcinfo)
{
	return (PipeFnCache *) funnel_fn_cache(fcinfo, sizeof(PipeFnCache));
}

/* this call site's funnel definition cache */
static FunnelDefCache *
defcache_of(FunctionCallInfo fcinfo)
{
	return &fncache_of(fcinfo)->defcache;
}


/* One closed deal's cycle (closed - created) into its outcome's figures. */
static void
add_cycle(Pipeline *p, FunnelOutcome outcome, TimestampTz created, TimestampTz closed)
{
	int64		diff;
	CycleSum   *cs;
	int			which;

	if (TIMESTAMP_NOT_FINITE(created) || TIMESTAMP_NOT_FINITE(closed))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot subtract infinite timestamps")));
	diff = funnel_span_usecs(created, closed);
	if (diff < 0)
	{
		p->negative_cycles++;	/* dirty data: left out of cycle figures */
		return;
	}
	cs = outcome == FUNNEL_WON ? &p->won_cycle : &p->lost_cycle;
	cs->count++;
	cs->days += diff / USECS_PER_DAY;
	cs->usecs += diff % USECS_PER_DAY;
	which = outcome == FUNNEL_WON ? PS_WON_CYCLES : PS_LOST_CYCLES;
	if (keeps(p, which))
		funnel_qs_check(qs_add(sketch_for_write(p, which), (double) diff), "cycle lengths");
}

/*
 * One deal: stage (never NULL here), and optional amount and timestamps.
 * A row whose stage is NULL is skipped by the callers.
 */
static void
pipeline_accum(Pipeline *p, FunctionCallInfo fcinfo, Oid label,
			   bool has_amount, Datum amount,
			   bool has_times, TimestampTz created, TimestampTz closed)
{
	PipeFnCache *c = fncache_of(fcinfo);
	FunnelDefCache *dc = &c->defcache;
	FunnelDef  *def;
	int			idx;
	FunnelOutcome outcome;
	PipeStage  *s;

	if (!OidIsValid(c->argtype))
		c->argtype = funnel_stage_argtype(fcinfo, 1);
	(void) funnel_def_cached(dc, c->argtype);
	idx = funnel_stage_index(dc, label, &def);
	outcome = def->stages[idx].outcome;
	if (!OidIsValid(p->stage_type))
	{
		int			i;

		/* one slot per stage, in funnel order: the stage index finds its slot */
		p->stage_type = dc->typid;
		for (i = 0; i < def->nstages; i++)
			(void) slot_for(p, def->stages[i].label_oid, -1);
	}
	s = slot_for(p, label, idx);
	s->deals++;
	if (has_amount)
	{
		NumVal		nv;

		/* decoded once: checked, summed and, for a won deal, sketched */
		if (!numval_decode(amount, &nv))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("deal amounts must be finite"),
					 errdetail("An amount is NaN or infinite.")));
		numsum_add_val(amount_for_write(p, s - p->slots), &nv, p->cxt);
		if (outcome == FUNNEL_WON && keeps(p, PS_WON_AMOUNTS))
		{
			float8		f;

			if (!numval_float8(&nv, &f))
				f = DatumGetFloat8(DirectFunctionCall1(numeric_float8, amount));

			funnel_qs_check(qs_add(sketch_for_write(p, PS_WON_AMOUNTS), f), "deal amounts");
		}
	}
	if (has_times && outcome != FUNNEL_OPEN)
		add_cycle(p, outcome, created, closed);
	funnel_state_touch(&p->st);
}

/* funnel.pipeline(stage, amount, created_at, closed_at) */
PG_FUNCTION_INFO_V1(pipeline_transfn);
Datum
pipeline_transfn(PG_FUNCTION_ARGS)
{
	Pipeline   *p;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	p = PIPELINE_STATE(fcinfo, "funnel.pipeline");
	pipeline_accum(p, fcinfo, PG_GETARG_OID(1),
				   !PG_ARGISNULL(2), PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2),
				   !PG_ARGISNULL(3) && !PG_ARGISNULL(4),
				   PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3),
				   PG_ARGISNULL(4) ? 0 : PG_GETARG_TIMESTAMPTZ(4));
	PG_RETURN_PIPELINE(p);
}

/* funnel.win_rate(stage) */
PG_FUNCTION_INFO_V1(pipeline_stage_transfn);
Datum
pipeline_stage_transfn(PG_FUNCTION_ARGS)
{
	Pipeline   *p;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	p = PIPELINE_STATE(fcinfo, "funnel.win_rate");
	pipeline_accum(p, fcinfo, PG_GETARG_OID(1), false, (Datum) 0, false, 0, 0);
	PG_RETURN_PIPELINE(p);
}

/* A row (stage, amount, ...) of the deal-size aggregates; its stage is not NULL. */
static inline void
accum_amount_row(Pipeline *p, FunctionCallInfo fcinfo)
{
	pipeline_accum(p, fcinfo, PG_GETARG_OID(1),
				   !PG_ARGISNULL(2), PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2),
				   false, 0, 0);
}

/* A row (stage, created_at, closed_at) of the cycle-length aggregates; its stage is not NULL. */
static inline void
accum_cycle_row(Pipeline *p, FunctionCallInfo fcinfo)
{
	pipeline_accum(p, fcinfo, PG_GETARG_OID(1), false, (Datum) 0,
				   !PG_ARGISNULL(2) && !PG_ARGISNULL(3),
				   PG_ARGISNULL(2) ? 0 : PG_GETARG_TIMESTAMPTZ(2),
				   PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3));
}

/* funnel.median_deal_size(stage, amount), deal_size_quantile(stage, amount, p) */
PG_FUNCTION_INFO_V1(pipeline_amount_transfn);
Datum
pipeline_amount_transfn(PG_FUNCTION_ARGS)
{
	Pipeline   *p;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	p = PIPELINE_STATE(fcinfo, "funnel.median_deal_size");
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		float8		q = PG_GETARG_FLOAT8(3);

		if (isnan(q) || q < 0 || q > 1)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("percentile value %g is not between 0 and 1", q)));
		merge_p(p, q);
	}
	accum_amount_row(p, fcinfo);
	PG_RETURN_PIPELINE(p);
}

/*
 * funnel.avg_deal_size(stage, amount): as pipeline_amount_transfn, keeping
 * the sums only (no deal-size sketch: its final function reads none).
 */
PG_FUNCTION_INFO_V1(pipeline_sum_amount_transfn);
Datum
pipeline_sum_amount_transfn(PG_FUNCTION_ARGS)
{
	Pipeline   *p;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	p = PIPELINE_STATE(fcinfo, "funnel.avg_deal_size");
	if (unlikely(keeps(p, PS_WON_AMOUNTS)))
		sketch_drop(p, PS_WON_AMOUNTS);
	accum_amount_row(p, fcinfo);
	PG_RETURN_PIPELINE(p);
}

/* funnel.median_cycle_length(stage, created_at, closed_at) */
PG_FUNCTION_INFO_V1(pipeline_cycle_transfn);
Datum
pipeline_cycle_transfn(PG_FUNCTION_ARGS)
{
	Pipeline   *p;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	p = PIPELINE_STATE(fcinfo, "funnel.median_cycle_length");
	accum_cycle_row(p, fcinfo);
	PG_RETURN_PIPELINE(p);
}

/*
 * funnel.avg_cycle_length(stage, created_at, closed_at): as
 * pipeline_cycle_transfn, keeping the sums only (no cycle sketches).
 */
PG_FUNCTION_INFO_V1(pipeline_sum_cycle_transfn);
Datum
pipeline_sum_cycle_transfn(PG_FUNCTION_ARGS)
{
	Pipeline   *p;

	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	p = PIPELINE_STATE(fcinfo, "funnel.avg_cycle_length");
	if (unlikely(keeps(p, PS_WON_CYCLES) || keeps(p, PS_LOST_CYCLES)))
	{
		sketch_drop(p, PS_WON_CYCLES);
		sketch_drop(p, PS_LOST_CYCLES);
	}
	accum_cycle_row(p, fcinfo);
	PG_RETURN_PIPELINE(p);
}

/* combine function of every pipeline aggregate, and transition function of rollup() */
PG_FUNCTION_INFO_V1(pipeline_combine);
Datum
pipeline_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&pipeline_type, fcinfo, "funnel.rollup");
}

/*
 * Final function of funnel.pipeline and funnel.rollup(pipeline): the state,
 * handed to the accessors without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(pipeline_final);
Datum
pipeline_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&pipeline_type, fcinfo);
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------
 */

typedef struct Tally
{
	int64		deals;
	int64		won;
	int64		lost;
	int64		open;
} Tally;

/* The funnel definition for a state's stage type (fn_extra cache). */
static FunnelDef *
def_for_state(FunctionCallInfo fcinfo, Pipeline *p)
{
	return funnel_def_cached(defcache_of(fcinfo), p->stage_type);
}

/* The outcome of a slot's stage, and its stage index (*idx), under the current definition. */
static FunnelOutcome
slot_outcome(FunctionCallInfo fcinfo, Pipeline *p, PipeStage *s, int *idx, FunnelDef **def)
{
	FunnelDefCache *dc = defcache_of(fcinfo);
	FunnelDef  *used;

	funnel_def_cached(dc, p->stage_type);
	*idx = funnel_stage_index(dc, s->label, &used);
	if (def != NULL)
		*def = used;
	return used->stages[*idx].outcome;
}

/* slot_outcomes' array on the stack up to this many slots */
#define OUTCOMES_ON_STACK 32

/*
 * The outcome of every slot's stage under the current definition (out[i]
 * for slot i), in one pass.  A state's slots are made in funnel order, so
 * slot i is usually stage i: that is checked first, the label hash only
 * used otherwise.  A label the definition lacks makes funnel_stage_index
 * load the definition again; the pass then starts over, so every outcome
 * comes from the same definition.  out holds p->nslots entries.
 */
static void
slot_outcomes(FunctionCallInfo fcinfo, Pipeline *p, FunnelOutcome *out)
{
	FunnelDefCache *dc = defcache_of(fcinfo);
	FunnelDef  *def;
	uint64		generation;
	int			i;

restart:
	def = funnel_def_cached(dc, p->stage_type);
	generation = funnel_registry_generation;
	for (i = 0; i < p->nslots; i++)
	{
		Oid			label = p->slots[i].label;
		int			idx;

		if (i < def->nstages && def->stages[i].label_oid == label)
			idx = i;
		else
		{
			idx = funnel_stage_index(dc, label, &def);
			if (funnel_registry_generation != generation)
				goto restart;
		}
		out[i] = def->stages[idx].outcome;
	}
}

/* An array for slot_outcomes: buf when the slots fit, else palloc'd. */
static FunnelOutcome *
outcomes_array(Pipeline *p, FunnelOutcome *buf)
{
	return p->nslots <= OUTCOMES_ON_STACK ? buf : palloc(sizeof(FunnelOutcome) * p->nslots);
}

/* Deals in all, won, lost and open, by the current definition's outcomes. */
static Tally
tally(FunctionCallInfo fcinfo, Pipeline *p)
{
	Tally		t = {0, 0, 0, 0};
	FunnelOutcome buf[OUTCOMES_ON_STACK];
	FunnelOutcome *outcome;
	int			i;

	if (!OidIsValid(p->stage_type))
		return t;
	outcome = outcomes_array(p, buf);
	slot_outcomes(fcinfo, p, outcome);
	for (i = 0; i < p->nslots; i++)
	{
		FunnelOutcome o = outcome[i];

		t.deals += p->slots[i].deals;
		if (o == FUNNEL_WON)
			t.won += p->slots[i].deals;
		else if (o == FUNNEL_LOST)
			t.lost += p->slots[i].deals;
		else
			t.open += p->slots[i].deals;
	}
	return t;
}

/* deal_count(p): every deal counted */
PG_FUNCTION_INFO_V1(pipeline_deal_count);
Datum
pipeline_deal_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(tally(fcinfo, ARG_PIPELINE(0)).deals);
}

/* won_count(p): deals in a won stage */
PG_FUNCTION_INFO_V1(pipeline_won_count);
Datum
pipeline_won_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(tally(fcinfo, ARG_PIPELINE(0)).won);
}

/* lost_count(p): deals in a lost stage */
PG_FUNCTION_INFO_V1(pipeline_lost_count);
Datum
pipeline_lost_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(tally(fcinfo, ARG_PIPELINE(0)).lost);
}

/* open_count(p): deals in an open stage */
PG_FUNCTION_INFO_V1(pipeline_open_count);
Datum
pipeline_open_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(tally(fcinfo, ARG_PIPELINE(0)).open);
}

static bool
win_rate_of(FunctionCallInfo fcinfo, Pipeline *p, float8 *rate)
{
	Tally		t = tally(fcinfo, p);

	return funnel_win_rate(t.won, t.lost, rate);
}

PG_FUNCTION_INFO_V1(pipeline_win_rate);
Datum
pipeline_win_rate(PG_FUNCTION_ARGS)
{
	float8		rate;

	if (!win_rate_of(fcinfo, ARG_PIPELINE(0), &rate))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(rate);
}

/*
 * The exact amount sum of the slots with the given outcome.  When one slot
 * has that outcome (the won stage, or the one open stage a group is in) its
 * own sum is returned, whose numeric, once the sum is beyond the
 * fixed-point range, is the state's: the caller only reads it, and a
 * result made from it is copied out (PG_RETURN_NUMERIC_COPY).
 */
static NumSum
amount_of(FunctionCallInfo fcinfo, Pipeline *p, FunnelOutcome want)
{
	NumSum		sum;
	FunnelOutcome buf[OUTCOMES_ON_STACK];
	FunnelOutcome *outcome;
	int			i;
	int			found = -1;
	int			nfound = 0;

	numsum_init(&sum);
	if (!OidIsValid(p->stage_type))
		return sum;
	outcome = outcomes_array(p, buf);
	slot_outcomes(fcinfo, p, outcome);
	for (i = 0; i < p->nslots; i++)
		if (amount_of_slot(p, i)->count > 0 && outcome[i] == want && nfound++ == 0)
			found = i;
	if (nfound == 1)
		return *amount_of_slot(p, found);
	for (i = 0; i < p->nslots && nfound > 1; i++)
		if (amount_of_slot(p, i)->count > 0 && outcome[i] == want)
			numsum_merge(&sum, amount_of_slot(p, i), CurrentMemoryContext);
	return sum;
}

/* avg(amount) of won deals, as avg(numeric) gives it; NULL when none */
static Numeric
avg_deal_size_of(FunctionCallInfo fcinfo, Pipeline *p)
{
	NumSum		won = amount_of(fcinfo, p, FUNNEL_WON);

	return numsum_avg(&won);
}

/* avg_deal_size(p) */
PG_FUNCTION_INFO_V1(pipeline_avg_deal_size);
Datum
pipeline_avg_deal_size(PG_FUNCTION_ARGS)
{
	Numeric		avg = avg_deal_size_of(fcinfo, ARG_PIPELINE(0));

	if (avg == NULL)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC_COPY(avg);
}

/* percentile_cont(q) of won deal sizes (false: none); p is only read */
static bool
deal_size_quantile_of(Pipeline *p, float8 q, float8 *result)
{
	QSketch		copy;

	QSketch    *won = sketch_to_read(p, PS_WON_AMOUNTS);

	funnel_check_percentile(q);
	if (qs_count(won) == 0)
		return false;
	funnel_qs_check(qs_quantile(funnel_sketch_view(won, &copy), q, result), "deal sizes");
	return true;
}

/* deal_size_quantile(p, q): percentile_cont(q) of won deal sizes */
PG_FUNCTION_INFO_V1(pipeline_deal_size_quantile);
Datum
pipeline_deal_size_quantile(PG_FUNCTION_ARGS)
{
	float8		r;

	if (!deal_size_quantile_of(ARG_PIPELINE(0), PG_GETARG_FLOAT8(1), &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* avg(closed_at - created_at) of won (or all closed) deals, as avg(interval); NULL when none */
static Interval *
avg_cycle_of(Pipeline *p, bool won_only)
{
	CycleSum	cs = p->won_cycle;

	if (!won_only)
		cycle_merge(&cs, &p->lost_cycle);
	if (cs.count == 0)
		return NULL;
	/* as avg(interval): the sum of the justified intervals, then interval_div */
	if (cs.days <= PG_INT32_MAX && cs.usecs <= PG_INT64_MAX && cs.usecs >= 0)
	{
		Interval	sum;

		memset(&sum, 0, sizeof(sum));
		sum.day = (int32) cs.days;
		sum.time = (int64) cs.usecs;
		return DatumGetIntervalP(DirectFunctionCall2(interval_div, IntervalPGetDatum(&sum),
													 Float8GetDatum((float8) cs.count)));
	}
	/* beyond what an interval sum can hold (avg(interval) would fail): divide first */
	{
		int128		total = cs.days * USECS_PER_DAY + cs.usecs;

		return funnel_usecs_interval((int64) (total / cs.count));
	}
}

/* avg_cycle_length(p, won_only) */
PG_FUNCTION_INFO_V1(pipeline_avg_cycle_length);
Datum
pipeline_avg_cycle_length(PG_FUNCTION_ARGS)
{
	Interval   *iv = avg_cycle_of(ARG_PIPELINE(0), PG_GETARG_BOOL(1));

	if (iv == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_COPY(iv);
}

/*
 * percentile_cont over cycle lengths, interpolated as percentile_cont does
 * for intervals (interval_mi, interval_mul, interval_pl) between the two
 * neighbouring order statistics, each justified as timestamp_mi would.
 */
static Interval *
cycle_quantile_of(Pipeline *p, float8 q, bool won_only)
{
	QSketch		all;
	QSAllocator a = funnel_qs_allocator(CurrentMemoryContext);

	funnel_check_percentile(q);
	funnel_qs_check(qs_copy(&all, &a, sketch_to_read(p, PS_WON_CYCLES)), "cycle lengths");
	if (!won_only)
		funnel_qs_check(qs_merge(&all, sketch_to_read(p, PS_LOST_CYCLES)), "cycle lengths");
	return funnel_duration_quantile(&all, q);
}

/* cycle_length_quantile(p, q, won_only) */
PG_FUNCTION_INFO_V1(pipeline_cycle_length_quantile);
Datum
pipeline_cycle_length_quantile(PG_FUNCTION_ARGS)
{
	Interval   *iv = cycle_quantile_of(ARG_PIPELINE(0), PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2));

	if (iv == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_COPY(iv);
}

/* numeric 0 */
static Numeric
numeric_zero(void)
{
	return DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(0)));
}

/* open_value(p): the amounts of open deals (0 when none) */
PG_FUNCTION_INFO_V1(pipeline_open_value);
Datum
pipeline_open_value(PG_FUNCTION_ARGS)
{
	NumSum		open = amount_of(fcinfo, ARG_PIPELINE(0), FUNNEL_OPEN);
	Numeric		total = numsum_total(&open);

	PG_RETURN_NUMERIC_COPY(total ? total : numeric_zero());
}

/* sum over open stages of (their amounts x the stage's win probability) */
PG_FUNCTION_INFO_V1(pipeline_weighted_value);
Datum
pipeline_weighted_value(PG_FUNCTION_ARGS)
{
	Pipeline   *p = ARG_PIPELINE(0);
	Datum		total = NumericGetDatum(numeric_zero());
	int			i;

	if (OidIsValid(p->stage_type))
	{
		FunnelDef  *def = def_for_state(fcinfo, p);

		for (i = 0; i < p->nslots; i++)
		{
			int			idx;
			Numeric		sum;

			if (slot_outcome(fcinfo, p, &p->slots[i], &idx, &def) != FUNNEL_OPEN)
				continue;
			sum = numsum_total(amount_of_slot(p, i));
			if (sum == NULL || !def->stages[idx].has_probability)
				continue;
			total = DirectFunctionCall2(numeric_add, total,
										DirectFunctionCall2(numeric_mul, NumericGetDatum(sum),
															DirectFunctionCall1(float8_numeric,
																				Float8GetDatum(def->stages[idx].probability))));
		}
	}
	PG_RETURN_NUMERIC_COPY(DatumGetNumeric(total));
}

/*
 * sales_velocity = open deals x win rate x average won deal size / average
 * won cycle length in days: the value the pipeline is expected to close per
 * day.  NULL when a factor is unknown or the average cycle is zero.
 */
PG_FUNCTION_INFO_V1(pipeline_sales_velocity);
Datum
pipeline_sales_velocity(PG_FUNCTION_ARGS)
{
	Pipeline   *p = ARG_PIPELINE(0);
	Tally		t = tally(fcinfo, p);
	float8		rate;
	Numeric		avg;
	float8		days;

	if (!win_rate_of(fcinfo, p, &rate) || (avg = avg_deal_size_of(fcinfo, p)) == NULL ||
		p->won_cycle.count == 0)
		PG_RETURN_NULL();
	days = funnel_avg_days((float8) p->won_cycle.days, (float8) p->won_cycle.usecs,
						   p->won_cycle.count);
	if (days <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(funnel_sales_velocity(t.open, rate,
										   DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(avg))),
										   days));
}

/* deals whose closed_at is before created_at: left out of the cycle figures */
PG_FUNCTION_INFO_V1(pipeline_negative_cycles);
Datum
pipeline_negative_cycles(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(ARG_PIPELINE(0)->negative_cycles);
}

/* final functions of the direct aggregates */

/* final function of median_deal_size(stage, amount) */
PG_FUNCTION_INFO_V1(pipeline_median_deal_size);
Datum
pipeline_median_deal_size(PG_FUNCTION_ARGS)
{
	float8		r;

	if (!deal_size_quantile_of(ARG_PIPELINE(0), 0.5, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* final function of deal_size_quantile(stage, amount, q) */
PG_FUNCTION_INFO_V1(pipeline_deal_size_quantile_final);
Datum
pipeline_deal_size_quantile_final(PG_FUNCTION_ARGS)
{
	Pipeline   *p = ARG_PIPELINE(0);
	float8		r;

	if (isnan(p->p) || !deal_size_quantile_of(p, p->p, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* final function of avg_cycle_length(stage, created_at, closed_at) */
PG_FUNCTION_INFO_V1(pipeline_avg_cycle_length_final);
Datum
pipeline_avg_cycle_length_final(PG_FUNCTION_ARGS)
{
	Interval   *iv = avg_cycle_of(ARG_PIPELINE(0), false);

	if (iv == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_COPY(iv);
}

/* final function of median_cycle_length(stage, created_at, closed_at) */
PG_FUNCTION_INFO_V1(pipeline_median_cycle_length);
Datum
pipeline_median_cycle_length(PG_FUNCTION_ARGS)
{
	Interval   *iv = cycle_quantile_of(ARG_PIPELINE(0), 0.5, false);

	if (iv == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_COPY(iv);
}

/* ------------------------------------------------------------------------
 * For other files (open_value.h)
 * ------------------------------------------------------------------------
 */

/*
 * The open deals and amounts per stage of a stored pipeline (open_value.h).
 * Every slot's stage index is taken from one definition: a label the cached
 * definition lacks makes funnel_stage_index rebuild it, and then all of them
 * are taken again.
 */
void
funnel_pipeline_open_value(Datum d, FunnelDefCache *dc, OpenValue *out)
{
	Pipeline   *p = (Pipeline *) funnel_state_get(&pipeline_type, d);
	FunnelDef  *def;
	FunnelDef  *used;
	int		   *idx;
	int			i;

	memset(out, 0, sizeof(OpenValue));
	out->stage_type = p->stage_type;
	out->has_amounts = true;
	if (!OidIsValid(p->stage_type))
		return;
	used = funnel_def_cached(dc, p->stage_type);
	idx = palloc(sizeof(int) * Max(p->nslots, 1));
	do
	{
		def = used;
		for (i = 0; i < p->nslots; i++)
			idx[i] = funnel_stage_index(dc, p->slots[i].label, &used);
	} while (used != def);
	out->def = def;
	out->deals = palloc0(sizeof(int64) * def->nstages);
	out->amount = palloc0(sizeof(Numeric) * def->nstages);
	for (i = 0; i < p->nslots; i++)
	{
		PipeStage  *s = &p->slots[i];
		Numeric		sum;

		if (def->stages[idx[i]].outcome != FUNNEL_OPEN)
			continue;
		if (pg_add_s64_overflow(out->deals[idx[i]], s->deals, &out->deals[idx[i]]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));
		sum = numsum_total(amount_of_slot(p, i));
		if (sum == NULL)
			continue;
		out->amount[idx[i]] = out->amount[idx[i]] == NULL ? sum
			: DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(out->amount[idx[i]]),
												  NumericGetDatum(sum)));
	}
	pfree(idx);
}
