/*
 * learned.c
 *		funnel.stage_outcomes: stage-to-win probabilities learned from
 *		history.  For each open stage, the deals that were in it, followed
 *		from their first entry into it to their close or, while open, to
 *		as_of; from it per stage the Aalen-Johansen cumulative incidence of
 *		"won" (lost a competing outcome, open deals censored) at the end of
 *		follow-up -- the learned probability -- with its 95% band, the
 *		closed-only share won / (won + lost) and the counts; and the weighted
 *		pipeline by those probabilities.
 *
 * One journey per deal.  Only its events at or before as_of exist.  Its
 * outcome is funnel.outcome()'s on those events: the last event's, except
 * that an open stage entered after a won or lost one reopens the deal only
 * where the funnel allows reopening.  A won or lost deal closed when it last
 * entered the closed stages (the first of the run of won and lost events its
 * outcome comes from); an open one is censored at as_of.  Each open stage it
 * entered at or before that end counts once, on day floor((end - first
 * entry) / 1 day), as won, lost or censored.  Whole days and ties (events
 * before censoring) are those of funnel.winrate_curve, whose estimator
 * (survival.c) this shares: per stage, the state keeps a survival table.
 *
 * Outcomes are counted under the funnel definition of the time, so the
 * state keeps the outcome of every stage it was counted under (sorted by
 * label OID).  States merge when no stage has two outcomes; a report on a
 * state whose stage has changed its outcome since (funnel.set_outcome) is an
 * error (55000), never a wrong figure; stages added or renamed since change
 * nothing (no deal of the state entered an added stage).
 *
 * In memory the state is an expanded object (state.h).  Flat form
 * (version 1), big-endian (wire.h):
 *	 u8 version | u32 stage type | u32 d | d x (u32 label | u8 outcome) |
 *	 u32 n | n x (u32 label | survival entries (survival.h))
 * definitions and stages in label-OID order; send writes the same body in
 * the portable form (type and labels by name, wire_names.c).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "duration.h"
#include "journey.h"
#include "metrics.h"
#include "open_value.h"
#include "registry.h"
#include "registry_names.h"
#include "srf.h"
#include "state.h"
#include "survival.h"
#include "textform.h"
#include "wire.h"

#define SO_VERSION 1
#define SO_TYPE "funnel.stage_outcomes"

/* a stage's outcome when the state counted deals */
typedef struct SoDef
{
	Oid			label;
	uint8		outcome;		/* FunnelOutcome */
} SoDef;

/* an open stage entered by some deal: its outcomes by day since first entry */
typedef struct SoSlot
{
	Oid			label;
	SurvTable	days;
} SoSlot;

typedef struct StageOutcomes
{
	FunnelState st;				/* first: expanded-object header */
	MemoryContext cxt;
	Oid			stage_type;		/* InvalidOid until a journey with events */
	int			ndef;
	int			defcap;
	SoDef	   *def;			/* ascending label OID */
	int			nslots;
	int			cap;
	SoSlot	   *slots;
} StageOutcomes;

/* funnel.stage_outcomes in the state skeleton (state.h), defined below its functions */
static const FunnelStateType so_type;

/* a stage_outcomes argument, read-only (state.h) */
#define PG_GETARG_SO(n) ((StageOutcomes *) funnel_state_get(&so_type, PG_GETARG_DATUM(n)))

/* Per-call-site cache (fn_extra): the funnel definition. */
typedef struct SoFnCache
{
	FunnelDefCache dc;
} SoFnCache;

/* this call site's definition cache */
static FunnelDefCache *
so_defcache(FunctionCallInfo fcinfo)
{
	return &((SoFnCache *) funnel_fn_cache(fcinfo, sizeof(SoFnCache)))->dc;
}

/* A new, empty state in cxt (the aggregate's arena, or the current context). */
static FunnelState *
so_create(MemoryContext cxt)
{
	StageOutcomes *s = MemoryContextAllocZero(cxt, sizeof(StageOutcomes));

	funnel_state_init(&s->st, &so_type, cxt);
	s->cxt = cxt;
	return &s->st;
}

/* The slot of label, or NULL. */
static SoSlot *
so_find(const StageOutcomes *s, Oid label)
{
	int			i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].label == label)
			return &s->slots[i];
	return NULL;
}

