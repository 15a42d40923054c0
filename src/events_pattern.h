/*
 * events_pattern.h
 *		The grammar of sequence_match/sequence_count patterns (ClickHouse's
 *		syntax): the parser and checker in events_pattern.c, read by the
 *		sequence transition function (a pattern argument is checked once
 *		per query), by the events type (a stored pattern is validated) and
 *		by the matcher in sequence.c (which compiles the actions).
 *
 * Patterns, without spaces anywhere:
 *	(?N)		one event where condition N holds (N = 1 .. number of conditions)
 *	.			any one event
 *	.*			any run of events, possibly empty
 *	(?t op N)	op is <, <=, >, >= or ==: a time condition on the next event of
 *				the match, N seconds (timestamp clocks; compared exactly, in
 *				microseconds) or clock units (bigint clock)
 * Numbers are decimal digits, optionally after one "+" (ClickHouse reads them
 * with its integer reader, which takes a "+").  A time condition cannot
 * directly follow another one.  ClickHouse accepts one at the very start of
 * the pattern or right after ".*" (it checks only that the preceding action
 * is an event, "." or ".*", and the pattern starts with an implicit ".*"), so
 * we accept those too; sequence.c says what they then measure.
 */
#ifndef FUNNEL_EVENTS_PATTERN_H
#define FUNNEL_EVENTS_PATTERN_H

#include "postgres.h"

#include "compat.h"

/* what one pattern action does */
typedef enum SeqOp
{
	SEQ_EVENT,					/* (?N) */
	SEQ_ANY,					/* . */
	SEQ_STAR,					/* .* */
	SEQ_LT,						/* (?t<N) */
	SEQ_LE,						/* (?t<=N) */
	SEQ_GT,						/* (?t>N) */
	SEQ_GE,						/* (?t>=N) */
	SEQ_EQ						/* (?t==N) */
} SeqOp;

/* is the action a time condition? */
#define SEQ_IS_TIME(op) ((op) >= SEQ_LT)

/* one action of a parsed pattern */
typedef struct SeqAction
{
	uint8		op;				/* SeqOp */
	uint8		shift;			/* time: base is event e - shift (1 after an event, 0 after .*) */
	int			cond;			/* SEQ_EVENT: condition number - 1 */
	int			pos;			/* 1-based position in the pattern text */
	uint64		n;				/* time: N as written */
	uint64		span;			/* time: N in clock units */
} SeqAction;

/*
 * A pattern error, as the parser reports it: it raises nothing itself, so
 * that the events type can turn a bad stored pattern into 22P02/22P03
 * without catching errors (events_pattern_problem) and the aggregates can
 * raise 22023 (events_pattern_check, events_pattern_raise).
 */
typedef struct SeqSyntax
{
	char	   *msg;			/* "invalid sequence pattern at position N: ..." */
	char	   *detail;
	const char *hint;			/* or NULL */
} SeqSyntax;

/*
 * Parse a pattern of len bytes for nconds conditions; timestamp_clock says
 * N in a time condition is seconds of a microsecond clock (else clock
 * units).  Fills acts (room for len + 1) when not NULL; returns the number
 * of actions, the implicit leading .* included, or -1 with *err set.
 */
extern int	events_pattern_parse(const char *p, int len, int nconds, bool timestamp_clock,
								 SeqAction *acts, SeqSyntax *err);

/* raise a parser error as 22023: a bad pattern is a bad argument */
pg_noreturn extern void events_pattern_raise(const SeqSyntax *err) pg_attribute_noreturn();

/* check a pattern, raising 22023 saying where it is wrong */
extern void events_pattern_check(const char *p, int len, int nconds, bool timestamp_clock);

/* what is wrong with a pattern (palloc'd message), NULL if nothing */
extern const char *events_pattern_problem(const char *p, int len, int nconds, bool timestamp_clock);

#endif							/* FUNNEL_EVENTS_PATTERN_H */
