/*
 * test/fuzz/funnel_fuzz.c
 *		In-process fuzz targets for every text input and binary receive
 *		function of the extension's types, the sequence pattern parser and the
 *		window_funnel mode parser, run outside the server on pgshim.c.
 *
 * Targets (one binary; the target is named by FUNNEL_FUZZ_TARGET or by the
 * program name fuzz_<target>):
 *	<type>_in	 text input of pipeline, summary, journey, events, conversion,
 *			 pipeline_flow, winrate_curve, stage_outcomes, stage_value,
 *			 next_step_events, next_steps, sequence
 *	<type>_recv	 binary receive of the same types
 *	sequence_pattern	pattern parser, compiler and matcher (sequence_match,
 *				 sequence_count) over events made from the input
 *	window_funnel_mode	mode parser and the window_funnel / window_funnel_times
 *				 scans under the parsed mode
 *
 * What counts as a finding (abort(), so libFuzzer keeps the input):
 *	- anything AddressSanitizer or UBSan reports;
 *	- an error with an SQLSTATE the function may not raise: bad text is 22P02,
 *	  bad binary 22P03 (or 08P01 from pq_getmsg* on truncation), a funnel that
 *	  is not registered 42704, a size limit 54000/54001, a bad pattern or
 *	  mode argument 22023; XX000 (elog, "can't happen") is always a finding;
 *	- a value accepted that does not round-trip: out(v) must be accepted by
 *	  in and print the same text again; recv(send(v)) must give the same
 *	  value, byte for byte, and send the same bytes;
 *	- the pattern and mode checks described at their targets.
 * For known bugs whose fix is not merged yet: FUNNEL_FUZZ_ALLOW="22003 22P05"
 * adds codes to the allowed ones, FUNNEL_FUZZ_KNOWN="subnormal" tolerates a
 * subnormal double that out prints and in refuses.
 *
 * Built with -DFUNNEL_FUZZ_MAIN (plain cc, no libFuzzer) it gets a main()
 * that replays corpus files and deterministic mutations of them: see
 * test/fuzz/run.sh and README.md.
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"

#include "events.h"
#include "events_mode.h"
#include "events_pattern.h"
#include "pgshim.h"
#include "state.h"

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);
int			LLVMFuzzerInitialize(int *argc, char ***argv);

/* the extension's functions under test */
extern Datum pipeline_in(PG_FUNCTION_ARGS);
extern Datum pipeline_out(PG_FUNCTION_ARGS);
extern Datum pipeline_send(PG_FUNCTION_ARGS);
extern Datum pipeline_recv(PG_FUNCTION_ARGS);
extern Datum summary_in(PG_FUNCTION_ARGS);
extern Datum summary_out(PG_FUNCTION_ARGS);
extern Datum summary_send(PG_FUNCTION_ARGS);
extern Datum summary_recv(PG_FUNCTION_ARGS);
extern Datum journey_in(PG_FUNCTION_ARGS);
extern Datum journey_out(PG_FUNCTION_ARGS);
extern Datum journey_send(PG_FUNCTION_ARGS);
extern Datum journey_recv(PG_FUNCTION_ARGS);
extern Datum events_in(PG_FUNCTION_ARGS);
extern Datum events_out(PG_FUNCTION_ARGS);
extern Datum events_send(PG_FUNCTION_ARGS);
extern Datum events_recv(PG_FUNCTION_ARGS);
extern Datum conversion_in(PG_FUNCTION_ARGS);
extern Datum conversion_out(PG_FUNCTION_ARGS);
extern Datum conversion_send(PG_FUNCTION_ARGS);
extern Datum conversion_recv(PG_FUNCTION_ARGS);
extern Datum pipeline_flow_in(PG_FUNCTION_ARGS);
extern Datum pipeline_flow_out(PG_FUNCTION_ARGS);
extern Datum pipeline_flow_send(PG_FUNCTION_ARGS);
extern Datum pipeline_flow_recv(PG_FUNCTION_ARGS);
extern Datum winrate_curve_in(PG_FUNCTION_ARGS);
extern Datum winrate_curve_out(PG_FUNCTION_ARGS);
extern Datum winrate_curve_send(PG_FUNCTION_ARGS);
extern Datum winrate_curve_recv(PG_FUNCTION_ARGS);
extern Datum stage_outcomes_in(PG_FUNCTION_ARGS);
extern Datum stage_outcomes_out(PG_FUNCTION_ARGS);
extern Datum stage_outcomes_send(PG_FUNCTION_ARGS);
extern Datum stage_outcomes_recv(PG_FUNCTION_ARGS);
extern Datum stage_value_in(PG_FUNCTION_ARGS);
extern Datum stage_value_out(PG_FUNCTION_ARGS);
extern Datum stage_value_send(PG_FUNCTION_ARGS);
extern Datum stage_value_recv(PG_FUNCTION_ARGS);
extern Datum next_step_events_in(PG_FUNCTION_ARGS);
extern Datum next_step_events_out(PG_FUNCTION_ARGS);
extern Datum next_step_events_send(PG_FUNCTION_ARGS);
extern Datum next_step_events_recv(PG_FUNCTION_ARGS);
extern Datum next_steps_in(PG_FUNCTION_ARGS);
extern Datum next_steps_out(PG_FUNCTION_ARGS);
extern Datum next_steps_send(PG_FUNCTION_ARGS);
extern Datum next_steps_recv(PG_FUNCTION_ARGS);
extern Datum sequence_in(PG_FUNCTION_ARGS);
extern Datum sequence_out(PG_FUNCTION_ARGS);
extern Datum sequence_send(PG_FUNCTION_ARGS);
extern Datum sequence_recv(PG_FUNCTION_ARGS);
extern Datum sequence_match_final(PG_FUNCTION_ARGS);
extern Datum sequence_count_final(PG_FUNCTION_ARGS);
extern Datum window_funnel_final(PG_FUNCTION_ARGS);
extern Datum window_funnel_times_final(PG_FUNCTION_ARGS);

