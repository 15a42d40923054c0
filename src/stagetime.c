/*
 * stagetime.c
 *		funnel.stage_value: time in stage and the amount-weighted funnel of a
 *		whole pipeline, from one journey and one amount per deal; its I/O,
 *		rollup, and funnel.stage_time_report -- the chart as rows.
 *
 * Per stage label: the deals that reached it under each report policy
 * (linear, entered, strict: summary.h, the rules of funnel.stage_report)
 * and the exact sums of their amounts (numsum.c; a NULL amount counts as a
 * deal without amount); the deals whose last event is the stage (in it
 * now); and the stage's completed visits -- a visit ends when the next
 * event begins, so a deal still in a stage adds nothing there -- as a
 * quantile sketch of their lengths (sketch.c: exact up to 1024 values,
 * within 1% above), the exact sum of their lengths in microseconds, and,
 * over the visits of deals with an amount, the exact sums of amount x
 * length and of the amounts, for the amount-weighted average.  Per state:
 * the deals and the NULL journeys skipped.
 *
 * Funnels that change: as funnel.summary's, a state keeps the definition
 * its reach counts were made under (labels in funnel order, outcomes) and
 * carries them over to the current one before any merge or report
 * (a FunnelDefRecord, defrecord.c: stages added since, renamed
 * labels); a change that cannot be carried over is 55000, never a wrong
 * figure.  The deals of an old state never entered an added stage: it is
 * reached under the linear policy by the deals that reached the next old
 * open stage, and the strict prefixes end before the first added open
 * stage.  Entries, amounts of entries, times and "in it now" are per label
 * and never change.
 *
 * In memory the state is an expanded object (state.h).  Flat form (version
 * 1): u8 version | u32 type | i64 deals, skipped | u32 d | d x (u32 label |
 * u8 outcome) | u32 n | n x (u32 label | 3 x i64 reached | 3 x numsum value
 * | i64 current | sketch time | numsum time sum | numsum weighted | numsum
 * weight), stages in label-OID order.  send writes the body in the portable
 * form (type and labels by name, wire_names.c).  Text form: JSON naming the
 * type and labels, sums as "count:sum".
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "defrecord.h"
#include "duration.h"
#include "journey.h"
#include "numsum.h"
#include "registry_names.h"
#include "sketch_pg.h"
#include "srf.h"
#include "state.h"
#include "summary.h"
#include "textform.h"
#include "wire.h"

#define SV_VERSION 1
#define SV_TYPE "funnel.stage_value"
#define USECS_PER_DAY_F 86400000000.0

typedef struct SvStage
{
	Oid			label;			/* first: funnel_label_cmp sorts by it */
	int64		reached[POL_COUNT]; /* deals that reached the stage, per policy */
	NumSum		value[POL_COUNT];	/* their amounts (the deals with one) */
	int64		current;		/* deals whose last event is this stage */
	QSketch		time;			/* completed visits, microseconds */
	NumSum		time_sum;		/* their total, microseconds */
	NumSum		weighted;		/* amount x microseconds, visits of deals with an amount */
	NumSum		weight;			/* the amounts of those visits */
} SvStage;

typedef struct StageValue
{
	FunnelState st;				/* first: expanded-object header, cached flat form */
	MemoryContext cxt;
	Oid			stage_type;
	int64		deals;
	int64		skipped;		/* NULL journeys */
	int			nslots;
	int			capslots;
	SvStage    *slots;
	/* the definition the reach counts were made under (n = 0: empty state) */
	FunnelDefRecord under;
} StageValue;

/* funnel.stage_value in the state skeleton (state.h), defined below its functions */
static const FunnelStateType sv_type;

/* a stage_value argument, read-only (state.h) */
#define ARG_SV(n) ((StageValue *) funnel_state_get(&sv_type, PG_GETARG_DATUM(n)))

/* this call site's funnel definition cache (its fn_extra holds only that) */
static FunnelDefCache *
sv_defcache(FunctionCallInfo fcinfo)
{
	return (FunnelDefCache *) funnel_fn_cache(fcinfo, sizeof(FunnelDefCache));
}

