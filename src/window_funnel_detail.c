/*
 * window_funnel_detail.c
 *		funnel.window_funnel_detail: per group, the whole winning chain of an
 *		event funnel -- level, entry, each step's time and duration, and the
 *		values the caller captures at each step -- under the options of
 *		funnel.funnel_options (detail_options.c), computed by the engine of
 *		detail_engine.c.  This file holds its state type, funnel.detail_events
 *		(I/O, combine), the transition function and the final function.
 *
 * State.  A flat varlena grown by doubling (as funnel.events): a header,
 * the call's options as canonical bytes (detail_options.c), then one record
 * per row where a condition held, in input order:
 *	 int64 ts | uint32 mask | uint32 len (bytes of the record) | uint32 nv |
 *	 uint32 zero | nv x (int32 length or -1 for NULL, bytes), MAXALIGNed.
 * nv is the number of values the row passed (0 for a NULL values array:
 * every value NULL).  The final function sorts pointers to the records by
 * time, then lowest condition, then the set of conditions, then the values'
 * bytes: a total order, so the chain chosen between equal rows (and the
 * values it reports) does not depend on input order or parallelism.
 *
 * Binary form (wire.h): u8 version | u8 conditions | u8 values | i64 window |
 * options (u32 length, bytes) | i64 rows | per row, in the order above:
 * i64 ts | u32 mask | u32 nv | nv x (u32 length, 0xFFFFFFFF for NULL,
 * bytes).  The text form is that binary form in hexadecimal, read back
 * through the same checks (so the two cannot disagree).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "access/tupdesc.h"

#include "detail_engine.h"
#include "detail_options.h"
#include "duration.h"
#include "events.h"
#include "fninfo.h"
#include "hexform.h"
#include "wire.h"

#define WFD_TYPE "funnel.detail_events"
#define WFD_VERSION 1
#define WFD_FN "window_funnel_detail"
#define WFD_SORTED 0x01

/*
 * Bytes of records in a group's first state (with the header and options a
 * 512-byte chunk).  A 256-byte first chunk (3 records with two short values)
 * was slower on test/bench/events.sh (CPU time 2.00x window_funnel against
 * 1.56x, one run each on a loaded machine), likely because many groups then
 * outgrow it and every growth copies the state twice (here, and in the
 * aggregate's reparenting).
 */
#define WFD_FIRST_ROOM 256
#define WFD_NULL_LEN 0xFFFFFFFF

/* the columns of funnel.funnel_detail */
#define WFD_OUT_COLUMNS 11

typedef struct DetailEvents
{
	int32		vl_len_;
	uint8		version;
	uint8		nconds;			/* 1 .. EVENTS_MAX_CONDITIONS */
	uint8		nvals;			/* values per row (0 until a row passes some) */
	uint8		flags;			/* WFD_SORTED: records in sort order */
	int32		n;				/* records */
	int32		used;			/* bytes of records */
	int32		cap;			/* bytes of room for records */
	int32		optlen;			/* bytes of options */
	int32		last;			/* offset of the last record (when n > 0) */
	int32		zero;
	int64		window;			/* microseconds, >= 0 */
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* options, padded; records */
} DetailEvents;

typedef struct DetailRecord
{
	int64		ts;
	EventMask	mask;
	uint32		len;			/* bytes of the record, MAXALIGNed */
	uint32		nv;				/* values that follow */
	uint32		zero;
} DetailRecord;

#define WFD_RECORDS_OFFSET(optlen) MAXALIGN(offsetof(DetailEvents, data) + (Size) (optlen))
#define WFD_SIZE(optlen, cap) (WFD_RECORDS_OFFSET(optlen) + (Size) (cap))
#define WFD_RECORDS(d) ((char *) (d) + WFD_RECORDS_OFFSET((d)->optlen))
#define WFD_MAX_BYTES ((int64) MaxAllocSize - 1024)

/* ---------------------------------------------------------------- records */

/* the value bytes of a record: value i's length (-1 NULL) and data */
static const char *
record_value(const DetailRecord *r, int i, int32 *len)
{
	const char *p = (const char *) r + sizeof(DetailRecord);
	int			k;

	if ((uint32) i >= r->nv)
	{
		*len = -1;
		return NULL;
	}
	for (k = 0; k < i; k++)
	{
		int32		l;

		memcpy(&l, p, sizeof(int32));
		p += sizeof(int32) + Max(l, 0);
	}
	memcpy(len, p, sizeof(int32));
	return p + sizeof(int32);
}

/* the bytes a record with these values takes */
static Size
record_size(int nv, const int32 *lens)
{
	Size		s = sizeof(DetailRecord);
	int			i;

	for (i = 0; i < nv; i++)
		s += sizeof(int32) + Max(lens[i], 0);
	return MAXALIGN(s);
}

