/*
 * numsum.c
 *		Exact numeric sums in fixed point (see numsum.h).
 *
 * Reading a numeric's digits here depends on its stored format, which is
 * part of PostgreSQL's on-disk format (pg_upgrade keeps numeric columns as
 * they are), so it cannot change under us: a varlena whose first uint16 is
 * either a short header (sign, 6-bit display scale, 7-bit weight) or a long
 * one (sign and 14-bit display scale, then an int16 weight), followed by
 * base-10000 int16 digits, most significant first.  Values arrive packed
 * (1-byte varlena header, unaligned), so everything is read with memcpy and
 * nothing is detoasted into a copy unless the value is compressed or
 * external.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "compat.h"
#include "numsum.h"
#include "wire.h"

#define NBASE_DIGITS 4			/* decimal digits per numeric digit */
#define HDR_SIGN_MASK 0xC000
#define HDR_NEG 0x4000
#define HDR_SHORT 0x8000
#define HDR_SPECIAL 0xC000
#define SHORT_SIGN 0x2000
#define SHORT_DSCALE_MASK 0x1F80
#define SHORT_DSCALE_SHIFT 7
#define SHORT_WEIGHT_SIGN 0x0040
#define SHORT_WEIGHT_MASK 0x003F
#define LONG_DSCALE_MASK 0x3FFF

/* 10^0 .. 10^38 as int128 */
static int128 pow10_128[39];
static bool pow10_ready = false;

/* Fill pow10_128 (once per backend). */
static void
init_pow10(void)
{
	int			i;

	pow10_128[0] = 1;
	for (i = 1; i < 39; i++)
		pow10_128[i] = pow10_128[i - 1] * 10;
	pow10_ready = true;
}

/* |v| < 10^38 keeps every int128 operation below in range */
#define ACC_LIMIT (pow10_128[38])

/* An empty sum. */
void
numsum_init(NumSum *s)
{
	memset(s, 0, sizeof(NumSum));
}

/*
 * Decode a numeric into value * 10^scale (scale >= its display scale; -1:
 * its display scale).  Returns false when it does not fit, or is NaN/Inf,
 * so the caller falls back to numeric arithmetic.  *dscale gets the
 * value's display scale.
 */
static pg_attribute_always_inline bool
decode_numeric_inline(Datum value, int scale, int128 *out, int *dscale, bool *special)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);
	const char *body;
	Size		len;
	uint16		header;
	int			weight;
	int			ndigits;
	const char *digits;
	bool		neg;
	int128		acc = 0;
	int			exp10;
	int			i;

	*special = false;
	*dscale = 0;
	if (VARATT_IS_EXTENDED(v) && (VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v)))
		return false;			/* rare: let numeric arithmetic detoast it */
	body = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	if (len < sizeof(uint16))
		return false;
	memcpy(&header, body, sizeof(uint16));

	if ((header & HDR_SIGN_MASK) == HDR_SPECIAL)
	{
		*special = true;
		return false;
	}
	if ((header & HDR_SIGN_MASK) == HDR_SHORT)
	{
		neg = (header & SHORT_SIGN) != 0;
		*dscale = (header & SHORT_DSCALE_MASK) >> SHORT_DSCALE_SHIFT;
		/* a 7-bit two's complement weight */
		weight = (int) (header & SHORT_WEIGHT_MASK) - ((header & SHORT_WEIGHT_SIGN) ? 64 : 0);
		digits = body + sizeof(uint16);
		ndigits = (int) ((len - sizeof(uint16)) / sizeof(int16));
	}
	else
	{
		int16		w;

		if (len < sizeof(uint16) + sizeof(int16))
			return false;
		neg = (header & HDR_SIGN_MASK) == HDR_NEG;
		*dscale = header & LONG_DSCALE_MASK;
		memcpy(&w, body + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = body + sizeof(uint16) + sizeof(int16);
		ndigits = (int) ((len - sizeof(uint16) - sizeof(int16)) / sizeof(int16));
	}

	if (ndigits == 0)
	{
		*out = 0;				/* zero, whatever its scale */
		return scale < 0 || *dscale <= scale;
	}
	if (scale < 0)
		scale = *dscale;		/* numval_decode: at the value's own scale */
	if (ndigits > 9 || *dscale > scale)
		return false;

	/* value = digits * 10000^(weight - ndigits + 1); want value * 10^scale */
	exp10 = NBASE_DIGITS * (weight - ndigits + 1) + scale;
	if (ndigits <= 4 && exp10 > -NBASE_DIGITS && exp10 <= 18)
	{
		/*
		 * The common case (amounts of up to 16 digits): 64-bit arithmetic,
		 * and the last digit's excess zeros (past scale) dropped by a small
		 * division instead of an int128 one.  Below 10^16 * 10^(18 - 4 *
		 * (ndigits - 1)) the result fits in an int64 and in ACC_LIMIT.
		 */
		int64		a = 0;
		int16		d;

		for (i = 0; i < ndigits - 1; i++)
		{
			memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
			a = a * 10000 + d;
		}
		memcpy(&d, digits + (ndigits - 1) * sizeof(int16), sizeof(int16));
		if (exp10 >= 0)
		{
			a = a * 10000 + d;
			if (exp10 > 0)
			{
				if (a >= (int64) pow10_128[18 - exp10])
					goto wide;	/* a * 10^exp10 would pass 10^18 */
				a *= (int64) pow10_128[exp10];
			}
		}
		else
		{
			static const int16 drop10[4] = {1, 10, 100, 1000};
			int			drop = drop10[-exp10];
			int			q = d / drop;

			if (q * drop != d)
				return false;	/* digits past the display scale: never */
			a = a * drop10[NBASE_DIGITS + exp10] + q;	/* 10000 / drop */
		}
		*out = neg ? -(int128) a : (int128) a;
		return true;
	}
wide:
	for (i = 0; i < ndigits; i++)
	{
		int16		d;

		memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
		acc = acc * 10000 + d;
	}
	if (exp10 >= 0)
	{
		if (exp10 > 38 || acc >= pow10_128[38 - exp10])
			return false;
		acc *= pow10_128[exp10];
	}
	else
	{
		if (-exp10 > 38)
			return false;
		/* the digits past the display scale are zero, so this is exact */
		if (acc % pow10_128[-exp10] != 0)
			return false;
		acc /= pow10_128[-exp10];
	}
	*out = neg ? -acc : acc;
	return true;
}

