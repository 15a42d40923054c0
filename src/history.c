/*
 * history.c
 *		funnel.pipeline_flow: the open pipeline as it stood at a past moment
 *		(pipeline_as_of) and what moved it between two moments
 *		(pipeline_waterfall), computed from stage history alone.
 *
 * Deltas.  A history row of funnel.track() says: at changed_at the deal left
 * (from_stage, from_amount, from_close_date) and entered (to_stage, amount,
 * close_date); from_stage is NULL for a new deal, and a row that changes only
 * the amount or the close date has from_stage = to_stage.  So the open
 * pipeline at a moment T is the sum, over the rows with changed_at <= T, of
 * "+1 deal and +amount at to_stage when it is open, -1 deal and -from_amount
 * at from_stage when it is open" -- a plain sum over rows, with no grouping by
 * deal: the state is a small table of per-stage sums, merged by adding, so
 * the aggregate runs in parallel and rolls up stored monthly states.  This
 * needs a consistent history (each row's from_* are the deal's values of its
 * previous row), which the triggers write.
 *
 * Waterfall.  Rows up to `from` make the opening pipeline (bucket START);
 * each row in (from, to] is one change, classified into the buckets below by
 * whether the deal was in the pipeline before and after it (open, and with
 * a close-date window: its close date within the window).  Every bucket keeps
 * its signed effect per stage, so opening + all changes = closing pipeline,
 * exactly, in deals, amounts and probability-weighted amounts (probabilities
 * are read when the report is made, the same for every bucket).
 *
 * State (in memory an expanded object, like funnel.pipeline): per (bucket,
 * stage label) a signed deal count and the exact sums of the amounts added
 * and of those taken away (two NumSums, so no value is ever negated); per
 * bucket the number of changes; the moments and the window, which every row
 * and every merged state must share.
 *
 * Flat form (version 1), big-endian (wire.h):
 *	 u8 version | u8 kind (1 as-of, 2 waterfall) | u8 flags (1 amounts,
 *	 2 window) | u32 stage type | i64 from | i64 to | i64 close_from |
 *	 i64 close_to | 11 x i64 moves | u32 n | n x (u8 bucket | u32 label |
 *	 i64 deals | NumSum plus | NumSum minus)
 * send writes the same body in the portable form (type and labels by name,
 * wire_names.c); recv reads that and the OID form.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "numsum.h"
#include "open_value.h"
#include "registry.h"
#include "registry_names.h"
#include "srf.h"
#include "state.h"
#include "textform.h"
#include "wire.h"

#define FLOW_VERSION 1
#define FLOW_TYPE "funnel.pipeline_flow"

#define FLOW_AS_OF 1
#define FLOW_WATERFALL 2

#define FLOW_AMOUNTS 1
#define FLOW_WINDOW 2

/* buckets, in report order */
enum
{
	B_START = 0,
	B_CREATED,
	B_PULLED_IN,
	B_REOPENED,
	B_ADVANCED,
	B_REGRESSED,
	B_INCREASED,
	B_DECREASED,
	B_PUSHED_OUT,
	B_WON,
	B_LOST,
	FLOW_NB
};

static const char *const bucket_names[FLOW_NB + 1] = {
	"open at start", "created", "pulled in", "reopened", "advanced", "regressed",
	"amount increased", "amount decreased", "pushed out", "won", "lost", "open at end"
};

typedef struct FlowSlot
{
	int			bucket;
	Oid			label;
	int64		deals;			/* signed change of the stage's open deals */
	NumSum		plus;			/* amounts added to the stage */
	NumSum		minus;			/* amounts taken from it */
} FlowSlot;

typedef struct Flow
{
	FunnelState st;				/* first: expanded-object header */
	MemoryContext cxt;
	int			kind;			/* 0 until the first call */
	int			flags;
	Oid			stage_type;		/* InvalidOid until a row has a stage */
	TimestampTz from;
	TimestampTz to;
	TimestampTz close_from;
	TimestampTz close_to;
	int64		moves[FLOW_NB];
	int			nslots;
	int			cap;
	FlowSlot   *slots;
	int			mapstages;		/* slot index by (bucket, stage index), or -1 */
	int		   *map;
} Flow;

/* funnel.pipeline_flow in the state skeleton (state.h), defined below its functions */
static const FunnelStateType flow_type;

/* a pipeline_flow argument, read-only (state.h) */
#define PG_GETARG_FLOW(n) ((Flow *) funnel_state_get(&flow_type, PG_GETARG_DATUM(n)))
/* a transition function's result: the state, checked */
#define PG_RETURN_FLOW(f) return funnel_state_result(&(f)->st)

/* A new, empty state in cxt (the aggregate's arena, or the current context). */
static FunnelState *
flow_create(MemoryContext cxt)
{
	Flow	   *f = MemoryContextAllocZero(cxt, sizeof(Flow));

	funnel_state_init(&f->st, &flow_type, cxt);
	f->cxt = cxt;
	return &f->st;
}

/* 22003 for a count that would pass 2^63 - 1 */
static void
count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bigint out of range"),
			 errdetail("A count of a %s exceeds 2^63 - 1.", FLOW_TYPE)));
}

/*
 * The slot of (bucket, label), found or added by a scan of the slots;
 * stageidx >= 0 records it in the map for flow_slot.
 */
static FlowSlot *
flow_slot_slow(Flow *f, int bucket, Oid label, int stageidx)
{
	int			i;
	FlowSlot   *s;

	for (i = 0; i < f->nslots; i++)
		if (f->slots[i].bucket == bucket && f->slots[i].label == label)
			break;
	if (i == f->nslots)
	{
		if (f->nslots == f->cap)
		{
			int			cap = f->cap ? f->cap * 2 : 16;

			f->slots = f->slots ? repalloc(f->slots, cap * sizeof(FlowSlot))
				: MemoryContextAlloc(f->cxt, cap * sizeof(FlowSlot));
			f->cap = cap;
		}
		s = &f->slots[f->nslots++];
		memset(s, 0, sizeof(FlowSlot));
		numsum_init(&s->plus);
		numsum_init(&s->minus);
		s->bucket = bucket;
		s->label = label;
	}
	if (stageidx >= 0)
	{
		if (stageidx >= f->mapstages)
		{
			int			n = Max(stageidx + 1, 8);
			int		   *map = MemoryContextAlloc(f->cxt, sizeof(int) * n * FLOW_NB);
			int			b;
			int			k;

			for (b = 0; b < FLOW_NB; b++)
				for (k = 0; k < n; k++)
					map[b * n + k] = k < f->mapstages ? f->map[b * f->mapstages + k] : -1;
			if (f->map)
				pfree(f->map);
			f->map = map;
			f->mapstages = n;
		}
		f->map[bucket * f->mapstages + stageidx] = i;
	}
	return &f->slots[i];
}