/* a new, empty state allocated in cxt */
static FunnelState *
sv_create(MemoryContext cxt)
{
	StageValue *s = MemoryContextAllocZero(cxt, sizeof(StageValue));

	funnel_state_init(&s->st, &sv_type, cxt);
	s->cxt = cxt;
	return &s->st;
}

/* The slot of label, or NULL. */
static SvStage *
sv_find(StageValue *s, Oid label)
{
	int			i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].label == label)
			return &s->slots[i];
	return NULL;
}

/* The slot of label, made (empty) if missing. */
static SvStage *
sv_slot(StageValue *s, Oid label)
{
	SvStage    *st = sv_find(s, label);
	QSAllocator a;
	int			k;

	if (st != NULL)
		return st;
	if (s->nslots == s->capslots)
	{
		int			cap = s->capslots ? s->capslots * 2 : 8;

		s->slots = s->slots ? repalloc(s->slots, cap * sizeof(SvStage))
			: MemoryContextAlloc(s->cxt, cap * sizeof(SvStage));
		s->capslots = cap;
	}
	st = &s->slots[s->nslots++];
	memset(st, 0, sizeof(SvStage));
	st->label = label;
	for (k = 0; k < POL_COUNT; k++)
		numsum_init(&st->value[k]);
	numsum_init(&st->time_sum);
	numsum_init(&st->weighted);
	numsum_init(&st->weight);
	a = funnel_qs_allocator(s->cxt);
	qs_init(&st->time, &a);
	return st;
}

/* *dst += v, 22003 past 2^63 - 1 */
static void
sv_add_count(int64 *dst, int64 v)
{
	funnel_add_count(dst, v, SV_TYPE);
}

/* Record def as the definition of s's reach counts. */
static void
sv_set_def(StageValue *s, const FunnelDef *def)
{
	defrec_set(&s->under, def, s->cxt);
	funnel_state_touch(&s->st);
}

/*
 * Rewrite s's reach counts and their amounts, made under the definition s
 * records, into what one pass over the same deals gives under def (see the
 * header comment); 55000 when they cannot be carried over.
 */
static void
sv_normalize(StageValue *s, const FunnelDef *def)
{
	bool	   *is_new;
	const char *problem;
	SvStage    *carry = NULL;	/* the next old open stage, walking back */
	bool		cut = false;	/* past the first added open stage */
	int			i;

	if (s->under.n == 0)
	{
		sv_set_def(s, def);
		return;
	}
	if (defrec_is(&s->under, def))
		return;
	is_new = palloc(sizeof(bool) * Max(def->nstages, 1));
	problem = defrec_carry_problem(&s->under, def, "stage_value", is_new);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a funnel.stage_value of %s was made under a definition that cannot be carried over to the current one",
						def->type_name),
				 errdetail_internal("%s", problem),
				 errhint("Build the stage_value again from the journeys (or the history table).")));

	/* linear: an added open stage is reached by those who reached the next old one */
	for (i = def->nstages - 1; i >= 0; i--)
	{
		const FunnelStage *fs = &def->stages[i];

		if (fs->outcome != FUNNEL_OPEN)
			continue;
		if (!is_new[i])
			carry = sv_find(s, fs->label_oid);
		else if (carry != NULL && carry->reached[POL_LINEAR] > 0)
		{
			SvStage    *st;
			Oid			from = carry->label;

			st = sv_slot(s, fs->label_oid);	/* may move the slots */
			carry = sv_find(s, from);
			st->reached[POL_LINEAR] = carry->reached[POL_LINEAR];
			numsum_init(&st->value[POL_LINEAR]);
			numsum_merge(&st->value[POL_LINEAR], &carry->value[POL_LINEAR], s->cxt);
		}
	}
	/* strict: every prefix ends before the first added open stage */
	for (i = 0; i < def->nstages; i++)
	{
		const FunnelStage *fs = &def->stages[i];
		SvStage    *st;

		if (fs->outcome != FUNNEL_OPEN)
			continue;
		cut |= is_new[i];
		if (cut && (st = sv_find(s, fs->label_oid)) != NULL)
		{
			st->reached[POL_STRICT] = 0;
			numsum_init(&st->value[POL_STRICT]);
		}
	}
	sv_set_def(s, def);
	pfree(is_new);
}

