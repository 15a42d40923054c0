/*
 * sketch.h
 *		Mergeable quantile sketch of the funnel extension (plain C99, no
 *		PostgreSQL headers: unit-tested and fuzzed on its own).
 *
 * A QSketch answers percentile_cont-style quantiles of a multiset of finite
 * doubles.
 *
 * Exact mode.  While it holds at most QS_EXACT_LIMIT (1024) values the sketch
 * stores them, and qs_quantile(p) returns bit for bit what PostgreSQL's
 * percentile_cont(p) WITHIN GROUP (ORDER BY x) returns for float8:
 * pos = p * (n - 1), first = v[floor(pos)], second = v[ceil(pos)], result =
 * first when floor(pos) == ceil(pos), else first + (pos - floor(pos)) *
 * (second - first).  (-0.0 is stored as +0.0; PostgreSQL would give either
 * sign for a zero result, the values compare equal.)
 *
 * Sketch mode.  Past QS_EXACT_LIMIT values it becomes a DDSketch-style
 * relative-error sketch: positive values are counted in logarithmic buckets
 * (bucket i holds (g^(i-1), g^i] with g = QS_GAMMA = 1.02), negative values
 * by magnitude in a second store, zeros in a counter, plus the exact count,
 * min and max.  Every order statistic is then estimated within
 * (g-1)/(g+1) = 0.990% of its true value, so a quantile, interpolated as
 * percentile_cont does between the estimates of its two neighbouring order
 * statistics, is within QS_RELATIVE_ACCURACY (1%) of the exact
 * percentile_cont value, whatever the input order or the split into merged
 * partial sketches.  p = 0 and p = 1 return the exact min and max, and every
 * estimate is clamped to [min, max].  Limits of the guarantee:
 *   - an interpolation between a negative and a positive neighbour (the one
 *     p where the data crosses zero) is only within 1% of the larger
 *     neighbour's magnitude (absolute error), since the true value may be ~0;
 *   - each store keeps at most QS_MAX_BUCKETS (8192) buckets, i.e. the values
 *     of one sign may span g^8192 ~ 2.8e70 (70 decades) with full accuracy.
 *     Beyond that the lowest-magnitude buckets are collapsed into one
 *     (DDSketch "collapsing lowest" store): only order statistics whose
 *     magnitude is below max_magnitude / 2.8e70 lose the guarantee (they are
 *     still clamped to [min, max]);
 *   - subnormal magnitudes (below 2.2e-308) carry too few bits for a bucket
 *     value to be within 1%; they are still ordered and clamped correctly.
 *
 * Determinism.  Bucket counts are additive and the collapse point depends
 * only on the largest bucket index, so the state reached from a multiset of
 * values is the same for every insertion order and every merge tree: same
 * answers and the same qs_serialize bytes (exact values are serialized
 * sorted).  The deserializer accepts only canonical encodings, so for an
 * accepted buffer qs_serialize reproduces its bytes exactly.
 *
 * Memory.  Every allocation goes through the QSAllocator given to qs_init /
 * qs_copy / qs_deserialize / qs_from_parts (palloc in an aggregate context,
 * malloc in tests); the allocator struct is copied into the sketch.  Buffers
 * grow geometrically.  If an allocator returns NULL the call fails with
 * QS_ERR_NOMEM and the sketch is left exactly as it was (an allocator that
 * does not return, like palloc's ereport, is fine too).
 *
 * Not thread-safe; a QSketch must not be shared between threads while
 * modified.  The struct is public so callers can embed it; treat its fields
 * as private and use the functions below.
 */
#ifndef FUNNEL_SKETCH_H
#define FUNNEL_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#define QS_EXACT_LIMIT			1024	/* exact mode holds at most this many values */
#define QS_MAX_BUCKETS			8192	/* buckets per sign, then collapse lowest */
#define QS_GAMMA				1.02	/* bucket growth factor */
#define QS_RELATIVE_ACCURACY	0.01	/* guaranteed relative error (bucket: 0.0099) */
#define QS_SERIAL_VERSION		1
/* bucket indexes of positive finite doubles lie in [-37592, 35843] */
#define QS_INDEX_MIN			(-37600)
#define QS_INDEX_MAX			35850
#define QS_MAX_COUNT			((uint64_t) INT64_MAX)	/* fits a PostgreSQL int8 */
/* largest serialized sketch: 35 + 2 * (8 + QS_MAX_BUCKETS * 8) bytes */
#define QS_SERIAL_MAX_SIZE		((size_t) (35 + 2 * (8 + QS_MAX_BUCKETS * 8)))