/*
 * The slot of (bucket, label): per row, the map (by stage index) finds it
 * at once; a miss, or stageidx < 0 (merges, reads), goes to flow_slot_slow.
 */
static inline FlowSlot *
flow_slot(Flow *f, int bucket, Oid label, int stageidx)
{
	if (stageidx >= 0 && stageidx < f->mapstages)
	{
		int			i = f->map[bucket * f->mapstages + stageidx];

		if (i >= 0 && i < f->nslots && f->slots[i].label == label && f->slots[i].bucket == bucket)
			return &f->slots[i];
	}
	return flow_slot_slow(f, bucket, label, stageidx);
}

/* the moments and window of a state, or of a row, must be those of the state */
static void
flow_set_frame(Flow *f, int kind, int flags, TimestampTz from, TimestampTz to,
			   TimestampTz close_from, TimestampTz close_to)
{
	if (f->kind == 0)
	{
		f->kind = kind;
		f->flags = flags;
		f->from = from;
		f->to = to;
		f->close_from = close_from;
		f->close_to = close_to;
		return;
	}
	if (f->kind != kind || f->from != from || f->to != to ||
		(f->flags & FLOW_WINDOW) != (flags & FLOW_WINDOW) ||
		((flags & FLOW_WINDOW) && (f->close_from != close_from || f->close_to != close_to)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine pipeline flows of different moments"),
				 errdetail("An as-of moment, the waterfall's from and to, and its close-date window must be the same for every row and every state merged.")));
	f->flags |= flags & FLOW_AMOUNTS;
}

/*
 * Is a row's frame already the state's, so that flow_set_frame would do
 * nothing?  (Every row of an aggregate passes the same; checked inline.)
 */
static inline bool
flow_frame_same(const Flow *f, int kind, int flags, TimestampTz from, TimestampTz to,
				TimestampTz close_from, TimestampTz close_to)
{
	return f->kind == kind && f->from == from && f->to == to &&
		(f->flags | (flags & FLOW_AMOUNTS)) == f->flags &&
		(f->flags & FLOW_WINDOW) == (flags & FLOW_WINDOW) &&
		(!(flags & FLOW_WINDOW) || (f->close_from == close_from && f->close_to == close_to));
}

/* dst += src (src read-only): same moments and window, same funnel */
static void
flow_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	Flow	   *dst = (Flow *) dstst;
	Flow	   *src = (Flow *) srcst;
	int			i;

	if (src->kind == 0)
		return;
	flow_set_frame(dst, src->kind, src->flags, src->from, src->to, src->close_from, src->close_to);
	if (OidIsValid(src->stage_type))
	{
		if (!OidIsValid(dst->stage_type))
			dst->stage_type = src->stage_type;
		else if (dst->stage_type != src->stage_type)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot combine pipeline flows of funnels %s and %s",
							funnel_type_name(dst->stage_type, false),
							funnel_type_name(src->stage_type, false))));
	}
	for (i = 0; i < FLOW_NB; i++)
		if (pg_add_s64_overflow(dst->moves[i], src->moves[i], &dst->moves[i]))
			count_overflow();
	for (i = 0; i < src->nslots; i++)
	{
		FlowSlot   *s = &src->slots[i];
		FlowSlot   *d = flow_slot(dst, s->bucket, s->label, -1);

		if (pg_add_s64_overflow(d->deals, s->deals, &d->deals))
			count_overflow();
		numsum_merge(&d->plus, &s->plus, dst->cxt);
		numsum_merge(&d->minus, &s->minus, dst->cxt);
	}
	funnel_state_touch(&dst->st);
}

/* ------------------------------------------------------------------------
 * Flat form, validation
 * ------------------------------------------------------------------------
 */

/* qsort order of slots: by bucket, then label OID */
static int
slot_cmp(const void *a, const void *b)
{
	const FlowSlot *x = a;
	const FlowSlot *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->label < y->label ? -1 : x->label > y->label ? 1 : 0;
}

/* Does the slot say nothing (no deals, no amounts)? */
static bool
slot_empty(const FlowSlot *s)
{
	return s->deals == 0 && s->plus.count == 0 && s->minus.count == 0;
}

/* slots in (bucket, label) order without the empty ones: equal states, equal bytes */
static FlowSlot *
canonical_slots(Flow *f, int *n)
{
	FlowSlot   *sorted = palloc(sizeof(FlowSlot) * Max(f->nslots, 1));
	int			i;

	*n = 0;
	for (i = 0; i < f->nslots; i++)
		if (!slot_empty(&f->slots[i]))
			sorted[(*n)++] = f->slots[i];
	if (*n > 1)
		qsort(sorted, *n, sizeof(FlowSlot), slot_cmp);
	return sorted;
}

/* The flat body (see the header comment); f is only read. */
static void
flow_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	Flow	   *f = (Flow *) st;
	FlowSlot   *sorted;
	int			n;
	int			i;

	wire_put_u8(buf, FLOW_VERSION);
	wire_put_u8(buf, (uint8) f->kind);
	wire_put_u8(buf, (uint8) f->flags);
	wire_put_type(buf, names, f->stage_type);
	wire_put_i64(buf, f->from);
	wire_put_i64(buf, f->to);
	wire_put_i64(buf, f->close_from);
	wire_put_i64(buf, f->close_to);
	for (i = 0; i < FLOW_NB; i++)
		wire_put_i64(buf, f->moves[i]);
	sorted = canonical_slots(f, &n);
	wire_put_u32(buf, (uint32) n);
	for (i = 0; i < n; i++)
	{
		wire_put_u8(buf, (uint8) sorted[i].bucket);
		wire_put_label(buf, names, sorted[i].label);
		wire_put_i64(buf, sorted[i].deals);
		numsum_write(buf, &sorted[i].plus);
		numsum_write(buf, &sorted[i].minus);
	}
	pfree(sorted);
}