/* the canonical order of records (see the header comment) */
static int
record_cmp(const DetailRecord *a, const DetailRecord *b)
{
	EventRow	ra = {a->ts, a->mask, 0};
	EventRow	rb = {b->ts, b->mask, 0};
	int			c = events_row_cmp(&ra, &rb);
	uint32		i;

	if (c != 0)
		return c;
	for (i = 0; i < Max(a->nv, b->nv); i++)
	{
		int32		la;
		int32		lb;
		const char *pa = record_value(a, (int) i, &la);
		const char *pb = record_value(b, (int) i, &lb);

		if (la < 0 || lb < 0)
		{
			if ((la < 0) != (lb < 0))
				return la < 0 ? 1 : -1;	/* NULL last */
			continue;
		}
		c = memcmp(pa, pb, Min(la, lb));
		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return 0;
}

/* record_cmp for qsort over pointers */
static int
record_ptr_cmp(const void *a, const void *b)
{
	return record_cmp(*(DetailRecord *const *) a, *(DetailRecord *const *) b);
}

/* pointers to a state's records, sorted */
static DetailRecord **
sorted_records(const DetailEvents *d)
{
	DetailRecord **p = palloc(sizeof(DetailRecord *) * Max(d->n, 1));
	char	   *q = WFD_RECORDS(d);
	int			i;

	for (i = 0; i < d->n; i++)
	{
		p[i] = (DetailRecord *) q;
		q += p[i]->len;
	}
	if (!(d->flags & WFD_SORTED) && d->n > 1)
		qsort(p, d->n, sizeof(DetailRecord *), record_ptr_cmp);
	return p;
}

/* ---------------------------------------------------------------- the value */

/* a detoasted state, its header checked against its size (XX001) */
static DetailEvents *
detail_checked(struct varlena *v)
{
	DetailEvents *d = (DetailEvents *) v;

	if (VARSIZE(v) < offsetof(DetailEvents, data) || d->version != WFD_VERSION ||
		d->nconds < 1 || d->nconds > EVENTS_MAX_CONDITIONS || d->n < 0 || d->used < 0 ||
		d->cap < d->used || d->optlen < 0 || d->last < 0 || (d->n > 0 && d->last >= d->used) || VARSIZE(v) != WFD_SIZE(d->optlen, d->cap))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted %s value", WFD_TYPE)));
	return d;
}

/* a state argument to read */
static DetailEvents *
detail_from_datum(Datum d)
{
	return detail_checked(PG_DETOAST_DATUM(d));
}

/* a new state with room bytes of records and the call's options, in the current context */
static DetailEvents *
detail_alloc(int nconds, int nvals, int64 window, const char *opts, int optlen, Size room)
{
	DetailEvents *d = palloc0(WFD_SIZE(optlen, room));

	SET_VARSIZE(d, WFD_SIZE(optlen, room));
	d->version = WFD_VERSION;
	d->nconds = (uint8) nconds;
	d->nvals = (uint8) nvals;
	d->flags = WFD_SORTED;
	d->cap = (int32) room;
	d->optlen = optlen;
	d->window = window;
	memcpy(d->data, opts, optlen);
	return d;
}

/* a copy of d with room for at least need more bytes of records (54000 past 1 GB) */
static DetailEvents *
detail_grow(const DetailEvents *d, Size need)
{
	int64		room = Max((int64) d->cap * 2, WFD_FIRST_ROOM);
	DetailEvents *r;

	while (room < (int64) d->used + (int64) need)
		room *= 2;
	if (room > WFD_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a %s group can hold at most 1 GB of events", WFD_FN),
				 errhint("Group by a finer key, capture fewer or shorter values, or narrow the rows with WHERE.")));
	r = palloc(WFD_SIZE(d->optlen, room));
	memcpy(r, d, WFD_RECORDS_OFFSET(d->optlen) + d->used);
	SET_VARSIZE(r, WFD_SIZE(d->optlen, room));
	r->cap = (int32) room;
	return r;
}

/* ---------------------------------------------------------------- the transition */

/* how a call passes its captured values */
#define WFD_VALS_NONE 0
#define WFD_VALS_ARRAY 1		/* one text[] */
#define WFD_VALS_RECORD 2		/* one row: ROW(a, b, ...) or a composite */

/*
 * The call site's cache: the argument layout (read from the declared
 * argument types of the transition function's OID, never from fn_expr),
 * the query constants as last checked and the layout of the last row type
 * of the values.
 */
typedef struct DetailArgCache
{
	bool		known;
	int			optarg;			/* argument number of the options, 0 for none */
	int			condarg;		/* the conditions array, or the first separate condition */
	int			nsep;			/* separate boolean conditions (0: one boolean[]) */
	int			valarg;			/* argument number of the values, 0 for none */
	int			valkind;		/* WFD_VALS_* */
	Oid			opttype;
	Interval	window_iv;
	int64		window;
	int			nconds;
	struct varlena *optraw;		/* the options value as given (NULL: none) */
	char	   *opts;			/* its canonical bytes */
	int			optlen;
	/* the constants of the call site's first row, and whether a row differed */
	int64		site_window;
	int			site_nconds;
	int			site_nv;
	bool		must_read;
	/* the row type of the values last seen (valkind WFD_VALS_RECORD) */
	Oid			rectype;		/* InvalidOid until a row is read */
	int32		rectypmod;
	TupleDesc	recdesc;		/* a copy, in fn_mcxt */
	int			recnv;			/* its columns that are not dropped: the values */
	int		   *recatt;			/* [recnv]: their attribute numbers - 1 */
	bool	   *recdirect;		/* [recnv]: text-like, its bytes are its text */
	FmgrInfo   *recout;			/* [recnv]: output functions of the others */
	Datum	   *recvals;		/* [natts]: room to deform a row */
	bool	   *recnulls;
} DetailArgCache;

/* 0A000: the transition function's declared arguments are none of ours */
static void
detail_bad_layout(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s cannot tell its arguments", WFD_FN),
			 errdetail("The arguments must be (window interval, ts timestamptz, [options funnel.funnel_options,] steps boolean[] or 1 to 8 boolean conditions, [values text[] or record]).")));
}

