/*
 * sketch.c
 *		Mergeable quantile sketch: exact up to QS_EXACT_LIMIT values, then a
 *		logarithmic-bucket relative-error sketch.  See sketch.h.
 *
 * Plain C99 with <math.h>; no PostgreSQL headers.
 *
 * Buckets.  A positive magnitude m falls in bucket i = ceil(ln m / ln g), the
 * interval (g^(i-1), g^i] with g = 1.02; the bucket's value is
 * 2 g^i / (1 + g), within (g-1)/(g+1) = 0.0099 of every point of the
 * interval.  (A value that log() rounds into a neighbouring bucket is off by
 * a few ulps more, still far below 1%.)
 *
 * Stores.  Each sign has a dense array of counts covering [offset, offset +
 * cap); the nonzero buckets lie in [lo, hi] and everything else in the array
 * is zero.  A store never spans more than QS_MAX_BUCKETS indexes: when an
 * insertion or a merge would make hi - lo + 1 exceed it, every bucket below
 * floor = hi - QS_MAX_BUCKETS + 1 is added into bucket floor.  The floor
 * only grows with hi, so the final state depends only on the multiset of
 * bucket indexes (and its largest element), not on the order of the
 * operations.
 *
 * Failure atomicity.  Every operation first reserves the memory it needs
 * (which may fail without changing the meaning of the sketch), then mutates
 * without allocating; a change of mode is built in a temporary sketch and
 * swapped in.
 */
#include "sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QS_LN_GAMMA		0.01980262729617973		/* ln(1.02) */
#define QS_LN_REPR		(-0.009950330853168092)	/* ln(2 / (1 + 1.02)) */

#define HEADER_SIZE		26		/* version, mode, count, min, max */
#define SKETCH_FIXED	35		/* header + zero_count + width */
#define STORE_HEADER	8		/* lo, nbuckets */

/* ---------------------------------------------------------------- helpers */

static int32_t
bucket_index(double magnitude)
{
	/* magnitude > 0 and finite: the result lies in [-37592, 35843] */
	return (int32_t) ceil(log(magnitude) / QS_LN_GAMMA);
}

static double
bucket_value(int32_t index)
{
	/* may overflow to +inf for the topmost bucket: callers clamp to max */
	return exp((double) index * QS_LN_GAMMA + QS_LN_REPR);
}

static int
is_negzero(double x)
{
	return x == 0.0 && signbit(x);
}

static void *
qs_alloc(QSAllocator *a, size_t size)
{
	return a->alloc(a->ctx, size);
}

static void *
qs_realloc(QSAllocator *a, void *p, size_t size)
{
	if (p == NULL)
		return a->alloc(a->ctx, size);
	return a->realloc(a->ctx, p, size);
}

static void
qs_dealloc(QSAllocator *a, void *p)
{
	if (p != NULL)
		a->free(a->ctx, p);
}

static int
cmp_double(const void *pa, const void *pb)
{
	double		a = *(const double *) pa;
	double		b = *(const double *) pb;

	return (a > b) - (a < b);
}

/*
 * The k-th smallest (0-based) of v[0 .. n-1], n > k, found by selection (the
 * values end permuted, every one left of k no greater, every one right of k
 * no smaller): O(n) on average where sorting is O(n log n).  Hoare
 * partitions around the median of three; after 2 log2(n) + 4 rounds the
 * range left is sorted instead, so that no order of the values makes it
 * quadratic.  The values are finite and never -0.0 (qs_add), so < and > are
 * a total order, the one cmp_double sorts by.
 */
static inline void
swap_double(double *a, double *b)
{
	double		t = *a;

	*a = *b;
	*b = t;
}

