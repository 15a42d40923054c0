/*
 * detail_options.c
 *		funnel.funnel_options, the options of window_funnel_detail: read from
 *		the composite value funnel.funnel_options(...) builds, checked once
 *		per call site, and written into each group's state as canonical
 *		bytes (so that states of one call combine, and a state read back is
 *		checked as strictly as an argument).
 *
 * What each option means is in detail_engine.h and README "Event funnels".
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "detail_options.h"
#include "duration.h"

/* see detail_options.h */
void
wfd_options_default(int nconds, WfdOptions *o)
{
	int			k;

	memset(o, 0, sizeof(WfdOptions));
	o->rules.nsteps = nconds;
	o->rules.max_gap = WFD_NO_LIMIT;
	for (k = 0; k < WFD_MAX_STEPS; k++)
		o->rules.step_window[k] = WFD_NO_LIMIT;
}

/* 22023 for a bad option */
static void
bad_option(const char *fn, const char *problem, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: %s", fn, problem),
			 hint ? errhint("%s", hint) : 0));
}

/*
 * The first problem of options for nconds conditions, or NULL: the rules
 * every option obeys, however it was given (argument or stored bytes).
 */
static const char *
options_problem(const WfdOptions *o, int nconds)
{
	const WfdRules *r = &o->rules;
	EventMask	excl_conds = 0;
	int			k;

	if (r->nsteps < 1 || r->nsteps > nconds)
		return "the number of steps must be 1 to the number of conditions";
	for (k = 0; k < WFD_MAX_STEPS; k++)
		if (r->step_window[k] < WFD_NO_LIMIT || (k == 0 && r->step_window[k] != WFD_NO_LIMIT) ||
			(k >= r->nsteps && r->step_window[k] != WFD_NO_LIMIT))
			return "step_windows must have at most one entry per step, the first NULL, none negative";
	if (r->max_gap < WFD_NO_LIMIT)
		return "max_gap must not be negative";
	if ((r->optional & 1) || (r->optional & ~events_all_conditions(r->nsteps)))
		return "optional steps must be steps 2 to the last";
	if (r->nexcl < 0 || r->nexcl > WFD_MAX_EXCLUSIONS)
		return "at most 8 exclusions";
	for (k = 0; k < r->nexcl; k++)
	{
		const WfdExclusion *e = &r->excl[k];

		if (e->cond < r->nsteps || e->cond >= nconds)
			return "an exclusion's condition must come after the steps";
		if (e->from < 1 || e->to > r->nsteps || e->from >= e->to)
			return "an exclusion's steps must be two steps, the first before the second";
		if ((r->optional & ((EventMask) 1 << (e->from - 1))) || (r->optional & ((EventMask) 1 << (e->to - 1))))
			return "an exclusion cannot start or end at an optional step";
		excl_conds |= (EventMask) 1 << e->cond;
	}
	if ((excl_conds | events_all_conditions(r->nsteps)) != events_all_conditions(nconds))
		return "every condition after the steps must be an exclusion's";
	if (o->hold < 0 || o->hold > WFD_MAX_VALUES || r->hold != (o->hold > 0))
		return "hold must be the number of a value, 1 to 32";
	if (o->breakdown < WFD_BREAKDOWN_NONE || o->breakdown > WFD_BREAKDOWN_LAST ||
		(o->breakdown == WFD_BREAKDOWN_STEP) != (o->breakdown_step != 0) ||
		o->breakdown_step < 0 || o->breakdown_step > r->nsteps)
		return "breakdown must be 'entry', 'last' or 'step N' with N a step";
	if (o->nwindows < 0 || o->nwindows > WFD_MAX_WINDOWS)
		return "at most 32 windows";
	for (k = 0; k < o->nwindows; k++)
		if (o->windows[k] < 0)
			return "windows must not be negative";
	if (o->has_as_of && TIMESTAMP_NOT_FINITE(o->as_of))
		return "as_of must be finite";
	return NULL;
}

/* the elements of a one- or two-dimensional array without NULLs (22023) */
static Datum *
array_elems(Datum d, Oid elemtype, int *n, const char *fn, const char *what)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			i;

	if (ARR_ELEMTYPE(a) != elemtype)
		bad_option(fn, psprintf("%s has the wrong element type", what), NULL);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, &elems, &nulls, n);
	for (i = 0; i < *n; i++)
		if (nulls[i] && strcmp(what, "step_windows") != 0)
			bad_option(fn, psprintf("%s must not contain NULL", what), NULL);
	if (strcmp(what, "step_windows") == 0)
		for (i = 0; i < *n; i++)
			if (nulls[i])
				elems[i] = (Datum) 0;
	return elems;
}

/* a column of the options value, or NULL */
static bool
option_column(HeapTupleHeader t, int col, Datum *v)
{
	bool		isnull;

	*v = GetAttributeByNum(t, (AttrNumber) col, &isnull);
	return !isnull;
}

