/*
 * seqstore.c
 *		funnel.sequence, the type (layout in seqstore.h): its builder
 *		aggregate (transition, combine, final), sequence_append, the events
 *		of a value as rows, and the text and binary forms, which check every
 *		byte they read.
 *
 * Every value this file returns is compact and canonical: the rows are
 * gathered (SeqItems), given codes by label order, sorted by (time, code)
 * and encoded (seq_encode).  So a sequence built in one pass, built in
 * parts and merged, or grown event by event with sequence_append, is the
 * same value, byte for byte.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "seqstore.h"
#include "textform.h"
#include "wire.h"

/* a group's first working state: one 128-byte chunk (see events.c's EVENTS_FIRST_CHUNK) */
#define SEQ_WORK_FIRST_SIZE 128

/* the text form's event: [time, label] */
#define SEQ_JSON_EVENT_FIELDS 2

/* one row of a sequence being built: its time and label (len -1: NULL) and the label's code */
typedef struct SeqItem
{
	int64		ts;
	const char *p;
	int32		len;
	uint32		code;
	union
	{
		uint64		key;		/* seq_encode, while sorting by label: label_key() */
		uint64		delta;		/* seq_encode, then: time since the previous item, in units */
	}			u;
} SeqItem;

/* the rows of a sequence being built */
typedef struct SeqItems
{
	SeqItem    *v;
	int64		n;
	int64		cap;
} SeqItems;

static SeqLabel *seq_read_labels(SeqCursor *c);

/* ---------------------------------------------------------------- errors */

/* XX001: a stored value breaks the layout (seqstore.h) */
void
seq_corrupted(const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted %s value: %s", SEQ_TYPE, problem)));
}

/* 54000: a sequence would pass SEQ_MAX_EVENTS events or 1 GB */
static void
seq_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("a %s can hold at most " INT64_FORMAT " events in at most 1 GB", SEQ_TYPE,
					(int64) SEQ_MAX_EVENTS),
			 errhint("Keep one sequence per entity and period, e.g. per user and month.")));
}

/* 22008: stored events have finite times */
static void
seq_infinite_time(const char *fn)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("%s event times must be finite", fn),
			 errhint("Filter out rows with infinite times, or pass NULL to skip them.")));
}

/* ---------------------------------------------------------------- rows being built */

/* add a row (len -1: a NULL label); p must outlive the items */
static void
items_add(SeqItems *s, int64 ts, const char *p, int32 len)
{
	if (s->n == s->cap)
	{
		if (s->n >= SEQ_MAX_EVENTS)
			seq_too_large();
		s->cap = s->cap ? Min(s->cap * 2, SEQ_MAX_EVENTS) : 16;
		s->v = s->v ? repalloc_huge(s->v, sizeof(SeqItem) * s->cap) :
			palloc_extended(sizeof(SeqItem) * s->cap, MCXT_ALLOC_HUGE);
	}
	s->v[s->n].ts = ts;
	s->v[s->n].p = p;
	s->v[s->n].len = len;
	s->n++;
}

