/*
 * journey.c
 *		funnel.journey: the aggregate that turns one entity's history rows
 *		into its journey, the type's I/O, and the per-journey accessors.
 *
 * Aggregation.  The transition function appends (time, label) to a flat
 * state allocated in the aggregate context and updated in place; when it is
 * full it is copied once into a state twice its size (nodeAgg keeps the new
 * copy and frees the old), so a journey of n events is copied O(log n) times.
 * The combine function concatenates.  The final function sorts the events
 * by time and drops an event that repeats the stage the entity is already in.
 * The text and binary forms keep such an event (sorted, not dropped): Citus
 * ships each node's unfinished state through them and merges the parts, and
 * a repeat in one part may stop being one once another part's events fall
 * between (journey_ordered, journey_normalize).  Accessors and
 * funnel.summary drop repeats as the final function does, so a value read
 * with repeats means what the aggregate's result means.
 *
 * Ties.  Events at the same time are taken in this order: the open stages in
 * funnel (enum) order, then the outcomes, won and lost alike, in enum order.
 * An outcome ends a journey, so "moved to X and closed at the same instant"
 * reads as X then the outcome wherever the enum puts the outcome's label --
 * its enum position must not matter (see Concepts in the design); with the
 * outcome labels after the open stages, as create_funnel makes them, this is
 * plain enum order.  Stored values and input follow the same order.
 *
 * Stays.  A visit of a stage lasts from its event to the next event; the
 * last visit is the entity's current stay, open until as_of.  Accessors that
 * take as_of (default now()) count only time before as_of, in every visit.
 *
 * The state skeleton (state.h).  A journey stays a flat value: appending to
 * one array, copied O(log n) times, is all its aggregate does, and its
 * stored form is that array.  It shares the aggregate entry, the row-skip
 * prologue, the binary codec (wire.h) and an invariant check.
 */
#include "postgres.h"

#include <limits.h>

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "duration.h"
#include "journey.h"
#include "registry_names.h"
#include "state.h"
#include "textform.h"
#include "wire.h"

#define JOURNEY_TYPE "funnel.journey"

/* binary form: u8 version | u32 stage type | u32 n | n x (u32 label | i64 time) */
#define JOURNEY_WIRE_HEADER (1 + 4 + 4)
#define JOURNEY_WIRE_EVENT (4 + 8)

#ifdef FUNNEL_CHECK_INVARIANTS
static const char *journey_check(const void *state);
#endif

/* funnel.journey in the state skeleton: a flat type (state.h) */
static const FunnelStateType journey_type = {
	.name = JOURNEY_TYPE,
	.check = FUNNEL_CHECKER(journey_check)
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------
 */

/* A new, empty journey with room for cap events, in cxt. */
static Journey *
journey_alloc(MemoryContext cxt, Oid stage_type, int cap)
{
	Journey    *j = MemoryContextAllocZero(cxt, JOURNEY_SIZE(cap));

	SET_VARSIZE(j, JOURNEY_SIZE(cap));
	j->version = JOURNEY_VERSION;
	j->stage_type = stage_type;
	j->cap = cap;
	return j;
}

/*
 * The header of an uncompressed, in-line journey with a 4-byte header, checked
 * against the value's size before anything else is read: the fields read
 * later (n events at ev[]) then lie inside the value.
 */
static Journey *
journey_checked(struct varlena *v)
{
	Journey    *j = (Journey *) v;

	Assert(VARATT_IS_4B_U(v));
	if (VARSIZE(v) < offsetof(Journey, ev) ||
		j->version != JOURNEY_VERSION || j->n < 0 || j->cap < j->n ||
		VARSIZE(j) != JOURNEY_SIZE(j->cap))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted %s value", JOURNEY_TYPE)));
	return j;
}

/*
 * A journey argument to read: detoasted (a value read from a table may be
 * compressed, stored out of line or have a 1-byte header; PG_DETOAST_DATUM
 * then makes a plain copy) and its header checked against its size.  Never
 * written to: it may point into a shared buffer.
 */
Journey *
journey_from_datum(Datum d)
{
	return journey_checked(PG_DETOAST_DATUM(d));
}

/*
 * The state argument (argument 0, not NULL) of the transition and combine
 * functions, to append to in place (funnel_flat_state_arg says when that is
 * a copy), its header checked.
 */
static Journey *
journey_state_arg(FunctionCallInfo fcinfo)
{
	return journey_checked(funnel_flat_state_arg(fcinfo));
}

#ifdef FUNNEL_CHECK_INVARIANTS
/*
 * The invariants of a live journey, in constant time (a transition state
 * may hold 67 million events and is checked after every row): the header
 * against the size, and the newest event -- finite, zero padding, and not
 * before the one before it while the journey says it is in time order.
 */
static const char *
journey_check(const void *state)
{
	const Journey *j = (const Journey *) state;
	const JourneyEvent *last;

	if (j->version != JOURNEY_VERSION || j->n < 0 || j->cap < j->n || j->cap > JOURNEY_MAX_EVENTS ||
		VARSIZE(j) != JOURNEY_SIZE(j->cap))
		return "the header disagrees with the size";
	if (j->n == 0)
		return NULL;
	last = &j->ev[j->n - 1];
	if (TIMESTAMP_NOT_FINITE(last->at) || last->pad != 0)
		return "the newest event is malformed";
	if ((j->flags & JOURNEY_SORTED) && j->n > 1 && last->at < j->ev[j->n - 2].at)
		return "a journey marked sorted is out of order";
	return NULL;
}
#endif

StaticAssertDecl(JOURNEY_SIZE(JOURNEY_MAX_EVENTS) <= MaxAllocSize &&
				 JOURNEY_SIZE((Size) JOURNEY_MAX_EVENTS + 1) > MaxAllocSize,
				 "JOURNEY_MAX_EVENTS is the most events one allocation holds");

/*
 * The capacity for at least need events, grown from cap: doubled (a state
 * is copied O(log n) times), at least 6 (a state given by an aggregate's
 * initcond may have room for none), at most JOURNEY_MAX_EVENTS.
 */
static int
journey_grown_cap(int cap, int64 need)
{
	if (need > JOURNEY_MAX_EVENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a journey can hold at most %d events (1 GB)", JOURNEY_MAX_EVENTS),
				 errhint("A journey is one entity's history: group the rows by entity, or narrow them with WHERE.")));
	cap = Max(cap, 6);
	while (cap < need)
		cap = cap > JOURNEY_MAX_EVENTS / 2 ? JOURNEY_MAX_EVENTS : cap * 2;
	return cap;
}

