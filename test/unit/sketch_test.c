/*
 * test/unit/sketch_test.c
 *		Unit tests of the quantile sketch (src/sketch.c), printing TAP.
 *
 *   cc -std=c99 -O2 -Wall -Wextra -Werror -o /tmp/sketch_test \
 *      test/unit/sketch_test.c src/sketch.c -lm && /tmp/sketch_test
 *
 * Exit status 0 only when every test passed.  QS_TEST_SEED=<n> in the
 * environment changes the random seed (default fixed, printed).
 */
#include "../../src/sketch.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ TAP */

static int	tests_run = 0;
static int	tests_failed = 0;

static int
ok(int cond, const char *fmt,...)
{
	va_list		ap;

	tests_run++;
	if (!cond)
		tests_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tests_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static void
diag(const char *fmt,...)
{
	va_list		ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ------------------------------------------------------ random numbers */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	/* splitmix64 */
	uint64_t	z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double
rng_unit(void)					/* [0, 1) */
{
	return (double) (rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t
rng_below(uint64_t n)
{
	return n ? rng_next() % n : 0;
}

static double
rng_normal(void)
{
	double		u1 = rng_unit(),
				u2 = rng_unit();

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void
shuffle(double *v, size_t n)
{
	size_t		i;

	for (i = n; i > 1; i--)
	{
		size_t		j = (size_t) rng_below(i);
		double		t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* ---------------------------------------------------- counting allocator */

typedef struct
{
	long		live;			/* allocations not yet freed */
	long		calls;			/* alloc + realloc calls */
	long		fail_after;		/* fail calls beyond this many; -1 never */
} TestCtx;

static void *
t_alloc(void *ctx, size_t n)
{
	TestCtx    *c = ctx;
	void	   *p;

	c->calls++;
	if (c->fail_after >= 0 && c->calls > c->fail_after)
		return NULL;
	p = malloc(n);
	if (p)
		c->live++;
	return p;
}

static void *
t_realloc(void *ctx, void *p, size_t n)
{
	TestCtx    *c = ctx;

	c->calls++;
	if (c->fail_after >= 0 && c->calls > c->fail_after)
		return NULL;
	return realloc(p, n);
}

static void
t_free(void *ctx, void *p)
{
	TestCtx    *c = ctx;

	c->live--;
	free(p);
}

static TestCtx main_ctx = {0, 0, -1};
static QSAllocator A = {t_alloc, t_realloc, t_free, &main_ctx};

/* ----------------------------------------------------------- reference */

/* merge sort, independent of the sketch's qsort */
static void
ref_sort(double *v, double *tmp, size_t n)
{
	size_t		mid,
				i,
				j,
				k;

	if (n < 2)
		return;
	mid = n / 2;
	ref_sort(v, tmp, mid);
	ref_sort(v + mid, tmp, n - mid);
	i = 0;
	j = mid;
	k = 0;
	while (i < mid && j < n)
		tmp[k++] = v[j] < v[i] ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(double));
}

static double *
sorted_copy(const double *v, size_t n)
{
	double	   *s = malloc((n ? n : 1) * sizeof(double));
	double	   *t = malloc((n ? n : 1) * sizeof(double));
	size_t		i;

	for (i = 0; i < n; i++)
		s[i] = v[i] == 0 ? 0.0 : v[i];
	ref_sort(s, t, n);
	free(t);
	return s;
}

/*
 * PostgreSQL's percentile_cont on float8 (orderedsetaggs.c): rows
 * floor/ceil of p*(n-1), float8_lerp(lo, hi, pct) = lo + pct*(hi-lo),
 * no interpolation when both rows are the same.
 */
static double
ref_percentile_cont(const double *sorted, size_t n, double p, double *lo, double *hi)
{
	double		pos = p * (double) (n - 1);
	double		f = floor(pos);
	size_t		a = (size_t) f;
	size_t		b = (size_t) ceil(pos);

	*lo = sorted[a];
	*hi = sorted[b];
	if (a == b)
		return sorted[a];
	return sorted[a] + ((pos - f) * (sorted[b] - sorted[a]));
}

static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* ------------------------------------------------------------- helpers */

static unsigned char *
ser(QSketch *qs, size_t *len)
{
	size_t		n = qs_serialized_size(qs);
	unsigned char *buf = malloc(n + 1);
	size_t		w = qs_serialize(qs, buf, n);

	if (w != n)
	{
		printf("# serialize wrote %zu of %zu bytes\n", w, n);
		abort();
	}
	*len = n;
	return buf;
}

static int
same_bytes(QSketch *a, QSketch *b)
{
	size_t		la,
				lb;
	unsigned char *ba = ser(a, &la);
	unsigned char *bb = ser(b, &lb);
	int			same = la == lb && memcmp(ba, bb, la) == 0;

	free(ba);
	free(bb);
	return same;
}

static void
build(QSketch *qs, const double *v, size_t n)
{
	size_t		i;

	qs_init(qs, &A);
	for (i = 0; i < n; i++)
		if (qs_add(qs, v[i]) != QS_OK)
			abort();
}

static double
quant(QSketch *qs, double p)
{
	double		r;

	if (qs_quantile(qs, p, &r) != QS_OK)
		abort();
	return r;
}

static const double fixed_ps[] = {
	0, 1, 0.5, 0.25, 0.75, 0.1, 0.9, 0.01, 0.99, 0.001, 0.999, 0.05, 0.95,
	0.333, 1.0 / 3, 2.0 / 3, 0.123456789, 0.987654321, 0.0001, 0.9999, 1e-9,
	1 - 1e-9, 0.4999999, 0.5000001
};
#define NFIXED (sizeof fixed_ps / sizeof fixed_ps[0])

static double
pick_p(int i)
{
	if (i < (int) NFIXED)
		return fixed_ps[i];
	return rng_unit();
}

/* ---------------------------------------------------- data generators */

typedef enum
{
	D_UNIFORM, D_LOGNORMAL, D_WIDE, D_MIXED, D_TIES, D_NEGATIVE, D_SMALL,
	D_HUGE_RANGE, ND
} Dist;

static const char *const dist_name[] = {
	"uniform 0..1e6", "lognormal(mu 10, sigma 2.5) heavy tail",
	"log-uniform 1e-3..1e12", "mixed: 15% zeros, 35% negative lognormal, positives 1e-3..1e12",
	"integers 0..50 (heavy ties)", "all negative -1e9..-1e-2",
	"tiny 1e-300..1e-250", "log-uniform 1e-300..1e300 (beyond 70 decades)"
};

static double
gen(Dist d)
{
	double		u = rng_unit();

	switch (d)
	{
		case D_UNIFORM:
			return u * 1e6;
		case D_LOGNORMAL:
			return exp(10 + 2.5 * rng_normal());
		case D_WIDE:
			return pow(10, -3 + 15 * u);
		case D_MIXED:
			if (u < 0.15)
				return 0;
			if (u < 0.5)
				return -exp(5 + 3 * rng_normal());
			return pow(10, -3 + 15 * rng_unit());
		case D_TIES:
			return (double) rng_below(51);
		case D_NEGATIVE:
			return -pow(10, -2 + 11 * u);
		case D_SMALL:
			return pow(10, -300 + 50 * u);
		case D_HUGE_RANGE:
			return pow(10, -300 + 600 * u);
		default:
			return 0;
	}
}

static double *
gen_data(Dist d, size_t n)
{
	double	   *v = malloc(n * sizeof(double));
	size_t		i;

	for (i = 0; i < n; i++)
		v[i] = gen(d);
	return v;
}

/* data for exact-mode comparisons: small sets with ties, zeros, negatives */
static double
gen_exactish(int kind)
{
	double		u = rng_unit();

	switch (kind % 5)
	{
		case 0:
			return (double) ((int) rng_below(21) - 10);	/* ties, zero, negatives */
		case 1:
			return (u - 0.5) * 1e6;
		case 2:
			return u < 0.2 ? 0.0 : (rng_unit() < 0.5 ? -1 : 1) * exp(20 * rng_normal());
		case 3:
			return u < 0.5 ? 0.1 : (u < 0.8 ? 0.7 : 1.0 / 3);
		default:
			return rng_unit() * pow(10, (double) rng_below(30) - 15);
	}
}

/* ------------------------------------------------------------- tests */

/* PostgreSQL 15.20 golden vectors, made by a one-off script that ran
 * percentile_cont(p) WITHIN GROUP (ORDER BY x) on a throwaway cluster and
 * printed float8send() of p and of the result: the bits of inputs and outputs. */
/* generated from PostgreSQL 15.20 percentile_cont(p) WITHIN GROUP (ORDER BY x::float8); bits of p and result */
static const uint64_t golden_data_0[] = {
 UINT64_C(0x4083c744de7846e4), UINT64_C(0x3e42d29884045052), UINT64_C(0x3ffd39ae1381702a),
 UINT64_C(0xc08e9321c6b41b81), UINT64_C(0x0000000000000000), UINT64_C(0xc084ccabf2c32019),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x0000000000000000), UINT64_C(0x41c9e1ebf67a27cc),
 UINT64_C(0xbfdf2900f8be27ec), UINT64_C(0x408dd879e3076ff6), UINT64_C(0x4013184ccb687dea),
 UINT64_C(0x40be17579bb3ff8d), UINT64_C(0xc081f3e483df3d8b), UINT64_C(0x407c4b2ef6a30601),
 UINT64_C(0x406310c27b6712e0), UINT64_C(0x0000000000000000), UINT64_C(0x408d4021437846ee),
 UINT64_C(0x0000000000000000), UINT64_C(0x407e5c4cfa78354c), UINT64_C(0x3fb999999999999a),
 UINT64_C(0x4010000000000000), UINT64_C(0x408d4021437846ee), UINT64_C(0x409095e77ca0e5f6),
 UINT64_C(0xc00fdc6fc5e687cf), UINT64_C(0x408b17f6b2e4a97c), UINT64_C(0x42420809768b8886),
 UINT64_C(0x407222bd601e70fc), UINT64_C(0x407c4b2ef6a30601), UINT64_C(0x4071870cf8effcf4),
 UINT64_C(0x3f5de6fe61086264), UINT64_C(0x3f5de6fe61086264), UINT64_C(0xbff0000000000000),
 UINT64_C(0x4008000000000000), UINT64_C(0x3f44f8e6a463cf7d), UINT64_C(0xbf10f74d9bab7e61),
 UINT64_C(0xc079011e1a725f40), UINT64_C(0x408dd879e3076ff6), UINT64_C(0xc0aac3bb3a3bf280),
 UINT64_C(0xc0701ca71e151d10), UINT64_C(0xc08bcf88eeb4bbaf), UINT64_C(0x0000000000000000),

};
static const uint64_t golden_result_0[][2] = {
 {UINT64_C(0x0000000000000000), UINT64_C(0xc0aac3bb3a3bf280)},
 {UINT64_C(0x3f847ae147ae147b), UINT64_C(0xc0a2eccd723eca36)},
 {UINT64_C(0x3fa999999999999a), UINT64_C(0xc08b75caaee8a71a)},
 {UINT64_C(0x3fb999999999999a), UINT64_C(0xc081685bf801d5bf)},
 {UINT64_C(0x3fbf9add3739635f), UINT64_C(0xc07874985d97b0df)},
 {UINT64_C(0x3fd0000000000000), UINT64_C(0xbf0972f469813d92)},
 {UINT64_C(0x3fd3333333333333), UINT64_C(0x0000000000000000)},
 {UINT64_C(0x3fd54fdf3b645a1d), UINT64_C(0x0000000000000000)},
 {UINT64_C(0x3fd5555555555555), UINT64_C(0x0000000000000000)},
 {UINT64_C(0x3fda3d70a3d70a3d), UINT64_C(0x3f40fcd2e05e76e1)},
 {UINT64_C(0x3fe0000000000000), UINT64_C(0x3fb999999999999a)},
 {UINT64_C(0x3fe2e147ae147ae1), UINT64_C(0x4010968978914b1e)},
 {UINT64_C(0x3fe5555555555555), UINT64_C(0x4071baf270aa23a1)},
 {UINT64_C(0x3fe6666666666666), UINT64_C(0x40793f0ce314d94a)},
 {UINT64_C(0x3fe8000000000000), UINT64_C(0x407dd8057982e979)},
 {UINT64_C(0x3feccccccccccccd), UINT64_C(0x408dd879e3076ff6)},
 {UINT64_C(0x3fef9add3c0e56b8), UINT64_C(0x4231e9403b2cf215)},
 {UINT64_C(0x3fefae147ae147ae), UINT64_C(0x42355c25b3c5cccd)},
 {UINT64_C(0x3feff7ced916872b), UINT64_C(0x42414bd733addec8)},
 {UINT64_C(0x3ff0000000000000), UINT64_C(0x42420809768b8886)},
};
static const uint64_t golden_data_1[] = {
 UINT64_C(0xc102356ed7c74dbc), UINT64_C(0x4121848e37040a7e), UINT64_C(0xc1089e63720ead48),
 UINT64_C(0x41259b6a0fdf0fe4), UINT64_C(0x41217f1f051821ee), UINT64_C(0xc12e1dce4789ba02),
 UINT64_C(0xc12b0fa60a679b9c), UINT64_C(0x4122b9ebcfffae48), UINT64_C(0xc12d69f89ed5a79f),
 UINT64_C(0x411f5b74ada7faf8), UINT64_C(0x40d52cadaddf5260), UINT64_C(0x40fbb37dc4d39fe0),
 UINT64_C(0x4128243650bc1fdc), UINT64_C(0xc1266d468f418356), UINT64_C(0x4114476e8f6ac6b4),
 UINT64_C(0x4116e61157a4b550), UINT64_C(0x41240e2ab8d94514), UINT64_C(0xc12a260748c44665),
 UINT64_C(0x412b8aa8200b56a8), UINT64_C(0xc12e0262f8e7b464), UINT64_C(0xc115dfd065456c32),
 UINT64_C(0x41277e2b6abe5622), UINT64_C(0x41272d6f8d754f9e), UINT64_C(0x410ab46c45578300),
 UINT64_C(0x41150e9d7567e674), UINT64_C(0x410f690f003b1ac0), UINT64_C(0xc103fa0dab8f56bc),
 UINT64_C(0xc0df5c1b455b5700), UINT64_C(0x4122338a9d7be7e0), UINT64_C(0xc116d1f0c33a3362),
 UINT64_C(0x411bc6f5d9db19c4), UINT64_C(0x40aed5c297f4f900), UINT64_C(0x4118580ce06fb6dc),
 UINT64_C(0x40b3e51325e2a500), UINT64_C(0x412b6220ebec98c8), UINT64_C(0x411485aef75431f4),
 UINT64_C(0x41285b8e1b7523aa), UINT64_C(0xc0e371e970d7cdb0), UINT64_C(0xc123ff0f50bd25a5),
 UINT64_C(0xc120b90ec5b74088), UINT64_C(0xc11a6939c5589efa), UINT64_C(0x4110ff1993930e24),
 UINT64_C(0x412728bf19e12886), UINT64_C(0xc0faa4d25500be40), UINT64_C(0x4112ad8db9378664),
 UINT64_C(0x412150ee95d61a1e), UINT64_C(0x412a0dcfd00ac172), UINT64_C(0xc10bd41917f33968),
 UINT64_C(0x412c6b1320c69274), UINT64_C(0x412df2e147c34fca), UINT64_C(0x41242e926e34eeb2),
 UINT64_C(0x411a0bc6021690c8), UINT64_C(0x412ce500e6d7df40), UINT64_C(0xc124c91b9c181704),
 UINT64_C(0x412d1cd99d191312), UINT64_C(0x40fb099eb020c150), UINT64_C(0x41277389c878ac2e),
 UINT64_C(0xc116bab4e3a113fa), UINT64_C(0xc12d0f7dda0ceccc), UINT64_C(0x412ac4501b080190),
 UINT64_C(0x412c14a3eeb5cae8), UINT64_C(0x412e80965d0635f6), UINT64_C(0xc1249189205a42d6),
 UINT64_C(0xc12056202f5724c2), UINT64_C(0xc0fa5b2ad96863f0), UINT64_C(0xc129173f21b324fc),
 UINT64_C(0xc0f75dcac8647108), UINT64_C(0x40fd56b8dbef9020), UINT64_C(0x4109a1d53505e1b0),
 UINT64_C(0xc1256fba73e6e8b2), UINT64_C(0x410178d13e4bf328), UINT64_C(0x412c6b2832937c30),
 UINT64_C(0xc126047d3b6cb1b5), UINT64_C(0xc117b898e723053a), UINT64_C(0x40f4332b1a8be370),
 UINT64_C(0x4125395d51a89b60), UINT64_C(0xc10c1e67793fffb8), UINT64_C(0xc1221bf5c03afed9),
 UINT64_C(0xc12d1e125961ef2b), UINT64_C(0xc10dd06539b8c99c), UINT64_C(0xc10536c8c772f61c),
 UINT64_C(0xc12b325f316e382e), UINT64_C(0xc10ae1c252030824), UINT64_C(0xc11a43adfba6c454),
 UINT64_C(0x412b49f75885ea2e), UINT64_C(0x40f86129cf471da0), UINT64_C(0x41192cd58013ea60),
 UINT64_C(0x410eeb8c4e99c760), UINT64_C(0x41267615446d832a), UINT64_C(0xc1207c14f23b8556),
 UINT64_C(0xc1256beace4774da), UINT64_C(0x4116e4cbc1ac7828), UINT64_C(0x4128632a873c7e2a),
 UINT64_C(0xc129de113c323ed6), UINT64_C(0xc12da44472e102d7), UINT64_C(0xc1166c512b371e14),
 UINT64_C(0xc10731ec6c577b5c), UINT64_C(0xc1197a9d2e7f128c), UINT64_C(0xc12dcfbd7b177358),
 UINT64_C(0xc1228597e5abe728), UINT64_C(0xc124e2bbbdc2d8e4), UINT64_C(0xc105992d8b46ca80),
 UINT64_C(0xc11ea7bc322fda96), UINT64_C(0x4125f6feb17e7918), UINT64_C(0x4103d482378076a8),
 UINT64_C(0x412c6692af9cfa3c), UINT64_C(0x411434ad72a5f104), UINT64_C(0x40b479fbb34e2e80),
 UINT64_C(0x410012b2e735de68), UINT64_C(0x412b23f0a3e16f72), UINT64_C(0x412aa96e30770476),
 UINT64_C(0xc12d338791ff1721), UINT64_C(0xc129701c10bdf11e), UINT64_C(0xc12cb0b59dfaec2b),
 UINT64_C(0x40c7b6677adaaf00), UINT64_C(0xc11d45faac693bc5), UINT64_C(0xc1246a8265da7aea),
 UINT64_C(0x40fb5fffecc00790), UINT64_C(0x411a1c46abef6ed4), UINT64_C(0x411d28568cbdde1c),
 UINT64_C(0xc129ad151ffa2b99), UINT64_C(0x40bfda9efad28c80), UINT64_C(0xc10472d699fbd8f4),
 UINT64_C(0xc0f45f30d1c16660), UINT64_C(0xc11402a8239a552e), UINT64_C(0xc10806186991c874),
 UINT64_C(0x411d4110a0ac3cb8), UINT64_C(0xc120af8f5d220a4c), UINT64_C(0xc122e0845768f174),
 UINT64_C(0xc12dbe8e703cc262), UINT64_C(0x409c64b3b00e0e00), UINT64_C(0x410c4ab7bb8375b8),
 UINT64_C(0x412521860e59f0f6), UINT64_C(0x4114f73be390ef30), UINT64_C(0x41269e2181497e4e),
 UINT64_C(0xc129008eedde6f84), UINT64_C(0x412e065733420200), UINT64_C(0x4113abd8147999e0),
 UINT64_C(0x40f0f6cef6643800), UINT64_C(0x411d583067f42cd4), UINT64_C(0xc12172a76368efc3),
 UINT64_C(0xc1118225ffaac740), UINT64_C(0x411fb3871d7e53d0), UINT64_C(0x41158bbc9744ea18),
 UINT64_C(0x412ade4d6375bb0e), UINT64_C(0xc12478739afe7f8e), UINT64_C(0x410398316f8922c0),
 UINT64_C(0xc1157afaacbd84fe), UINT64_C(0xc1263deebd1c3c4c), UINT64_C(0x4129ab0148bdbd00),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a),
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fb999999999999a), UINT64_C(0xc00a666666666666),
 UINT64_C(0xc00a666666666666), UINT64_C(0xc00a666666666666), UINT64_C(0xc00a666666666666),
 UINT64_C(0xc00a666666666666), UINT64_C(0xc00a666666666666), UINT64_C(0xc00a666666666666),

};
static const uint64_t golden_result_1[][2] = {
 {UINT64_C(0x0000000000000000), UINT64_C(0xc12e1dce4789ba02)},
 {UINT64_C(0x3f847ae147ae147b), UINT64_C(0xc12ddbe532e30813)},
 {UINT64_C(0x3fa999999999999a), UINT64_C(0xc12cc3aa76cb52b2)},
 {UINT64_C(0x3fb999999999999a), UINT64_C(0xc12774fd1b804834)},
 {UINT64_C(0x3fbf9add3739635f), UINT64_C(0xc1256cf3cbe7b41f)},
 {UINT64_C(0x3fd0000000000000), UINT64_C(0xc116bab4e3a113fa)},
 {UINT64_C(0x3fd3333333333333), UINT64_C(0xc10b123a133311ff)},
 {UINT64_C(0x3fd54fdf3b645a1d), UINT64_C(0xc104bfa62cd4862c)},
 {UINT64_C(0x3fd5555555555555), UINT64_C(0xc104b42753ce3802)},
 {UINT64_C(0x3fda3d70a3d70a3d), UINT64_C(0xc00a666666666666)},
 {UINT64_C(0x3fe0000000000000), UINT64_C(0x3fb999999999999a)},
 {UINT64_C(0x3fe2e147ae147ae1), UINT64_C(0x40f7b5f6d114adde)},
 {UINT64_C(0x3fe5555555555555), UINT64_C(0x411022b83144b84a)},
 {UINT64_C(0x3fe6666666666666), UINT64_C(0x41149c64c02d2498)},
 {UINT64_C(0x3fe8000000000000), UINT64_C(0x411a1c46abef6ed4)},
 {UINT64_C(0x3feccccccccccccd), UINT64_C(0x4128e64d3b09ca82)},
 {UINT64_C(0x3fef9add3c0e56b8), UINT64_C(0x412dcde31da75e83)},
 {UINT64_C(0x3fefae147ae147ae), UINT64_C(0x412df78cf0ebf571)},
 {UINT64_C(0x3feff7ced916872b), UINT64_C(0x412e6b126a27435a)},
 {UINT64_C(0x3ff0000000000000), UINT64_C(0x412e80965d0635f6)},
};
static const uint64_t golden_data_2[] = {
 UINT64_C(0x4004000000000000), 
};
static const uint64_t golden_result_2[][2] = {
 {UINT64_C(0x0000000000000000), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3f847ae147ae147b), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fa999999999999a), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fb999999999999a), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fbf9add3739635f), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fd0000000000000), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fd3333333333333), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fd54fdf3b645a1d), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fd5555555555555), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fda3d70a3d70a3d), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fe0000000000000), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fe2e147ae147ae1), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fe5555555555555), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fe6666666666666), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fe8000000000000), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3feccccccccccccd), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fef9add3c0e56b8), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3fefae147ae147ae), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3feff7ced916872b), UINT64_C(0x4004000000000000)},
 {UINT64_C(0x3ff0000000000000), UINT64_C(0x4004000000000000)},
};
static const uint64_t golden_data_3[] = {
 UINT64_C(0x3fb999999999999a), UINT64_C(0x3fe6666666666666), 
};
static const uint64_t golden_result_3[][2] = {
 {UINT64_C(0x0000000000000000), UINT64_C(0x3fb999999999999a)},
 {UINT64_C(0x3f847ae147ae147b), UINT64_C(0x3fbb22d0e560418a)},
 {UINT64_C(0x3fa999999999999a), UINT64_C(0x3fc0a3d70a3d70a4)},
 {UINT64_C(0x3fb999999999999a), UINT64_C(0x3fc47ae147ae147b)},
 {UINT64_C(0x3fbf9add3739635f), UINT64_C(0x3fc6480f2a2ad103)},
 {UINT64_C(0x3fd0000000000000), UINT64_C(0x3fd0000000000000)},
 {UINT64_C(0x3fd3333333333333), UINT64_C(0x3fd1eb851eb851ec)},
 {UINT64_C(0x3fd54fdf3b645a1d), UINT64_C(0x3fd32fec56d5cfab)},
 {UINT64_C(0x3fd5555555555555), UINT64_C(0x3fd3333333333333)},
 {UINT64_C(0x3fda3d70a3d70a3d), UINT64_C(0x3fd624dd2f1a9fbe)},
 {UINT64_C(0x3fe0000000000000), UINT64_C(0x3fd999999999999a)},
 {UINT64_C(0x3fe2e147ae147ae1), UINT64_C(0x3fdd0e5604189374)},
 {UINT64_C(0x3fe5555555555555), UINT64_C(0x3fe0000000000000)},
 {UINT64_C(0x3fe6666666666666), UINT64_C(0x3fe0a3d70a3d70a4)},
 {UINT64_C(0x3fe8000000000000), UINT64_C(0x3fe1999999999999)},
 {UINT64_C(0x3feccccccccccccd), UINT64_C(0x3fe47ae147ae147b)},
 {UINT64_C(0x3fef9add3c0e56b8), UINT64_C(0x3fe629b7f0d5673b)},
 {UINT64_C(0x3fefae147ae147ae), UINT64_C(0x3fe6353f7ced9168)},
 {UINT64_C(0x3feff7ced916872b), UINT64_C(0x3fe6617c1bda5119)},
 {UINT64_C(0x3ff0000000000000), UINT64_C(0x3fe6666666666666)},
};
static const uint64_t golden_data_4[] = {
 UINT64_C(0x7fe1ccf385ebc8a0), UINT64_C(0xffe1ccf385ebc8a0), UINT64_C(0x4014000000000000),

};
static const uint64_t golden_result_4[][2] = {
 {UINT64_C(0x0000000000000000), UINT64_C(0xffe1ccf385ebc8a0)},
 {UINT64_C(0x3f847ae147ae147b), UINT64_C(0xffe171cfeec33a5f)},
 {UINT64_C(0x3fa999999999999a), UINT64_C(0xffe005419221015d)},
 {UINT64_C(0x3fb999999999999a), UINT64_C(0xffdc7b1f3cac7433)},
 {UINT64_C(0x3fbf9add3739635f), UINT64_C(0xffdacf8e65ea1ad2)},
 {UINT64_C(0x3fd0000000000000), UINT64_C(0xffd1ccf385ebc8a0)},
 {UINT64_C(0x3fd3333333333333), UINT64_C(0xffcc7b1f3cac7434)},
 {UINT64_C(0x3fd54fdf3b645a1d), UINT64_C(0xffc7c8163e2eb810)},
 {UINT64_C(0x3fd5555555555555), UINT64_C(0xffc7bbef5d3a60d6)},
 {UINT64_C(0x3fda3d70a3d70a3d), UINT64_C(0xffb9a20283680230)},
 {UINT64_C(0x3fe0000000000000), UINT64_C(0x4014000000000000)},
 {UINT64_C(0x3fe2e147ae147ae1), UINT64_C(0x7fb9a2028368022c)},
 {UINT64_C(0x3fe5555555555555), UINT64_C(0x7fc7bbef5d3a60d4)},
 {UINT64_C(0x3fe6666666666666), UINT64_C(0x7fcc7b1f3cac7431)},
 {UINT64_C(0x3fe8000000000000), UINT64_C(0x7fd1ccf385ebc8a0)},
 {UINT64_C(0x3feccccccccccccd), UINT64_C(0x7fdc7b1f3cac7434)},
 {UINT64_C(0x3fef9add3c0e56b8), UINT64_C(0x7fe15c6f172a384f)},
 {UINT64_C(0x3fefae147ae147ae), UINT64_C(0x7fe171cfeec33a5f)},
 {UINT64_C(0x3feff7ced916872b), UINT64_C(0x7fe1c3d65d348733)},
 {UINT64_C(0x3ff0000000000000), UINT64_C(0x7fe1ccf385ebc8a0)},
};
static const uint64_t golden_data_5[] = {
 UINT64_C(0x7feab36d48e1acf0), UINT64_C(0xffeab36d48e1acf0), 
};
static const uint64_t golden_result_5[][2] = {
 {UINT64_C(0x0000000000000000), UINT64_C(0xffeab36d48e1acf0)},
 {UINT64_C(0x3f847ae147ae147b), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fa999999999999a), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fb999999999999a), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fbf9add3739635f), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fd0000000000000), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fd3333333333333), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fd54fdf3b645a1d), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fd5555555555555), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fda3d70a3d70a3d), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fe0000000000000), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fe2e147ae147ae1), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fe5555555555555), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fe6666666666666), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fe8000000000000), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3feccccccccccccd), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fef9add3c0e56b8), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3fefae147ae147ae), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3feff7ced916872b), UINT64_C(0x7ff0000000000000)},
 {UINT64_C(0x3ff0000000000000), UINT64_C(0x7feab36d48e1acf0)},
};