/* decode_numeric_inline, called (not inlined) where a row is not hot */
static bool
decode_numeric(Datum value, int scale, int128 *out, int *dscale, bool *special)
{
	return decode_numeric_inline(value, scale, out, dscale, special);
}

/* Is the numeric NaN or infinite?  (see numsum.h) */
bool
numeric_datum_is_special(Datum value)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);
	uint16		header;

	if (VARATT_IS_EXTENDED(v) && (VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v)))
	{
		Numeric		n = DatumGetNumeric(value);

		return numeric_is_nan(n) || numeric_is_inf(n);
	}
	if (VARSIZE_ANY_EXHDR(v) < sizeof(uint16))
		return false;
	memcpy(&header, VARDATA_ANY(v), sizeof(uint16));
	return (header & HDR_SIGN_MASK) == HDR_SPECIAL;
}

/*
 * A value with display scale d is acc / 10^d with acc an integer.  When acc
 * < 2^53 and d <= 22 both are exact doubles, and IEEE division returns the
 * correctly rounded quotient -- the same double strtod makes of the decimal
 * text, which is what numeric_float8 does.
 */
static const double pow10_dbl[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

bool
numeric_float8_fast(Datum value, float8 *out)
{
	int128		acc;
	int			dscale;
	bool		special;
	int128		limit = (int128) 1 << 53;

	if (!pow10_ready)
		init_pow10();
	/* one decode at the value's own display scale */
	if (!decode_numeric(value, -1, &acc, &dscale, &special) || dscale > 22)
		return false;
	if (acc >= limit || acc <= -limit)
		return false;
	*out = (double) acc / pow10_dbl[dscale];
	return true;
}

/* numeric_float8_fast of a decoded value (the same double; false where it says false) */
bool
numval_float8(const NumVal *nv, float8 *out)
{
	int128		limit = (int128) 1 << 53;

	if (!nv->fixed || nv->dscale > 22 || nv->v >= limit || nv->v <= -limit)
		return false;
	*out = (double) nv->v / pow10_dbl[nv->dscale];
	return true;
}

/*
 * int128 scaled by 10^scale -> numeric with that display scale.  A value
 * that fits in an int64 (every sum below about 9.2e16 at scale 2) is made
 * by int64_div_fast_to_numeric, numeric.c's own constructor of v / 10^scale
 * at display scale scale, the same numeric numeric_in makes of its digits
 * (numeric values are normalized: equal digits, weight, sign and display
 * scale): about 300 instructions where printing the digits of an int128
 * one division at a time and parsing them took 3,000.  Wider values take
 * that way.
 */
static Numeric
scaled_to_numeric(int128 v, int scale)
{
	char		digits[64];
	char		text[80];
	int			n = 0;
	int			pos = 0;
	bool		neg = v < 0;
	uint128		u = neg ? (uint128) (-(v + 1)) + 1 : (uint128) v;

	if (v >= PG_INT64_MIN && v <= PG_INT64_MAX)
		return int64_div_fast_to_numeric((int64) v, scale);
	do
	{
		digits[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u > 0);
	while (n <= scale)
		digits[n++] = '0';
	if (neg)
		text[pos++] = '-';
	while (n > scale)
		text[pos++] = digits[--n];
	if (scale > 0)
	{
		text[pos++] = '.';
		while (n > 0)
			text[pos++] = digits[--n];
	}
	text[pos] = '\0';
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/* Move a fixed-point sum to numeric arithmetic, for good. */
static void
go_big(NumSum *s, MemoryContext mcxt)
{
	MemoryContext old;

	if (s->big)
		return;
	old = MemoryContextSwitchTo(mcxt);
	s->numeric = scaled_to_numeric(s->acc, s->scale);
	MemoryContextSwitchTo(old);
	s->big = true;
	s->acc = 0;
}

/* s += value in numeric arithmetic (s is big). */
static void
add_big(NumSum *s, Numeric value, MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	Numeric		sum = DatumGetNumeric(DirectFunctionCall2(numeric_add,
														  NumericGetDatum(s->numeric),
														  NumericGetDatum(value)));

	pfree(s->numeric);
	s->numeric = sum;
	MemoryContextSwitchTo(old);
}

/* Raise the scale of a fixed-point sum; false if it would overflow. */
static bool
rescale(NumSum *s, int scale)
{
	int			d = scale - s->scale;

	if (d <= 0)
		return true;
	if (scale > NUMSUM_MAX_SCALE || d > 38)
		return false;
	if (s->acc != 0)
	{
		int128		a = s->acc < 0 ? -s->acc : s->acc;

		if (a >= pow10_128[38 - d])
			return false;
		s->acc *= pow10_128[d];
	}
	s->scale = (int16) scale;
	return true;
}

/* s += value: fixed point while it fits, else numeric for good. */
void
numsum_add(NumSum *s, Datum value, MemoryContext mcxt)
{
	int128		v;
	int			dscale;
	bool		special;

	if (!pow10_ready)
		init_pow10();
	s->count++;
	if (!s->big)
	{
		if (decode_numeric(value, s->scale, &v, &dscale, &special))
		{
			int128		sum = s->acc + v;

			if (sum < ACC_LIMIT && sum > -ACC_LIMIT)
			{
				s->acc = sum;
				return;
			}
		}
		else if (!special && dscale > s->scale && rescale(s, dscale) &&
				 decode_numeric(value, s->scale, &v, &dscale, &special))
		{
			int128		sum = s->acc + v;

			if (sum < ACC_LIMIT && sum > -ACC_LIMIT)
			{
				s->acc = sum;
				return;
			}
		}
		go_big(s, mcxt);
	}
	add_big(s, DatumGetNumeric(value), mcxt);
}

/*
 * A numeric decoded once for several uses (numsum.h): false for NaN or
 * infinity; a value that is not read here (compressed, or beyond the
 * fixed point) is kept as the datum alone (fixed = false).
 */
bool
numval_decode(Datum value, NumVal *nv)
{
	const uint8 *p = (const uint8 *) DatumGetPointer(value);
	bool		special;
	int			dscale;

	if (!pow10_ready)
		init_pow10();
	nv->datum = value;

	/*
	 * The common form of a stored amount first: a 1-byte varlena header, a
	 * short numeric of 1 to 4 digits with a fraction (exp10 -3 to -1 below),
	 * decoded as decode_numeric_inline decodes it; the rest goes there.
	 */
	if (VARATT_IS_SHORT(p) && VARSIZE_SHORT(p) - VARHDRSZ_SHORT >= sizeof(uint16))
	{
		Size		len = VARSIZE_SHORT(p) - VARHDRSZ_SHORT;
		uint16		header;
		int			ndigits = (int) ((len - sizeof(uint16)) / sizeof(int16));

		memcpy(&header, p + VARHDRSZ_SHORT, sizeof(uint16));
		if ((header & HDR_SIGN_MASK) == HDR_SHORT && ndigits >= 1 && ndigits <= 4)
		{
			static const int16 pow10_16[4] = {1, 10, 100, 1000};
			const uint8 *digits = p + VARHDRSZ_SHORT + sizeof(uint16);
			int			ds = (header & SHORT_DSCALE_MASK) >> SHORT_DSCALE_SHIFT;
			int			weight = (int) (header & SHORT_WEIGHT_MASK) -
				((header & SHORT_WEIGHT_SIGN) ? 64 : 0);
			int			exp10 = NBASE_DIGITS * (weight - ndigits + 1) + ds;

			if (exp10 < 0 && exp10 > -NBASE_DIGITS)
			{
				int64		a = 0;
				int16		d;
				int			drop = pow10_16[-exp10];
				int			q;
				int			i;

				for (i = 0; i < ndigits - 1; i++)
				{
					memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
					a = a * 10000 + d;
				}
				memcpy(&d, digits + (ndigits - 1) * sizeof(int16), sizeof(int16));
				q = d / drop;
				if (q * drop == d)
				{
					a = a * pow10_16[NBASE_DIGITS + exp10] + q;
					nv->v = (header & SHORT_SIGN) ? -(int128) a : (int128) a;
					nv->dscale = (int16) ds;
					nv->fixed = true;
					return true;
				}
			}
		}
	}

	nv->fixed = decode_numeric_inline(value, -1, &nv->v, &dscale, &special);
	nv->dscale = (int16) dscale;
	if (special)
		return false;
	if (!nv->fixed)
		return !numeric_datum_is_special(value);
	return true;
}

/* nv->v at scale (>= nv->dscale) into *out; false if it would not fit */
static inline bool
numval_at(const NumVal *nv, int scale, int128 *out)
{
	int			d = scale - nv->dscale;
	int128		a;

	if (d == 0)
	{
		*out = nv->v;
		return true;
	}
	if (d > 38)
		return false;
	a = nv->v < 0 ? -nv->v : nv->v;
	if (a >= pow10_128[38 - d])
		return false;
	*out = nv->v * pow10_128[d];
	return true;
}

/*
 * s += a decoded value: the sum numsum_add(s, nv->datum) makes, without
 * decoding the value again while both are fixed point.
 */
void
numsum_add_val_slow(NumSum *s, const NumVal *nv, MemoryContext mcxt)
{
	int128		v;

	if (!s->big && nv->fixed && (nv->dscale <= s->scale || rescale(s, nv->dscale)) &&
		numval_at(nv, s->scale, &v))
	{
		int128		sum = s->acc + v;

		if (sum < ACC_LIMIT && sum > -ACC_LIMIT)
		{
			s->count++;
			s->acc = sum;
			return;
		}
	}
	numsum_add(s, nv->datum, mcxt);
}

/* numeric_cmp(a, b) of two decoded values; no palloc while both are fixed */
int
numval_cmp(const NumVal *a, const NumVal *b)
{
	int			scale = Max(a->dscale, b->dscale);
	int128		x;
	int128		y;

	if (a->fixed && b->fixed && numval_at(a, scale, &x) && numval_at(b, scale, &y))
		return x < y ? -1 : x > y ? 1 : 0;
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a->datum, b->datum));
}

/* The sign of a decoded value, as numeric_cmp with 0 gives it */
int
numval_sign(const NumVal *a)
{
	if (a->fixed)
		return a->v < 0 ? -1 : a->v > 0 ? 1 : 0;
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a->datum, NumericGetDatum(int64_to_numeric(0))));
}