/*
 * The stage index of every event of j (idx[n]) and the definition they refer
 * to.  dc must hold j's funnel.  funnel_stage_index() rebuilds the
 * definition for a label it does not know (one added to the enum since the
 * definition was compiled), and a rebuilt definition may number the stages
 * differently (a label added in the middle moves the later ones): indexes
 * are only taken from one definition, so a pass that saw a rebuild is run
 * again -- at most once more, since the rebuilt definition knows every label
 * then in the enum.  Arrays sized from a definition are allocated after
 * this, from the definition it returns.
 */
FunnelDef *
journey_stage_indexes(Journey *j, FunnelDefCache *dc, int *idx)
{
	FunnelDef  *def;
	FunnelDef  *used = dc->def;
	int			i;

	do
	{
		def = used;
		for (i = 0; i < j->n; i++)
			idx[i] = funnel_stage_index(dc, j->ev[i].label, &used);
	} while (used != def);
	return def;
}

/*
 * Where a stage goes among events at the same time (see Ties above): open
 * stages by stage index, then outcomes by stage index.
 */
static inline int
tie_rank(const FunnelDef *def, int idx)
{
	return def->stages[idx].outcome == FUNNEL_OPEN ? idx : def->nstages + idx;
}

typedef struct SortEv
{
	TimestampTz at;
	int			rank;			/* tie_rank() */
	Oid			label;
} SortEv;

/* qsort order of events: time, then tie rank */
static int
sortev_cmp(const void *a, const void *b)
{
	const SortEv *x = a;
	const SortEv *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->rank - y->rank;
}

/*
 * A journey's events in journey order -- by (time, tie rank) -- all of
 * them, repeats of the current stage included, compact: j itself when it
 * already is, else a copy in CurrentMemoryContext.  This is the lossless
 * form that output and send write: a partial state (an aggregate's
 * transition state, shipped between nodes) may hold an event that repeats
 * the stage before it only until another part's events fall between them,
 * so dropping it before the merge would lose a visit.
 */
static Journey *
journey_ordered(Journey *j, FunnelDefCache *dc)
{
	SortEv	   *ev;
	Journey    *out;
	FunnelDef  *def;
	int		   *idx;
	int			i;

	if (j->flags & JOURNEY_SORTED)
	{
		if (j->cap == j->n)
			return j;
		out = journey_alloc(CurrentMemoryContext, j->stage_type, j->n);
		memcpy(out->ev, j->ev, sizeof(JourneyEvent) * j->n);
		out->n = j->n;
		out->flags = JOURNEY_SORTED;
		return out;
	}
	funnel_def_cached(dc, j->stage_type);
	idx = palloc(sizeof(int) * Max(j->n, 1));
	def = journey_stage_indexes(j, dc, idx);
	ev = palloc(sizeof(SortEv) * Max(j->n, 1));
	for (i = 0; i < j->n; i++)
	{
		ev[i].at = j->ev[i].at;
		ev[i].label = j->ev[i].label;
		ev[i].rank = tie_rank(def, idx[i]);
	}
	pfree(idx);
	qsort(ev, j->n, sizeof(SortEv), sortev_cmp);
	out = journey_alloc(CurrentMemoryContext, j->stage_type, j->n);
	for (i = 0; i < j->n; i++)
	{
		out->ev[i].at = ev[i].at;
		out->ev[i].label = ev[i].label;
	}
	out->n = j->n;
	out->flags = JOURNEY_SORTED;
	pfree(ev);
	return out;
}

