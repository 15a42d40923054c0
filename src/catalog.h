/*
 * catalog.h
 *		The extension's own catalog tables (funnel_def, stage_def,
 *		transition_def): found by OID, read and written directly.
 */
#ifndef FUNNEL_CATALOG_H
#define FUNNEL_CATALOG_H

#include "postgres.h"

#include "nodes/pg_list.h"

/* funnel_def: one row per registered funnel */
typedef struct CatalogFunnel
{
	bool		allow_skip;
	bool		allow_backward;
	bool		allow_reopen;
	bool		created;
	bool		builtin;
} CatalogFunnel;

/* stage_def: per-stage settings (a shipped row and a user row may coexist) */
typedef struct CatalogStage
{
	char	   *stage;
	char	   *outcome;		/* "open", "won" or "lost" */
	bool		has_entry;
	bool		entry;
	char	   *owner;			/* or NULL */
	bool		has_probability;
	float8		probability;
	bool		builtin;
} CatalogStage;

/* transition_def: an explicit edge */
typedef struct CatalogEdge
{
	char	   *from_stage;
	char	   *to_stage;
	bool		allowed;
} CatalogEdge;

extern void funnel_catalog_forget_relids(void);
extern bool funnel_catalog_is_table(Oid relid);
extern bool funnel_catalog_read_funnel(Oid typid, CatalogFunnel *out);
extern List *funnel_catalog_read_stages(Oid typid);
extern List *funnel_catalog_read_edges(Oid typid);
extern Oid	funnel_catalog_tracked_history(Oid relid);

#endif							/* FUNNEL_CATALOG_H */
