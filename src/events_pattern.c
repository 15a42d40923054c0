/*
 * events_pattern.c
 *		The parser of sequence_match/sequence_count patterns (the grammar is
 *		in events_pattern.h).  It reports a problem instead of raising it,
 *		so one parser serves the aggregates' arguments (22023) and stored
 *		patterns (22P02/22P03); with room for them it also returns the
 *		actions, which sequence.c compiles.
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/builtins.h"

#include "events_pattern.h"

#define SEQ_SYNTAX_HINT \
	"A pattern is a sequence of (?N) (an event where condition N holds), . (any event), " \
	".* (any events) and time conditions (?t<N), (?t<=N), (?t>N), (?t>=N), (?t==N) " \
	"(N seconds, or clock units for a bigint clock, after the previous event), without spaces."

/* can the parser show c in a message as it is?  (printable ASCII) */
static inline bool
seq_printable(char c)
{
	return c >= ' ' && c <= '~';
}

/* a syntax error at the 0-based position at, showing the pattern; returns -1 */
static int
seq_syntax_error(SeqSyntax *err, const char *pattern, int len, int at, const char *problem,
				 bool say_found)
{
	const char *found = "";

	if (say_found && at >= len)
		found = ", found the end of the pattern";
	else if (say_found && seq_printable(pattern[at]))
		found = psprintf(", found \"%c\"", pattern[at]);
	err->msg = psprintf("invalid sequence pattern at position %d: %s%s", at + 1, problem, found);
	err->detail = psprintf("The pattern is \"%s\".", pnstrdup(pattern, len));
	err->hint = SEQ_SYNTAX_HINT;
	return -1;
}

/* 22023: a bad pattern is a bad argument */
void
events_pattern_raise(const SeqSyntax *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", err->msg),
			 errdetail("%s", err->detail),
			 err->hint ? errhint("%s", err->hint) : 0));
}

/* what seq_number found */
#define SEQ_NUMBER_OK 0
#define SEQ_NUMBER_OVERFLOW 1	/* more than uint64 */
#define SEQ_NUMBER_NONE 2		/* no digit */

/*
 * Read a number at *i: an optional "+", then digits.  *digits is set to
 * where the digits start, *i past them.
 */
static int
seq_number(const char *p, int len, int *i, uint64 *value, int *digits)
{
	uint64		v = 0;
	bool		ok = true;

	if (*i < len && p[*i] == '+')
		(*i)++;
	*digits = *i;
	if (*i >= len || p[*i] < '0' || p[*i] > '9')
		return SEQ_NUMBER_NONE;
	while (*i < len && p[*i] >= '0' && p[*i] <= '9')
	{
		uint64		d = (uint64) (p[*i] - '0');

		if (v > (PG_UINT64_MAX - d) / 10)
			ok = false;
		else
			v = v * 10 + d;
		(*i)++;
	}
	*value = v;
	return ok ? SEQ_NUMBER_OK : SEQ_NUMBER_OVERFLOW;
}

/*
 * Parse a pattern.  Fills acts (room for len + 1) when not NULL, a time
 * condition's span in clock units included; returns the number of actions,
 * the implicit leading .* included, or -1 with *err set.
 */