/*
 * A journey as its consumers read it (the aggregate's result, accessors,
 * funnel.summary): in journey order, with every event that repeats the
 * stage the entity is already in dropped -- j itself when nothing changes,
 * else a compact copy in CurrentMemoryContext.  Dropping repeats commutes
 * with nothing but the final merge, so it happens here, where a journey is
 * used, never in the forms a partial state travels in.
 */
static Journey *
journey_normalize(Journey *j, FunnelDefCache *dc)
{
	Journey    *o = journey_ordered(j, dc);
	Journey    *out;
	bool		repeats = false;
	int			i;
	int			n = 0;

	for (i = 1; i < o->n && !repeats; i++)
		repeats = o->ev[i].label == o->ev[i - 1].label;
	if (!repeats)
		return o;
	/* a copy made above is ours to compact in place; a journey given is not */
	out = o != j ? o : journey_alloc(CurrentMemoryContext, o->stage_type, o->n);
	for (i = 0; i < o->n; i++)
	{
		if (n > 0 && out->ev[n - 1].label == o->ev[i].label)
			continue;			/* already in that stage */
		out->ev[n++] = o->ev[i];
	}
	out->n = n;
	out->cap = n;
	SET_VARSIZE(out, JOURNEY_SIZE(n));
	out->flags = JOURNEY_SORTED;
	return out;
}

/* Per-call-site cache (fn_extra): the definition and the stage argument's type. */
typedef struct JourneyFnCache
{
	FunnelDefCache defcache;
	Oid			argtype;		/* the stage argument's declared type */
	Oid			basetype;
} JourneyFnCache;

/* this call site's cache */
static JourneyFnCache *
fncache(FunctionCallInfo fcinfo)
{
	return (JourneyFnCache *) funnel_fn_cache(fcinfo, sizeof(JourneyFnCache));
}

/* ------------------------------------------------------------------------
 * Aggregate
 * ------------------------------------------------------------------------
 */

/* funnel.journey(stage anyenum, at timestamptz): rows with a NULL stage or time are skipped */
PG_FUNCTION_INFO_V1(journey_transfn);
Datum
journey_transfn(PG_FUNCTION_ARGS)
{
	JourneyFnCache *c;
	Journey    *j;
	TimestampTz at;
	Oid			argtype;

	(void) funnel_agg_context(fcinfo, "funnel.journey");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return funnel_state_unchanged(fcinfo);
	at = PG_GETARG_TIMESTAMPTZ(2);
	if (TIMESTAMP_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("journey event times must be finite")));
	c = fncache(fcinfo);
	/* a call site's argument type never changes: look it up once */
	argtype = OidIsValid(c->argtype) ? c->argtype : funnel_stage_argtype(fcinfo, 1);
	if (argtype != c->argtype)
	{
		c->basetype = getBaseType(argtype);
		c->argtype = argtype;
		(void) funnel_def_cached(&c->defcache, argtype);	/* 42704 if not a funnel */
	}

	/*
	 * A new state goes in the current (per-call) context: nodeAgg copies any
	 * new pass-by-reference state into its own context, so allocating it
	 * there too would make two.  Six events fill a 128-byte chunk.
	 */
	if (PG_ARGISNULL(0))
	{
		j = journey_alloc(CurrentMemoryContext, c->basetype, 6);
		j->flags = JOURNEY_SORTED;	/* (vacuously) in time order */
	}
	else
	{
		j = journey_state_arg(fcinfo);

		/*
		 * Only a custom aggregate's initcond can give a state of another
		 * funnel (an int compare per row; the state's type never changes).
		 */
		if (j->stage_type != c->basetype)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot add a stage of funnel %s to a journey of funnel %s",
							format_type_be(c->basetype), funnel_type_name(j->stage_type, false)),
					 errhint("An aggregate's initial condition (initcond) must be a journey of the stage argument's funnel.")));
	}
	if (j->n == j->cap)
	{
		/* grow: nodeAgg copies the bigger value into its context and frees the old one */
		Journey    *bigger;

		bigger = journey_alloc(CurrentMemoryContext, j->stage_type, journey_grown_cap(j->cap, (int64) j->n + 1));
		memcpy(bigger->ev, j->ev, sizeof(JourneyEvent) * j->n);
		bigger->n = j->n;
		bigger->flags = j->flags;	/* still in time order, if it was */
		j = bigger;
	}
	/* appended history arrives in time order: then the final sort is skipped */
	if (j->n > 0 && at <= j->ev[j->n - 1].at)
		j->flags &= ~JOURNEY_SORTED;
	j->ev[j->n].at = at;
	j->ev[j->n].label = PG_GETARG_OID(1);
	j->n++;
	FUNNEL_CHECK_STATE(&journey_type, j);
	PG_RETURN_POINTER(j);
}