/* The slot of label, made (empty) if missing. */
static SoSlot *
so_slot(StageOutcomes *s, Oid label)
{
	SoSlot	   *slot = so_find(s, label);

	if (slot != NULL)
		return slot;
	if (s->nslots == s->cap)
	{
		int			cap = s->cap ? s->cap * 2 : 8;

		s->slots = s->slots ? repalloc(s->slots, sizeof(SoSlot) * cap)
			: MemoryContextAlloc(s->cxt, sizeof(SoSlot) * cap);
		s->cap = cap;
	}
	slot = &s->slots[s->nslots++];
	slot->label = label;
	surv_init(&slot->days, s->cxt);
	return slot;
}

/* The position of label in s->def (ascending), or where it would go (*found false). */
static int
so_def_pos(const StageOutcomes *s, Oid label, bool *found)
{
	int			lo = 0;
	int			hi = s->ndef;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (s->def[mid].label < label)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->ndef && s->def[lo].label == label;
	return lo;
}

/*
 * Record that label had outcome when deals were counted: 55000 when the
 * state counted deals while it had another outcome (the counts of the two
 * cannot be put together).
 */
static void
so_note(StageOutcomes *s, Oid label, uint8 outcome)
{
	bool		found;
	int			pos = so_def_pos(s, label, &found);

	if (found)
	{
		if (s->def[pos].outcome != outcome)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot combine stage outcomes counted under different outcomes of stage \"%s\"",
							funnel_label_name(label)),
					 errdetail("The stage was %s for some of the deals and %s for others.",
							   funnel_outcome_name((FunnelOutcome) s->def[pos].outcome),
							   funnel_outcome_name((FunnelOutcome) outcome)),
					 errhint("Build the states again from the journeys under the current definition.")));
		return;
	}
	if (s->ndef == s->defcap)
	{
		int			cap = s->defcap ? s->defcap * 2 : 8;

		s->def = s->def ? repalloc(s->def, sizeof(SoDef) * cap)
			: MemoryContextAlloc(s->cxt, sizeof(SoDef) * cap);
		s->defcap = cap;
	}
	memmove(&s->def[pos + 1], &s->def[pos], sizeof(SoDef) * (s->ndef - pos));
	s->def[pos].label = label;
	s->def[pos].outcome = outcome;
	s->ndef++;
	funnel_state_touch(&s->st);
}

/* Record every stage outcome of def (see so_note). */
static void
so_note_def(StageOutcomes *s, const FunnelDef *def)
{
	int			i;

	for (i = 0; i < def->nstages; i++)
		so_note(s, def->stages[i].label_oid, (uint8) def->stages[i].outcome);
}

/* 22023 unless a state of typid may take values of other */
static void
so_same_type(Oid typid, Oid other, const char *what)
{
	if (typid != other)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine %s of funnels %s and %s", what,
						funnel_type_name(typid, false), funnel_type_name(other, false))));
}

/* dst += src (src read-only): the same funnel, no stage with two outcomes */
static void
so_merge(FunnelState *dstst, FunnelState *srcst, FunctionCallInfo fcinfo)
{
	StageOutcomes *dst = (StageOutcomes *) dstst;
	StageOutcomes *src = (StageOutcomes *) srcst;
	int			i;

	if (!OidIsValid(src->stage_type))
		return;
	if (!OidIsValid(dst->stage_type))
		dst->stage_type = src->stage_type;
	else
		so_same_type(dst->stage_type, src->stage_type, "stage outcomes");
	for (i = 0; i < src->ndef; i++)
		so_note(dst, src->def[i].label, src->def[i].outcome);
	for (i = 0; i < src->nslots; i++)
		surv_merge(&so_slot(dst, src->slots[i].label)->days, &src->slots[i].days, SO_TYPE);
	funnel_state_touch(&dst->st);
}

/* ------------------------------------------------------------------------
 * Flat form, validation
 * ------------------------------------------------------------------------
 */