/*
 * The first inconsistency of a flow, or NULL: what every reader checks,
 * whatever it read, and the invariants of a live state.
 */
static const char *
flow_problem(const Flow *f)
{
	int			i;
	int			j;

	if (f->kind != FLOW_AS_OF && f->kind != FLOW_WATERFALL)
		return "unknown kind";
	if (f->flags & ~(FLOW_AMOUNTS | FLOW_WINDOW))
		return "unknown flags";
	if (f->from > f->to || (f->kind == FLOW_AS_OF && f->from != f->to))
		return "the moments are out of order";
	if ((f->flags & FLOW_WINDOW) ? f->close_from > f->close_to : (f->close_from != 0 || f->close_to != 0))
		return "bad close-date window";
	for (i = 0; i < FLOW_NB; i++)
		if (f->moves[i] < 0 || (f->kind == FLOW_AS_OF && f->moves[i] != 0))
			return "bad change counts";
	if (f->nslots > FLOW_NB * FUNNEL_MAX_STAGES)
		return "too many entries";
	if (!OidIsValid(f->stage_type) && f->nslots > 0)
		return "stages without a funnel type";
	for (i = 0; i < f->nslots; i++)
	{
		const FlowSlot *s = &f->slots[i];

		if (s->bucket < 0 || s->bucket >= FLOW_NB || (f->kind == FLOW_AS_OF && s->bucket != B_START))
			return "unknown bucket";
		if (!(f->flags & FLOW_AMOUNTS) && (s->plus.count != 0 || s->minus.count != 0))
			return "amounts in a state without amounts";
		for (j = 0; j < i; j++)
			if (f->slots[j].bucket == s->bucket && f->slots[j].label == s->label)
				return "an entry appears twice";
	}
	return NULL;
}

/* What every reader checks: flow_problem, then the catalog if asked. */
static void
flow_validate(Flow *f, bool binary, bool check_catalog)
{
	int			i;

	funnel_state_refuse(FLOW_TYPE, binary, flow_problem(f));
	if (check_catalog && OidIsValid(f->stage_type))
	{
		if (get_typtype(f->stage_type) != TYPTYPE_ENUM)
			funnel_state_refuse(FLOW_TYPE, binary, "the stage type is not an enum");
		for (i = 0; i < f->nslots; i++)
			if (!funnel_label_belongs(f->slots[i].label, f->stage_type))
				funnel_state_refuse(FLOW_TYPE, binary, "a stage is not a label of the funnel type");
	}
}

#ifdef FUNNEL_CHECK_INVARIANTS
/* The invariants of a live flow (state.h): those of a value read, and the slots in their array. */
static const char *
flow_check(const void *state)
{
	const Flow *f = (const Flow *) state;

	if (f->nslots < 0 || f->nslots > f->cap)
		return "slot count beyond the slots";
	return flow_problem(f);
}
#endif

/*
 * A flat body read into a new state in cxt and validated (22P03); with
 * check_catalog (recv) its type and labels are checked against the catalog;
 * names: a portable body's dictionary (or NULL: OIDs).
 */
static FunnelState *
flow_read(const char *data, Size len, MemoryContext cxt, bool check_catalog,
		  const WireNames *names)
{
	Flow	   *f = (Flow *) flow_create(cxt);
	WireReader	r = {data, len, 0, FLOW_TYPE, names};
	uint32		n;
	uint32		i;

	if (wire_get_u8(&r, "version") != FLOW_VERSION)
		wire_bad(&r, "unknown format version");
	f->kind = wire_get_u8(&r, "kind");
	f->flags = wire_get_u8(&r, "flags");
	f->stage_type = wire_get_type(&r, "stage type");
	f->from = wire_get_i64(&r, "from");
	f->to = wire_get_i64(&r, "to");
	f->close_from = wire_get_i64(&r, "close_from");
	f->close_to = wire_get_i64(&r, "close_to");
	for (i = 0; i < FLOW_NB; i++)
		f->moves[i] = wire_get_i64(&r, "changes");
	n = wire_get_u32(&r, "entry count");
	if (n > FLOW_NB * FUNNEL_MAX_STAGES)
		wire_bad(&r, "too many entries");
	for (i = 0; i < n; i++)
	{
		int			bucket = wire_get_u8(&r, "bucket");
		Oid			label = wire_get_label(&r, "stage label");
		FlowSlot   *s;

		if (bucket >= FLOW_NB)
			wire_bad(&r, "unknown bucket");
		s = flow_slot(f, bucket, label, -1);
		if (!slot_empty(s))
			wire_bad(&r, "an entry appears twice");
		s->deals = wire_get_i64(&r, "deals");
		numsum_read(&r, &s->plus, f->cxt);
		numsum_read(&r, &s->minus, f->cxt);
		if (slot_empty(s))
			wire_bad(&r, "an empty entry");
	}
	wire_end(&r);
	flow_validate(f, true, check_catalog);
	return &f->st;
}

/* funnel.pipeline_flow in the state skeleton (state.h) */
static const FunnelStateType flow_type = {
	FUNNEL_EXPANDED_METHODS,
	FLOW_TYPE,
	flow_create,
	flow_write,
	flow_read,
	flow_merge,
	FUNNEL_CHECKER(flow_check),
	true						/* holds its type's and labels' OIDs */
};

/*
 * Final function of funnel.pipeline_as_of, funnel.pipeline_waterfall and funnel.rollup(pipeline_flow): the state,
 * handed to open_stages, waterfall and the flow accessors without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(pipeline_flow_final);
Datum
pipeline_flow_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&flow_type, fcinfo);
}

/* ------------------------------------------------------------------------
 * Text form
 * ------------------------------------------------------------------------
 */