typedef struct TypeIO
{
	const char *name;
	PGFunction	in;
	PGFunction	out;
	PGFunction	send;
	PGFunction	recv;
	int			fixed_len;		/* > 0: a fixed-size by-reference type */
} TypeIO;

static const TypeIO types[] = {
	{"pipeline", pipeline_in, pipeline_out, pipeline_send, pipeline_recv, 0},
	{"summary", summary_in, summary_out, summary_send, summary_recv, 0},
	{"journey", journey_in, journey_out, journey_send, journey_recv, 0},
	{"events", events_in, events_out, events_send, events_recv, 0},
	{"conversion", conversion_in, conversion_out, conversion_send, conversion_recv, 16},
	{"pipeline_flow", pipeline_flow_in, pipeline_flow_out, pipeline_flow_send, pipeline_flow_recv, 0},
	{"winrate_curve", winrate_curve_in, winrate_curve_out, winrate_curve_send, winrate_curve_recv, 0},
	{"stage_outcomes", stage_outcomes_in, stage_outcomes_out, stage_outcomes_send, stage_outcomes_recv, 0},
	{"stage_value", stage_value_in, stage_value_out, stage_value_send, stage_value_recv, 0},
	{"next_step_events", next_step_events_in, next_step_events_out, next_step_events_send, next_step_events_recv, 0},
	{"next_steps", next_steps_in, next_steps_out, next_steps_send, next_steps_recv, 0},
	{"sequence", sequence_in, sequence_out, sequence_send, sequence_recv, 0},
};

#define TEXT_CODES "22P02 42704 54000 54001"
#define BINARY_CODES "22P03 08P01 42704 54000 54001"

typedef struct Target
{
	const char *name;
	const TypeIO *io;			/* type targets */
	bool		binary;
	void		(*run) (const uint8 *data, size_t size);	/* other targets */
} Target;

static void pattern_target(const uint8 *data, size_t size);
static void mode_target(const uint8 *data, size_t size);

static const Target targets[] = {
	{"pipeline_in", &types[0], false, NULL},
	{"pipeline_recv", &types[0], true, NULL},
	{"summary_in", &types[1], false, NULL},
	{"summary_recv", &types[1], true, NULL},
	{"journey_in", &types[2], false, NULL},
	{"journey_recv", &types[2], true, NULL},
	{"events_in", &types[3], false, NULL},
	{"events_recv", &types[3], true, NULL},
	{"conversion_in", &types[4], false, NULL},
	{"conversion_recv", &types[4], true, NULL},
	{"pipeline_flow_in", &types[5], false, NULL},
	{"pipeline_flow_recv", &types[5], true, NULL},
	{"winrate_curve_in", &types[6], false, NULL},
	{"winrate_curve_recv", &types[6], true, NULL},
	{"stage_outcomes_in", &types[7], false, NULL},
	{"stage_outcomes_recv", &types[7], true, NULL},
	{"stage_value_in", &types[8], false, NULL},
	{"stage_value_recv", &types[8], true, NULL},
	{"next_step_events_in", &types[9], false, NULL},
	{"next_step_events_recv", &types[9], true, NULL},
	{"next_steps_in", &types[10], false, NULL},
	{"next_steps_recv", &types[10], true, NULL},
	{"sequence_in", &types[11], false, NULL},
	{"sequence_recv", &types[11], true, NULL},
	{"sequence_pattern", NULL, false, pattern_target},
	{"window_funnel_mode", NULL, false, mode_target},
};

static const Target *target;
static long accepted;

/* ---------------------------------------------------------------- checks */