/*
 * s (read-only) with its counts under def: s itself when they were made
 * under def, else a carried-over copy in the current context.
 */
static StageValue *
sv_under(StageValue *s, const FunnelDef *def)
{
	StageValue *own;

	if (defrec_is(&s->under, def))
		return s;
	own = (StageValue *) funnel_state_copy(&s->st, CurrentMemoryContext);
	sv_normalize(own, def);
	return own;
}

/* 22023: states (or journeys) of two funnels met */
static void
sv_refuse_types(Oid a, Oid b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine stage times of funnels %s and %s",
					funnel_type_name(a, false), funnel_type_name(b, false))));
}

/*
 * dst += src (src read-only); counts made under different definitions are
 * first carried over to the current one (fcinfo's cache gives it; without
 * fcinfo, funnel_state_copy, dst is empty).
 */
static void
sv_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	StageValue *dst = (StageValue *) dstst;
	StageValue *src = (StageValue *) srcst;
	int			i;
	int			k;

	sv_add_count(&dst->skipped, src->skipped);
	funnel_state_touch(&dst->st);
	if (!OidIsValid(src->stage_type))
		return;
	if (!OidIsValid(dst->stage_type))
		dst->stage_type = src->stage_type;
	else if (dst->stage_type != src->stage_type)
		sv_refuse_types(dst->stage_type, src->stage_type);
	if (dst->under.n == 0 && dst->nslots == 0)
		defrec_copy(&dst->under, &src->under, dst->cxt);
	else if (!defrec_same(&dst->under, &src->under))
	{
		const FunnelDef *def;

		if (fcinfo == NULL)
			elog(ERROR, "stage_value states of different definitions merged without a definition cache");
		def = funnel_def_cached(sv_defcache(fcinfo), dst->stage_type);
		sv_normalize(dst, def);
		src = sv_under(src, def);
	}
	sv_add_count(&dst->deals, src->deals);
	for (i = 0; i < src->nslots; i++)
	{
		SvStage    *o = &src->slots[i];
		SvStage    *d = sv_slot(dst, o->label);

		for (k = 0; k < POL_COUNT; k++)
		{
			sv_add_count(&d->reached[k], o->reached[k]);
			numsum_merge(&d->value[k], &o->value[k], dst->cxt);
		}
		sv_add_count(&d->current, o->current);
		funnel_qs_check(qs_merge(&d->time, &o->time), "times in stage");
		numsum_merge(&d->time_sum, &o->time_sum, dst->cxt);
		numsum_merge(&d->weighted, &o->weighted, dst->cxt);
		numsum_merge(&d->weight, &o->weight, dst->cxt);
	}
	funnel_state_touch(&dst->st);
}

/* ------------------------------------------------------------------------
 * Flat form
 * ------------------------------------------------------------------------
 */

/* the stages in label-OID order (equal states, equal bytes): a sorted copy */
static SvStage *
sv_sorted(StageValue *s)
{
	StaticAssertStmt(offsetof(SvStage, label) == 0, "funnel_label_cmp sorts by the first field");
	return funnel_sorted_copy(s->slots, s->nslots, sizeof(SvStage), funnel_label_cmp);
}

/* The flat body (see the header comment); s is only read. */
static void
sv_write(StringInfo buf, FunnelState *state, WireNames *names)
{
	StageValue *s = (StageValue *) state;
	SvStage    *sorted = sv_sorted(s);
	int			i;
	int			k;

	wire_put_u8(buf, SV_VERSION);
	wire_put_type(buf, names, s->stage_type);
	wire_put_i64(buf, s->deals);
	wire_put_i64(buf, s->skipped);
	defrec_wire_write(buf, names, &s->under);
	wire_put_u32(buf, (uint32) s->nslots);
	for (i = 0; i < s->nslots; i++)
	{
		SvStage    *st = &sorted[i];

		wire_put_label(buf, names, st->label);
		for (k = 0; k < POL_COUNT; k++)
			wire_put_i64(buf, st->reached[k]);
		for (k = 0; k < POL_COUNT; k++)
			numsum_write(buf, &st->value[k]);
		wire_put_i64(buf, st->current);
		funnel_sketch_wire_write(buf, &st->time);
		numsum_write(buf, &st->time_sum);
		numsum_write(buf, &st->weighted);
		numsum_write(buf, &st->weight);
	}
	pfree(sorted);
}

