/*
 * seqstore.h
 *		funnel.sequence: one entity's events stored as a compact value (times
 *		delta-encoded, event labels as small codes into a dictionary the
 *		value carries), built by the funnel.sequence(at, event) aggregate,
 *		grown by funnel.sequence_append, and read by the event-funnel
 *		functions over it (seqstore_query.c), which run the engines of
 *		window_funnel.c, sequence.c and retention.c.
 *
 * Two forms, one type.  The compact form is what every function returns
 * and what a table stores:
 *
 *	int32	varlena header (1 byte on disk for values under 127 bytes)
 *	uint8	version (SEQ_VERSION)
 *	uint8	form (SEQ_FORM_COMPACT)
 *	varint	n, the number of events
 *	varint	d, the number of distinct labels
 *	varint	unit: every event time is first + k * unit (microseconds, >= 1):
 *			the greatest common divisor of the events' offsets from the
 *			first (1 when there are none), so whole seconds cost a varint of
 *			seconds, exactly
 *	varint	first: the first event's time, zigzag-encoded (0 when n = 0)
 *	d x		label: varint length, then its bytes (server encoding); labels
 *			are distinct, in SeqLabelCmp order (bytes, then length), each
 *			used by some event
 *	n x		event: varint delta (time since the previous event, or since
 *			first, in units), varint code (0 = a NULL label, c = label c)
 *
 * Varints are unsigned LEB128 (7 bits a byte, low first), at most 10 bytes,
 * minimal (no trailing zero byte).  Events are in (time, code) order;
 * duplicates are kept: the value is the multiset of its rows.  The form is
 * canonical: one multiset of (time, label) rows has exactly one compact
 * value, whatever order the rows came in.  send/recv carry these bytes
 * after the varlena header (nothing in them is an OID); in and recv check
 * every byte of it (seqstore.c).
 *
 * The working form is the aggregate's transition state: the rows as given,
 * appended in place with room to spare (SeqWork), turned into the compact
 * form by the final function.  A value of the working form can be stored
 * (a user's aggregate over the transition function without the final
 * function); every reader converts it first (seq_compact).
 */
#ifndef FUNNEL_SEQSTORE_H
#define FUNNEL_SEQSTORE_H

#include "postgres.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"

#include "compat.h"
#include "events.h"

#define SEQ_TYPE "funnel.sequence"
#define SEQ_VERSION 1
#define SEQ_FORM_COMPACT 0
#define SEQ_FORM_WORK 1

/* the bytes before the compact form's varints: version and form */
#define SEQ_COMPACT_HEADER (VARHDRSZ + 2)

/* at most this many events: the functions over a value decode it into funnel.events rows */
#define SEQ_MAX_EVENTS EVENTS_MAX_ROWS

/* the working form: the rows as given (see above) */
typedef struct SeqWork
{
	int32		vl_len_;
	uint8		version;
	uint8		form;			/* SEQ_FORM_WORK */
	uint16		pad;			/* zero */
	int32		n;				/* rows held */
	int32		used;			/* bytes of rows */
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* rows: int64 time, int32 label
												 * length (-1: NULL), label bytes */
} SeqWork;

#define SEQ_WORK_HEADER offsetof(SeqWork, data)
#define SEQ_WORK_ROW_HEADER (sizeof(int64) + sizeof(int32))

/* a label: bytes and length */
typedef struct SeqLabel
{
	const char *p;
	int32		len;
} SeqLabel;

/*
 * the order of a compact value's labels: bytes (memcmp), then the shorter
 * first.  Short labels, as event names are, are compared in line (a call of
 * memcmp costs more than the few bytes it reads).
 */