/* qsort order of slots: by label OID */
static int
so_slot_cmp(const void *a, const void *b)
{
	Oid			x = ((const SoSlot *) a)->label;
	Oid			y = ((const SoSlot *) b)->label;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The flat body (see the header comment); s is only read. */
static void
so_write(StringInfo buf, FunnelState *st, WireNames *names)
{
	StageOutcomes *s = (StageOutcomes *) st;
	SoSlot	   *sorted = funnel_sorted_copy(s->slots, s->nslots, sizeof(SoSlot), so_slot_cmp);
	int			i;

	wire_put_u8(buf, SO_VERSION);
	wire_put_type(buf, names, s->stage_type);
	wire_put_u32(buf, (uint32) s->ndef);
	for (i = 0; i < s->ndef; i++)
	{
		wire_put_label(buf, names, s->def[i].label);
		wire_put_u8(buf, s->def[i].outcome);
	}
	wire_put_u32(buf, (uint32) s->nslots);
	for (i = 0; i < s->nslots; i++)
	{
		wire_put_label(buf, names, sorted[i].label);
		surv_write(buf, &sorted[i].days);
	}
	pfree(sorted);
}

/*
 * The first inconsistency of a state, or NULL: what every reader checks,
 * and the invariants of a live state.  The definition is sorted and free of
 * repeats; every stage counted is an open stage of it, once, with counts.
 */
static const char *
so_problem(const StageOutcomes *s)
{
	int			i;
	int			j;

	if (s->ndef < 0 || s->ndef > FUNNEL_MAX_STAGES || s->nslots < 0 || s->nslots > FUNNEL_MAX_STAGES)
		return "too many stages";
	if (!OidIsValid(s->stage_type) && (s->ndef > 0 || s->nslots > 0))
		return "stages without a funnel type";
	for (i = 0; i < s->ndef; i++)
	{
		if (s->def[i].outcome > FUNNEL_LOST)
			return "unknown outcome";
		if (i > 0 && s->def[i].label <= s->def[i - 1].label)
			return "a stage of the definition appears twice";
	}
	for (i = 0; i < s->nslots; i++)
	{
		const SoSlot *slot = &s->slots[i];
		bool		found;
		int			pos = so_def_pos(s, slot->label, &found);
		const char *problem;

		if (!found || s->def[pos].outcome != FUNNEL_OPEN)
			return "a stage counted is not an open stage of the definition";
		for (j = 0; j < i; j++)
			if (s->slots[j].label == slot->label)
				return "a stage appears twice";
		if (slot->days.total == 0)
			return "a stage without deals";
		if ((problem = surv_problem(&slot->days)) != NULL)
			return problem;
	}
	return NULL;
}

/* qsort order of definition entries: by label OID */
static int
so_def_cmp(const void *a, const void *b)
{
	Oid			x = ((const SoDef *) a)->label;
	Oid			y = ((const SoDef *) b)->label;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * What every reader checks after reading (22P02 text, 22P03 binary): the
 * definition put in label-OID order (a portable form lists another node's
 * order), then so_problem, then with check_catalog the type and labels.
 */
static void
so_validate(StageOutcomes *s, bool binary, bool check_catalog)
{
	int			i;

	if (s->ndef > 1)
		qsort(s->def, s->ndef, sizeof(SoDef), so_def_cmp);
	funnel_state_refuse(SO_TYPE, binary, so_problem(s));
	if (check_catalog && OidIsValid(s->stage_type))
	{
		if (get_typtype(s->stage_type) != TYPTYPE_ENUM)
			funnel_state_refuse(SO_TYPE, binary, "the stage type is not an enum");
		for (i = 0; i < s->ndef; i++)
			if (!funnel_label_belongs(s->def[i].label, s->stage_type))
				funnel_state_refuse(SO_TYPE, binary, "a stage is not a label of the funnel type");
	}
}

#ifdef FUNNEL_CHECK_INVARIANTS
/* The invariants of a live state (state.h): those of a value read, arrays in their sizes. */
static const char *
so_check(const void *state)
{
	const StageOutcomes *s = (const StageOutcomes *) state;

	if (s->ndef > s->defcap || s->nslots > s->cap)
		return "counts beyond the arrays";
	return so_problem(s);
}
#endif

/*
 * A flat body read into a new state in cxt and validated (22P03); with
 * check_catalog (recv) its type and labels are checked against the catalog;
 * names: a portable body's dictionary (or NULL: OIDs).
 */
static FunnelState *
so_read(const char *data, Size len, MemoryContext cxt, bool check_catalog, const WireNames *names)
{
	StageOutcomes *s = (StageOutcomes *) so_create(cxt);
	WireReader	r = {data, len, 0, SO_TYPE, names};
	uint32		n;
	uint32		i;

	if (wire_get_u8(&r, "version") != SO_VERSION)
		wire_bad(&r, "unknown format version");
	s->stage_type = wire_get_type(&r, "stage type");
	n = wire_get_u32(&r, "definition count");
	if (n > FUNNEL_MAX_STAGES || (Size) n > wire_left(&r) / 5)
		wire_bad(&r, "too many stages");
	s->defcap = Max(n, 1);
	s->def = MemoryContextAlloc(cxt, sizeof(SoDef) * s->defcap);
	for (i = 0; i < n; i++)
	{
		s->def[i].label = wire_get_label(&r, "stage label");
		s->def[i].outcome = wire_get_u8(&r, "outcome");
	}
	s->ndef = (int) n;
	n = wire_get_u32(&r, "stage count");
	if (n > FUNNEL_MAX_STAGES || (Size) n > wire_left(&r) / 8)
		wire_bad(&r, "too many stages");
	s->cap = Max(n, 1);
	s->slots = MemoryContextAlloc(cxt, sizeof(SoSlot) * s->cap);
	for (i = 0; i < n; i++)
	{
		SoSlot	   *slot = &s->slots[i];

		slot->label = wire_get_label(&r, "stage label");
		surv_init(&slot->days, cxt);
		s->nslots = (int) i + 1;
		surv_read(&r, &slot->days);
	}
	wire_end(&r);
	so_validate(s, true, check_catalog);
	return &s->st;
}

/* funnel.stage_outcomes in the state skeleton (state.h) */
static const FunnelStateType so_type = {
	FUNNEL_EXPANDED_METHODS,
	SO_TYPE,
	so_create,
	so_write,
	so_read,
	so_merge,
	FUNNEL_CHECKER(so_check),
	true						/* holds its type's and labels' OIDs */
};

/*
 * Final function of funnel.stage_outcomes and funnel.rollup(stage_outcomes): the state,
 * handed to its accessors and reports without a flatten and a parse (state.c,
 * funnel_state_final).
 */
PG_FUNCTION_INFO_V1(stage_outcomes_final);
Datum
stage_outcomes_final(PG_FUNCTION_ARGS)
{
	return funnel_state_final(&so_type, fcinfo);
}

/* ------------------------------------------------------------------------
 * Text form: {"version":1,"type":T,"definition":[[stage,outcome],...],
 *			   "stages":[[stage,[[day,won,lost,censored],...]],...]}
 * ------------------------------------------------------------------------
 */

/* text output: the JSON form, stages in label-OID order */
PG_FUNCTION_INFO_V1(stage_outcomes_out);
Datum
stage_outcomes_out(PG_FUNCTION_ARGS)
{
	StageOutcomes *s = PG_GETARG_SO(0);
	SoSlot	   *sorted = funnel_sorted_copy(s->slots, s->nslots, sizeof(SoSlot), so_slot_cmp);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"type\":", SO_VERSION);
	if (OidIsValid(s->stage_type))
		append_json_string(&buf, funnel_type_name(s->stage_type, true));
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ",\"definition\":[");
	for (i = 0; i < s->ndef; i++)
	{
		appendStringInfoString(&buf, i ? ",[" : "[");
		append_json_string(&buf, funnel_label_name(s->def[i].label));
		appendStringInfo(&buf, ",\"%s\"]", funnel_outcome_name((FunnelOutcome) s->def[i].outcome));
	}
	appendStringInfoString(&buf, "],\"stages\":[");
	for (i = 0; i < s->nslots; i++)
	{
		appendStringInfoString(&buf, i ? ",[" : "[");
		append_json_string(&buf, funnel_label_name(sorted[i].label));
		appendStringInfoChar(&buf, ',');
		surv_json_write(&buf, &sorted[i].days);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* A stage named in the text form: a label of typid (22P02 otherwise). */
static Oid
so_label_in(Oid typid, JsonbValue *v)
{
	char	   *label = jin_string(v, SO_TYPE, "stage");
	HeapTuple	tup;
	Oid			oid;

	if (!OidIsValid(typid))
		jin_bad(SO_TYPE, "stages without a funnel type");
	if (strlen(label) >= NAMEDATALEN)
		jin_bad(SO_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(typid)));
	tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid), CStringGetDatum(label));
	if (!HeapTupleIsValid(tup))
		jin_bad(SO_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(typid)));
	oid = ((Form_pg_enum) GETSTRUCT(tup))->oid;
	ReleaseSysCache(tup);
	return oid;
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(stage_outcomes_in);
Datum
stage_outcomes_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	JsonbContainer *obj = jin_parse(str, SO_TYPE);
	StageOutcomes *s = (StageOutcomes *) so_create(CurrentMemoryContext);
	JsonbContainer *arr;
	JsonbValue *v;
	uint32		n;
	uint32		i;

	if (jin_int64(jin_get(obj, "version", true, SO_TYPE), SO_TYPE, "version") != SO_VERSION)
		jin_bad(SO_TYPE, "unknown version");
	v = jin_get(obj, "type", false, SO_TYPE);	/* NULL: missing or null, no funnel */
	if (v != NULL)
		s->stage_type = jin_enum_type(jin_string(v, SO_TYPE, "type"), SO_TYPE);
	arr = jin_array(jin_get(obj, "definition", true, SO_TYPE), SO_TYPE, "definition");
	n = jin_len(arr);
	if (n > FUNNEL_MAX_STAGES)
		jin_bad(SO_TYPE, "too many stages");
	s->defcap = Max(n, 1);
	s->def = palloc(sizeof(SoDef) * s->defcap);
	for (i = 0; i < n; i++)
	{
		JsonbContainer *e = jin_array(jin_at(arr, i), SO_TYPE, "a definition entry");
		char	   *outcome;

		if (jin_len(e) != 2)
			jin_bad(SO_TYPE, "a definition entry must be [stage, outcome]");
		s->def[i].label = so_label_in(s->stage_type, jin_at(e, 0));
		outcome = jin_string(jin_at(e, 1), SO_TYPE, "outcome");
		if (strcmp(outcome, "open") == 0)
			s->def[i].outcome = FUNNEL_OPEN;
		else if (strcmp(outcome, "won") == 0)
			s->def[i].outcome = FUNNEL_WON;
		else if (strcmp(outcome, "lost") == 0)
			s->def[i].outcome = FUNNEL_LOST;
		else
			jin_bad(SO_TYPE, "an outcome must be \"open\", \"won\" or \"lost\"");
	}
	s->ndef = (int) n;
	arr = jin_array(jin_get(obj, "stages", true, SO_TYPE), SO_TYPE, "stages");
	n = jin_len(arr);
	if (n > FUNNEL_MAX_STAGES)
		jin_bad(SO_TYPE, "too many stages");
	s->cap = Max(n, 1);
	s->slots = palloc(sizeof(SoSlot) * s->cap);
	for (i = 0; i < n; i++)
	{
		JsonbContainer *e = jin_array(jin_at(arr, i), SO_TYPE, "a stage");
		SoSlot	   *slot = &s->slots[i];

		if (jin_len(e) != 2)
			jin_bad(SO_TYPE, "a stage must be [stage, [[day, won, lost, censored], ...]]");
		slot->label = so_label_in(s->stage_type, jin_at(e, 0));
		surv_init(&slot->days, CurrentMemoryContext);
		s->nslots = (int) i + 1;
		surv_json_read(jin_array(jin_at(e, 1), SO_TYPE, "days"), &slot->days, SO_TYPE);
	}
	so_validate(s, false, false);
	PG_RETURN_DATUM(funnel_state_flat(&s->st));
}