/* return codes; qs_strerror() gives a message for each */
enum
{
	QS_OK = 0,
	QS_ERR_NOMEM,				/* the allocator returned NULL */
	QS_ERR_ARG,					/* NULL pointer or inconsistent QSParts */
	QS_ERR_NONFINITE,			/* NaN or infinity (qs_add, or in data) */
	QS_ERR_PERCENTILE,			/* p is NaN or outside [0, 1] */
	QS_ERR_EMPTY,				/* quantile of an empty sketch */
	QS_ERR_OVERFLOW,			/* the count would exceed QS_MAX_COUNT */
	QS_ERR_TRUNCATED,			/* buffer shorter than its encoding says */
	QS_ERR_VERSION,				/* unknown format version byte */
	QS_ERR_MODE,				/* mode byte is neither exact nor sketch */
	QS_ERR_EXACT_COUNT,			/* exact mode with more than QS_EXACT_LIMIT values */
	QS_ERR_SKETCH_COUNT,		/* sketch mode with QS_EXACT_LIMIT values or fewer */
	QS_ERR_WIDTH,				/* bucket count width not 1/2/4/8 or not minimal */
	QS_ERR_BUCKET_RANGE,		/* too many buckets, index out of range, or an
								 * empty store with a nonzero first index */
	QS_ERR_BUCKET_EDGE,			/* first or last bucket of a store is empty */
	QS_ERR_TOTAL,				/* count differs from the sum of the parts */
	QS_ERR_ORDER,				/* exact values not in ascending order */
	QS_ERR_NEGZERO,				/* -0.0 (not canonical; stored as +0.0) */
	QS_ERR_MINMAX				/* min > max, or min/max inconsistent with data */
};

typedef struct QSAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);
	void	   *(*realloc) (void *ctx, void *ptr, size_t size);
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} QSAllocator;

/* store sides, also the index of QSketch.stores and QSParts arrays */
#define QS_NEGATIVE 0
#define QS_POSITIVE 1

typedef struct QSStore
{
	uint64_t   *counts;			/* counts[i] is bucket offset + i */
	uint64_t	total;			/* sum of counts; 0 = empty */
	int32_t		offset;
	int32_t		lo;				/* first nonzero bucket (when total > 0) */
	int32_t		hi;				/* last nonzero bucket (when total > 0) */
	uint32_t	cap;
} QSStore;

typedef struct QSketch
{
	QSAllocator alloc;
	uint64_t	count;			/* number of values added */
	double		min;			/* exact; 0 when count == 0 */
	double		max;
	int			exact;			/* 1 = exact mode, 0 = sketch mode */
	int			sorted;			/* exact mode: values known to be ascending */
	double	   *values;			/* exact mode */
	uint32_t	nvalues;
	uint32_t	cap;
	uint64_t	zero_count;		/* sketch mode */
	QSStore		stores[2];		/* sketch mode: [QS_NEGATIVE] by magnitude, [QS_POSITIVE] */
} QSketch;

/*
 * The parts of a sketch, for a readable text form.  qs_get_parts fills it
 * from a sketch (pointers into the sketch, valid until it is next modified);
 * qs_from_parts builds a sketch from it after validating everything, as
 * qs_deserialize does.
 *   exact mode:  values[0 .. nvalues-1] ascending, nvalues == count,
 *                min/max == first/last value (0 and 0 when empty);
 *                zero_count and the stores must be 0 / empty.
 *   sketch mode: nvalues == 0; zero_count; per side s the bucket counts
 *                counts[s][i] of bucket index lo[s] + i, i < nbuckets[s],
 *                first and last nonzero (nbuckets 0 and lo 0 when empty);
 *                count == zero_count + all bucket counts.
 */
