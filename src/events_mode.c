/*
 * events_mode.c
 *		The window_funnel mode table (from WF_MODE_LIST, events_mode.h) and
 *		what reads and writes it: the parser of a mode text, its canonical
 *		text, the check of a stored mode byte and the hint that lists the
 *		modes.  Nothing here knows what a mode does: window_funnel.c does.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "events_mode.h"

/* one mode, as its line in WF_MODE_LIST declares it */
typedef struct WfMode
{
	const char *name;
	uint8		flag;
	uint8		requires;		/* flag of the mode it needs beside it, or 0 */
	const char *why;			/* why it needs it */
} WfMode;

static const WfMode wf_modes[WF_MODE_COUNT] = {
#define WF_MODE_ENTRY(id, name, requires, why, all_rows) {name, WF_##id, requires, why},
	WF_MODE_LIST(WF_MODE_ENTRY)
#undef WF_MODE_ENTRY
};

/* a mode's earlier name, refused with a message giving the new one */
typedef struct WfRenamed
{
	const char *old_name;
	const char *new_name;
} WfRenamed;

static const WfRenamed wf_renamed[] = {
	{"strict", "strict_deduplication"},
};

/* the name of the mode with flag (one bit) */
static const char *
mode_name(uint8 flag)
{
	int			i;

	for (i = 0; i < WF_MODE_COUNT; i++)
		if (wf_modes[i].flag == flag)
			return wf_modes[i].name;
	return "?";
}

/*
 * The hint that lists the modes: "Modes are a, b and c (with a), separated
 * by commas.", a mode that requires another followed by "(with" its name.
 */
static char *
mode_hint(void)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "Modes are ");
	for (i = 0; i < WF_MODE_COUNT; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, i == WF_MODE_COUNT - 1 ? " and " : ", ");
		appendStringInfoString(&buf, wf_modes[i].name);
		if (wf_modes[i].requires)
			appendStringInfo(&buf, " (with %s)", mode_name(wf_modes[i].requires));
	}
	appendStringInfoString(&buf, ", separated by commas.");
	return buf.data;
}

/* the line of a mode given without the one it requires, or -1 */
static int
mode_missing_requirement(uint8 mode)
{
	int			i;

	for (i = 0; i < WF_MODE_COUNT; i++)
		if ((mode & wf_modes[i].flag) && wf_modes[i].requires && !(mode & wf_modes[i].requires))
			return i;
	return -1;
}

/* the blanks around a mode name: space, tab, newline, carriage return */
static inline bool
mode_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The flag of one entry of the mode text (start, len bytes, not empty); an
 * unknown or renamed name raises code.
 */
static uint8
mode_entry(const char *start, int len, int code, const char *fn)
{
	char	   *word;
	int			i;

	for (i = 0; i < WF_MODE_COUNT; i++)
		if (strlen(wf_modes[i].name) == (size_t) len && strncmp(start, wf_modes[i].name, len) == 0)
			return wf_modes[i].flag;
	word = pnstrdup(start, len);
	for (i = 0; i < (int) lengthof(wf_renamed); i++)
		if (strcmp(word, wf_renamed[i].old_name) == 0)
			ereport(ERROR,
					(errcode(code),
					 errmsg("%s mode \"%s\" is now called \"%s\"", fn, wf_renamed[i].old_name,
							wf_renamed[i].new_name),
					 errhint("Write '%s', as current ClickHouse does.", wf_renamed[i].new_name)));
	ereport(ERROR,
			(errcode(code),
			 errmsg("unknown %s mode \"%s\"", fn, word),
			 errhint("%s", mode_hint())));
	return 0;
}

/*
 * "strict_order, allow_reentry" -> flags; code (22023 for an argument, 22P02
 * for a state's text form) on an unknown or contradictory mode
 */
uint8
events_mode_parse(const char *text, int code, const char *fn)
{
	const char *p = text;
	uint8		mode = 0;
	int			i;

	while (mode_blank(*p))
		p++;
	if (*p == '\0')
		return 0;				/* '' or blanks: no mode */
	for (;;)
	{
		const char *start;
		const char *end;

		while (mode_blank(*p))
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && mode_blank(end[-1]))
			end--;
		if (end == start)
			ereport(ERROR,
					(errcode(code),
					 errmsg("%s mode \"%s\" has an empty entry", fn, text),
					 errhint("%s", mode_hint())));
		mode |= mode_entry(start, (int) (end - start), code, fn);
		if (*p == '\0')
			break;
		p++;					/* the comma */
	}
	i = mode_missing_requirement(mode);
	if (i >= 0)
		ereport(ERROR,
				(errcode(code),
				 errmsg("%s mode %s requires %s", fn, wf_modes[i].name, mode_name(wf_modes[i].requires)),
				 errdetail("%s", wf_modes[i].why),
				 errhint("Write '%s, %s'.", mode_name(wf_modes[i].requires), wf_modes[i].name)));
	return mode;
}

/* the canonical text of a mode: names in table order, ", " between */
void
events_mode_append(StringInfo buf, uint8 mode)
{
	bool		first = true;
	int			i;

	for (i = 0; i < WF_MODE_COUNT; i++)
	{
		if (mode & wf_modes[i].flag)
		{
			appendStringInfo(buf, "%s%s", first ? "" : ", ", wf_modes[i].name);
			first = false;
		}
	}
}

/* what is wrong with a stored mode byte (events_in, events_recv), NULL if nothing */
const char *
events_mode_problem(uint8 mode)
{
	int			i;

	if (mode & ~WF_ALL_MODES)
		return "unknown mode";
	i = mode_missing_requirement(mode);
	if (i >= 0)
		return psprintf("%s requires %s", wf_modes[i].name, mode_name(wf_modes[i].requires));
	return NULL;
}