/* the call site's cache, its layout read from the declared argument types */
static DetailArgCache *
detail_arg_cache(FunctionCallInfo fcinfo)
{
	FmgrInfo   *fl = fcinfo->flinfo;
	DetailArgCache *c = (DetailArgCache *) fl->fn_extra;
	int			nargs = PG_NARGS();
	int			i;
	Oid			t;

	if (c != NULL)
		return c;
	c = MemoryContextAllocZero(fl->fn_mcxt, sizeof(DetailArgCache));
	/* (state, window, ts, [options,] steps boolean[] | step1 .. stepN boolean, [values]) */
	if (nargs < 4 || funnel_fn_argtype(fl->fn_oid, 1) != INTERVALOID ||
		funnel_fn_argtype(fl->fn_oid, 2) != TIMESTAMPTZOID)
		detail_bad_layout();
	i = 3;
	t = funnel_fn_argtype(fl->fn_oid, i);
	if (t != BOOLOID && t != BOOLARRAYOID)
	{
		if (!OidIsValid(t) || get_typtype(t) != TYPTYPE_COMPOSITE)
			detail_bad_layout();
		c->optarg = i;
		c->opttype = t;
		t = funnel_fn_argtype(fl->fn_oid, ++i);
	}
	c->condarg = i;
	if (t == BOOLARRAYOID)
		i++;
	else
	{
		while (i < nargs && funnel_fn_argtype(fl->fn_oid, i) == BOOLOID)
		{
			c->nsep++;
			i++;
		}
		if (c->nsep == 0 || c->nsep > EVENTS_MAX_CONDITIONS)
			detail_bad_layout();
	}
	if (i < nargs)
	{
		t = funnel_fn_argtype(fl->fn_oid, i);
		c->valarg = i;
		c->valkind = t == TEXTARRAYOID ? WFD_VALS_ARRAY : t == RECORDOID ? WFD_VALS_RECORD : WFD_VALS_NONE;
		if (c->valkind == WFD_VALS_NONE || i + 1 != nargs)
			detail_bad_layout();
	}
	fl->fn_extra = c;
	return c;
}

/*
 * The values of a row type (c->recdesc and the rest) for the row type
 * (typid, typmod): its columns that are not dropped, 1 to WFD_MAX_VALUES
 * of them (22023), each read as its bytes (text, varchar, char) or through
 * its output function.  Once per row type a call site sees: the row type
 * of an expression does not change from row to row.
 */
static void
detail_record_layout(FunctionCallInfo fcinfo, DetailArgCache *c, Oid typid, int32 typmod)
{
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	MemoryContext old;
	TupleDesc	tmp = lookup_rowtype_tupdesc(typid, typmod);
	TupleDesc	desc;
	int			nv = 0;
	int			j;
	int			k = 0;

	/* the new layout is built in full (in the call site's context) before the cache points at it */
	old = MemoryContextSwitchTo(cxt);
	desc = CreateTupleDescCopy(tmp);
	MemoryContextSwitchTo(old);
	ReleaseTupleDesc(tmp);
	for (j = 0; j < desc->natts; j++)
		if (!TupleDescAttr(desc, j)->attisdropped)
			nv++;
	if (nv < 1 || nv > WFD_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s takes 1 to %d values, not %d", WFD_FN, WFD_MAX_VALUES, nv),
				 errhint("Pass the values as ROW(a, b, ...), or NULL for a row without values.")));
	if (c->recdesc)
	{
		FreeTupleDesc(c->recdesc);
		pfree(c->recatt);
		pfree(c->recdirect);
		pfree(c->recout);
		pfree(c->recvals);
		pfree(c->recnulls);
		c->recdesc = NULL;
	}
	c->recatt = MemoryContextAlloc(cxt, sizeof(int) * nv);
	c->recdirect = MemoryContextAlloc(cxt, sizeof(bool) * nv);
	c->recout = MemoryContextAllocZero(cxt, sizeof(FmgrInfo) * nv);
	c->recvals = MemoryContextAlloc(cxt, sizeof(Datum) * desc->natts);
	c->recnulls = MemoryContextAlloc(cxt, sizeof(bool) * desc->natts);
	for (j = 0; j < desc->natts; j++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, j);

		if (a->attisdropped)
			continue;
		c->recatt[k] = j;
		c->recdirect[k] = a->atttypid == TEXTOID || a->atttypid == VARCHAROID || a->atttypid == BPCHAROID;
		if (!c->recdirect[k])
		{
			Oid			fn;
			bool		isvarlena;

			getTypeOutputInfo(a->atttypid, &fn, &isvarlena);
			fmgr_info_cxt(fn, &c->recout[k], cxt);
		}
		k++;
	}
	/* complete: the cache now describes this row type */
	c->recdesc = desc;
	c->recnv = nv;
	c->rectype = typid;
	c->rectypmod = typmod;
}

/* the row's window in microseconds (22023 if negative) */
static int64
detail_window(FunctionCallInfo fcinfo, DetailArgCache *c)
{
	Interval   *iv = PG_GETARG_INTERVAL_P(1);

	if (c->known && memcmp(iv, &c->window_iv, sizeof(Interval)) == 0)
		return c->window;
	c->window = funnel_interval_usecs(iv, WFD_FN, "window");
	if (c->window < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s window must not be negative", WFD_FN)));
	c->window_iv = *iv;
	return c->window;
}

/*
 * the canonical bytes of the row's options (cached while the value and
 * conditions are the same); true when they were read again
 */
static bool
detail_options(FunctionCallInfo fcinfo, DetailArgCache *c, int nconds)
{
	struct varlena *raw = NULL;
	WfdOptions	o;
	StringInfoData buf;

	if (c->optarg && !PG_ARGISNULL(c->optarg))
		raw = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(c->optarg));
	if (c->known && nconds == c->nconds &&
		((raw == NULL && c->optraw == NULL) ||
		 (raw != NULL && c->optraw != NULL && VARSIZE_ANY(raw) == VARSIZE_ANY(c->optraw) &&
		  memcmp(raw, c->optraw, VARSIZE_ANY(raw)) == 0)))
		return false;
	if (raw == NULL)
		wfd_options_default(nconds, &o);
	else
		wfd_options_from_datum(PointerGetDatum(PG_DETOAST_DATUM(PG_GETARG_DATUM(c->optarg))),
							   c->opttype, nconds, &o, WFD_FN);
	initStringInfo(&buf);
	wfd_options_write(&buf, &o);
	if (c->optraw)
		pfree(c->optraw);
	if (c->opts)
		pfree(c->opts);
	c->optraw = NULL;
	if (raw)
	{
		c->optraw = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(raw));
		memcpy(c->optraw, raw, VARSIZE_ANY(raw));
	}
	c->opts = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, buf.len);
	memcpy(c->opts, buf.data, buf.len);
	c->optlen = buf.len;
	c->nconds = nconds;
	pfree(buf.data);
	return true;
}

