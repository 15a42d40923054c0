/*
 * test/fuzz/sketch_fuzz.c
 *		Fuzz target for the quantile sketch's deserializer (src/sketch.c).
 *
 * LLVMFuzzerTestOneInput feeds the input to qs_deserialize.  A rejected input
 * must leave an empty sketch and consume nothing.  An accepted one must be
 * canonical (qs_serialize reproduces exactly the bytes consumed), survive a
 * second round trip, pass qs_check, answer quantiles inside [min, max], and
 * stay valid through qs_get_parts/qs_from_parts, merges and adds.
 *
 * Built two ways (see test/fuzz/run.sh and README.md):
 *   libFuzzer:  clang -fsanitize=fuzzer,address,undefined sketch_fuzz.c sketch.c
 *   standalone: cc -DQS_FUZZ_MAIN sketch_fuzz.c sketch.c -lm, a small main()
 *               that replays files and directories, writes the seed corpus
 *               (--seeds DIR) and runs deterministic mutations of the seeds
 *               (--mutate N), with no libFuzzer.
 */
#if defined(QS_FUZZ_MAIN) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "../../src/sketch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *
f_alloc(void *ctx, size_t n)
{
	(void) ctx;
	return malloc(n);
}

static void *
f_realloc(void *ctx, void *p, size_t n)
{
	(void) ctx;
	return realloc(p, n);
}

static void
f_free(void *ctx, void *p)
{
	(void) ctx;
	free(p);
}

static const QSAllocator A = {f_alloc, f_realloc, f_free, NULL};
static long accepted_inputs = 0;

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "sketch_fuzz: check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			abort(); \
		} \
	} while (0)

static unsigned char *
serialize_all(QSketch *qs, size_t *len)
{
	size_t		n = qs_serialized_size(qs);
	unsigned char *buf = malloc(n ? n : 1);

	CHECK(buf != NULL);
	CHECK(n <= QS_SERIAL_MAX_SIZE);
	CHECK(qs_serialize(qs, buf, n) == n);
	*len = n;
	return buf;
}

