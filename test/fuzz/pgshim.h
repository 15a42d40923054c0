/*
 * pgshim.h
 *		The small part of the PostgreSQL backend that the extension's parsers
 *		call, reimplemented outside the server for the fuzz harnesses
 *		(funnel_fuzz.c).  See pgshim.c for what each part models.
 */
#ifndef FUNNEL_PGSHIM_H
#define FUNNEL_PGSHIM_H

#include "postgres.h"

#include "fmgr.h"

/* the fake catalog (pgshim.c): OIDs the harnesses and seeds refer to */
#define SHIM_NSP_PG_CATALOG 11
#define SHIM_NSP_PUBLIC 2200
#define SHIM_NSP_FUNNEL 16384
#define SHIM_NSP_ODD 16385		/* "Odd ""Ops""" */

#define SHIM_TYPE_SALES 16400	/* funnel.sales_stage, a registered funnel */
#define SHIM_TYPE_MARKETING 16420	/* funnel.marketing_stage, labels with odd OIDs */
#define SHIM_TYPE_ODD 16440		/* "Odd ""Ops""".stage, labels needing escapes */
#define SHIM_TYPE_MOOD 16460	/* public.mood: an enum that is not a funnel */
#define SHIM_TYPE_INT4 23		/* pg_catalog.int4: not an enum */

/* what the last error raised said */
typedef struct ShimError
{
	int			elevel;
	int			sqlerrcode;
	char		message[1024];
	char		detail[1024];
	const char *filename;
	int			lineno;
} ShimError;

extern ShimError shim_last_error;

/* free every allocation made since the last call (end of one fuzz input) */
extern void shim_reset(void);

/* number of live allocations (for leak-free checks in replay) */
extern long shim_live_allocations(void);

/* the return type get_fn_expr_rettype reports (window_funnel_times_final) */
extern Oid	shim_fn_rettype;

/* sqlstate as five characters */
extern const char *shim_sqlstate(int sqlerrcode);

/* a fresh FmgrInfo for calling one of the extension's functions */
extern void shim_flinfo(FmgrInfo *fl, PGFunction fn);

/* call fn(args) through fcinfo with the given flinfo (NULL: none) */
extern Datum shim_call(FmgrInfo *fl, PGFunction fn, int nargs, Datum a0, Datum a1, Datum a2);

#endif							/* FUNNEL_PGSHIM_H */