/* the group's state to append to: in place when plain, else a copy */
static DetailEvents *
detail_state_arg(FunctionCallInfo fcinfo)
{
	struct varlena *v = (struct varlena *) PG_GETARG_POINTER(0);

	return detail_checked(VARATT_IS_4B_U(v) ? v : PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
}

/* 22023: rows of one group must agree on their query constants */
static void
detail_mismatch(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s %s must be the same for every row of a group", WFD_FN, what)));
}

/*
 * window_funnel_detail_transfn(state, window, ts, [options,] steps, [values])
 */
PG_FUNCTION_INFO_V1(window_funnel_detail_transfn);
Datum
window_funnel_detail_transfn(PG_FUNCTION_ARGS)
{
	DetailArgCache *c;
	int64		window;
	EventMask	mask;
	int			nconds;
	int64		ts;
	DetailEvents *d;
	ArrayType  *vals = NULL;
	HeapTupleHeader row = NULL;
	int			nv = 0;
	const char *vp[WFD_MAX_VALUES];
	int32		lens[WFD_MAX_VALUES];
	Size		size;
	DetailRecord *rec;
	char	   *p;
	int			i;

	events_require_aggregate(fcinfo, "funnel.window_funnel_detail_transfn");
	c = detail_arg_cache(fcinfo);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return events_state_unchanged(fcinfo);
	if (c->nsep == 0)
	{
		if (PG_ARGISNULL(c->condarg))
			return events_state_unchanged(fcinfo);
		mask = events_conditions_mask(PG_GETARG_ARRAYTYPE_P(c->condarg), &nconds, WFD_FN);
	}
	else
	{
		/* separate conditions: a NULL one is false */
		mask = 0;
		nconds = c->nsep;
		for (i = 0; i < nconds; i++)
			if (!PG_ARGISNULL(c->condarg + i) && PG_GETARG_BOOL(c->condarg + i))
				mask |= (EventMask) 1 << i;
	}
	window = detail_window(fcinfo, c);
	if (detail_options(fcinfo, c, nconds) && c->known)
		c->must_read = true;	/* other options (or number of conditions) than the first row's */
	ts = PG_GETARG_TIMESTAMPTZ(2);
	if (TIMESTAMP_NOT_FINITE(ts))
		events_infinite_time(WFD_FN);
	if (c->valkind == WFD_VALS_ARRAY && !PG_ARGISNULL(c->valarg))
	{
		vals = PG_GETARG_ARRAYTYPE_P(c->valarg);
		if (ARR_NDIM(vals) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s values must be a one-dimensional array", WFD_FN)));
		if (ARR_ELEMTYPE(vals) != TEXTOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s values must be text", WFD_FN)));
		nv = ARR_NDIM(vals) == 0 ? 0 : ARR_DIMS(vals)[0];
		if (nv < 1 || nv > WFD_MAX_VALUES)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s takes 1 to %d values, not %d", WFD_FN, WFD_MAX_VALUES, nv),
					 errhint("Pass NULL instead of an empty array for a row without values.")));
	}
	else if (c->valkind == WFD_VALS_RECORD && !PG_ARGISNULL(c->valarg))
	{
		Oid			typid;
		int32		typmod;

		row = PG_GETARG_HEAPTUPLEHEADER(c->valarg);
		typid = HeapTupleHeaderGetTypeId(row);
		typmod = HeapTupleHeaderGetTypMod(row);
		if (c->recdesc == NULL || typid != c->rectype || typmod != c->rectypmod)
			detail_record_layout(fcinfo, c, typid, typmod);
		nv = c->recnv;
	}
	if (!c->known)
	{
		c->site_window = window;
		c->site_nconds = nconds;
		c->site_nv = nv;
		c->known = true;
	}
	else if (window != c->site_window || nconds != c->site_nconds || nv != c->site_nv)
		c->must_read = true;

	/*
	 * A row where no condition holds changes nothing but the checks of its
	 * constants against the group's state.  While every row of this call
	 * site so far has had this row's window, options, number of conditions
	 * and number of values, every state was made with them: there is
	 * nothing to check, and the state is returned without being read (as
	 * window_funnel does: in a time-ordered table most rows go to a state
	 * far from the last one touched, and reading its header costs a cache
	 * miss).  The first row of a group still makes its state.
	 */
	if (mask == 0 && !c->must_read && !PG_ARGISNULL(0))
		return PG_GETARG_DATUM(0);

	if (PG_ARGISNULL(0))
		d = detail_alloc(nconds, nv, window, c->opts, c->optlen, WFD_FIRST_ROOM);
	else
	{
		d = detail_state_arg(fcinfo);
		if (d->nconds != nconds)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s got %d conditions on one row and %d on another", WFD_FN, nconds, (int) d->nconds),
					 errdetail("Every row of a group must pass the same number of conditions.")));
		if (d->window != window)
			detail_mismatch("window");
		if (d->optlen != c->optlen || memcmp(d->data, c->opts, c->optlen) != 0)
			detail_mismatch("options");
		if (nv > 0 && d->nvals > 0 && nv != d->nvals)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s got %d values on one row and %d on another", WFD_FN, nv, (int) d->nvals),
					 errdetail("Every row of a group must pass the same number of values.")));
		if (d->nvals == 0)
			d->nvals = (uint8) nv;
	}
	if (mask == 0)
		PG_RETURN_POINTER(d);	/* a row where no condition holds matters to nothing */

	/* the values' bytes (only now: most rows hold no condition) */
	if (vals != NULL)
	{
		Datum	   *velems;
		bool	   *vnulls;
		int			got;

		deconstruct_array(vals, TEXTOID, -1, false, TYPALIGN_INT, &velems, &vnulls, &got);
		Assert(got == nv);
		for (i = 0; i < nv; i++)
		{
			lens[i] = vnulls[i] ? -1 : (int32) VARSIZE_ANY_EXHDR(DatumGetPointer(velems[i]));
			vp[i] = vnulls[i] ? NULL : VARDATA_ANY(DatumGetPointer(velems[i]));
		}
	}
	else if (row != NULL)
	{
		HeapTupleData tup;

		tup.t_len = HeapTupleHeaderGetDatumLength(row);
		ItemPointerSetInvalid(&tup.t_self);
		tup.t_tableOid = InvalidOid;
		tup.t_data = row;
		heap_deform_tuple(&tup, c->recdesc, c->recvals, c->recnulls);
		for (i = 0; i < nv; i++)
		{
			int			a = c->recatt[i];

			if (c->recnulls[a])
			{
				lens[i] = -1;
				vp[i] = NULL;
			}
			else if (c->recdirect[i])
			{
				text	   *t = DatumGetTextPP(c->recvals[a]);

				lens[i] = (int32) VARSIZE_ANY_EXHDR(t);
				vp[i] = VARDATA_ANY(t);
			}
			else
			{
				vp[i] = OutputFunctionCall(&c->recout[i], c->recvals[a]);
				lens[i] = (int32) strlen(vp[i]);
			}
		}
	}
	size = record_size(nv, lens);
	if ((Size) (d->cap - d->used) < size)
		d = detail_grow(d, size);
	rec = (DetailRecord *) (WFD_RECORDS(d) + d->used);
	memset(rec, 0, size);
	rec->ts = ts;
	rec->mask = mask;
	rec->len = (uint32) size;
	rec->nv = (uint32) nv;
	p = (char *) rec + sizeof(DetailRecord);
	for (i = 0; i < nv; i++)
	{
		memcpy(p, &lens[i], sizeof(int32));
		p += sizeof(int32);
		if (lens[i] > 0)
		{
			memcpy(p, vp[i], lens[i]);
			p += lens[i];
		}
	}
	/* sortedness is kept only while rows come in order */
	if (d->n > 0 && (d->flags & WFD_SORTED) &&
		record_cmp((DetailRecord *) (WFD_RECORDS(d) + d->last), rec) > 0)
		d->flags &= ~WFD_SORTED;
	d->last = d->used;
	d->used += (int32) size;
	d->n++;
	PG_RETURN_POINTER(d);
}