typedef struct QSParts
{
	int			exact;
	uint64_t	count;
	double		min;
	double		max;
	const double *values;
	uint32_t	nvalues;
	uint64_t	zero_count;
	int32_t		lo[2];
	uint32_t	nbuckets[2];
	const uint64_t *counts[2];
} QSParts;

/* an empty exact-mode sketch; allocates nothing */
extern void qs_init(QSketch *qs, const QSAllocator *alloc);
/* release the sketch's buffers; it is then an empty sketch again */
extern void qs_free(QSketch *qs);
/* dst = deep copy of src, allocated with alloc (dst is initialized first) */
extern int	qs_copy(QSketch *dst, const QSAllocator *alloc, const QSketch *src);

/* add one value; QS_ERR_NONFINITE for NaN/±Inf (sketch unchanged) */
extern int	qs_add(QSketch *qs, double value);
/* dst += src (src unchanged; dst == src is allowed) */
extern int	qs_merge(QSketch *dst, const QSketch *src);

extern uint64_t qs_count(const QSketch *qs);
extern int	qs_is_exact(const QSketch *qs);
extern double qs_min(const QSketch *qs);	/* 0 when empty */
extern double qs_max(const QSketch *qs);	/* 0 when empty */

/*
 * percentile_cont(p): QS_ERR_PERCENTILE for p outside [0, 1] or NaN,
 * QS_ERR_EMPTY when count == 0.  May sort the exact values in place.
 */
extern int	qs_quantile(QSketch *qs, double p, double *result);

/*
 * The two neighbouring order statistics of percentile_cont(p) and the
 * interpolation fraction, for callers with their own interpolation (e.g.
 * interval_lerp on microseconds): *proportion is 0 (and *second == *first)
 * exactly when percentile_cont returns the first value without
 * interpolating; otherwise the result is first + proportion*(second-first).
 */
extern int	qs_quantile_neighbours(QSketch *qs, double p, double *first,
								   double *second, double *proportion);

/*
 * Binary form (all integers big-endian, doubles as their IEEE-754 bits in
 * 8 big-endian bytes):
 *   u8 version (1) | u8 mode (0 exact, 1 sketch) | u64 count | f64 min | f64 max
 *   exact:  count x f64 value, ascending
 *   sketch: u64 zero_count | u8 width w (1, 2, 4 or 8: the fewest bytes that
 *           hold the largest bucket count) | negative store | positive store
 *           store: i32 lo | u32 nbuckets | nbuckets x w-byte count of bucket lo+i
 * qs_serialized_size gives the exact size; qs_serialize writes it and returns
 * the number of bytes written, or 0 if buflen is too small.  qs_serialize
 * may sort the exact values in place.
 */
extern size_t qs_serialized_size(const QSketch *qs);
extern size_t qs_serialize(QSketch *qs, unsigned char *buf, size_t buflen);

/*
 * Parse and validate one serialized sketch at the start of buf[0..len).
 * Checks every length and count limit before allocating (so at most 8 KiB
 * of values or 2 x 64 KiB of bucket counts), then validates the decoded
 * arrays and frees them if invalid; on success *out holds the sketch
 * (initialized with alloc) and *consumed the number of bytes used (the
 * encoding may be followed by other data).  On failure returns the error
 * code, *out is an empty sketch and *consumed is 0.  Never reads outside
 * buf[0..len).
 */
extern int	qs_deserialize(QSketch *out, const QSAllocator *alloc,
						   const unsigned char *buf, size_t len, size_t *consumed);

/* read-only view of the parts (sorts the exact values in place first) */
extern void qs_get_parts(QSketch *qs, QSParts *parts);
/* build *out from parts, validated like qs_deserialize; *out empty on failure */
extern int	qs_from_parts(QSketch *out, const QSAllocator *alloc, const QSParts *parts);

/* check every invariant of an in-memory sketch (tests); may sort values */
extern int	qs_check(QSketch *qs);

/* message for a return code (static string) */
extern const char *qs_strerror(int code);

#endif							/* FUNNEL_SKETCH_H */