/* add the rows of a value of either form (detoasted with a 4-byte header, not yet checked) */
static void
items_add_value(SeqItems *s, const struct varlena *v)
{
	const uint8 *b = (const uint8 *) v;

	if (VARSIZE(v) < SEQ_COMPACT_HEADER || b[VARHDRSZ] != SEQ_VERSION)
		seq_corrupted("unknown version");
	if (b[VARHDRSZ + 1] == SEQ_FORM_WORK)
	{
		const SeqWork *w = (const SeqWork *) v;
		const char *p;
		const char *end;
		int32		i;

		if (VARSIZE(v) < SEQ_WORK_HEADER || w->n < 0 || w->used < 0 ||
			(Size) w->used > VARSIZE(v) - SEQ_WORK_HEADER)
			seq_corrupted("bad working header");
		p = w->data;
		end = w->data + w->used;
		for (i = 0; i < w->n; i++)
		{
			int64		ts;
			int32		len;

			if (end - p < (ptrdiff_t) SEQ_WORK_ROW_HEADER)
				seq_corrupted("truncated working row");
			memcpy(&ts, p, sizeof(int64));
			memcpy(&len, p + sizeof(int64), sizeof(int32));
			p += SEQ_WORK_ROW_HEADER;
			if (len < -1 || (len > 0 && end - p < len) || !IS_VALID_TIMESTAMP(ts))
				seq_corrupted("bad working row");
			items_add(s, ts, p, len);
			if (len > 0)
				p += len;
		}
	}
	else
	{
		SeqCursor	c;
		SeqLabel   *labels;
		int64		i;

		seq_open(v, &c);
		labels = seq_read_labels(&c);
		for (i = 0; i < c.n; i++)
		{
			int64		ts;
			uint32		code;

			seq_next_event(&c, &ts, &code);
			items_add(s, ts, labels[code].p, labels[code].len);
		}
	}
}

/*
 * A label's first 8 bytes as a big-endian number, zero-padded: two labels'
 * keys compare as seq_label_cmp compares those bytes, and when the keys are
 * equal and one label has at most 8 bytes, the shorter label is the
 * smaller (its bytes are a prefix of the other's), whatever bytes follow.
 * Most labels are that short, so sorting by label compares one number.
 */
static inline uint64
label_key(const char *p, int32 len)
{
	uint64		k = 0;
	int			n = Min(len, 8);
	int			i;

	for (i = 0; i < n; i++)
		k |= (uint64) (uint8) p[i] << (56 - 8 * i);
	return k;
}

/* order by label, NULL first: seq_label_cmp's order (u.key set by label_key) */
static inline int
item_label_cmp(const SeqItem *x, const SeqItem *y)
{
	if (x->len < 0 || y->len < 0)
		return (x->len >= 0) - (y->len >= 0);
	if (x->u.key != y->u.key)
		return x->u.key < y->u.key ? -1 : 1;
	if (x->len <= 8 || y->len <= 8)
		return (x->len > y->len) - (x->len < y->len);
	return seq_label_cmp(x->p + 8, x->len - 8, y->p + 8, y->len - 8);
}

/* item_label_cmp for qsort over pointers */
static int
item_label_qsort_cmp(const void *a, const void *b)
{
	return item_label_cmp(*(SeqItem *const *) a, *(SeqItem *const *) b);
}

/*
 * Sort items (pointers) by label: insertion sort in line for the few rows
 * most entities have (no call per comparison), qsort above.
 */