/* The sign of a finite numeric (-1, 0, 1). */
static int
sv_numeric_sign(Numeric n)
{
	int			c = DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
													  NumericGetDatum(int64_to_numeric(0))));

	return c < 0 ? -1 : c > 0;
}

/* The sign of a sum (-1, 0, 1); 0 when it has no value (no numeric made while fixed point). */
static int
sv_sign(const NumSum *n)
{
	if (!n->big)
		return n->acc < 0 ? -1 : n->acc > 0;
	return sv_numeric_sign(n->numeric);
}

/*
 * The first inconsistency of a state, or NULL: the cross-checks of the
 * binary and text readers (live = false), and the invariants of a live
 * state (live = true: sketches are checked without being sorted).
 */
static const char *
sv_problem(StageValue *s, bool live)
{
	const char *problem;
	int			i;
	int			j;
	int			k;

	if (live && (s->nslots < 0 || s->nslots > s->capslots))
		return "slot count beyond the slots";
	if (s->deals < 0 || s->skipped < 0)
		return "deal counts are negative";
	if ((s->deals > 0 || s->nslots > 0 || s->under.n > 0) && !OidIsValid(s->stage_type))
		return "stages without a funnel type";
	if (s->nslots > FUNNEL_MAX_STAGES)
		return "too many stages";
	if (s->deals > 0 && s->under.n == 0)
		return "deals without a definition";
	if ((problem = defrec_problem(&s->under)) != NULL)
		return problem;
	for (i = 0; i < s->nslots; i++)
	{
		SvStage    *st = &s->slots[i];

		if (!defrec_has(&s->under, st->label))
			return "a stage is not in the definition";
		for (j = 0; j < i; j++)
			if (s->slots[j].label == st->label)
				return "a stage appears twice";
		for (k = 0; k < POL_COUNT; k++)
			if (st->reached[k] < 0 || st->reached[k] > s->deals || st->value[k].count > st->reached[k] ||
				st->value[k].count < 0)
				return "reach counts are inconsistent";
		if (st->current < 0 || st->current > st->reached[POL_ENTERED])
			return "in-stage counts are inconsistent";
		if (st->time_sum.count != (int64) qs_count(&st->time) ||
			st->weighted.count != st->weight.count || st->weight.count > st->time_sum.count ||
			st->weight.count < 0)
			return "visit counts are inconsistent";
		if (sv_sign(&st->time_sum) < 0)
			return "a negative total time in stage";
		problem = live ? funnel_sketch_problem(&st->time) : funnel_duration_sketch_problem(&st->time, "time in stage");
		if (problem != NULL)
			return problem;
	}
	return NULL;
}

#ifdef FUNNEL_CHECK_INVARIANTS
/* The invariants of a live state (state.h). */
static const char *
sv_check(const void *state)
{
	return sv_problem((StageValue *) state, true);
}
#endif

/* The type must be an enum and every label one of its labels (recv). */
static void
sv_check_labels(StageValue *s)
{
	if (OidIsValid(s->stage_type) && get_typtype(s->stage_type) != TYPTYPE_ENUM)
		wire_error(SV_TYPE, "type %u is not an enum", s->stage_type);
	defrec_check_labels(&s->under, s->stage_type, SV_TYPE);
}

/*
 * A flat body read into a new state in parent and validated (22P03); with
 * check_catalog (recv) its type and labels are checked against the
 * catalog; names: a portable body's dictionary (or NULL: OIDs).
 */