static void
check_quantiles(QSketch *qs)
{
	static const double ps[] = {0, 1e-9, 0.001, 0.01, 0.1, 0.25, 1.0 / 3, 0.5, 0.75, 0.9, 0.99, 0.999, 1};
	size_t		i;
	double		prev_first = -INFINITY;

	for (i = 0; i < sizeof ps / sizeof ps[0]; i++)
	{
		double		r,
					first,
					second,
					prop;

		CHECK(qs_quantile(qs, ps[i], &r) == QS_OK);
		CHECK(!isnan(r));
		if (qs_is_exact(qs))
			CHECK((r >= qs_min(qs) && r <= qs_max(qs)) || isinf(r));	/* lerp overflow, as PostgreSQL */
		else
			CHECK(r >= qs_min(qs) && r <= qs_max(qs));
		CHECK(qs_quantile_neighbours(qs, ps[i], &first, &second, &prop) == QS_OK);
		CHECK(first <= second && prop >= 0 && prop < 1);
		CHECK(first >= prev_first);
		prev_first = first;
	}
	{
		double		r;

		CHECK(qs_quantile(qs, 0, &r) == QS_OK && r == qs_min(qs));
		CHECK(qs_quantile(qs, 1, &r) == QS_OK && r == qs_max(qs));
		CHECK(qs_quantile(qs, 1.5, &r) == QS_ERR_PERCENTILE);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	QSketch		qs,
				again,
				other;
	QSParts		parts;
	size_t		used = 12345,
				used2,
				len,
				len2;
	unsigned char *buf,
			   *buf2;
	int			rc;
	uint64_t	count;

	rc = qs_deserialize(&qs, &A, data, size, &used);
	if (rc != QS_OK)
	{
		CHECK(used == 0);
		CHECK(qs_count(&qs) == 0 && qs_is_exact(&qs));
		CHECK(qs_strerror(rc) != NULL && strcmp(qs_strerror(rc), "unknown sketch error") != 0);
		qs_free(&qs);
		return 0;
	}

	/* accepted: canonical, and stable through another round trip */
	accepted_inputs++;
	CHECK(used > 0 && used <= size);
	CHECK(qs_check(&qs) == QS_OK);
	buf = serialize_all(&qs, &len);
	CHECK(len == used);
	CHECK(memcmp(buf, data, len) == 0);
	CHECK(qs_deserialize(&again, &A, buf, len, &used2) == QS_OK && used2 == len);
	buf2 = serialize_all(&again, &len2);
	CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
	free(buf2);
	qs_free(&again);

	count = qs_count(&qs);
	if (count > 0)
		check_quantiles(&qs);
	else
	{
		double		r;

		CHECK(qs_quantile(&qs, 0.5, &r) == QS_ERR_EMPTY);
	}

	/* the parts view rebuilds the same sketch */
	qs_get_parts(&qs, &parts);
	CHECK(qs_from_parts(&again, &A, &parts) == QS_OK);
	buf2 = serialize_all(&again, &len2);
	CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
	free(buf2);
	qs_free(&again);

	/* merges and adds keep every invariant */
	CHECK(qs_copy(&other, &A, &qs) == QS_OK);
	rc = qs_merge(&other, &qs);
	CHECK(rc == QS_OK || rc == QS_ERR_OVERFLOW);
	CHECK(qs_check(&other) == QS_OK);
	if (rc == QS_OK)
	{
		CHECK(qs_count(&other) == 2 * count);
		if (count > 0)
			check_quantiles(&other);
	}
	rc = qs_add(&other, 1.5);
	CHECK(rc == QS_OK || rc == QS_ERR_OVERFLOW);
	rc = qs_add(&other, -2.5e-7);
	CHECK(rc == QS_OK || rc == QS_ERR_OVERFLOW);
	CHECK(qs_add(&other, NAN) == QS_ERR_NONFINITE);
	CHECK(qs_check(&other) == QS_OK);
	qs_free(&other);

	qs_init(&other, &A);
	CHECK(qs_add(&other, 42.0) == QS_OK);
	rc = qs_merge(&other, &qs);
	CHECK(rc == QS_OK || rc == QS_ERR_OVERFLOW);
	CHECK(qs_check(&other) == QS_OK);
	if (rc == QS_OK)
		check_quantiles(&other);
	qs_free(&other);

	free(buf);
	qs_free(&qs);
	return 0;
}

#ifdef QS_FUZZ_MAIN
/* ------------------------------------------------ standalone replay main */

#include <dirent.h>
#include <sys/stat.h>

static uint64_t rng = UINT64_C(0x5EED5EED12345678);

static uint64_t
rng_next(void)
{
	uint64_t	z = (rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double
rng_unit(void)
{
	return (double) (rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct
{
	unsigned char *data;
	size_t		len;
} Blob;

static Blob *seeds;
static size_t nseeds;

static void
add_seed(QSketch *qs, size_t trailing)
{
	size_t		len,
				i;
	unsigned char *b = serialize_all(qs, &len);

	b = realloc(b, len + trailing);
	CHECK(b != NULL);
	for (i = 0; i < trailing; i++)
		b[len + i] = (unsigned char) rng_next();
	seeds = realloc(seeds, (nseeds + 1) * sizeof(Blob));
	CHECK(seeds != NULL);
	seeds[nseeds].data = b;
	seeds[nseeds].len = len + trailing;
	nseeds++;
}

/* a spread of valid serialized sketches: both modes, every store shape and width */
static void
make_seeds(void)
{
	static const struct
	{
		long		n;
		int			kind;
	}			specs[] = {
		{0, 0}, {1, 0}, {2, 1}, {5, 2}, {40, 3}, {300, 1}, {1024, 2}, {1024, 0},
		{1025, 1}, {1025, 2}, {1100, 3}, {2000, 4}, {3000, 5}, {5000, 6}, {2000, 7},
		{20000, 1}, {70000, 8}, {1500, 9}, {1200, 10}, {3000, 11}
	};
	size_t		s;

	for (s = 0; s < sizeof specs / sizeof specs[0]; s++)
	{
		QSketch		qs;
		long		i;

		qs_init(&qs, &A);
		for (i = 0; i < specs[s].n; i++)
		{
			double		u = rng_unit(),
						x;

			switch (specs[s].kind)
			{
				case 0:			/* small integers with ties */
					x = (double) (long) (rng_next() % 21) - 10;
					break;
				case 1:			/* mixed signs, zeros, wide magnitudes */
					x = u < 0.1 ? 0 : (u < 0.4 ? -1 : 1) * pow(10, -3 + 15 * rng_unit());
					break;
				case 2:			/* uniform */
					x = u * 1e6;
					break;
				case 3:			/* heavy tail */
					x = exp(20 * (u - 0.5));
					break;
				case 4:			/* negative only */
					x = -pow(10, 10 * u);
					break;
				case 5:			/* zeros only */
					x = 0;
					break;
				case 6:			/* one value repeated: 2-byte counts */
					x = 7.25;
					break;
				case 7:			/* collapsed: 600 decades */
					x = pow(10, -300 + 600 * u);
					break;
				case 8:			/* 4-byte counts */
					x = u < 0.5 ? 1 : 2;
					break;
				case 9:			/* extremes of the double range */
					x = u < 0.25 ? 1.7976931348623157e308 : u < 0.5 ? -1.7976931348623157e308 :
						u < 0.75 ? 4.9406564584124654e-324 : -2.2250738585072014e-308;
					break;
				case 10:		/* zeros and positives */
					x = u < 0.5 ? 0 : u;
					break;
				default:		/* zeros and negatives, collapsed negative store */
					x = u < 0.3 ? 0 : -pow(10, -300 + 600 * rng_unit());
					break;
			}
			CHECK(qs_add(&qs, x) == QS_OK);
		}
		add_seed(&qs, 0);
		if (s % 4 == 1)
			add_seed(&qs, 1 + (size_t) (rng_next() % 16));	/* embedded: trailing bytes */
		qs_free(&qs);
	}
}

static int
run_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t		len = 0,
				cap = 0,
				n;

	if (f == NULL)
	{
		perror(path);
		return 1;
	}
	for (;;)
	{
		if (len == cap)
		{
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			CHECK(buf != NULL);
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static long files_run = 0;

static int
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
	{
		perror(path);
		return 1;
	}
	if (S_ISDIR(st.st_mode))
	{
		DIR		   *d = opendir(path);
		struct dirent *e;
		int			bad = 0;

		if (d == NULL)
		{
			perror(path);
			return 1;
		}
		while ((e = readdir(d)) != NULL)
		{
			char	   *full;

			if (e->d_name[0] == '.')
				continue;
			full = malloc(strlen(path) + strlen(e->d_name) + 2);
			CHECK(full != NULL);
			sprintf(full, "%s/%s", path, e->d_name);
			bad |= run_path(full);
			free(full);
		}
		closedir(d);
		return bad;
	}
	files_run++;
	return run_file(path);
}

static void
mutate_run(long iterations)
{
	long		it;
	unsigned char *m = malloc(QS_SERIAL_MAX_SIZE + 64);

	CHECK(m != NULL);
	for (it = 0; it < iterations; it++)
	{
		const Blob *s = &seeds[rng_next() % nseeds];
		size_t		len = s->len;
		int			k,
					edits = 1 + (int) (rng_next() % 6);

		memcpy(m, s->data, len);
		for (k = 0; k < edits && len > 0; k++)
		{
			size_t		at = (size_t) (rng_next() % len);

			switch (rng_next() % 6)
			{
				case 0:			/* flip a bit */
					m[at] ^= (unsigned char) (1u << (rng_next() % 8));
					break;
				case 1:			/* random byte */
					m[at] = (unsigned char) rng_next();
					break;
				case 2:			/* interesting byte */
					{
						static const unsigned char v[] = {0, 1, 2, 0x7f, 0x80, 0xff, 8, 4};

						m[at] = v[rng_next() % sizeof v];
					}
					break;
				case 3:			/* truncate */
					len = at;
					break;
				case 4:			/* +-1 on a byte (a count, an index) */
					m[at] = (unsigned char) (m[at] + ((rng_next() & 1) ? 1 : 0xff));
					break;
				default:		/* append random bytes */
					{
						size_t		add = (size_t) (rng_next() % 16),
									j;

						for (j = 0; j < add; j++)
							m[len + j] = (unsigned char) rng_next();
						len += add;
					}
					break;
			}
		}
		LLVMFuzzerTestOneInput(m, len);
	}
	free(m);
}

static int
write_seeds(const char *dir)
{
	size_t		i;

	for (i = 0; i < nseeds; i++)
	{
		char		path[4096];
		FILE	   *f;

		snprintf(path, sizeof path, "%s/seed-%02zu.bin", dir, i);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(seeds[i].data, 1, seeds[i].len, f) != seeds[i].len)
		{
			perror(path);
			if (f)
				fclose(f);
			return 1;
		}
		fclose(f);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int			i,
				bad = 0;
	long		mutations = 0;
	size_t		s;

	make_seeds();
	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
		{
			if (write_seeds(argv[++i]) != 0)
				return 2;
			printf("wrote %zu seed inputs to %s\n", nseeds, argv[i]);
		}
		else if (strcmp(argv[i], "--mutate") == 0 && i + 1 < argc)
			mutations = strtol(argv[++i], NULL, 10);
		else
			bad |= run_path(argv[i]);
	}
	/* the seeds themselves are always replayed */
	for (s = 0; s < nseeds; s++)
		LLVMFuzzerTestOneInput(seeds[s].data, seeds[s].len);
	mutate_run(mutations);
	printf("replayed %ld files, %zu built-in seeds and %ld mutations (%ld inputs accepted): no failure\n",
		   files_run, nseeds, mutations, accepted_inputs);
	for (s = 0; s < nseeds; s++)
		free(seeds[s].data);
	free(seeds);
	return bad ? 1 : 0;
}
#endif							/* QS_FUZZ_MAIN */