static const struct { const uint64_t *data; size_t n; const uint64_t (*res)[2]; size_t nres; } golden[] = {
 {golden_data_0, sizeof golden_data_0 / sizeof golden_data_0[0], golden_result_0, sizeof golden_result_0 / sizeof golden_result_0[0]},
 {golden_data_1, sizeof golden_data_1 / sizeof golden_data_1[0], golden_result_1, sizeof golden_result_1 / sizeof golden_result_1[0]},
 {golden_data_2, sizeof golden_data_2 / sizeof golden_data_2[0], golden_result_2, sizeof golden_result_2 / sizeof golden_result_2[0]},
 {golden_data_3, sizeof golden_data_3 / sizeof golden_data_3[0], golden_result_3, sizeof golden_result_3 / sizeof golden_result_3[0]},
 {golden_data_4, sizeof golden_data_4 / sizeof golden_data_4[0], golden_result_4, sizeof golden_result_4 / sizeof golden_result_4[0]},
 {golden_data_5, sizeof golden_data_5 / sizeof golden_data_5[0], golden_result_5, sizeof golden_result_5 / sizeof golden_result_5[0]},
};

static void
test_golden(void)
{
	size_t		g;

	for (g = 0; g < sizeof golden / sizeof golden[0]; g++)
	{
		QSketch		qs;
		size_t		i;
		int			bad = 0;

		qs_init(&qs, &A);
		for (i = 0; i < golden[g].n; i++)
		{
			double		x;
			uint64_t	bits = golden[g].data[i];

			memcpy(&x, &bits, sizeof x);
			qs_add(&qs, x);
		}
		for (i = 0; i < golden[g].nres; i++)
		{
			double		p,
						want,
						got;
			uint64_t	pb = golden[g].res[i][0],
						wb = golden[g].res[i][1];

			memcpy(&p, &pb, sizeof p);
			memcpy(&want, &wb, sizeof want);
			got = quant(&qs, p);
			if (!same_bits(got, want))
			{
				bad++;
				diag("set %zu p=%.17g: got %.17g want %.17g", g, p, got, want);
			}
		}
		ok(bad == 0, "exact mode equals PostgreSQL 15 percentile_cont bit for bit (golden set %zu, n=%zu, %zu percentiles)",
		   g, golden[g].n, golden[g].nres);
		qs_free(&qs);
	}
}