static void finding(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

static void
finding(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "funnel_fuzz [%s]: ", target ? target->name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			finding("check failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

/*
 * A known bug whose fix is not merged yet, named in FUNNEL_FUZZ_KNOWN:
 * "subnormal" -- out prints a subnormal double that in refuses.
 */
static bool
known(const char *bug)
{
	const char *list = getenv("FUNNEL_FUZZ_KNOWN");

	return list != NULL && strstr(list, bug) != NULL;
}

/* the last error must have one of the codes listed (space-separated) */
static void
expect_code(const char *codes)
{
	const char *state = shim_sqlstate(shim_last_error.sqlerrcode);
	const char *extra = getenv("FUNNEL_FUZZ_ALLOW");

	if (strstr(codes, state) != NULL || (extra != NULL && strstr(extra, state) != NULL))
		return;
	finding("error %s (allowed: %s) at %s:%d: %s", state, codes,
			shim_last_error.filename ? shim_last_error.filename : "?",
			shim_last_error.lineno, shim_last_error.message);
}

/* call fn; false with shim_last_error set when it raised an error */
static bool
try_call(FmgrInfo *fl, PGFunction fn, int nargs, Datum a0, Datum a1, Datum a2, Datum *result)
{
	volatile bool ok = true;

	PG_TRY();
	{
		*result = shim_call(fl, fn, nargs, a0, a1, a2);
	}
	PG_CATCH();
	{
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* call fn, which must not fail */
static Datum
must_call(const char *what, PGFunction fn, int nargs, Datum a0, Datum a1, Datum a2)
{
	FmgrInfo	fl;
	Datum		r = 0;

	shim_flinfo(&fl, fn);
	if (!try_call(&fl, fn, nargs, a0, a1, a2, &r))
		finding("%s failed on a value the type accepted: %s %s", what,
				shim_sqlstate(shim_last_error.sqlerrcode), shim_last_error.message);
	return r;
}

static Datum
call_in(const TypeIO *io, const char *str, bool *ok)
{
	FmgrInfo	fl;
	Datum		r = 0;

	shim_flinfo(&fl, io->in);
	*ok = try_call(&fl, io->in, 3, CStringGetDatum(str), ObjectIdGetDatum(InvalidOid),
				   Int32GetDatum(-1), &r);
	return r;
}

static Datum
call_recv(const TypeIO *io, const char *data, int len, bool *ok, int *left)
{
	FmgrInfo	fl;
	Datum		r = 0;
	StringInfoData buf;

	/* as the server hands it over: a copy, NUL after the end */
	buf.data = palloc(len + 1);
	memcpy(buf.data, data, len);
	buf.data[len] = '\0';
	buf.len = len;
	buf.maxlen = len + 1;
	buf.cursor = 0;
	shim_flinfo(&fl, io->recv);
	*ok = try_call(&fl, io->recv, 3, PointerGetDatum(&buf), ObjectIdGetDatum(InvalidOid),
				   Int32GetDatum(-1), &r);
	*left = buf.len - buf.cursor;
	return r;
}

/* the bytes of a value, in hex (for messages) */
static char *
hex_value(const TypeIO *io, Datum v)
{
	const uint8 *p = (const uint8 *) DatumGetPointer(v);
	int			n = io->fixed_len > 0 ? io->fixed_len : (int) VARSIZE_ANY(p);
	char	   *r = palloc(2 * Min(n, 512) + 1);
	int			i;

	for (i = 0; i < Min(n, 512); i++)
		sprintf(r + 2 * i, "%02x", p[i]);
	r[2 * Min(n, 512)] = '\0';
	return r;
}

static bool
same_value(const TypeIO *io, Datum a, Datum b)
{
	if (io->fixed_len > 0)
		return memcmp(DatumGetPointer(a), DatumGetPointer(b), io->fixed_len) == 0;
	return VARSIZE_ANY(DatumGetPointer(a)) == VARSIZE_ANY(DatumGetPointer(b)) &&
		memcmp(DatumGetPointer(a), DatumGetPointer(b), VARSIZE_ANY(DatumGetPointer(a))) == 0;
}

/* an accepted value: out, in, send and recv all agree with it */
static void
check_value(const TypeIO *io, Datum v)
{
	char	   *out1;
	char	   *out2;
	Datum		v2;
	Datum		v3;
	bytea	   *b1;
	bytea	   *b2;
	bool		ok;
	int			left;

	accepted++;
	out1 = DatumGetCString(must_call("out", io->out, 1, v, 0, 0));
	v2 = call_in(io, out1, &ok);
	if (!ok && known("subnormal") && strstr(shim_last_error.message, "must be a finite float8"))
		return;
	if (!ok)
		finding("in refuses what out printed (%s %s): %s", shim_sqlstate(shim_last_error.sqlerrcode),
				shim_last_error.message, out1);
	out2 = DatumGetCString(must_call("out", io->out, 1, v2, 0, 0));
	if (strcmp(out1, out2) != 0)
		finding("text is not canonical:\n  %s\n  %s", out1, out2);
	/*
	 * (in(out(v)) may store the same value differently: a fixed-point sum of
	 * 37 or 38 digits reads back from text as a numeric sum; see README.)
	 */

	b1 = DatumGetByteaPP(must_call("send", io->send, 1, v, 0, 0));
	v3 = call_recv(io, VARDATA_ANY(b1), VARSIZE_ANY_EXHDR(b1), &ok, &left);
	if (!ok)
		finding("recv refuses what send wrote (%s %s) for %s", shim_sqlstate(shim_last_error.sqlerrcode),
				shim_last_error.message, out1);
	if (left != 0)
		finding("recv leaves %d bytes of what send wrote unread", left);
	if (!same_value(io, v, v3))
		finding("recv(send(v)) differs from v: %s\n  v          %s\n  recv(send) %s", out1,
				hex_value(io, v), hex_value(io, v3));
	b2 = DatumGetByteaPP(must_call("send", io->send, 1, v3, 0, 0));
	if (VARSIZE_ANY(b1) != VARSIZE_ANY(b2) || memcmp(b1, b2, VARSIZE_ANY(b1)) != 0)
		finding("send(recv(send(v))) differs from send(v): %s", out1);
}

static void
text_target(const TypeIO *io, const uint8 *data, size_t size)
{
	char	   *str;
	Datum		v;
	bool		ok;

	/* what reaches an input function: server-encoded text without NUL */
	if (size > 1024 * 1024 ||
		pg_encoding_verifymbstr(PG_UTF8, (const char *) data, (int) size) != (int) size)
		return;
	str = palloc(size + 1);
	memcpy(str, data, size);
	str[size] = '\0';
	v = call_in(io, str, &ok);
	if (!ok)
	{
		expect_code(TEXT_CODES);
		return;
	}
	check_value(io, v);
}

static void
binary_target(const TypeIO *io, const uint8 *data, size_t size)
{
	Datum		v;
	bool		ok;
	int			left;

	if (size > 64 * 1024 * 1024)
		return;
	v = call_recv(io, (const char *) data, (int) size, &ok, &left);
	if (!ok)
	{
		expect_code(BINARY_CODES);
		return;
	}
	/* (bytes left unread are the server's 22P03, not the function's business) */
	check_value(io, v);
}

/* ---------------------------------------------------------------- events */

/* a small reader over the fuzz input */
typedef struct Bytes
{
	const uint8 *p;
	size_t		n;
} Bytes;

static uint32
take(Bytes *b, int nbytes)
{
	uint32		v = 0;

	while (nbytes-- > 0)
	{
		v <<= 8;
		if (b->n > 0)
		{
			v |= *b->p++;
			b->n--;
		}
	}
	return v;
}

/*
 * An events state of kind, clock and nconds with rows from the input: each
 * row a time step (high bit: whole seconds on timestamp clocks, so that time
 * conditions in seconds can hold exactly) and a condition set.
 */
static Events *
make_events(Bytes *b, int kind, int clock, int nconds, const char *pat, int patlen,
			uint8 mode, int64 window, bool allow_empty_rows)
{
	int			maxrows = 200;
	int			n = 0;
	Size		size = EVENTS_SIZE(patlen, maxrows);
	Events	   *e = palloc0(size);
	EventRow   *rows;
	int64		ts = (clock == EVENTS_CLOCK_BIGINT) ? -5 : 0;
	uint32		allowed = nconds == 32 ? 0xffffffffu : ((uint32) 1 << nconds) - 1;

	SET_VARSIZE(e, size);
	e->version = EVENTS_VERSION;
	e->kind = (uint8) kind;
	e->clock = (uint8) clock;
	e->nconds = (uint8) nconds;
	e->mode = mode;
	e->window = window;
	e->patlen = (uint16) patlen;
	e->cap = maxrows;
	if (patlen > 0)
		memcpy(EVENTS_PATTERN(e), pat, patlen);
	rows = EVENTS_ROWS(e);
	while (b->n >= 3 && n < maxrows)
	{
		uint32		step = take(b, 1);
		uint32		mask = take(b, 2);

		if (step & 0x80)
			ts += (int64) (step & 0x7f) * (clock == EVENTS_CLOCK_BIGINT ? 1000 : USECS_PER_SEC);
		else
			ts += step;
		mask = ((mask * 2654435761u) >> 7) & allowed;
		if (mask == 0 && !allow_empty_rows)
			mask = 1;
		rows[n].ts = ts;
		rows[n].mask = mask;
		n++;
	}
	e->n = n;
	e->flags = 0;				/* the final functions sort a copy */
	return e;
}

/* ---------------------------------------------------------------- sequence */

/*
 * A reference for sequence_match and sequence_count on small inputs: a
 * direct transcription of the search sequence.c's header describes
 * (ClickHouse's depth-first search over (action, event)), memoised, with
 * none of the matcher's bit rows or pointers.
 */
#define REF_MAX_EVENTS 40
#define REF_MAX_ACTS 40

typedef struct RefAct
{
	char		op;				/* 'k' event, '.' any, '*' star, '<' '(' (<=) '>' ')' (>=) '=' */
	int			cond;
	int			shift;
	uint64		span;
} RefAct;

typedef struct Ref
{
	RefAct		acts[REF_MAX_ACTS];
	int			nact;
	const EventRow *ev;
	int			n;
	int64		memo[REF_MAX_ACTS + 1][REF_MAX_EVENTS + 1];	/* -2: not yet */
} Ref;

/* the pattern (already accepted by the parser) as actions; false if too long */
static bool
ref_parse(Ref *r, const char *p, int len, int clock)
{
	int			i = 0;
	char		prev = '*';

	r->nact = 1;
	r->acts[0].op = '*';
	while (i < len)
	{
		RefAct		a = {0};

		if (r->nact >= REF_MAX_ACTS)
			return false;
		if (p[i] == '.' && i + 1 < len && p[i + 1] == '*')
			a.op = '*', i += 2;
		else if (p[i] == '.')
			a.op = '.', i += 1;
		else
		{
			uint64		v = 0;

			i += 2;				/* "(?" */
			if (p[i] == 't')
			{
				i++;
				if (p[i] == '<' && p[i + 1] == '=')
					a.op = '(', i += 2;
				else if (p[i] == '<')
					a.op = '<', i += 1;
				else if (p[i] == '>' && p[i + 1] == '=')
					a.op = ')', i += 2;
				else if (p[i] == '>')
					a.op = '>', i += 1;
				else
					a.op = '=', i += 2;
				a.shift = prev == '*' ? 0 : 1;
			}
			else
				a.op = 'k';
			if (p[i] == '+')
				i++;
			while (i < len && p[i] >= '0' && p[i] <= '9')
				v = v * 10 + (uint64) (p[i++] - '0');
			i++;				/* ")" */
			if (a.op == 'k')
				a.cond = (int) v - 1;
			else
				a.span = clock == EVENTS_CLOCK_BIGINT ? v : v * USECS_PER_SEC;
		}
		prev = a.op;
		r->acts[r->nact++] = a;
	}
	return true;
}

static bool
ref_skippable(const RefAct *a)
{
	return a->op == '*' || a->op == '<' || a->op == '(' || (a->op == ')' && a->span == 0);
}

/* where the first match from (a, e) ends, or -1 */
static int64
ref_match(Ref *r, int a, int e)
{
	int64		res = -1;
	const RefAct *x;
	int			q;

	if (r->memo[a][e] != -2)
		return r->memo[a][e];
	if (a == r->nact)
		res = e;
	else if (e == r->n)
	{
		int			k;

		res = r->n;
		for (k = a; k < r->nact; k++)
			if (!ref_skippable(&r->acts[k]))
				res = -1;
	}
	else
	{
		x = &r->acts[a];
		switch (x->op)
		{
			case 'k':
				res = ((r->ev[e].mask >> x->cond) & 1) ? ref_match(r, a + 1, e + 1) : -1;
				break;
			case '.':
				res = ref_match(r, a + 1, e + 1);
				break;
			case '*':
				res = ref_match(r, a + 1, e);
				if (res < 0 && e + 1 < r->n)
					res = ref_match(r, a, e + 1);
				break;
			default:
				if (e - x->shift < 0)
					break;
				for (q = e; q < r->n && res < 0; q++)
				{
					uint64		sp = events_span(r->ev[e - x->shift].ts, r->ev[q].ts);
					bool		ok = x->op == '<' ? sp < x->span : x->op == '(' ? sp <= x->span :
						x->op == '>' ? sp > x->span : x->op == ')' ? sp >= x->span : sp == x->span;

					if (ok)
						res = ref_match(r, a + 1, q);
				}
				break;
		}
	}
	r->memo[a][e] = res;
	return res;
}

static int
row_cmp_qsort(const void *a, const void *b)
{
	return events_row_cmp(a, b);
}

/* the reference answers; false when the input is too big for it */
static bool
ref_answers(const Events *e, const char *pat, int patlen, bool *match, int64 *count)
{
	Ref		   *r = palloc(sizeof(Ref));
	EventRow   *ev;
	bool		skip0 = true;
	uint32		needs = 0;
	uint32		met = 0;
	int			k;
	int			i;
	int64		pos = 0;

	if (e->n > REF_MAX_EVENTS || !ref_parse(r, pat, patlen, e->clock))
		return false;
	ev = palloc(sizeof(EventRow) * Max(e->n, 1));
	memcpy(ev, EVENTS_ROWS(e), sizeof(EventRow) * e->n);
	qsort(ev, e->n, sizeof(EventRow), row_cmp_qsort);
	r->ev = ev;
	r->n = e->n;
	for (k = 0; k < r->nact; k++)
	{
		skip0 = skip0 && ref_skippable(&r->acts[k]);
		if (r->acts[k].op == 'k')
			needs |= (uint32) 1 << r->acts[k].cond;
	}
	for (i = 0; i < e->n; i++)
		met |= ev[i].mask;
	for (k = 0; k <= r->nact; k++)
		for (i = 0; i <= r->n; i++)
			r->memo[k][i] = -2;
	if (e->n == 0)
	{
		*match = skip0;
		*count = 0;
		return true;
	}
	if ((met & needs) != needs)
	{
		*match = false;
		*count = 0;
		return true;
	}
	*match = ref_match(r, 0, 0) >= 0 || skip0;
	*count = 0;
	while (pos < r->n)
	{
		int64		end = ref_match(r, 0, (int) pos);

		if (end < 0)
		{
			if (skip0)
				(*count)++;
			break;
		}
		(*count)++;
		pos = end > pos ? end : pos + 1;
	}
	return true;
}

/*
 * Input: nconds, clock, pattern length, pattern bytes, then rows.  The
 * pattern parser must either accept or name a problem; a checked pattern
 * raises 22023 exactly when the problem text says so.  An accepted pattern
 * is compiled and matched: sequence_match is true exactly when
 * sequence_count is positive (with no rows: count 0), a second call on the
 * same call site (cached pattern) answers the same, matching may only raise
 * 54000 (too many bit rows), and on up to 40 events both answers equal a
 * memoised transcription of the search sequence.c's header describes.
 */
static void
pattern_target(const uint8 *data, size_t size)
{
	Bytes		b = {data, size};
	int			nconds = (int) (take(&b, 1) % 32) + 1;
	int			clock = (int) (take(&b, 1) % 3) + 1;
	int			patlen = (int) take(&b, 1);
	char	   *pat;
	const char *problem;
	FmgrInfo	fl;
	Datum		r;
	Events	   *e;
	volatile bool raised;
	bool		ok_match;
	bool		ok_count;
	bool		match = false;
	int64		count = 0;
	int			round;

	patlen = (int) Min((size_t) patlen, b.n);
	pat = palloc(patlen + 1);
	memcpy(pat, b.p, patlen);
	pat[patlen] = '\0';
	b.p += patlen;
	b.n -= patlen;

	problem = events_pattern_problem(pat, patlen, nconds, clock != EVENTS_CLOCK_BIGINT);
	PG_TRY();
	{
		events_pattern_check(pat, patlen, nconds, clock != EVENTS_CLOCK_BIGINT);
		raised = false;
	}
	PG_CATCH();
	{
		raised = true;
	}
	PG_END_TRY();
	if (raised)
	{
		expect_code("22023");
		CHECK(problem != NULL && strcmp(problem, shim_last_error.message) == 0);
		return;
	}
	CHECK(problem == NULL);
	accepted++;

	e = make_events(&b, EVENTS_KIND_SEQUENCE, clock, nconds, pat, patlen, 0, 0, false);
	shim_flinfo(&fl, sequence_match_final);
	for (round = 0; round < 2; round++)
	{
		bool		m = false;
		int64		c = 0;

		ok_match = try_call(&fl, sequence_match_final, 1, PointerGetDatum(e), 0, 0, &r);
		if (ok_match)
			m = DatumGetBool(r);
		else
			expect_code("54000");
		ok_count = try_call(&fl, sequence_count_final, 1, PointerGetDatum(e), 0, 0, &r);
		if (ok_count)
			c = DatumGetInt64(r);
		else
			expect_code("54000");
		CHECK(ok_match == ok_count || !ok_match || !ok_count);
		if (ok_match && ok_count)
		{
			CHECK(c >= 0 && c <= e->n + 1);
			if (e->n > 0)
				CHECK(m == (c > 0));
			else
				CHECK(c == 0);
			if (round == 1)
				CHECK(m == match && c == count);
			match = m;
			count = c;
		}
	}
	if (ok_match && ok_count)
	{
		bool		ref_m;
		int64		ref_c;

		if (ref_answers(e, pat, patlen, &ref_m, &ref_c) && (ref_m != match || ref_c != count))
			finding("pattern \"%s\" over %d events: sequence_match %d, sequence_count " INT64_FORMAT
					"; the reference search says %d, " INT64_FORMAT, pat, e->n, match, count, ref_m, ref_c);
	}
}

/* ---------------------------------------------------------------- modes */

/*
 * Input: nconds, clock, window (4 bytes), mode length, mode text, then rows.
 * The mode parser either raises 22023 or returns a mode whose canonical text
 * parses back to the same mode.  Under an accepted mode, window_funnel gives
 * a level 0..nconds (or 54000: strict_once's limit on partial chains at one
 * instant), window_funnel_times gives that many step times, each from 0 to
 * the window, non-decreasing (strictly increasing under strict_increase), as
 * int8[] and as interval[].
 */
static void
mode_target(const uint8 *data, size_t size)
{
	Bytes		b = {data, size};
	int			nconds = (int) (take(&b, 1) % 32) + 1;
	int			clock = (int) (take(&b, 1) % 3) + 1;
	int64		window = (int64) take(&b, 4);
	int			len = (int) take(&b, 1);
	char	   *mtext;
	volatile uint8 mode = 0;
	uint8		mode2;
	volatile bool raised;
	StringInfoData canon;
	Events	   *e;
	FmgrInfo	fl;
	Datum		r;
	int			level;
	ArrayType  *times;
	int			k;

	len = (int) Min((size_t) len, b.n);
	mtext = palloc(len + 1);
	memcpy(mtext, b.p, len);
	mtext[len] = '\0';
	b.p += len;
	b.n -= len;
	/* SQL text: the server's encoding, no NUL */
	if (pg_encoding_verifymbstr(PG_UTF8, mtext, len) != len)
		return;
	if (window & 0x80000000)
		window = (window & 0x7fffffff) * (clock == EVENTS_CLOCK_BIGINT ? 1 : 1000);
	PG_TRY();
	{
		mode = events_mode_parse(mtext, ERRCODE_INVALID_PARAMETER_VALUE, "window_funnel");
		raised = false;
	}
	PG_CATCH();
	{
		raised = true;
	}
	PG_END_TRY();
	if (raised)
	{
		expect_code("22023");
		return;
	}
	accepted++;
	CHECK((mode & ~WF_ALL_MODES) == 0);
	CHECK(!(mode & WF_ALLOW_REENTRY) || (mode & WF_STRICT_ORDER));
	initStringInfo(&canon);
	events_mode_append(&canon, mode);
	mode2 = events_mode_parse(canon.data, ERRCODE_INVALID_PARAMETER_VALUE, "window_funnel");
	CHECK(mode2 == mode);

	e = make_events(&b, EVENTS_KIND_FUNNEL, clock, nconds, NULL, 0, mode, window,
					(mode & WF_STRICT_ORDER) != 0);
	shim_flinfo(&fl, window_funnel_final);
	if (!try_call(&fl, window_funnel_final, 1, PointerGetDatum(e), 0, 0, &r))
	{
		/* strict_once's limit on partial chains at one instant (WF_MAX_CHAINS) */
		expect_code("54000");
		return;
	}
	level = DatumGetInt32(r);
	CHECK(level >= 0 && level <= nconds);
	CHECK(e->n > 0 || level == 0);

	shim_fn_rettype = INT8ARRAYOID;
	shim_flinfo(&fl, window_funnel_times_final);
	if (!try_call(&fl, window_funnel_times_final, 1, PointerGetDatum(e), 0, 0, &r))
	{
		/* the times scan keeps more chains: the same limit can come first here */
		expect_code("54000");
		shim_fn_rettype = InvalidOid;
		return;
	}
	times = DatumGetArrayTypeP(r);
	CHECK(ARR_NDIM(times) == (level > 0 ? 1 : 0));
	if (level > 0)
	{
		int64	   *t = (int64 *) ARR_DATA_PTR(times);

		CHECK(ARR_DIMS(times)[0] == level);
		CHECK(t[0] == 0);
		for (k = 0; k < level; k++)
		{
			CHECK(t[k] >= 0 && t[k] <= window);
			if (k > 0)
				CHECK((mode & WF_STRICT_INCREASE) ? t[k] > t[k - 1] : t[k] >= t[k - 1]);
		}
	}
	shim_fn_rettype = INTERVALARRAYOID;
	times = DatumGetArrayTypeP(must_call("window_funnel_times", window_funnel_times_final, 1,
										 PointerGetDatum(e), 0, 0));
	CHECK(ARR_NDIM(times) == (level > 0 ? 1 : 0));
	shim_fn_rettype = InvalidOid;
}

/* ---------------------------------------------------------------- driver */

static const Target *
find_target(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(targets); i++)
		if (strcmp(targets[i].name, name) == 0)
			return &targets[i];
	return NULL;
}

static void
run_target(const Target *t, const uint8 *data, size_t size)
{
	target = t;
	if (t->run)
		t->run(data, size);
	else if (t->binary)
		binary_target(t->io, data, size);
	else
		text_target(t->io, data, size);
	shim_reset();
	funnel_state_cache_forget();	/* its memory was freed just now */
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *name = getenv("FUNNEL_FUZZ_TARGET");

	if (name == NULL && argc != NULL && *argc > 0)
	{
		const char *base = strrchr((*argv)[0], '/');

		base = base ? base + 1 : (*argv)[0];
		if (strncmp(base, "fuzz_", 5) == 0)
			name = base + 5;
	}
	if (name != NULL)
		target = find_target(name);
	if (target == NULL && name != NULL)
	{
		fprintf(stderr, "funnel_fuzz: unknown target \"%s\"\n", name);
		exit(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	if (target == NULL)
	{
		fprintf(stderr, "funnel_fuzz: set FUNNEL_FUZZ_TARGET or call the program fuzz_<target>\n");
		exit(2);
	}
	run_target(target, data, size);
	return 0;
}

#ifdef FUNNEL_FUZZ_MAIN
/* ------------------------------------------------ standalone replay main */

/*
 *	funnel_fuzz [--mutate N] [--binary-seeds CORPUS] PATH...
 *
 * Every file under PATH is run through the target its directory is named
 * after (corpus/<target>/...), then N deterministic mutations of it.
 * --binary-seeds CORPUS writes send(in(x)) of every text seed of
 * CORPUS/<type>_in into CORPUS/<type>_recv.
 */
static long files_run;
static long mutations_run;
static uint64 rng_state;

static uint64
rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint8 *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	uint8	   *buf;
	long		n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
	{
		perror(path);
		exit(2);
	}
	buf = malloc(n + 1);
	if (fread(buf, 1, n, f) != (size_t) n)
	{
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t) n;
	return buf;
}

static const char *const interesting[] = {
	"0", "-1", "1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
	"1e308", "1e-320", "4.9e-324", "1e19", "99999999999999999999999999999999999999",
	"18446744073709", "18446744073710", "\"\"", "null", "[]", "{}", "\"x\"", "0.5",
	"1.5", "true", "\\u0000", "\\ud800", "2147483648", "4294967296", "65535", "1000",
	"1001", "32", "33", "(?t>18446744073710)", "(?1)", ".*", ",", "strict_order",
	"allow_reentry", "\"funnel.sales_stage\"", "\"public.mood\"", "\"int4\"", "1e400",
};

/* one deterministic mutation of in[0..len) into out; returns the new length */
static size_t
mutate(const uint8 *in, size_t len, uint8 *out, size_t cap)
{
	size_t		n = len;
	int			ops = 1 + (int) (rng_next() % 3);

	memcpy(out, in, len);
	while (ops-- > 0)
	{
		size_t		at = n ? (size_t) (rng_next() % n) : 0;

		switch (rng_next() % 8)
		{
			case 0:				/* flip a bit */
				if (n)
					out[at] ^= (uint8) (1 << (rng_next() % 8));
				break;
			case 1:				/* a random byte */
				if (n)
					out[at] = (uint8) rng_next();
				break;
			case 2:				/* +-1 */
				if (n)
					out[at] += (rng_next() & 1) ? 1 : 0xff;
				break;
			case 3:				/* delete a run */
				if (n)
				{
					size_t		k = 1 + (size_t) (rng_next() % 8);

					k = Min(n - at, k);

					memmove(out + at, out + at + k, n - at - k);
					n -= k;
				}
				break;
			case 4:				/* truncate */
				n = at;
				break;
			case 5:				/* an interesting token over a digit run or at a point */
				{
					const char *tok = interesting[rng_next() % lengthof(interesting)];
					size_t		tl = strlen(tok);
					size_t		end = at;

					while (end < n && ((out[end] >= '0' && out[end] <= '9') || out[end] == '.'))
						end++;
					if (n - (end - at) + tl > cap)
						break;
					memmove(out + at + tl, out + end, n - end);
					memcpy(out + at, tok, tl);
					n = n - (end - at) + tl;
				}
				break;
			case 6:				/* duplicate a run */
				if (n)
				{
					size_t		k = 1 + (size_t) (rng_next() % 16);

					k = Min(n - at, k);

					if (n + k > cap)
						break;
					memmove(out + at + k, out + at, n - at);
					n += k;
				}
				break;
			default:			/* a binary field set to a boundary value */
				if (n >= 4)
				{
					static const uint8 vals[] = {0x00, 0x7f, 0x80, 0xff};
					size_t		k = (size_t) 1 << (rng_next() % 4);

					k = Min(n - at, k);

					memset(out + at, vals[rng_next() % 4], k);
				}
				break;
		}
	}
	return n;
}

static void
run_file(const Target *t, const char *path, long nmut)
{
	size_t		len;
	uint8	   *data = read_file(path, &len);
	size_t		cap = len + 4096;
	uint8	   *m = malloc(cap);
	long		i;
	const char *p;

	run_target(t, data, len);
	files_run++;
	rng_state = 0x9E3779B97F4A7C15ull;
	for (p = path; *p; p++)
		rng_state = (rng_state ^ (uint8) *p) * 0x100000001B3ull;
	for (i = 0; i < nmut; i++)
	{
		size_t		n = mutate(data, len, m, cap);

		run_target(t, m, n);
		mutations_run++;
	}
	free(m);
	free(data);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* every file of dir, in name order (so a run is reproducible) */
static int
list_dir(const char *dir, char ***names)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	int			n = 0;
	int			cap = 64;

	*names = malloc(sizeof(char *) * cap);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
	{
		if (de->d_name[0] == '.')
			continue;
		if (n == cap)
			*names = realloc(*names, sizeof(char *) * (cap *= 2));
		(*names)[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(*names, n, sizeof(char *), name_cmp);
	return n;
}

static const Target *
target_of_dir(const char *dir)
{
	char	   *copy = strdup(dir);
	char	   *base;
	const Target *t;

	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	t = find_target(base);
	free(copy);
	return t;
}

/* a corpus root (holding <target>/ directories) or one target's directory */
static void
run_path(const char *path, long nmut)
{
	struct stat st;
	char	  **names;
	int			n;
	int			i;
	const Target *t;

	if (stat(path, &st) != 0)
	{
		perror(path);
		exit(2);
	}
	t = target_of_dir(path);
	n = list_dir(path, &names);
	for (i = 0; i < n; i++)
	{
		char		full[4096];

		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
		{
			if (target_of_dir(full) != NULL)
				run_path(full, nmut);
		}
		else if (t != NULL)
			run_file(t, full, nmut);
		free(names[i]);
	}
	free(names);
}

static void
binary_seeds(const char *root)
{
	int			k;

	for (k = 0; k < (int) lengthof(types); k++)
	{
		const TypeIO *io = &types[k];
		char		dir[4096];
		char	  **names;
		int			n;
		int			i;

		snprintf(dir, sizeof(dir), "%s/%s_in", root, io->name);
		n = list_dir(dir, &names);
		for (i = 0; i < n; i++)
		{
			char		path[4096];
			size_t		len;
			uint8	   *data;
			char	   *str;
			Datum		v;
			bool		ok;

			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			data = read_file(path, &len);
			str = palloc(len + 1);
			memcpy(str, data, len);
			str[len] = '\0';
			snprintf(path, sizeof(path), "%s_in", io->name);
			target = find_target(path);
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			v = call_in(io, str, &ok);
			if (ok)
			{
				bytea	   *b = DatumGetByteaPP(must_call("send", io->send, 1, v, 0, 0));
				FILE	   *f;

				snprintf(path, sizeof(path), "%s/%s_recv", root, io->name);
				(void) mkdir(path, 0777);
				snprintf(path, sizeof(path), "%s/%s_recv/%s.bin", root, io->name, names[i]);
				f = fopen(path, "wb");
				if (f == NULL || fwrite(VARDATA_ANY(b), 1, VARSIZE_ANY_EXHDR(b), f) != VARSIZE_ANY_EXHDR(b))
				{
					perror(path);
					exit(2);
				}
				fclose(f);
			}
			else
				fprintf(stderr, "%s: refused: %s\n", path, shim_last_error.message);
			shim_reset();
			funnel_state_cache_forget();
			free(data);
			free(names[i]);
		}
		free(names);
	}
}

int
main(int argc, char **argv)
{
	long		nmut = 0;
	int			i;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--mutate") == 0 && i + 1 < argc)
			nmut = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--binary-seeds") == 0 && i + 1 < argc)
			binary_seeds(argv[++i]);
		else
			run_path(argv[i], nmut);
	}
	printf("replayed %ld corpus files and %ld mutations of them (%ld values accepted and round-tripped): no failure\n",
		   files_run, mutations_run, accepted);
	return 0;
}
#endif							/* FUNNEL_FUZZ_MAIN */