/* ---------------------------------------------------------------- combine */

/* window_funnel_detail_combine(a, b): b's records appended to a */
PG_FUNCTION_INFO_V1(window_funnel_detail_combine);
Datum
window_funnel_detail_combine(PG_FUNCTION_ARGS)
{
	DetailEvents *a;
	DetailEvents *b;

	events_require_aggregate(fcinfo, "funnel.window_funnel_detail_combine");
	if (PG_ARGISNULL(1))
		return events_state_unchanged(fcinfo);
	b = detail_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(b);
	a = detail_state_arg(fcinfo);
	if (a->nconds != b->nconds || a->window != b->window || a->optlen != b->optlen ||
		memcmp(a->data, b->data, a->optlen) != 0 ||
		(a->nvals != 0 && b->nvals != 0 && a->nvals != b->nvals))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine %s states of different aggregate calls", WFD_TYPE),
				 errdetail("The states differ in conditions, window, options or number of values.")));
	if (b->n == 0)
	{
		if (a->nvals == 0)
			a->nvals = b->nvals;
		PG_RETURN_POINTER(a);
	}
	if (a->cap - a->used < b->used)
		a = detail_grow(a, b->used);
	memcpy(WFD_RECORDS(a) + a->used, WFD_RECORDS(b), b->used);
	a->last = a->used + b->last;
	a->used += b->used;
	a->n += b->n;
	a->flags &= ~WFD_SORTED;
	if (a->nvals == 0)
		a->nvals = b->nvals;
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------- I/O */

/* the binary form (see the header comment) into buf */
static void
detail_write(StringInfo buf, const DetailEvents *d)
{
	DetailRecord **recs = sorted_records(d);
	int			i;
	uint32		k;

	wire_put_u8(buf, WFD_VERSION);
	wire_put_u8(buf, d->nconds);
	wire_put_u8(buf, d->nvals);
	wire_put_i64(buf, d->window);
	wire_put_bytes(buf, d->data, d->optlen);
	wire_put_i64(buf, d->n);
	for (i = 0; i < d->n; i++)
	{
		wire_put_i64(buf, recs[i]->ts);
		wire_put_u32(buf, recs[i]->mask);
		wire_put_u32(buf, recs[i]->nv);
		for (k = 0; k < recs[i]->nv; k++)
		{
			int32		len;
			const char *v = record_value(recs[i], (int) k, &len);

			if (len < 0)
				wire_put_u32(buf, WFD_NULL_LEN);
			else
				wire_put_bytes(buf, v, len);
		}
	}
	pfree(recs);
}