/* text output: the JSON form, entries in (bucket, label) order */
PG_FUNCTION_INFO_V1(pipeline_flow_out);
Datum
pipeline_flow_out(PG_FUNCTION_ARGS)
{
	Flow	   *f = PG_GETARG_FLOW(0);
	StringInfoData buf;
	FlowSlot   *sorted;
	int			n;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"kind\":\"%s\",\"type\":", FLOW_VERSION,
					 f->kind == FLOW_AS_OF ? "as_of" : "waterfall");
	if (OidIsValid(f->stage_type))
		append_json_string(&buf, funnel_type_name(f->stage_type, true));
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ",\"amounts\":%s,\"from\":" INT64_FORMAT ",\"to\":" INT64_FORMAT,
					 (f->flags & FLOW_AMOUNTS) ? "true" : "false", (int64) f->from, (int64) f->to);
	if (f->flags & FLOW_WINDOW)
		appendStringInfo(&buf, ",\"window\":[" INT64_FORMAT "," INT64_FORMAT "]",
						 (int64) f->close_from, (int64) f->close_to);
	appendStringInfoString(&buf, ",\"changes\":[");
	for (i = 0; i < FLOW_NB; i++)
		appendStringInfo(&buf, "%s" INT64_FORMAT, i ? "," : "", f->moves[i]);
	appendStringInfoString(&buf, "],\"entries\":[");
	sorted = canonical_slots(f, &n);
	for (i = 0; i < n; i++)
	{
		appendStringInfo(&buf, "%s[%d,", i ? "," : "", sorted[i].bucket);
		append_json_string(&buf, funnel_label_name(sorted[i].label));
		appendStringInfo(&buf, "," INT64_FORMAT ",\"", sorted[i].deals);
		numsum_out(&buf, &sorted[i].plus);
		appendStringInfoString(&buf, "\",\"");
		numsum_out(&buf, &sorted[i].minus);
		appendStringInfoString(&buf, "\"]");
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(pipeline_flow_in);
Datum
pipeline_flow_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	JsonbContainer *obj = jin_parse(str, FLOW_TYPE);
	Flow	   *f = (Flow *) flow_create(CurrentMemoryContext);
	JsonbValue *v;
	JsonbContainer *arr;
	char	   *kind;
	uint32		i;

	if (jin_int64(jin_get(obj, "version", true, FLOW_TYPE), FLOW_TYPE, "version") != FLOW_VERSION)
		jin_bad(FLOW_TYPE, "unknown version");
	kind = jin_string(jin_get(obj, "kind", true, FLOW_TYPE), FLOW_TYPE, "kind");
	if (strcmp(kind, "as_of") == 0)
		f->kind = FLOW_AS_OF;
	else if (strcmp(kind, "waterfall") == 0)
		f->kind = FLOW_WATERFALL;
	else
		jin_bad(FLOW_TYPE, "\"kind\" must be \"as_of\" or \"waterfall\"");
	v = jin_get(obj, "type", false, FLOW_TYPE);
	if (v != NULL && v->type != jbvNull)
		f->stage_type = jin_enum_type(jin_string(v, FLOW_TYPE, "type"), FLOW_TYPE);
	v = jin_get(obj, "amounts", true, FLOW_TYPE);
	if (v == NULL || v->type != jbvBool)
		jin_bad(FLOW_TYPE, "\"amounts\" must be true or false");
	if (v->val.boolean)
		f->flags |= FLOW_AMOUNTS;
	f->from = jin_int64(jin_get(obj, "from", true, FLOW_TYPE), FLOW_TYPE, "from");
	f->to = jin_int64(jin_get(obj, "to", true, FLOW_TYPE), FLOW_TYPE, "to");
	v = jin_get(obj, "window", false, FLOW_TYPE);
	if (v != NULL && v->type != jbvNull)
	{
		arr = jin_array(v, FLOW_TYPE, "window");
		if (jin_len(arr) != 2)
			jin_bad(FLOW_TYPE, "\"window\" must be [from, to]");
		f->flags |= FLOW_WINDOW;
		f->close_from = jin_int64(jin_at(arr, 0), FLOW_TYPE, "window");
		f->close_to = jin_int64(jin_at(arr, 1), FLOW_TYPE, "window");
	}
	arr = jin_array(jin_get(obj, "changes", true, FLOW_TYPE), FLOW_TYPE, "changes");
	if (jin_len(arr) != FLOW_NB)
		jin_bad(FLOW_TYPE, psprintf("\"changes\" must have %d counts", FLOW_NB));
	for (i = 0; i < FLOW_NB; i++)
		f->moves[i] = jin_int64(jin_at(arr, i), FLOW_TYPE, "changes");
	arr = jin_array(jin_get(obj, "entries", true, FLOW_TYPE), FLOW_TYPE, "entries");
	if (jin_len(arr) > FLOW_NB * FUNNEL_MAX_STAGES)
		jin_bad(FLOW_TYPE, "too many entries");
	for (i = 0; i < jin_len(arr); i++)
	{
		JsonbContainer *e = jin_array(jin_at(arr, i), FLOW_TYPE, "an entry");
		int64		bucket;
		char	   *label;
		HeapTuple	tup;
		FlowSlot   *s;

		if (jin_len(e) != 5 || !OidIsValid(f->stage_type))
			jin_bad(FLOW_TYPE, "an entry must be [bucket, stage, deals, \"count:added\", \"count:removed\"] of the funnel type");
		bucket = jin_int64(jin_at(e, 0), FLOW_TYPE, "bucket");
		if (bucket < 0 || bucket >= FLOW_NB)
			jin_bad(FLOW_TYPE, "unknown bucket");
		label = jin_string(jin_at(e, 1), FLOW_TYPE, "stage");
		if (strlen(label) >= NAMEDATALEN)
			jin_bad(FLOW_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(f->stage_type)));
		tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(f->stage_type), CStringGetDatum(label));
		if (!HeapTupleIsValid(tup))
			jin_bad(FLOW_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(f->stage_type)));
		s = flow_slot(f, (int) bucket, ((Form_pg_enum) GETSTRUCT(tup))->oid, -1);
		ReleaseSysCache(tup);
		if (!slot_empty(s))
			jin_bad(FLOW_TYPE, "an entry appears twice");
		s->deals = jin_int64(jin_at(e, 2), FLOW_TYPE, "deals");
		if (!numsum_in(jin_string(jin_at(e, 3), FLOW_TYPE, "added"), &s->plus, f->cxt) ||
			!numsum_in(jin_string(jin_at(e, 4), FLOW_TYPE, "removed"), &s->minus, f->cxt))
			jin_bad(FLOW_TYPE, "an amount must be \"count:sum\"");
		if (slot_empty(s))
			jin_bad(FLOW_TYPE, "an empty entry");
	}
	flow_validate(f, false, false);
	PG_RETURN_DATUM(funnel_state_flat(&f->st));
}