/* combine function: the events of state 2 appended to state 1 (unsorted) */
PG_FUNCTION_INFO_V1(journey_combine);
Datum
journey_combine(PG_FUNCTION_ARGS)
{
	Journey    *a;
	Journey    *b;
	Journey    *r;

	(void) funnel_agg_context(fcinfo, "funnel.journey combine");
	if (PG_ARGISNULL(1))
		return funnel_state_unchanged(fcinfo);
	b = journey_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
	{
		/* nodeAgg copies it into the aggregate context */
		r = journey_alloc(CurrentMemoryContext, b->stage_type, Max(b->n, 6));
		memcpy(r->ev, b->ev, sizeof(JourneyEvent) * b->n);
		r->n = b->n;
		FUNNEL_CHECK_STATE(&journey_type, r);
		PG_RETURN_POINTER(r);
	}
	a = journey_state_arg(fcinfo);
	if (a->stage_type != b->stage_type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine journeys of funnels %s and %s",
						funnel_type_name(a->stage_type, false), funnel_type_name(b->stage_type, false))));
	if ((int64) a->n + b->n > a->cap)
	{
		r = journey_alloc(CurrentMemoryContext, a->stage_type, journey_grown_cap(a->cap, (int64) a->n + b->n));
		memcpy(r->ev, a->ev, sizeof(JourneyEvent) * a->n);
		r->n = a->n;
		a = r;
	}
	memcpy(a->ev + a->n, b->ev, sizeof(JourneyEvent) * b->n);
	a->n += b->n;
	a->flags &= ~JOURNEY_SORTED;
	FUNNEL_CHECK_STATE(&journey_type, a);
	PG_RETURN_POINTER(a);
}

/* final function: the events sorted, repeats dropped, compact (a copy) */
PG_FUNCTION_INFO_V1(journey_final);
Datum
journey_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* called directly, the argument may be any stored journey (it is only read) */
	PG_RETURN_POINTER(journey_normalize(journey_from_datum(PG_GETARG_DATUM(0)), &fncache(fcinfo)->defcache));
}

/* ------------------------------------------------------------------------
 * I/O
 * ------------------------------------------------------------------------
 */

/* a time as a JSON string in UTC, as "YYYY-MM-DD HH:MI:SS.US+00[ BC]" */
static void
append_timestamp_utc(StringInfo buf, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	appendStringInfo(buf, "\"%04d-%02d-%02d %02d:%02d:%02d.%06d+00%s\"",
					 tm.tm_year > 0 ? tm.tm_year : -(tm.tm_year - 1),
					 tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec,
					 tm.tm_year > 0 ? "" : " BC");
}

/*
 * text output: {"version":1,"type":...,"events":[[stage, time], ...]} in
 * journey order, every event kept (journey_ordered): an aggregate's
 * unfinished state, which Citus ships between nodes as text, reads back
 * whole.  The aggregate's result and every stored journey it made have no
 * repeats, so their text is what it always was.
 */