/* the binary form read and checked (22P03), as a compact sorted state */
static DetailEvents *
detail_read(WireReader *r)
{
	uint8		nconds;
	uint8		nvals;
	int64		window;
	Size		optlen;
	const char *opts;
	int64		n;
	int64		i;
	WfdOptions	o;
	WireReader	or;
	StringInfoData recs;
	DetailEvents *d;
	int			prevstart = -1;

	if (wire_get_u8(r, "version") != WFD_VERSION)
		wire_bad(r, "unknown version");
	nconds = wire_get_u8(r, "conditions");
	if (nconds < 1 || nconds > EVENTS_MAX_CONDITIONS)
		wire_bad(r, "the number of conditions must be 1 to 32");
	nvals = wire_get_u8(r, "values");
	if (nvals > WFD_MAX_VALUES)
		wire_bad(r, "at most 32 values");
	window = wire_get_i64(r, "window");
	if (window < 0)
		wire_bad(r, "negative window");
	opts = wire_get_bytes(r, &optlen, "options");
	or = (WireReader) {opts, optlen, 0, WFD_TYPE};
	wfd_options_read(&or, nconds, &o);
	wire_end(&or);
	n = wire_get_i64(r, "number of events");
	if (n < 0 || n > (int64) (wire_left(r) / (8 + 4 + 4)))
		wire_bad(r, "bad number of events");
	initStringInfo(&recs);
	for (i = 0; i < n; i++)
	{
		DetailRecord h = {0};
		int32		lens[WFD_MAX_VALUES];
		const char *vp[WFD_MAX_VALUES];
		uint32		k;
		int			start;
		Size		size;
		char	   *p;

		h.ts = wire_get_i64(r, "event time");
		h.mask = wire_get_u32(r, "event conditions");
		h.nv = wire_get_u32(r, "event values");
		if (TIMESTAMP_NOT_FINITE(h.ts))
			wire_bad(r, "an infinite event time");
		if (h.mask == 0 || (h.mask & ~events_all_conditions(nconds)))
			wire_bad(r, "an event's conditions are empty or beyond the number of conditions");
		if (h.nv != 0 && h.nv != nvals)
			wire_bad(r, "an event has the wrong number of values");
		for (k = 0; k < h.nv; k++)
		{
			uint32		len = wire_get_u32(r, "value length");

			if (len == WFD_NULL_LEN)
			{
				lens[k] = -1;
				vp[k] = NULL;
				continue;
			}
			if (len > wire_left(r) || len > (uint32) (MaxAllocSize / 2))
				wire_bad(r, "a value is cut short");
			lens[k] = (int32) len;
			vp[k] = wire_get_raw(r, len, "value");
		}
		size = record_size((int) h.nv, lens);
		if ((int64) recs.len + (int64) size > WFD_MAX_BYTES)
			wire_bad(r, "too many events");
		start = recs.len;
		enlargeStringInfo(&recs, (int) size);
		p = recs.data + start;
		memset(p, 0, size);
		h.len = (uint32) size;
		memcpy(p, &h, sizeof(DetailRecord));
		p += sizeof(DetailRecord);
		for (k = 0; k < h.nv; k++)
		{
			memcpy(p, &lens[k], sizeof(int32));
			p += sizeof(int32);
			if (lens[k] > 0)
			{
				memcpy(p, vp[k], lens[k]);
				p += lens[k];
			}
		}
		recs.len += (int) size;
		if (prevstart >= 0 &&
			record_cmp((DetailRecord *) (recs.data + prevstart), (DetailRecord *) (recs.data + start)) > 0)
			wire_bad(r, "events out of order");
		prevstart = start;
	}
	wire_end(r);
	d = detail_alloc(nconds, nvals, window, opts, (int) optlen, recs.len);
	memcpy(WFD_RECORDS(d), recs.data, recs.len);
	d->used = recs.len;
	d->last = Max(prevstart, 0);
	d->n = (int32) n;
	return d;
}

/* binary output */
PG_FUNCTION_INFO_V1(detail_events_send);
Datum
detail_events_send(PG_FUNCTION_ARGS)
{
	DetailEvents *d = detail_from_datum(PG_GETARG_DATUM(0));
	StringInfoData buf;

	wire_begin_send(&buf);
	detail_write(&buf, d);
	PG_RETURN_BYTEA_P(wire_end_send(&buf));
}

/* binary input, checked (22P03) */
PG_FUNCTION_INFO_V1(detail_events_recv);
Datum
detail_events_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	WireReader	r = wire_reader_msg(msg, WFD_TYPE);
	DetailEvents *d = detail_read(&r);

	wire_done_msg(&r, msg);
	PG_RETURN_POINTER(d);
}

/* text output: the binary form in hexadecimal */
PG_FUNCTION_INFO_V1(detail_events_out);
Datum
detail_events_out(PG_FUNCTION_ARGS)
{
	DetailEvents *d = detail_from_datum(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	detail_write(&buf, d);
	PG_RETURN_CSTRING(hex_form_out(buf.data, buf.len));
}

/* text input: hexadecimal of the binary form, checked (22P02 for bad digits, 22P03 for a bad form) */
PG_FUNCTION_INFO_V1(detail_events_in);
Datum
detail_events_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = hex_form_in(PG_GETARG_CSTRING(0), &len, WFD_TYPE);
	WireReader	r = {bytes, len, 0, WFD_TYPE};

	PG_RETURN_POINTER(detail_read(&r));
}