/*
 * s += v, an integer, as numsum_add of its numeric would add it, without
 * making that numeric while the sum is fixed point: |v| < 2^63 and a scale
 * of at most 18 keep v * 10^scale below 10^38.
 */
void
numsum_add_int64(NumSum *s, int64 v, MemoryContext mcxt)
{
	if (!pow10_ready)
		init_pow10();
	if (!s->big && s->scale <= 18)
	{
		int128		sum = s->acc + (int128) v * pow10_128[s->scale];

		if (sum < ACC_LIMIT && sum > -ACC_LIMIT)
		{
			s->count++;
			s->acc = sum;
			return;
		}
	}
	numsum_add(s, NumericGetDatum(int64_to_numeric(v)), mcxt);
}

/*
 * s += value * factor, one value counted, exactly as numsum_add of
 * numeric_mul(value, factor) would add it (the product's display scale is
 * value's), without computing that product while the sum is fixed point
 * and the product fits.
 */
void
numsum_add_times(NumSum *s, Datum value, int64 factor, MemoryContext mcxt)
{
	int128		v;
	int			dscale;
	bool		special;

	if (!pow10_ready)
		init_pow10();
	if (!s->big)
	{
		bool		ok = decode_numeric(value, s->scale, &v, &dscale, &special);

		if (!ok && !special && dscale > s->scale && rescale(s, dscale))
			ok = decode_numeric(value, s->scale, &v, &dscale, &special);
		if (ok)
		{
			int128		a = v < 0 ? -v : v;
			int128		f = factor < 0 ? -(int128) factor : (int128) factor;

			/*
			 * |v * factor| < 10^38 (below 2^62 * 2^63 = 2^125 without a
			 * division), then the sum is checked as numsum_add does
			 */
			if ((a >> 62) == 0 || f == 0 || a <= (ACC_LIMIT - 1) / f)
			{
				int128		sum = s->acc + v * (int128) factor;

				if (sum < ACC_LIMIT && sum > -ACC_LIMIT)
				{
					s->count++;
					s->acc = sum;
					return;
				}
			}
		}
	}
	numsum_add(s, DirectFunctionCall2(numeric_mul, value, NumericGetDatum(int64_to_numeric(factor))), mcxt);
}