PG_FUNCTION_INFO_V1(journey_out);
Datum
journey_out(PG_FUNCTION_ARGS)
{
	Journey    *j = journey_ordered(journey_from_datum(PG_GETARG_DATUM(0)), &fncache(fcinfo)->defcache);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"type\":", JOURNEY_VERSION);
	append_json_string(&buf, funnel_type_name(j->stage_type, true));
	appendStringInfoString(&buf, ",\"events\":[");
	for (i = 0; i < j->n; i++)
	{
		appendStringInfoString(&buf, i ? ",[" : "[");
		append_json_string(&buf, funnel_label_name(j->ev[i].label));
		appendStringInfoChar(&buf, ',');
		append_timestamp_utc(&buf, j->ev[i].at);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/*
 * Events must be in (time, tie rank) order.  An event may repeat the stage
 * before it (the lossless form of an unfinished state, journey_ordered);
 * consumers drop it (journey_normalize).
 */
static void
check_sorted(Journey *j, FunnelDefCache *dc, bool binary)
{
	FunnelDef  *def = NULL;
	int			i;
	int			prev = -1;
	int		   *idx = NULL;

	/*
	 * The order of events at equal times depends on which stages are
	 * outcomes, which only the funnel's registration says.  A value read
	 * before its funnel is registered -- a restore that loads tables of a
	 * schema sorting before "funnel" ahead of the funnel's definition -- is
	 * checked for everything else, and a journey with such ties is stored
	 * as not yet sorted: every use sorts it under the definition in force.
	 */
	if (funnel_is_registered(j->stage_type))
	{
		funnel_def_cached(dc, j->stage_type);
		idx = palloc(sizeof(int) * Max(j->n, 1));
		def = journey_stage_indexes(j, dc, idx);
	}
	for (i = 0; i < j->n; i++)
	{
		int			pos;
		const char *problem = NULL;

		if (TIMESTAMP_NOT_FINITE(j->ev[i].at) || !IS_VALID_TIMESTAMP(j->ev[i].at))
			problem = "event times must be finite timestamps";
		if (def == NULL)
		{
			if (problem == NULL && i > 0)
			{
				if (j->ev[i].at < j->ev[i - 1].at)
					problem = "events are not in journey order (time; at equal times open stages, then outcomes, each in enum order)";
				else if (j->ev[i].at == j->ev[i - 1].at && j->ev[i].label != j->ev[i - 1].label)
					j->flags &= ~JOURNEY_SORTED;
			}
			if (problem == NULL)
				continue;
			funnel_state_refuse(JOURNEY_TYPE, binary, problem);
		}
		pos = tie_rank(def, idx[i]);
		if (problem == NULL && i > 0 &&
			(j->ev[i].at < j->ev[i - 1].at || (j->ev[i].at == j->ev[i - 1].at && pos < prev)))
			problem = "events are not in journey order (time; at equal times open stages, then outcomes, each in enum order)";
		prev = pos;
		if (problem == NULL)
			continue;
		funnel_state_refuse(JOURNEY_TYPE, binary, problem);
	}
	if (idx)
		pfree(idx);
}

/*
 * A journey as consumers read it: in journey order (sorted under the
 * funnel's current definition), repeats dropped.
 */
Journey *
journey_sorted(Journey *j, FunnelDefCache *dc)
{
	return journey_normalize(j, dc);
}

/*
 * An event time of the text form: what timestamptz input takes, as 22P02 when
 * it is malformed or out of range (timestamptz_in says 22007 or 22008), and
 * without the words whose instant depends on the clock -- 'now', 'today',
 * 'tomorrow', 'yesterday' -- so that one text is always one value.  'epoch'
 * is a fixed instant; 'infinity' and '-infinity' parse here and are refused
 * with every infinite time by check_sorted (the aggregate refuses them too).
 * A time without a zone is read in the session's TimeZone, as timestamptz
 * input does; the text output always writes +00.
 */
static TimestampTz
event_time_in(const char *ts)
{
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	int			dtype = 0;
	int			nf;
	int			dterr;
	int			i;
	TimestampTz result;
	MemoryContext cxt = CurrentMemoryContext;

	dterr = ParseDateTime(ts, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf);
	for (i = 0; dterr == 0 && i < nf; i++)
	{
		int			val;

		if ((ftype[i] == DTK_STRING || ftype[i] == DTK_SPECIAL) &&
			DecodeSpecial(i, field[i], &val) == RESERV &&
			(val == DTK_NOW || val == DTK_TODAY || val == DTK_TOMORROW || val == DTK_YESTERDAY))
			jin_bad(JOURNEY_TYPE, psprintf("event time \"%s\" depends on the current time", ts));
	}
	if (dterr == 0)
	{
		/*
		 * DecodeDateTime raises 22023 for an unknown time zone name: a
		 * malformed time here.  Nothing is held at that point, and the error
		 * raised instead aborts the transaction as the original would.
		 */
		PG_TRY();
		{
			dterr = funnel_decode_datetime(field, ftype, nf, &dtype, &tm, &fsec, &tz);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
				PG_RE_THROW();
			FlushErrorState();
			jin_bad(JOURNEY_TYPE, psprintf("invalid event time \"%s\": %s", ts, edata->message));
		}
		PG_END_TRY();
	}
	if (dterr != 0)
		jin_bad(JOURNEY_TYPE, psprintf("invalid event time \"%s\"", ts));
	switch (dtype)
	{
		case DTK_DATE:
			if (tm2timestamp(&tm, fsec, &tz, &result) != 0)
				jin_bad(JOURNEY_TYPE, psprintf("event time \"%s\" out of range", ts));
			break;
		case DTK_EPOCH:
			result = SetEpochTimestamp();
			break;
		case DTK_LATE:
			TIMESTAMP_NOEND(result);
			break;
		case DTK_EARLY:
			TIMESTAMP_NOBEGIN(result);
			break;
		default:
			jin_bad(JOURNEY_TYPE, psprintf("invalid event time \"%s\"", ts));
			result = 0;			/* keep compiler quiet */
	}
	return result;
}

/* text input: the JSON form, validated (22P02) */
PG_FUNCTION_INFO_V1(journey_in);
Datum
journey_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), JOURNEY_TYPE);
	JsonbContainer *events;
	Oid			typid;
	Journey    *j;
	uint32		i;
	uint32		n;

	if (jin_int64(jin_get(obj, "version", true, JOURNEY_TYPE), JOURNEY_TYPE, "version") != JOURNEY_VERSION)
		jin_bad(JOURNEY_TYPE, "unknown version");
	typid = jin_enum_type(jin_string(jin_get(obj, "type", true, JOURNEY_TYPE), JOURNEY_TYPE, "type"), JOURNEY_TYPE);
	events = jin_array(jin_get(obj, "events", true, JOURNEY_TYPE), JOURNEY_TYPE, "events");
	n = jin_len(events);
	if (n > JOURNEY_MAX_EVENTS)
		jin_bad(JOURNEY_TYPE, psprintf("more than %d events", JOURNEY_MAX_EVENTS));
	j = journey_alloc(CurrentMemoryContext, typid, n);
	for (i = 0; i < n; i++)
	{
		JsonbContainer *e = jin_array(jin_at(events, i), JOURNEY_TYPE, "an event");
		char	   *label;
		char	   *ts;
		HeapTuple	tup;

		if (jin_len(e) != 2)
			jin_bad(JOURNEY_TYPE, "an event must be [stage, time]");
		label = jin_string(jin_at(e, 0), JOURNEY_TYPE, "event stage");
		ts = jin_string(jin_at(e, 1), JOURNEY_TYPE, "event time");
		if (strlen(label) >= NAMEDATALEN)
			jin_bad(JOURNEY_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(typid)));
		tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid), CStringGetDatum(label));
		if (!HeapTupleIsValid(tup))
			jin_bad(JOURNEY_TYPE, psprintf("\"%s\" is not a stage of %s", label, format_type_be(typid)));
		j->ev[i].label = ((Form_pg_enum) GETSTRUCT(tup))->oid;
		ReleaseSysCache(tup);
		j->ev[i].at = event_time_in(ts);
	}
	j->n = (int32) n;
	j->flags = JOURNEY_SORTED;
	check_sorted(j, &fncache(fcinfo)->defcache, false);
	PG_RETURN_POINTER(j);
}