static int
exact_vs_reference(const double *v, size_t n, int nps)
{
	QSketch		qs;
	double	   *s = sorted_copy(v, n);
	int			bad = 0,
				i;

	build(&qs, v, n);
	if (!qs_is_exact(&qs) || qs_count(&qs) != n)
		bad++;
	for (i = 0; i < nps; i++)
	{
		double		p = pick_p(i),
					lo,
					hi,
					want = ref_percentile_cont(s, n, p, &lo, &hi),
					got = quant(&qs, p);

		if (!same_bits(got, want))
		{
			if (bad < 5)
				diag("n=%zu p=%.17g got %.17g want %.17g", n, p, got, want);
			bad++;
		}
	}
	if (n > 0 && (!same_bits(qs_min(&qs), s[0]) || !same_bits(qs_max(&qs), s[n - 1])))
		bad++;
	if (qs_check(&qs) != QS_OK)
		bad++;
	qs_free(&qs);
	free(s);
	return bad;
}

static void
test_exact_mode(void)
{
	double		v[QS_EXACT_LIMIT];
	int			bad,
				trial;
	size_t		i,
				n;

	v[0] = 42.5;
	ok(exact_vs_reference(v, 1, 40) == 0, "exact: n=1 returns the value for every p");
	v[0] = 0.1;
	v[1] = 0.7;
	bad = exact_vs_reference(v, 2, 200);
	v[0] = 5;
	v[1] = -3;
	bad += exact_vs_reference(v, 2, 200);
	v[0] = 7;
	v[1] = 7;
	bad += exact_vs_reference(v, 2, 50);
	ok(bad == 0, "exact: n=2 interpolates like percentile_cont (incl. equal values)");

	bad = 0;
	for (trial = 0; trial < 400; trial++)
	{
		n = 1 + (size_t) rng_below(QS_EXACT_LIMIT);
		for (i = 0; i < n; i++)
			v[i] = gen_exactish(trial);
		bad += exact_vs_reference(v, n, 60);
	}
	ok(bad == 0, "exact: 400 random sets (n 1..1024; ties, zeros, negatives, wide magnitudes) equal reference percentile_cont bit for bit");

	bad = 0;
	for (trial = 0; trial < 20; trial++)
	{
		n = QS_EXACT_LIMIT - (size_t) rng_below(3);
		for (i = 0; i < n; i++)
			v[i] = gen_exactish(trial);
		bad += exact_vs_reference(v, n, 300);
	}
	ok(bad == 0, "exact: sets of 1022..1024 values, 300 percentiles each");

	for (i = 0; i < 100; i++)
		v[i] = -1.25;
	ok(exact_vs_reference(v, 100, 100) == 0, "exact: all values equal");

	/*
	 * Quantiles of an exact sketch come from a selection, not a sort: orders
	 * that make a median-of-three selection slow or that a partition gets
	 * wrong (sorted, reversed, organ pipe, sawtooth, two values, one odd
	 * value out) give percentile_cont's answer bit for bit, at every
	 * percentile of a fine grid, each asked of a fresh sketch and several of
	 * one in turn (the values stay permuted between them)
	 */
	bad = 0;
	{
		int			shape;

		for (shape = 0; shape < 6; shape++)
		{
			n = QS_EXACT_LIMIT;
			for (i = 0; i < n; i++)
				v[i] = shape == 0 ? (double) i :
					shape == 1 ? (double) (n - i) :
					shape == 2 ? (double) (i < n / 2 ? i : n - i) :
					shape == 3 ? (double) (i % 17) :
					shape == 4 ? (double) (i % 2) * 3.5 :
					(i == n / 3 ? -7.0 : 2.0);
			bad += exact_vs_reference(v, n, 200);
			bad += exact_vs_reference(v, 777, 200);
		}
	}
	ok(bad == 0, "exact: sorted, reversed, organ-pipe, sawtooth, two-valued and one-odd-out sets, 200 percentiles each");

	{
		QSketch		qs;
		double		r;

		qs_init(&qs, &A);
		qs_add(&qs, -0.0);
		qs_add(&qs, 0.0);
		qs_add(&qs, -0.0);
		r = quant(&qs, 0.5);
		ok(r == 0 && !signbit(r) && !signbit(qs_min(&qs)) && !signbit(qs_max(&qs)),
		   "exact: -0.0 is stored as +0.0");
		qs_free(&qs);
	}
}

