/*
 * defrecord.h
 *		The funnel definition a stored cohort state was counted under
 *		(defrecord.c), kept by funnel.summary (summary.c) and
 *		funnel.stage_value (stagetime.c): its stages in funnel order with
 *		their outcomes, its binary and JSON forms, their checks, and whether
 *		counts made under it carry over to the current definition.
 */
#ifndef FUNNEL_DEFRECORD_H
#define FUNNEL_DEFRECORD_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "registry.h"
#include "wire.h"

typedef struct FunnelDefRecord
{
	int			n;				/* stages; 0: not known (an empty state, a 1.0 summary) */
	Oid		   *label;			/* their enum label OIDs, in funnel order */
	uint8	   *outcome;		/* their FunnelOutcome */
} FunnelDefRecord;

/* d := def (d->label and d->outcome allocated in cxt) */
extern void defrec_set(FunnelDefRecord *d, const FunnelDef *def, MemoryContext cxt);

/* d := src, in cxt */
extern void defrec_copy(FunnelDefRecord *d, const FunnelDefRecord *src, MemoryContext cxt);

/* is d def (labels in order, and outcomes)? */
extern bool defrec_is(const FunnelDefRecord *d, const FunnelDef *def);

/* are a and b the same record? */
extern bool defrec_same(const FunnelDefRecord *a, const FunnelDefRecord *b);

/* is label one of d's stages? */
extern bool defrec_has(const FunnelDefRecord *d, Oid label);

/*
 * NULL when counts made under d carry over to def, with is_new[]
 * (def->nstages entries) marking the stages of def added since; else the
 * detail of the 55000 error, naming the value (what: "summary")
 */
extern const char *defrec_carry_problem(const FunnelDefRecord *d, const FunnelDef *def,
										const char *what, bool *is_new);

/* the first inconsistency of a record read from outside, or NULL */
extern const char *defrec_problem(const FunnelDefRecord *d);

/* recv: every label must be one of typid's (22P03 naming type otherwise) */
extern void defrec_check_labels(const FunnelDefRecord *d, Oid typid, const char *type);

/* binary form: u32 n | n x (u32 label | u8 outcome), labels through names */
extern void defrec_wire_write(StringInfo buf, WireNames *names, const FunnelDefRecord *d);
extern void defrec_wire_read(WireReader *r, FunnelDefRecord *d, MemoryContext cxt);

/* JSON form: [{"stage":..,"outcome":"open"|"won"|"lost"}, ...] */
extern void defrec_json_write(StringInfo buf, const FunnelDefRecord *d);
extern void defrec_json_read(JsonbValue *v, Oid typid, FunnelDefRecord *d, MemoryContext cxt,
							 const char *type, const char *what);

/* a stage named in a JSON form: a label of typid (22P02 naming type and what otherwise) */
extern Oid	defrec_json_label(const char *label, Oid typid, const char *type, const char *what);

#endif							/* FUNNEL_DEFRECORD_H */
