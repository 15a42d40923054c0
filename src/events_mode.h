/*
 * events_mode.h
 *		The window_funnel modes (ClickHouse's windowFunnel options): the mode
 *		table, their flags, and the parser and printer of the mode text
 *		("strict_order, allow_reentry") in events_mode.c.
 *
 * A mode is one line of WF_MODE_LIST below; window_funnel.c gives it its
 * meaning.  Adding a mode means adding its line here and its behaviour
 * there: the flag (WF_<ID>), the accepted name, the canonical text, the
 * hint that lists the modes, the check of a stored state's mode byte and
 * whether the transition function keeps rows where no step holds all
 * follow from the line.
 *
 * A state stores its modes as a byte of these flags, bit i for the mode on
 * line i: lines are never reordered or removed, new ones go at the end, and
 * there are at most 8.
 */
#ifndef FUNNEL_EVENTS_MODE_H
#define FUNNEL_EVENTS_MODE_H

#include "postgres.h"

#include "lib/stringinfo.h"

/*
 * WF_MODE(ID, name, requires, why, all_rows), one per mode, in flag order:
 *	ID			the flag is WF_<ID>
 *	name		what the mode text says
 *	requires	the flag of a mode that must be given with it, 0 for none
 *	why			the sentence saying why it requires that mode (NULL for none)
 *	all_rows	the mode reads every row of the group, also those where no
 *				step holds (the others never store them)
 */
#define WF_MODE_LIST(WF_MODE) \
	WF_MODE(STRICT_DEDUPLICATION, "strict_deduplication", 0, NULL, false) \
	WF_MODE(STRICT_ORDER, "strict_order", 0, NULL, true) \
	WF_MODE(STRICT_INCREASE, "strict_increase", 0, NULL, false) \
	WF_MODE(STRICT_ONCE, "strict_once", 0, NULL, false) \
	WF_MODE(ALLOW_REENTRY, "allow_reentry", WF_STRICT_ORDER, \
			"allow_reentry says what strict_order does with a step that comes too early.", false)

/* the line of each mode: WF_LINE_STRICT_ORDER = 1, ...; WF_MODE_COUNT modes */
typedef enum WfModeLine
{
#define WF_MODE_LINE(id, name, requires, why, all_rows) WF_LINE_##id,
	WF_MODE_LIST(WF_MODE_LINE)
#undef WF_MODE_LINE
	WF_MODE_COUNT
} WfModeLine;

/* the flag of each mode: WF_STRICT_DEDUPLICATION = 0x01, WF_STRICT_ORDER = 0x02, ... */
typedef enum WfModeFlag
{
#define WF_MODE_FLAG(id, name, requires, why, all_rows) WF_##id = 1 << WF_LINE_##id,
	WF_MODE_LIST(WF_MODE_FLAG)
#undef WF_MODE_FLAG
} WfModeFlag;

StaticAssertDecl(WF_MODE_COUNT <= 8, "window_funnel modes are stored in one byte");

/* every mode's flag (a stored mode byte has no other bit) */
#define WF_MODE_OR_FLAG(id, name, requires, why, all_rows) | WF_##id
#define WF_ALL_MODES (0 WF_MODE_LIST(WF_MODE_OR_FLAG))

/* the modes that read the rows where no step holds */
#define WF_MODE_OR_ALL_ROWS(id, name, requires, why, all_rows) | ((all_rows) ? WF_##id : 0)
#define WF_ALL_ROWS_MODES (0 WF_MODE_LIST(WF_MODE_OR_ALL_ROWS))

/*
 * The flags of a mode text ("strict_order, allow_reentry"; blank = none).
 * An unknown, empty or renamed entry, or a mode without the one it
 * requires, raises code (22023 for an argument, 22P02 for a state's text
 * form) with a message naming fn.
 */
extern uint8 events_mode_parse(const char *text, int code, const char *fn);

/* the canonical text of a mode: the names in table order, ", " between */
extern void events_mode_append(StringInfo buf, uint8 mode);

/* what is wrong with a stored mode byte, NULL if nothing */
extern const char *events_mode_problem(uint8 mode);

#endif							/* FUNNEL_EVENTS_MODE_H */