static inline int
seq_label_cmp(const char *a, int alen, const char *b, int blen)
{
	int			n = Min(alen, blen);
	int			c;

	if (n <= 16)
	{
		int			i;

		for (i = 0; i < n; i++)
			if (a[i] != b[i])
				return (uint8) a[i] < (uint8) b[i] ? -1 : 1;
	}
	else if ((c = memcmp(a, b, n)) != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* the number of bytes of v as a varint */
static inline int
seq_varint_len(uint64 v)
{
	int			n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

/* write v as a varint at p; returns the byte after it */
static inline uint8 *
seq_varint_put(uint8 *p, uint64 v)
{
	while (v >= 0x80)
	{
		*p++ = (uint8) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8) v;
	return p;
}

/*
 * Read a varint at *pp (before end) into *v and advance *pp; false when it
 * is truncated, longer than 64 bits, or not minimal.
 */
static inline bool
seq_varint_get(const uint8 **pp, const uint8 *end, uint64 *v)
{
	const uint8 *p = *pp;
	uint64		r = 0;
	int			shift = 0;

	if (likely(p < end && *p < 0x80))
	{
		*v = *p;
		*pp = p + 1;
		return true;
	}
	for (;;)
	{
		uint8		b;

		if (p >= end || shift > 63)
			return false;
		b = *p++;
		if (shift == 63 && b > 1)
			return false;
		r |= (uint64) (b & 0x7F) << shift;
		if (!(b & 0x80))
		{
			if (b == 0 && shift > 0)
				return false;
			break;
		}
		shift += 7;
	}
	*pp = p;
	*v = r;
	return true;
}

/* zigzag: a signed number as an unsigned one whose varint is short when |v| is small */
static inline uint64
seq_zigzag(int64 v)
{
	return ((uint64) v << 1) ^ (uint64) (v >> 63);
}

/* the inverse of seq_zigzag */
static inline int64
seq_unzigzag(uint64 u)
{
	return (int64) (u >> 1) ^ -(int64) (u & 1);
}

/*
 * A reader of a compact value: seq_open reads the header, then
 * seq_next_label d times, then seq_next_event n times.  Every read is
 * bounds-checked; a value that breaks the layout raises XX001.
 */
typedef struct SeqCursor
{
	const uint8 *p;
	const uint8 *end;
	int64		n;				/* events */
	int64		nlabels;
	uint64		unit;
	uint64		max_delta;		/* PG_INT64_MAX / unit: no division per event */
	int64		ts;				/* the last event's time (first before any) */
} SeqCursor;

/* XX001: a stored funnel.sequence breaks its layout */
pg_noreturn extern void seq_corrupted(const char *problem) pg_attribute_noreturn();

/* the next event's time and label code (0 .. nlabels) */
static inline void
seq_next_event(SeqCursor *c, int64 *ts, uint32 *code)
{
	uint64		delta;
	uint64		k;
	int64		step;

	if (!seq_varint_get(&c->p, c->end, &delta) || !seq_varint_get(&c->p, c->end, &k))
		seq_corrupted("truncated event");
	if (k > (uint64) c->nlabels)
		seq_corrupted("label code out of range");
	if (delta != 0)
	{
		if (delta > c->max_delta)
			seq_corrupted("event time out of range");
		step = (int64) (delta * c->unit);
		if (pg_add_s64_overflow(c->ts, step, &c->ts) || !IS_VALID_TIMESTAMP(c->ts))
			seq_corrupted("event time out of range");
	}
	*ts = c->ts;
	*code = (uint32) k;
}

/* a detoasted value of the type in its compact form (a working form is converted) */
extern struct varlena *seq_compact(Datum d);

/* read a compact value's header (XX001 if it breaks the layout) */
extern void seq_open(const struct varlena *v, SeqCursor *c);

/* the next label of the dictionary */
extern void seq_next_label(SeqCursor *c, SeqLabel *label);

/*
 * The engines' final functions (window_funnel.c, sequence.c, retention.c),
 * called with a funnel.events value that seqstore_query.c builds from a
 * stored sequence.
 */
extern Datum window_funnel_final(PG_FUNCTION_ARGS);
extern Datum window_funnel_times_final(PG_FUNCTION_ARGS);
extern Datum sequence_match_final(PG_FUNCTION_ARGS);
extern Datum sequence_count_final(PG_FUNCTION_ARGS);
extern Datum retention_final(PG_FUNCTION_ARGS);

#endif							/* FUNNEL_SEQSTORE_H */