/* binary output: the portable form */
PG_FUNCTION_INFO_V1(stage_outcomes_send);
Datum
stage_outcomes_send(PG_FUNCTION_ARGS)
{
	return funnel_state_send(&so_type, PG_GETARG_DATUM(0));
}

/* binary input: the portable (or OID) form, validated against the catalog too */
PG_FUNCTION_INFO_V1(stage_outcomes_recv);
Datum
stage_outcomes_recv(PG_FUNCTION_ARGS)
{
	return funnel_state_recv(&so_type, (StringInfo) PG_GETARG_POINTER(0));
}

/* ------------------------------------------------------------------------
 * Aggregate
 * ------------------------------------------------------------------------
 */

/*
 * One journey (events in journey order, their stage indexes idx under def)
 * into s, as it stood at as_of (see the header comment).
 */
static void
so_accum(StageOutcomes *s, Journey *j, const FunnelDef *def, const int *idx, TimestampTz as_of)
{
	int			m = 0;
	int			last_closed = -1;
	int			k;
	FunnelOutcome outcome;
	TimestampTz end;
	SurvCounts	one = {0, 0, 0};
	bool	   *seen;

	/* the events that exist at as_of, and the last won or lost one */
	while (m < j->n && j->ev[m].at <= as_of)
	{
		if (def->stages[idx[m]].outcome != FUNNEL_OPEN)
			last_closed = m;
		m++;
	}
	if (m == 0)
		return;					/* not created yet at as_of */
	outcome = def->stages[idx[m - 1]].outcome;
	if (outcome == FUNNEL_OPEN && last_closed >= 0 && !def->allow_reopen)
		outcome = def->stages[idx[last_closed]].outcome;	/* not reopened */
	if (outcome == FUNNEL_OPEN)
	{
		end = as_of;
		one.censored = 1;
	}
	else
	{
		/* closed when it entered the run of won and lost events its outcome ends */
		k = last_closed;
		while (k > 0 && def->stages[idx[k - 1]].outcome != FUNNEL_OPEN)
			k--;
		end = j->ev[k].at;
		if (outcome == FUNNEL_WON)
			one.won = 1;
		else
			one.lost = 1;
	}
	seen = palloc0(sizeof(bool) * def->nstages);
	for (k = 0; k < m && j->ev[k].at <= end; k++)
	{
		int			i = idx[k];

		if (seen[i] || def->stages[i].outcome != FUNNEL_OPEN)
			continue;
		seen[i] = true;
		surv_add(&so_slot(s, def->stages[i].label_oid)->days,
				 (int32) (funnel_span_usecs(j->ev[k].at, end) / USECS_PER_DAY), &one, SO_TYPE);
	}
	pfree(seen);
	funnel_state_touch(&s->st);
}