static double
select_kth(double *v, uint32_t n, uint32_t k)
{
	int64_t		lo = 0;
	int64_t		hi = (int64_t) n - 1;
	int			rounds = 4;
	uint32_t	m;

	for (m = n; m > 1; m >>= 1)
		rounds += 2;
	while (hi > lo)
	{
		int64_t		mid = lo + (hi - lo) / 2;
		int64_t		i,
					j;
		double		pivot;

		if (rounds-- == 0)
		{
			qsort(v + lo, (size_t) (hi - lo + 1), sizeof(double), cmp_double);
			break;
		}
		/* v[lo] <= v[mid] <= v[hi] */
		if (v[mid] < v[lo])
			swap_double(&v[mid], &v[lo]);
		if (v[hi] < v[lo])
			swap_double(&v[hi], &v[lo]);
		if (v[hi] < v[mid])
			swap_double(&v[hi], &v[mid]);
		pivot = v[mid];
		i = lo;
		j = hi;
		while (i <= j)
		{
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j)
			{
				swap_double(&v[i], &v[j]);
				i++;
				j--;
			}
		}
		/* now v[lo .. j] <= pivot <= v[i .. hi], and v[j+1 .. i-1] == pivot */
		if ((int64_t) k <= j)
			hi = j;
		else if ((int64_t) k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

static void
sort_values(QSketch *qs)
{
	if (qs->exact && !qs->sorted)
	{
		if (qs->nvalues > 1)
			qsort(qs->values, qs->nvalues, sizeof(double), cmp_double);
		qs->sorted = 1;
	}
}

static void
store_init(QSStore *s)
{
	s->counts = NULL;
	s->total = 0;
	s->offset = 0;
	s->lo = 0;
	s->hi = 0;
	s->cap = 0;
}

/* big-endian encoding */
static void
put_u64(unsigned char *p, uint64_t v)
{
	int			i;

	for (i = 7; i >= 0; i--)
	{
		p[i] = (unsigned char) (v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_u64(const unsigned char *p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t	v;

	memcpy(&v, p, sizeof v);
	return __builtin_bswap64(v);
#else
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
#endif
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

static uint32_t
get_u32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static void
put_f64(unsigned char *p, double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, sizeof bits);
	put_u64(p, bits);
}

static double
get_f64(const unsigned char *p)
{
	uint64_t	bits = get_u64(p);
	double		d;

	memcpy(&d, &bits, sizeof d);
	return d;
}

static int32_t
u32_to_i32(uint32_t u)
{
	/* two's complement without implementation-defined conversion */
	if (u <= (uint32_t) INT32_MAX)
		return (int32_t) u;
	return (int32_t) (u - (uint32_t) INT32_MAX - 1u) + INT32_MIN;
}

static void
put_count(unsigned char *p, uint64_t v, int width)
{
	int			i;

	for (i = width - 1; i >= 0; i--)
	{
		p[i] = (unsigned char) (v & 0xff);
		v >>= 8;
	}
}

static int
width_for(uint64_t maxcount)
{
	if (maxcount <= 0xffu)
		return 1;
	if (maxcount <= 0xffffu)
		return 2;
	if (maxcount <= 0xffffffffu)
		return 4;
	return 8;
}

/* ----------------------------------------------------------------- stores */

/*
 * Make sure store s can hold its current buckets together with [lo, hi]
 * (after collapsing): capacity >= min(span, QS_MAX_BUCKETS).  Grows the
 * array in place (offset and contents unchanged), so a failure leaves the
 * store as it was.
 */
static int
store_reserve(QSAllocator *a, QSStore *s, int32_t lo, int32_t hi)
{
	int64_t		span;
	uint32_t	need;
	uint32_t	newcap;
	uint64_t   *p;

	if (s->total > 0)
	{
		if (s->lo < lo)
			lo = s->lo;
		if (s->hi > hi)
			hi = s->hi;
	}
	span = (int64_t) hi - lo + 1;
	need = span > QS_MAX_BUCKETS ? QS_MAX_BUCKETS : (uint32_t) span;
	if (s->cap >= need)
		return QS_OK;
	newcap = s->cap ? s->cap * 2 : 64;
	while (newcap < need)
		newcap *= 2;
	if (newcap > QS_MAX_BUCKETS)
		newcap = QS_MAX_BUCKETS;
	p = qs_realloc(a, s->counts, (size_t) newcap * sizeof(uint64_t));
	if (p == NULL)
		return QS_ERR_NOMEM;
	memset(p + s->cap, 0, (size_t) (newcap - s->cap) * sizeof(uint64_t));
	s->counts = p;
	s->cap = newcap;
	return QS_OK;
}

/*
 * Move the window [offset, offset + cap) so that it covers [lo, hi]
 * (requires cap >= hi - lo + 1 and every nonzero bucket inside [lo, hi]).
 * Moves the nonzero range [s->lo, s->hi] if there is one (live), no
 * allocation.
 */
static void
store_place(QSStore *s, int32_t lo, int32_t hi, int live)
{
	int32_t		newoff;
	int32_t		cap = (int32_t) s->cap;

	if (lo >= s->offset && hi < s->offset + cap)
		return;
	if (!live)
	{
		/* nothing to keep: centre the range, all counts are zero already */
		newoff = lo - (cap - (hi - lo + 1)) / 2;
		s->offset = newoff;
		return;
	}
	if (hi >= s->offset + cap)
		newoff = lo;			/* growing upwards: slack above */
	else
		newoff = hi - cap + 1;	/* growing downwards: slack below */
	{
		int32_t		from = s->lo - s->offset;
		int32_t		to = s->lo - newoff;
		int32_t		n = s->hi - s->lo + 1;

		memmove(s->counts + to, s->counts + from, (size_t) n * sizeof(uint64_t));
		if (to > 0)
			memset(s->counts, 0, (size_t) to * sizeof(uint64_t));
		if (to + n < cap)
			memset(s->counts + to + n, 0, (size_t) (cap - to - n) * sizeof(uint64_t));
	}
	s->offset = newoff;
}

/*
 * Add the dense counts src[0 .. n-1] of buckets slo .. slo+n-1 (src[0] and
 * src[n-1] nonzero, sum stotal) to store s.  store_reserve(s, slo, slo+n-1)
 * must have succeeded.  Never allocates.
 */
static void
store_add(QSStore *s, int32_t slo, uint32_t n, const uint64_t *src, uint64_t stotal)
{
	int32_t		shi = slo + (int32_t) n - 1;
	int32_t		newlo,
				newhi,
				flo;
	uint64_t	collapsed = 0;
	int			live;
	uint32_t	i;

	if (stotal == 0 || n == 0)
		return;
	if (s->total == 0)
	{
		newlo = slo;
		newhi = shi;
	}
	else
	{
		newlo = s->lo < slo ? s->lo : slo;
		newhi = s->hi > shi ? s->hi : shi;
	}
	flo = newlo;
	if ((int64_t) newhi - newlo + 1 > QS_MAX_BUCKETS)
		flo = newhi - QS_MAX_BUCKETS + 1;

	live = s->total > 0;
	if (live && s->lo < flo)
	{
		/* collapse our buckets below flo */
		int32_t		top = s->hi < flo ? s->hi : flo - 1;
		int32_t		k;

		for (k = s->lo; k <= top; k++)
		{
			collapsed += s->counts[k - s->offset];
			s->counts[k - s->offset] = 0;
		}
		if (s->hi < flo)
			live = 0;
		else
		{
			s->lo = flo;		/* may now be zero; fixed below */
		}
	}
	store_place(s, flo, newhi, live);
	s->counts[flo - s->offset] += collapsed;
	i = 0;
	/* source buckets below the floor go into the floor bucket */
	for (; i < n && slo + (int32_t) i < flo; i++)
		s->counts[flo - s->offset] += src[i];
	/* the rest map one to one: a loop the compiler vectorizes */
	{
		int64_t		base = (int64_t) slo - s->offset;	/* base + i >= 0 from here */

		for (; i < n; i++)
			s->counts[base + i] += src[i];
	}
	s->total += stotal;
	s->hi = newhi;
	s->lo = flo;
	while (s->counts[s->lo - s->offset] == 0)
		s->lo++;
}

/* ------------------------------------------------------ life cycle, access */

void
qs_init(QSketch *qs, const QSAllocator *alloc)
{
	memset(qs, 0, sizeof *qs);
	if (alloc != NULL)
		qs->alloc = *alloc;
	qs->count = 0;
	qs->min = 0.0;
	qs->max = 0.0;
	qs->exact = 1;
	qs->sorted = 1;
	qs->values = NULL;
	qs->nvalues = 0;
	qs->cap = 0;
	qs->zero_count = 0;
	store_init(&qs->stores[0]);
	store_init(&qs->stores[1]);
}

void
qs_free(QSketch *qs)
{
	QSAllocator a = qs->alloc;

	qs_dealloc(&a, qs->values);
	qs_dealloc(&a, qs->stores[0].counts);
	qs_dealloc(&a, qs->stores[1].counts);
	qs_init(qs, &a);
}

uint64_t
qs_count(const QSketch *qs)
{
	return qs->count;
}

int
qs_is_exact(const QSketch *qs)
{
	return qs->exact;
}

double
qs_min(const QSketch *qs)
{
	return qs->min;
}

double
qs_max(const QSketch *qs)
{
	return qs->max;
}

static void
note_minmax(QSketch *qs, double lo, double hi)
{
	if (qs->count == 0)
	{
		qs->min = lo;
		qs->max = hi;
	}
	else
	{
		if (lo < qs->min)
			qs->min = lo;
		if (hi > qs->max)
			qs->max = hi;
	}
}

/* move the contents of src into dst (dst's buffers are freed) */
static void
qs_move(QSketch *dst, QSketch *src)
{
	qs_free(dst);
	*dst = *src;
	qs_init(src, &dst->alloc);
}

int
qs_copy(QSketch *dst, const QSAllocator *alloc, const QSketch *src)
{
	QSketch		tmp;
	int			side;

	if (dst == NULL || alloc == NULL || src == NULL)
		return QS_ERR_ARG;
	qs_init(&tmp, alloc);
	tmp.count = src->count;
	tmp.min = src->min;
	tmp.max = src->max;
	tmp.exact = src->exact;
	tmp.sorted = src->sorted;
	tmp.zero_count = src->zero_count;
	if (src->exact)
	{
		if (src->nvalues > 0)
		{
			tmp.values = qs_alloc(&tmp.alloc, (size_t) src->nvalues * sizeof(double));
			if (tmp.values == NULL)
			{
				qs_init(dst, alloc);
				return QS_ERR_NOMEM;
			}
			memcpy(tmp.values, src->values, (size_t) src->nvalues * sizeof(double));
			tmp.nvalues = tmp.cap = src->nvalues;
		}
	}
	else
	{
		for (side = 0; side < 2; side++)
		{
			const QSStore *s = &src->stores[side];
			QSStore    *t = &tmp.stores[side];
			uint32_t	n;

			if (s->total == 0)
				continue;
			n = (uint32_t) (s->hi - s->lo + 1);
			t->counts = qs_alloc(&tmp.alloc, (size_t) n * sizeof(uint64_t));
			if (t->counts == NULL)
			{
				qs_free(&tmp);
				qs_init(dst, alloc);
				return QS_ERR_NOMEM;
			}
			memcpy(t->counts, s->counts + (s->lo - s->offset), (size_t) n * sizeof(uint64_t));
			t->cap = n;
			t->offset = t->lo = s->lo;
			t->hi = s->hi;
			t->total = s->total;
		}
	}
	*dst = tmp;
	return QS_OK;
}

/* ---------------------------------------------------------------- adding */

/*
 * Add n finite values (no -0.0) to a sketch-mode sketch, atomically: the
 * bucket ranges are computed and reserved first.  The caller has checked
 * that the count does not overflow.
 */
static int
sketch_absorb(QSketch *qs, const double *v, uint32_t n)
{
	int32_t		idx[QS_EXACT_LIMIT + 1];
	int32_t		lo[2] = {0, 0},
				hi[2] = {0, 0};
	int			seen[2] = {0, 0};
	double		vmin = 0,
				vmax = 0;
	uint32_t	i;
	int			side,
				rc;
	uint64_t	one = 1;

	if (n == 0)
		return QS_OK;
	for (i = 0; i < n; i++)
	{
		double		x = v[i];

		if (i == 0 || x < vmin)
			vmin = x;
		if (i == 0 || x > vmax)
			vmax = x;
		if (x == 0)
			continue;
		side = x > 0 ? QS_POSITIVE : QS_NEGATIVE;
		idx[i] = bucket_index(fabs(x));
		if (!seen[side] || idx[i] < lo[side])
			lo[side] = idx[i];
		if (!seen[side] || idx[i] > hi[side])
			hi[side] = idx[i];
		seen[side] = 1;
	}
	for (side = 0; side < 2; side++)
		if (seen[side] && (rc = store_reserve(&qs->alloc, &qs->stores[side], lo[side], hi[side])) != QS_OK)
			return rc;
	/* nothing fails from here on */
	for (i = 0; i < n; i++)
	{
		double		x = v[i];

		if (x == 0)
			qs->zero_count++;
		else
			store_add(&qs->stores[x > 0 ? QS_POSITIVE : QS_NEGATIVE], idx[i], 1, &one, 1);
	}
	note_minmax(qs, vmin, vmax);
	qs->count += n;
	return QS_OK;
}

/* tmp = a sketch-mode sketch holding a[0..na) and b[0..nb) */
static int
sketch_from_values(QSketch *tmp, const QSAllocator *alloc,
				   const double *a, uint32_t na, const double *b, uint32_t nb)
{
	int			rc;

	qs_init(tmp, alloc);
	tmp->exact = 0;
	if ((rc = sketch_absorb(tmp, a, na)) != QS_OK ||
		(rc = sketch_absorb(tmp, b, nb)) != QS_OK)
	{
		qs_free(tmp);
		return rc;
	}
	return QS_OK;
}

static int
values_reserve(QSketch *qs, uint32_t need)
{
	uint32_t	newcap;
	double	   *p;

	if (qs->cap >= need)
		return QS_OK;
	newcap = qs->cap ? qs->cap * 2 : 8;
	while (newcap < need)
		newcap *= 2;
	if (newcap > QS_EXACT_LIMIT)
		newcap = QS_EXACT_LIMIT;
	p = qs_realloc(&qs->alloc, qs->values, (size_t) newcap * sizeof(double));
	if (p == NULL)
		return QS_ERR_NOMEM;
	qs->values = p;
	qs->cap = newcap;
	return QS_OK;
}

int
qs_add(QSketch *qs, double x)
{
	int			rc;

	if (qs == NULL)
		return QS_ERR_ARG;
	if (!isfinite(x))
		return QS_ERR_NONFINITE;
	if (x == 0)
		x = 0.0;				/* -0.0 -> +0.0 */
	if (qs->count >= QS_MAX_COUNT)
		return QS_ERR_OVERFLOW;
	if (qs->exact)
	{
		if (qs->nvalues < QS_EXACT_LIMIT)
		{
			if ((rc = values_reserve(qs, qs->nvalues + 1)) != QS_OK)
				return rc;
			if (qs->nvalues > 0 && x < qs->values[qs->nvalues - 1])
				qs->sorted = 0;
			qs->values[qs->nvalues++] = x;
			note_minmax(qs, x, x);
			qs->count++;
			return QS_OK;
		}
		else
		{
			QSketch		tmp;

			if ((rc = sketch_from_values(&tmp, &qs->alloc, qs->values, qs->nvalues, &x, 1)) != QS_OK)
				return rc;
			qs_move(qs, &tmp);
			return QS_OK;
		}
	}
	/*
	 * Fast path: a value whose bucket lies inside the store's current window
	 * [lo, hi] needs no allocation, no window change and no collapse, so it
	 * is exactly what sketch_absorb would do for it.
	 */
	if (x == 0)
	{
		qs->zero_count++;
		note_minmax(qs, x, x);
		qs->count++;
		return QS_OK;
	}
	else
	{
		QSStore    *st = &qs->stores[x > 0 ? QS_POSITIVE : QS_NEGATIVE];
		int32_t		i = bucket_index(fabs(x));

		if (st->total > 0 && i >= st->lo && i <= st->hi)
		{
			st->counts[i - st->offset]++;
			st->total++;
			note_minmax(qs, x, x);
			qs->count++;
			return QS_OK;
		}
	}
	return sketch_absorb(qs, &x, 1);
}

/* ---------------------------------------------------------------- merging */

static int
sketch_merge_sketch(QSketch *dst, const QSketch *src)
{
	int			side,
				rc;

	for (side = 0; side < 2; side++)
	{
		const QSStore *s = &src->stores[side];

		if (s->total > 0 &&
			(rc = store_reserve(&dst->alloc, &dst->stores[side], s->lo, s->hi)) != QS_OK)
			return rc;
	}
	for (side = 0; side < 2; side++)
	{
		const QSStore *s = &src->stores[side];

		if (s->total > 0)
			store_add(&dst->stores[side], s->lo, (uint32_t) (s->hi - s->lo + 1),
					  s->counts + (s->lo - s->offset), s->total);
	}
	dst->zero_count += src->zero_count;
	note_minmax(dst, src->min, src->max);
	dst->count += src->count;
	return QS_OK;
}

int
qs_merge(QSketch *dst, const QSketch *src)
{
	int			rc;

	if (dst == NULL || src == NULL)
		return QS_ERR_ARG;
	if (src->count == 0)
		return QS_OK;
	if (dst->count > QS_MAX_COUNT - src->count)
		return QS_ERR_OVERFLOW;
	if (dst == src)
	{
		QSketch		copy;

		if ((rc = qs_copy(&copy, &dst->alloc, src)) != QS_OK)
			return rc;
		rc = qs_merge(dst, &copy);
		qs_free(&copy);
		return rc;
	}

	if (dst->exact && src->exact)
	{
		uint32_t	total = dst->nvalues + src->nvalues;

		if (total <= QS_EXACT_LIMIT)
		{
			if ((rc = values_reserve(dst, total)) != QS_OK)
				return rc;
			memcpy(dst->values + dst->nvalues, src->values, (size_t) src->nvalues * sizeof(double));
			if (dst->sorted && src->sorted &&
				(dst->nvalues == 0 || src->values[0] >= dst->values[dst->nvalues - 1]))
				dst->sorted = 1;
			else
				dst->sorted = 0;
			dst->nvalues = total;
			note_minmax(dst, src->min, src->max);
			dst->count += src->count;
			return QS_OK;
		}
		else
		{
			QSketch		tmp;

			if ((rc = sketch_from_values(&tmp, &dst->alloc, dst->values, dst->nvalues,
										 src->values, src->nvalues)) != QS_OK)
				return rc;
			qs_move(dst, &tmp);
			return QS_OK;
		}
	}
	if (!dst->exact && src->exact)
		return sketch_absorb(dst, src->values, src->nvalues);
	if (dst->exact)
	{
		/* exact dst, sketch src: copy src, add dst's values, swap */
		QSketch		tmp;

		if ((rc = qs_copy(&tmp, &dst->alloc, src)) != QS_OK)
			return rc;
		if ((rc = sketch_absorb(&tmp, dst->values, dst->nvalues)) != QS_OK)
		{
			qs_free(&tmp);
			return rc;
		}
		qs_move(dst, &tmp);
		return QS_OK;
	}
	return sketch_merge_sketch(dst, src);
}

/* -------------------------------------------------------------- quantiles */

/* estimate of the k-th smallest value (0-based), sketch mode */
static double
sketch_order_stat(const QSketch *qs, uint64_t k)
{
	const QSStore *neg = &qs->stores[QS_NEGATIVE];
	const QSStore *pos = &qs->stores[QS_POSITIVE];
	double		est = 0.0;

	if (k == 0)
		return qs->min;
	if (k >= qs->count - 1)
		return qs->max;
	if (k < neg->total)
	{
		/* negatives ascending = magnitudes descending */
		uint64_t	seen = 0;
		int32_t		i;

		for (i = neg->hi; i >= neg->lo; i--)
		{
			seen += neg->counts[i - neg->offset];
			if (seen > k)
				break;
		}
		est = -bucket_value(i);
	}
	else if (k < neg->total + qs->zero_count)
		est = 0.0;
	else
	{
		uint64_t	r = k - neg->total - qs->zero_count;
		uint64_t	seen = 0;
		int32_t		i;

		for (i = pos->lo; i <= pos->hi; i++)
		{
			seen += pos->counts[i - pos->offset];
			if (seen > r)
				break;
		}
		est = bucket_value(i);
	}
	if (est < qs->min)
		est = qs->min;
	if (est > qs->max)
		est = qs->max;
	if (est == 0)
		est = 0.0;				/* never -0.0 */
	return est;
}

int
qs_quantile_neighbours(QSketch *qs, double p, double *first, double *second,
					   double *proportion)
{
	double		last,
				pos,
				lo,
				hi;
	uint64_t	first_row,
				second_row;

	if (qs == NULL || first == NULL || second == NULL || proportion == NULL)
		return QS_ERR_ARG;
	if (isnan(p) || p < 0 || p > 1)
		return QS_ERR_PERCENTILE;
	if (qs->count == 0)
		return QS_ERR_EMPTY;

	/*
	 * percentile_cont_final_common's arithmetic: pos = p * (n - 1), rows
	 * floor(pos) and ceil(pos), fraction pos - floor(pos).  (The clamps only
	 * matter for counts beyond 2^53, where n - 1 is not exact in a double.)
	 */
	last = (double) (int64_t) (qs->count - 1);
	pos = p * last;
	lo = floor(pos);
	hi = ceil(pos);
	first_row = lo >= last ? qs->count - 1 : (uint64_t) lo;
	second_row = hi >= last ? qs->count - 1 : (uint64_t) hi;

	if (qs->exact && qs->sorted)
	{
		*first = qs->values[first_row];
		*second = first_row == second_row ? *first : qs->values[second_row];
	}
	else if (qs->exact)
	{
		/*
		 * Selection, not a sort: one quantile of n values in O(n).  The next
		 * row's value is the smallest of those right of the first, which the
		 * selection left no smaller.
		 */
		*first = select_kth(qs->values, qs->nvalues, (uint32_t) first_row);
		*second = *first;
		if (second_row != first_row)
		{
			uint32_t	i;

			*second = qs->values[first_row + 1];
			for (i = (uint32_t) first_row + 2; i < qs->nvalues; i++)
				if (qs->values[i] < *second)
					*second = qs->values[i];
		}
	}
	else
	{
		*first = sketch_order_stat(qs, first_row);
		*second = first_row == second_row ? *first : sketch_order_stat(qs, second_row);
	}
	*proportion = first_row == second_row ? 0.0 : pos - lo;
	return QS_OK;
}

int
qs_quantile(QSketch *qs, double p, double *result)
{
	double		first,
				second,
				proportion,
				val;
	int			rc;

	if (result == NULL)
		return QS_ERR_ARG;
	if ((rc = qs_quantile_neighbours(qs, p, &first, &second, &proportion)) != QS_OK)
		return rc;
	if (proportion == 0.0)
		val = first;
	else
		val = first + (proportion * (second - first));	/* float8_lerp */
	if (!qs->exact)
	{
		if (val < qs->min)
			val = qs->min;
		if (val > qs->max)
			val = qs->max;
	}
	*result = val;
	return QS_OK;
}

/* ------------------------------------------------------------- validation */

/*
 * A sketch to validate, in memory.  width is the count width of a serialized
 * sketch (checked to be the minimal one), 0 for one built from parts.
 */
typedef struct View
{
	int			exact;
	uint64_t	count;
	double		min;
	double		max;
	uint32_t	nvalues;
	const double *values;
	uint64_t	zero_count;
	int32_t		lo[2];
	uint32_t	n[2];
	const uint64_t *counts[2];
	int			width;
	int			have_sums;		/* sum/maxc below already computed */
	uint64_t	sum[2];
	uint64_t	maxc[2];		/* not the maximum: a value with its bit length
								 * (the OR of the counts), all the width check needs */
} View;

static int
validate_view(const View *v)
{
	if (!isfinite(v->min) || !isfinite(v->max))
		return QS_ERR_NONFINITE;
	if (is_negzero(v->min) || is_negzero(v->max))
		return QS_ERR_NEGZERO;
	if (v->count > QS_MAX_COUNT)
		return QS_ERR_OVERFLOW;

	if (v->exact)
	{
		uint32_t	i;
		double		prev = 0;

		if (v->count > QS_EXACT_LIMIT)
			return QS_ERR_EXACT_COUNT;
		if (v->nvalues != v->count)
			return QS_ERR_TOTAL;
		for (i = 0; i < v->nvalues; i++)
		{
			double		x = v->values[i];

			if (!isfinite(x))
				return QS_ERR_NONFINITE;
			if (is_negzero(x))
				return QS_ERR_NEGZERO;
			if (i > 0 && x < prev)
				return QS_ERR_ORDER;
			prev = x;
		}
		if (v->count == 0)
		{
			if (v->min != 0 || v->max != 0)
				return QS_ERR_MINMAX;
		}
		else if (v->min != v->values[0] || v->max != v->values[v->nvalues - 1])
			return QS_ERR_MINMAX;
		return QS_OK;
	}
	else
	{
		uint64_t	total[2] = {0, 0};
		uint64_t	maxcount = 0;
		uint64_t	sum;
		int			side;

		if (v->count <= QS_EXACT_LIMIT)
			return QS_ERR_SKETCH_COUNT;
		if (v->width && v->width != 1 && v->width != 2 && v->width != 4 && v->width != 8)
			return QS_ERR_WIDTH;
		for (side = 0; side < 2; side++)
		{
			uint32_t	n = v->n[side];
			int32_t		lo = v->lo[side];
			uint32_t	i;

			if (n > QS_MAX_BUCKETS)
				return QS_ERR_BUCKET_RANGE;
			if (n == 0)
			{
				if (lo != 0)
					return QS_ERR_BUCKET_RANGE;
				continue;
			}
			if (lo < QS_INDEX_MIN || lo > QS_INDEX_MAX ||
				(int64_t) lo + (int64_t) n - 1 > QS_INDEX_MAX)
				return QS_ERR_BUCKET_RANGE;
			if (v->counts[side][0] == 0 || v->counts[side][n - 1] == 0)
				return QS_ERR_BUCKET_EDGE;
			if (v->have_sums)
			{
				total[side] = v->sum[side];
				if (v->maxc[side] > maxcount)
					maxcount = v->maxc[side];
			}
			else
				for (i = 0; i < n; i++)
				{
					uint64_t	c = v->counts[side][i];

					if (c > QS_MAX_COUNT - total[side])
						return QS_ERR_TOTAL;
					total[side] += c;
					if (c > maxcount)
						maxcount = c;
				}
		}
		if (v->width && v->width != width_for(maxcount))
			return QS_ERR_WIDTH;
		sum = v->zero_count;
		if (sum > QS_MAX_COUNT || total[0] > QS_MAX_COUNT - sum)
			return QS_ERR_TOTAL;
		sum += total[0];
		if (total[1] > QS_MAX_COUNT - sum)
			return QS_ERR_TOTAL;
		sum += total[1];
		if (sum != v->count)
			return QS_ERR_TOTAL;

		/* min and max: order, sign, and bucket of the extreme values */
		if (v->min > v->max)
			return QS_ERR_MINMAX;
		if (total[QS_NEGATIVE] > 0 ? !(v->min < 0) :
			v->zero_count > 0 ? v->min != 0 : !(v->min > 0))
			return QS_ERR_MINMAX;
		if (total[QS_POSITIVE] > 0 ? !(v->max > 0) :
			v->zero_count > 0 ? v->max != 0 : !(v->max < 0))
			return QS_ERR_MINMAX;
		/* one bucket of slack: another machine's log() may round differently */
		if (total[QS_POSITIVE] > 0)
		{
			int32_t		hi = v->lo[QS_POSITIVE] + (int32_t) v->n[QS_POSITIVE] - 1;
			int32_t		imax = bucket_index(v->max);

			if (imax < hi - 1 || imax > hi + 1)
				return QS_ERR_MINMAX;
			if (v->min > 0 && bucket_index(v->min) > v->lo[QS_POSITIVE] + 1)
				return QS_ERR_MINMAX;
		}
		if (total[QS_NEGATIVE] > 0)
		{
			int32_t		hi = v->lo[QS_NEGATIVE] + (int32_t) v->n[QS_NEGATIVE] - 1;
			int32_t		imin = bucket_index(-v->min);

			if (imin < hi - 1 || imin > hi + 1)
				return QS_ERR_MINMAX;
			if (v->max < 0 && bucket_index(-v->max) > v->lo[QS_NEGATIVE] + 1)
				return QS_ERR_MINMAX;
		}
		return QS_OK;
	}
}

/* build a sketch from a validated view */
static int
build_from_view(QSketch *out, const QSAllocator *alloc, const View *v)
{
	QSketch		tmp;
	int			side;
	uint32_t	i;

	qs_init(&tmp, alloc);
	tmp.count = v->count;
	tmp.min = v->min;
	tmp.max = v->max;
	tmp.exact = v->exact;
	tmp.sorted = 1;
	if (v->exact)
	{
		if (v->nvalues > 0)
		{
			tmp.values = qs_alloc(&tmp.alloc, (size_t) v->nvalues * sizeof(double));
			if (tmp.values == NULL)
				return QS_ERR_NOMEM;
			for (i = 0; i < v->nvalues; i++)
				tmp.values[i] = v->values[i];
			tmp.nvalues = tmp.cap = v->nvalues;
		}
	}
	else
	{
		tmp.zero_count = v->zero_count;
		for (side = 0; side < 2; side++)
		{
			QSStore    *s = &tmp.stores[side];
			uint32_t	n = v->n[side];

			if (n == 0)
				continue;
			s->counts = qs_alloc(&tmp.alloc, (size_t) n * sizeof(uint64_t));
			if (s->counts == NULL)
			{
				qs_free(&tmp);
				return QS_ERR_NOMEM;
			}
			s->total = 0;
			for (i = 0; i < n; i++)
			{
				s->counts[i] = v->counts[side][i];
				s->total += s->counts[i];
			}
			s->cap = n;
			s->offset = s->lo = v->lo[side];
			s->hi = v->lo[side] + (int32_t) n - 1;
		}
	}
	*out = tmp;
	return QS_OK;
}

int
qs_check(QSketch *qs)
{
	View		v;
	int			side,
				rc;

	if (qs == NULL)
		return QS_ERR_ARG;
	memset(&v, 0, sizeof v);
	v.exact = qs->exact;
	v.count = qs->count;
	v.min = qs->min;
	v.max = qs->max;
	if (qs->exact)
	{
		if (qs->nvalues > qs->cap || qs->cap > QS_EXACT_LIMIT ||
			(qs->cap > 0 && qs->values == NULL))
			return QS_ERR_ARG;
		if (qs->zero_count != 0 || qs->stores[0].total != 0 || qs->stores[1].total != 0)
			return QS_ERR_TOTAL;
		if (qs->sorted)
		{
			uint32_t	i;

			for (i = 1; i < qs->nvalues; i++)
				if (qs->values[i] < qs->values[i - 1])
					return QS_ERR_ORDER;
		}
		sort_values(qs);
		v.values = qs->values;
		v.nvalues = qs->nvalues;
		return validate_view(&v);
	}
	v.zero_count = qs->zero_count;
	for (side = 0; side < 2; side++)
	{
		QSStore    *s = &qs->stores[side];
		uint64_t	sum = 0;
		uint32_t	i;

		if (s->total == 0)
		{
			for (i = 0; i < s->cap; i++)
				if (s->counts[i] != 0)
					return QS_ERR_TOTAL;
			continue;
		}
		if (s->cap > QS_MAX_BUCKETS || s->lo > s->hi || s->lo < s->offset ||
			(int64_t) s->hi >= (int64_t) s->offset + s->cap)
			return QS_ERR_BUCKET_RANGE;
		for (i = 0; i < s->cap; i++)
		{
			int32_t		k = s->offset + (int32_t) i;

			if ((k < s->lo || k > s->hi) && s->counts[i] != 0)
				return QS_ERR_BUCKET_EDGE;
			sum += s->counts[i];
		}
		if (sum != s->total)
			return QS_ERR_TOTAL;
		v.lo[side] = s->lo;
		v.n[side] = (uint32_t) (s->hi - s->lo + 1);
		v.counts[side] = s->counts + (s->lo - s->offset);
	}
	if ((rc = validate_view(&v)) != QS_OK)
		return rc;
	return QS_OK;
}

/* ---------------------------------------------------------- serialization */

static uint64_t
sketch_max_bucket(const QSketch *qs)
{
	uint64_t	m = 0;
	int			side;

	for (side = 0; side < 2; side++)
	{
		const QSStore *s = &qs->stores[side];
		int32_t		k;

		if (s->total == 0)
			continue;
		for (k = s->lo; k <= s->hi; k++)
			if (s->counts[k - s->offset] > m)
				m = s->counts[k - s->offset];
	}
	return m;
}

static size_t
size_with_width(const QSketch *qs, int width)
{
	size_t		size = SKETCH_FIXED;
	int			side;

	for (side = 0; side < 2; side++)
	{
		const QSStore *s = &qs->stores[side];

		size += STORE_HEADER;
		if (s->total > 0)
			size += (size_t) (s->hi - s->lo + 1) * (size_t) width;
	}
	return size;
}

size_t
qs_serialized_size(const QSketch *qs)
{
	if (qs->exact)
		return HEADER_SIZE + (size_t) qs->nvalues * 8;
	return size_with_width(qs, width_for(sketch_max_bucket(qs)));
}

size_t
qs_serialize(QSketch *qs, unsigned char *buf, size_t buflen)
{
	size_t		size;
	unsigned char *p = buf;

	if (qs == NULL || buf == NULL)
		return 0;
	if (qs->exact)
	{
		uint32_t	i;

		size = HEADER_SIZE + (size_t) qs->nvalues * 8;
		if (buflen < size)
			return 0;
		sort_values(qs);
		*p++ = QS_SERIAL_VERSION;
		*p++ = 0;
		put_u64(p, qs->count);
		put_f64(p + 8, qs->min);
		put_f64(p + 16, qs->max);
		p += 24;
		for (i = 0; i < qs->nvalues; i++, p += 8)
			put_f64(p, qs->values[i]);
	}
	else
	{
		int			width = width_for(sketch_max_bucket(qs));
		int			side;

		size = size_with_width(qs, width);
		if (buflen < size)
			return 0;
		*p++ = QS_SERIAL_VERSION;
		*p++ = 1;
		put_u64(p, qs->count);
		put_f64(p + 8, qs->min);
		put_f64(p + 16, qs->max);
		put_u64(p + 24, qs->zero_count);
		p[32] = (unsigned char) width;
		p += 33;
		for (side = 0; side < 2; side++)
		{
			const QSStore *s = &qs->stores[side];
			int32_t		k;

			if (s->total == 0)
			{
				put_u32(p, 0);
				put_u32(p + 4, 0);
				p += 8;
				continue;
			}
			put_u32(p, (uint32_t) s->lo);
			put_u32(p + 4, (uint32_t) (s->hi - s->lo + 1));
			p += 8;
			for (k = s->lo; k <= s->hi; k++, p += width)
				put_count(p, s->counts[k - s->offset], width);
		}
	}
	return (size_t) (p - buf);
}

/*
 * out[i] = the i-th big-endian count of width w at raw, one loop per width;
 * for w <= 4 also their sum (< 2^45: no overflow) and maximum, so that
 * validation does not read them again (*have = 1).
 */
static void
decode_counts(const unsigned char *raw, int w, uint32_t n, uint64_t *out,
			  uint64_t *sum, uint64_t *maxc, int *have)
{
	uint32_t	i;
	uint64_t	t = 0,
				m = 0;

	*have = 1;
	switch (w)
	{
		case 1:
			/* every count fits one byte, so the width is minimal: no maximum */
			for (i = 0; i < n; i++)
				t += (out[i] = raw[i]);
			m = n > 0 ? 1 : 0;
			break;
		case 2:
			for (i = 0; i < n; i++, raw += 2)
			{
				uint64_t	c = ((uint64_t) raw[0] << 8) | raw[1];

				out[i] = c;
				t += c;
				m |= c;
			}
			break;
		case 4:
			for (i = 0; i < n; i++, raw += 4)
			{
				uint64_t	c = get_u32(raw);

				out[i] = c;
				t += c;
				m |= c;
			}
			break;
		default:
			for (i = 0; i < n; i++, raw += 8)
				out[i] = get_u64(raw);
			*have = 0;
			break;
	}
	*sum = t;
	*maxc = m;
}

/*
 * Every length is checked against len, and the value and bucket counts
 * against their limits, before anything is allocated (at most 8 KiB of
 * values or 2 x 64 KiB of counts); the decoded arrays are then validated as
 * a whole, and freed again if they are not a canonical sketch.
 */
int
qs_deserialize(QSketch *out, const QSAllocator *alloc, const unsigned char *buf,
			   size_t len, size_t *consumed)
{
	View		v;
	QSketch		tmp;
	const unsigned char *raw[2] = {NULL, NULL};
	int			have[2] = {1, 1};
	size_t		pos;
	int			side;
	int			rc;

	if (consumed != NULL)
		*consumed = 0;
	if (out == NULL || alloc == NULL || consumed == NULL || (buf == NULL && len > 0))
	{
		if (out != NULL)
			qs_init(out, alloc);
		return QS_ERR_ARG;
	}
	qs_init(out, alloc);
	memset(&v, 0, sizeof v);

	if (len < 1)
		return QS_ERR_TRUNCATED;
	if (buf[0] != QS_SERIAL_VERSION)
		return QS_ERR_VERSION;
	if (len < 2)
		return QS_ERR_TRUNCATED;
	if (buf[1] > 1)
		return QS_ERR_MODE;
	v.exact = buf[1] == 0;
	if (len < HEADER_SIZE)
		return QS_ERR_TRUNCATED;
	v.count = get_u64(buf + 2);
	v.min = get_f64(buf + 10);
	v.max = get_f64(buf + 18);
	pos = HEADER_SIZE;

	if (v.exact)
	{
		if (v.count > QS_EXACT_LIMIT)
			return QS_ERR_EXACT_COUNT;
		if ((len - pos) / 8 < v.count)
			return QS_ERR_TRUNCATED;
		v.nvalues = (uint32_t) v.count;
		raw[0] = buf + pos;
		pos += (size_t) v.count * 8;
	}
	else
	{
		if (len < SKETCH_FIXED)
			return QS_ERR_TRUNCATED;
		v.zero_count = get_u64(buf + 26);
		v.width = buf[34];
		if (v.width != 1 && v.width != 2 && v.width != 4 && v.width != 8)
			return QS_ERR_WIDTH;
		pos = SKETCH_FIXED;
		for (side = 0; side < 2; side++)
		{
			if (len - pos < STORE_HEADER)
				return QS_ERR_TRUNCATED;
			v.lo[side] = u32_to_i32(get_u32(buf + pos));
			v.n[side] = get_u32(buf + pos + 4);
			pos += STORE_HEADER;
			if (v.n[side] > QS_MAX_BUCKETS)
				return QS_ERR_BUCKET_RANGE;
			if ((len - pos) / (size_t) v.width < v.n[side])
				return QS_ERR_TRUNCATED;
			raw[side] = buf + pos;
			pos += (size_t) v.n[side] * (size_t) v.width;
		}
	}

	/* decode into the arrays the sketch will own */
	qs_init(&tmp, alloc);
	tmp.count = v.count;
	tmp.min = v.min;
	tmp.max = v.max;
	tmp.exact = v.exact;
	tmp.sorted = 1;
	if (v.exact)
	{
		if (v.nvalues > 0)
		{
			uint32_t	i;

			if ((tmp.values = qs_alloc(&tmp.alloc, (size_t) v.nvalues * sizeof(double))) == NULL)
				return QS_ERR_NOMEM;
			for (i = 0; i < v.nvalues; i++)
				tmp.values[i] = get_f64(raw[0] + (size_t) i * 8);
			tmp.nvalues = tmp.cap = v.nvalues;
		}
		v.values = tmp.values;
	}
	else
	{
		tmp.zero_count = v.zero_count;
		for (side = 0; side < 2; side++)
		{
			QSStore    *s = &tmp.stores[side];
			uint32_t	n = v.n[side];

			if (n == 0)
				continue;
			if ((s->counts = qs_alloc(&tmp.alloc, (size_t) n * sizeof(uint64_t))) == NULL)
			{
				qs_free(&tmp);
				return QS_ERR_NOMEM;
			}
			decode_counts(raw[side], v.width, n, s->counts, &v.sum[side], &v.maxc[side], &have[side]);
			s->cap = n;
			v.counts[side] = s->counts;
		}
	}
	v.have_sums = !v.exact && have[0] && have[1];
	if ((rc = validate_view(&v)) != QS_OK)
	{
		qs_free(&tmp);
		return rc;
	}
	/* validated: the totals are the sums (no overflow) */
	for (side = 0; side < 2 && !v.exact; side++)
	{
		QSStore    *s = &tmp.stores[side];
		uint32_t	i;

		if (v.n[side] == 0)
			continue;
		/* lo + n - 1 is a valid index now */
		s->offset = s->lo = v.lo[side];
		s->hi = v.lo[side] + (int32_t) v.n[side] - 1;
		if (v.have_sums)
			s->total = v.sum[side];
		else
			for (i = 0; i < v.n[side]; i++)
				s->total += s->counts[i];
	}
	*out = tmp;
	*consumed = pos;
	return QS_OK;
}

/* ------------------------------------------------------------------ parts */

void
qs_get_parts(QSketch *qs, QSParts *parts)
{
	int			side;

	memset(parts, 0, sizeof *parts);
	parts->exact = qs->exact;
	parts->count = qs->count;
	parts->min = qs->min;
	parts->max = qs->max;
	if (qs->exact)
	{
		sort_values(qs);
		parts->values = qs->values;
		parts->nvalues = qs->nvalues;
		return;
	}
	parts->zero_count = qs->zero_count;
	for (side = 0; side < 2; side++)
	{
		const QSStore *s = &qs->stores[side];

		if (s->total == 0)
			continue;
		parts->lo[side] = s->lo;
		parts->nbuckets[side] = (uint32_t) (s->hi - s->lo + 1);
		parts->counts[side] = s->counts + (s->lo - s->offset);
	}
}

int
qs_from_parts(QSketch *out, const QSAllocator *alloc, const QSParts *parts)
{
	View		v;
	int			side,
				rc;

	if (out == NULL)
		return QS_ERR_ARG;
	qs_init(out, alloc);
	if (alloc == NULL || parts == NULL)
		return QS_ERR_ARG;
	memset(&v, 0, sizeof v);
	v.exact = parts->exact != 0;
	v.count = parts->count;
	v.min = parts->min;
	v.max = parts->max;
	if (v.exact)
	{
		if (parts->zero_count != 0 || parts->nbuckets[0] != 0 || parts->nbuckets[1] != 0)
			return QS_ERR_ARG;
		if (parts->nvalues > 0 && parts->values == NULL)
			return QS_ERR_ARG;
		if (parts->nvalues > QS_EXACT_LIMIT)
			return QS_ERR_EXACT_COUNT;
		v.nvalues = parts->nvalues;
		v.values = parts->values;
	}
	else
	{
		if (parts->nvalues != 0)
			return QS_ERR_ARG;
		v.zero_count = parts->zero_count;
		for (side = 0; side < 2; side++)
		{
			if (parts->nbuckets[side] > 0 && parts->counts[side] == NULL)
				return QS_ERR_ARG;
			v.lo[side] = parts->lo[side];
			v.n[side] = parts->nbuckets[side];
			v.counts[side] = parts->counts[side];
		}
	}
	if ((rc = validate_view(&v)) != QS_OK)
		return rc;
	if ((rc = build_from_view(out, alloc, &v)) != QS_OK)
	{
		qs_init(out, alloc);
		return rc;
	}
	return QS_OK;
}

/* ----------------------------------------------------------------- errors */

const char *
qs_strerror(int code)
{
	switch (code)
	{
		case QS_OK:
			return "no error";
		case QS_ERR_NOMEM:
			return "out of memory";
		case QS_ERR_ARG:
			return "invalid argument";
		case QS_ERR_NONFINITE:
			return "value is NaN or infinite";
		case QS_ERR_PERCENTILE:
			return "percentile is not between 0 and 1";
		case QS_ERR_EMPTY:
			return "quantile of an empty sketch";
		case QS_ERR_OVERFLOW:
			return "value count out of range";
		case QS_ERR_TRUNCATED:
			return "sketch data is truncated";
		case QS_ERR_VERSION:
			return "unsupported sketch format version";
		case QS_ERR_MODE:
			return "invalid sketch mode";
		case QS_ERR_EXACT_COUNT:
			return "exact sketch holds more values than the exact limit";
		case QS_ERR_SKETCH_COUNT:
			return "approximate sketch holds no more values than the exact limit";
		case QS_ERR_WIDTH:
			return "invalid bucket count width";
		case QS_ERR_BUCKET_RANGE:
			return "bucket index range out of bounds";
		case QS_ERR_BUCKET_EDGE:
			return "first or last bucket of a store is empty";
		case QS_ERR_TOTAL:
			return "value count does not match the sum of its parts";
		case QS_ERR_ORDER:
			return "exact values are not in ascending order";
		case QS_ERR_NEGZERO:
			return "negative zero is not canonical";
		case QS_ERR_MINMAX:
			return "min or max inconsistent with the data";
	}
	return "unknown sketch error";
}
