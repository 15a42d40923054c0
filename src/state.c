/*
 * state.c
 *		Expanded-object plumbing shared by the mergeable state types: the
 *		flat form is written once and kept until the state changes.
 */
#include "postgres.h"

#include "state.h"

void
funnel_state_init(FunnelState *st, const ExpandedObjectMethods *methods,
				  MemoryContext cxt, void (*write) (StringInfo, FunnelState *))
{
	EOH_init_header(&st->hdr, methods, cxt);
	st->flat = NULL;
	st->write = write;
}

Size
funnel_state_get_flat_size(ExpandedObjectHeader *eohptr)
{
	FunnelState *st = (FunnelState *) eohptr;

	if (st->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(eohptr->eoh_context);

		st->flat = makeStringInfo();
		st->write(st->flat, st);
		MemoryContextSwitchTo(old);
	}
	return VARHDRSZ + st->flat->len;
}

void
funnel_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	FunnelState *st = (FunnelState *) eohptr;

	(void) funnel_state_get_flat_size(eohptr);
	Assert(allocated_size == VARHDRSZ + st->flat->len);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), st->flat->data, st->flat->len);
}

Datum
funnel_state_flat(FunnelState *st)
{
	Size		size = funnel_state_get_flat_size(&st->hdr);
	void	   *v = palloc(size);

	funnel_state_flatten_into(&st->hdr, v, size);
	return PointerGetDatum(v);
}