/*
 * binary output: the portable form (wire.h, wire_names.c) of version, type,
 * n, then n x (label, time), type and labels by name; every event kept, as
 * in the text form
 */
PG_FUNCTION_INFO_V1(journey_send);
Datum
journey_send(PG_FUNCTION_ARGS)
{
	Journey    *j = journey_ordered(journey_from_datum(PG_GETARG_DATUM(0)), &fncache(fcinfo)->defcache);
	WireNames	names;
	StringInfoData body;
	int			i;

	wire_names_init(&names);
	initStringInfo(&body);
	wire_put_u8(&body, JOURNEY_VERSION);
	wire_put_type(&body, &names, j->stage_type);
	wire_put_u32(&body, (uint32) j->n);
	for (i = 0; i < j->n; i++)
	{
		wire_put_label(&body, &names, j->ev[i].label);
		wire_put_i64(&body, j->ev[i].at);
	}
	PG_RETURN_BYTEA_P(wire_portable_send(&names, &body, JOURNEY_TYPE));
}

/*
 * binary input: the form journey_send writes, or the OID form of 1.0 and
 * earlier 1.1 builds (version, type OID, n, n x (label OID, time):
 * meaningful in the cluster that wrote it), validated like input
 */
PG_FUNCTION_INFO_V1(journey_recv);
Datum
journey_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	WireNames	names;
	WireReader	r;
	Oid			typid;
	int64		n;
	Journey    *j;
	int			i;

	r = wire_is_portable(buf) ? wire_portable_reader(buf, JOURNEY_TYPE, &names)
		: wire_reader_msg(buf, JOURNEY_TYPE);
	if (wire_left(&r) < JOURNEY_WIRE_HEADER || wire_get_u8(&r, "version") != JOURNEY_VERSION)
		wire_bad(&r, "bad header");
	typid = wire_get_type(&r, "stage type");
	n = wire_get_u32(&r, "event count");
	if (get_typtype(typid) != TYPTYPE_ENUM)
		wire_error(JOURNEY_TYPE, "type %u is not an enum", typid);
	if (n > JOURNEY_MAX_EVENTS)
		wire_error(JOURNEY_TYPE, "more than %d events", JOURNEY_MAX_EVENTS);
	if (wire_left(&r) != (Size) n * JOURNEY_WIRE_EVENT)
		wire_bad(&r, "bad event count");
	j = journey_alloc(CurrentMemoryContext, typid, (int) n);
	for (i = 0; i < n; i++)
	{
		j->ev[i].label = wire_get_label(&r, "event label");
		j->ev[i].at = wire_get_i64(&r, "event time");
		if (!funnel_label_belongs(j->ev[i].label, typid))
			wire_error(JOURNEY_TYPE, "%u is not a stage of %s", j->ev[i].label, format_type_be(typid));
	}
	wire_done_msg(&r, buf);
	j->n = (int32) n;
	j->flags = JOURNEY_SORTED;
	check_sorted(j, &fncache(fcinfo)->defcache, true);
	FUNNEL_CHECK_STATE(&journey_type, j);
	PG_RETURN_POINTER(j);
}

/* ------------------------------------------------------------------------
 * Facts and accessors
 * ------------------------------------------------------------------------
 */

/*
 * What j says about each stage of its funnel.  dc must hold j's funnel; the
 * per-stage arrays are sized from the definition the event indexes were
 * taken from (f->def), never from one the lookups may have replaced.
 */