/* dst += src (src unchanged). */
void
numsum_merge(NumSum *dst, const NumSum *src, MemoryContext mcxt)
{
	if (!pow10_ready)
		init_pow10();
	if (src->count == 0)
		return;
	dst->count += src->count;
	if (!dst->big && !src->big)
	{
		int			scale = Max(dst->scale, src->scale);
		NumSum		tmp = *src;

		if (rescale(dst, scale) && rescale(&tmp, scale))
		{
			int128		sum = dst->acc + tmp.acc;

			if (sum < ACC_LIMIT && sum > -ACC_LIMIT)
			{
				dst->acc = sum;
				return;
			}
		}
	}
	go_big(dst, mcxt);
	if (src->big)
		add_big(dst, src->numeric, mcxt);
	else
		add_big(dst, scaled_to_numeric(src->acc, src->scale), mcxt);
	dst->scale = Max(dst->scale, src->scale);
}

/* The sum as a numeric with the sum's display scale; NULL when empty. */
Numeric
numsum_total(const NumSum *s)
{
	if (s->count == 0)
		return NULL;
	if (s->big)
		return s->numeric;
	return scaled_to_numeric(s->acc, s->scale);
}

/* avg(numeric) computes sum / count with numeric_div's scale rules: so do we */
Numeric
numsum_avg(const NumSum *s)
{
	Numeric		total = numsum_total(s);

	if (total == NULL)
		return NULL;
	return DatumGetNumeric(DirectFunctionCall2(numeric_div, NumericGetDatum(total),
											   DirectFunctionCall1(int8_numeric, Int64GetDatum(s->count))));
}