static void
test_errors(void)
{
	QSketch		qs;
	double		r,
				a,
				b,
				f;
	int			i;
	size_t		l1,
				l2;
	unsigned char *b1,
			   *b2;
	int			allgood = 1;

	qs_init(&qs, &A);
	ok(qs_quantile(&qs, 0.5, &r) == QS_ERR_EMPTY, "quantile of an empty sketch: QS_ERR_EMPTY");
	for (i = 0; i < 2000; i++)
		qs_add(&qs, i % 3 ? i : -i);
	ok(qs_quantile(&qs, -0.01, &r) == QS_ERR_PERCENTILE &&
	   qs_quantile(&qs, 1.0000001, &r) == QS_ERR_PERCENTILE &&
	   qs_quantile(&qs, NAN, &r) == QS_ERR_PERCENTILE &&
	   qs_quantile(&qs, INFINITY, &r) == QS_ERR_PERCENTILE,
	   "p outside [0, 1] or NaN: QS_ERR_PERCENTILE");

	b1 = ser(&qs, &l1);
	ok(qs_add(&qs, NAN) == QS_ERR_NONFINITE && qs_add(&qs, INFINITY) == QS_ERR_NONFINITE &&
	   qs_add(&qs, -INFINITY) == QS_ERR_NONFINITE && qs_count(&qs) == 2000,
	   "qs_add rejects NaN, +Inf, -Inf with QS_ERR_NONFINITE (sketch mode)");
	b2 = ser(&qs, &l2);
	ok(l1 == l2 && memcmp(b1, b2, l1) == 0, "rejected values leave the sketch unchanged");
	free(b1);
	free(b2);
	qs_free(&qs);

	qs_init(&qs, &A);
	qs_add(&qs, 1);
	ok(qs_add(&qs, NAN) == QS_ERR_NONFINITE && qs_add(&qs, -INFINITY) == QS_ERR_NONFINITE &&
	   qs_count(&qs) == 1 && qs_max(&qs) == 1, "qs_add rejects non-finite values (exact mode)");
	qs_free(&qs);

	/* neighbours agree with qs_quantile */
	qs_init(&qs, &A);
	for (i = 0; i < 500; i++)
		qs_add(&qs, rng_unit() * 100);
	for (i = 0; i < 200; i++)
	{
		double		p = pick_p(i);

		qs_quantile_neighbours(&qs, p, &a, &b, &f);
		r = quant(&qs, p);
		if (!same_bits(r, f == 0 ? a : a + f * (b - a)))
			allgood = 0;
		if (f == 0 && !same_bits(a, b))
			allgood = 0;
	}
	ok(allgood, "qs_quantile_neighbours gives the two rows and the fraction percentile_cont uses");
	qs_free(&qs);
	ok(strcmp(qs_strerror(QS_ERR_TOTAL), qs_strerror(QS_ERR_ORDER)) != 0 &&
	   strcmp(qs_strerror(12345), "unknown sketch error") == 0, "qs_strerror has a message per code");
}

/* one accuracy run: returns max relative error (ignores zero-crossing interpolations) */
static double
accuracy(Dist d, size_t n, int nps, int *violations, double *cross_err)
{
	double	   *v = gen_data(d, n);
	double	   *s = sorted_copy(v, n);
	QSketch		qs;
	double		worst = 0;
	int			i;

	*violations = 0;
	*cross_err = 0;
	build(&qs, v, n);
	for (i = 0; i < nps; i++)
	{
		double		p = pick_p(i),
					lo,
					hi,
					want = ref_percentile_cont(s, n, p, &lo, &hi),
					got = quant(&qs, p),
					err;

		if (lo < 0 && hi > 0)
		{
			/* interpolation across zero: absolute error vs the larger neighbour */
			err = fabs(got - want) / (fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi));
			if (err > *cross_err)
				*cross_err = err;
			if (err > QS_RELATIVE_ACCURACY)
				(*violations)++;
			continue;
		}
		if (want == 0)
			err = got == 0 ? 0 : INFINITY;
		else
			err = fabs(got - want) / fabs(want);
		if (err > worst)
			worst = err;
		if (err > QS_RELATIVE_ACCURACY)
		{
			if (*violations < 3)
				diag("%s p=%.17g got %.17g want %.17g err %g", dist_name[d], p, got, want, err);
			(*violations)++;
		}
	}
	if (!same_bits(quant(&qs, 0), s[0]) || !same_bits(quant(&qs, 1), s[n - 1]))
		(*violations)++;
	if (qs_is_exact(&qs) || qs_check(&qs) != QS_OK)
		(*violations)++;
	qs_free(&qs);
	free(v);
	free(s);
	return worst;
}

static void
test_accuracy(void)
{
	int			d;

	for (d = 0; d < D_HUGE_RANGE; d++)
	{
		int			viol;
		double		cross;
		double		worst = accuracy((Dist) d, 60000, 1000, &viol, &cross);

		ok(viol == 0, "sketch: %s, n=60000, 1000 percentiles within 1%% (max relative error %.5f%%)",
		   dist_name[d], worst * 100);
		if (cross > 0)
			diag("  zero-crossing interpolation: max error %.5f%% of the larger neighbour", cross * 100);
	}
	{
		int			viol;
		double		cross;
		double		worst = accuracy(D_WIDE, 1025, 1000, &viol, &cross);

		ok(viol == 0, "sketch: just past the exact limit (n=1025), max relative error %.5f%%", worst * 100);
	}
}