/*
 * funnel.stage_outcomes(j funnel.journey [, as_of]): one deal's journey.
 * Without as_of, open deals are censored at the transaction's start (now(),
 * the same in parallel workers).  A NULL journey is skipped.
 */
PG_FUNCTION_INFO_V1(stage_outcomes_transfn);
Datum
stage_outcomes_transfn(PG_FUNCTION_ARGS)
{
	const char *fname = "funnel.stage_outcomes";
	StageOutcomes *s;
	FunnelDefCache *dc;
	FunnelDef  *def;
	Journey    *j;
	TimestampTz as_of;
	int		   *idx;

	if (PG_NARGS() > 2)
	{
		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: as_of must not be NULL", fname)));
		as_of = PG_GETARG_TIMESTAMPTZ(2);
		if (TIMESTAMP_NOT_FINITE(as_of))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: as_of must be finite", fname)));
	}
	else
		as_of = GetCurrentTransactionStartTimestamp();
	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);	/* no journey */
	s = (StageOutcomes *) funnel_state_transition(&so_type, fcinfo, fname);
	j = journey_from_datum(PG_GETARG_DATUM(1));
	if (j->n == 0)
		return funnel_state_result(&s->st);
	dc = so_defcache(fcinfo);
	(void) funnel_def_cached(dc, j->stage_type);
	/* as accessors read it: in journey order, repeats dropped (journey.h) */
	j = journey_sorted(j, dc);
	if (!OidIsValid(s->stage_type))
		s->stage_type = j->stage_type;
	else
		so_same_type(s->stage_type, j->stage_type, "stage outcomes");
	idx = palloc(sizeof(int) * Max(j->n, 1));
	def = journey_stage_indexes(j, dc, idx);
	so_note_def(s, def);
	so_accum(s, j, def, idx, as_of);
	pfree(idx);
	return funnel_state_result(&s->st);
}

