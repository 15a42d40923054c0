/*
 * numsum.h
 *		Exact sums of numeric values without a palloc per value.
 *
 * A NumSum keeps sum(x) * 10^scale in an int128, where scale is the largest
 * display scale seen so far -- exactly the scale PostgreSQL's sum(numeric)
 * gives its result -- reading the digits straight from the value's stored
 * form.  A value that does not fit (more than 38 significant digits in all, a
 * scale above NUMSUM_MAX_SCALE, NaN or infinity) switches the sum for good to
 * PostgreSQL's own numeric arithmetic, which is slower but has no limit, so
 * the result is always the exact sum that sum(numeric) would return.
 */
#ifndef FUNNEL_NUMSUM_H
#define FUNNEL_NUMSUM_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/numeric.h"

#define NUMSUM_MAX_SCALE 30

typedef struct NumSum
{
	int64		count;			/* values added (NULLs are never added) */
	int16		scale;			/* display scale of the sum */
	bool		big;			/* the sum lives in `numeric` below */
	int128		acc;			/* sum * 10^scale, while !big */
	Numeric		numeric;		/* the sum, once big (palloc'd in mcxt) */
} NumSum;

extern void numsum_init(NumSum *s);
extern void numsum_add(NumSum *s, Datum value, MemoryContext mcxt);
extern void numsum_merge(NumSum *dst, const NumSum *src, MemoryContext mcxt);
/* s += an integer; s += value * factor (one value): no numeric made while the sum is fixed point */
extern void numsum_add_int64(NumSum *s, int64 v, MemoryContext mcxt);
extern void numsum_add_times(NumSum *s, Datum value, int64 factor, MemoryContext mcxt);
extern Numeric numsum_total(const NumSum *s);	/* NULL when count = 0 */
extern Numeric numsum_avg(const NumSum *s);		/* = avg(numeric); NULL when count = 0 */

/* NaN or +-Infinity?  (reads the header only; no copy for packed values) */
extern bool numeric_datum_is_special(Datum value);

/*
 * A numeric decoded once for several uses (a check, comparisons, sums):
 * v = value * 10^dscale while fixed; otherwise only the datum is used,
 * through numeric arithmetic.  numval_decode returns false for NaN and
 * infinity.  numsum_add_val gives exactly what numsum_add of the datum
 * gives; numval_cmp and numval_sign what numeric_cmp gives.
 */
typedef struct NumVal
{
	Datum		datum;
	int128		v;
	int16		dscale;
	bool		fixed;
} NumVal;

extern bool numval_decode(Datum value, NumVal *nv);
extern void numsum_add_val_slow(NumSum *s, const NumVal *nv, MemoryContext mcxt);

/* |sum * 10^scale| stays below this while the sum is fixed point (10^38) */
#define NUMSUM_ACC_LIMIT ((int128) 10000000000000000000ULL * (int128) 10000000000000000000ULL)

/*
 * s += a decoded value.  Inline: the common case, a value at the sum's
 * own scale whose sum stays fixed point; the rest in numsum_add_val_slow,
 * which gives what it gives (that case included).
 */
static inline void
numsum_add_val(NumSum *s, const NumVal *nv, MemoryContext mcxt)
{
	if (!s->big && nv->fixed && nv->dscale == s->scale)
	{
		int128		sum = s->acc + nv->v;

		if (sum < NUMSUM_ACC_LIMIT && sum > -NUMSUM_ACC_LIMIT)
		{
			s->count++;
			s->acc = sum;
			return;
		}
	}
	numsum_add_val_slow(s, nv, mcxt);
}
extern int	numval_cmp(const NumVal *a, const NumVal *b);
extern int	numval_sign(const NumVal *a);

/*
 * numeric -> float8 without going through text, bit-for-bit what
 * numeric_float8 returns; false when the fast path does not apply.
 */
extern bool numeric_float8_fast(Datum value, float8 *out);
extern bool numval_float8(const NumVal *nv, float8 *out);

/* binary form (inside the flat state values, and send/recv) */
struct WireReader;
extern void numsum_write(StringInfo buf, const NumSum *s);
extern void numsum_read(struct WireReader *r, NumSum *s, MemoryContext mcxt);

/* text form: "<count>:<sum>" with the sum in plain decimal notation */
extern void numsum_out(StringInfo buf, const NumSum *s);
extern bool numsum_in(const char *str, NumSum *s, MemoryContext mcxt);

#endif							/* FUNNEL_NUMSUM_H */