/* binary output: the flat body */
PG_FUNCTION_INFO_V1(pipeline_flow_send);
Datum
pipeline_flow_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&flow_type, PG_GETARG_DATUM(0));
}

/* binary input: the flat body, validated against the catalog too */
PG_FUNCTION_INFO_V1(pipeline_flow_recv);
Datum
pipeline_flow_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&flow_type, (StringInfo) PG_GETARG_POINTER(0));
}

/* ------------------------------------------------------------------------
 * Aggregates
 * ------------------------------------------------------------------------
 */

/*
 * Per-call-site cache of the funnel definition.  The funnel type comes from
 * the first stage label seen (never from fn_expr); every later label is
 * looked up in that definition, which refuses a label of another type.
 * The stage indexes of the last labels seen are kept beside it, valid
 * while the definition they were read from is the current one: the same
 * pointer and the same registry generation (a rebuilt definition may reuse
 * the address of the one it replaces; the generation never repeats).
 */
#define FLOW_LABEL_SLOTS 8

typedef struct FlowFnCache
{
	FunnelDefCache dc;
	FunnelDef  *ldef;			/* the definition of lkey/lidx, or NULL */
	uint64		lgen;			/* and its generation (dc.generation) */
	Oid			lkey[FLOW_LABEL_SLOTS];	/* label OID, InvalidOid when empty */
	int			lidx[FLOW_LABEL_SLOTS];	/* its stage index in ldef */
	FunnelOutcome lout[FLOW_LABEL_SLOTS];	/* and that stage's outcome */
} FlowFnCache;

/* this call site's definition cache, loaded with typid when valid */
static FunnelDefCache *
flow_defcache(FunctionCallInfo fcinfo, Oid typid)
{
	FlowFnCache *c = (FlowFnCache *) funnel_fn_cache(fcinfo, sizeof(FlowFnCache));

	if (OidIsValid(typid))
		(void) funnel_def_cached(&c->dc, typid);
	return &c->dc;
}

/* The enum type of a label OID (22023 when it is none). */
static Oid
label_type(Oid label)
{
	HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(label));
	Oid			typid;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("enum value with OID %u does not exist", label)));
	typid = ((Form_pg_enum) GETSTRUCT(tup))->enumtypid;
	ReleaseSysCache(tup);
	return typid;
}

/*
 * The stage index of a label in the current definition (c->dc.def, which
 * the caller has just validated), that stage's outcome in *outcome and
 * the definition in *def: from the label slots when they hold it (the
 * outcome beside the index, so that no stage entry is read), else from
 * funnel_stage_index (which may rebuild the definition: the slots then
 * start again).  Enum label OIDs are mostly even and consecutive, hence
 * the slot (label / 2) mod 8.
 */
static inline int
flow_stage_index(FlowFnCache *c, Oid label, FunnelDef **def, FunnelOutcome *outcome)
{
	int			h = (label >> 1) & (FLOW_LABEL_SLOTS - 1);
	int			idx;

	if (c->ldef == c->dc.def && c->lgen == c->dc.generation && c->lkey[h] == label)
	{
		*def = c->ldef;
		*outcome = c->lout[h];
		return c->lidx[h];
	}
	idx = funnel_stage_index(&c->dc, label, def);
	if (c->ldef != c->dc.def || c->lgen != c->dc.generation)
	{
		memset(c->lkey, 0, sizeof(c->lkey));
		c->ldef = c->dc.def;
		c->lgen = c->dc.generation;
	}
	c->lkey[h] = label;
	c->lidx[h] = idx;
	c->lout[h] = (*def)->stages[idx].outcome;
	*outcome = c->lout[h];
	return idx;
}

/* A row's side (before or after the change). */
typedef struct Side
{
	bool		has_stage;
	Oid			label;
	int			idx;			/* stage index in the funnel */
	FunnelOutcome outcome;
	bool		has_amount;
	NumVal		amount;			/* decoded once: checked, compared, summed */
	bool		in;				/* in the pipeline: open (and closing in the window) */
} Side;

/* 22023 for a NaN or infinite amount */
static void
amount_not_finite(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("deal amounts must be finite"),
			 errdetail("An amount is NaN or infinite.")));
}

/*
 * A side's amount, decoded (22023 for a NaN or infinite amount).  prev:
 * the other side, whose amount is usually the same bytes (a stage move
 * keeps the amount): then its decoding is taken as it is.
 */
static pg_attribute_always_inline void
side_amount(Side *side, Datum amount, const Side *prev)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(amount);

	side->has_amount = true;
	if (prev->has_amount && !VARATT_IS_EXTERNAL(v))
	{
		struct varlena *p = (struct varlena *) DatumGetPointer(prev->amount.datum);

		if (!VARATT_IS_EXTERNAL(p) && VARSIZE_ANY(p) == VARSIZE_ANY(v) &&
			memcmp(p, v, VARSIZE_ANY(v)) == 0)
		{
			side->amount = prev->amount;
			side->amount.datum = amount;
			return;
		}
	}
	if (!numval_decode(amount, &side->amount))
		amount_not_finite();
}

/* One change of a side's stage within a bucket: deals, amount added, taken. */
static pg_attribute_always_inline void
add(Flow *f, int bucket, Side *side, int64 deals, NumVal *plus, NumVal *minus)
{
	FlowSlot   *s = flow_slot(f, bucket, side->label, side->idx);

	s->deals += deals;
	if (plus != NULL)
		numsum_add_val(&s->plus, plus, f->cxt);
	if (minus != NULL)
		numsum_add_val(&s->minus, minus, f->cxt);
}

/* amount of a side, or NULL (pointer) when it has none */
static NumVal *
amt(Side *s)
{
	return s->has_amount ? &s->amount : NULL;
}