/* combine function, and transition function of rollup(stage_outcomes) */
PG_FUNCTION_INFO_V1(stage_outcomes_combine);
Datum
stage_outcomes_combine(PG_FUNCTION_ARGS)
{
	return funnel_state_combine(&so_type, fcinfo, "funnel.rollup");
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------
 */

/* What the state says about one stage. */
typedef struct SoFigures
{
	bool		counted;		/* an open stage: the counts below are set */
	int64		deals;
	int64		won;
	int64		lost;
	int64		open;
	bool		known;			/* a probability: an outcome stage, or a deal closed */
	double		probability;
	double		lower;
	double		upper;
	double		closed_rate;
} SoFigures;

/*
 * The current definition of s's funnel, after checking that every stage
 * kept its outcome since s counted deals (55000 otherwise).
 */
static FunnelDef *
so_current_def(StageOutcomes *s, FunnelDefCache *dc)
{
	FunnelDef  *def = funnel_def_cached(dc, s->stage_type);
	int			i;

	for (i = 0; i < s->ndef; i++)
	{
		int			k = funnel_stage_index(dc, s->def[i].label, &def);

		if ((uint8) def->stages[k].outcome != s->def[i].outcome)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("a funnel.stage_outcomes of %s was made under a definition that cannot be carried over to the current one",
							def->type_name),
					 errdetail("Stage \"%s\" was %s when the state was made and is %s now.",
							   def->stages[k].label,
							   funnel_outcome_name((FunnelOutcome) s->def[i].outcome),
							   funnel_outcome_name(def->stages[k].outcome)),
					 errhint("Build the state again from the journeys (or the history table).")));
	}
	return funnel_def_cached(dc, s->stage_type);
}