/* build a sketch of v[0..n) by splitting into k random parts merged in a random tree */
static void
build_split(QSketch *out, const double *v, size_t n, int k, int via_bytes)
{
	QSketch    *pool = malloc((size_t) k * sizeof(QSketch));
	size_t	   *cuts = malloc((size_t) (k + 1) * sizeof(size_t));
	double	   *w = malloc((n ? n : 1) * sizeof(double));
	int			i,
				m;

	memcpy(w, v, n * sizeof(double));
	shuffle(w, n);
	cuts[0] = 0;
	cuts[k] = n;
	for (i = 1; i < k; i++)
		cuts[i] = (size_t) rng_below(n + 1);
	/* sort cut points (insertion sort) */
	for (i = 1; i < k; i++)
	{
		int			j = i;

		while (j > 1 && cuts[j - 1] > cuts[j])
		{
			size_t		t = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = t;
			j--;
		}
	}
	for (i = 0; i < k; i++)
	{
		build(&pool[i], w + cuts[i], cuts[i + 1] - cuts[i]);
		if (via_bytes && rng_below(2))
		{
			size_t		len,
						used;
			unsigned char *b = ser(&pool[i], &len);

			qs_free(&pool[i]);
			if (qs_deserialize(&pool[i], &A, b, len, &used) != QS_OK || used != len)
				abort();
			free(b);
		}
	}
	m = k;
	while (m > 1)
	{
		int			a = (int) rng_below((uint64_t) m);
		int			b = (int) rng_below((uint64_t) m - 1);

		if (b >= a)
			b++;
		if (qs_merge(&pool[a], &pool[b]) != QS_OK)
			abort();
		qs_free(&pool[b]);
		pool[b] = pool[m - 1];
		m--;
	}
	*out = pool[0];
	free(pool);
	free(cuts);
	free(w);
}

static int
same_answers(QSketch *a, QSketch *b)
{
	int			i;

	for (i = 0; i < 200 && qs_count(a) > 0; i++)
	{
		double		p = pick_p(i);

		if (!same_bits(quant(a, p), quant(b, p)))
			return 0;
	}
	return qs_count(a) == qs_count(b) && qs_is_exact(a) == qs_is_exact(b);
}

static void
test_merge_order(void)
{
	int			trial,
				bad_bytes = 0,
				bad_answers = 0,
				bad_check = 0;
	static const size_t sizes[] = {0, 1, 2, 500, 1023, 1024, 1025, 1026, 2048, 3000, 20000};

	/* order independence */
	{
		double	   *v = gen_data(D_MIXED, 30000);
		QSketch		a,
					b;
		int			same;

		build(&a, v, 30000);
		shuffle(v, 30000);
		build(&b, v, 30000);
		same = same_bytes(&a, &b) && same_answers(&a, &b);
		qs_free(&a);
		qs_free(&b);
		ok(same, "insertion order does not change the sketch (sketch mode, identical bytes and answers)");
		build(&a, v, 1000);
		shuffle(v, 1000);
		build(&b, v, 1000);
		same = same_bytes(&a, &b) && same_answers(&a, &b);
		qs_free(&a);
		qs_free(&b);
		ok(same, "insertion order does not change the sketch (exact mode, identical bytes and answers)");
		free(v);
	}

	for (trial = 0; trial < 120; trial++)
	{
		Dist		d = (Dist) (trial % ND);
		size_t		n = sizes[trial % (sizeof sizes / sizeof sizes[0])];
		double	   *v;
		QSketch		one,
					split;
		int			k = 1 + (int) rng_below(trial % 3 == 0 ? 40 : 8);

		if (trial % 7 == 0)
			n = 1 + (size_t) rng_below(50000);
		v = gen_data(d, n ? n : 1);
		build(&one, v, n);
		build_split(&split, v, n, k, trial % 2);
		if (!same_bytes(&one, &split))
		{
			if (bad_bytes < 3)
				diag("trial %d: %s n=%zu k=%d bytes differ", trial, dist_name[d], n, k);
			bad_bytes++;
		}
		if (n > 0 && !same_answers(&one, &split))
			bad_answers++;
		if (qs_check(&split) != QS_OK)
			bad_check++;
		qs_free(&one);
		qs_free(&split);
		free(v);
	}
	ok(bad_bytes == 0, "120 random splits into 1..40 partial sketches, merged in random trees: identical bytes to one pass");
	ok(bad_answers == 0, "... and identical quantile answers");
	ok(bad_check == 0, "... and every merged sketch passes qs_check");

	/* self merge */
	{
		double	   *v = gen_data(D_WIDE, 3000);
		QSketch		a,
					b;
		int			good;

		build(&a, v, 1500);
		qs_merge(&a, &a);
		build(&b, v, 1500);
		{
			size_t		i;

			for (i = 0; i < 1500; i++)
				qs_add(&b, v[i]);
		}
		good = same_bytes(&a, &b);
		qs_free(&a);
		qs_free(&b);
		build(&a, v, 300);
		qs_merge(&a, &a);
		build(&b, v, 300);
		{
			size_t		i;

			for (i = 0; i < 300; i++)
				qs_add(&b, v[i]);
		}
		good = good && same_bytes(&a, &b) && qs_count(&a) == 600;
		qs_free(&a);
		qs_free(&b);
		free(v);
		ok(good, "merging a sketch into itself doubles it (exact and sketch mode)");
	}
}

static void
test_transition(void)
{
	double		v[3000];
	QSketch		a,
				b,
				c;
	size_t		i;
	int			good;

	for (i = 0; i < 3000; i++)
		v[i] = gen(D_MIXED);

	build(&a, v, QS_EXACT_LIMIT);
	ok(qs_is_exact(&a) && qs_count(&a) == 1024, "1024 values: still exact");
	qs_add(&a, v[1024]);
	ok(!qs_is_exact(&a) && qs_count(&a) == 1025 && qs_check(&a) == QS_OK, "1025th value: sketch mode");
	qs_free(&a);

	/* merges around the limit */
	build(&a, v, 512);
	build(&b, v + 512, 512);
	qs_merge(&a, &b);
	build(&c, v, 1024);
	ok(qs_is_exact(&a) && same_bytes(&a, &c) && exact_vs_reference(v, 1024, 0) == 0,
	   "merge 512 + 512: exact, same as 1024 adds");
	qs_free(&a);
	qs_free(&b);
	qs_free(&c);

	build(&a, v, 512);
	build(&b, v + 512, 513);
	qs_merge(&a, &b);
	build(&c, v, 1025);
	ok(!qs_is_exact(&a) && qs_count(&a) == 1025 && same_bytes(&a, &c), "merge 512 + 513: sketch, same as 1025 adds");
	qs_free(&a);
	qs_free(&b);
	qs_free(&c);

	build(&a, v, 1024);
	build(&b, v + 1024, 1);
	qs_merge(&b, &a);			/* exact 1 + exact 1024 */
	build(&c, v, 1025);
	ok(!qs_is_exact(&b) && same_bytes(&b, &c), "merge exact 1 + exact 1024: sketch, same as 1025 adds");
	qs_free(&a);
	qs_free(&b);
	qs_free(&c);

	/* exact into sketch and sketch into exact */
	build(&a, v, 2000);
	build(&b, v + 2000, 1000);
	build(&c, v, 3000);
	qs_merge(&b, &a);
	good = same_bytes(&b, &c);
	qs_free(&b);
	build(&b, v + 2000, 1000);
	qs_merge(&a, &b);
	good = good && same_bytes(&a, &c);
	ok(good, "exact + sketch and sketch + exact give the one-pass sketch");
	qs_free(&a);
	qs_free(&b);
	qs_free(&c);

	/* empty operands */
	build(&a, v, 2000);
	qs_init(&b, &A);
	build(&c, v, 2000);
	qs_merge(&a, &b);
	good = same_bytes(&a, &c);
	qs_merge(&b, &a);
	good = good && same_bytes(&b, &c) && !qs_is_exact(&b);
	qs_free(&a);
	qs_free(&b);
	qs_free(&c);
	qs_init(&a, &A);
	qs_init(&b, &A);
	qs_merge(&a, &b);
	good = good && qs_count(&a) == 0 && qs_is_exact(&a);
	qs_free(&a);
	qs_free(&b);
	ok(good, "merging with empty sketches");
}

static void
roundtrip(QSketch *qs, const char *what)
{
	size_t		len,
				used,
				len2;
	unsigned char *b = ser(qs, &len);
	unsigned char *big = malloc(len + 7);
	QSketch		r;
	int			rc,
				good;
	unsigned char *b2;
	QSParts		parts;

	memcpy(big, b, len);
	memset(big + len, 0xAB, 7);
	rc = qs_deserialize(&r, &A, big, len + 7, &used);
	good = rc == QS_OK && used == len;
	if (good)
	{
		b2 = ser(&r, &len2);
		good = len2 == len && memcmp(b, b2, len) == 0 && same_answers(qs, &r) &&
			qs_min(qs) == qs_min(&r) && qs_max(qs) == qs_max(&r) && qs_check(&r) == QS_OK;
		free(b2);
	}
	ok(good, "serialization round trip (%s, %zu bytes; trailing bytes left unconsumed)", what, len);
	qs_free(&r);

	/* parts round trip */
	qs_get_parts(qs, &parts);
	rc = qs_from_parts(&r, &A, &parts);
	ok(rc == QS_OK && same_bytes(qs, &r), "parts round trip (%s)", what);
	qs_free(&r);

	ok(qs_serialize(qs, big, len - 1) == 0, "qs_serialize refuses a buffer one byte short (%s)", what);
	free(b);
	free(big);
}

static void
test_serialization(void)
{
	QSketch		qs;
	double	   *v = gen_data(D_MIXED, 50000);
	size_t		len;
	unsigned char *b;

	qs_init(&qs, &A);
	roundtrip(&qs, "empty");
	b = ser(&qs, &len);
	ok(len == 26 && b[0] == QS_SERIAL_VERSION && b[1] == 0, "empty sketch: 26-byte header");
	free(b);
	qs_add(&qs, 3.5);
	roundtrip(&qs, "exact, 1 value");
	qs_free(&qs);
	build(&qs, v, 1024);
	roundtrip(&qs, "exact, 1024 values");
	qs_free(&qs);
	build(&qs, v, 50000);
	roundtrip(&qs, "sketch, mixed signs and zeros");
	qs_free(&qs);
	{
		double	   *w = gen_data(D_LOGNORMAL, 5000);

		build(&qs, w, 5000);
		roundtrip(&qs, "sketch, positive only");
		qs_free(&qs);
		free(w);
	}
	/* count widths 1, 2, 4 */
	{
		int			i,
					good = 1;
		static const long reps[] = {1100, 70000, 0};

		for (i = 0; reps[i]; i++)
		{
			long		j;

			qs_init(&qs, &A);
			for (j = 0; j < reps[i]; j++)
				qs_add(&qs, 7.0);
			b = ser(&qs, &len);
			good = good && b[34] == (reps[i] < 256 ? 1 : reps[i] < 65536 ? 2 : 4);
			free(b);
			qs_free(&qs);
		}
		qs_init(&qs, &A);
		for (i = 0; i < 2000; i++)
			qs_add(&qs, 0.0);
		b = ser(&qs, &len);
		good = good && b[34] == 1 && len == 35 + 16;
		roundtrip(&qs, "sketch, zeros only");
		free(b);
		qs_free(&qs);
		ok(good, "bucket count width is the smallest that fits (1, 2, 4 bytes; zeros only: 1)");
	}
	free(v);
}