void
journey_facts(Journey *j, FunnelDefCache *dc, JourneyFacts *f)
{
	FunnelDef  *def;
	int			i;
	bool	   *open_seen;
	FunnelOutcome last_outcome;

	f->event_stage = palloc(sizeof(int) * Max(j->n, 1));
	def = journey_stage_indexes(j, dc, f->event_stage);
	f->def = def;
	f->nstages = def->nstages;
	f->entries = palloc0(sizeof(int) * def->nstages);
	f->furthest_open = -1;
	f->first_outcome_event = -1;
	f->outcome = FUNNEL_OPEN;
	last_outcome = FUNNEL_OPEN;
	open_seen = palloc0(sizeof(bool) * Max(def->n_open, 1));
	for (i = 0; i < j->n; i++)
	{
		FunnelStage *st = &def->stages[f->event_stage[i]];

		f->entries[f->event_stage[i]]++;
		if (st->outcome == FUNNEL_OPEN)
		{
			open_seen[st->open_index] = true;
			if (st->open_index > f->furthest_open)
				f->furthest_open = st->open_index;
		}
		else
		{
			if (f->first_outcome_event < 0)
				f->first_outcome_event = i;
			last_outcome = st->outcome;
		}
		f->outcome = st->outcome;
	}

	/*
	 * Won and lost end a journey.  An open stage entered after an outcome
	 * reopens it only where the funnel allows reopening; elsewhere it is
	 * out-of-order data (a deal won before its first contact, say): the
	 * entity entered that stage, but its journey ended with the outcome, so
	 * it is never also "still open" or a drop-off.
	 */
	if (f->outcome == FUNNEL_OPEN && last_outcome != FUNNEL_OPEN && !def->allow_reopen)
		f->outcome = last_outcome;
	f->strict_prefix = 0;
	while (f->strict_prefix < def->n_open && open_seen[f->strict_prefix])
		f->strict_prefix++;
	pfree(open_seen);
}

/*
 * An accessor's journey, its funnel's definition cache, and (when argno >= 0)
 * the stage argument.  The accessors compare event labels with the stage's
 * label, and take stage indexes only from one definition (JourneyFacts.def).
 */
typedef struct Acc
{
	Journey    *j;
	FunnelDefCache *dc;
	Oid			label;			/* the stage argument */
} Acc;

/* The journey (in journey order) and stage argument of an accessor, checked. */
static Acc
accessor_args(FunctionCallInfo fcinfo, int stage_argno)
{
	JourneyFnCache *c = fncache(fcinfo);
	Acc			a;

	a.j = journey_normalize(journey_from_datum(PG_GETARG_DATUM(0)), &c->defcache);
	a.dc = &c->defcache;
	(void) funnel_def_cached(a.dc, a.j->stage_type);
	a.label = InvalidOid;
	if (stage_argno >= 0)
	{
		Oid			argtype = funnel_stage_argtype(fcinfo, stage_argno);

		if (argtype != c->argtype)
		{
			c->basetype = getBaseType(argtype);
			c->argtype = argtype;
		}
		if (c->basetype != a.j->stage_type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("stage of type %s does not belong to a journey of funnel %s",
							format_type_be(c->basetype), funnel_type_name(a.j->stage_type, false))));
		/* a stage of the funnel (a label it did not know rebuilds it first) */
		a.label = PG_GETARG_OID(stage_argno);
		(void) funnel_stage_index(a.dc, a.label, NULL);
	}
	return a;
}

/* reached: open stages up to the furthest open stage entered; outcomes only if entered */
PG_FUNCTION_INFO_V1(journey_reached);
Datum
journey_reached(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, 1);
	JourneyFacts f;
	FunnelStage *st;
	int			stage;

	journey_facts(a.j, a.dc, &f);
	/* the stage's index in the definition the facts refer to */
	stage = funnel_label_index(f.def, a.label);
	Assert(stage >= 0);
	st = &f.def->stages[stage];
	if (st->outcome != FUNNEL_OPEN)
		PG_RETURN_BOOL(f.entries[stage] > 0);
	PG_RETURN_BOOL(st->open_index <= f.furthest_open);
}

/* entered(j, stage): did the entity ever enter the stage? */
PG_FUNCTION_INFO_V1(journey_entered);
Datum
journey_entered(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, 1);
	int			i;

	for (i = 0; i < a.j->n; i++)
		if (a.j->ev[i].label == a.label)
			PG_RETURN_BOOL(true);
	PG_RETURN_BOOL(false);
}

/* entries(j, stage): how many times it entered the stage */
PG_FUNCTION_INFO_V1(journey_entries);
Datum
journey_entries(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, 1);
	int			i;
	int			n = 0;

	for (i = 0; i < a.j->n; i++)
		if (a.j->ev[i].label == a.label)
			n++;
	PG_RETURN_INT32(n);
}

/* entered_at: the first entry into the stage */
PG_FUNCTION_INFO_V1(journey_entered_at);
Datum
journey_entered_at(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, 1);
	int			i;

	for (i = 0; i < a.j->n; i++)
		if (a.j->ev[i].label == a.label)
			PG_RETURN_TIMESTAMPTZ(a.j->ev[i].at);
	PG_RETURN_NULL();
}

/* exited_at: the end of the first visit (NULL while that visit is the current stay) */
PG_FUNCTION_INFO_V1(journey_exited_at);
Datum
journey_exited_at(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, 1);
	int			i;

	for (i = 0; i < a.j->n; i++)
		if (a.j->ev[i].label == a.label)
		{
			if (i + 1 < a.j->n)
				PG_RETURN_TIMESTAMPTZ(a.j->ev[i + 1].at);
			PG_RETURN_NULL();
		}
	PG_RETURN_NULL();
}

/*
 * Time spent in visit i up to as_of: from event i to event i+1 (or, for the
 * current stay, to as_of), counting only the part before as_of; >= 0.
 */