/* The figures of stage i of def (the current definition of s's funnel). */
static void
so_figures(const StageOutcomes *s, const FunnelDef *def, int i, SoFigures *f)
{
	const FunnelStage *st = &def->stages[i];
	const SoSlot *slot;
	SurvIter	it;
	int32		day;
	const SurvCounts *c;
	AJ			aj;
	double		se;

	memset(f, 0, sizeof(SoFigures));
	if (st->outcome != FUNNEL_OPEN)
	{
		/* won stages 1, lost stages 0, by definition */
		f->known = true;
		f->probability = f->lower = f->upper = f->closed_rate = st->outcome == FUNNEL_WON ? 1.0 : 0.0;
		return;
	}
	f->counted = true;
	slot = so_find(s, st->label_oid);
	if (slot == NULL)
		return;
	surv_totals(&slot->days, &f->won, &f->lost, &f->open);
	f->deals = slot->days.total;
	if (!funnel_win_rate(f->won, f->lost, &f->closed_rate))
		return;					/* no deal closed: nothing learned */
	f->known = true;
	it.t = &slot->days;
	it.i = 0;
	aj_init(&aj, &slot->days);
	while (surv_next(&it, &day, &c))
		aj_step(&aj, c);
	se = sqrt(aj_variance(&aj));
	f->probability = aj.F;
	f->lower = Max(0.0, aj.F - SURV_Z95 * se);
	f->upper = Min(1.0, aj.F + SURV_Z95 * se);
}

/*
 * funnel.stage_probabilities(s): one row per stage of the funnel, in funnel
 * order -- deals, won, lost, open, the learned probability and its band,
 * the closed-only win rate, and the stage's probability in the definition.
 */