/* breakdown text: 'entry', 'last' or 'step N' */
static void
read_breakdown(text *t, WfdOptions *o, const char *fn)
{
	char	   *s = text_to_cstring(t);
	char	   *end;
	long		n;

	if (strcmp(s, "entry") == 0)
		o->breakdown = WFD_BREAKDOWN_ENTRY;
	else if (strcmp(s, "last") == 0)
		o->breakdown = WFD_BREAKDOWN_LAST;
	else if (strncmp(s, "step ", 5) == 0 && s[5] >= '0' && s[5] <= '9' &&
			 (n = strtol(s + 5, &end, 10)) >= 1 && n <= o->rules.nsteps && *end == '\0')
	{
		o->breakdown = WFD_BREAKDOWN_STEP;
		o->breakdown_step = (int) n;
	}
	else
		bad_option(fn, psprintf("unknown breakdown \"%s\"", s),
				   psprintf("Use 'entry', 'last' or 'step N' with N from 1 to %d.", o->rules.nsteps));
}

/* see detail_options.h */
void
wfd_options_from_datum(Datum d, Oid typid, int nconds, WfdOptions *o, const char *fn)
{
	HeapTupleHeader t = DatumGetHeapTupleHeader(d);
	TupleDesc	desc;
	Datum		v;
	Datum	   *el;
	int			n;
	int			k;
	const char *problem;

	wfd_options_default(nconds, o);
	if (HeapTupleHeaderGetTypeId(t) != typid)
		bad_option(fn, "the options are not a funnel.funnel_options value", NULL);
	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(t), HeapTupleHeaderGetTypMod(t));
	n = desc->natts;
	ReleaseTupleDesc(desc);
	if (n != WFD_OPT_COLUMNS)
		bad_option(fn, "funnel.funnel_options has the wrong number of columns", NULL);

	if (option_column(t, WFD_OPT_EXCLUDE, &v))
	{
		ArrayType  *a = DatumGetArrayTypeP(v);

		if (ARR_NDIM(a) != 0 && ARR_DIMS(a)[ARR_NDIM(a) - 1] != 3)
			bad_option(fn, "exclude must be triples {condition, from step, to step}",
					   "Write exclude => '{{4,1,3}}': condition 4 may not hold between steps 1 and 3.");
		el = array_elems(v, INT4OID, &n, fn, "exclude");
		if (n / 3 > WFD_MAX_EXCLUSIONS)
			bad_option(fn, "at most 8 exclusions", NULL);
		o->rules.nexcl = n / 3;
		o->rules.nsteps = nconds;
		for (k = 0; k < o->rules.nexcl; k++)
		{
			int			c = DatumGetInt32(el[3 * k]);

			if (c < 2 || c > nconds)
				bad_option(fn, psprintf("exclusion condition %d is not one of conditions 2 to %d", c, nconds), NULL);
			o->rules.excl[k].cond = c - 1;
			o->rules.excl[k].from = DatumGetInt32(el[3 * k + 1]);
			o->rules.excl[k].to = DatumGetInt32(el[3 * k + 2]);
			o->rules.nsteps = Min(o->rules.nsteps, c - 1);
		}
	}
	if (option_column(t, WFD_OPT_STEP_WINDOWS, &v))
	{
		el = array_elems(v, INTERVALOID, &n, fn, "step_windows");
		if (n > o->rules.nsteps)
			bad_option(fn, psprintf("step_windows has %d entries for %d steps", n, o->rules.nsteps), NULL);
		for (k = 0; k < n; k++)
			if (el[k] != (Datum) 0)
			{
				if (k == 0)
					bad_option(fn, "step_windows[1] must be NULL",
							   "Step 1 starts the chain: its window is the whole-chain window.");
				o->rules.step_window[k] = funnel_interval_usecs(DatumGetIntervalP(el[k]), fn, "step window");
				if (o->rules.step_window[k] < 0)
					bad_option(fn, "step windows must not be negative", NULL);
			}
	}
	if (option_column(t, WFD_OPT_MAX_GAP, &v))
	{
		o->rules.max_gap = funnel_interval_usecs(DatumGetIntervalP(v), fn, "max_gap");
		if (o->rules.max_gap < 0)
			bad_option(fn, "max_gap must not be negative", NULL);
	}
	if (option_column(t, WFD_OPT_OPTIONAL, &v))
	{
		el = array_elems(v, INT4OID, &n, fn, "optional");
		for (k = 0; k < n; k++)
		{
			int			s = DatumGetInt32(el[k]);

			if (s < 2 || s > o->rules.nsteps)
				bad_option(fn, psprintf("optional step %d is not one of steps 2 to %d", s, o->rules.nsteps),
						   "Step 1 is the entry: it cannot be optional.");
			o->rules.optional |= (EventMask) 1 << (s - 1);
		}
	}
	if (option_column(t, WFD_OPT_HOLD, &v))
	{
		o->hold = DatumGetInt32(v);
		if (o->hold < 1 || o->hold > WFD_MAX_VALUES)
			bad_option(fn, psprintf("hold %d is not the number of a value (1 to %d)", o->hold, WFD_MAX_VALUES), NULL);
		o->rules.hold = true;
	}
	if (option_column(t, WFD_OPT_BREAKDOWN, &v))
		read_breakdown(DatumGetTextPP(v), o, fn);
	if (option_column(t, WFD_OPT_WINDOWS, &v))
	{
		el = array_elems(v, INTERVALOID, &n, fn, "windows");
		if (n > WFD_MAX_WINDOWS)
			bad_option(fn, "at most 32 windows", NULL);
		o->nwindows = n;
		for (k = 0; k < n; k++)
		{
			o->windows[k] = funnel_interval_usecs(DatumGetIntervalP(el[k]), fn, "window");
			if (o->windows[k] < 0)
				bad_option(fn, "windows must not be negative", NULL);
		}
	}
	if (option_column(t, WFD_OPT_AS_OF, &v))
	{
		o->has_as_of = true;
		o->as_of = DatumGetTimestampTz(v);
	}
	if (option_column(t, WFD_OPT_COUNTING, &v))
	{
		char	   *s = TextDatumGetCString(v);

		if (strcmp(s, "attempts") == 0)
			o->attempts = true;
		else if (strcmp(s, "uniques") != 0)
			bad_option(fn, psprintf("unknown counting \"%s\"", s), "Use 'uniques' (one per group) or 'attempts'.");
	}
	problem = options_problem(o, nconds);
	if (problem)
		bad_option(fn, problem, NULL);
}