/* ---------------------------------------------------------------- the final function */

/* a value of a record as text, or NULL */
static Datum
value_datum(const DetailRecord *r, int i, bool *isnull)
{
	int32		len;
	const char *v = record_value(r, i, &len);

	*isnull = len < 0;
	return *isnull ? (Datum) 0 : PointerGetDatum(cstring_to_text_with_len(v, len));
}

/*
 * A one-dimensional array of n fixed-size elements (elsize a multiple of 8,
 * double-aligned: timestamptz, interval) from data (element k at k *
 * elsize) and isnull: what construct_md_array makes, without its generic
 * per-element size and alignment arithmetic (one per group and column).
 */
static ArrayType *
fixed_array(const char *data, const bool *isnull, int n, int elsize, Oid elemtype)
{
	int			nnull = 0;
	int			dataoffset;
	Size		nbytes;
	ArrayType  *a;
	bits8	   *bitmap;
	char	   *p;
	int			k;

	Assert(elsize % MAXIMUM_ALIGNOF == 0 && n >= 1);
	for (k = 0; k < n; k++)
		nnull += isnull[k] ? 1 : 0;
	dataoffset = 0;
	if (nnull > 0)
		dataoffset = (int) ARR_OVERHEAD_WITHNULLS(1, n);
	nbytes = (nnull > 0 ? (Size) dataoffset : ARR_OVERHEAD_NONULLS(1)) + (Size) (n - nnull) * elsize;
	a = (ArrayType *) palloc0(nbytes);
	SET_VARSIZE(a, nbytes);
	a->ndim = 1;
	a->dataoffset = dataoffset;
	a->elemtype = elemtype;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	bitmap = ARR_NULLBITMAP(a);
	p = (char *) a + (nnull > 0 ? (Size) dataoffset : ARR_OVERHEAD_NONULLS(1));
	for (k = 0; k < n; k++)
	{
		if (isnull[k])
			continue;
		if (bitmap)
			bitmap[k / 8] |= (bits8) (1 << (k % 8));
		memcpy(p, data + (Size) k * elsize, elsize);
		p += elsize;
	}
	return a;
}

/* the level with another whole-chain window */
static int
level_with_window(const WfdEvent *ev, int n, const WfdRules *rules, int64 window)
{
	WfdRules	r = *rules;
	WfdChain	c;

	r.window = window;
	wfd_best_chain(ev, n, &r, &c);
	return c.level;
}

/*
 * The final function's cache for the call site (fn_extra): the result's
 * row descriptor, checked (funnel.funnel_detail's columns), and the options
 * last read, by their canonical bytes: one look-up and one parse per query,
 * not per group.  The bytes are compared in full before the parse is taken.
 */
typedef struct DetailFinalCache
{
	TupleDesc	desc;
	int			nconds;			/* 0: no options read yet */
	int			optlen;
	char	   *opts;
	WfdOptions	o;
} DetailFinalCache;