static FunnelState *
sv_read(const char *data, Size len, MemoryContext parent, bool check_catalog, const WireNames *names)
{
	StageValue *s = (StageValue *) sv_create(parent);
	WireReader	r = {data, len, 0, SV_TYPE, names};
	uint32		n;
	uint32		i;
	int			k;

	if (wire_get_u8(&r, "version") != SV_VERSION)
		wire_bad(&r, "unknown format version");
	s->stage_type = wire_get_type(&r, "stage type");
	s->deals = wire_get_i64(&r, "deals");
	s->skipped = wire_get_i64(&r, "skipped");
	defrec_wire_read(&r, &s->under, s->cxt);
	n = wire_get_u32(&r, "stage count");
	if (n > FUNNEL_MAX_STAGES)
		wire_bad(&r, "too many stages");
	for (i = 0; i < n; i++)
	{
		Oid			label = wire_get_label(&r, "stage label");
		SvStage    *st;

		if (sv_find(s, label) != NULL)
			wire_bad(&r, "a stage appears twice");
		st = sv_slot(s, label);
		for (k = 0; k < POL_COUNT; k++)
			st->reached[k] = wire_get_i64(&r, "reached");
		for (k = 0; k < POL_COUNT; k++)
			numsum_read(&r, &st->value[k], s->cxt);
		st->current = wire_get_i64(&r, "current");
		qs_free(&st->time);
		qs_wire_read(&r, &st->time, s->cxt);
		numsum_read(&r, &st->time_sum, s->cxt);
		numsum_read(&r, &st->weighted, s->cxt);
		numsum_read(&r, &st->weight, s->cxt);
	}
	wire_end(&r);
	if (check_catalog)
		sv_check_labels(s);
	funnel_state_refuse(SV_TYPE, true, sv_problem(s, false));
	return &s->st;
}

/* funnel.stage_value in the state skeleton (state.h) */
static const FunnelStateType sv_type = {
	FUNNEL_EXPANDED_METHODS,
	SV_TYPE,
	sv_create,
	sv_write,
	sv_read,
	sv_merge,
	FUNNEL_CHECKER(sv_check),
	true						/* holds its type's and labels' OIDs */
};

/*
 * Final function of funnel.stage_times and funnel.rollup(stage_value): the state,
 * handed to its reports without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(stage_value_final);
Datum
stage_value_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&sv_type, fcinfo);
}

/* ------------------------------------------------------------------------
 * Text form
 * ------------------------------------------------------------------------
 */

/* Append a sum as the JSON string "count:sum". */
static void
sv_sum_out(StringInfo buf, const NumSum *n)
{
	appendStringInfoChar(buf, '"');
	numsum_out(buf, n);
	appendStringInfoChar(buf, '"');
}

/* text output: the JSON form, stages in label-OID order */
PG_FUNCTION_INFO_V1(stage_value_out);
Datum
stage_value_out(PG_FUNCTION_ARGS)
{
	StageValue *s = ARG_SV(0);
	SvStage    *sorted = sv_sorted(s);
	StringInfoData buf;
	int			i;
	int			k;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"type\":", SV_VERSION);
	if (OidIsValid(s->stage_type))
		append_json_string(&buf, funnel_type_name(s->stage_type, true));
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ",\"deals\":" INT64_FORMAT ",\"skipped\":" INT64_FORMAT ",\"order\":",
					 s->deals, s->skipped);
	defrec_json_write(&buf, &s->under);
	appendStringInfoString(&buf, ",\"stages\":[");
	for (i = 0; i < s->nslots; i++)
	{
		SvStage    *st = &sorted[i];

		appendStringInfoString(&buf, i ? ",{\"stage\":" : "{\"stage\":");
		append_json_string(&buf, funnel_label_name(st->label));
		appendStringInfo(&buf, ",\"reached\":[" INT64_FORMAT "," INT64_FORMAT "," INT64_FORMAT "],\"value\":[",
						 st->reached[0], st->reached[1], st->reached[2]);
		for (k = 0; k < POL_COUNT; k++)
		{
			if (k)
				appendStringInfoChar(&buf, ',');
			sv_sum_out(&buf, &st->value[k]);
		}
		appendStringInfo(&buf, "],\"current\":" INT64_FORMAT ",\"time\":", st->current);
		funnel_sketch_json_write(&buf, &st->time);
		appendStringInfoString(&buf, ",\"time_sum\":");
		sv_sum_out(&buf, &st->time_sum);
		appendStringInfoString(&buf, ",\"weighted\":");
		sv_sum_out(&buf, &st->weighted);
		appendStringInfoString(&buf, ",\"weight\":");
		sv_sum_out(&buf, &st->weight);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "]}");
	pfree(sorted);
	PG_RETURN_CSTRING(buf.data);
}