/*
 * The canonical bytes: steps, optional set, max gap, step windows, the
 * exclusions, hold, breakdown, windows, as_of, counting.
 */
void
wfd_options_write(StringInfo buf, const WfdOptions *o)
{
	int			k;

	wire_put_u8(buf, (uint8) o->rules.nsteps);
	wire_put_u32(buf, o->rules.optional);
	wire_put_i64(buf, o->rules.max_gap);
	for (k = 1; k < o->rules.nsteps; k++)
		wire_put_i64(buf, o->rules.step_window[k]);
	wire_put_u8(buf, (uint8) o->rules.nexcl);
	for (k = 0; k < o->rules.nexcl; k++)
	{
		wire_put_u8(buf, (uint8) o->rules.excl[k].cond);
		wire_put_u8(buf, (uint8) o->rules.excl[k].from);
		wire_put_u8(buf, (uint8) o->rules.excl[k].to);
	}
	wire_put_u8(buf, (uint8) o->hold);
	wire_put_u8(buf, (uint8) o->breakdown);
	wire_put_u8(buf, (uint8) o->breakdown_step);
	wire_put_u8(buf, (uint8) o->nwindows);
	for (k = 0; k < o->nwindows; k++)
		wire_put_i64(buf, o->windows[k]);
	wire_put_u8(buf, o->has_as_of ? 1 : 0);
	if (o->has_as_of)
		wire_put_i64(buf, o->as_of);
	wire_put_u8(buf, o->attempts ? 1 : 0);
}

/* see detail_options.h: the bytes wfd_options_write wrote, checked (22P03) */
void
wfd_options_read(WireReader *r, int nconds, WfdOptions *o)
{
	const char *problem;
	int			k;
	uint8		b;

	wfd_options_default(nconds, o);
	o->rules.nsteps = wire_get_u8(r, "steps");
	if (o->rules.nsteps < 1 || o->rules.nsteps > nconds)
		wire_bad(r, "the number of steps must be 1 to the number of conditions");
	o->rules.optional = wire_get_u32(r, "optional steps");
	o->rules.max_gap = wire_get_i64(r, "max_gap");
	for (k = 1; k < o->rules.nsteps; k++)
		o->rules.step_window[k] = wire_get_i64(r, "step window");
	o->rules.nexcl = wire_get_u8(r, "exclusions");
	if (o->rules.nexcl > WFD_MAX_EXCLUSIONS)
		wire_bad(r, "at most 8 exclusions");
	for (k = 0; k < o->rules.nexcl; k++)
	{
		o->rules.excl[k].cond = wire_get_u8(r, "exclusion");
		o->rules.excl[k].from = wire_get_u8(r, "exclusion");
		o->rules.excl[k].to = wire_get_u8(r, "exclusion");
	}
	o->hold = wire_get_u8(r, "hold");
	o->rules.hold = o->hold > 0;
	o->breakdown = wire_get_u8(r, "breakdown");
	o->breakdown_step = wire_get_u8(r, "breakdown");
	o->nwindows = wire_get_u8(r, "windows");
	if (o->nwindows > WFD_MAX_WINDOWS)
		wire_bad(r, "at most 32 windows");
	for (k = 0; k < o->nwindows; k++)
		o->windows[k] = wire_get_i64(r, "window");
	b = wire_get_u8(r, "as_of");
	if (b > 1)
		wire_bad(r, "bad as_of flag");
	o->has_as_of = b == 1;
	if (o->has_as_of)
		o->as_of = wire_get_i64(r, "as_of");
	b = wire_get_u8(r, "counting");
	if (b > 1)
		wire_bad(r, "bad counting flag");
	o->attempts = b == 1;
	problem = options_problem(o, nconds);
	if (problem)
		wire_bad(r, problem);
}