static int64
visit_usecs(Journey *j, int i, TimestampTz as_of)
{
	TimestampTz end = i + 1 < j->n ? j->ev[i + 1].at : as_of;

	if (end > as_of)
		end = as_of;
	if (end <= j->ev[i].at)
		return 0;
	return funnel_span_usecs(j->ev[i].at, end);
}

/* An as_of argument: finite (22008 otherwise). */
static TimestampTz
as_of_arg(FunctionCallInfo fcinfo, int argno)
{
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(argno);

	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as_of must be finite")));
	return t;
}

/* time_in_stage(j, stage, as_of): all visits, the current stay up to as_of */
PG_FUNCTION_INFO_V1(journey_time_in_stage);
Datum
journey_time_in_stage(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, 1);
	TimestampTz as_of = as_of_arg(fcinfo, 2);
	int64		total = 0;
	bool		entered = false;
	int			i;

	for (i = 0; i < a.j->n; i++)
		if (a.j->ev[i].label == a.label)
		{
			entered = true;
			if (pg_add_s64_overflow(total, visit_usecs(a.j, i, as_of), &total))
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("interval out of range")));
		}
	if (!entered)
		PG_RETURN_NULL();
	PG_RETURN_INTERVAL_P(funnel_usecs_interval(total));
}

/* latest_time_in_stage(j, stage, as_of): the last visit begun by as_of, up to as_of */
PG_FUNCTION_INFO_V1(journey_latest_time_in_stage);
Datum
journey_latest_time_in_stage(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, 1);
	TimestampTz as_of = as_of_arg(fcinfo, 2);
	int			i;

	for (i = a.j->n - 1; i >= 0; i--)
		if (a.j->ev[i].label == a.label && a.j->ev[i].at <= as_of)
			PG_RETURN_INTERVAL_P(funnel_usecs_interval(visit_usecs(a.j, i, as_of)));
	PG_RETURN_NULL();
}

/* cycle_length: first entry to the first won or lost stage; NULL while open */
PG_FUNCTION_INFO_V1(journey_cycle_length);
Datum
journey_cycle_length(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, -1);
	JourneyFacts f;

	journey_facts(a.j, a.dc, &f);
	if (f.first_outcome_event < 0)
		PG_RETURN_NULL();
	/* events are in time order, so this is never negative */
	PG_RETURN_INTERVAL_P(funnel_usecs_interval(funnel_span_usecs(a.j->ev[0].at, a.j->ev[f.first_outcome_event].at)));
}

/* outcome(j): won, lost or open (NULL for an empty journey) */
PG_FUNCTION_INFO_V1(journey_outcome);
Datum
journey_outcome(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, -1);
	JourneyFacts f;

	if (a.j->n == 0)
		PG_RETURN_NULL();
	journey_facts(a.j, a.dc, &f);
	PG_RETURN_TEXT_P(cstring_to_text(funnel_outcome_name(f.outcome)));
}

/* furthest_stage: the furthest open stage entered (outcomes are not further steps) */
PG_FUNCTION_INFO_V1(journey_furthest_stage);
Datum
journey_furthest_stage(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, -1);
	JourneyFacts f;
	int			i;

	journey_facts(a.j, a.dc, &f);
	if (f.furthest_open < 0)
		PG_RETURN_NULL();
	for (i = 0; i < f.def->nstages; i++)
		if (f.def->stages[i].open_index == f.furthest_open)
			PG_RETURN_TEXT_P(cstring_to_text(f.def->stages[i].label));
	PG_RETURN_NULL();
}

/* path(j): the stage labels in journey order */
PG_FUNCTION_INFO_V1(journey_path);
Datum
journey_path(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, -1);
	Datum	   *elems = palloc(sizeof(Datum) * Max(a.j->n, 1));
	int		   *idx = palloc(sizeof(int) * Max(a.j->n, 1));
	FunnelDef  *def = journey_stage_indexes(a.j, a.dc, idx);
	int			i;

	for (i = 0; i < a.j->n; i++)
		elems[i] = CStringGetTextDatum(def->stages[idx[i]].label);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, a.j->n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* stage_at(j, ts): the stage the entity was in at ts (NULL before its first event) */
PG_FUNCTION_INFO_V1(journey_stage_at);
Datum
journey_stage_at(PG_FUNCTION_ARGS)
{
	Acc			a = accessor_args(fcinfo, -1);
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);
	int			i;

	for (i = a.j->n - 1; i >= 0; i--)
		if (a.j->ev[i].at <= ts)
		{
			FunnelDef  *def;
			int			idx = funnel_stage_index(a.dc, a.j->ev[i].label, &def);

			PG_RETURN_TEXT_P(cstring_to_text(def->stages[idx].label));
		}
	PG_RETURN_NULL();
}

/* events: number of stage entries in the journey (repeats are no entries) */
PG_FUNCTION_INFO_V1(journey_event_count);
Datum
journey_event_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(journey_normalize(journey_from_datum(PG_GETARG_DATUM(0)), &fncache(fcinfo)->defcache)->n);
}
