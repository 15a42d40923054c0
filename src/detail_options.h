/*
 * detail_options.h
 *		The options of window_funnel_detail (funnel.funnel_options): read
 *		from the composite value the user builds, checked, and kept in a
 *		group's state as a small canonical byte string (detail_options.c).
 */
#ifndef FUNNEL_DETAIL_OPTIONS_H
#define FUNNEL_DETAIL_OPTIONS_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "detail_engine.h"
#include "wire.h"

#define WFD_MAX_WINDOWS 32
#define WFD_MAX_VALUES 32

/* breakdown: whose value the breakdown field reports */
#define WFD_BREAKDOWN_NONE 0
#define WFD_BREAKDOWN_ENTRY 1
#define WFD_BREAKDOWN_STEP 2
#define WFD_BREAKDOWN_LAST 3

/* the columns of funnel.funnel_options, in order */
#define WFD_OPT_EXCLUDE 1
#define WFD_OPT_STEP_WINDOWS 2
#define WFD_OPT_MAX_GAP 3
#define WFD_OPT_OPTIONAL 4
#define WFD_OPT_HOLD 5
#define WFD_OPT_BREAKDOWN 6
#define WFD_OPT_WINDOWS 7
#define WFD_OPT_AS_OF 8
#define WFD_OPT_COUNTING 9
#define WFD_OPT_COLUMNS 9

typedef struct WfdOptions
{
	WfdRules	rules;			/* what the engine reads (window: the aggregate's) */
	int			hold;			/* the value held constant (1-based), 0 for none */
	int			breakdown;		/* WFD_BREAKDOWN_* */
	int			breakdown_step; /* WFD_BREAKDOWN_STEP: the step (1-based) */
	int			nwindows;		/* windows to report a level for */
	int64		windows[WFD_MAX_WINDOWS];
	bool		has_as_of;
	int64		as_of;
	bool		attempts;		/* counting => 'attempts': report every attempt's level */
} WfdOptions;

/* no options: every condition a step, no limits */
extern void wfd_options_default(int nconds, WfdOptions *o);

/*
 * The options in a funnel.funnel_options value (typid: its declared type),
 * for a call with nconds conditions; 22023 naming fn for a bad option.
 */
extern void wfd_options_from_datum(Datum d, Oid typid, int nconds, WfdOptions *o, const char *fn);

/* the canonical bytes of options (wire.h), and back (22P03 for bad bytes) */
extern void wfd_options_write(StringInfo buf, const WfdOptions *o);
extern void wfd_options_read(WireReader *r, int nconds, WfdOptions *o);

#endif							/* FUNNEL_DETAIL_OPTIONS_H */