int
events_pattern_parse(const char *p, int len, int nconds, bool timestamp_clock, SeqAction *acts,
					 SeqSyntax *err)
{
	int			i = 0;
	int			nact = 1;
	uint8		prev = SEQ_STAR;	/* the implicit leading .* */

	if (acts)
	{
		memset(&acts[0], 0, sizeof(SeqAction));
		acts[0].op = SEQ_STAR;
	}
	while (i < len)
	{
		SeqAction	a;
		int			start = i;

		memset(&a, 0, sizeof(a));
		a.pos = start + 1;
		if (i + 1 < len && p[i] == '(' && p[i + 1] == '?')
		{
			int			digits;
			uint64		v = 0;
			int			got;

			i += 2;
			if (i < len && p[i] == 't')
			{
				i++;
				if (i + 1 < len && p[i] == '<' && p[i + 1] == '=')
					a.op = SEQ_LE, i += 2;
				else if (i < len && p[i] == '<')
					a.op = SEQ_LT, i += 1;
				else if (i + 1 < len && p[i] == '>' && p[i + 1] == '=')
					a.op = SEQ_GE, i += 2;
				else if (i < len && p[i] == '>')
					a.op = SEQ_GT, i += 1;
				else if (i + 1 < len && p[i] == '=' && p[i + 1] == '=')
					a.op = SEQ_EQ, i += 2;
				else
					return seq_syntax_error(err, p, len, i, "expected \"<\", \"<=\", \">\", \">=\" or \"==\" after \"(?t\"", true);
				got = seq_number(p, len, &i, &v, &digits);
				if (got == SEQ_NUMBER_NONE)
					return seq_syntax_error(err, p, len, i, "expected a number", true);
				if (got == SEQ_NUMBER_OVERFLOW)
					return seq_syntax_error(err, p, len, digits, "number out of range", false);
				if (SEQ_IS_TIME(prev))
					return seq_syntax_error(err, p, len, start, "a time condition cannot follow another time condition", false);
				/* timestamp clocks: N seconds must fit in 64 bits as microseconds */
				if (timestamp_clock && v > PG_UINT64_MAX / USECS_PER_SEC)
				{
					err->msg = psprintf("invalid sequence pattern at position %d: " UINT64_FORMAT " seconds is out of range",
										start + 1, v);
					err->detail = psprintf("The pattern is \"%s\"; a time condition on a timestamp clock can be at most "
										   UINT64_FORMAT " seconds.", pnstrdup(p, len), PG_UINT64_MAX / USECS_PER_SEC);
					err->hint = NULL;
					return -1;
				}
				a.n = v;
				a.span = timestamp_clock ? v * USECS_PER_SEC : v;
				a.shift = prev == SEQ_STAR ? 0 : 1;
			}
			else
			{
				got = seq_number(p, len, &i, &v, &digits);
				if (got == SEQ_NUMBER_NONE)
					return seq_syntax_error(err, p, len, i, "expected a number", true);
				if (got == SEQ_NUMBER_OVERFLOW || v < 1 || v > (uint64) nconds)
				{
					err->msg = psprintf("invalid sequence pattern at position %d: condition number %s is out of range",
										digits + 1, pnstrdup(p + digits, i - digits));
					err->detail = psprintf("The pattern is \"%s\"; the conditions are numbered 1 to %d.",
										   pnstrdup(p, len), nconds);
					err->hint = "(?N) refers to the N-th condition after the time argument.";
					return -1;
				}
				a.op = SEQ_EVENT;
				a.cond = (int) v - 1;
			}
			if (i >= len || p[i] != ')')
				return seq_syntax_error(err, p, len, i, "expected \")\"", true);
			i++;
		}
		else if (i + 1 < len && p[i] == '.' && p[i + 1] == '*')
		{
			a.op = SEQ_STAR;
			i += 2;
		}
		else if (p[i] == '.')
		{
			a.op = SEQ_ANY;
			i += 1;
		}
		else
			return seq_syntax_error(err, p, len, i, "expected \"(?\", \".\" or \".*\"", true);
		if (acts)
			acts[nact] = a;
		nact++;
		prev = a.op;
	}
	return nact;
}

/* check a pattern argument: 22023 saying where it is wrong */
void
events_pattern_check(const char *p, int len, int nconds, bool timestamp_clock)
{
	SeqSyntax	err;

	if (events_pattern_parse(p, len, nconds, timestamp_clock, NULL, &err) < 0)
		events_pattern_raise(&err);
}

/*
 * What is wrong with a pattern, NULL if nothing: a stored pattern is bad
 * input (22P02/22P03), which the events type raises with this message.
 */
const char *
events_pattern_problem(const char *p, int len, int nconds, bool timestamp_clock)
{
	SeqSyntax	err;

	if (events_pattern_parse(p, len, nconds, timestamp_clock, NULL, &err) < 0)
		return err.msg;
	return NULL;
}
