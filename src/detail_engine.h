/*
 * detail_engine.h
 *		The engine of window_funnel_detail (detail_engine.c): over one
 *		group's events, sorted, the best chain step 1 -> step 2 -> ... under
 *		the funnel options (per-step windows, a maximum gap, optional steps,
 *		exclusion steps, a hold-constant key), and its level.  A plain
 *		function over an array: the aggregate (window_funnel_detail.c) and
 *		any other caller (a stored sequence) give it events the same way.
 *
 * Chains.  An event is a (row, step) pair; a chain of level L is one event
 * per step 1 .. L, steps marked optional may be left out (never step 1 or
 * step L), such that:
 *	- times do not decrease (t(a) <= t(b) for a before b: one row true for
 *	  several steps may fill several of them, as in window_funnel);
 *	- t(L) - t(1) <= window (the whole-chain window, inclusive);
 *	- between consecutive events a -> b of the chain, t(b) - t(a) <= the
 *	  window of step b and <= the maximum gap, when given;
 *	- every event has the entry's hold key, when a key is held (a NULL key
 *	  never matches);
 *	- for every exclusion (condition X, steps i .. j) no row where X holds
 *	  lies in (t(i), t(min(j, L))]: after step i, up to and including the
 *	  instant of step j (or of the chain's last step, when it ends before
 *	  j); an exclusion row at the instant of step i does not break it.
 * The level is the highest L of a chain.  The chain returned is, among
 * those of that level, the fastest: the smallest t(L) - t(1), then the
 * earliest step 2, step 3, ... (a step left out counts as later than any
 * time), then the earliest entry; then the first rows in the array's
 * order.  Without options this is exactly the chain window_funnel_times
 * reports (its times are the same; the row is then fixed by the order).
 */
#ifndef FUNNEL_DETAIL_ENGINE_H
#define FUNNEL_DETAIL_ENGINE_H

#include "postgres.h"

#include "events.h"

#define WFD_MAX_STEPS EVENTS_MAX_CONDITIONS
#define WFD_MAX_EXCLUSIONS 8
#define WFD_NO_LIMIT (-1)		/* a step window or maximum gap not given */

/* one event row: its time, the conditions that held, its hold key */
typedef struct WfdEvent
{
	int64		ts;
	EventMask	mask;
	bool		key_null;		/* the hold key is NULL (never in a chain) */
	int			keylen;
	const char *key;			/* the hold key's bytes (when held) */
} WfdEvent;

/* an exclusion: no event of condition cond (0-based) between steps from .. to (1-based) */
typedef struct WfdExclusion
{
	int			cond;
	int			from;
	int			to;
} WfdExclusion;

/* the options the engine reads */
typedef struct WfdRules
{
	int			nsteps;			/* 1 .. WFD_MAX_STEPS: conditions 1 .. nsteps are steps */
	int64		window;			/* the whole chain, >= 0 */
	int64		step_window[WFD_MAX_STEPS];	/* [k]: of step k+1 from the step before,
											 * WFD_NO_LIMIT for none */
	int64		max_gap;		/* WFD_NO_LIMIT for none */
	EventMask	optional;		/* bit k: step k+1 may be left out */
	bool		hold;			/* the events' keys must equal the entry's */
	int			nexcl;
	WfdExclusion excl[WFD_MAX_EXCLUSIONS];
} WfdRules;

/* a chain: its level and, per step, the event's index in the array (-1: left out) */
typedef struct WfdChain
{
	int			level;
	int			row[WFD_MAX_STEPS];
} WfdChain;

/*
 * The best chain of n events sorted by time (ties in any order the caller
 * keeps: it decides between rows that differ only there); level 0 (and no
 * rows) when no event holds step 1.  Memory is taken in the current context
 * and freed before it returns.
 */
extern void wfd_best_chain(const WfdEvent *ev, int n, const WfdRules *rules, WfdChain *out);

/*
 * Attempts (counting => 'attempts'), in time order: the first starts at the
 * first event of step 1 (with a key, when one is held), and is the best
 * chain from that entry -- its highest level, then the fastest as above;
 * each next attempt starts at the first step-1 event strictly after the
 * time of the previous attempt's last reached step.  The level of each
 * attempt goes into levels (room for n); returns their number.
 */
extern int	wfd_attempts(const WfdEvent *ev, int n, const WfdRules *rules, int *levels);

#endif							/* FUNNEL_DETAIL_ENGINE_H */