/* Text form: "<count>:<sum>", or "0" for an empty sum. */
void
numsum_out(StringInfo buf, const NumSum *s)
{
	appendStringInfo(buf, INT64_FORMAT, s->count);
	if (s->count > 0)
	{
		Numeric		total = numsum_total(s);

		appendStringInfo(buf, ":%s",
						 DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(total))));
	}
}

/*
 * numeric_in of text.  Malformed text raises 22P02 from numeric_in itself; a
 * number numeric cannot hold ("1e1970000") raises 22003 there, which here is
 * malformed input of the type being read too: 22P02, with numeric_in's
 * message as the detail.  numeric_in only parses into memory, so nothing is
 * left to clean up when its error is caught; any other error (out of memory,
 * cancel) goes on as it was.
 */
static Numeric
numsum_parse_numeric(const char *text)
{
	MemoryContext cxt = CurrentMemoryContext;
	Numeric		volatile n = NULL;

	PG_TRY();
	{
		n = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
												ObjectIdGetDatum(InvalidOid),
												Int32GetDatum(-1)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION ||
			edata->sqlerrcode == ERRCODE_INVALID_TEXT_REPRESENTATION)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type numeric: \"%s\"", text),
				 errdetail("%s", edata->message)));
	}
	PG_END_TRY();
	return n;
}