/*
 * One side of a row, s (other: the other side, whose amount side_amount
 * may take), from its stage, amount and close date arguments (-1: not
 * passed).  *dc: the call site's definition cache, validated by the first
 * side that has a stage (NULL until then); *def: the definition of the
 * stage index taken.  Inlined with constant argument numbers.
 */
static pg_attribute_always_inline void
flow_side(Flow *f, FunctionCallInfo fcinfo, Side *s, const Side *other,
		  int stagearg, int amountarg, int closearg, bool asof,
		  FunnelDefCache **dc, FunnelDef **def)
{
	if (PG_ARGISNULL(stagearg))
		return;
	s->has_stage = true;
	s->label = PG_GETARG_OID(stagearg);
	if (*dc == NULL)
	{
		*dc = flow_defcache(fcinfo, InvalidOid);
		if ((*dc)->def == NULL)
			*dc = flow_defcache(fcinfo, label_type(s->label));
		else
			(void) funnel_def_cached(*dc, (*dc)->argtype);
	}
	/* the FunnelDefCache is the FlowFnCache's first member */
	s->idx = flow_stage_index((FlowFnCache *) *dc, s->label, def, &s->outcome);
	s->in = s->outcome == FUNNEL_OPEN;
	if (amountarg >= 0 && !PG_ARGISNULL(amountarg))
	{
		/*
		 * As of a moment only the amounts of open sides are summed: the
		 * others are only checked, as every amount is.
		 */
		if (s->in || !asof)
			side_amount(s, PG_GETARG_DATUM(amountarg), other);
		else if (numeric_datum_is_special(PG_GETARG_DATUM(amountarg)))
			amount_not_finite();
	}
	if (s->in && (f->flags & FLOW_WINDOW))
	{
		TimestampTz c;

		if (closearg < 0 || PG_ARGISNULL(closearg))
			s->in = false;
		else
		{
			c = PG_GETARG_TIMESTAMPTZ(closearg);
			s->in = c >= f->close_from && c < f->close_to;
		}
	}
}

/*
 * One history row.  args: the argument numbers of changed_at, from_stage,
 * to_stage, from_amount, amount, from_close, close (-1: not passed); asof:
 * the state is an as-of one (its from is its to, and it has no window).
 * Inlined in each transition function, where args and asof are constants.
 */
static pg_attribute_always_inline void
flow_row(Flow *f, FunctionCallInfo fcinfo, const int *args, bool asof)
{
	TimestampTz at;
	Side		b;
	Side		a;
	FunnelDefCache *dc = NULL;
	FunnelDef  *def = NULL;		/* the definition of the last stage index taken */

	if (PG_ARGISNULL(args[0]))
		return;					/* no time: not in any moment's pipeline */
	at = PG_GETARG_TIMESTAMPTZ(args[0]);
	if (at > f->to)
		return;
	/* what is read of a side without a stage (the rest is set below) */
	b.has_stage = a.has_stage = false;
	b.has_amount = a.has_amount = false;
	b.in = a.in = false;
	flow_side(f, fcinfo, &b, &a, args[1], args[3], args[5], asof, &dc, &def);
	flow_side(f, fcinfo, &a, &b, args[2], args[4], args[6], asof, &dc, &def);
	if (dc == NULL)
		return;					/* neither side has a stage */
	if (!OidIsValid(f->stage_type))
		f->stage_type = dc->typid;
	else if (f->stage_type != dc->typid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine pipeline flows of funnels %s and %s",
						funnel_type_name(f->stage_type, false), format_type_be(dc->typid))));
	funnel_state_touch(&f->st);

	if (at <= f->from)
	{
		/* the opening pipeline: a plain delta */
		if (b.in)
			add(f, B_START, &b, -1, NULL, amt(&b));
		if (a.in)
			add(f, B_START, &a, 1, amt(&a), NULL);
		return;
	}

	if (b.in && a.in)
	{
		if (b.idx != a.idx)
		{
			int			bucket = def->stages[a.idx].open_index > def->stages[b.idx].open_index
				? B_ADVANCED : B_REGRESSED;

			/* the deal moves with its old amount; a new amount follows below */
			add(f, bucket, &b, -1, NULL, amt(&b));
			add(f, bucket, &a, 1, amt(&b), NULL);
			f->moves[bucket]++;
		}
	}
	if (b.in)
	{
		/* an amount change of a deal in the pipeline, at its stage after the move */
		Side	   *at_side = a.in ? &a : &b;
		int			cmp;

		if (b.has_amount && a.has_amount)
			cmp = numval_cmp(&a.amount, &b.amount);
		else if (a.has_amount)
			cmp = numval_sign(&a.amount);
		else if (b.has_amount)
			cmp = -numval_sign(&b.amount);
		else
			cmp = 0;
		if (cmp != 0)
		{
			int			bucket = cmp > 0 ? B_INCREASED : B_DECREASED;

			add(f, bucket, at_side, 0, amt(&a), amt(&b));
			f->moves[bucket]++;
		}
		if (!a.in)
		{
			/* leaves the pipeline with its new amount */
			int			bucket = !a.has_stage ? B_PUSHED_OUT :
				a.outcome == FUNNEL_WON ? B_WON :
				a.outcome == FUNNEL_LOST ? B_LOST : B_PUSHED_OUT;

			add(f, bucket, &b, -1, NULL, amt(&a));
			f->moves[bucket]++;
		}
	}
	else if (a.in)
	{
		int			bucket = !b.has_stage ? B_CREATED :
			b.outcome != FUNNEL_OPEN ? B_REOPENED : B_PULLED_IN;

		add(f, bucket, &a, 1, amt(&a), NULL);
		f->moves[bucket]++;
	}
}

/* A moment argument: neither NULL (22004) nor infinite (22023).  Inlined: per row. */
static pg_attribute_always_inline TimestampTz
moment_arg(FunctionCallInfo fcinfo, int n, const char *what, const char *fname)
{
	TimestampTz t;

	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: %s must not be NULL", fname, what)));
	t = PG_GETARG_TIMESTAMPTZ(n);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must be finite", fname, what)));
	return t;
}

/*
 * funnel.pipeline_as_of(as_of, changed_at, from_stage, to_stage
 *                       [, from_amount, amount])
 */