static DetailFinalCache *
detail_final_cache(FunctionCallInfo fcinfo)
{
	FmgrInfo   *fl = fcinfo->flinfo;
	DetailFinalCache *c = (DetailFinalCache *) fl->fn_extra;
	Oid			rettype;
	MemoryContext old;

	if (c != NULL)
		return c;
	rettype = funnel_fn_rettype(fl->fn_oid);
	if (!OidIsValid(rettype) || get_typtype(rettype) != TYPTYPE_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s must return funnel.funnel_detail", WFD_FN)));
	old = MemoryContextSwitchTo(fl->fn_mcxt);
	c = palloc0(sizeof(DetailFinalCache));
	c->desc = lookup_rowtype_tupdesc_copy(rettype, -1);
	MemoryContextSwitchTo(old);
	if (c->desc->natts != WFD_OUT_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s must return funnel.funnel_detail", WFD_FN)));
	BlessTupleDesc(c->desc);
	fl->fn_extra = c;
	return c;
}

/* the options of a state, read (and checked) once per distinct bytes */
static void
detail_state_options(FunctionCallInfo fcinfo, DetailFinalCache *c, const DetailEvents *d, WfdOptions *o)
{
	WireReader	r;

	if (c->nconds == d->nconds && c->optlen == d->optlen && memcmp(c->opts, d->data, d->optlen) == 0)
	{
		*o = c->o;
		return;
	}
	r = (WireReader) {d->data, (Size) d->optlen, 0, WFD_TYPE};
	wfd_options_read(&r, d->nconds, o);
	c->nconds = 0;
	if (c->opts)
		pfree(c->opts);
	c->opts = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, Max(d->optlen, 1));
	memcpy(c->opts, d->data, d->optlen);
	c->optlen = d->optlen;
	c->o = *o;
	c->nconds = d->nconds;
}

/*
 * window_funnel_detail's final function: one funnel.funnel_detail (see
 * README "Event funnels"), NULL for a group without rows.
 */
PG_FUNCTION_INFO_V1(window_funnel_detail_final);
Datum
window_funnel_detail_final(PG_FUNCTION_ARGS)
{
	DetailEvents *d;
	DetailRecord **recs;
	WfdEvent   *ev;
	WfdOptions	o;
	WfdChain	chain;
	DetailFinalCache *fc;
	Datum		out[WFD_OUT_COLUMNS];
	bool		nulls[WFD_OUT_COLUMNS];
	int			n = 0;
	int			i;
	int			k;
	int			level;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = detail_from_datum(PG_GETARG_DATUM(0));
	fc = detail_final_cache(fcinfo);
	detail_state_options(fcinfo, fc, d, &o);
	o.rules.window = d->window;
	if (o.hold > d->nvals || (o.breakdown != WFD_BREAKDOWN_NONE && d->nvals == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: hold or breakdown reads value %d, but the rows pass %d values", WFD_FN,
						Max(o.hold, 1), (int) d->nvals),
				 errhint("hold and breakdown read the values argument: pass it.")));

	recs = sorted_records(d);
	ev = palloc(sizeof(WfdEvent) * Max(d->n, 1));
	for (i = 0; i < d->n; i++)
	{
		if (o.has_as_of && recs[i]->ts > o.as_of)
			break;				/* rows are sorted: the rest came after as_of */
		ev[n].ts = recs[i]->ts;
		ev[n].mask = recs[i]->mask;
		ev[n].key_null = true;
		ev[n].keylen = 0;
		ev[n].key = NULL;
		if (o.hold)
		{
			int32		len;

			ev[n].key = record_value(recs[i], o.hold - 1, &len);
			ev[n].key_null = len < 0;
			ev[n].keylen = Max(len, 0);
		}
		recs[n] = recs[i];
		n++;
	}
	wfd_best_chain(ev, n, &o.rules, &chain);
	level = chain.level;

	memset(nulls, true, sizeof(nulls));
	out[0] = Int32GetDatum(level);
	nulls[0] = false;
	out[1] = Int32GetDatum(o.rules.nsteps);
	nulls[1] = false;
	if (level > 0)
	{
		TimestampTz times[WFD_MAX_STEPS];
		bool		tnull[WFD_MAX_STEPS];
		Interval	durs[WFD_MAX_STEPS];
		int			dims[2];
		int			lbs[2] = {1, 1};
		int64		prev = ev[chain.row[0]].ts;

		out[2] = TimestampTzGetDatum(ev[chain.row[0]].ts);
		nulls[2] = false;
		for (k = 0; k < level; k++)
		{
			int			r = chain.row[k];

			tnull[k] = r < 0;
			if (r < 0)
				continue;
			times[k] = ev[r].ts;
			/* as funnel_usecs_interval makes it, without the allocation */
			memset(&durs[k], 0, sizeof(Interval));
			durs[k].day = (int32) ((ev[r].ts - prev) / USECS_PER_DAY);
			durs[k].time = (ev[r].ts - prev) % USECS_PER_DAY;
			prev = ev[r].ts;
		}
		dims[0] = level;
		out[3] = PointerGetDatum(fixed_array((const char *) times, tnull, level, sizeof(TimestampTz),
											 TIMESTAMPTZOID));
		out[4] = PointerGetDatum(fixed_array((const char *) durs, tnull, level, sizeof(Interval),
											 INTERVALOID));
		nulls[3] = nulls[4] = false;
		if (d->nvals > 0)
		{
			Datum	   *vals = palloc(sizeof(Datum) * level * d->nvals);
			bool	   *vnull = palloc(sizeof(bool) * level * d->nvals);

			for (k = 0; k < level; k++)
				for (i = 0; i < d->nvals; i++)
				{
					int			at = k * d->nvals + i;

					if (chain.row[k] < 0)
					{
						vnull[at] = true;
						vals[at] = (Datum) 0;
					}
					else
						vals[at] = value_datum(recs[chain.row[k]], i, &vnull[at]);
				}
			dims[1] = d->nvals;
			out[5] = PointerGetDatum(construct_md_array(vals, vnull, 2, dims, lbs, TEXTOID, -1, false,
														TYPALIGN_INT));
			nulls[5] = false;
		}
		if (o.breakdown != WFD_BREAKDOWN_NONE)
		{
			int			step = o.breakdown == WFD_BREAKDOWN_ENTRY ? 1 :
				o.breakdown == WFD_BREAKDOWN_LAST ? level : o.breakdown_step;

			if (step <= level && chain.row[step - 1] >= 0)
				out[6] = value_datum(recs[chain.row[step - 1]], 0, &nulls[6]);
		}
		if (o.has_as_of)
		{
			const char *status = "dropped";

			if (level == o.rules.nsteps)
				status = "converted";
			else
				for (i = 0; i < n; i++)
					if ((ev[i].mask & 1) && !(o.rules.hold && ev[i].key_null) &&
						(uint64) o.as_of - (uint64) ev[i].ts < (uint64) d->window)
						status = "in_progress";
			out[8] = CStringGetTextDatum(status);
			nulls[8] = false;
		}
	}
	if (o.nwindows > 0)
	{
		Datum		lv[WFD_MAX_WINDOWS];

		for (k = 0; k < o.nwindows; k++)
			lv[k] = Int32GetDatum(level_with_window(ev, n, &o.rules, o.windows[k]));
		out[7] = PointerGetDatum(construct_array(lv, o.nwindows, INT4OID, sizeof(int32), true, TYPALIGN_INT));
		nulls[7] = false;
	}
	if (o.rules.nexcl > 0)
	{
		WfdRules	r = o.rules;

		r.nexcl = 0;
		out[9] = BoolGetDatum(level_with_window(ev, n, &r, r.window) > level);
		nulls[9] = false;
	}
	if (o.attempts)
	{
		int		   *lv = palloc(sizeof(int) * Max(n, 1));
		Datum	   *ad = palloc(sizeof(Datum) * Max(n, 1));
		int			na = wfd_attempts(ev, n, &o.rules, lv);

		for (k = 0; k < na; k++)
			ad[k] = Int32GetDatum(lv[k]);
		out[10] = PointerGetDatum(construct_array(ad, na, INT4OID, sizeof(int32), true, TYPALIGN_INT));
		nulls[10] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(fc->desc, out, nulls)));
}