/*
 * Parse "<count>[:<sum>]".  Returns false on malformed text (the caller
 * raises 22P02); a sum that is not a finite numeric is malformed too.
 */
bool
numsum_in(const char *str, NumSum *s, MemoryContext mcxt)
{
	char	   *end;
	long long	count;
	const char *colon;

	numsum_init(s);
	errno = 0;
	count = strtoll(str, &end, 10);
	if (errno != 0 || end == str || count < 0)
		return false;
	colon = end;
	if (count == 0)
		return *colon == '\0';
	if (*colon != ':')
		return false;
	{
		Numeric		n = numsum_parse_numeric(colon + 1);

		if (numeric_is_nan(n) || numeric_is_inf(n))
			return false;
		numsum_add(s, NumericGetDatum(n), mcxt);
	}
	s->count = count;
	return true;
}

/*
 * Binary form: count (int64), then for a non-empty sum a kind byte: 0 =
 * fixed point (scale byte, int128 as two int64, high first), 1 = numeric
 * (numeric_send bytes, which numeric_recv validates).
 */
void
numsum_write(StringInfo buf, const NumSum *s)
{
	wire_put_i64(buf, s->count);
	if (s->count == 0)
		return;
	if (!s->big)
	{
		wire_put_u8(buf, 0);
		wire_put_u8(buf, (uint8) s->scale);
		wire_put_i64(buf, (int64) (s->acc >> 64));
		wire_put_i64(buf, (int64) (uint64) s->acc);
	}
	else
	{
		bytea	   *b = DatumGetByteaPP(DirectFunctionCall1(numeric_send, NumericGetDatum(s->numeric)));

		wire_put_u8(buf, 1);
		wire_put_bytes(buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	}
}

/* The binary form numsum_write writes, validated (22P03). */
void
numsum_read(WireReader *r, NumSum *s, MemoryContext mcxt)
{
	uint8		kind;

	if (!pow10_ready)
		init_pow10();
	numsum_init(s);
	s->count = wire_get_i64(r, "sum count");
	if (s->count < 0)
		wire_bad(r, "negative count in a sum");
	if (s->count == 0)
		return;
	kind = wire_get_u8(r, "sum kind");
	if (kind == 0)
	{
		int64		hi;
		uint64		lo;

		s->scale = wire_get_u8(r, "sum scale");
		hi = wire_get_i64(r, "sum");
		lo = (uint64) wire_get_i64(r, "sum");
		/* shifted as unsigned: a left shift of a negative value is undefined */
		s->acc = (int128) (((uint128) (uint64) hi << 64) | (uint128) lo);
		if (s->scale > NUMSUM_MAX_SCALE || s->acc >= ACC_LIMIT || s->acc <= -ACC_LIMIT)
			wire_bad(r, "sum out of range");
	}
	else if (kind == 1)
	{
		Size		n;
		const char *p = wire_get_bytes(r, &n, "numeric sum");
		StringInfoData sbuf;
		MemoryContext old;
		int16		ndigits;

		/* numeric_send: int16 ndigits, weight, sign, dscale, then the digits */
		if (n < 4 * sizeof(int16))
			wire_bad(r, "truncated numeric sum");
		memcpy(&ndigits, p, sizeof(int16));
		ndigits = (int16) pg_ntoh16((uint16) ndigits);
		if (ndigits < 0 || n != (Size) (4 + ndigits) * sizeof(int16))
			wire_bad(r, "bad numeric sum length");
		initStringInfo(&sbuf);
		appendBinaryStringInfo(&sbuf, p, (int) n);
		old = MemoryContextSwitchTo(mcxt);
		s->numeric = DatumGetNumeric(DirectFunctionCall3(numeric_recv, PointerGetDatum(&sbuf),
														 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
		MemoryContextSwitchTo(old);
		if (sbuf.cursor != sbuf.len || numeric_is_nan(s->numeric) || numeric_is_inf(s->numeric))
			wire_bad(r, "bad numeric sum");
		s->big = true;
	}
	else
		wire_bad(r, "unknown sum kind");
}