PG_FUNCTION_INFO_V1(pipeline_as_of_transfn);
Datum
pipeline_as_of_transfn(PG_FUNCTION_ARGS)
{
	const char *fname = "funnel.pipeline_as_of";
	Flow	   *f = (Flow *) funnel_state_transition(&flow_type, fcinfo, fname);
	TimestampTz as_of = moment_arg(fcinfo, 1, "as_of", fname);
	bool		amounts = PG_NARGS() > 5;
	static const int with_amounts[7] = {2, 3, 4, 5, 6, -1, -1};
	static const int stages_only[7] = {2, 3, 4, -1, -1, -1, -1};

	if (!flow_frame_same(f, FLOW_AS_OF, amounts ? FLOW_AMOUNTS : 0, as_of, as_of, 0, 0))
		flow_set_frame(f, FLOW_AS_OF, amounts ? FLOW_AMOUNTS : 0, as_of, as_of, 0, 0);
	if (amounts)
		flow_row(f, fcinfo, with_amounts, true);
	else
		flow_row(f, fcinfo, stages_only, true);
	PG_RETURN_FLOW(f);
}

/*
 * funnel.pipeline_waterfall("from", "to", changed_at, from_stage, to_stage,
 *     from_amount, amount [, from_close_date, close_date, close_from, close_to])
 */
PG_FUNCTION_INFO_V1(pipeline_waterfall_transfn);
Datum
pipeline_waterfall_transfn(PG_FUNCTION_ARGS)
{
	const char *fname = "funnel.pipeline_waterfall";
	Flow	   *f = (Flow *) funnel_state_transition(&flow_type, fcinfo, fname);
	TimestampTz from = moment_arg(fcinfo, 1, "from", fname);
	TimestampTz to = moment_arg(fcinfo, 2, "to", fname);
	bool		window = PG_NARGS() > 10;
	TimestampTz close_from = 0;
	TimestampTz close_to = 0;
	static const int with_window[7] = {3, 4, 5, 6, 7, 8, 9};
	static const int no_window[7] = {3, 4, 5, 6, 7, -1, -1};

	if (from > to)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: from must not be after to", fname)));
	if (window)
	{
		close_from = moment_arg(fcinfo, 10, "close_from", fname);
		close_to = moment_arg(fcinfo, 11, "close_to", fname);
		if (close_from > close_to)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: close_from must not be after close_to", fname)));
	}
	if (!flow_frame_same(f, FLOW_WATERFALL, FLOW_AMOUNTS | (window ? FLOW_WINDOW : 0),
						 from, to, close_from, close_to))
		flow_set_frame(f, FLOW_WATERFALL, FLOW_AMOUNTS | (window ? FLOW_WINDOW : 0),
					   from, to, close_from, close_to);
	if (window)
		flow_row(f, fcinfo, with_window, false);
	else
		flow_row(f, fcinfo, no_window, false);
	PG_RETURN_FLOW(f);
}

/* combine function, and transition function of rollup(pipeline_flow) */
PG_FUNCTION_INFO_V1(pipeline_flow_combine);
Datum
pipeline_flow_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&flow_type, fcinfo, "funnel.rollup");
}

/* ------------------------------------------------------------------------
 * Reports
 * ------------------------------------------------------------------------
 */

/* a stage's figures within one bucket, or summed over buckets */
typedef struct Figures
{
	int64		deals;
	Datum		amount;			/* numeric */
	Datum		weighted;		/* numeric */
} Figures;

/* numeric 0 */
static Datum
zero(void)
{
	return NumericGetDatum(int64_to_numeric(0));
}

/* A slot's net amount: added - taken away. */
static Datum
slot_amount(FlowSlot *s)
{
	Numeric		p = numsum_total(&s->plus);
	Numeric		m = numsum_total(&s->minus);
	Datum		r = p ? NumericGetDatum(p) : zero();

	if (m)
		r = DirectFunctionCall2(numeric_sub, r, NumericGetDatum(m));
	return r;
}

/* The current definition of the flow's funnel. */
static FunnelDef *
flow_def(FunctionCallInfo fcinfo, Flow *f)
{
	FunnelDefCache *dc = flow_defcache(fcinfo, f->stage_type);

	return dc->def;
}

/*
 * Sum the slots of the buckets in [b0, b1] per stage index (out[nstages])
 * and in total.  Probabilities are the stage's current ones (none: 0).
 */
static void
flow_figures(FunctionCallInfo fcinfo, Flow *f, int b0, int b1, Figures *per_stage, Figures *total)
{
	FunnelDefCache *dc;
	FunnelDef  *def;
	int			i;

	total->deals = 0;
	total->amount = zero();
	total->weighted = zero();
	if (!OidIsValid(f->stage_type))
		return;
	dc = flow_defcache(fcinfo, f->stage_type);
	def = dc->def;
	if (per_stage)
		for (i = 0; i < def->nstages; i++)
		{
			per_stage[i].deals = 0;
			per_stage[i].amount = zero();
			per_stage[i].weighted = zero();
		}
	for (i = 0; i < f->nslots; i++)
	{
		FlowSlot   *s = &f->slots[i];
		int			idx;
		Datum		a;
		Datum		w;

		if (s->bucket < b0 || s->bucket > b1)
			continue;
		idx = funnel_stage_index(dc, s->label, &def);
		a = slot_amount(s);
		w = def->stages[idx].has_probability
			? DirectFunctionCall2(numeric_mul, a,
								  DirectFunctionCall1(float8_numeric, Float8GetDatum(def->stages[idx].probability)))
			: zero();
		if (pg_add_s64_overflow(total->deals, s->deals, &total->deals))
			count_overflow();
		total->amount = DirectFunctionCall2(numeric_add, total->amount, a);
		total->weighted = DirectFunctionCall2(numeric_add, total->weighted, w);
		if (per_stage && idx < def->nstages)
		{
			per_stage[idx].deals += s->deals;
			per_stage[idx].amount = DirectFunctionCall2(numeric_add, per_stage[idx].amount, a);
			per_stage[idx].weighted = DirectFunctionCall2(numeric_add, per_stage[idx].weighted, w);
		}
	}
}

