/*
 * defrecord.c
 *		The funnel definition a stored cohort state was counted under.
 *
 * The counts of funnel.summary and funnel.stage_value depend on the
 * funnel's order (what "reached" and "strict" mean), so each state keeps the
 * definition they were counted under: its stages in funnel order, with their
 * outcomes.  When the funnel has changed since -- stages added anywhere,
 * labels renamed (a rename keeps the label's OID) -- the state carries its
 * counts over to the current definition (each type knows how); a change that
 * cannot be carried over -- a stored stage that is gone, changed its outcome
 * or moved -- is refused with the detail defrec_carry_problem gives.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "defrecord.h"
#include "registry_names.h"
#include "textform.h"

/* Make room for n stages in d (cxt), keeping the arrays when n is unchanged. */
static void
defrec_resize(FunnelDefRecord *d, int n, MemoryContext cxt)
{
	if (d->n != n || d->label == NULL)
	{
		if (d->label)
			pfree(d->label);
		if (d->outcome)
			pfree(d->outcome);
		d->label = MemoryContextAlloc(cxt, sizeof(Oid) * Max(n, 1));
		d->outcome = MemoryContextAlloc(cxt, Max(n, 1));
	}
	d->n = n;
}

/* d := def, in cxt. */
void
defrec_set(FunnelDefRecord *d, const FunnelDef *def, MemoryContext cxt)
{
	int			i;

	defrec_resize(d, def->nstages, cxt);
	for (i = 0; i < def->nstages; i++)
	{
		d->label[i] = def->stages[i].label_oid;
		d->outcome[i] = (uint8) def->stages[i].outcome;
	}
}

/* d := src, in cxt. */
void
defrec_copy(FunnelDefRecord *d, const FunnelDefRecord *src, MemoryContext cxt)
{
	defrec_resize(d, src->n, cxt);
	if (src->n > 0)
	{
		memcpy(d->label, src->label, sizeof(Oid) * src->n);
		memcpy(d->outcome, src->outcome, src->n);
	}
}

/* Is d def (labels in order, and outcomes)? */
bool
defrec_is(const FunnelDefRecord *d, const FunnelDef *def)
{
	int			i;

	if (d->n != def->nstages)
		return false;
	for (i = 0; i < d->n; i++)
		if (d->label[i] != def->stages[i].label_oid || d->outcome[i] != (uint8) def->stages[i].outcome)
			return false;
	return true;
}

/* Are a and b the same record? */
bool
defrec_same(const FunnelDefRecord *a, const FunnelDefRecord *b)
{
	return a->n == b->n &&
		(a->n == 0 ||
		 (memcmp(a->label, b->label, sizeof(Oid) * a->n) == 0 &&
		  memcmp(a->outcome, b->outcome, a->n) == 0));
}

/* Is label one of d's stages? */
bool
defrec_has(const FunnelDefRecord *d, Oid label)
{
	int			i;

	for (i = 0; i < d->n; i++)
		if (d->label[i] == label)
			return true;
	return false;
}

/*
 * Whether counts made under d can be carried over to def: NULL, with
 * is_new[k] (def->nstages entries) true for each stage of def added since;
 * otherwise the detail of the 55000 error, which names the value ("summary").
 * Carrying over is possible when every stored stage is still a stage of def,
 * with the same outcome, in the same order.
 */
const char *
defrec_carry_problem(const FunnelDefRecord *d, const FunnelDef *def, const char *what, bool *is_new)
{
	int			k;
	int			prev = -1;

	for (k = 0; k < def->nstages; k++)
		is_new[k] = true;
	for (k = 0; k < d->n; k++)
	{
		int			ni = funnel_label_index(def, d->label[k]);

		if (ni < 0)
			return psprintf("Stage %u of the %s's definition is no longer a stage of %s.",
							d->label[k], what, def->type_name);
		if ((uint8) def->stages[ni].outcome != d->outcome[k])
			return psprintf("Stage \"%s\" was %s when the %s was made and is %s now.",
							def->stages[ni].label, funnel_outcome_name((FunnelOutcome) d->outcome[k]),
							what, funnel_outcome_name(def->stages[ni].outcome));
		if (ni <= prev)
			return "The stages are in another order.";
		prev = ni;
		is_new[ni] = false;
	}
	return NULL;
}

/*
 * The first inconsistency of a record read from outside (binary or text
 * input), or NULL: too many stages, an unknown outcome, a stage twice, no
 * open stage.
 */