/* ---- deserialization rejects ------------------------------------------ */

static int
deser_rc(const unsigned char *b, size_t len)
{
	QSketch		r;
	size_t		used;
	int			rc = qs_deserialize(&r, &A, b, len, &used);

	if (rc == QS_OK)
	{
		/* accepted: must be canonical */
		size_t		l2;
		unsigned char *b2 = ser(&r, &l2);

		if (l2 != used || memcmp(b2, b, used) != 0 || qs_check(&r) != QS_OK)
		{
			diag("accepted a non-canonical encoding");
			rc = -1;
		}
		free(b2);
	}
	else if (used != 0 || r.count != 0 || r.values != NULL)
		rc = -2;
	qs_free(&r);
	return rc;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	int			i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char) v;
}

static void
put_be_double(unsigned char *p, double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	put_be64(p, u);
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

static void
test_rejects(void)
{
	QSketch		qs;
	double		v[2000];
	unsigned char *ex,
			   *sk,
			   *m;
	size_t		exlen,
				sklen,
				i;
	int			bad;
	long		calls;

	for (i = 0; i < 2000; i++)
		v[i] = gen(D_MIXED);
	build(&qs, v, 300);
	ex = ser(&qs, &exlen);
	qs_free(&qs);
	build(&qs, v, 2000);
	sk = ser(&qs, &sklen);
	qs_free(&qs);
	m = malloc(sklen + exlen + 64);

	ok(deser_rc(ex, exlen) == QS_OK && deser_rc(sk, sklen) == QS_OK, "valid encodings are accepted");

	bad = 0;
	for (i = 0; i < exlen; i++)
		if (deser_rc(ex, i) != (i == 0 ? QS_ERR_TRUNCATED : QS_ERR_TRUNCATED))
			bad++;
	for (i = 0; i < sklen; i++)
		if (deser_rc(sk, i) != QS_ERR_TRUNCATED)
			bad++;
	ok(bad == 0, "every proper prefix is rejected: QS_ERR_TRUNCATED (%zu + %zu prefixes)", exlen, sklen);

	memcpy(m, ex, exlen);
	m[0] = 2;
	ok(deser_rc(m, exlen) == QS_ERR_VERSION, "bad version byte: QS_ERR_VERSION");
	m[0] = 0;
	ok(deser_rc(m, exlen) == QS_ERR_VERSION, "version 0: QS_ERR_VERSION");
	m[0] = 1;
	m[1] = 2;
	ok(deser_rc(m, exlen) == QS_ERR_MODE, "bad mode byte: QS_ERR_MODE");

	/* counts */
	memcpy(m, ex, exlen);
	put_be64(m + 2, 1025);
	calls = main_ctx.calls;
	ok(deser_rc(m, exlen) == QS_ERR_EXACT_COUNT, "exact mode with 1025 values: QS_ERR_EXACT_COUNT");
	put_be64(m + 2, UINT64_MAX);
	ok(deser_rc(m, exlen) == QS_ERR_EXACT_COUNT && main_ctx.calls == calls,
	   "exact count 2^64-1: QS_ERR_EXACT_COUNT, nothing allocated");
	put_be64(m + 2, 301);
	ok(deser_rc(m, exlen) == QS_ERR_TRUNCATED, "exact count larger than the data: QS_ERR_TRUNCATED");
	memcpy(m, ex, exlen);
	put_be64(m + 2, 299);
	ok(deser_rc(m, exlen) == QS_ERR_MINMAX, "exact count smaller than the data: last value is not max (QS_ERR_MINMAX)");

	memcpy(m, sk, sklen);
	put_be64(m + 2, 2001);
	ok(deser_rc(m, sklen) == QS_ERR_TOTAL, "sketch count != zeros + buckets: QS_ERR_TOTAL");
	put_be64(m + 2, UINT64_MAX);
	ok(deser_rc(m, sklen) == QS_ERR_OVERFLOW, "sketch count 2^64-1: QS_ERR_OVERFLOW");
	put_be64(m + 2, 1000);
	ok(deser_rc(m, sklen) == QS_ERR_SKETCH_COUNT, "sketch mode with 1000 values: QS_ERR_SKETCH_COUNT");
	memcpy(m, sk, sklen);
	put_be64(m + 26, UINT64_MAX - 5);
	ok(deser_rc(m, sklen) == QS_ERR_TOTAL, "zero count overflowing the total: QS_ERR_TOTAL");

	/* stores: negative store header at 35 */
	memcpy(m, sk, sklen);
	put_be32(m + 39, 0xFFFFFFFFu);
	calls = main_ctx.calls;
	ok(deser_rc(m, sklen) == QS_ERR_BUCKET_RANGE && main_ctx.calls == calls,
	   "2^32-1 buckets: QS_ERR_BUCKET_RANGE, nothing allocated");
	put_be32(m + 39, QS_MAX_BUCKETS + 1);
	ok(deser_rc(m, sklen) == QS_ERR_BUCKET_RANGE, "QS_MAX_BUCKETS + 1 buckets: QS_ERR_BUCKET_RANGE");
	memcpy(m, sk, sklen);
	put_be32(m + 35, (uint32_t) 40000);
	ok(deser_rc(m, sklen) == QS_ERR_BUCKET_RANGE, "bucket index beyond QS_INDEX_MAX: QS_ERR_BUCKET_RANGE");
	put_be32(m + 35, (uint32_t) INT32_MIN);
	ok(deser_rc(m, sklen) == QS_ERR_BUCKET_RANGE, "bucket index INT32_MIN: QS_ERR_BUCKET_RANGE");
	put_be32(m + 35, 0x7FFFFFF0u);
	ok(deser_rc(m, sklen) == QS_ERR_BUCKET_RANGE, "bucket index near INT32_MAX: QS_ERR_BUCKET_RANGE");
	memcpy(m, sk, sklen);
	{
		/* shift the negative store by +5 buckets: max bucket no longer matches min */
		uint32_t	lo = ((uint32_t) m[35] << 24) | ((uint32_t) m[36] << 16) | ((uint32_t) m[37] << 8) | m[38];

		put_be32(m + 35, lo + 5);
		ok(deser_rc(m, sklen) == QS_ERR_MINMAX, "buckets inconsistent with min: QS_ERR_MINMAX");
	}

	/* edges: zero first bucket of the negative store */
	memcpy(m, sk, sklen);
	{
		unsigned	w = m[34];
		size_t		j;

		for (j = 0; j < w; j++)
			m[43 + j] = 0;
		ok(deser_rc(m, sklen) == QS_ERR_BUCKET_EDGE, "empty first bucket: QS_ERR_BUCKET_EDGE");
		memcpy(m, sk, sklen);
		m[34] = 3;
		ok(deser_rc(m, sklen) == QS_ERR_WIDTH, "count width 3: QS_ERR_WIDTH");
		m[34] = 0;
		ok(deser_rc(m, sklen) == QS_ERR_WIDTH, "count width 0: QS_ERR_WIDTH");
	}
	/* non-minimal width: re-encode a width-1 sketch with width 2 */
	{
		QSketch		s1;
		unsigned char *b1,
				   *b2;
		size_t		l1,
					pos1,
					pos2,
					side;

		build(&s1, v, 1100);
		b1 = ser(&s1, &l1);
		qs_free(&s1);
		b2 = malloc(2 * l1);
		memcpy(b2, b1, 35);
		b2[34] = 2;
		pos1 = pos2 = 35;
		for (side = 0; side < 2; side++)
		{
			uint32_t	n = ((uint32_t) b1[pos1 + 4] << 24) | ((uint32_t) b1[pos1 + 5] << 16) |
				((uint32_t) b1[pos1 + 6] << 8) | b1[pos1 + 7];
			uint32_t	k;

			memcpy(b2 + pos2, b1 + pos1, 8);
			pos1 += 8;
			pos2 += 8;
			for (k = 0; k < n; k++)
			{
				b2[pos2++] = 0;
				b2[pos2++] = b1[pos1++];
			}
		}
		ok(b1[34] == 1 && deser_rc(b2, pos2) == QS_ERR_WIDTH, "wider count width than needed: QS_ERR_WIDTH (canonical)");
		free(b1);
		free(b2);
	}
	/* empty store with nonzero lo */
	{
		QSketch		s1;
		unsigned char *b1;
		size_t		l1;
		double		w[1100];

		for (i = 0; i < 1100; i++)
			w[i] = 1 + (double) i;
		build(&s1, w, 1100);
		b1 = ser(&s1, &l1);
		qs_free(&s1);
		ok(deser_rc(b1, l1) == QS_OK, "positive-only sketch accepted");
		put_be32(b1 + 35, 7);
		ok(deser_rc(b1, l1) == QS_ERR_BUCKET_RANGE, "empty store with a nonzero first index: QS_ERR_BUCKET_RANGE");
		put_be32(b1 + 35, 0);
		put_be_double(b1 + 10, -1.0);
		ok(deser_rc(b1, l1) == QS_ERR_MINMAX, "negative min without negative buckets: QS_ERR_MINMAX");
		put_be_double(b1 + 10, 2000.0);
		ok(deser_rc(b1, l1) == QS_ERR_MINMAX, "min > max: QS_ERR_MINMAX");
		put_be_double(b1 + 10, 1.0);
		put_be_double(b1 + 18, 1e6);
		ok(deser_rc(b1, l1) == QS_ERR_MINMAX, "max far above the top bucket: QS_ERR_MINMAX");
		put_be_double(b1 + 18, NAN);
		ok(deser_rc(b1, l1) == QS_ERR_NONFINITE, "NaN max: QS_ERR_NONFINITE");
		put_be_double(b1 + 18, INFINITY);
		ok(deser_rc(b1, l1) == QS_ERR_NONFINITE, "infinite max: QS_ERR_NONFINITE");
		put_be_double(b1 + 18, 1100.0);
		put_be_double(b1 + 10, 500.0);
		ok(deser_rc(b1, l1) == QS_ERR_MINMAX, "min far above the lowest bucket: QS_ERR_MINMAX");
		put_be_double(b1 + 10, -0.0);
		ok(deser_rc(b1, l1) == QS_ERR_NEGZERO, "-0.0 as min: QS_ERR_NEGZERO");
		free(b1);

		/* negative-only sketch */
		for (i = 0; i < 1100; i++)
			w[i] = -1 - (double) i;
		build(&s1, w, 1100);
		b1 = ser(&s1, &l1);
		qs_free(&s1);
		ok(deser_rc(b1, l1) == QS_OK, "negative-only sketch accepted");
		put_be_double(b1 + 18, 5.0);
		ok(deser_rc(b1, l1) == QS_ERR_MINMAX, "positive max without positive buckets: QS_ERR_MINMAX");
		put_be_double(b1 + 18, -1000.0);
		ok(deser_rc(b1, l1) == QS_ERR_MINMAX, "max (negative) far from the lowest-magnitude bucket: QS_ERR_MINMAX");
		free(b1);
	}

	/* exact-mode value checks */
	{
		QSketch		s1;
		unsigned char *b1;
		size_t		l1;
		double		w[5] = {-2, 0, 1, 1, 9};

		build(&s1, w, 5);
		b1 = ser(&s1, &l1);
		qs_free(&s1);
		memcpy(m, b1, l1);
		put_be_double(m + 26 + 8 * 2, NAN);
		ok(deser_rc(m, l1) == QS_ERR_NONFINITE, "NaN value: QS_ERR_NONFINITE");
		put_be_double(m + 26 + 8 * 2, -INFINITY);
		ok(deser_rc(m, l1) == QS_ERR_NONFINITE, "-Inf value: QS_ERR_NONFINITE");
		memcpy(m, b1, l1);
		put_be_double(m + 26 + 8 * 2, 5.0);
		ok(deser_rc(m, l1) == QS_ERR_ORDER, "values out of order: QS_ERR_ORDER");
		memcpy(m, b1, l1);
		put_be_double(m + 26 + 8 * 1, -0.0);
		ok(deser_rc(m, l1) == QS_ERR_NEGZERO, "negative zero: QS_ERR_NEGZERO");
		memcpy(m, b1, l1);
		put_be_double(m + 10, -3.0);
		ok(deser_rc(m, l1) == QS_ERR_MINMAX, "exact min != smallest value: QS_ERR_MINMAX");
		memcpy(m, b1, l1);
		put_be_double(m + 18, 10.0);
		ok(deser_rc(m, l1) == QS_ERR_MINMAX, "exact max != largest value: QS_ERR_MINMAX");
		free(b1);
		qs_init(&s1, &A);
		b1 = ser(&s1, &l1);
		put_be_double(b1 + 10, 1.0);
		put_be_double(b1 + 18, 1.0);
		ok(deser_rc(b1, l1) == QS_ERR_MINMAX, "empty sketch with nonzero min/max: QS_ERR_MINMAX");
		free(b1);
	}

	/* bucket sum overflow: craft a sketch with two huge buckets */
	{
		unsigned char b[35 + 8 + 8 + 2 * 8];

		memset(b, 0, sizeof b);
		b[0] = 1;
		b[1] = 1;
		put_be64(b + 2, UINT64_C(5000));
		put_be_double(b + 10, 1.0);
		put_be_double(b + 18, 1.02);
		b[34] = 8;
		/* negative store empty */
		put_be32(b + 43, 0);
		put_be32(b + 47, 2);
		put_be64(b + 51, UINT64_C(0x7FFFFFFFFFFFFFFF));
		put_be64(b + 59, UINT64_C(0x7FFFFFFFFFFFFFFF));
		ok(deser_rc(b, sizeof b) == QS_ERR_TOTAL, "bucket counts overflowing: QS_ERR_TOTAL");
		put_be64(b + 51, UINT64_C(2500));
		put_be64(b + 59, UINT64_C(2500));
		ok(deser_rc(b, sizeof b) == QS_ERR_WIDTH, "hand-made sketch with width 8 for small counts: QS_ERR_WIDTH");
	}
	/*
	 * 2- and 4-byte counts (decoded by their own loops, which also sum them
	 * and find the widest): accepted when minimal and summing to count
	 */
	{
		unsigned char b2[35 + 8 + 8 + 2 * 2];
		unsigned char b4[35 + 8 + 8 + 2 * 4];
		QSketch		out;
		QSAllocator a = A;
		size_t		used;
		double		q;

		memset(b2, 0, sizeof b2);
		b2[0] = 1;
		b2[1] = 1;
		put_be64(b2 + 2, UINT64_C(5300));
		put_be_double(b2 + 10, 1.0);
		put_be_double(b2 + 18, 1.02);
		b2[34] = 2;
		put_be32(b2 + 43, 0);
		put_be32(b2 + 47, 2);
		b2[51] = 300 >> 8;
		b2[52] = 300 & 0xff;
		b2[53] = 5000 >> 8;
		b2[54] = 5000 & 0xff;
		ok(qs_deserialize(&out, &a, b2, sizeof b2, &used) == QS_OK && used == sizeof b2 &&
		   qs_count(&out) == 5300 && qs_check(&out) == QS_OK &&
		   qs_quantile(&out, 0.5, &q) == QS_OK && q > 1.0 && q <= 1.02,
		   "hand-made sketch with 2-byte counts 300 and 5000: accepted, consistent");
		qs_free(&out);
		put_be64(b2 + 2, UINT64_C(5301));
		ok(deser_rc(b2, sizeof b2) == QS_ERR_TOTAL, "2-byte counts not summing to count: QS_ERR_TOTAL");
		{
			unsigned char b5[35 + 8 + 8 + 5 * 2];
			int			k;

			memset(b5, 0, sizeof b5);
			b5[0] = 1;
			b5[1] = 1;
			put_be64(b5 + 2, UINT64_C(1250));
			put_be_double(b5 + 10, 1.0);
			put_be_double(b5 + 18, pow(1.02, 4));
			b5[34] = 2;
			put_be32(b5 + 47, 5);
			for (k = 0; k < 5; k++)
				b5[52 + 2 * k] = 250;
			ok(deser_rc(b5, sizeof b5) == QS_ERR_WIDTH, "2-byte counts that all fit one byte: QS_ERR_WIDTH");
			b5[51] = 1;			/* first count 250 + 256 */
			put_be64(b5 + 2, UINT64_C(1506));
			ok(deser_rc(b5, sizeof b5) == QS_OK, "the same with one count above 255: accepted");
		}

		memset(b4, 0, sizeof b4);
		b4[0] = 1;
		b4[1] = 1;
		put_be64(b4 + 2, UINT64_C(70001));
		put_be_double(b4 + 10, 1.0);
		put_be_double(b4 + 18, 1.02);
		b4[34] = 4;
		put_be32(b4 + 43, 0);
		put_be32(b4 + 47, 2);
		put_be32(b4 + 51, 1);
		put_be32(b4 + 55, 70000);
		ok(qs_deserialize(&out, &a, b4, sizeof b4, &used) == QS_OK && qs_count(&out) == 70001 &&
		   qs_check(&out) == QS_OK,
		   "hand-made sketch with 4-byte counts 1 and 70000: accepted, consistent");
		qs_free(&out);
		put_be64(b4 + 2, UINT64_C(60001));
		put_be32(b4 + 55, 60000);
		ok(deser_rc(b4, sizeof b4) == QS_ERR_WIDTH, "4-byte counts that all fit two bytes: QS_ERR_WIDTH");
	}
	/* the two stores together overflow the total */
	{
		unsigned char b[35 + 8 + 8 + 8 + 8];

		memset(b, 0, sizeof b);
		b[0] = 1;
		b[1] = 1;
		put_be64(b + 2, UINT64_C(5000));
		put_be_double(b + 10, -1.0);
		put_be_double(b + 18, 1.0);
		b[34] = 8;
		put_be32(b + 35, 0);
		put_be32(b + 39, 1);
		put_be64(b + 43, UINT64_C(0x6000000000000000));
		put_be32(b + 51, 0);
		put_be32(b + 55, 1);
		put_be64(b + 59, UINT64_C(0x6000000000000000));
		ok(deser_rc(b, sizeof b) == QS_ERR_TOTAL, "negative + positive bucket totals overflowing: QS_ERR_TOTAL");
	}

	/* random bytes and mutations: never crash, accept only canonical encodings */
	{
		int			it,
					accepted = 0,
					wrong = 0;
		unsigned char r[400];

		for (it = 0; it < 20000; it++)
		{
			size_t		len = (size_t) rng_below(sizeof r);
			size_t		j;
			int			rc;

			for (j = 0; j < len; j++)
				r[j] = (unsigned char) rng_next();
			if (it % 2 && len > 2)
			{
				r[0] = 1;
				r[1] = (unsigned char) rng_below(2);
			}
			rc = deser_rc(r, len);
			if (rc == QS_OK)
				accepted++;
			if (rc < 0)
				wrong++;
		}
		ok(wrong == 0, "20000 random buffers: no crash, nothing non-canonical accepted (%d accepted)", accepted);

		accepted = wrong = 0;
		for (it = 0; it < 20000; it++)
		{
			const unsigned char *src = it % 2 ? sk : ex;
			size_t		len = it % 2 ? sklen : exlen;
			int			flips = 1 + (int) rng_below(4),
						f,
						rc;

			memcpy(m, src, len);
			for (f = 0; f < flips; f++)
				m[rng_below(len)] ^= (unsigned char) (1u << rng_below(8));
			if (it % 5 == 0)
				len = (size_t) rng_below(len + 1);
			rc = deser_rc(m, len);
			if (rc == QS_OK)
				accepted++;
			if (rc < 0)
				wrong++;
		}
		ok(wrong == 0, "20000 bit-flipped encodings: no crash, only canonical ones accepted (%d accepted)", accepted);
	}
	free(ex);
	free(sk);
	free(m);
}

static void
test_parts_rejects(void)
{
	QSParts		p;
	QSketch		r;
	double		vals[3] = {1, 2, 3};
	double		bad[3] = {1, 3, 2};
	uint64_t	counts[3] = {600, 0, 500};
	uint64_t	edge[3] = {0, 600, 500};

	memset(&p, 0, sizeof p);
	p.exact = 1;
	p.count = 3;
	p.min = 1;
	p.max = 3;
	p.values = vals;
	p.nvalues = 3;
	ok(qs_from_parts(&r, &A, &p) == QS_OK && qs_count(&r) == 3, "from_parts: valid exact parts");
	qs_free(&r);
	p.values = bad;
	ok(qs_from_parts(&r, &A, &p) == QS_ERR_ORDER, "from_parts: unsorted values rejected");
	p.values = vals;
	p.count = 4;
	ok(qs_from_parts(&r, &A, &p) == QS_ERR_TOTAL, "from_parts: count != number of values rejected");
	p.count = 3;
	p.max = 4;
	ok(qs_from_parts(&r, &A, &p) == QS_ERR_MINMAX && qs_count(&r) == 0, "from_parts: wrong max rejected, output empty");

	memset(&p, 0, sizeof p);
	p.exact = 0;
	p.count = 1100;
	p.min = pow(1.02, 9.5);
	p.max = pow(1.02, 11.5);
	p.lo[QS_POSITIVE] = 10;
	p.nbuckets[QS_POSITIVE] = 3;
	p.counts[QS_POSITIVE] = counts;
	ok(qs_from_parts(&r, &A, &p) == QS_OK && !qs_is_exact(&r) && qs_check(&r) == QS_OK, "from_parts: valid sketch parts");
	qs_free(&r);
	p.counts[QS_POSITIVE] = edge;
	ok(qs_from_parts(&r, &A, &p) == QS_ERR_BUCKET_EDGE, "from_parts: empty edge bucket rejected");
	p.counts[QS_POSITIVE] = counts;
	p.count = 1101;
	ok(qs_from_parts(&r, &A, &p) == QS_ERR_TOTAL, "from_parts: count != sum of buckets rejected");
	p.count = 1100;
	p.counts[QS_POSITIVE] = NULL;
	ok(qs_from_parts(&r, &A, &p) == QS_ERR_ARG, "from_parts: missing counts array rejected");
	p.counts[QS_POSITIVE] = counts;
	p.min = NAN;
	ok(qs_from_parts(&r, &A, &p) == QS_ERR_NONFINITE, "from_parts: NaN min rejected");
}

static void
test_collapse(void)
{
	size_t		n = 60000,
				i;
	double	   *v = gen_data(D_HUGE_RANGE, n);
	double	   *s = sorted_copy(v, n);
	QSketch		qs;
	QSParts		parts;
	int			viol = 0,
				tested = 0,
				k;
	double		worst = 0;
	double		guard;

	build(&qs, v, n);
	qs_get_parts(&qs, &parts);
	ok(parts.nbuckets[QS_POSITIVE] == QS_MAX_BUCKETS && qs_check(&qs) == QS_OK,
	   "data spanning 600 decades: positive store capped at %d buckets", QS_MAX_BUCKETS);
	ok(quant(&qs, 0) == s[0] && quant(&qs, 1) == s[n - 1], "collapsed sketch: p=0 and p=1 still exact min and max");

	/* every order statistic above the collapsed bucket keeps the guarantee */
	guard = pow(QS_GAMMA, (double) parts.lo[QS_POSITIVE]);
	for (k = 0; k < 2000; k++)
	{
		double		p = pick_p(k),
					lo,
					hi,
					want = ref_percentile_cont(s, n, p, &lo, &hi),
					got = quant(&qs, p),
					err;

		if (lo <= guard)
			continue;
		tested++;
		err = fabs(got - want) / want;
		if (err > worst)
			worst = err;
		if (err > QS_RELATIVE_ACCURACY)
			viol++;
	}
	ok(viol == 0 && tested > 150, "collapsed sketch: the %d quantiles above the collapsed range within 1%% (max %.5f%%)",
	   tested, worst * 100);
	{
		double		low = quant(&qs, 0.01);

		ok(low >= s[0] && low <= s[n - 1], "collapsed sketch: low quantiles stay within [min, max]");
	}
	qs_free(&qs);

	/* two extreme values: the lower one is collapsed into the floor bucket */
	qs_init(&qs, &A);
	for (i = 0; i < 1100; i++)
		qs_add(&qs, i % 2 ? 1e300 : 1e-300);
	qs_get_parts(&qs, &parts);
	ok(parts.nbuckets[QS_POSITIVE] == QS_MAX_BUCKETS && parts.counts[QS_POSITIVE][0] == 550 &&
	   quant(&qs, 0) == 1e-300 && fabs(quant(&qs, 0.9) - 1e300) / 1e300 <= 0.01,
	   "1e-300 and 1e300: low values collapsed into the lowest kept bucket, high ones exact to 1%%");
	qs_free(&qs);

	/* collapse on the negative side too, and mixed with merges */
	{
		double	   *w = malloc(n * sizeof(double));
		QSketch		one,
					split;
		int			same;

		for (i = 0; i < n; i++)
			w[i] = -v[i];
		build(&one, w, n);
		build_split(&split, w, n, 25, 1);
		qs_get_parts(&one, &parts);
		same = same_bytes(&one, &split) && parts.nbuckets[QS_NEGATIVE] == QS_MAX_BUCKETS;
		ok(same, "negative store collapses too, identically for any merge tree");
		qs_free(&one);
		qs_free(&split);
		free(w);
	}
	free(v);
	free(s);
}

static void
test_memory(void)
{
	TestCtx		c = {0, 0, -1};
	QSAllocator a = {t_alloc, t_realloc, t_free, &c};
	QSketch		qs,
				other,
				snapshot;
	size_t		i;
	int			rc,
				good,
				k,
				nomem = 0;
	double	   *v = gen_data(D_WIDE, 200000);

	qs_init(&qs, &a);
	for (i = 0; i < 200000; i++)
		qs_add(&qs, v[i]);
	ok(c.calls <= 30, "200000 adds: %ld allocator calls (geometric growth)", c.calls);
	qs_free(&qs);
	ok(c.live == 0, "qs_free releases everything");

	/* failure injection: every allocation point of add / merge / copy / deserialize */
	good = 1;
	for (k = 0; k < 40; k++)
	{
		size_t		len,
					len2,
					used;
		unsigned char *b,
				   *b2;

		c.fail_after = -1;
		qs_init(&qs, &a);
		for (i = 0; i < 1024; i++)
			qs_add(&qs, v[i]);
		qs_init(&other, &a);
		for (i = 0; i < (size_t) (k % 3 == 0 ? 500 : 5000); i++)
			qs_add(&other, v[100000 + i] * (k % 2 ? -1 : 1));
		b = ser(&qs, &len);
		c.fail_after = c.calls + (k % 4);
		rc = k % 4 == 3 ? qs_add(&qs, 1e-10) : qs_merge(&qs, &other);
		nomem += rc == QS_ERR_NOMEM;
		if (rc != QS_OK)
		{
			b2 = ser(&qs, &len2);
			if (rc != QS_ERR_NOMEM || len2 != len || memcmp(b, b2, len) != 0 || qs_check(&qs) != QS_OK)
				good = 0;
			free(b2);
		}
		else if (qs_check(&qs) != QS_OK)
			good = 0;
		free(b);
		/* sketch + sketch with range growth */
		c.fail_after = -1;
		qs_free(&qs);
		qs_init(&qs, &a);
		for (i = 0; i < 2000; i++)
			qs_add(&qs, 1 + v[i] * 1e-6);
		b = ser(&qs, &len);
		c.fail_after = c.calls + (k % 2);
		rc = qs_merge(&qs, &other);
		nomem += rc == QS_ERR_NOMEM;
		if (rc != QS_OK)
		{
			b2 = ser(&qs, &len2);
			if (rc != QS_ERR_NOMEM || len2 != len || memcmp(b, b2, len) != 0 || qs_check(&qs) != QS_OK)
				good = 0;
			free(b2);
		}
		/* copy and deserialize */
		c.fail_after = c.calls + (k % 3);
		rc = qs_copy(&snapshot, &a, &qs);
		nomem += rc == QS_ERR_NOMEM;
		if (rc != QS_OK && (rc != QS_ERR_NOMEM || qs_count(&snapshot) != 0))
			good = 0;
		qs_free(&snapshot);
		c.fail_after = c.calls + (k % 3);
		rc = qs_deserialize(&snapshot, &a, b, len, &used);
		nomem += rc == QS_ERR_NOMEM;
		if (rc != QS_OK && (rc != QS_ERR_NOMEM || used != 0 || qs_count(&snapshot) != 0))
			good = 0;
		qs_free(&snapshot);
		c.fail_after = -1;
		free(b);
		qs_free(&qs);
		qs_free(&other);
	}
	ok(good && nomem > 40, "%d injected allocation failures: QS_ERR_NOMEM and the sketch unchanged (add, merge, exact->sketch, copy, deserialize)", nomem);
	ok(c.live == 0, "no leak after allocation failures");

	/* count overflow */
	{
		QSParts		p;
		uint64_t	cnt[1] = {UINT64_C(0x7FFFFFFFFFFFFFFF) - 5};
		QSketch		big,
					small;

		memset(&p, 0, sizeof p);
		p.count = UINT64_C(0x7FFFFFFFFFFFFFFF);
		p.zero_count = 5;
		p.min = 0;
		p.max = 1;
		p.lo[QS_POSITIVE] = 0;
		p.nbuckets[QS_POSITIVE] = 1;
		p.counts[QS_POSITIVE] = cnt;
		rc = qs_from_parts(&big, &a, &p);
		build(&small, v, 10);
		ok(rc == QS_OK && qs_add(&big, 1) == QS_ERR_OVERFLOW && qs_merge(&big, &small) == QS_ERR_OVERFLOW &&
		   qs_merge(&small, &big) == QS_ERR_OVERFLOW && qs_count(&big) == p.count && qs_count(&small) == 10,
		   "count overflow past INT64_MAX: QS_ERR_OVERFLOW, operands unchanged");
		ok(fabs(quant(&big, 0.5) - 1.0) <= 0.01 && quant(&big, 0) == 0 && quant(&big, 1) == 1,
		   "quantiles of a sketch with 2^63-1 values");
		roundtrip(&big, "2^63-1 values, 8-byte bucket counts");
		qs_free(&big);
		qs_free(&small);
	}
	ok(c.live == 0, "no leak at the end of the memory tests");
	free(v);
}

int
main(void)
{
	const char *seed = getenv("QS_TEST_SEED");

	rng_state = seed ? strtoull(seed, NULL, 10) : UINT64_C(20240515);
	diag("seed %llu (set QS_TEST_SEED to change)", (unsigned long long) rng_state);

	test_golden();
	test_exact_mode();
	test_errors();
	test_accuracy();
	test_merge_order();
	test_transition();
	test_serialization();
	test_rejects();
	test_parts_rejects();
	test_collapse();
	test_memory();
	ok(main_ctx.live == 0, "every allocation of the run was freed (%ld live)", main_ctx.live);

	printf("1..%d\n", tests_run);
	if (tests_failed)
		diag("%d of %d tests failed", tests_failed, tests_run);
	return tests_failed ? 1 : 0;
}