/* funnel.open_stages(f): the open pipeline at the state's moment (as_of, or to), per stage */
PG_FUNCTION_INFO_V1(pipeline_flow_open_stages);
Datum
pipeline_flow_open_stages(PG_FUNCTION_ARGS)
{
	Flow	   *f = PG_GETARG_FLOW(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FunnelDef  *def;
	Figures    *per;
	Figures		total;
	int			i;
	static const Oid columns[5] = {INT4OID, TEXTOID, INT8OID, NUMERICOID, NUMERICOID};

	funnel_srf_init(fcinfo, "funnel.open_stages", columns, 5, 5);
	if (!OidIsValid(f->stage_type))
		PG_RETURN_NULL();
	def = flow_def(fcinfo, f);
	per = palloc(sizeof(Figures) * def->nstages);
	flow_figures(fcinfo, f, 0, FLOW_NB - 1, per, &total);
	def = flow_defcache(fcinfo, InvalidOid)->def;
	for (i = 0; i < def->nstages; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		if (def->stages[i].outcome != FUNNEL_OPEN)
			continue;
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(def->stages[i].label);
		values[2] = Int64GetDatum(per[i].deals);
		values[3] = per[i].amount;
		values[4] = per[i].weighted;
		if (!(f->flags & FLOW_AMOUNTS))
			nulls[3] = nulls[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/* funnel.waterfall(f): the bridge from the opening to the closing pipeline */
PG_FUNCTION_INFO_V1(pipeline_flow_waterfall);
Datum
pipeline_flow_waterfall(PG_FUNCTION_ARGS)
{
	Flow	   *f = PG_GETARG_FLOW(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			b;
	static const Oid columns[6] = {INT4OID, TEXTOID, INT8OID, INT8OID, NUMERICOID, NUMERICOID};

	funnel_srf_init(fcinfo, "funnel.waterfall", columns, 6, 6);
	for (b = 0; b <= FLOW_NB; b++)
	{
		Figures		fig;
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		if (b == FLOW_NB)
			flow_figures(fcinfo, f, 0, FLOW_NB - 1, NULL, &fig);
		else
			flow_figures(fcinfo, f, b, b, NULL, &fig);
		values[0] = Int32GetDatum(b + 1);
		values[1] = CStringGetTextDatum(bucket_names[b]);
		values[2] = Int64GetDatum(f->moves[b < FLOW_NB ? b : 0]);
		if (b == B_START || b == FLOW_NB)
			nulls[2] = true;
		values[3] = Int64GetDatum(fig.deals);
		values[4] = fig.amount;
		values[5] = fig.weighted;
		if (!(f->flags & FLOW_AMOUNTS))
			nulls[4] = nulls[5] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/* the closing pipeline's deal count */
PG_FUNCTION_INFO_V1(pipeline_flow_open_count);
Datum
pipeline_flow_open_count(PG_FUNCTION_ARGS)
{
	Flow	   *f = PG_GETARG_FLOW(0);
	Figures		fig;

	flow_figures(fcinfo, f, 0, FLOW_NB - 1, NULL, &fig);
	PG_RETURN_INT64(fig.deals);
}

/* the closing pipeline's amount (NULL without amounts) */
PG_FUNCTION_INFO_V1(pipeline_flow_open_value);
Datum
pipeline_flow_open_value(PG_FUNCTION_ARGS)
{
	Flow	   *f = PG_GETARG_FLOW(0);
	Figures		fig;

	if (!(f->flags & FLOW_AMOUNTS))
		PG_RETURN_NULL();
	flow_figures(fcinfo, f, 0, FLOW_NB - 1, NULL, &fig);
	PG_RETURN_DATUM(fig.amount);
}

/* the closing pipeline's probability-weighted amount (NULL without amounts) */
PG_FUNCTION_INFO_V1(pipeline_flow_weighted_value);
Datum
pipeline_flow_weighted_value(PG_FUNCTION_ARGS)
{
	Flow	   *f = PG_GETARG_FLOW(0);
	Figures		fig;

	if (!(f->flags & FLOW_AMOUNTS))
		PG_RETURN_NULL();
	flow_figures(fcinfo, f, 0, FLOW_NB - 1, NULL, &fig);
	PG_RETURN_DATUM(fig.weighted);
}

/* ------------------------------------------------------------------------
 * For other files (open_value.h)
 * ------------------------------------------------------------------------
 */

/*
 * The open deals and amounts per stage of a stored pipeline_flow at its
 * moment (as_of, or "to"): every bucket's slots summed per stage, as
 * open_stages() sums them (open_value.h).
 */
void
funnel_flow_open_value(Datum d, FunnelDefCache *dc, OpenValue *out)
{
	Flow	   *f = (Flow *) funnel_state_get(&flow_type, d);
	FunnelDef  *def;
	FunnelDef  *used;
	int		   *idx;
	int			i;

	memset(out, 0, sizeof(OpenValue));
	out->stage_type = f->stage_type;
	out->has_amounts = (f->flags & FLOW_AMOUNTS) != 0;
	if (!OidIsValid(f->stage_type))
		return;
	used = funnel_def_cached(dc, f->stage_type);
	idx = palloc(sizeof(int) * Max(f->nslots, 1));
	do
	{
		def = used;
		for (i = 0; i < f->nslots; i++)
			idx[i] = funnel_stage_index(dc, f->slots[i].label, &used);
	} while (used != def);
	out->def = def;
	out->deals = palloc0(sizeof(int64) * def->nstages);
	out->amount = palloc0(sizeof(Numeric) * def->nstages);
	for (i = 0; i < f->nslots; i++)
	{
		FlowSlot   *s = &f->slots[i];
		Datum		a;

		if (def->stages[idx[i]].outcome != FUNNEL_OPEN)
			continue;
		if (pg_add_s64_overflow(out->deals[idx[i]], s->deals, &out->deals[idx[i]]))
			count_overflow();
		if (!out->has_amounts || (s->plus.count == 0 && s->minus.count == 0))
			continue;
		a = slot_amount(s);
		out->amount[idx[i]] = out->amount[idx[i]] == NULL ? DatumGetNumeric(a)
			: DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(out->amount[idx[i]]), a));
	}
	pfree(idx);
}