PG_FUNCTION_INFO_V1(stage_outcomes_rows);
Datum
stage_outcomes_rows(PG_FUNCTION_ARGS)
{
	static const Oid columns[11] = {INT4OID, TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID};
	StageOutcomes *s = PG_GETARG_SO(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FunnelDef  *def;
	int			i;

	funnel_srf_init(fcinfo, "funnel.stage_probabilities", columns, 11, 11);
	if (!OidIsValid(s->stage_type))
		PG_RETURN_NULL();
	def = so_current_def(s, so_defcache(fcinfo));
	for (i = 0; i < def->nstages; i++)
	{
		Datum		values[11];
		bool		nulls[11];
		SoFigures	f;

		memset(nulls, 0, sizeof(nulls));
		so_figures(s, def, i, &f);
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(def->stages[i].label);
		values[2] = Int64GetDatum(f.deals);
		values[3] = Int64GetDatum(f.won);
		values[4] = Int64GetDatum(f.lost);
		values[5] = Int64GetDatum(f.open);
		nulls[2] = nulls[3] = nulls[4] = nulls[5] = !f.counted;
		values[6] = Float8GetDatum(f.probability);
		values[7] = Float8GetDatum(f.lower);
		values[8] = Float8GetDatum(f.upper);
		values[9] = Float8GetDatum(f.closed_rate);
		nulls[6] = nulls[7] = nulls[8] = nulls[9] = !f.known;
		values[10] = Float8GetDatum(def->stages[i].probability);
		nulls[10] = !def->stages[i].has_probability;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/*
 * funnel.stage_probability(s, stage): the learned probability of one stage;
 * NULL when no deal that was in it has closed (or the state is empty).
 */
PG_FUNCTION_INFO_V1(stage_outcomes_probability);
Datum
stage_outcomes_probability(PG_FUNCTION_ARGS)
{
	StageOutcomes *s = PG_GETARG_SO(0);
	Oid			label = PG_GETARG_OID(1);
	FunnelDefCache *dc = so_defcache(fcinfo);
	FunnelDef  *def;
	SoFigures	f;
	int			i;

	if (!OidIsValid(s->stage_type))
		PG_RETURN_NULL();
	def = so_current_def(s, dc);
	i = funnel_label_index(def, label);
	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel.stage_probability: the stage is not a stage of funnel %s", def->type_name),
				 errhint("Pass a stage of the funnel the state was made from, as in '%s'::%s.",
						 def->stages[0].label, def->type_name)));
	so_figures(s, def, i, &f);
	if (!f.known)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(f.probability);
}

/*
 * The weighted value of open amounts (ov) by the learned probabilities of
 * s: sum over open stages of amount x probability; NULL when a stage holding
 * open deals or an amount has no learned probability, or ov has no amounts.
 */
static Datum
so_weighted(StageOutcomes *s, OpenValue *ov, FunnelDefCache *dc, bool *isnull, const char *what)
{
	Datum		zero = NumericGetDatum(int64_to_numeric(0));
	Datum		total = zero;
	FunnelDef  *def;
	int			i;

	*isnull = false;
	/* (the state's definition was checked before ov was made: ov->def is the latest) */
	if (!ov->has_amounts)
	{
		*isnull = true;
		return (Datum) 0;
	}
	if (!OidIsValid(ov->stage_type))
		return total;			/* nothing open */
	if (OidIsValid(s->stage_type) && s->stage_type != ov->stage_type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot weight a %s of funnel %s by stage outcomes of funnel %s", what,
						funnel_type_name(ov->stage_type, false), funnel_type_name(s->stage_type, false))));
	def = ov->def;
	for (i = 0; i < def->nstages; i++)
	{
		SoFigures	f;

		if (def->stages[i].outcome != FUNNEL_OPEN ||
			(ov->deals[i] == 0 &&
			 (ov->amount[i] == NULL ||
			  DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(ov->amount[i]), zero)) == 0)))
			continue;			/* nothing open in the stage */
		if (!OidIsValid(s->stage_type))
			f.known = false;
		else
			so_figures(s, def, i, &f);
		if (!f.known)
		{
			*isnull = true;		/* an open stage whose chance nothing tells */
			return (Datum) 0;
		}
		if (ov->amount[i] == NULL)
			continue;
		total = DirectFunctionCall2(numeric_add, total,
									DirectFunctionCall2(numeric_mul, NumericGetDatum(ov->amount[i]),
														DirectFunctionCall1(float8_numeric,
																			Float8GetDatum(f.probability))));
	}
	return total;
}

/*
 * A weighted_value(state, s) of one of the pipeline states: its open amounts
 * read by open_value (open_value.h), weighted by s (argument 1).
 */
static Datum
so_weighted_call(FunctionCallInfo fcinfo, void (*open_value) (Datum, FunnelDefCache *, OpenValue *),
				 const char *what)
{
	FunnelDefCache *dc = so_defcache(fcinfo);
	StageOutcomes *s = PG_GETARG_SO(1);
	OpenValue	ov;
	bool		isnull;
	Datum		r;

	if (OidIsValid(s->stage_type))
		(void) so_current_def(s, dc);	/* 55000 when an outcome changed since */
	open_value(PG_GETARG_DATUM(0), dc, &ov);
	r = so_weighted(s, &ov, dc, &isnull, what);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(r);
}

/* funnel.weighted_value(p funnel.pipeline, s funnel.stage_outcomes) */
PG_FUNCTION_INFO_V1(stage_outcomes_weighted_pipeline);
Datum
stage_outcomes_weighted_pipeline(PG_FUNCTION_ARGS)
{
	return so_weighted_call(fcinfo, funnel_pipeline_open_value, "funnel.pipeline");
}

/* funnel.weighted_value(f funnel.pipeline_flow, s funnel.stage_outcomes) */
PG_FUNCTION_INFO_V1(stage_outcomes_weighted_flow);
Datum
stage_outcomes_weighted_flow(PG_FUNCTION_ARGS)
{
	return so_weighted_call(fcinfo, funnel_flow_open_value, "funnel.pipeline_flow");
}