/* A "count:sum" string of the text form into n (22P02 otherwise). */
static void
sv_sum_in(JsonbValue *v, NumSum *n, MemoryContext cxt, const char *field)
{
	if (!numsum_in(jin_string(v, SV_TYPE, field), n, cxt))
		jin_bad(SV_TYPE, psprintf("\"%s\" must be \"count:sum\"", field));
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(stage_value_in);
Datum
stage_value_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), SV_TYPE);
	StageValue *s = (StageValue *) sv_create(CurrentMemoryContext);
	JsonbValue *v;
	JsonbContainer *arr;
	uint32		i;
	int			k;

	if (jin_int64(jin_get(obj, "version", true, SV_TYPE), SV_TYPE, "version") != SV_VERSION)
		jin_bad(SV_TYPE, "unknown version");
	v = jin_get(obj, "type", true, SV_TYPE);	/* NULL: the JSON null of an empty state */
	if (v != NULL)
		s->stage_type = jin_enum_type(jin_string(v, SV_TYPE, "type"), SV_TYPE);
	s->deals = jin_int64(jin_get(obj, "deals", true, SV_TYPE), SV_TYPE, "deals");
	s->skipped = jin_int64(jin_get(obj, "skipped", true, SV_TYPE), SV_TYPE, "skipped");
	defrec_json_read(jin_get(obj, "order", true, SV_TYPE), s->stage_type, &s->under, s->cxt, SV_TYPE,
					 "stage_value");
	arr = jin_array(jin_get(obj, "stages", true, SV_TYPE), SV_TYPE, "stages");
	if (jin_len(arr) > FUNNEL_MAX_STAGES)
		jin_bad(SV_TYPE, "too many stages");
	for (i = 0; i < jin_len(arr); i++)
	{
		JsonbContainer *e = jin_object(jin_at(arr, i), SV_TYPE, "a stage");
		Oid			label = defrec_json_label(jin_string(jin_get(e, "stage", true, SV_TYPE), SV_TYPE, "stage"),
											  s->stage_type, SV_TYPE, "stage_value");
		JsonbContainer *list;
		SvStage    *st;

		if (sv_find(s, label) != NULL)
			jin_bad(SV_TYPE, "a stage appears twice");
		st = sv_slot(s, label);
		list = jin_array(jin_get(e, "reached", true, SV_TYPE), SV_TYPE, "reached");
		if (jin_len(list) != POL_COUNT)
			jin_bad(SV_TYPE, "\"reached\" must be [linear, entered, strict]");
		for (k = 0; k < POL_COUNT; k++)
			st->reached[k] = jin_int64(jin_at(list, k), SV_TYPE, "reached");
		list = jin_array(jin_get(e, "value", true, SV_TYPE), SV_TYPE, "value");
		if (jin_len(list) != POL_COUNT)
			jin_bad(SV_TYPE, "\"value\" must be [linear, entered, strict]");
		for (k = 0; k < POL_COUNT; k++)
			sv_sum_in(jin_at(list, k), &st->value[k], s->cxt, "value");
		st->current = jin_int64(jin_get(e, "current", true, SV_TYPE), SV_TYPE, "current");
		qs_free(&st->time);
		qs_json_read(jin_get(e, "time", true, SV_TYPE), &st->time, s->cxt, SV_TYPE, "time");
		sv_sum_in(jin_get(e, "time_sum", true, SV_TYPE), &st->time_sum, s->cxt, "time_sum");
		sv_sum_in(jin_get(e, "weighted", true, SV_TYPE), &st->weighted, s->cxt, "weighted");
		sv_sum_in(jin_get(e, "weight", true, SV_TYPE), &st->weight, s->cxt, "weight");
	}
	funnel_state_refuse(SV_TYPE, false, sv_problem(s, false));
	PG_RETURN_DATUM(funnel_state_flat(&s->st));
}