const char *
defrec_problem(const FunnelDefRecord *d)
{
	bool		open = false;
	int			i;
	int			j;

	if (d->n > FUNNEL_MAX_STAGES)
		return "too many stages in the definition";
	for (i = 0; i < d->n; i++)
	{
		if (d->outcome[i] > FUNNEL_LOST)
			return "unknown outcome in the definition";
		for (j = 0; j < i; j++)
			if (d->label[j] == d->label[i])
				return "a stage appears twice in the definition";
		open |= d->outcome[i] == FUNNEL_OPEN;
	}
	if (d->n > 0 && !open)
		return "a definition without an open stage";
	return NULL;
}

/* recv: the type is an enum and every label one of its labels (22P03). */
void
defrec_check_labels(const FunnelDefRecord *d, Oid typid, const char *type)
{
	int			i;

	if (d->n > 0 && get_typtype(typid) != TYPTYPE_ENUM)
		wire_error(type, "type %u is not an enum", typid);
	for (i = 0; i < d->n; i++)
		if (!funnel_label_belongs(d->label[i], typid))
			wire_error(type, "stage %u is not a label of its funnel", d->label[i]);
}

/* The binary form: u32 n | n x (u32 label | u8 outcome). */
void
defrec_wire_write(StringInfo buf, WireNames *names, const FunnelDefRecord *d)
{
	int			i;

	wire_put_u32(buf, (uint32) d->n);
	for (i = 0; i < d->n; i++)
	{
		wire_put_label(buf, names, d->label[i]);
		wire_put_u8(buf, d->outcome[i]);
	}
}

/* The binary form into d (cxt); the count is bounded before anything is allocated. */
void
defrec_wire_read(WireReader *r, FunnelDefRecord *d, MemoryContext cxt)
{
	uint32		n = wire_get_u32(r, "definition length");
	uint32		i;

	if (n > FUNNEL_MAX_STAGES)
		wire_bad(r, "too many stages in the definition");
	defrec_resize(d, (int) n, cxt);
	for (i = 0; i < n; i++)
	{
		d->label[i] = wire_get_label(r, "definition label");
		d->outcome[i] = wire_get_u8(r, "definition outcome");
	}
}

/* The JSON form: [{"stage":..,"outcome":..}, ...], labels by name. */
void
defrec_json_write(StringInfo buf, const FunnelDefRecord *d)
{
	int			i;

	appendStringInfoChar(buf, '[');
	for (i = 0; i < d->n; i++)
	{
		appendStringInfoString(buf, i ? ",{\"stage\":" : "{\"stage\":");
		append_json_string(buf, funnel_label_name(d->label[i]));
		appendStringInfo(buf, ",\"outcome\":\"%s\"}", funnel_outcome_name((FunnelOutcome) d->outcome[i]));
	}
	appendStringInfoChar(buf, ']');
}

/*
 * A stage named in a JSON form: a label of typid; 22P02 naming the value's
 * type and what it is ("summary") otherwise.
 */
Oid
defrec_json_label(const char *label, Oid typid, const char *type, const char *what)
{
	HeapTuple	tup;
	Oid			oid;

	if (!OidIsValid(typid) || strlen(label) >= NAMEDATALEN)
		jin_bad(type, psprintf("\"%s\" is not a stage of the %s's funnel", label, what));
	tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid), CStringGetDatum(label));
	if (!HeapTupleIsValid(tup))
		jin_bad(type, psprintf("\"%s\" is not a stage of %s", label, format_type_be(typid)));
	oid = ((Form_pg_enum) GETSTRUCT(tup))->oid;
	ReleaseSysCache(tup);
	return oid;
}

/* The JSON form v (an array) into d (cxt), the labels of typid (22P02). */
void
defrec_json_read(JsonbValue *v, Oid typid, FunnelDefRecord *d, MemoryContext cxt,
				 const char *type, const char *what)
{
	JsonbContainer *order = jin_array(v, type, "order");
	uint32		i;

	if (jin_len(order) > FUNNEL_MAX_STAGES)
		jin_bad(type, "too many stages in \"order\"");
	defrec_resize(d, (int) jin_len(order), cxt);
	for (i = 0; i < jin_len(order); i++)
	{
		JsonbContainer *e = jin_object(jin_at(order, i), type, "an \"order\" entry");
		char	   *label = jin_string(jin_get(e, "stage", true, type), type, "stage");
		char	   *outcome = jin_string(jin_get(e, "outcome", true, type), type, "outcome");

		d->label[i] = defrec_json_label(label, typid, type, what);
		if (strcmp(outcome, "open") == 0)
			d->outcome[i] = FUNNEL_OPEN;
		else if (strcmp(outcome, "won") == 0)
			d->outcome[i] = FUNNEL_WON;
		else if (strcmp(outcome, "lost") == 0)
			d->outcome[i] = FUNNEL_LOST;
		else
			jin_bad(type, "\"outcome\" must be \"open\", \"won\" or \"lost\"");
	}
}
