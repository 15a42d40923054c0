/*
 * catalog.h
 *		The extension's own catalog tables (funnel_def, stage_def,
 *		transition_def, tracked_def): found by OID, read and written
 *		directly, without SQL.
 *
 * This is storage only: who may change a row is registry_rights.c's
 * business, and every writer below leaves invalidating the compiled
 * definition to its caller (no trigger fires on a direct write).
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

/* A change to a funnel_def row; a false has_* leaves that column as it is. */
typedef struct CatalogFunnelChange
{
	bool		has_allow_skip;
	bool		allow_skip;
	bool		has_allow_backward;
	bool		allow_backward;
	bool		has_allow_reopen;
	bool		allow_reopen;
	bool		has_created;
	bool		created;
} CatalogFunnelChange;

/* A change to a stage's settings; a false has_* leaves that setting as it is. */
typedef struct CatalogStageChange
{
	bool		has_probability;
	Datum		probability;	/* float8 */
	bool		has_owner;
	Datum		owner;			/* text */
	bool		has_entry;
	bool		entry;
	const char *outcome;		/* NULL: unchanged */
} CatalogStageChange;

/* finding the tables */
extern void funnel_catalog_forget_relids(void);
extern bool funnel_catalog_is_table(Oid relid);
extern Oid	funnel_catalog_extension(Oid *schema);

/* reads */
extern bool funnel_catalog_read_funnel(Oid typid, CatalogFunnel *out);
extern List *funnel_catalog_read_stages(Oid typid);
extern List *funnel_catalog_read_edges(Oid typid);
extern Oid	funnel_catalog_tracked_history(Oid relid);

/* writes */
extern void funnel_catalog_insert_funnel(Oid typid, const CatalogFunnel *f);
extern void funnel_catalog_insert_stages(Oid typid, List *stages);
extern void funnel_catalog_update_funnel(Oid typid, const CatalogFunnelChange *c);
extern void funnel_catalog_put_stage(Oid typid, const char *stage, const CatalogStageChange *c);
extern bool funnel_catalog_put_edge(Oid typid, const char *from, const char *to,
									bool remove, bool allowed);
extern void funnel_catalog_delete_funnel(Oid typid);
extern void funnel_catalog_rename_label(Oid typid, const char *oldval, const char *newval);
extern void funnel_catalog_set_tracked(Oid tracked, Oid history);
extern void funnel_catalog_forget_tables(const Oid *relids, int n);

#endif							/* FUNNEL_CATALOG_H */