/* binary output: the portable body (type and labels by name) */
PG_FUNCTION_INFO_V1(stage_value_send);
Datum
stage_value_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&sv_type, PG_GETARG_DATUM(0));
}

/* binary input: validated, against the catalog too (22P03) */
PG_FUNCTION_INFO_V1(stage_value_recv);
Datum
stage_value_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&sv_type, (StringInfo) PG_GETARG_POINTER(0));
}

/* ------------------------------------------------------------------------
 * Aggregates
 * ------------------------------------------------------------------------
 */

/* One deal (its journey, and its amount unless has_amount is false) into s. */
static void
sv_accum(StageValue *s, Journey *j, bool has_amount, Datum amount, FunnelDefCache *dc)
{
	JourneyFacts f;
	FunnelDef  *def;
	int			i;
	int			k;

	if (j->n == 0)
		return;
	if (!OidIsValid(s->stage_type))
		s->stage_type = j->stage_type;
	else if (s->stage_type != j->stage_type)
		sv_refuse_types(s->stage_type, j->stage_type);
	(void) funnel_def_cached(dc, j->stage_type);
	journey_facts(j, dc, &f);
	def = f.def;
	sv_normalize(s, def);		/* the state's counts under this definition */
	sv_add_count(&s->deals, 1);

	for (i = 0; i < def->nstages; i++)
	{
		bool		reach[POL_COUNT];
		SvStage    *slot;

		funnel_journey_reach(&f, i, reach);
		if (!reach[POL_LINEAR] && !reach[POL_ENTERED] && !reach[POL_STRICT])
			continue;
		slot = sv_slot(s, def->stages[i].label_oid);
		for (k = 0; k < POL_COUNT; k++)
			if (reach[k])
			{
				slot->reached[k]++;
				if (has_amount)
					numsum_add(&slot->value[k], amount, s->cxt);
			}
	}
	sv_slot(s, j->ev[j->n - 1].label)->current++;

	/* completed visits: every event but the last ends when the next one starts */
	for (i = 0; i + 1 < j->n; i++)
	{
		SvStage    *slot = sv_slot(s, j->ev[i].label);
		int64		us = funnel_span_usecs(j->ev[i].at, j->ev[i + 1].at);

		funnel_qs_check(qs_add(&slot->time, (double) us), "times in stage");
		numsum_add_int64(&slot->time_sum, us, s->cxt);
		if (has_amount)
		{
			numsum_add_times(&slot->weighted, amount, us, s->cxt);
			numsum_add(&slot->weight, amount, s->cxt);
		}
	}
	pfree(f.entries);
	pfree(f.event_stage);
	funnel_state_touch(&s->st);
}

/* funnel.stage_times(j funnel.journey, amount numeric): NULL journeys are counted as skipped */
PG_FUNCTION_INFO_V1(stage_value_transfn);
Datum
stage_value_transfn(PG_FUNCTION_ARGS)
{
	StageValue *s = (StageValue *) funnel_state_transition(&sv_type, fcinfo, "funnel.stage_times");
	FunnelDefCache *dc = sv_defcache(fcinfo);
	Datum		amount = (Datum) 0;
	bool		has_amount = !PG_ARGISNULL(2);

	if (PG_ARGISNULL(1))
	{
		sv_add_count(&s->skipped, 1);
		funnel_state_touch(&s->st);
		return funnel_state_result(&s->st);
	}
	if (has_amount)
	{
		amount = PG_GETARG_DATUM(2);
		if (numeric_datum_is_special(amount))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("deal amounts must be finite"),
					 errdetail("An amount is NaN or infinite.")));
	}
	sv_accum(s, journey_sorted(journey_from_datum(PG_GETARG_DATUM(1)), dc), has_amount, amount, dc);
	return funnel_state_result(&s->st);
}

/* combine function of funnel.stage_times, and transition function of rollup(stage_value) */
PG_FUNCTION_INFO_V1(stage_value_combine);
Datum
stage_value_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&sv_type, fcinfo, "funnel.stage_times");
}

/* ------------------------------------------------------------------------
 * The report
 * ------------------------------------------------------------------------
 */