static void
sort_by_label(SeqItem **v, int64 n)
{
	int64		i;

	if (n > 16)
	{
		qsort(v, (size_t) n, sizeof(SeqItem *), item_label_qsort_cmp);
		return;
	}
	for (i = 1; i < n; i++)
	{
		SeqItem    *x = v[i];
		int64		j = i;

		while (j > 0 && item_label_cmp(v[j - 1], x) > 0)
		{
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* order by (time, code) */
static int
item_event_qsort_cmp(const void *a, const void *b)
{
	const SeqItem *x = (const SeqItem *) a;
	const SeqItem *y = (const SeqItem *) b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code ? 1 : 0;
}

/* are the items already in (time, code) order? */
static bool
items_sorted(const SeqItems *s)
{
	int64		i;

	for (i = 1; i < s->n; i++)
		if (item_event_qsort_cmp(&s->v[i - 1], &s->v[i]) > 0)
			return false;
	return true;
}

/* greatest common divisor (binary: shifts, no division); gcd64(0, b) = b */
static inline uint64
gcd64(uint64 a, uint64 b)
{
	int			shift;

	if (a == 0 || b == 0)
		return a | b;
	shift = __builtin_ctzll(a | b);
	a >>= __builtin_ctzll(a);
	do
	{
		b >>= __builtin_ctzll(b);
		if (a > b)
		{
			uint64		t = a;

			a = b;
			b = t;
		}
		b -= a;
	} while (b != 0);
	return a << shift;
}

/*
 * The compact, canonical value of the rows: codes by label order, events
 * by (time, code), times as multiples of their common unit (seqstore.h).
 * Sorts the items in place.
 */
static struct varlena *
seq_encode(SeqItems *s)
{
	SeqItem   **byl = NULL;
	SeqLabel   *labels = NULL;
	int64		nlabels = 0;
	uint64		unit = 0;
	int64		first = s->n > 0 ? PG_INT64_MAX : 0;
	Size		size;
	struct varlena *v;
	uint8	   *p;
	int64		i;

	/* the dictionary: distinct labels in order; codes 1.., a NULL label 0 */
	if (s->n > 0)
	{
		byl = palloc_extended(sizeof(SeqItem *) * s->n, MCXT_ALLOC_HUGE);
		labels = palloc_extended(sizeof(SeqLabel) * s->n, MCXT_ALLOC_HUGE);
		for (i = 0; i < s->n; i++)
		{
			byl[i] = &s->v[i];
			s->v[i].u.key = s->v[i].len > 0 ? label_key(s->v[i].p, s->v[i].len) : 0;
		}
		sort_by_label(byl, s->n);
		for (i = 0; i < s->n; i++)
		{
			SeqItem    *it = byl[i];

			if (it->len < 0)
				it->code = 0;
			else
			{
				if (nlabels == 0 || item_label_cmp(byl[i - 1], it) != 0)
				{
					labels[nlabels].p = it->p;
					labels[nlabels].len = it->len;
					nlabels++;
				}
				it->code = (uint32) nlabels;
			}
			first = Min(first, it->ts);
		}
		pfree(byl);
		if (!items_sorted(s))
			qsort(s->v, (size_t) s->n, sizeof(SeqItem), item_event_qsort_cmp);
		/* the times' common unit: a time already a multiple needs no gcd */
		for (i = 0; i < s->n && unit != 1; i++)
		{
			uint64		d = (uint64) s->v[i].ts - (uint64) first;

			if (unit == 0 || d % unit != 0)
				unit = gcd64(unit, d);
		}
	}
	if (unit == 0)
		unit = 1;

	/* the exact size, then the bytes */
	size = SEQ_COMPACT_HEADER + seq_varint_len((uint64) s->n) + seq_varint_len((uint64) nlabels) +
		seq_varint_len(unit) + seq_varint_len(seq_zigzag(first));
	for (i = 0; i < nlabels; i++)
		size += seq_varint_len((uint64) labels[i].len) + labels[i].len;
	for (i = 0; i < s->n; i++)
	{
		uint64		delta = (uint64) s->v[i].ts - (uint64) (i > 0 ? s->v[i - 1].ts : first);

		s->v[i].u.delta = unit == 1 ? delta : delta / unit;
		size += seq_varint_len(s->v[i].u.delta) + seq_varint_len(s->v[i].code);
		if (size > MaxAllocSize)
			seq_too_large();
	}
	v = (struct varlena *) palloc(size);
	SET_VARSIZE(v, size);
	p = (uint8 *) v + VARHDRSZ;
	*p++ = SEQ_VERSION;
	*p++ = SEQ_FORM_COMPACT;
	p = seq_varint_put(p, (uint64) s->n);
	p = seq_varint_put(p, (uint64) nlabels);
	p = seq_varint_put(p, unit);
	p = seq_varint_put(p, seq_zigzag(first));
	for (i = 0; i < nlabels; i++)
	{
		p = seq_varint_put(p, (uint64) labels[i].len);
		memcpy(p, labels[i].p, labels[i].len);
		p += labels[i].len;
	}
	for (i = 0; i < s->n; i++)
	{
		p = seq_varint_put(p, s->v[i].u.delta);
		p = seq_varint_put(p, s->v[i].code);
	}
	Assert((Size) (p - (uint8 *) v) == size);
	if (labels)
		pfree(labels);
	return v;
}

/* ---------------------------------------------------------------- reading */

/*
 * read a compact value's header (seqstore.h); XX001 if it breaks the layout.
 * The value may have a short (1-byte) header: it is read where it lies.
 */
void
seq_open(const struct varlena *v, SeqCursor *c)
{
	const uint8 *b = (const uint8 *) VARDATA_ANY(v);
	Size		len = VARSIZE_ANY_EXHDR(v);
	uint64		n;
	uint64		d;
	uint64		first;

	if (len < SEQ_COMPACT_HEADER - VARHDRSZ || b[0] != SEQ_VERSION || b[1] != SEQ_FORM_COMPACT)
		seq_corrupted("bad header");
	c->p = b + 2;
	c->end = b + len;
	if (!seq_varint_get(&c->p, c->end, &n) || !seq_varint_get(&c->p, c->end, &d) ||
		!seq_varint_get(&c->p, c->end, &c->unit) || !seq_varint_get(&c->p, c->end, &first))
		seq_corrupted("truncated header");
	/* every event takes 2 bytes at least, every label 1 */
	if (n > (uint64) SEQ_MAX_EVENTS || n > (uint64) (c->end - c->p) / 2 ||
		d > (uint64) (c->end - c->p) || c->unit == 0)
		seq_corrupted("bad header");
	c->n = (int64) n;
	c->nlabels = (int64) d;
	c->max_delta = (uint64) PG_INT64_MAX / c->unit;
	c->ts = seq_unzigzag(first);
	if (!IS_VALID_TIMESTAMP(c->ts))
		seq_corrupted("first time out of range");
}

/* the next label of the dictionary */
void
seq_next_label(SeqCursor *c, SeqLabel *label)
{
	uint64		len;

	if (!seq_varint_get(&c->p, c->end, &len) || len > (uint64) (c->end - c->p))
		seq_corrupted("truncated label");
	label->p = (const char *) c->p;
	label->len = (int32) len;
	c->p += len;
}

/*
 * A value's whole dictionary, by code: element 0 is the NULL label (len
 * -1), element c label c.  Leaves the cursor at the first event.
 */
static SeqLabel *
seq_read_labels(SeqCursor *c)
{
	SeqLabel   *labels = palloc(sizeof(SeqLabel) * (c->nlabels + 1));
	int64		i;

	labels[0].p = NULL;
	labels[0].len = -1;
	for (i = 1; i <= c->nlabels; i++)
		seq_next_label(c, &labels[i]);
	return labels;
}

/*
 * A detoasted value in its compact form: a compact value as it is (not
 * copied when it has a short header; it may point into a shared buffer:
 * read only), a working one encoded anew.
 */
struct varlena *
seq_compact(Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	const uint8 *b = (const uint8 *) VARDATA_ANY(v);
	SeqItems	s = {0};

	if (VARSIZE_ANY_EXHDR(v) < SEQ_COMPACT_HEADER - VARHDRSZ || b[0] != SEQ_VERSION)
		seq_corrupted("unknown version");
	if (b[1] == SEQ_FORM_COMPACT)
		return v;
	items_add_value(&s, PG_DETOAST_DATUM(d));
	return seq_encode(&s);
}

/* sequence_length(seq): the number of events (rows) a sequence holds */
PG_FUNCTION_INFO_V1(sequence_length);
Datum
sequence_length(PG_FUNCTION_ARGS)
{
	SeqCursor	c;

	seq_open(seq_compact(PG_GETARG_DATUM(0)), &c);
	PG_RETURN_INT64(c.n);
}

/* ---------------------------------------------------------------- the aggregate */

/* a working state with room for at least room bytes of rows, in the current context */
static SeqWork *
work_alloc(Size room)
{
	Size		size = Max(SEQ_WORK_FIRST_SIZE, SEQ_WORK_HEADER + room);
	SeqWork    *w;

	if (size > MaxAllocSize)
		seq_too_large();
	w = palloc(size);
	SET_VARSIZE(w, size);
	w->version = SEQ_VERSION;
	w->form = SEQ_FORM_WORK;
	w->pad = 0;
	w->n = 0;
	w->used = 0;
	return w;
}

/* append one row to a working state; a grown state is a new copy (doubling) */
static SeqWork *
work_append(SeqWork *w, int64 ts, const char *p, int32 len)
{
	Size		need = SEQ_WORK_ROW_HEADER + (len > 0 ? len : 0);
	Size		cap = VARSIZE(w) - SEQ_WORK_HEADER;
	char	   *dst;

	if (w->n >= SEQ_MAX_EVENTS)
		seq_too_large();
	if ((Size) w->used + need > cap)
	{
		Size		room = Max(cap * 2, (Size) w->used + need);
		SeqWork    *g;

		if (SEQ_WORK_HEADER + (Size) w->used + need > MaxAllocSize)
			seq_too_large();
		g = work_alloc(Min(room, MaxAllocSize - SEQ_WORK_HEADER));
		memcpy(g->data, w->data, w->used);
		g->n = w->n;
		g->used = w->used;
		w = g;
	}
	dst = w->data + w->used;
	memcpy(dst, &ts, sizeof(int64));
	memcpy(dst + sizeof(int64), &len, sizeof(int32));
	if (len > 0)
		memcpy(dst + SEQ_WORK_ROW_HEADER, p, len);
	w->used += (int32) need;
	w->n++;
	return w;
}

/*
 * The aggregate's state argument to append to in place: its own working
 * state (nodeAgg keeps the transition value in the aggregate's context), or
 * a copy when it is anything else (an initial condition, a compact value).
 */
static SeqWork *
work_state_arg(FunctionCallInfo fcinfo)
{
	struct varlena *v = (struct varlena *) PG_GETARG_POINTER(0);
	SeqItems	s = {0};
	SeqWork    *w;
	int64		i;

	if (VARATT_IS_4B_U(v) && VARSIZE(v) >= SEQ_WORK_HEADER &&
		((const uint8 *) v)[VARHDRSZ] == SEQ_VERSION && ((const uint8 *) v)[VARHDRSZ + 1] == SEQ_FORM_WORK)
	{
		w = (SeqWork *) v;
		if (w->n < 0 || w->used < 0 || (Size) w->used > VARSIZE(w) - SEQ_WORK_HEADER)
			seq_corrupted("bad working header");
		return w;
	}
	items_add_value(&s, PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
	w = work_alloc(0);
	for (i = 0; i < s.n; i++)
		w = work_append(w, s.v[i].ts, s.v[i].p, s.v[i].len);
	return w;
}

/*
 * sequence_transfn(state, at timestamptz, event text): the transition
 * function of funnel.sequence(at, event).  A NULL time skips the row (the
 * group still gets a state: its sequence is empty, not NULL); a NULL event
 * is kept as an event with no label.
 */
PG_FUNCTION_INFO_V1(sequence_transfn);
Datum
sequence_transfn(PG_FUNCTION_ARGS)
{
	SeqWork    *w;
	TimestampTz ts;
	text	   *label;

	events_require_aggregate(fcinfo, "funnel.sequence_transfn");
	w = PG_ARGISNULL(0) ? work_alloc(0) : work_state_arg(fcinfo);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(w);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		seq_infinite_time("funnel.sequence");
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(work_append(w, ts, NULL, -1));
	label = PG_GETARG_TEXT_PP(2);
	PG_RETURN_POINTER(work_append(w, ts, VARDATA_ANY(label), (int32) VARSIZE_ANY_EXHDR(label)));
}

/*
 * sequence_combine(a, b): the rows of b appended to a's working state.  A
 * NULL a gives a new working state holding b's rows, never b itself; like
 * every new or grown state, it is made in the per-call context and nodeAgg
 * copies it into the aggregate's.
 */
PG_FUNCTION_INFO_V1(sequence_combine);
Datum
sequence_combine(PG_FUNCTION_ARGS)
{
	SeqItems	s = {0};
	SeqWork    *w;
	int64		i;

	events_require_aggregate(fcinfo, "funnel.sequence_combine");
	if (PG_ARGISNULL(1))
		return events_state_unchanged(fcinfo);
	items_add_value(&s, PG_DETOAST_DATUM(PG_GETARG_DATUM(1)));
	w = PG_ARGISNULL(0) ? work_alloc(0) : work_state_arg(fcinfo);
	for (i = 0; i < s.n; i++)
		w = work_append(w, s.v[i].ts, s.v[i].p, s.v[i].len);
	PG_RETURN_POINTER(w);
}

/* sequence_final(state): the compact value of the group's rows (the state is not changed) */
PG_FUNCTION_INFO_V1(sequence_final);
Datum
sequence_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(seq_compact(PG_GETARG_DATUM(0)));
}

/* ---------------------------------------------------------------- appending */

/*
 * sequence_append(seq, at, event): seq with one more row, exactly the value
 * the aggregate gives over seq's rows and this one.  A NULL seq is an empty
 * one; a NULL time leaves seq as it is; a NULL event is an event with no
 * label.  (Not strict.)
 */
PG_FUNCTION_INFO_V1(sequence_append);
Datum
sequence_append(PG_FUNCTION_ARGS)
{
	SeqItems	s = {0};

	if (!PG_ARGISNULL(0))
		items_add_value(&s, PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
	if (!PG_ARGISNULL(1))
	{
		TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);

		if (TIMESTAMP_NOT_FINITE(ts))
			seq_infinite_time("sequence_append");
		if (PG_ARGISNULL(2))
			items_add(&s, ts, NULL, -1);
		else
		{
			text	   *label = PG_GETARG_TEXT_PP(2);

			items_add(&s, ts, VARDATA_ANY(label), (int32) VARSIZE_ANY_EXHDR(label));
		}
	}
	PG_RETURN_POINTER(seq_encode(&s));
}

/*
 * sequence_append_sequence(a, b): the rows of both (a multiset union: a row
 * in both counts twice); NULL when both are NULL, else a NULL one is empty.
 */
PG_FUNCTION_INFO_V1(sequence_append_sequence);
Datum
sequence_append_sequence(PG_FUNCTION_ARGS)
{
	SeqItems	s = {0};

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(0))
		items_add_value(&s, PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
	if (!PG_ARGISNULL(1))
		items_add_value(&s, PG_DETOAST_DATUM(PG_GETARG_DATUM(1)));
	PG_RETURN_POINTER(seq_encode(&s));
}

/*
 * sequence_events(seq) RETURNS TABLE(at timestamptz, event text): the rows
 * of a sequence in (time, label) order, a NULL label first among equal times.
 */
PG_FUNCTION_INFO_V1(sequence_events);
Datum
sequence_events(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	struct varlena *v = seq_compact(PG_GETARG_DATUM(0));
	SeqCursor	c;
	SeqLabel   *labels;
	int64		i;

	InitMaterializedSRF(fcinfo, 0);
	seq_open(v, &c);
	labels = seq_read_labels(&c);
	for (i = 0; i < c.n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};
		int64		ts;
		uint32		code;

		seq_next_event(&c, &ts, &code);
		values[0] = TimestampTzGetDatum(ts);
		if (code == 0)
			nulls[1] = true;
		else
			values[1] = PointerGetDatum(cstring_to_text_with_len(labels[code].p, labels[code].len));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------- text and binary forms */

/*
 * Text form (JSON): {"version": 1, "events": [[t, "label"], [t, null], ...]},
 * t in microseconds since 2000-01-01 00:00 UTC, events in (time, label)
 * order.  Independent of the session's time zone and date style.
 */
PG_FUNCTION_INFO_V1(sequence_out);
Datum
sequence_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = seq_compact(PG_GETARG_DATUM(0));
	StringInfoData buf;
	SeqCursor	c;
	SeqLabel   *labels;
	int64		i;

	seq_open(v, &c);
	labels = seq_read_labels(&c);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"events\": [", SEQ_VERSION);
	for (i = 0; i < c.n; i++)
	{
		int64		ts;
		uint32		code;

		seq_next_event(&c, &ts, &code);
		appendStringInfo(&buf, "%s[" INT64_FORMAT ", ", i ? ", " : "", ts);
		if (code == 0)
			appendStringInfoString(&buf, "null");
		else
			append_json_string(&buf, pnstrdup(labels[code].p, labels[code].len));
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* the text form (see sequence_out), events in any order (22P02 for anything wrong) */
PG_FUNCTION_INFO_V1(sequence_in);
Datum
sequence_in(PG_FUNCTION_ARGS)
{
	JsonbContainer *obj = jin_parse(PG_GETARG_CSTRING(0), SEQ_TYPE);
	JsonbContainer *evs;
	SeqItems	s = {0};
	uint32		n;
	uint32		i;

	if (jin_int64(jin_get(obj, "version", true, SEQ_TYPE), SEQ_TYPE, "version") != SEQ_VERSION)
		jin_bad(SEQ_TYPE, "unknown version");
	evs = jin_array(jin_get(obj, "events", true, SEQ_TYPE), SEQ_TYPE, "events");
	n = jin_len(evs);
	if ((int64) n > SEQ_MAX_EVENTS)
		jin_bad(SEQ_TYPE, "too many events");
	for (i = 0; i < n; i++)
	{
		JsonbContainer *ev = jin_array(jin_at(evs, i), SEQ_TYPE, "an event");
		JsonbValue *lv;
		int64		ts;

		if (jin_len(ev) != SEQ_JSON_EVENT_FIELDS)
			jin_bad(SEQ_TYPE, "an event must be [time, label]");
		ts = jin_int64(jin_at(ev, 0), SEQ_TYPE, "event time");
		if (TIMESTAMP_NOT_FINITE(ts) || !IS_VALID_TIMESTAMP(ts))
			jin_bad(SEQ_TYPE, "event time out of range");
		lv = jin_at(ev, 1);
		if (lv->type == jbvNull)
			items_add(&s, ts, NULL, -1);
		else
		{
			char	   *label = jin_string(lv, SEQ_TYPE, "event label");

			items_add(&s, ts, label, (int32) strlen(label));
		}
	}
	PG_RETURN_POINTER(seq_encode(&s));
}

/* binary form: the compact form's bytes after its varlena header */
PG_FUNCTION_INFO_V1(sequence_send);
Datum
sequence_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = seq_compact(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	wire_put_raw(&buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Check every byte of a received compact value (22P03): the layout, varints
 * minimal, labels valid in the server encoding, distinct, in order and each
 * used, events in (time, code) order with valid times, the unit the exact
 * common divisor of the offsets, nothing after the last event.  What passes
 * is the value seq_encode makes of its rows.
 */
static void
seq_validate(const struct varlena *v)
{
	const uint8 *b = (const uint8 *) v;
	const uint8 *p = b + SEQ_COMPACT_HEADER;
	const uint8 *end = b + VARSIZE(v);
	uint64		n = 0;
	uint64		d = 0;
	uint64		unit = 0;
	uint64		zfirst = 0;
	int64		first;
	int64		ts;
	uint64		g = 0;
	uint32		prev_code = 0;
	const char *prev = NULL;
	int32		prev_len = 0;
	bool	   *used;
	uint64		i;

	if (VARSIZE(v) < SEQ_COMPACT_HEADER || b[VARHDRSZ] != SEQ_VERSION)
		wire_fail(SEQ_TYPE, "unknown version");
	if (b[VARHDRSZ + 1] != SEQ_FORM_COMPACT)
		wire_fail(SEQ_TYPE, "unknown form");
	if (!seq_varint_get(&p, end, &n) || !seq_varint_get(&p, end, &d) ||
		!seq_varint_get(&p, end, &unit) || !seq_varint_get(&p, end, &zfirst))
		wire_fail(SEQ_TYPE, "truncated or non-minimal header");
	if (n > (uint64) SEQ_MAX_EVENTS || n > (uint64) (end - p) / 2)
		wire_fail(SEQ_TYPE, "bad number of events");
	if (d > n || d > (uint64) (end - p))
		wire_fail(SEQ_TYPE, "bad number of labels");
	if (unit == 0)
		wire_fail(SEQ_TYPE, "the time unit must be at least 1");
	first = seq_unzigzag(zfirst);
	if (n == 0 && (first != 0 || unit != 1))
		wire_fail(SEQ_TYPE, "an empty sequence has first time 0 and unit 1");
	if (TIMESTAMP_NOT_FINITE(first) || !IS_VALID_TIMESTAMP(first))
		wire_fail(SEQ_TYPE, "first time out of range");
	used = palloc0(sizeof(bool) * (d + 1));
	for (i = 0; i < d; i++)
	{
		uint64		len;

		if (!seq_varint_get(&p, end, &len) || len > (uint64) (end - p))
			wire_fail(SEQ_TYPE, "truncated label");
		if (!pg_verify_mbstr(GetDatabaseEncoding(), (const char *) p, (int) len, true))
			wire_fail(SEQ_TYPE, "a label is not valid in the server encoding");
		if (prev != NULL && seq_label_cmp(prev, prev_len, (const char *) p, (int) len) >= 0)
			wire_fail(SEQ_TYPE, "labels not distinct or out of order");
		prev = (const char *) p;
		prev_len = (int32) len;
		p += len;
	}
	ts = first;
	for (i = 0; i < n; i++)
	{
		uint64		delta = 0;
		uint64		code = 0;

		if (!seq_varint_get(&p, end, &delta) || !seq_varint_get(&p, end, &code))
			wire_fail(SEQ_TYPE, "truncated or non-minimal event");
		if (code > d)
			wire_fail(SEQ_TYPE, "label code out of range");
		if (delta > (uint64) PG_INT64_MAX / unit ||
			pg_add_s64_overflow(ts, (int64) (delta * unit), &ts) ||
			TIMESTAMP_NOT_FINITE(ts) || !IS_VALID_TIMESTAMP(ts))
			wire_fail(SEQ_TYPE, "event time out of range");
		if (i > 0 && delta == 0 && code < prev_code)
			wire_fail(SEQ_TYPE, "events out of order");
		if (i == 0 && delta != 0)
			wire_fail(SEQ_TYPE, "the first event is not at the first time");
		g = gcd64(g, (uint64) ts - (uint64) first);
		used[code] = true;
		prev_code = (uint32) code;
	}
	if (p != end)
		wire_fail(SEQ_TYPE, "bytes after the last event");
	if ((g == 0 ? 1 : g) != unit)
		wire_fail(SEQ_TYPE, "the time unit is not the common divisor of the times");
	for (i = 1; i <= d; i++)
		if (!used[i])
			wire_fail(SEQ_TYPE, "a label no event uses");
	pfree(used);
}

/* the binary form (see sequence_send), checked by seq_validate (22P03) */
PG_FUNCTION_INFO_V1(sequence_recv);
Datum
sequence_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Size		len = (Size) (buf->len - buf->cursor);
	struct varlena *v;

	if (len > MaxAllocSize - VARHDRSZ)
		wire_fail(SEQ_TYPE, "too long");
	v = (struct varlena *) palloc(VARHDRSZ + len);
	SET_VARSIZE(v, VARHDRSZ + len);
	memcpy(VARDATA(v), buf->data + buf->cursor, len);
	seq_validate(v);
	buf->cursor = buf->len;
	PG_RETURN_POINTER(v);
}