/* a / b as float8 (numeric division, then rounded once); NULL b or zero b: false */
static bool
sv_ratio(Numeric a, Numeric b, double scale, float8 *out)
{
	Numeric		q;

	if (a == NULL || b == NULL || sv_numeric_sign(b) == 0)
		return false;
	q = DatumGetNumeric(DirectFunctionCall2(numeric_div, NumericGetDatum(a), NumericGetDatum(b)));
	*out = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(q))) / scale;
	return true;
}

/* A quantile of a sketch of microseconds in days; false when empty. */
static bool
sv_days_quantile(QSketch *qs, double p, float8 *out)
{
	QSketch		copy;
	QSketch    *view;
	double		us;

	if (qs_count(qs) == 0)
		return false;
	view = funnel_sketch_view(qs, &copy);
	funnel_qs_check(qs_quantile(view, p, &us), "times in stage");
	*out = us / USECS_PER_DAY_F;
	return true;
}

/*
 * stage_time_report(s, policy): one row per stage in funnel order --
 * position, stage, deals_reached and value_reached (under the policy; won
 * and lost stages: entered), share_of_top_value, left (completed visits),
 * avg_days, median_days, p90_days, amount_weighted_avg_days, in_stage_now.
 */
PG_FUNCTION_INFO_V1(stage_value_report);
Datum
stage_value_report(PG_FUNCTION_ARGS)
{
	static const Oid columns[11] = {INT4OID, TEXTOID, INT8OID, NUMERICOID, FLOAT8OID, INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, INT8OID};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	StageValue *s = ARG_SV(0);
	int			policy = funnel_report_policy(PG_GETARG_TEXT_PP(1), "stage_time_report");
	FunnelDef  *def;
	Numeric		top = NULL;
	bool		top_found = false;
	int			i;

	funnel_srf_init(fcinfo, "funnel.stage_time_report", columns, 11, 11);
	if (!OidIsValid(s->stage_type))
		return (Datum) 0;
	def = funnel_def_cached(sv_defcache(fcinfo), s->stage_type);
	s = sv_under(s, def);
	for (i = 0; i < def->nstages && !top_found; i++)
		if (def->stages[i].outcome == FUNNEL_OPEN)
		{
			SvStage    *st = sv_find(s, def->stages[i].label_oid);

			top = st ? numsum_total(&st->value[policy]) : NULL;
			top_found = true;
		}

	for (i = 0; i < def->nstages; i++)
	{
		FunnelStage *fs = &def->stages[i];
		SvStage    *st = sv_find(s, fs->label_oid);
		int			pol = fs->outcome == FUNNEL_OPEN ? policy : POL_ENTERED;
		Datum		values[11];
		bool		nulls[11] = {false};
		Numeric		value = st ? numsum_total(&st->value[pol]) : NULL;
		Numeric		left;
		float8		x;

		if (value == NULL)
			value = int64_to_numeric(0);
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(fs->label);
		values[2] = Int64GetDatum(st ? st->reached[pol] : 0);
		values[3] = NumericGetDatum(value);
		if (sv_ratio(value, top, 1.0, &x))
			values[4] = Float8GetDatum(x);
		else
			nulls[4] = true;
		values[5] = Int64GetDatum(st ? st->time_sum.count : 0);
		left = int64_to_numeric(st ? st->time_sum.count : 0);
		if (st && sv_ratio(numsum_total(&st->time_sum), left, USECS_PER_DAY_F, &x))
			values[6] = Float8GetDatum(x);
		else
			nulls[6] = true;
		if (st && sv_days_quantile(&st->time, 0.5, &x))
			values[7] = Float8GetDatum(x);
		else
			nulls[7] = true;
		if (st && sv_days_quantile(&st->time, 0.9, &x))
			values[8] = Float8GetDatum(x);
		else
			nulls[8] = true;
		if (st && sv_ratio(numsum_total(&st->weighted), numsum_total(&st->weight), USECS_PER_DAY_F, &x))
			values[9] = Float8GetDatum(x);
		else
			nulls[9] = true;
		values[10] = Int64GetDatum(st ? st->current : 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
